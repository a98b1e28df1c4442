import { Subscriber, SubscriptionState, TransportState, UserAgent } from 'sip.js';
import type { TimerHandle } from '../../kernel/clock';
import type { Core } from 'sip.js';
import { LabError } from '../../kernel/errors';
import { randomToken } from '../../kernel/random';
import { escapeAttribute, escapeText } from '../../protocols/xml';
import { parseCsta, serializeCsta } from '../../protocols/csta';
import { availabilityOf, CATEGORY_PUBLISH_CONTENT_TYPE, serializeStatePublication } from '../../protocols/presence/ms-category-publish';
import type { PresenceState } from '../../protocols/presence/ms-category-publish';
import {
  parsePidf,
  parseRoamingSelf,
  parseSubscriptionState,
  PIDF_CONTENT_TYPE,
  PROVISIONING_V2_CONTENT_TYPE,
  PROVISIONING_V2_EVENT,
  ROAMING_CONTACTS_CONTENT_TYPE,
  ROAMING_CONTACTS_EVENT,
  ROAMING_SELF_CONTENT_TYPE,
  ROAMING_SELF_EVENT,
  stateOfPidf,
} from '../../protocols/presence';
import type { CupPresenceState } from '../../protocols/presence';
import type { ConnectionID, CstaMessage, CstaRequest } from '../../protocols/csta';
import type { Endpoint } from '../../transport/network';
import { DnsResolver } from '../shared/dns-resolver';
import type { NodeEnv } from '../node';
import { NodeBase } from '../node';
import { SeamSipTransport } from '../shared/seam-sip-transport';
import { NtlmClient } from './ntlm-client';
import { ocUserAgent } from './oc-releases';
import type { OcRelease } from './oc-releases';

export interface OcClientConfig {
  release: OcRelease;
  userId: string;
  displayName: string;
  /** sip:alice@uc.lab */
  sipUri: string;
  /** "Fill in the user account name then click Advanced to enter the corresponding pool name." */
  poolFqdn: string;
  poolPort: number;
  /**
   * Options > Advanced connection settings: `manual` uses the pool name the user entered (seed 004 A4 "click
   * Advanced to enter the corresponding pool name"); `automatic` finds the pool by DNS SRV (A1 "SRV Records
   * added for the OCS Front End Pools"; docs/protocols/sign-in.md).
   */
  connection: 'manual' | 'automatic';
  /** The user's SIP domain, where automatic configuration looks for SRV records. */
  domain: string;
  /** The user's AD account, with which Communicator signs in by NTLM ([MS-SIPAE]; docs/protocols/sign-in.md §2). */
  account: { logon: string; domain: string; password: string };
  /** CUP's Phone Selection plug-in is installed (seed 004 B10; docs/protocols/cup-rcc.md §4). */
  phoneSelectionPlugin?: boolean;
  /**
   * The address book Communicator downloads at sign-in (the OCS Address Book Service's copy of the
   * directory: display names and line URIs). Modelled as handed to the client, not as an HTTPS download.
   */
  addressBook: readonly { displayName: string; lineUri: string }[];
  /**
   * The domain of Cisco users' presence addresses: a contact the user adds as `<user id>@<domain>` (CUP's FQDN,
   * which the pool routes to CUP by its static route; docs/protocols/cup-presence.md §2).
   */
  ciscoPresenceDomain: string;
}

/** What Communicator shows for a contact: the contact's state as the last NOTIFY said, or why it shows nothing. */
export const CONTACT_PRESENCE_STATES = ['available', 'busy', 'away', 'on-the-phone', 'offline', 'unknown'] as const;
export type ContactPresenceState = CupPresenceState | 'unknown';
export const WATCH_STATES = ['none', 'pending', 'active', 'terminated'] as const;
export type WatchState = (typeof WATCH_STATES)[number];

interface Watch {
  readonly subscriber: Subscriber;
  state: WatchState;
  presence: ContactPresenceState;
  reason?: string;
  notifies: number;
}

/** Communicator's part in an OCS focus conference (docs/protocols/conferencing.md). */
export const CONFERENCE_STATES = ['idle', 'invited', 'joined'] as const;
export type ConferenceState = (typeof CONFERENCE_STATES)[number];
const C3P_CONTENT_TYPE = 'application/cccp+xml';
const CONF_INVITE_CONTENT_TYPE = 'application/ms-conf-invite+xml';

