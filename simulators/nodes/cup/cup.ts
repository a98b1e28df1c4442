import type { TimerHandle } from '../../kernel/clock';
import { randomToken } from '../../kernel/random';
import { parseCsta, serializeCsta } from '../../protocols/csta';
import type { CstaErrorCategory, CstaErrorValue, CstaMessage, CstaRequest } from '../../protocols/csta';
import type { CtiMessage } from '../../protocols/cti';
import { createResponse, DialogStore, getTag, hasSupportedScheme, parseNameAddr, parseSipUri, SipDialog, unsupportedOptions, uriOf } from '../../protocols/sip';
import type { ServerTransaction, SipRequest, SipTarget } from '../../protocols/sip';
import { DnsResolver } from '../shared/dns-resolver';
import type { NodeEnv } from '../node';
import { CONNECTIONS_PER_PEER } from '../../transport/stream-limits';
import type { StreamLimits } from '../../transport/stream-limits';
import { NodeBase } from '../node';
import { SipEndpoint } from '../shared/sip-endpoint';
import type { SipTlsOptions } from '../shared/sip-endpoint';
import { CtiClient } from './cti-client';
import type { ProviderState } from './cti-client';
import { cstaEventsFor } from './csta-event-mapper';
import { RccSessionTable } from './rcc-sessions';
import type { RccSession } from './rcc-sessions';
import { cupSoftware } from './cup-releases';
import type { CupRelease } from './cup-releases';
import type { CallMemory } from './csta-event-mapper';
import { CalendarGateway } from './calendar-gateway';
import type { CalendarGatewayConfig, CalendarState, GatewaySecurer, GatewayStatus } from './calendar-gateway';
import { PresenceServer } from './presence-server';
import { ClientPresenceWatcher } from './client-presence';
import { syncEndUsers } from './sync-agent';
import type { PresenceSettings } from './presence-server';
import type { CupPresenceState } from '../../protocols/presence';

export interface CupConfig {
  release: CupRelease;
  /**
   * "Cisco Unified Presence Release 7.0(3) with E.164 patch for RCC" (seed 004, Software Requirements).
   * Without it, the gateway drops the `+` of an E.164 line URI when it asks CTIManager for the line
   * (modelled mechanism: docs/protocols/cup-rcc.md §8), so RCC fails for E.164 DNs.
   */
  e164RccPatch: boolean;
  /** CUP's FQDN (the host part of the users' RCC Server URI). */
  fqdn: string;
  /**
   * "Incoming and Destination ACL Entries": hosts allowed to send SIP to CUP, and the OCS front ends CUP sends
   * its own requests to (its presence subscriptions to OCS users).
   */
  acl: { incoming: string[]; destination: string[] };
  /** The SIP domain of the OCS users (whose presence CUP subscribes to). */
  ocsDomain: string;
  /** "Deskphone Control Settings Configuration". */
  deskphoneControl: { applicationUser: string; password: string; ctiManagers: string[] };
  /**
   * CUP's end users (synchronised from CUCM: the user id, primary extension and e-mail address), with
   * "Deskphone Control User Assignment" and the User Options calendar setting.
   */
  users: CupUser[];
  /** Presence > Settings (seed 004 C7). */
  presenceSettings: PresenceSettings;
  /** The CUCM publisher's FQDN (seed 004 C2): the only server whose PUBLISH of phone state CUP accepts. */
  publisher: string;
  /** Presence > Gateways: the Outlook gateway to Exchange (seed 000), if configured. */
  calendarGateway?: CalendarGatewayConfig;
  /** The calendaring note's troubleshooting tip, by its mechanism: the gateway builds mailbox URLs from the raw e-mail text. */
  rawMailboxUrls: boolean;
  /** TLS clients toward Exchange, given whether CUP's trust store holds the lab CA's certificate (seed 000 prerequisite). */
  tlsClient?: (trustsLabCa: () => boolean) => GatewaySecurer;
  /** What an http:// or https:// URL without a port means in this runtime (80 and 443 unless it says otherwise). */
  httpPorts: { http: number; https: number };
  /** SIP over TLS on 5061 with CUP's certificate from the lab's certificate server (seed 004's TLS bullet). */
  sipTls?: SipTlsOptions;
  /** CUCM's Application Dial Rules, which CUP keeps a synchronized copy of (ApplicationDialRule). */
  applicationDialRules: ApplicationDialRule[];
}

export interface CupUser {
  userId: string;
  deskphoneControl: boolean;
  calendar: boolean;
  /** The user's primary extension (whose line CUCM publishes). */
  dn?: string;
  email?: string;
  /** License Capabilities Assignment (B6): "Enable CUP". Without it CUP refuses the user's RCC session. */
  licensed: boolean;
}

/** Call Routing > Dial Rules > Application Dial Rules (docs/protocols/cucm-features.md §5). */
export interface ApplicationDialRule {
  name: string;
  numberBeginsWith: string;
  numberOfDigits: number;
  digitsToRemove: number;
  prefix: string;
}

/**
 * The first rule (in priority order) whose "Number Begins With" and "Number of Digits" match rewrites
 * the dialled number: "Total Digits to be Removed" from the front, then "Prefix With Pattern". An
 * E.164 number (leading +) is dialled as it is.
 */
export function applyDialRules(rules: readonly ApplicationDialRule[], dialled: string): string {
  if (dialled.startsWith('+')) return dialled;
  const rule = rules.find((r) => dialled.startsWith(r.numberBeginsWith) && dialled.length === r.numberOfDigits);
  return rule ? `${rule.prefix}${dialled.slice(rule.digitsToRemove)}` : dialled;
}


