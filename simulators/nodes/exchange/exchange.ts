import { randomToken } from '../../kernel/random';
import type { HttpRequest, HttpResponse } from '../../protocols/http';
import type { TcpConnection, TcpServer } from '../../transport/network';
import type { NodeEnv } from '../node';
import { NodeBase } from '../node';
import { serveMswHandlers, textResponse } from '../shared/msw-http-server';
import type { ExchangeRelease } from './exchange-releases';
import { BUSY_STATUS_VALUES, MailboxStore } from './mailbox-store';
import type { Appointment, BusyStatusValue, MailboxConfig } from './mailbox-store';
import { accountName, releaseBehaviour } from './owa-auth';
import type { OwaAccount } from './owa-auth';
import { owaHandlers } from './owa-handlers';
import { CONNECTIONS_PER_PEER } from '../../transport/stream-limits';
import { appendBounded } from '../../kernel/bounded-list';

export interface ExchangeConfig {
  readonly release: ExchangeRelease;
  readonly fqdn: string;
  /** Where OWA answers: the scheme decides HTTP (port 80) or HTTPS (port 443); the path is the virtual directory. */
  readonly owaUrl: string;
  /** Forms-based authentication on the OWA virtual directories (else Basic). */
  readonly formsBasedAuth: boolean;
  readonly mailboxes: readonly MailboxConfig[];
  /** Accounts with "Receive As" on every mailbox store (the one CUP's Presence Gateway signs in with). */
  readonly serviceAccounts: readonly { readonly user: string; readonly password: string }[];
  /** Seed of the calendar population. */
  readonly calendarSeed: number;
  /** Where OWA's HTTP and HTTPS bindings listen in this runtime (80 and 443 unless the runtime says otherwise). */
  readonly ports: { readonly http: number; readonly https: number };
  /** Wraps an accepted connection in a TLS server session (HTTPS); absent: the node serves plain HTTP only. */
  readonly tls?: (connection: TcpConnection) => TcpConnection;
}

