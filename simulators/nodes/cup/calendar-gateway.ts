import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import { encodeMailboxSegment, exchangeStoreName, localPartOf, parseMultiStatus, propValue, serializeCalendarSearch } from '../../protocols/webdav';
import type { CalendarSearch } from '../../protocols/webdav';
import type { HostNetwork, TcpConnection } from '../../transport/network';
import type { DnsResolver } from '../shared/dns-resolver';
import { PersistentHttpClient } from '../shared/http-client';
import { appendBounded } from '../../kernel/bounded-list';

/** Presence > Gateways, type Outlook (seed 000), as CUP's gateway reads it. */
export interface CalendarGatewayConfig {
  readonly server: string;
  readonly owaUrl: string;
  readonly account: string;
  readonly password: string;
  readonly pollIntervalS: number;
  /** The Exchange server's certificate (its issuer's) is in CUP's trust store. */
  readonly certificateTrusted: boolean;
}

/** What the gateway makes of a user's calendar now: Outlook's "Show time as" of the appointment in progress. */
export const CALENDAR_STATES = ['free', 'tentative', 'busy', 'outOfOffice', 'unknown'] as const;
export type CalendarState = (typeof CALENDAR_STATES)[number];

/** The Presence Gateway's status as CUP's administration page shows it. */
export const GATEWAY_STATUSES = ['notConfigured', 'connecting', 'connected', 'unreachable', 'unauthorized', 'loginTimeout', 'certificateUntrusted', 'forbidden'] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];

export interface CalendarUser {
  readonly userId: string;
  /** The e-mail address CUP synchronised from CUCM's end user ("Mail ID"). */
  readonly email: string | undefined;
}

/** Secures a connection to the Exchange server (TLS with CUP's trust store) or refuses; absent: no HTTPS. */
export type GatewaySecurer = (connection: TcpConnection, servername: string) => Promise<TcpConnection>;

const CAL = 'urn:schemas:calendar:';
/** Where the raw construction puts the folder URL in its body template. */
const SCOPE_SLOT = 'SCOPE-URL-SLOT';
const PROPERTIES = [`${CAL}busystatus`, `${CAL}dtstart`, `${CAL}dtend`, `${CAL}instancetype`];
const STRENGTH: Readonly<Record<string, number>> = { FREE: 0, TENTATIVE: 1, BUSY: 2, OOF: 3 };
const STATE_OF: Readonly<Record<string, CalendarState>> = { FREE: 'free', TENTATIVE: 'tentative', BUSY: 'busy', OOF: 'outOfOffice' };

/**
 * CUP's Presence Gateway for Microsoft Exchange (seed 000; docs/protocols/cup-presence.md §4, §5): on every poll it
 * reads the Calendar folder of each user whose User Options enable calendar states, with a WebDAV SEARCH over
 * OWA (HTTP/1.1 over the network, TLS when the OWA URL is https), and takes the strongest "Show time as" of the
 * appointments in progress. A failure is recorded in the gateway's log and leaves the user's calendar state
 * unknown, which has no effect on presence.
 *
 * The mailbox URL is built from the left-hand side of the user's e-mail address. In the releases the
 * calendaring note's troubleshooting tip covers (its range is stated on the claim `calendar.email-characters`),
 * CUP concatenates that text into the URL and into the SEARCH body as it is; the corrected construction escapes
 * it as Exchange's store names and URLs require, and XML-escapes the body.
 */
export class CalendarGateway {
  private config: CalendarGatewayConfig | undefined;
  private users: readonly CalendarUser[] = [];
  private readonly states = new Map<string, CalendarState>();
  private readonly errors = new Map<string, string>();
  private timer: TimerHandle | undefined;
  private polling = false;
  private again = false;
  private client: { key: string; client: PersistentHttpClient } | undefined;
  private stopped = false;
  status: GatewayStatus = 'notConfigured';
  readonly log: { t: number; message: string }[] = [];