const SIP_PORT = 5060;
/** CUP's SIP proxy closes a connection silent for 900 s (lab's choice, the pool's figure; docs/protocols/stream-limits.md). */
const SIP_LIMITS: StreamLimits = { idleMs: 900_000, perPeer: CONNECTIONS_PER_PEER };
/** The methods CUP answers (its OPTIONS and 405 Allow header, RFC 3261 §8.2.1). */
const CUP_METHODS = 'INVITE, ACK, CANCEL, BYE, INFO, OPTIONS, SUBSCRIBE, NOTIFY, PUBLISH';
const CTI_PORT = 2748;
/** How long CUP's CTI Gateway waits before opening a lost provider again (lab's modelling choice; docs/protocols/cup-rcc.md §11). */
const CTI_REOPEN_MS = 10_000;
/** The CSTA services this gateway answers (GetCSTAFeaturesResponse); anything else gets invalidFeature. */
const SERVICES = [
  'makeCall', 'answerCall', 'clearConnection', 'holdCall', 'retrieveCall', 'singleStepTransfer', 'deflectCall',
  'setForwarding', 'monitorStart', 'monitorStop', 'generateDigits', 'alternateCall', 'consultationCall', 'transferCall',
];

/**
 * Cisco Unified Presence 7.0(3) as the SIP/CSTA gateway of remote call control: accepts TR/87
 * sessions from Office Communicator (through the OCS pool, allowed by the incoming ACL), maps the
 * user's line URI to the device CUCM associates with it, and turns CSTA requests into CTI requests
 * to CTIManager with the deskphone-control application user, and CTI events back into CSTA events.
 */
export class Cup extends NodeBase {
  readonly hostName: string;
  private sip!: SipEndpoint;
  private cti!: CtiClient;
  /** The next attempt to open a provider CTIManager or the network closed. */
  private reopen: TimerHandle | undefined;
  private readonly resolver: DnsResolver;
  private readonly sessions = new DialogStore<SipDialog>();
  private readonly rcc = new RccSessionTable();
  /** Source addresses the incoming ACL was checked for (cleared when the ACL changes). */
  private aclVerdicts = new Map<string, boolean>();
  private config: CupConfig;
  private presence!: PresenceServer;
  private calendar!: CalendarGateway;
  private clientPresence!: ClientPresenceWatcher;
  /** The destination ACL and the publisher, resolved on first use (undefined: not yet, or changed since). */
  private destinations: SipTarget[] | undefined;
  private publisherAddresses: Set<string> | undefined;

  private constructor(private readonly env: NodeEnv, config: CupConfig) {
    super();
    this.hostName = env.network.hostName;
    this.config = config;
    this.resolver = new DnsResolver(env.network, env.dnsServer, env.clock, env.random);
  }

  static async start(env: NodeEnv, config: CupConfig): Promise<Cup> {
    const cup = new Cup(env, config);
    cup.sip = await SipEndpoint.start(env, {
      port: SIP_PORT,
      ...(config.sipTls ? { tls: config.sipTls } : {}),
      limits: SIP_LIMITS,
      software: cupSoftware(config.release),
      delegate: {
        onRequest: (request, tx, source) => cup.onRequest(request, tx, source),
        onAck: () => undefined,
        onCancel: (invite) => invite.respond(createResponse(invite.request, 487)),
      },
    });
    cup.cti = new CtiClient(env.network, env.clock, env.log.child('cti'), {
      onEvent: (m) => cup.onCtiEvent(m),
      onProviderClosed: () => cup.providerLost(),
    });
    const contact = `<sip:${config.fqdn}@${env.network.address}:${SIP_PORT};transport=tcp>`;
    cup.presence = new PresenceServer({
      clock: env.clock,
      random: env.random,
      log: env.log.child('presence'),
      fqdn: config.fqdn,
      contact,
      knownUser: (userId) => cup.usersById().has(userId.toLowerCase()),
      userOfDn: (dn) => cup.userOfDn(dn),
      composed: (userId) => cup.composedPresence(userId),
      settings: () => cup.config.presenceSettings,
      isCucm: (source) => cup.publisherAddresses?.has(source.address) ?? false,
      send: (request, nextHop, what, onRefused) => cup.sendToward(nextHop, request, what, onRefused),
      onWatched: (userId) => {
        cup.calendar.watched(userId);
        cup.clientPresence.watch(userId);
      },
      onUnwatched: (userId) => {
        cup.calendar.unwatched(userId);
        cup.clientPresence.unwatch(userId);
      },
    });
    cup.clientPresence = new ClientPresenceWatcher({
      clock: env.clock,
      random: env.random,
      log: env.log.child('presence'),
      fqdn: config.fqdn,
      contact,
      address: env.network.address,
      ocsDomain: config.ocsDomain,
      destinations: async () => (cup.destinations ??= await cup.resolveDestinations()),
      sendRequest: (request, target, onFinal) => {
        cup.sip.layer.sendRequest(request, target, { onFinal, onTimeout: () => onFinal(createResponse(request, 408)), onTransportError: () => onFinal(createResponse(request, 503)) });
      },
      onChange: (userId) => cup.presence.changed(userId),
    });
    cup.calendar = new CalendarGateway({
      network: env.network,
      clock: env.clock,
      resolver: cup.resolver,
      logger: env.log.child('calendar'),
      userAgent: `${cupSoftware(config.release)} Presence Gateway`,
      rawMailboxUrls: config.rawMailboxUrls,
      defaultPorts: config.httpPorts,
      ...(config.tlsClient ? { secure: config.tlsClient(() => cup.config.calendarGateway?.certificateTrusted ?? false) } : {}),
      isWatched: (userId) => cup.presence.watcherCount(userId) > 0,
      onChange: (userId) => cup.presence.changed(userId),
    });
    await cup.openProvider();
    await cup.sync();
    cup.configureCalendar();
    return cup;
  }