/** A forms-based session cookie lives as long as a private computer's default: 24 hours of inactivity (EVO-FBA). */
const SESSION_LIFETIME_MS = 24 * 3600_000;
/** Characters Windows reserves in file names, which the Exchange store's file-system namespace cannot hold (modelled). */
const RESERVED_IN_STORE_NAMES = /[*|"<>:]/;

export interface ExchangeObservation {
  readonly requests: number;
  readonly refusals: readonly { t: number; method: string; path: string; status: number; why: string }[];
}

/**
 * Microsoft Exchange Server 2003 SP2 or 2007 SP1 as Cisco Unified Presence's calendar source (seed 000): Outlook
 * Web Access's WebDAV surface over HTTP/1.1 (docs/protocols/exchange-webdav.md), with Basic or forms-based
 * authentication as the release does it, and an IIS front that refuses what IIS refuses before OWA runs.
 */
export class Exchange extends NodeBase {
  readonly hostName: string;
  readonly store: MailboxStore;
  private readonly listeners: TcpServer[] = [];
  private readonly sessions = new Map<string, { account: OwaAccount; cadata: string; expiresAt: number }>();
  private readonly refusals: { t: number; method: string; path: string; status: number; why: string }[] = [];
  private requests = 0;
  private formsBased: boolean;
  private readonly passwords = new Map<string, string>();

  private constructor(private readonly env: NodeEnv, readonly config: ExchangeConfig) {
    super();
    this.hostName = env.network.hostName;
    this.store = new MailboxStore(config.mailboxes, config.calendarSeed, env.clock.date().getTime() - env.clock.now());
    this.formsBased = config.formsBasedAuth;
  }

  /** Administration: Exchange System Manager (2003) / Management Console (2007) and Active Directory. */
  readonly admin = {
    setFormsBased: (enabled: boolean): void => {
      this.formsBased = enabled;
      this.sessions.clear();
    },
    setPassword: (user: string, password: string): void => {
      this.passwords.set(accountName(user), password);
    },
    /** IIS Manager: the web site that hosts OWA stopped (its connections end) or started. */
    setWebSiteRunning: async (running: boolean): Promise<void> => {
      for (const l of this.listeners.splice(0)) l.close();
      if (running) await this.listen();
    },
  };

  static async start(env: NodeEnv, config: ExchangeConfig): Promise<Exchange> {
    const node = new Exchange(env, config);
    const url = new URL(config.owaUrl);
    const behaviour = releaseBehaviour(config.release, config.fqdn);
    const handlers = owaHandlers({
      store: node.store,
      behaviour,
      formsBased: () => node.formsBased,
      vdir: url.pathname,
      account: (name) => node.account(name),
      openSession: (account) => node.openSession(account),
      sessionAccount: (id, cadata) => node.sessionAccount(id, cadata),
      refused: (method, path, status, why) => node.refuse(method, path, status, why),
    });
    const screen = (request: HttpRequest): HttpResponse | undefined => {
      node.requests++;
      return node.screen(request, behaviour.refusesPlusInUrl);
    };
    node.listen = async () => {
      // The HTTP binding always answers; HTTPS when the server has its certificate.
      // IIS 6's connection timeout, 120 s (docs/protocols/stream-limits.md).
      const served = { handlers, log: env.log, clock: env.clock, limits: { idleMs: 120_000, perPeer: CONNECTIONS_PER_PEER }, screen };
      node.listeners.push(await serveMswHandlers(env.network, { ...served, port: config.ports.http, origin: `http://${config.fqdn}` }));
      if (config.tls) {
        node.listeners.push(await serveMswHandlers(env.network, { ...served, port: config.ports.https, origin: `https://${config.fqdn}`, secure: config.tls }));
      }
    };
    await node.listen();
    return node;
  }

  private listen: () => Promise<void> = async () => undefined;

  /** The lab's wall-clock time (virtual in memory), milliseconds since 1970. */
  now(): number {
    return this.env.clock.date().getTime();
  }

  /** Outlook: what a user does to their calendar. */
  readonly outlook = {
    addAppointment: (userId: string, a: { busyStatus: BusyStatusValue; minutes: number; startsInMinutes?: number; subject?: string }): Appointment => {
      const start = this.now() + (a.startsInMinutes ?? 0) * 60_000;
      return this.store.addAppointment(userId, {
        subject: a.subject ?? 'Meeting',
        location: '',
        start,
        end: start + a.minutes * 60_000,
        busyStatus: a.busyStatus,
        instanceType: 0,
        allDay: false,
      });
    },
    setBusyStatus: (userId: string, busyStatus: BusyStatusValue): number => this.store.setBusyStatus(userId, this.now(), busyStatus),
    cancelCurrent: (userId: string): void => this.store.clearAt(userId, this.now()),
  };

  /** The strongest busy status in a user's calendar now (FREE when nothing is scheduled). */
  busyStatusNow(userId: string): BusyStatusValue | undefined {
    const m = this.store.byUserId(userId);
    if (!m) return undefined;
    // The vocabulary is ordered weakest first: FREE, TENTATIVE, BUSY, OOF.
    const order: readonly BusyStatusValue[] = BUSY_STATUS_VALUES;
    const now = this.now();
    return this.store.itemsBetween(m, now, now + 1).reduce<BusyStatusValue>((best, a) => (order.indexOf(a.busyStatus) > order.indexOf(best) ? a.busyStatus : best), 'FREE');
  }

  observe(): ExchangeObservation {
    return { requests: this.requests, refusals: [...this.refusals] };
  }

  leaks(): string[] {
    return [];
  }

  async stop(): Promise<void> {
    for (const l of this.listeners) l.close();
  }

  private account(typed: string): OwaAccount | undefined {
    const name = accountName(typed);
    const service = this.config.serviceAccounts.find((a) => accountName(a.user) === name);
    const changed = this.passwords.get(name);
    if (service) return { user: service.user, password: changed ?? service.password, readsAllMailboxes: true };
    const owner = [...this.store.all()].find((m) => m.userId.toLowerCase() === name || accountName(m.email) === name);
    const password = changed ?? owner?.password;
    return owner && password !== undefined ? { user: owner.userId, password, mailboxUser: owner.userId, readsAllMailboxes: false } : undefined;
  }

  private openSession(account: OwaAccount): { sessionid: string; cadata: string } {
    const sessionid = randomToken(this.env.random, 32);
    const cadata = randomToken(this.env.random, 40);
    this.sessions.set(sessionid, { account, cadata, expiresAt: this.env.clock.now() + SESSION_LIFETIME_MS });
    return { sessionid, cadata };
  }

  private sessionAccount(id: string | undefined, cadata: string | undefined): OwaAccount | undefined {
    const s = id === undefined ? undefined : this.sessions.get(id);
    if (!s || s.cadata !== cadata) return undefined;
    if (s.expiresAt <= this.env.clock.now()) {
      this.sessions.delete(id ?? '');
      return undefined;
    }
    s.expiresAt = this.env.clock.now() + SESSION_LIFETIME_MS;
    return s.account;
  }

  private refuse(method: string, path: string, status: number, why: string): void {
    appendBounded(this.refusals, { t: this.env.clock.now(), method, path, status, why });
    this.env.log.info('OWA refused a request', { method, path, status, why });
  }

  /**
   * What IIS refuses before OWA runs (docs/protocols/cup-presence.md §7): a `%` that starts no escape
   * (HTTP.sys: 400), a store name holding a character Windows reserves in file names (400), and on IIS 7 a `+`
   * anywhere in the path (request filtering's double-escaping rule: 404.11).
   */
  private screen(request: HttpRequest, refusesPlus: boolean): HttpResponse | undefined {
    const path = request.target.split('?')[0] ?? '';
    if (/%(?![0-9A-Fa-f]{2})/.test(path)) {
      this.refuse(request.method, path, 400, 'malformed percent escape in the URL');
      return textResponse(400, 'Bad Request', '<h1>Bad Request (Invalid URL)</h1>');
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      decoded = path;
    }
    if (refusesPlus && decoded.includes('+')) {
      this.refuse(request.method, path, 404, 'request filtering: double escape sequence (404.11)');
      return textResponse(404, 'Not Found', '<h1>HTTP Error 404.11 - Not Found</h1><p>The request filtering module is configured to deny a request that contains a double escape sequence.</p>');
    }
    if (decoded.split('/').some((segment) => RESERVED_IN_STORE_NAMES.test(segment))) {
      this.refuse(request.method, path, 400, 'a character Windows reserves in file names');
      return textResponse(400, 'Bad Request', '<h1>Bad Request</h1>');
    }
    return undefined;
  }
}