  constructor(
    private readonly deps: {
      readonly network: HostNetwork;
      readonly clock: Clock;
      readonly resolver: DnsResolver;
      readonly logger: Logger;
      readonly userAgent: string;
      /** The troubleshooting tip's mechanism: the mailbox URL built from the raw e-mail text. */
      readonly rawMailboxUrls: boolean;
      readonly secure?: GatewaySecurer;
      /** The ports an https:// or http:// URL without one means in this runtime (443 and 80 unless it says otherwise). */
      readonly defaultPorts: { readonly http: number; readonly https: number };
      /** Whether anybody watches the user's presence (the gateway reads only their calendars). */
      isWatched(userId: string): boolean;
      /** A user's calendar state changed. */
      onChange(userId: string): void;
    },
  ) {}

  configure(config: CalendarGatewayConfig | undefined, users: readonly CalendarUser[]): void {
    this.config = config;
    this.users = users;
    const enabled = new Set(users.map((u) => u.userId));
    for (const userId of [...this.states.keys()]) {
      if (!config || !enabled.has(userId)) this.forget(userId);
    }
    this.status = config ? (this.status === 'notConfigured' ? 'connecting' : this.status) : 'notConfigured';
    this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.client?.client.close();
    this.client = undefined;
    if (config && !this.stopped) this.schedule(0);
  }

  /** Somebody started watching the user: their calendar is read now rather than at the next poll. */
  watched(userId: string): void {
    const config = this.config;
    const user = this.users.find((u) => u.userId.toLowerCase() === userId.toLowerCase());
    if (!config || !user || this.stopped) return;
    void this.poll(config, user);
  }

  /** A user nobody watches any more: their calendar state is forgotten until somebody does. */
  unwatched(userId: string): void {
    if (!this.deps.isWatched(userId)) this.forget(userId.toLowerCase());
  }

  stateOf(userId: string): CalendarState {
    return this.states.get(userId) ?? 'unknown';
  }

  errorOf(userId: string): string | undefined {
    return this.errors.get(userId);
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimer(this.timer);
    this.client?.client.close();
  }

  /** The URL of a user's Calendar folder, as this release builds it. */
  calendarUrl(email: string): string {
    const base = this.config?.owaUrl ?? '';
    const vdir = base.endsWith('/') ? base : `${base}/`;
    if (this.deps.rawMailboxUrls) return `${vdir}${localPartOf(email)}/Calendar/`;
    return `${vdir}${encodeMailboxSegment(exchangeStoreName(email))}/Calendar/`;
  }

  private forget(userId: string): void {
    const had = this.states.has(userId);
    this.states.delete(userId);
    this.errors.delete(userId);
    if (had) this.deps.onChange(userId);
  }

  private schedule(delayMs: number): void {
    this.timer = this.deps.clock.setTimer(delayMs, () => {
      this.timer = undefined;
      void this.pollAll();
    });
  }

  private async pollAll(): Promise<void> {
    const config = this.config;
    if (!config || this.stopped) return;
    if (this.polling) {
      // A poll is under way (with the configuration before a change): another follows it at once.
      this.again = true;
      return;
    }
    this.polling = true;
    try {
      for (const user of this.users) {
        if (this.config !== config || this.stopped) break;
        if (!this.deps.isWatched(user.userId)) continue;
        await this.poll(config, user);
      }
    } finally {
      this.polling = false;
    }
    if (this.stopped || !this.config) return;
    const again = this.again || this.config !== config;
    this.again = false;
    this.deps.clock.clearTimer(this.timer);
    this.schedule(again ? 0 : this.config.pollIntervalS * 1000);
  }

  private record(message: string): void {
    appendBounded(this.log, { t: this.deps.clock.now(), message });
    this.deps.logger.info(message);
  }

  private set(userId: string, state: CalendarState, error?: string): void {
    const before = this.stateOf(userId);
    if (state === 'unknown') this.states.delete(userId);
    else this.states.set(userId, state);
    if (error === undefined) this.errors.delete(userId);
    else if (this.errors.get(userId) !== error) {
      this.errors.set(userId, error);
      this.record(`calendar of ${userId}: ${error}`);
    }
    if (before !== state) this.deps.onChange(userId);
  }