  /** Configuration API (CUP administration pages). */
  readonly admin = {
    acl: {
      addIncoming: async (host: string): Promise<void> => {
        this.config = { ...this.config, acl: { ...this.config.acl, incoming: [...this.config.acl.incoming, host] } };
        await this.refreshAcl();
      },
      removeIncoming: async (host: string): Promise<void> => {
        this.config = { ...this.config, acl: { ...this.config.acl, incoming: this.config.acl.incoming.filter((h) => h !== host) } };
        await this.refreshAcl();
      },
      addDestination: async (host: string): Promise<void> => {
        this.config = { ...this.config, acl: { ...this.config.acl, destination: [...this.config.acl.destination, host] } };
        this.destinations = undefined;
      },
      removeDestination: async (host: string): Promise<void> => {
        this.config = { ...this.config, acl: { ...this.config.acl, destination: this.config.acl.destination.filter((h) => h !== host) } };
        this.destinations = undefined;
      },
    },
    deskphoneControl: {
      set: async (settings: Partial<CupConfig['deskphoneControl']>): Promise<void> => {
        this.config = { ...this.config, deskphoneControl: { ...this.config.deskphoneControl, ...settings } };
        await this.cti.close();
        await this.openProvider();
      },
    },
    users: {
      assignDeskphoneControl: (userId: string, enabled: boolean): void => this.updateUser(userId, { deskphoneControl: enabled }),
      /** User Options > Preferences: calendar states drive this user's presence, or not. */
      setCalendar: (userId: string, enabled: boolean): void => {
        this.updateUser(userId, { calendar: enabled });
        this.configureCalendar();
      },
      /** The end user is deleted in CUCM and the sync agent removes them from CUP. */
      remove: (userId: string): void => {
        this.config = { ...this.config, users: this.config.users.filter((u) => u.userId.toLowerCase() !== userId.toLowerCase()) };
        this.presence.removeUser(userId);
        this.configureCalendar();
      },
    },
    /**
     * Cisco Unified Serviceability > Control Center: the SIP proxy and the CTI Gateway restart. What the processes
     * held is lost and nothing is said to any peer (no BYE, no ProviderClose): the RCC sessions are forgotten, the
     * SIP and CTI connections reset, then the provider opens again (docs/protocols/cup-rcc.md §12).
     */
    serviceability: {
      restart: async (): Promise<void> => {
        for (const session of [...this.rcc.values()]) {
          session.dialog.terminate();
          this.sessions.remove(session.dialog);
          this.rcc.remove(session);
        }
        this.env.clock.clearTimer(this.reopen);
        this.cti.reset();
        this.sip.resetConnections();
        this.env.log.info('CUP services restarted');
        await this.openProvider();
      },
    },
    /** The Sync Agent: read CUCM's end users now (e-mail address, primary extension, licence capabilities). */
    syncAgent: {
      sync: async (): Promise<void> => {
        await this.sync();
        this.configureCalendar();
      },
    },
    /** "Cisco Unified Communications Manager Publisher Information" (seed 004 C2). */
    publisher: {
      set: async (fqdn: string): Promise<void> => {
        this.config = { ...this.config, publisher: fqdn };
        this.publisherAddresses = undefined;
      },
    },
    presenceSettings: {
      set: (settings: Partial<PresenceSettings>): void => {
        this.config = { ...this.config, presenceSettings: { ...this.config.presenceSettings, ...settings } };
        this.presence.resend();
      },
    },
    presenceGateway: {
      set: (settings: Partial<CalendarGatewayConfig>): void => {
        const current = this.config.calendarGateway;
        if (!current && (settings.server === undefined || settings.owaUrl === undefined || settings.account === undefined || settings.password === undefined)) {
          throw new RangeError('a new presence gateway needs server, owaUrl, account and password');
        }
        this.config = { ...this.config, calendarGateway: { pollIntervalS: 60, certificateTrusted: true, ...current, ...settings } as CalendarGatewayConfig };
        this.configureCalendar();
      },
      remove: (): void => {
        const { calendarGateway: _removed, ...rest } = this.config;
        this.config = rest;
        this.configureCalendar();
      },
    },
  };

  private updateUser(userId: string, change: Partial<CupUser>): void {
    const existing = this.config.users.find((u) => u.userId.toLowerCase() === userId.toLowerCase());
    const others = this.config.users.filter((u) => u !== existing);
    const user: CupUser = { userId, deskphoneControl: false, calendar: false, licensed: false, ...existing, ...change };
    this.config = { ...this.config, users: [...others, user] };
  }

  private configureCalendar(): void {
    const users = this.config.users.filter((u) => u.calendar).map((u) => ({ userId: u.userId, email: u.email }));
    this.calendar.configure(this.config.calendarGateway, users);
  }

  private dnIndex: { users: CupConfig['users']; byDn: Map<string, string> } | undefined;

  /** The user a directory number is the primary extension of (indexed; rebuilt when the users change). */
  private userOfDn(dn: string): string | undefined {
    if (this.dnIndex?.users !== this.config.users) {
      this.dnIndex = { users: this.config.users, byDn: new Map(this.config.users.flatMap((u) => (u.dn === undefined ? [] : [[u.dn, u.userId.toLowerCase()] as const]))) };
    }
    return this.dnIndex.byDn.get(dn);
  }

  /**
   * The user's presence as CUP composes it (docs/protocols/cup-presence.md §1): the phone first (a line in use is
   * "On the phone"), then the calendar (seed 000 Table 1: Busy → Idle/Busy, Out of Office → Away; Free and
   * Tentative leave the user Available), then the user's own client state as their OCS pool tells CUP, else Available.
   */
  composedPresence(userId: string): CupPresenceState {
    if (this.presence.phoneStateOf(userId) === 'on-the-phone') return 'on-the-phone';
    const calendar = this.calendar.stateOf(userId.toLowerCase());
    if (calendar === 'busy') return 'busy';
    if (calendar === 'outOfOffice') return 'away';
    return this.clientPresence.stateOf(userId) ?? 'available';
  }

  /** What the presence pages show about one user. */
  presenceOf(userId: string): { presence: CupPresenceState; phone: CupPresenceState | 'none'; calendar: CalendarState; client: CupPresenceState | 'unknown'; calendarError?: string; watchers: number } {
    const id = userId.toLowerCase();
    const error = this.calendar.errorOf(id);
    return {
      presence: this.composedPresence(id),
      phone: this.presence.phoneStateOf(id) ?? 'none',
      calendar: this.calendar.stateOf(id),
      client: this.clientPresence.stateOf(id) ?? 'unknown',
      ...(error !== undefined ? { calendarError: error } : {}),
      watchers: this.presence.watcherCount(id),
    };
  }