export const RCC_SESSION_STATES = ['idle', 'opening', 'active', 'failed'] as const;
export type RccSessionState = (typeof RCC_SESSION_STATES)[number];
export const CONVERSATION_STATES = ['idle', 'ringing', 'connected', 'held'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

export interface OcObservedEvent {
  readonly t: number;
  readonly type: string;
  readonly callID?: string;
  readonly deviceID?: string;
  readonly localConnectionInfo?: string;
}

export interface OcObservedError {
  readonly t: number;
  readonly request: string;
  readonly category: string;
  readonly value: string;
}

/** What the Communicator window shows: the harness reads only this. */
export interface OcObservation {
  readonly signedIn: boolean;
  /** The status the user set and the pool accepted. */
  readonly presence: PresenceState;
  readonly rccSession: RccSessionState;
  readonly conversation: ConversationState;
  /** Who the conversation window says is calling: a name from the address book, else the number. */
  readonly caller: string;
  /**
   * Call forwarding as Communicator's menu shows it: what the user set in Communicator. Forwarding
   * changed elsewhere (on the phone) arrives as a ForwardingEvent but is not shown — seed 004: "not
   * reflected by the Microsoft OC GUI ... As of Microsoft OCS 2007 release, this feature is not
   * supported" (modelled in the client).
   */
  readonly forwarding: 'on' | 'off';
  /**
   * Whether Communicator offers to conference the user's phone calls: only if its own RCC menu has the
   * function and the gateway listed conferenceCall in GetCSTAFeatures (docs/protocols/csta.md §9).
   */
  readonly canConference: boolean;
  /** Whether Communicator offers a choice of phone to control (the Phone Selection plug-in, with an RCC session). */
  readonly canSelectPhone: boolean;
  /** The focus conference: invited to one, or joined (focus and audio). */
  readonly conference: ConferenceState;
  readonly events: readonly OcObservedEvent[];
  readonly errors: readonly OcObservedError[];
}

/**
 * The RCC functions Communicator 2007 R2's own menus offer for a phone call, when the gateway lists them
 * (Resource Kit ch. 9; docs/protocols/csta.md §9). Conferencing is not among them: "OCS 2007 R2 does not
 * support call conferencing through remote call control" (seed 004); Communicator's conferences are OCS
 * focus conferences (docs/protocols/conferencing.md).
 */
const OC_RCC_FUNCTIONS: ReadonlySet<string> = new Set([
  'makeCall', 'answerCall', 'clearConnection', 'holdCall', 'retrieveCall', 'alternateCall', 'consultationCall', 'transferCall',
  'singleStepTransfer', 'deflectCall', 'generateDigits', 'setForwarding',
]);

const CSTA_CONTENT_TYPE = 'application/csta+xml';
/**
 * How long Communicator waits, after the pool closed its connection, before it signs in again through the pool's
 * name, and between attempts after that (lab's modelling choice, docs/protocols/load-balancing.md §1).
 */
const RECONNECT_DELAY_MS = 10_000;
/** TR/87 §8.1: CSTA bodies are sent with `Content-Disposition: signal;handling=required`. */
const CSTA_DISPOSITION = 'signal;handling=required';

/**
 * Office Communicator 2007 R2 with remote call control: a sip.js UserAgent that registers with its
 * OCS pool, keeps one long-lived INVITE dialog with its RCC server (CUP) carrying uaCSTA (TR/87),
 * sends CSTA requests in INFO and keeps a conversation-window model from the CSTA events it gets.
 * The session set-up follows what public OC clones do (pidgin-sipe `sip-csta.c`):
 * INVITE(RequestSystemStatus) → 200 → ACK → INFO(GetCSTAFeatures) → INFO(MonitorStart).
 */
export class OcClient extends NodeBase {
  readonly hostName: string;
  private ua: UserAgent | undefined;
  /** The registration: its Call-ID, last CSeq, the refresh timer and the keep-alive timer. */
  private registration: { callId: string; cseq: number; refresh: TimerHandle | undefined; keepAlive?: TimerHandle } | undefined;
  private ntlm: NtlmClient | undefined;
  private rccDialog: Core.Session | undefined;
  private monitorCrossRefID: string | undefined;
  private readonly calls = new Map<string, { connection: ConnectionID; state: ConversationState }>();
  private state: { signedIn: boolean; rccSession: RccSessionState } = { signedIn: false, rccSession: 'idle' };
  private presence: PresenceState = 'offline';
  private caller = '';
  private forwarding: 'on' | 'off' = 'off';
  /** The device the Phone Selection plug-in chose (its name goes on the monitored line URI). */
  private selectedDevice: string | undefined;
  /** The focus conference this client is in: the focus URI and its dialogs with the focus and the A/V MCU. */
  private focus: { uri: string; focusDialog?: Core.Session; audio?: Core.Session } | undefined;
  /** A focus URI someone invited us to (an INVITE with application/ms-conf-invite+xml). */
  private conferenceInvite: string | undefined;
  /** What the gateway answered to GetCSTAFeatures. */
  private gatewayServices: readonly string[] = [];
  private presenceVersion = 0;
  private readonly events: OcObservedEvent[] = [];
  /**
   * The phone line the pool's roaming data gave at sign-in (`userProperties` line of type Rcc, from the AD user of
   * A3), with the server that controls it; undefined: no phone integration.
   */
  private line: { lineUri: string; serverUri: string } | undefined;
  /** The self-subscriptions of sign-in (roaming-self, roaming-contacts, provisioning-v2). */
  private readonly selfSubscriptions: Subscriber[] = [];
  /** Why the last sign-in could not reach a server (the message Communicator shows), if it could not. */
  private signInError: string | undefined;
  private connection: 'manual' | 'automatic';
  /** The next sign-in after the pool closed the connection. */
  private reconnect: TimerHandle | undefined;
  /** Contacts whose presence the user watches (SUBSCRIBE presence), by contact user id. */
  private readonly watches = new Map<string, Watch>();
  private readonly errors: OcObservedError[] = [];

  constructor(private readonly env: NodeEnv, readonly config: OcClientConfig) {
    super();
    this.hostName = env.network.hostName;
    this.connection = config.connection;
  }

  /** Options > Advanced connection settings. */
  setConnection(mode: 'manual' | 'automatic'): void {
    this.connection = mode;
  }

  get lastSignInError(): string | undefined {
    return this.signInError;
  }

  /**
   * Where Communicator signs in: the manual pool name, or automatic configuration's DNS SRV lookups in the order
   * Communicator 2007 R2 makes them (`_sipinternaltls._tcp`, `_sipinternal._tcp`, `_sip._tcp` of the SIP domain);
   * the lab's pools listen on TCP, so a TLS record is skipped. Undefined: no server found.
   */
  private async findServer(resolver: DnsResolver): Promise<Endpoint | undefined> {
    if (this.connection === 'manual') {
      const address = await resolver.resolveA(this.config.poolFqdn).catch(() => undefined);
      return address === undefined ? undefined : { address, port: this.config.poolPort };
    }
    for (const name of [`_sipinternaltls._tcp.${this.config.domain}`, `_sipinternal._tcp.${this.config.domain}`, `_sip._tcp.${this.config.domain}`]) {
      const records = await resolver.resolveSrv(name).catch(() => []);
      if (name.startsWith('_sipinternaltls.') || records.length === 0) continue;
      for (const r of records) {
        const address = await resolver.resolveA(r.target).catch(() => undefined);
        if (address !== undefined) return { address, port: r.port };
      }
    }
    return undefined;
  }

  observe(): OcObservation {
    return {
      signedIn: this.state.signedIn,
      presence: this.presence,
      rccSession: this.state.rccSession,
      conversation: this.conversation(),
      caller: this.caller,
      forwarding: this.forwarding,
      canConference: OC_RCC_FUNCTIONS.has('conferenceCall') && this.gatewayServices.includes('conferenceCall'),
      canSelectPhone: (this.config.phoneSelectionPlugin ?? false) && this.state.rccSession === 'active',
      conference: this.focus?.audio ? 'joined' : this.conferenceInvite ? 'invited' : 'idle',
      events: [...this.events],
      errors: [...this.errors],
    };
  }

  /** The contact list: every watched contact. */
  contacts(): { userId: string; presence: ContactPresenceState; subscription: WatchState }[] {
    return [...this.watches].map(([userId, w]) => ({ userId, presence: w.presence, subscription: w.state }));
  }

  /** What the contact list shows for one contact. */
  contact(userId: string): { presence: ContactPresenceState; subscription: WatchState; reason?: string; notifies: number } {
    const w = this.watches.get(userId.toLowerCase());
    if (!w) return { presence: 'unknown', subscription: 'none', notifies: 0 };
    return { presence: w.presence, subscription: w.state, ...(w.reason !== undefined ? { reason: w.reason } : {}), notifies: w.notifies };
  }

  /**
   * Adds a Cisco user to the contact list: SUBSCRIBE to their presence (RFC 3856) through the pool, and shows
   * each NOTIFY's PIDF. sip.js's Subscriber refreshes the subscription before it expires.
   */
  async watch(userId: string): Promise<void> {
    const ua = this.ua;
    if (!ua) throw new LabError('UC_NODE', `${this.config.userId}: not signed in`);
    const key = userId.toLowerCase();
    const existing = this.watches.get(key);
    if (existing && existing.state !== 'terminated') return;
    const target = UserAgent.makeURI(`sip:${key}@${this.config.ciscoPresenceDomain}`);
    if (!target) throw new LabError('UC_NODE', `not a presence address: ${userId}`);
    const subscriber = new Subscriber(ua, target, 'presence', { expires: 3600, extraHeaders: [`Accept: ${PIDF_CONTENT_TYPE}`] });
    const watch: Watch = { subscriber, state: 'pending', presence: 'unknown', notifies: 0 };
    this.watches.set(key, watch);
    subscriber.delegate = {
      onNotify: (notification) => {
        notification.accept();
        watch.notifies++;
        const header = notification.request.getHeader('Subscription-State');
        const sub = header ? parseSubscriptionState(header) : undefined;
        if (sub?.ok && sub.value.state === 'terminated') {
          watch.state = 'terminated';
          if (sub.value.reason !== undefined) watch.reason = sub.value.reason;
          watch.presence = 'unknown';
          return;
        }
        const doc = parsePidf(notification.request.body ?? '');
        if (doc.ok) watch.presence = stateOfPidf(doc.value);
        watch.state = sub?.ok && sub.value.state === 'pending' ? 'pending' : 'active';
      },
    };
    subscriber.stateChange.addListener((s) => {
      if (s === SubscriptionState.Terminated && watch.state !== 'terminated') {
        watch.state = 'terminated';
        watch.presence = 'unknown';
      }
    });
    await subscriber.subscribe();
  }

  /** Removes a contact: SUBSCRIBE with Expires 0 (the notifier's final NOTIFY ends it). */
  async unwatch(userId: string): Promise<void> {
    const w = this.watches.get(userId.toLowerCase());
    if (!w) return;
    this.watches.delete(userId.toLowerCase());
    if (w.state !== 'terminated') await w.subscriber.unsubscribe().catch(() => undefined);
    await w.subscriber.dispose().catch(() => undefined);
  }

  /** Signs in: resolves the pool, registers, and opens the RCC session when RCC is enabled. */
  async signIn(): Promise<void> {
    const resolver = new DnsResolver(this.env.network, this.env.dnsServer, this.env.clock, this.env.random);
    const server = await this.findServer(resolver);
    if (!server) {
      // What Communicator 2007 R2 says when it cannot find or reach a server (the sign-in stops there).
      this.signInError = 'Cannot sign in because the server is temporarily unavailable';
      this.env.log.info('sign-in: no server found', { connection: this.connection });
      return;
    }
    this.signInError = undefined;
    const uri = UserAgent.makeURI(this.config.sipUri);
    if (!uri) throw new LabError('UC_CONFIG', `${this.config.userId}: bad SIP URI ${this.config.sipUri}`);
    const log = this.env.log;
    const ntlm = new NtlmClient({
      clock: this.env.clock,
      random: this.env.random,
      logon: this.config.account.logon,
      domain: this.config.account.domain,
      password: this.config.account.password,
      workstation: this.hostName.toUpperCase(),
    });
    this.ntlm = ntlm;
    const ua = new UserAgent({
      uri,
      displayName: this.config.displayName,
      transportConstructor: SeamSipTransport,
      transportOptions: { network: this.env.network, server, log, security: { outgoing: (m: string) => ntlm.outgoingBytes(m), incoming: (m: string, bytes: Uint8Array) => ntlm.incoming(m, bytes) } },
      viaHost: this.env.network.address,
      hackViaTcp: true,
      contactName: this.config.userId,
      contactParams: { transport: 'tcp' },
      userAgentString: ocUserAgent(this.config.release),
      logBuiltinEnabled: false,
      // sip.js logs its whole configuration (JSON of the transport options: network, clock, log) per user agent by default.
      logConfiguration: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => {
        if (level === 'error' || level === 'warn') log.warn(`sip.js ${category}: ${content}`);
      },
      noAnswerTimeout: 60,
    });
    this.ua = ua;
    this.interceptConferenceInvites(ua);
    try {
      await ua.start();
    } catch {
      // The server's address answers, but nothing accepts the connection there.
      this.signInError = 'Cannot sign in because the server is temporarily unavailable';
      this.env.log.info('sign-in: the server refused the connection', { server: `${server.address}:${server.port}` });
      await this.teardownUa();
      return;
    }
    const transport = ua.transport as unknown as SeamSipTransport;
    const disconnected = transport.onDisconnect;
    transport.onDisconnect = (error) => {
      disconnected?.(error);
      this.connectionLost(ua);
    };
    this.registration = { callId: randomToken(this.env.random, 32), cseq: 0, refresh: undefined };
    const registered = await this.register(ua, 3600);
    if (registered.status !== 200) {
      // What Communicator shows when the pool refused its credentials (lab's wording), or refused it otherwise.
      this.signInError =
        registered.status === 401
          ? 'Cannot sign in. Verify that you are using the correct sign-in address and password'
          : registered.status === 0
            ? 'Cannot sign in because the server is temporarily unavailable'
            : `Cannot sign in: the server answered ${registered.status}`;
      this.env.log.info('sign-in refused', { status: registered.status });
      await this.teardownUa();
      return;
    }
    this.state = { ...this.state, signedIn: true };
    this.presence = 'available';
    await this.subscribeSelf(ua);
    if (this.line) await this.openRccSession();
  }

  /**
   * REGISTER with NTLM ([MS-SIPAE]; docs/protocols/sign-in.md §1–§5): each 401 gives the next leg's credentials,
   * the last leg is signed, and the 200 (signed by the pool) ends it. The registration is refreshed 30 s before it
   * expires, signed like every other message. Returns the final status (401: the credentials were refused).
   */
  private async register(ua: UserAgent, expires: number): Promise<{ status: number }> {
    const reg = this.registration;
    const ntlm = this.ntlm;
    if (!reg || !ntlm) return { status: 0 };
    const core = ua.userAgentCore;
    const aor = ua.configuration.uri;
    const registrar = UserAgent.makeURI(`sip:${this.config.domain}`);
    if (!registrar) return { status: 0 };
    let credentials: string | undefined;
    for (let leg = 0; leg < 4; leg++) {
      reg.cseq++;
      const message = core.makeOutgoingRequestMessage('REGISTER', registrar, aor, aor, { callId: reg.callId, cseq: reg.cseq }, [
        `Contact: ${ua.contact.toString()}`,
        `Expires: ${expires}`,
        'Supported: gruu-10, adhoclist, msrtc-event-categories',
        'Supported: ms-forking',
        'ms-keep-alive: UAC;hop-hop=yes',
        'Event: registration',
        ...(credentials !== undefined ? [`Authorization: ${credentials}`] : []),
      ]);
      // A connection that closes before the answer (a balancer whose front end refused it) ends the attempt.
      const transport = ua.transport;
      let dropped: ((state: TransportState) => void) | undefined;
      const response = await new Promise<Core.IncomingResponseMessage | undefined>((resolve) => {
        dropped = (state) => {
          if (state === TransportState.Disconnected) resolve(undefined);
        };
        transport.stateChange.addListener(dropped);
        core.request(message, { onAccept: (r) => resolve(r.message), onReject: (r) => resolve(r.message) });
      });
      if (dropped) transport.stateChange.removeListener(dropped);
      if (!response) return { status: 0 };
      const status = response.statusCode ?? 0;
      if (status === 401) {
        credentials = ntlm.nextRegisterCredentials({ wwwAuthenticate: response.getHeaders('www-authenticate') });
        if (credentials === undefined) return { status };
        continue;
      }
      if (status === 200 && expires > 0) {
        this.refreshRegistrationLater(reg, ua, expires, Number(response.getHeader('expires') ?? expires));
        // ms-keep-alive (docs/protocols/sign-in.md §5): the pool's timeout; a CRLF ping when nothing else was sent in it.
        const timeout = Number(/timeout=(\d+)/.exec(response.getHeader('ms-keep-alive') ?? '')?.[1] ?? 0);
        if (timeout > 0 && reg.keepAlive === undefined) this.keepAlive(ua, timeout);
      }
      return { status };
    }
    return { status: 401 };
  }

  /**
   * In-band provisioning and roaming data (docs/protocols/sign-in.md §8), as Communicator 2007 R2 subscribes after
   * its REGISTER: its contact list, its provisioning groups (a one-time fetch) and its own roaming data, whose
   * `userProperties` category names the phone line to control and its server. Sign-in goes on once the first
   * roaming-self NOTIFY came (or the subscription failed: then there is no phone integration).
   */
  private async subscribeSelf(ua: UserAgent): Promise<void> {
    const self = ua.configuration.uri;
    const start = (event: string, accept: string, expires: number, body?: { contentType: string; content: string }): Subscriber => {
      const subscriber = new Subscriber(ua, self, event, {
        expires,
        extraHeaders: [`Accept: ${accept}`, 'Supported: com.microsoft.autoextend', 'Supported: ms-benotify', 'Proxy-Require: ms-benotify'],
        ...(body ? { body: body.content, contentType: body.contentType } : {}),
      });
      this.selfSubscriptions.push(subscriber);
      return subscriber;
    };
    start(ROAMING_CONTACTS_EVENT, ROAMING_CONTACTS_CONTENT_TYPE, 36000).delegate = { onNotify: (n) => n.accept() };
    await this.fetchProvisioningGroups(ua);
    const roaming = start(ROAMING_SELF_EVENT, ROAMING_SELF_CONTENT_TYPE, 36000, {
      contentType: ROAMING_SELF_CONTENT_TYPE,
      content: '<roamingList xmlns="http://schemas.microsoft.com/2006/09/sip/roaming-self"><roaming type="categories"/><roaming type="containers"/><roaming type="subscribers"/></roamingList>',
    });
    this.line = undefined;
    await new Promise<void>((resolve) => {
      roaming.delegate = {
        onNotify: (notification) => {
          notification.accept();
          const doc = parseRoamingSelf(notification.request.body ?? '');
          // Communicator takes the first Rcc (or Dual) line with a server, as SIPE's roaming-self handling does.
          const rcc = doc.ok ? doc.value.lines.find((l) => (l.lineType === 'Rcc' || l.lineType === 'Dual') && l.lineServer !== undefined) : undefined;
          if (rcc?.lineServer !== undefined && this.line === undefined) this.line = { lineUri: rcc.uri, serverUri: rcc.lineServer };
          resolve();
        },
      };
      roaming.stateChange.addListener((s) => {
        if (s === SubscriptionState.Terminated) resolve();
      });
      for (const sub of this.selfSubscriptions) void sub.subscribe().catch(() => resolve());
    });
  }

  /**
   * The provisioning groups: a one-time fetch (Expires: 0) whose document rides in the 200 (ms-piggyback-first-notify).
   * A method of its own, so that the request is not kept by the closures of the roaming-self subscription's delegate,
   * which live as long as the subscription.
   */
  private fetchProvisioningGroups(ua: UserAgent): Promise<void> {
    const self = ua.configuration.uri;
    const core = ua.userAgentCore;
    const fetch = core.makeOutgoingRequestMessage(
      'SUBSCRIBE',
      self,
      self,
      self,
      {},
      [`Contact: ${ua.contact.toString()}`, `Event: ${PROVISIONING_V2_EVENT}`, `Accept: ${PROVISIONING_V2_CONTENT_TYPE}`, 'Expires: 0', 'Supported: ms-piggyback-first-notify'],
      {
        contentDisposition: 'render',
        contentType: PROVISIONING_V2_CONTENT_TYPE,
        content:
          '<provisioningGroupList xmlns="http://schemas.microsoft.com/2006/09/sip/provisioninggrouplist"><provisioningGroup name="ServerConfiguration"/><provisioningGroup name="meetingPolicy"/><provisioningGroup name="ucPolicy"/></provisioningGroupList>',
      },
    );
    return new Promise<void>((resolve) => core.request(fetch, { onAccept: () => resolve(), onReject: () => resolve() }));
  }

  /**
   * The registration's refresh, 30 s before it expires. A method of its own so that the timer's closure holds only
   * what the refresh needs, not the REGISTER legs, their answers and the promises of `register` (some 7 KB a user).
   */
  private refreshRegistrationLater(reg: NonNullable<OcClient['registration']>, ua: UserAgent, expires: number, granted: number): void {
    this.env.clock.clearTimer(reg.refresh);
    reg.refresh = this.env.clock.setTimer(Math.max(granted - 30, 30) * 1000, () => void this.register(ua, expires));
  }

  /** Every `timeout` seconds, a keep-alive ping unless a message went to the pool meanwhile. */
  private keepAlive(ua: UserAgent, timeout: number): void {
    const reg = this.registration;
    if (!reg) return;
    reg.keepAlive = this.env.clock.setTimer(timeout * 1000, () => {
      const transport = ua.transport as unknown as SeamSipTransport;
      if (!transport.takeSentSomething()) transport.ping();
      if (this.registration === reg) {
        reg.keepAlive = undefined;
        this.keepAlive(ua, timeout);
      }
    });
  }

  private async teardownUa(): Promise<void> {
    await this.releaseUa()?.stop();
  }

  /** Forgets the user agent and its registration's timers; the caller stops it. */
  private releaseUa(): UserAgent | undefined {
    if (this.registration) {
      this.env.clock.clearTimer(this.registration.refresh);
      this.env.clock.clearTimer(this.registration.keepAlive);
    }
    this.registration = undefined;
    this.ntlm = undefined;
    const ua = this.ua;
    this.ua = undefined;
    return ua;
  }

  /** The RCC line, or a client error when the roaming data gave none (Communicator offers no phone control). */
  private rccLine(request: string): { lineUri: string; serverUri: string } | undefined {
    if (!this.line) this.errors.push({ t: this.env.clock.now(), request, category: 'client', value: 'noPhoneLine' });
    return this.line;
  }

  /**
   * The pool closed the connection while the user was signed in (its front end stopped): the session is gone —
   * registration, self-subscriptions, RCC session, watched contacts — and Communicator signs in again through the
   * pool's name after a while, as often as it takes; the contacts it watched are watched again once it is back.
   * A conference it was in is not resumed (not modelled).
   */
  private connectionLost(ua: UserAgent): void {
    if (this.ua !== ua || !this.state.signedIn) return;
    this.env.log.info('connection to the pool lost: signing in again', { inMs: RECONNECT_DELAY_MS });
    const watched = [...this.watches.keys()];
    this.watches.clear();
    this.selfSubscriptions.splice(0);
    this.rccDialog = undefined;
    this.calls.clear();
    this.state = { signedIn: false, rccSession: 'idle' };
    this.presence = 'offline';
    const again = (): void => {
      this.reconnect = this.env.clock.setTimer(RECONNECT_DELAY_MS, () => {
        this.reconnect = undefined;
        void this.signIn()
          .then(async () => {
            if (!this.state.signedIn) return again();
            for (const userId of watched) await this.watch(userId).catch(() => undefined);
          })
          .catch((e: unknown) => {
            this.env.log.warn('signing in again failed', { error: e instanceof Error ? e.message : String(e) });
            again();
          });
      });
    };
    // Not awaited: sip.js's stop waits for the subscriptions to end, which a closed connection never brings.
    void this.releaseUa()?.stop().catch(() => undefined);
    again();
  }

  async signOut(): Promise<void> {
    this.env.clock.clearTimer(this.reconnect);
    this.reconnect = undefined;
    for (const userId of [...this.watches.keys()]) await this.unwatch(userId);
    await this.leaveConference();
    await this.closeRccSession();
    for (const sub of this.selfSubscriptions.splice(0)) {
      await sub.unsubscribe().catch(() => undefined);
      await sub.dispose().catch(() => undefined);
    }
    if (this.registration && this.ua) {
      this.env.clock.clearTimer(this.registration.refresh);
      this.env.clock.clearTimer(this.registration.keepAlive);
      await this.register(this.ua, 0).catch(() => undefined);
    }
    await this.teardownUa();
    this.state = { signedIn: false, rccSession: 'idle' };
    this.presence = 'offline';
  }

  /**
   * The status menu: publishes the `state` category to the pool (SERVICE, [MS-PRES]); the window
   * shows the new status once the pool accepted it.
   */
  async setPresence(state: PresenceState): Promise<void> {
    const ua = this.ua;
    if (!ua) throw new LabError('UC_NODE', `${this.config.userId}: not signed in`);
    const core = ua.userAgentCore;
    const self = ua.configuration.uri;
    const body = serializeStatePublication({ uri: this.config.sipUri, availability: availabilityOf(state), version: this.presenceVersion });
    const message = core.makeOutgoingRequestMessage('SERVICE', self, self, self, {}, [`Contact: ${ua.contact.toString()}`], {
      contentDisposition: 'render',
      contentType: CATEGORY_PUBLISH_CONTENT_TYPE,
      content: body,
    });
    const accepted = await new Promise<boolean>((resolve) => {
      core.request(message, { onAccept: () => resolve(true), onReject: () => resolve(false) });
    });
    if (!accepted) throw new LabError('UC_NODE', `${this.config.userId}: the pool refused the ${state} publication`);
    this.presenceVersion++;
    this.presence = state;
  }

  /** Click-to-call: CSTA MakeCall from the user's line to `destination` (a tel: URI or digits). */
  async makeCall(destination: string): Promise<void> {
    const called = deviceUri(destination);
    const line = this.rccLine('MakeCall');
    if (!line) return;
    await this.request({ type: 'MakeCall', callingDevice: line.lineUri, calledDirectoryNumber: called, autoOriginate: 'doNotPrompt' });
  }

  /**
   * Click-to-call from the contact search: the user types part of a name, Communicator finds the contact in
   * its address book and calls the contact's line URI (CSTA MakeCall). No match: nothing is dialled.
   */
  async callContact(name: string): Promise<void> {
    const wanted = name.toLowerCase();
    const contact = this.config.addressBook.find((entry) => entry.displayName.toLowerCase().includes(wanted));
    if (!contact) throw new LabError('UC_NODE', `${this.config.userId}: no contact in the address book matches "${name}"`);
    await this.makeCall(contact.lineUri);
  }

  /** Accepts the alerting call shown in the conversation window. */
  async answerCall(): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state === 'ringing');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no ringing call to answer`);
    await this.request({ type: 'AnswerCall', callToBeAnswered: call.connection });
  }

  /** Ends the call shown in the conversation window. */
  async clearConnection(): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state !== 'idle');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no call to clear`);
    await this.request({ type: 'ClearConnection', connectionToBeCleared: call.connection });
  }

  /** Sends the ringing call elsewhere without answering it (call deflect). */
  async deflectCall(destination: string): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state === 'ringing');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no ringing call to deflect`);
    const newDestination = deviceUri(destination);
    await this.request({ type: 'DeflectCall', callToBeDiverted: call.connection, newDestination });
  }

  /** Blind transfer of the connected call to `destination` (uaCSTA SingleStepTransferCall). */
  async singleStepTransfer(destination: string): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state === 'connected');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no connected call to transfer`);
    const transferredTo = deviceUri(destination);
    await this.request({ type: 'SingleStepTransferCall', activeCall: call.connection, transferredTo });
  }

  /** The dial pad during a connected call: DTMF digits (CSTA GenerateDigits on the call's connection). */
  async generateDigits(digits: string): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state === 'connected');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no connected call to send digits into`);
    await this.request({ type: 'GenerateDigits', connectionToSendDigits: call.connection, charactersToSend: digits });
  }

  async holdCall(): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state === 'connected');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no connected call to hold`);
    await this.request({ type: 'HoldCall', callToBeHeld: call.connection });
  }

  /** Announced transfer, first half: hold the connected call and call `destination` (CSTA ConsultationCall). */
  async consultationCall(destination: string): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state === 'connected');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no connected call to consult from`);
    const consultedDevice = deviceUri(destination);
    await this.request({ type: 'ConsultationCall', existingCall: call.connection, consultedDevice });
  }

  /** The held call and the connected one, which a transfer, an alternate or a conference act on. */
  private heldAndConnected(what: string): { held: { connection: ConnectionID }; active: { connection: ConnectionID } } {
    const calls = [...this.calls.values()];
    const held = calls.find((c) => c.state === 'held');
    const active = calls.find((c) => c.state === 'connected');
    if (!held || !active) throw new LabError('UC_NODE', `${this.config.userId}: ${what} needs a held and a connected call`);
    return { held, active };
  }

  /** Announced transfer, second half: join the held call and the connected one (CSTA TransferCall). */
  async transferCall(): Promise<void> {
    const { held, active } = this.heldAndConnected('transfer');
    await this.request({ type: 'TransferCall', heldCall: held.connection, activeCall: active.connection });
  }

  /**
   * The Phone Selection plug-in (seed 004 B10): the user picks which of their devices Communicator controls;
   * Communicator then monitors the line on that device (MonitorStop, then MonitorStart with `;device=` on the
   * line URI, the parameter CUP reads to choose the device; docs/protocols/cup-rcc.md §4). Without the plug-in
   * Communicator offers no choice: the request is recorded as a client error and nothing is sent.
   */
  async selectPhone(deviceName: string): Promise<void> {
    if (!this.config.phoneSelectionPlugin) {
      this.errors.push({ t: this.env.clock.now(), request: 'selectPhone', category: 'client', value: 'noPhoneSelectionPlugin' });
      return;
    }
    this.selectedDevice = deviceName;
    if (this.monitorCrossRefID) await this.request({ type: 'MonitorStop', monitorCrossRefID: this.monitorCrossRefID });
    this.monitorCrossRefID = undefined;
    const monitor = await this.request({ type: 'MonitorStart', monitorObject: this.monitoredLine() });
    if (monitor?.type === 'MonitorStartResponse') this.monitorCrossRefID = monitor.monitorCrossRefID;
    else this.state = { ...this.state, rccSession: 'failed' };
  }

  /** The line URI Communicator monitors: the user's, with the chosen device when the plug-in chose one. */
  private monitoredLine(): string {
    const lineUri = this.line?.lineUri ?? '';
    return this.selectedDevice ? `${lineUri};device=${this.selectedDevice}` : lineUri;
  }

  // ------------------------------------------------------------------ OCS focus conferences

  /**
   * Communicator's own conference (seed 004: "Conferencing is available in ... OC only call scenarios";
   * docs/protocols/conferencing.md §2–§3): SERVICE addConference to the pool's focus factory, then join the
   * focus it names and its audio.
   */
  async startConference(): Promise<void> {
    const factory = `${this.config.sipUri};gruu;opaque=app:conf:focusfactory`;
    const id = randomToken(this.env.random, 32).replace(/[^0-9a-z]/gi, '0').toUpperCase();
    const body =
      `<?xml version="1.0"?><request xmlns="urn:ietf:params:xml:ns:cccp" xmlns:mscp="http://schemas.microsoft.com/rtc/2005/08/cccpextensions" C3PVersion="1" to="${escapeAttribute(factory)}" from="${escapeAttribute(this.config.sipUri)}" requestId="1">` +
      `<addConference><ci:conference-info xmlns:ci="urn:ietf:params:xml:ns:conference-info" entity="" xmlns:msci="http://schemas.microsoft.com/rtc/2005/08/confinfoextensions"><ci:conference-description><msci:conference-id>${id}</msci:conference-id></ci:conference-description></ci:conference-info></addConference></request>`;
    const response = await this.coreRequest('SERVICE', factory, body, C3P_CONTENT_TYPE);
    const focusUri = response && /<conference-info\b[^>]*\bentity="([^"]+)"/.exec(response.message.body)?.[1];
    if (!focusUri) {
      this.errors.push({ t: this.env.clock.now(), request: 'addConference', category: 'sip', value: String(response?.message.statusCode ?? 'no answer') });
      return;
    }
    await this.joinFocus(focusUri);
  }

  /** Invites someone to our conference: an INVITE with the focus URI, answered 200 OK and ACKed; nothing follows. */
  async inviteToConference(sipUri: string): Promise<void> {
    const ua = this.ua;
    const focus = this.focus;
    if (!ua || !focus) throw new LabError('UC_NODE', `${this.config.userId}: not in a conference to invite to`);
    const target = UserAgent.makeURI(sipUri);
    if (!target) throw new LabError('UC_NODE', `${this.config.userId}: bad SIP URI ${sipUri}`);
    const body = `<Conferencing version="2.0"><focus-uri>${escapeText(focus.uri)}</focus-uri><subject></subject><audio available="true"/></Conferencing>`;
    const message = ua.userAgentCore.makeOutgoingRequestMessage('INVITE', target, ua.configuration.uri, target, {}, [`Contact: ${ua.contact.toString()}`], {
      contentDisposition: 'render',
      contentType: CONF_INVITE_CONTENT_TYPE,
      content: body,
    });
    await new Promise<void>((resolve) => {
      ua.userAgentCore.invite(message, {
        onAccept: (r) => {
          r.ack();
          r.session.dispose();
          resolve();
        },
        onReject: (r) => {
          this.errors.push({ t: this.env.clock.now(), request: 'INVITE', category: 'sip', value: String(r.message.statusCode) });
          resolve();
        },
      });
    });
  }

  /** Accepts the conference invitation: join the focus it named. */
  async joinConference(): Promise<void> {
    const uri = this.conferenceInvite;
    if (!uri) throw new LabError('UC_NODE', `${this.config.userId}: no conference invitation to accept`);
    this.conferenceInvite = undefined;
    await this.joinFocus(uri);
  }

  async leaveConference(): Promise<void> {
    const focus = this.focus;
    this.focus = undefined;
    focus?.audio?.bye();
    focus?.focusDialog?.bye();
  }

  /** addUser INVITE to the focus, then an INVITE with SDP to its audio/video MCU (conferencing.md §3). */
  private async joinFocus(focusUri: string): Promise<void> {
    this.focus = { uri: focusUri };
    const self = this.config.sipUri;
    const addUser =
      `<?xml version="1.0"?><request xmlns="urn:ietf:params:xml:ns:cccp" xmlns:mscp="http://schemas.microsoft.com/rtc/2005/08/cccpextensions" C3PVersion="1" to="${escapeAttribute(focusUri)}" from="${escapeAttribute(self)}" requestId="2">` +
      `<addUser><conferenceKeys confEntity="${escapeAttribute(focusUri)}"/><ci:user xmlns:ci="urn:ietf:params:xml:ns:conference-info" entity="${escapeAttribute(self)}"><ci:roles><ci:entry>attendee</ci:entry></ci:roles><ci:endpoint entity="{${randomToken(this.env.random, 8)}}"/></ci:user></addUser></request>`;
    const focusDialog = await this.coreInvite(focusUri, addUser, C3P_CONTENT_TYPE);
    if (!focusDialog || this.focus?.uri !== focusUri) return;
    this.focus.focusDialog = focusDialog;
    const address = this.env.network.address;
    const sdp = ['v=0', `o=- 0 0 IN IP4 ${address}`, 's=session', `c=IN IP4 ${address}`, 't=0 0', 'm=audio 5004 RTP/AVP 0 8', 'a=sendrecv', ''].join('\r\n');
    const audio = await this.coreInvite(focusUri.replace(':focus:', ':audio-video:'), sdp, 'application/sdp');
    if (audio && this.focus?.uri === focusUri) this.focus.audio = audio;
  }

  private coreInvite(uri: string, content: string, contentType: string): Promise<Core.Session | undefined> {
    const ua = this.ua;
    const target = UserAgent.makeURI(uri);
    if (!ua || !target) return Promise.resolve(undefined);
    const message = ua.userAgentCore.makeOutgoingRequestMessage('INVITE', target, ua.configuration.uri, target, {}, [`Contact: ${ua.contact.toString()}`], {
      contentDisposition: contentType === 'application/sdp' ? 'session' : 'render',
      contentType,
      content,
    });
    return new Promise((resolve) => {
      ua.userAgentCore.invite(message, {
        onAccept: (r) => {
          r.ack();
          r.session.delegate = { onBye: (bye) => bye.accept() };
          resolve(r.session);
        },
        onReject: (r) => {
          this.errors.push({ t: this.env.clock.now(), request: 'INVITE', category: 'sip', value: String(r.message.statusCode) });
          resolve(undefined);
        },
      });
    });
  }

  private coreRequest(method: string, uri: string, content: string, contentType: string): Promise<Core.IncomingResponse | undefined> {
    const ua = this.ua;
    const target = UserAgent.makeURI(uri);
    if (!ua || !target) return Promise.resolve(undefined);
    const message = ua.userAgentCore.makeOutgoingRequestMessage(method, target, ua.configuration.uri, target, {}, [], { contentDisposition: 'render', contentType, content });
    return new Promise((resolve) => {
      ua.userAgentCore.request(message, { onAccept: (r) => resolve(r), onReject: (r) => resolve(r) });
    });
  }

  /** An INVITE carrying a conference invitation is answered 200 OK and its focus URI remembered (as pidgin-sipe does). */
  private interceptConferenceInvites(ua: UserAgent): void {
    const core = ua.userAgentCore as unknown as { delegate: { onInvite?: (r: Core.IncomingInviteRequest) => void } };
    const original = core.delegate.onInvite?.bind(core.delegate);
    core.delegate.onInvite = (request) => {
      const type = request.message.getHeader('Content-Type') ?? '';
      if (!type.toLowerCase().startsWith(CONF_INVITE_CONTENT_TYPE)) {
        if (original) original(request);
        else request.reject();
        return;
      }
      const focusUri = /<focus-uri>\s*([^<\s]+)\s*<\/focus-uri>/.exec(request.message.body)?.[1];
      if (!focusUri) {
        request.reject({ statusCode: 400 });
        return;
      }
      this.conferenceInvite = focusUri.replace(/&amp;/g, '&');
      // 200 OK without a body, as pidgin-sipe answers it; sip.js's accept() would demand an SDP-style answer to
      // the invitation body, so the response goes out through the server transaction (no dialog is kept).
      (request as unknown as { reply(o: { statusCode: number; extraHeaders: string[] }): unknown }).reply({ statusCode: 200, extraHeaders: [`Contact: ${ua.contact.toString()}`] });
    };
  }

  /**
   * CSTA ConferenceCall of the held and the connected call: what a TR/87 client would send to conference
   * them. Communicator 2007 R2 itself never offers it (`canConference`); the action is how a scenario asks
   * the gateway anyway.
   */
  async conferenceCall(): Promise<void> {
    const { held, active } = this.heldAndConnected('a conference');
    await this.request({ type: 'ConferenceCall', heldCall: held.connection, activeCall: active.connection });
  }

  /**
   * Switching between two calls (the Resource Kit's "one active, the others held"): CSTA AlternateCall with
   * the held call and the connected one.
   */
  async alternateCall(): Promise<void> {
    const { held, active } = this.heldAndConnected('alternate');
    await this.request({ type: 'AlternateCall', heldCall: held.connection, activeCall: active.connection });
  }

  async retrieveCall(): Promise<void> {
    const call = [...this.calls.values()].find((c) => c.state === 'held');
    if (!call) throw new LabError('UC_NODE', `${this.config.userId}: no held call to retrieve`);
    await this.request({ type: 'RetrieveCall', callToBeRetrieved: call.connection });
  }

  /** Call forwarding from Communicator's menu: CSTA SetForwarding (forwardImmediate) on the user's line. */
  async setForwarding(destination: string): Promise<void> {
    const forwardDN = deviceUri(destination);
    const line = this.rccLine('SetForwarding');
    if (!line) return;
    const response = await this.request({ type: 'SetForwarding', device: line.lineUri, forwardingType: 'forwardImmediate', activateForward: true, forwardDN });
    if (response?.type === 'SetForwardingResponse') this.forwarding = 'on';
  }

  async cancelForwarding(): Promise<void> {
    const line = this.rccLine('SetForwarding');
    if (!line) return;
    const response = await this.request({ type: 'SetForwarding', device: line.lineUri, forwardingType: 'forwardImmediate', activateForward: false });
    if (response?.type === 'SetForwardingResponse') this.forwarding = 'off';
  }

  leaks(): string[] {
    return [];
  }

  async stop(): Promise<void> {
    await this.signOut();
  }

  private conversation(): ConversationState {
    const states = [...this.calls.values()].map((c) => c.state);
    if (states.includes('connected')) return 'connected';
    if (states.includes('ringing')) return 'ringing';
    if (states.includes('held')) return 'held';
    return 'idle';
  }

  private async openRccSession(): Promise<void> {
    const ua = this.ua;
    const line = this.line;
    if (!ua || !line) return;
    this.state = { ...this.state, rccSession: 'opening' };
    const core = ua.userAgentCore;
    const target = UserAgent.makeURI(line.serverUri);
    if (!target) {
      this.errors.push({ t: this.env.clock.now(), request: 'INVITE', category: 'client', value: 'badLineServer' });
      this.state = { ...this.state, rccSession: 'failed' };
      return;
    }
    const body = serializeCsta({ type: 'RequestSystemStatus', line: line.lineUri });
    const message = core.makeOutgoingRequestMessage(
      'INVITE',
      target,
      ua.configuration.uri,
      target,
      {},
      [`Contact: ${ua.contact.toString()}`, 'Supported: timer', `Content-Disposition: ${CSTA_DISPOSITION}`],
      { contentDisposition: CSTA_DISPOSITION, contentType: CSTA_CONTENT_TYPE, content: body },
    );
    const accepted = await new Promise<Core.Session | undefined>((resolve) => {
      core.invite(message, {
        onAccept: (response) => {
          response.ack();
          const parsed = parseCsta(response.message.body);
          // SIPE process_invite_csta_gateway_response: continue only on systemStatus "normal".
          if (parsed.ok && parsed.value.type === 'RequestSystemStatusResponse' && parsed.value.systemStatus === 'normal') {
            resolve(response.session);
          } else {
            this.recordFailure('RequestSystemStatus', parsed.ok ? parsed.value : undefined);
            response.session.bye();
            resolve(undefined);
          }
        },
        onReject: (response) => {
          this.errors.push({ t: this.env.clock.now(), request: 'INVITE', category: 'sip', value: String(response.message.statusCode) });
          resolve(undefined);
        },
      });
    });
    if (!accepted) {
      this.state = { ...this.state, rccSession: 'failed' };
      return;
    }
    this.rccDialog = accepted;
    accepted.delegate = {
      onInfo: (info) => {
        info.accept();
        this.onCstaEvent(info.message.body);
      },
      onBye: (bye) => {
        bye.accept();
        this.rccDialog = undefined;
        this.state = { ...this.state, rccSession: 'idle' };
      },
    };
    const features = await this.request({ type: 'GetCSTAFeatures', line: line.lineUri });
    if (features?.type === 'GetCSTAFeaturesResponse') this.gatewayServices = features.supportedServices;
    const monitor = await this.request({ type: 'MonitorStart', monitorObject: this.monitoredLine() });
    if (monitor?.type === 'MonitorStartResponse') {
      this.monitorCrossRefID = monitor.monitorCrossRefID;
      this.state = { ...this.state, rccSession: 'active' };
    } else {
      this.state = { ...this.state, rccSession: 'failed' };
    }
  }

  private async closeRccSession(): Promise<void> {
    const dialog = this.rccDialog;
    if (!dialog) return;
    if (this.monitorCrossRefID) await this.request({ type: 'MonitorStop', monitorCrossRefID: this.monitorCrossRefID });
    this.monitorCrossRefID = undefined;
    this.rccDialog = undefined;
    await new Promise<void>((resolve) => dialog.bye({ onAccept: () => resolve(), onReject: () => resolve() }));
    this.state = { ...this.state, rccSession: 'idle' };
  }

  /** Sends a CSTA request in an INFO on the RCC dialog; the response is the body of the 200 OK. */
  private async request(request: CstaRequest): Promise<CstaMessage | undefined> {
    const dialog = this.rccDialog;
    if (!dialog) {
      this.errors.push({ t: this.env.clock.now(), request: request.type, category: 'client', value: 'noRccSession' });
      return undefined;
    }
    const body = serializeCsta(request);
    return new Promise<CstaMessage | undefined>((resolve) => {
      dialog.info(
        {
          onAccept: (response) => {
            const parsed = parseCsta(response.message.body);
            if (!parsed.ok || parsed.value.type === 'CSTAErrorCode') {
              this.recordFailure(request.type, parsed.ok ? parsed.value : undefined);
              resolve(undefined);
              return;
            }
            resolve(parsed.value);
          },
          onReject: (response) => {
            this.errors.push({ t: this.env.clock.now(), request: request.type, category: 'sip', value: String(response.message.statusCode) });
            resolve(undefined);
            // RFC 3261 §12.2.1.2: a 481 to a request in a dialog terminates the dialog. CUP has lost the RCC session (a
            // restart): Communicator opens a new one at once (modelled; docs/protocols/cup-rcc.md §12).
            if (response.message.statusCode === 481 && this.rccDialog === dialog) {
              this.rccDialog = undefined;
              this.monitorCrossRefID = undefined;
              this.state = { ...this.state, rccSession: 'idle' };
              void this.openRccSession();
            }
          },
        },
        {
          extraHeaders: [`Content-Disposition: ${CSTA_DISPOSITION}`],
          body: { contentDisposition: CSTA_DISPOSITION, contentType: CSTA_CONTENT_TYPE, content: body },
        },
      );
    });
  }

  /** Reverse number lookup: the caller's number matched against the address book's line URIs. */
  private lookUp(device: string): string {
    const number = telNumber(device);
    return this.config.addressBook.find((entry) => telNumber(entry.lineUri) === number)?.displayName ?? number;
  }

  private recordFailure(request: string, message: CstaMessage | undefined): void {
    const t = this.env.clock.now();
    if (message?.type === 'CSTAErrorCode') this.errors.push({ t, request, category: message.category, value: message.value });
    else this.errors.push({ t, request, category: 'unspecified', value: message ? `unexpected ${message.type}` : 'unparseable response' });
  }

  private onCstaEvent(body: string): void {
    const parsed = parseCsta(body);
    if (!parsed.ok) {
      this.env.log.warn('unparseable CSTA event ignored', { error: parsed.error.message });
      return;
    }
    const event = parsed.value;
    if (!('monitorCrossRefID' in event) || event.monitorCrossRefID !== this.monitorCrossRefID) {
      // SIPE: events that do not carry our monitorCrossRefID are ignored.
      return;
    }
    const t = this.env.clock.now();
    const connection = connectionOf(event);
    this.events.push({
      t,
      type: event.type,
      ...(connection ? { callID: connection.callID, deviceID: connection.deviceID } : {}),
      ...('localConnectionInfo' in event && event.localConnectionInfo ? { localConnectionInfo: event.localConnectionInfo } : {}),
    });
    if (event.type === 'ConferencedEvent') {
      // ECMA-269 Conferenced: the old calls merged into the conference; a call that got a new id is renamed.
      for (const item of event.conferenceConnections) {
        const old = item.oldConnection && this.calls.get(item.oldConnection.callID);
        if (!old || !item.newConnection) continue;
        this.calls.delete(item.oldConnection?.callID ?? '');
        this.calls.set(item.newConnection.callID, { connection: item.newConnection, state: old.state });
      }
      if (!event.conferenceConnections.some((i) => i.oldConnection?.callID === event.primaryOldCall.callID)) this.calls.delete(event.primaryOldCall.callID);
      return;
    }
    if (!connection) return;
    if (event.type === 'DeliveredEvent' && event.localConnectionInfo === 'alerting') this.caller = this.lookUp(event.callingDevice);
    const next = nextConversationState(event);
    if (next === undefined) return;
    if (next === 'idle') this.calls.delete(connection.callID);
    else this.calls.set(connection.callID, { connection, state: next });
  }
}

/** A dialled destination as a CSTA device: a tel: or sip: URI as given, else a tel: URI of the digits. */
function deviceUri(destination: string): string {
  return destination.startsWith('tel:') || destination.startsWith('sip:') ? destination : `tel:${destination}`;
}

/** `tel:+14085551002;phone-context=…` → `+14085551002`. */
function telNumber(device: string): string {
  return device.replace(/^(tel|sip):/i, '').split(/[;@]/)[0] ?? device;
}

function connectionOf(event: CstaMessage): ConnectionID | undefined {
  switch (event.type) {
    case 'ServiceInitiatedEvent':
      return event.initiatedConnection;
    case 'OriginatedEvent':
      return event.originatedConnection;
    case 'DeliveredEvent':
      return event.connection;
    case 'EstablishedEvent':
      return event.establishedConnection;
    case 'ConnectionClearedEvent':
      return event.droppedConnection;
    case 'FailedEvent':
      return event.failedConnection;
    case 'HeldEvent':
      return event.heldConnection;
    case 'RetrievedEvent':
      return event.retrievedConnection;
    case 'DivertedEvent':
      return event.connection;
    case 'TransferedEvent':
      return event.primaryOldCall;
    default:
      return undefined;
  }
}

function nextConversationState(event: CstaMessage): ConversationState | undefined {
  switch (event.type) {
    case 'ServiceInitiatedEvent':
    case 'OriginatedEvent':
      return 'connected';
    case 'DeliveredEvent':
      // Our own connection alerting = incoming call; connected = we are hearing ringback.
      return event.localConnectionInfo === 'alerting' ? 'ringing' : 'connected';
    case 'EstablishedEvent':
    case 'RetrievedEvent':
      return 'connected';
    case 'HeldEvent':
      return 'held';
    case 'ConnectionClearedEvent':
    case 'FailedEvent':
    case 'DivertedEvent':
    case 'TransferedEvent':
      return 'idle';
    default:
      return undefined;
  }
}