  private async poll(config: CalendarGatewayConfig, user: CalendarUser): Promise<void> {
    if (user.email === undefined || !user.email.includes('@')) return this.set(user.userId, 'unknown', 'the user has no e-mail address');
    const text = this.calendarUrl(user.email);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return this.set(user.userId, 'unknown', `cannot form a URL from ${text}`);
    }
    const now = this.deps.clock.date().getTime();
    const search: CalendarSearch = {
      properties: PROPERTIES,
      scope: text,
      traversal: 'shallow',
      excludeRecurringMasters: true,
      contentClass: 'urn:content-classes:appointment',
      window: { start: iso(now), end: iso(now + config.pollIntervalS * 1000) },
    };
    // The raw construction fills the URL into its (well-formed) body template as text; the corrected one lets the
    // codec escape it with the rest of the SQL.
    const body = this.deps.rawMailboxUrls ? serializeCalendarSearch({ ...search, scope: SCOPE_SLOT }).replace(SCOPE_SLOT, text) : serializeCalendarSearch(search);
    const https = url.protocol === 'https:';
    const secure = this.deps.secure;
    if (https && !secure) return this.fail(user.userId, 'certificateUntrusted', 'HTTPS to Exchange is not available');
    let address: string;
    try {
      address = await this.deps.resolver.resolveA(url.hostname);
    } catch {
      return this.fail(user.userId, 'unreachable', `${url.hostname} does not resolve`);
    }
    const port = url.port ? Number(url.port) : https ? this.deps.defaultPorts.https : this.deps.defaultPorts.http;
    const key = `${address}:${port}:${https}`;
    if (this.client?.key !== key) {
      this.client?.client.close();
      const hostname = url.hostname;
      this.client = { key, client: new PersistentHttpClient(this.deps.network, this.deps.clock, { address, port }, https && secure ? { secure: (c) => secure(c, hostname) } : {}) };
    }
    const client = this.client.client;
    let response;
    try {
      response = await client.request({
        method: 'SEARCH',
        target: `${url.pathname}${url.search}`,
        host: url.host,
        headers: [
          ['User-Agent', this.deps.userAgent],
          ['Authorization', `Basic ${btoa(`${config.account}:${config.password}`)}`],
          ['Content-Type', 'text/xml'],
          ['Depth', '1'],
          ['Translate', 'f'],
          ['Brief', 't'],
        ],
        body,
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && /CERT|UNABLE_TO|SELF_SIGNED|ALTNAME|unknown ca/i.test(`${code} ${message}`)) {
        return this.fail(user.userId, 'certificateUntrusted', `the Exchange server's certificate is not trusted (${code})`);
      }
      return this.fail(user.userId, 'unreachable', `cannot reach ${url.host}: ${message}`);
    }
    switch (response.status) {
      case 207:
        break;
      case 401:
        return this.fail(user.userId, 'unauthorized', `Exchange refused the gateway account ${config.account}: 401 ${response.reason}`);
      case 440:
        return this.fail(user.userId, 'loginTimeout', `Exchange answered 440 ${response.reason}: forms-based authentication is on for ${url.pathname}`);
      default:
        if (this.status !== 'connected') this.status = 'connected';
        return this.set(user.userId, 'unknown', `${response.status} ${response.reason} for SEARCH ${url.pathname}`);
    }
    const ms = parseMultiStatus(response.body);
    if (!ms.ok) return this.set(user.userId, 'unknown', `unreadable 207 Multi-Status: ${ms.error.message}`);
    this.status = 'connected';
    let strongest: string | undefined;
    for (const item of ms.value.responses) {
      const start = Date.parse(propValue(item, { namespace: CAL, name: 'dtstart' }) ?? '');
      const end = Date.parse(propValue(item, { namespace: CAL, name: 'dtend' }) ?? '');
      const busy = (propValue(item, { namespace: CAL, name: 'busystatus' }) ?? '').toUpperCase();
      if (!(start <= now && now < end) || !(busy in STRENGTH)) continue;
      if (strongest === undefined || (STRENGTH[busy] ?? 0) > (STRENGTH[strongest] ?? 0)) strongest = busy;
    }
    this.set(user.userId, strongest === undefined ? 'free' : (STATE_OF[strongest] ?? 'free'));
  }

  private fail(userId: string, status: GatewayStatus, why: string): void {
    if (this.status !== status) this.record(`presence gateway ${this.config?.server ?? ''}: ${why}`);
    this.status = status;
    this.set(userId, 'unknown', why);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