  /** Users somebody watches, in user-list order. */
  watchedUsers(): string[] {
    return this.config.users.map((u) => u.userId).filter((u) => this.presence.watcherCount(u) > 0);
  }

  get presenceGatewayStatus(): GatewayStatus {
    return this.calendar.status;
  }

  get calendarLog(): readonly { t: number; message: string }[] {
    return this.calendar.log;
  }

  observe(): { provider: ProviderState; providerError?: string; sessions: { userId: string; line?: string; monitored: boolean; state: string }[] } {
    return {
      provider: this.cti.state,
      ...(this.cti.lastError ? { providerError: this.cti.lastError } : {}),
      sessions: [...this.rcc.values()].map((s) => ({ userId: s.userId, ...(s.line ? { line: s.line } : {}), monitored: s.monitor !== undefined, state: s.state })),
    };
  }

  leaks(): string[] {
    const out = this.sip.pendingTransactions().map((t) => `${this.hostName}: transaction never finished: ${t}`);
    for (const s of this.rcc.values()) {
      if (s.state === 'active') out.push(`${this.hostName}: RCC session of ${s.userId} still open`);
      if (s.monitor) out.push(`${this.hostName}: CTI monitor ${s.monitor.ctiMonitorId} on ${s.monitor.deviceName} still open`);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.env.clock.clearTimer(this.reopen);
    this.calendar.stop();
    this.clientPresence.stop();
    this.presence.stop();
    await this.cti.close();
    await this.sip.stop();
  }

  /**
   * The CTI link went down under an open provider: the gateway opens it again every CTI_REOPEN_MS, then starts each
   * RCC session's monitor again on CTIManager under the session's own monitorCrossRefID, so Communicator's session
   * goes on (docs/protocols/cup-rcc.md §11). Requests in the meantime get resourceOutOfService.
   */
  private providerLost(): void {
    this.env.log.warn('CTI provider closed by CTIManager');
    this.env.clock.clearTimer(this.reopen);
    this.reopen = this.env.clock.setTimer(CTI_REOPEN_MS, () => void this.reopenProvider());
  }

  private async reopenProvider(): Promise<void> {
    this.reopen = undefined;
    await this.openProvider();
    if (this.cti.state !== 'open') {
      this.reopen = this.env.clock.setTimer(CTI_REOPEN_MS, () => void this.reopenProvider());
      return;
    }
    for (const session of [...this.rcc.values()]) {
      const monitor = session.monitor;
      if (!monitor) continue;
      const r = await this.cti.request({ type: 'MonitorDeviceRequest', lineDn: monitor.lineDn, endUser: session.userId, deviceName: monitor.deviceName });
      if (r.type === 'MonitorDeviceResponse') this.rcc.setMonitor(session, { ...monitor, ctiMonitorId: r.monitorId });
      else this.env.log.warn('monitor not restored after the CTI link came back', { user: session.userId, line: monitor.lineDn, error: r.type === 'ErrorResponse' ? r.code : r.type });
    }
    this.env.log.info('CTI provider open again; monitors restored');
  }

  private async openProvider(): Promise<void> {
    const manager = this.config.deskphoneControl.ctiManagers[0] ?? '';
    try {
      const address = await this.resolver.resolveA(manager);
      await this.cti.open({ address, port: CTI_PORT }, this.config.deskphoneControl.applicationUser, this.config.deskphoneControl.password, `${cupSoftware(this.config.release)} CTI Gateway`);
    } catch (e) {
      this.cti.state = 'failed';
      this.cti.lastError = e instanceof Error ? e.message : String(e);
    }
  }

  private async refreshAcl(): Promise<void> {
    this.aclVerdicts = new Map();
  }

  /**
   * "Incoming ACL": an entry is an address or an FQDN; a request's source address matches an FQDN entry by its
   * reverse lookup (a PTR query: seed 004 A1 "PTR Records were added for CUP, CUCM and OCS Pools";
   * docs/protocols/cup-rcc.md §6). Verdicts are kept per address until the ACL changes.
   */
  private async aclAllows(address: string): Promise<boolean> {
    const known = this.aclVerdicts.get(address);
    if (known !== undefined) return known;
    const entries = this.config.acl.incoming.map((h) => h.toLowerCase());
    let allowed = entries.includes(address);
    if (!allowed) {
      const name = await this.resolver.resolvePtr(address).catch(() => undefined);
      allowed = name !== undefined && entries.includes(name.toLowerCase().replace(/\.$/, ''));
      if (name === undefined) this.env.log.warn('no PTR record for a SIP peer: the incoming ACL cannot match it', { address });
    }
    this.aclVerdicts.set(address, allowed);
    return allowed;
  }

  private async resolveDestinations(): Promise<SipTarget[]> {
    const out: SipTarget[] = [];
    for (const host of this.config.acl.destination) {
      try {
        out.push({ address: await this.resolver.resolveA(host), port: SIP_PORT, transport: 'TCP' });
      } catch {
        this.env.log.warn('destination ACL entry does not resolve', { host });
      }
    }
    return out;
  }

  /** The last sync's outcome, for the administration page and the observations. */
  syncStatus: 'never' | 'ok' | 'failed' = 'never';

  /** One Sync Agent run: CUP's copy of each of its users is replaced by what CUCM's AXL says. */
  private async sync(): Promise<void> {
    try {
      const users = await syncEndUsers({
        network: this.env.network,
        clock: this.env.clock,
        resolver: this.resolver,
        publisher: this.config.publisher,
        userAgent: `${cupSoftware(this.config.release)} Sync Agent`,
      });
      const byId = new Map(users.map((u) => [u.userId.toLowerCase(), u]));
      this.config = {
        ...this.config,
        users: this.config.users.map((u) => {
          const synced = byId.get(u.userId.toLowerCase());
          if (!synced) return u;
          const { email: _e, dn: _d, ...rest } = u;
          return { ...rest, licensed: synced.licensed, ...(synced.email !== undefined ? { email: synced.email } : {}), ...(synced.dn !== undefined ? { dn: synced.dn } : {}) };
        }),
      };
      this.syncStatus = 'ok';
    } catch (e) {
      this.syncStatus = 'failed';
      this.env.log.warn('Sync Agent: CUCM end users not read; CUP keeps its copy', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private async refreshPublisher(): Promise<void> {
    try {
      this.publisherAddresses = new Set([await this.resolver.resolveA(this.config.publisher)]);
    } catch {
      this.publisherAddresses = new Set();
      this.env.log.warn('the CUCM publisher does not resolve', { publisher: this.config.publisher });
    }
  }

  private reply(request: SipRequest, tx: ServerTransaction, source: SipTarget, status: number, reason?: string): void {
    tx.respond(createResponse(request, status, reason, { toTag: randomToken(this.env.random, 10) }));
  }

  private async onRequest(request: SipRequest, tx: ServerTransaction, source: SipTarget): Promise<void> {
    // RFC 3261 §8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it SHOULD reject the request
    // with a 416 (Unsupported URI Scheme) response" (RFC 4475 §3.3.2 unkscm, §3.3.3 novelsc).
    if (!hasSupportedScheme(request.uri)) return this.reply(request, tx, source, 416, 'Unsupported URI Scheme');
    // §8.2.2.3: a Require option the UAS does not support gets 420 "and MUST add an Unsupported header field, and
    // list in it those options it does not understand" (RFC 4475 §3.3.5 bext01). CUP supports none.
    const unsupported = unsupportedOptions(request, 'Require');
    if (unsupported.length > 0) {
      tx.respond(createResponse(request, 420, 'Bad Extension', { toTag: randomToken(this.env.random, 10), headers: [['Unsupported', unsupported.join(', ')]] }));
      return;
    }
    if (request.method === 'OPTIONS') {
      tx.respond(createResponse(request, 200, 'OK', { toTag: randomToken(this.env.random, 10), headers: [['Allow', CUP_METHODS], ['Accept', 'application/csta+xml, application/pidf+xml'], ['Allow-Events', 'presence']] }));
      return;
    }
    // Phone presence from CUCM over its SIP trunk: trusted as the publisher of step C2.
    if (request.method === 'PUBLISH') {
      if (this.publisherAddresses === undefined) await this.refreshPublisher();
      this.presence.handle(request, tx, source);
      return;
    }
    // "Incoming and Destination ACL Entries: Add entries for the OCS Front End servers."
    if (!(await this.aclAllows(source.address))) {
      this.reply(request, tx, source, 403, 'Forbidden');
      return;
    }
    if (request.method === 'SUBSCRIBE') {
      this.presence.handle(request, tx, source);
      return;
    }
    if (request.method === 'NOTIFY') {
      if (!this.clientPresence.onNotify(request, tx)) this.reply(request, tx, source, 481, 'Subscription Does Not Exist');
      return;
    }
    const dialog = this.sessions.match(request);
    if (request.method === 'INVITE' && !dialog) return this.openSession(request, tx, source);
    if (!dialog) {
      // A method CUP does not take outside a dialog is 405 with the methods it does (RFC 3261 §8.2.1); an
      // in-dialog request of a dialog CUP does not know is 481 (§12.2.2).
      const inDialog = getTag(request.headers.get('To') ?? undefined) !== undefined;
      if (!inDialog && !['BYE', 'INFO', 'CANCEL', 'ACK'].includes(request.method)) {
        tx.respond(createResponse(request, 405, 'Method Not Allowed', { toTag: randomToken(this.env.random, 10), headers: [['Allow', CUP_METHODS]] }));
        return;
      }
      return this.reply(request, tx, source, 481, 'Call/Transaction Does Not Exist');
    }
    if (!dialog.receiveRequest(request)) return this.reply(request, tx, source, 500, 'Server Internal Error');
    const session = this.rcc.get(dialog.id);
    if (!session) return this.reply(request, tx, source, 481);
    if (request.method === 'BYE') {
      await this.endSession(session);
      tx.respond(createResponse(request, 200));
      return;
    }
    if (request.method === 'INFO') return this.onInfo(session, request, tx);
    if (request.method === 'INVITE') {
      // RFC 4028 session refresh: accept with the same system status.
      tx.respond(this.cstaResponse(request, { type: 'RequestSystemStatusResponse', systemStatus: this.systemStatus() }, dialog));
      return;
    }
    this.reply(request, tx, source, 405, 'Method Not Allowed');
  }

  private userIndex: { users: CupConfig['users']; byId: Map<string, CupConfig['users'][number]> } | undefined;

  /** "Deskphone Control User Assignment" by lower-case user id (rebuilt when the assignment changes). */
  private usersById(): Map<string, CupConfig['users'][number]> {
    if (this.userIndex?.users !== this.config.users) this.userIndex = { users: this.config.users, byId: new Map(this.config.users.map((u) => [u.userId.toLowerCase(), u])) };
    return this.userIndex.byId;
  }

  private systemStatus(): 'normal' | 'disabled' {
    return this.cti.state === 'open' ? 'normal' : 'disabled';
  }

  private async openSession(request: SipRequest, tx: ServerTransaction, source: SipTarget): Promise<void> {
    if (!/application\/csta\+xml/i.test(request.headers.get('Content-Type') ?? '')) {
      // RFC 3261 §21.4.13: "The server MUST return a list of acceptable formats using the Accept ... header field" (RFC 4475 §3.3.6 invut).
      tx.respond(createResponse(request, 415, 'Unsupported Media Type', { toTag: randomToken(this.env.random, 10), headers: [['Accept', 'application/csta+xml']] }));
      return;
    }
    const parsed = parseCsta(request.body);
    if (!parsed.ok) return this.reply(request, tx, source, 400, 'Bad CSTA Body');
    const from = parseNameAddr(request.headers.get('From') ?? '');
    const fromUri = from.ok ? parseSipUri(from.value.uri) : undefined;
    const userId = fromUri?.ok ? (fromUri.value.user ?? '') : '';
    // "Deskphone Control User Assignment": only assigned users may control their phones.
    const user = this.usersById().get(userId.toLowerCase());
    if (!user?.deskphoneControl) return this.reply(request, tx, source, 403, 'User Not Enabled For Deskphone Control');
    // License Capabilities Assignment (B6): a user without "Enable CUP" is not a CUP user (cup-rcc.md §9).
    if (!user.licensed) return this.reply(request, tx, source, 403, 'User Not Licensed For Cisco Unified Presence');
    if (parsed.value.type !== 'RequestSystemStatus') return this.reply(request, tx, source, 488, 'Not Acceptable Here');
    // seed 004, MPOP: "the MPOP feature where a Microsoft OC user is logged in from more than one location is
    // not supported by CUP ... the user experiences loss of device and call control". Modelled: CUP keeps one
    // RCC session per user; the newest takes over and the older location's session is ended (BYE).
    for (const previous of this.rcc.ofUser(user.userId).filter((s) => s.state === 'active')) {
      this.env.log.info('second RCC session for one user: the earlier location loses call control', { user: user.userId });
      await this.endSession(previous);
      await this.sendInDialog(previous, previous.dialog.createRequest('BYE'));
    }
    const localTag = randomToken(this.env.random, 10);
    const contact = `<sip:${this.config.fqdn}@${this.env.network.address}:${SIP_PORT};transport=tcp>`;
    const dialog = SipDialog.fromUasRequest(request, localTag, { localContact: contact, state: 'confirmed' });
    const recordRoute = request.headers.getAll('Record-Route')[0];
    // In-dialog requests go to the route set, else to the remote target: the INVITE's Contact (RFC 3261 §12.1.1,
    // §12.2.1.1), never the From URI.
    const contactHeader = request.headers.get('Contact');
    const nextHop = recordRoute !== undefined ? uriOf(recordRoute) : contactHeader !== undefined ? uriOf(contactHeader) : '';
    this.sessions.add(dialog);
    this.rcc.add({ dialog, userId: user.userId, line: parsed.value.line, state: 'active', nextHop, calls: new Map() });
    const response = this.cstaResponse(request, { type: 'RequestSystemStatusResponse', systemStatus: this.systemStatus() }, dialog);
    response.headers.set('Contact', contact);
    tx.respond(response);
  }

  private cstaResponse(request: SipRequest, body: CstaMessage, dialog: SipDialog): ReturnType<typeof createResponse> {
    return createResponse(request, 200, 'OK', {
      toTag: dialog.localTag,
      body: serializeCsta(body),
      contentType: 'application/csta+xml',
      headers: [['Content-Disposition', 'signal;handling=required']],
    });
  }

  private async onInfo(session: RccSession, request: SipRequest, tx: ServerTransaction): Promise<void> {
    const parsed = parseCsta(request.body);
    const answer = parsed.ok
      ? await this.handleCsta(session, parsed.value)
      : cstaError('operation', 'generic');
    tx.respond(this.cstaResponse(request, answer, session.dialog));
  }

  private async handleCsta(session: RccSession, message: CstaMessage): Promise<CstaMessage> {
    if (!isRequest(message)) return cstaError('operation', 'invalidObjectType');
    switch (message.type) {
      case 'GetCSTAFeatures':
        return { type: 'GetCSTAFeaturesResponse', supportedServices: SERVICES };
      case 'MonitorStart':
        return this.monitorStart(session, message.monitorObject);
      case 'MonitorStop': {
        if (!session.monitor || session.monitor.crossRefId !== message.monitorCrossRefID) return cstaError('operation', 'invalidCrossRefID');
        await this.cti.request({ type: 'MonitorStopRequest', monitorId: session.monitor.ctiMonitorId });
        this.rcc.setMonitor(session, undefined);
        return { type: 'MonitorStopResponse' };
      }
      case 'MakeCall': {
        if (!session.monitor || lineDn(message.callingDevice) !== session.monitor.lineDn) return cstaError('operation', 'invalidCallingDevice');
        const destination = applyDialRules(this.config.applicationDialRules, lineDn(message.calledDirectoryNumber));
        const r = await this.cti.request({ type: 'MakeCallRequest', monitorId: session.monitor.ctiMonitorId, destination });
        if (r.type !== 'CallRequestResponse') return fromCtiError(r);
        const callID = r.callId ?? '';
        // The call's first events may have been mapped already (they can come before the response is acted on).
        const known = session.calls.get(callID);
        session.calls.set(callID, { originated: known?.originated ?? false, held: known?.held ?? false, calling: message.callingDevice, called: known?.called ?? message.calledDirectoryNumber });
        return { type: 'MakeCallResponse', callingDevice: { callID, deviceID: message.callingDevice }, calledDevice: message.calledDirectoryNumber };
      }
      case 'AnswerCall':
        return this.callRequest(session, 'AnswerCallRequest', message.callToBeAnswered.callID, { type: 'AnswerCallResponse' });
      case 'ClearConnection':
        return this.callRequest(session, 'ClearCallRequest', message.connectionToBeCleared.callID, { type: 'ClearConnectionResponse' });
      case 'HoldCall':
        return this.callRequest(session, 'HoldCallRequest', message.callToBeHeld.callID, { type: 'HoldCallResponse' });
      case 'RetrieveCall':
        return this.callRequest(session, 'RetrieveCallRequest', message.callToBeRetrieved.callID, { type: 'RetrieveCallResponse' });
      case 'ConsultationCall': {
        // The existing call is held, then a new call is placed from the same line (csta.md §8).
        if (!session.monitor) return cstaError('stateIncompatibility', 'invalidObjectState');
        const monitorId = session.monitor.ctiMonitorId;
        const held = await this.cti.request({ type: 'HoldCallRequest', monitorId, callId: message.existingCall.callID });
        if (held.type !== 'CallRequestResponse') return fromCtiError(held);
        const destination = applyDialRules(this.config.applicationDialRules, lineDn(message.consultedDevice));
        const r = await this.cti.request({ type: 'MakeCallRequest', monitorId, destination });
        if (r.type !== 'CallRequestResponse') return fromCtiError(r);
        const callID = r.callId ?? '';
        const line = message.existingCall.deviceID;
        const known = session.calls.get(callID);
        session.calls.set(callID, { originated: known?.originated ?? false, held: known?.held ?? false, calling: line, called: known?.called ?? message.consultedDevice });
        return { type: 'ConsultationCallResponse', initiatedCall: { callID, deviceID: line } };
      }
      case 'TransferCall': {
        if (!session.monitor) return cstaError('stateIncompatibility', 'invalidObjectState');
        const heldCallId = message.heldCall.callID;
        const activeCallId = message.activeCall.callID;
        const held = session.calls.get(heldCallId);
        const active = session.calls.get(activeCallId);
        // The line's two connections end as transferred: to the active call's far party, and from the held one's.
        const farOf = (m: CallMemory | undefined, line: string): string | undefined => (m ? (m.calling === line ? m.called : m.calling) : undefined);
        const line = message.activeCall.deviceID;
        if (held) held.transferredTo = farOf(active, line);
        if (active) active.transferredTo = farOf(held, line);
        const r = await this.cti.request({ type: 'TransferCallRequest', monitorId: session.monitor.ctiMonitorId, heldCallId, activeCallId });
        if (r.type !== 'CallRequestResponse') return fromCtiError(r);
        return { type: 'TransferCallResponse', transferredCall: { callID: r.callId ?? '', deviceID: farOf(active, line) ?? '#notKnown' } };
      }
      case 'AlternateCall': {
        // CTIManager has no alternate of its own (JTAPI neither): the gateway holds the active call, then
        // retrieves the held one (csta.md §8: HeldEvent for the one, RetrievedEvent for the other).
        if (!session.monitor) return cstaError('stateIncompatibility', 'invalidObjectState');
        const monitorId = session.monitor.ctiMonitorId;
        const held = await this.cti.request({ type: 'HoldCallRequest', monitorId, callId: message.activeCall.callID });
        if (held.type !== 'CallRequestResponse') return fromCtiError(held);
        const retrieved = await this.cti.request({ type: 'RetrieveCallRequest', monitorId, callId: message.heldCall.callID });
        return retrieved.type === 'CallRequestResponse' ? { type: 'AlternateCallResponse' } : fromCtiError(retrieved);
      }
      case 'GenerateDigits': {
        // DTMF from the controlled line: CTIManager relays it into the call (csta.md §8).
        if (!session.monitor) return cstaError('stateIncompatibility', 'invalidObjectState');
        if (!/^[0-9*#]+$/.test(message.charactersToSend)) return cstaError('operation', 'valueOutOfRange');
        const r = await this.cti.request({ type: 'GenerateDigitsRequest', monitorId: session.monitor.ctiMonitorId, callId: message.connectionToSendDigits.callID, digits: message.charactersToSend });
        return r.type === 'CallRequestResponse' ? { type: 'GenerateDigitsResponse' } : fromCtiError(r);
      }
      case 'SingleStepTransferCall': {
        if (!session.monitor) return cstaError('stateIncompatibility', 'invalidObjectState');
        const callId = message.activeCall.callID;
        const destination = applyDialRules(this.config.applicationDialRules, lineDn(message.transferredTo));
        const r = await this.cti.request({ type: 'SingleStepTransferRequest', monitorId: session.monitor.ctiMonitorId, callId, destination });
        if (r.type !== 'CallRequestResponse') return fromCtiError(r);
        const memory = session.calls.get(callId);
        if (memory) memory.transferredTo = message.transferredTo;
        return { type: 'SingleStepTransferCallResponse', transferredCall: { callID: r.callId ?? '', deviceID: message.transferredTo } };
      }
      case 'DeflectCall': {
        if (!session.monitor) return cstaError('stateIncompatibility', 'invalidObjectState');
        const callId = message.callToBeDiverted.callID;
        const destination = applyDialRules(this.config.applicationDialRules, lineDn(message.newDestination));
        const r = await this.cti.request({ type: 'RedirectCallRequest', monitorId: session.monitor.ctiMonitorId, callId, destination });
        if (r.type !== 'CallRequestResponse') return fromCtiError(r);
        const memory = session.calls.get(callId);
        if (memory) memory.divertedTo = message.newDestination;
        return { type: 'DeflectCallResponse' };
      }
      case 'SetForwarding': {
        if (!session.monitor || lineDn(message.device) !== session.monitor.lineDn) return cstaError('operation', 'invalidDeviceIdentifier');
        // CUP's CTI gateway carries Forward All only (forwardImmediate); other types are not offered.
        if (message.forwardingType !== 'forwardImmediate') return cstaError('operation', 'invalidFeature');
        if (message.activateForward && !message.forwardDN) return cstaError('operation', 'invalidForwardingDestination');
        const r = await this.cti.request({
          type: 'SetForwardingRequest',
          monitorId: session.monitor.ctiMonitorId,
          forwardAll: message.activateForward,
          ...(message.activateForward && message.forwardDN ? { destination: lineDn(message.forwardDN) } : {}),
        });
        return r.type === 'CallRequestResponse' ? { type: 'SetForwardingResponse' } : fromCtiError(r);
      }
      default:
        return cstaError('operation', 'invalidFeature');
    }
  }

  private async monitorStart(session: RccSession, monitorObject: string): Promise<CstaMessage> {
    if (this.cti.state !== 'open') return cstaError('systemResourceAvailability', 'resourceOutOfService');
    // Without the E.164 RCC patch the gateway matches the line URI's digits without the leading `+`.
    const dn = this.config.e164RccPatch ? lineDn(monitorObject) : lineDn(monitorObject).replace(/^\+/, '');
    // Line URI → end user → associated device: CTIManager resolves the device among the user's own; a
    // `;device=` parameter names it (cup-rcc.md §4; the Phone Selection plug-in sets it).
    const device = /;device=([^;]+)/i.exec(monitorObject)?.[1];
    const r = await this.cti.request({ type: 'MonitorDeviceRequest', lineDn: dn, endUser: session.userId, ...(device ? { deviceName: device } : {}) });
    if (r.type !== 'MonitorDeviceResponse') return fromCtiError(r);
    const crossRefId = randomToken(this.env.random, 8);
    this.rcc.setMonitor(session, { crossRefId, ctiMonitorId: r.monitorId, deviceName: r.deviceName, lineDn: r.lineDn });
    session.line = monitorObject;
    return { type: 'MonitorStartResponse', monitorCrossRefID: crossRefId, monitorExistingCalls: true };
  }

  private async callRequest(
    session: RccSession,
    type: 'AnswerCallRequest' | 'ClearCallRequest' | 'HoldCallRequest' | 'RetrieveCallRequest',
    callId: string,
    success: CstaMessage,
  ): Promise<CstaMessage> {
    if (!session.monitor) return cstaError('stateIncompatibility', 'invalidObjectState');
    const r = await this.cti.request({ type, monitorId: session.monitor.ctiMonitorId, callId });
    return r.type === 'CallRequestResponse' ? success : fromCtiError(r);
  }

  private async endSession(session: RccSession): Promise<void> {
    if (session.monitor) {
      await this.cti.request({ type: 'MonitorStopRequest', monitorId: session.monitor.ctiMonitorId });
      this.rcc.setMonitor(session, undefined);
    }
    session.state = 'terminated';
    session.dialog.terminate();
    this.sessions.remove(session.dialog);
    this.rcc.remove(session);
  }

  private onCtiEvent(message: CtiMessage): void {
    if (message.type !== 'CallEvent' && message.type !== 'ForwardingEvent') return;
    const session = this.rcc.ofMonitor(message.monitorId);
    if (!session?.monitor) return;
    for (const event of cstaEventsFor(message, session.monitor.crossRefId, session.calls)) {
      this.sendEvent(session, event).catch((e: unknown) => this.env.log.error('sending a CSTA event failed', { error: e instanceof Error ? e.message : String(e) }));
    }
  }

  /** CSTA events travel as INFO requests in the RCC dialog (TR/87), toward the client through OCS. */
  private async sendEvent(session: RccSession, event: CstaMessage): Promise<void> {
    const request = session.dialog.createRequest('INFO', {
      body: serializeCsta(event),
      contentType: 'application/csta+xml',
      headers: [['Content-Disposition', 'signal;handling=required']],
    });
    await this.sendInDialog(session, request, event.type);
  }

  private async sendInDialog(session: RccSession, request: SipRequest, what: string = request.method): Promise<void> {
    await this.sendToward(session.nextHop, request, what, (status) => {
      // RFC 3261 §12.2.1.2: a 481 or a 408 to a request within the dialog ends the dialog. A next hop that cannot
      // be reached at all (503 from the transport, §8.1.3.1: a front end gone) ends it too, a modelling choice
      // (docs/protocols/cup-rcc.md §6a): otherwise the session and its monitor would outlive every client.
      if (![408, 481, 503].includes(status) || session.state === 'terminated') return;
      this.env.log.info('RCC session ended: its dialog cannot reach the client', { user: session.userId, status, what });
      void this.endSession(session);
    });
  }

  private async sendToward(nextHop: string, request: SipRequest, what: string, onRefused?: (status: number) => void): Promise<void> {
    const hop = parseSipUri(nextHop);
    if (!hop.ok) return;
    const address = await this.resolver.resolveA(hop.value.host).catch(() => undefined);
    if (!address) return;
    // The next hop's transport parameter: a pool that routes to CUP over TLS Record-Routes itself with transport=tls.
    const tls = String(hop.value.params.transport ?? '').toLowerCase() === 'tls';
    const target: SipTarget = tls ? { address, port: hop.value.port ?? 5061, transport: 'TLS', servername: hop.value.host } : { address, port: hop.value.port ?? SIP_PORT, transport: 'TCP' };
    this.sip.layer.sendRequest(request, target, {
      onFinal: (r) => {
        if (r.status >= 300) {
          this.env.log.warn('in-dialog request refused by the client', { status: r.status, what });
          onRefused?.(r.status);
        }
      },
      onTimeout: () => onRefused?.(408),
      onTransportError: () => onRefused?.(503),
    });
  }
}

function isRequest(m: CstaMessage): m is CstaRequest {
  return !m.type.endsWith('Response') && !m.type.endsWith('Event') && m.type !== 'CSTAErrorCode';
}

/** `tel:+14085551001;phone-context=...` → `+14085551001`; digits pass through. */
function lineDn(device: string): string {
  return device.replace(/^tel:/i, '').replace(/^sip:/i, '').split(/[;@]/)[0] ?? device;
}

function cstaError(category: CstaErrorCategory, value: CstaErrorValue): CstaMessage {
  return { type: 'CSTAErrorCode', category, value };
}

/** CTI error codes (the lab's CTI protocol) → ECMA-269 error values. */
function fromCtiError(m: CtiMessage): CstaMessage {
  if (m.type !== 'ErrorResponse') return cstaError('operation', 'generic');
  switch (m.code) {
    case 'noSuchDevice':
      return cstaError('operation', 'invalidDeviceIdentifier');
    case 'deviceNotControllable':
    case 'notAuthorized':
      return cstaError('operation', 'privilegeViolationOnSpecifiedDevice');
    case 'noSuchCall':
      return cstaError('operation', 'invalidCallIdentifier');
    case 'invalidState':
      return cstaError('stateIncompatibility', 'invalidObjectState');
    case 'noSuchMonitor':
      return cstaError('operation', 'invalidCrossRefID');
    case 'providerNotOpen':
    case 'resourceBusy':
      return cstaError('systemResourceAvailability', 'resourceOutOfService');
    default:
      return cstaError('operation', 'generic');
  }
}
