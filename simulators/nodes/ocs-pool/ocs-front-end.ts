import {
  createResponse,
  formatNameAddr,
  nextHopUri,
  parseNameAddr,
  parseSipUri,
  prepareForwardedRequest,
  formatSipUri,
  hasSupportedScheme,
  stripTopVia,
  unsupportedOptions,
  uriOf,
} from '../../protocols/sip';
import type { CreateResponseOptions, ServerTransaction, SipRequest, SipResponse, SipTarget, SipUri } from '../../protocols/sip';
import { ocsServerHeader } from './ocs-releases';
import type { OcsRelease } from './ocs-releases';
import { randomToken } from '../../kernel/random';
import { CATEGORY_PUBLISH_CONTENT_TYPE, parsePublications, stateOfAvailability } from '../../protocols/presence/ms-category-publish';
import type { PresenceState } from '../../protocols/presence/ms-category-publish';
import {
  parseSetContainerMembers,
  parseSetSubscribers,
  PRESENCE_WPENDING_EVENT,
  PROVISIONING_CONTENT_TYPE,
  PROVISIONING_EVENT,
  PROVISIONING_V2_CONTENT_TYPE,
  PROVISIONING_V2_EVENT,
  ROAMING_ACL_CONTENT_TYPE,
  ROAMING_ACL_EVENT,
  ROAMING_CONTACTS_CONTENT_TYPE,
  ROAMING_CONTACTS_EVENT,
  ROAMING_SELF_CONTENT_TYPE,
  ROAMING_SELF_EVENT,
  serializeProvisioningV2,
  serializeRoamingAcl,
  serializeContactList,
  parseContactSoap,
  serializeContactSoapResponse,
  SOAP_CONTENT_TYPE,
  serializeRoamingSelf,
  serializeWpending,
  SET_CONTAINER_MEMBERS_CONTENT_TYPE,
  SET_SUBSCRIBERS_CONTENT_TYPE,
  userPropertiesElement,
  WPENDING_CONTENT_TYPE,
} from '../../protocols/presence/roaming';
import type { CategoryInstance, ContactListState, Container, UserLine } from '../../protocols/presence/roaming';
import { DnsResolver } from '../shared/dns-resolver';
import type { NodeEnv } from '../node';
import { CONNECTIONS_PER_PEER } from '../../transport/stream-limits';
import type { StreamLimits } from '../../transport/stream-limits';
import type { TimerHandle } from '../../kernel/clock';
import { NodeBase } from '../node';
import { SipEndpoint } from '../shared/sip-endpoint';
import type { SipTlsOptions } from '../shared/sip-endpoint';
import { ConferencingFocus, conferencingTarget } from './ocs-focus';
import { ClientAuthenticator } from './client-auth';
import { EnhancedPresence } from './enhanced-presence';
import { PresenceNotifier } from '../shared/presence-notifier';
import type { Binding, LocationService, OcsDirectoryUser, PoolChange, PoolStore } from './pool-store';
import type { NotifierPackage } from '../shared/presence-notifier';
import { availabilityOf, cupStateOfAvailability, PIDF_CONTENT_TYPE } from '../../protocols/presence';
import type { CupPresenceState } from '../../protocols/presence';

export interface OcsStaticRoute {
  /** Domain (or host) of Request-URIs the route applies to, e.g. `cup.uc.lab`. */
  matchUri: string;
  nextHop: string;
  port: number;
  /** TCP, or TLS with the next hop's certificate checked against the lab's certificate server. */
  transport: 'TCP' | 'TLS';
}

/**
 * Front End properties > Host Authorization: a server the pool trusts. Only an entry "treated as authenticated"
 * and not "outbound only" lets the server's own requests in without a challenge ([MS-SIPAE]: a server cannot do
 * NTLM); an outbound-only one is a host the pool only sends to.
 */
export interface OcsHostAuthorization {
  fqdn: string;
  /** Default true. */
  treatAsAuthenticated?: boolean;
  /** Default false. */
  outboundOnly?: boolean;
}

export interface OcsPoolConfig {
  release: OcsRelease;
  poolName: string;
  fqdn: string;
  /** This front end's own FQDN (the pool's when the pool has one front end): it Record-Routes with it. */
  frontEndFqdn: string;
  /** The pool's back end, shared by its front ends. */
  store: PoolStore;
  /** SIP domain of the pool's users. */
  domain: string;
  /** The AD domain's NetBIOS name (the NTLM logon domain). */
  netbiosDomain: string;
  /** The users homed on this pool ("Pool Users"), with their AD attributes. */
  users: OcsDirectoryUser[];
  staticRoutes: OcsStaticRoute[];
  hostAuthorizations: OcsHostAuthorization[];
  /** SIP over TLS on 5061 with the pool's certificate (seed 004's TLS bullet; docs/protocols/cup-rcc.md §5). */
  tls?: SipTlsOptions;
  /** The address of the pool's load balancer, if it has one: every client behind it connects from there. */
  balancerAddress?: string;
}

const SIP_PORT = 5060;

/**
 * What OCS 2007 R2 put on its 200 OK to REGISTER besides the binding ([MS-SIPREGE]; a recorded R2 exchange in
 * pidgin-sipe's NTLM tests; docs/protocols/sign-in.md §2): the events a client may subscribe to (comma-separated
 * with no spaces, as the product wrote them), one `Supported` option per header, and the keep-alive it expects.
 */
const REGISTER_ALLOW_EVENTS = [PROVISIONING_EVENT, ROAMING_CONTACTS_EVENT, ROAMING_ACL_EVENT, 'presence', PRESENCE_WPENDING_EVENT, ROAMING_SELF_EVENT, PROVISIONING_V2_EVENT].join(',');
const KEEP_ALIVE_S = 300;
/**
 * A connection the pool has heard nothing on for three keep-alive timeouts is closed (modelled: a client pings when
 * it sent nothing else in a timeout, so a live one is silent for less than two; docs/protocols/stream-limits.md).
 */
const SIP_LIMITS: StreamLimits = { idleMs: 3 * KEEP_ALIVE_S * 1000, perPeer: CONNECTIONS_PER_PEER };
/** The pool's limits: its balancer, which opens a connection per client from its own address, is not held to them. */
const sipLimits = (balancer: string | undefined): StreamLimits => (balancer === undefined ? SIP_LIMITS : { ...SIP_LIMITS, unlimited: new Set([balancer]) });
/** Registration lifetime granted when the client asks for none, by release (R2: 7200 s; 2007: 900 s in the recorded exchanges). */
const DEFAULT_REGISTER_EXPIRES_S: Record<string, number> = { '2007': 900, '2007 R2': 7200 };

/** The well-known containers of a user's enhanced presence ([MS-PRES] §3.7: blocked, personal, team, company, public). */
const DEFAULT_CONTAINERS: readonly Container[] = [
  { id: 32000, version: 0, members: [] },
  { id: 400, version: 0, members: [] },
  { id: 300, version: 0, members: [] },
  // Default memberships: the company container holds the users of the same enterprise, the public one federated users.
  { id: 200, version: 0, members: [{ type: 'sameEnterprise' }] },
  { id: 100, version: 0, members: [{ type: 'federated' }] },
];

/** Option tags the pool supports in Proxy-Require (best-effort NOTIFY: pidgin-sipe and Communicator require it). */
const PROXY_REQUIRE_SUPPORTED = new Set(['ms-benotify']);

/**
 * An OCS 2007 R2 Enterprise pool front end: registrar for the pool's users and a stateful proxy
 * (RFC 3261 §16) that routes by static route (the seed: "CUP Server static Route") and by
 * registration, trusting servers only through host authorization ("CUP Host Authorization").
 * Client authentication (NTLM/Kerberos over TLS) is modelled as "registered over this connection".
 */
export class OcsFrontEnd extends NodeBase {
  readonly hostName: string;
  private sip!: SipEndpoint;
  private readonly resolver: DnsResolver;
  /** The pool's back end: registrations, AD attributes, enhanced presence and contact lists of every front end. */
  private readonly store: PoolStore;
  /** Registrations, one per endpoint (a user may sign in from several PCs), of the whole pool. */
  private readonly bindings: LocationService;
  /** The address of record of every user homed on this pool ("Pool Users"). */
  private readonly homed: Set<string>;
  /** The aggregate state per user AOR, from the state categories published. */
  private readonly presence: Map<string, PresenceState>;
  /** The homed users' AD attributes, by AOR. */
  private readonly directory: Map<string, OcsDirectoryUser>;
  private readonly categories: PoolStore['categories'];
  private readonly containers: PoolStore['containers'];
  private readonly contactLists: PoolStore['contactLists'];
  private readonly subscribers: PoolStore['subscribers'];
  /** Enhanced presence of the pool's users for other signed-in users ([MS-PRES]; docs/protocols/sign-in.md §9). */
  private readonly enhanced: EnhancedPresence;
  /** The timer that ends each binding registered here when it expires unrefreshed (RFC 3261 §10.3), by binding key. */
  private readonly bindingTimers = new Map<string, TimerHandle>();
  /** How this front end hears of changes made at the pool's other front ends. */
  private readonly attachment: { readonly address: string; changed(what: PoolChange, aor: string): void };
  private stopped = false;
  /** NTLM sign-in and message signing of the pool's clients ([MS-SIPAE]; docs/protocols/sign-in.md §1–§4). */
  private readonly auth: ClientAuthenticator;
  /** The self-subscriptions of in-band provisioning and roaming data (docs/protocols/sign-in.md §8), by event. */
  private readonly selfEvents = new Map<string, PresenceNotifier>();
  private authorizedAddresses = new Set<string>();
  private config: OcsPoolConfig;
  private readonly recordRoute: string;
  /** The Record-Route of a request the pool sends on over TLS: the far end comes back the same way. */
  private readonly tlsRecordRoute: string;
  /** The pool's conferencing focus and A/V MCU (docs/protocols/conferencing.md §5). */
  private readonly focus: ConferencingFocus;
  /** SIMPLE toward authorized servers (CUP): the users' `state` category as PIDF (docs/protocols/cup-presence.md §2). */
  private readonly simple: PresenceNotifier;

  private constructor(private readonly env: NodeEnv, config: OcsPoolConfig) {
    super();
    this.hostName = env.network.hostName;
    this.config = config;
    this.resolver = new DnsResolver(env.network, env.dnsServer, env.clock, env.random);
    // The front end's own FQDN: in-dialog requests come back to the front end the endpoint is connected to, not
    // through the pool's load balancer (docs/decisions/0020).
    this.recordRoute = `<sip:${config.frontEndFqdn}:${SIP_PORT};transport=tcp;lr>`;
    this.tlsRecordRoute = `<sip:${config.frontEndFqdn}:${config.tls?.port ?? 5061};transport=tls;lr>`;
    this.homed = new Set(config.users.map((u) => normalizeAor(u.sipUri)));
    this.store = config.store;
    ({ bindings: this.bindings, presence: this.presence, directory: this.directory, categories: this.categories, containers: this.containers, contactLists: this.contactLists, subscribers: this.subscribers } = config.store);
    this.attachment = { address: env.network.address, changed: (what, aor) => this.poolChanged(what, aor) };
    this.enhanced = new EnhancedPresence({
      clock: env.clock,
      random: env.random,
      contact: `<sip:${config.fqdn}@${env.network.address}:${SIP_PORT};transport=tcp>`,
      domain: config.domain,
      homed: (aor) => this.homed.has(aor),
      categoriesOf: (aor) => [...(this.categories.get(aor)?.values() ?? [])].map(({ connectionId: _c, ...c }) => c),
      containersOf: (aor) => this.containersOf(aor),
      aggregateOf: (aor) => (this.bindings.ofAor(aor).length === 0 ? 'offline' : (this.presence.get(aor) ?? 'available')),
      revisionOf: (aor) => (this.store.presenceRevision.get(aor) ?? 0) + (this.store.bindingRevision.get(aor) ?? 0),
      respond: (request, status, reason, opts) => this.own(request, status, reason, opts),
      send: (request, onRefused) => void this.sendToEndpoint(request, onRefused),
      onWatcher: (presentity, watcher) => {
        let list = this.subscribers.get(presentity);
        if (!list) {
          list = new Map();
          this.subscribers.set(presentity, list);
        }
        if (list.has(watcher)) return;
        list.set(watcher, { acknowledged: false, displayName: this.directory.get(watcher)?.displayName });
        this.roamingSelfChanged(presentity);
      },
    });
    // The homed users by logon name, as Active Directory finds an account (case-insensitive; the first of a name).
    const byLogon = new Map<string, OcsDirectoryUser>();
    for (const u of config.users) if (!byLogon.has(u.userId.toLowerCase())) byLogon.set(u.userId.toLowerCase(), u);
    this.auth = new ClientAuthenticator({
      clock: env.clock,
      random: env.random,
      targetName: config.fqdn,
      netbiosDomain: config.netbiosDomain,
      dnsDomain: config.domain,
      computerName: (config.fqdn.split('.')[0] ?? config.fqdn).toUpperCase(),
      account: (logon, domain) => {
        // The logon domain: the NetBIOS or DNS name of the AD domain, or none (then the server's own, as Windows takes it).
        if (domain !== '' && domain.toUpperCase() !== config.netbiosDomain.toUpperCase() && domain.toLowerCase() !== config.domain.toLowerCase()) return undefined;
        const user = byLogon.get(logon.toLowerCase());
        return user ? { password: this.directory.get(normalizeAor(user.sipUri))?.password ?? user.password, aor: user.sipUri } : undefined;
      },
    });
    // What every notifier of the pool shares: its Contact, its homed users as presentities, its own answers.
    const notifierBase = {
      clock: env.clock,
      random: env.random,
      contact: `<sip:${config.fqdn}@${env.network.address}:${SIP_PORT};transport=tcp>`,
      presentity: (requestUri: string) => {
        const aor = normalizeAor(requestUri);
        return this.homed.has(aor) ? { key: aor, entity: aor } : { status: 404, reason: 'Not Found' };
      },
    };
    for (const pkg of this.selfPackages()) {
      this.selfEvents.set(
        pkg.event.toLowerCase(),
        new PresenceNotifier({
          ...notifierBase,
          package: pkg,
          limits: () => ({ maxExpiresS: 36000, maxWatchers: 100 }),
          respond: (request, status, reason, opts) => this.own(request, status, reason, opts),
          // To the subscriber's own endpoint, over the connection it registered on.
          send: (request, _nextHop, onRefused) => void this.sendToEndpoint(request, onRefused),
        }),
      );
    }
    this.focus = new ConferencingFocus((r, s, reason, o) => this.own(r, s, reason, o), () => randomToken(env.random, 10), env.network.address);
    this.simple = new PresenceNotifier({
      ...notifierBase,
      stateOf: (aor) => this.simpleState(aor),
      limits: () => ({ maxExpiresS: 3600, maxWatchers: 1000 }),
      respond: (request, status, reason, opts) => this.own(request, status, reason, opts),
      send: (request, nextHop, onRefused) => void this.sendToward(request, nextHop, onRefused),
    });
  }

  /**
   * The self-subscription packages the pool serves itself (docs/protocols/sign-in.md §8): the document of each is
   * built from the pool's store at the time of the NOTIFY. A roaming-self SUBSCRIBE's `<roamingList>` is not kept
   * per subscription: every roaming-self NOTIFY carries categories, containers and subscribers.
   */
  private selfPackages(): NotifierPackage[] {
    const fixed = (event: string, contentType: string, body: (aor: string) => string): NotifierPackage => ({
      event,
      contentType,
      body: (aor) => body(aor),
      token: () => 'fixed',
      defaultExpiresS: 36000,
      piggyback: true,
    });
    return [
      {
        event: ROAMING_SELF_EVENT,
        contentType: ROAMING_SELF_CONTENT_TYPE,
        body: (aor) => this.roamingSelf(aor),
        token: (aor) => String(this.store.roamingRevision.get(aor) ?? 0),
        defaultExpiresS: 36000,
        piggyback: true,
      },
      fixed(PROVISIONING_V2_EVENT, PROVISIONING_V2_CONTENT_TYPE, () =>
        serializeProvisioningV2(['ServerConfiguration', 'meetingPolicy', 'ucPolicy'], {
          focusFactoryUri: '',
          absInternalServerUrl: `https://${this.config.fqdn}/Abs/Int/Handler`,
          serverFqdn: this.config.fqdn,
        }),
      ),
      {
        event: ROAMING_CONTACTS_EVENT,
        contentType: ROAMING_CONTACTS_CONTENT_TYPE,
        body: (aor) => serializeContactList(this.contactListOf(aor)),
        token: (aor) => String(this.contactListOf(aor).deltaNum),
        defaultExpiresS: 36000,
        piggyback: true,
      },
      fixed(ROAMING_ACL_EVENT, ROAMING_ACL_CONTENT_TYPE, () => serializeRoamingAcl()),
      fixed(PROVISIONING_EVENT, PROVISIONING_CONTENT_TYPE, () => serializeProvisioningV2([], { focusFactoryUri: '', absInternalServerUrl: '', serverFqdn: this.config.fqdn })),
      fixed(PRESENCE_WPENDING_EVENT, WPENDING_CONTENT_TYPE, () => serializeWpending()),
    ];
  }

  /** The user's lines as the pool serves them from AD (A3): an Rcc line with CUP as its server when RCC is enabled. */
  private linesOf(aor: string): UserLine[] {
    const user = this.directory.get(aor);
    if (!user?.rcc.enabled || user.rcc.lineUri === '') return [];
    return [{ lineType: 'Rcc', uri: user.rcc.lineUri, lineServer: user.rcc.serverUri }];
  }

  /** The roaming-self document: the user's categories (with userProperties from AD), containers and subscribers. */
  private roamingSelf(aor: string): string {
    const publishTime = this.env.clock.date().toISOString();
    const userProperties: CategoryInstance = { name: 'userProperties', instance: '0', container: 1, version: 1, publishTime, expireType: 'static', content: userPropertiesElement(this.linesOf(aor)) };
    const published = [...(this.categories.get(aor)?.values() ?? [])].map(({ connectionId: _c, ...c }) => c);
    const subscribers = [...(this.subscribers.get(aor) ?? new Map<string, { acknowledged: boolean; displayName: string | undefined }>())].map(([watcher, s]) => ({
      user: watcher.replace(/^sip:/, ''),
      acknowledged: s.acknowledged,
      ...(s.displayName !== undefined ? { displayName: s.displayName } : {}),
    }));
    return serializeRoamingSelf({ uri: aor, categories: [userProperties, ...published], containers: this.containersOf(aor), subscribers });
  }

  private contactListOf(aor: string): ContactListState {
    let list = this.contactLists.get(aor);
    if (!list) {
      // A new user's list has the default group only ("~", which Communicator shows as Other Contacts).
      list = { deltaNum: 1, groups: [{ id: '1', name: '~' }], contacts: new Map() };
      this.contactLists.set(aor, list);
    }
    return list;
  }

  /** Contact management ([MS-SIP] SOAP over SERVICE): groups and contacts of the user's list. */
  private contactManagement(request: SipRequest, tx: ServerTransaction, aor: string, toTag: string): void {
    const parsed = parseContactSoap(request.body);
    if (!parsed.ok) {
      tx.respond(this.own(request, 400, 'Bad Request', { toTag }));
      return;
    }
    const { method, fields } = parsed.value;
    const list = this.contactListOf(aor);
    const bare = (uri: string | undefined): string => (uri ?? '').replace(/^sip:/i, '').toLowerCase();
    let answer: Record<string, string> = {};
    switch (method) {
      case 'addGroup': {
        const id = String(Math.max(0, ...list.groups.map((g) => Number(g.id))) + 1);
        list.groups.push({ id, name: fields.name ?? '' });
        answer = { groupID: id };
        break;
      }
      case 'modifyGroup': {
        const group = list.groups.find((g) => g.id === fields.groupID);
        if (group) group.name = fields.name ?? group.name;
        break;
      }
      case 'deleteGroup':
        list.groups = list.groups.filter((g) => g.id !== fields.groupID || g.id === '1');
        break;
      case 'setContact':
        list.contacts.set(bare(fields.URI), { name: fields.displayName ?? '', groups: (fields.groups ?? '1').trim() || '1', subscribed: fields.subscribed !== 'false' });
        break;
      case 'deleteContact':
        list.contacts.delete(bare(fields.URI));
        break;
      default:
        tx.respond(this.own(request, 400, 'Bad Request', { toTag, headers: [['Warning', `399 ${this.config.fqdn} "unknown contact-management method ${method}"`]] }));
        return;
    }
    list.deltaNum++;
    tx.respond(this.own(request, 200, 'OK', { toTag, body: serializeContactSoapResponse(method, answer), contentType: SOAP_CONTENT_TYPE }));
    this.store.changed('contacts', aor);
  }

  private containersOf(aor: string): Container[] {
    let list = this.containers.get(aor);
    if (!list) {
      list = DEFAULT_CONTAINERS.map((c) => ({ ...c, members: c.members.map((m) => ({ ...m })) }));
      this.containers.set(aor, list);
    }
    return list;
  }

  /** The user's categories or containers changed: roaming-self subscribers and the user's watchers hear of it. */
  private roamingChanged(aor: string): void {
    this.store.changed('roaming', aor);
  }

  /** Something only the user's own roaming data shows changed (its subscribers): roaming-self subscribers hear of it. */
  private roamingSelfChanged(aor: string): void {
    this.store.changed('roaming-self', aor);
  }

  /** A change at any front end of the pool: the watchers this front end holds hear of it. */
  private poolChanged(what: PoolChange, aor: string): void {
    switch (what) {
      case 'registration':
        this.simple.changed(aor);
        this.enhanced.changed(aor);
        break;
      case 'roaming':
        this.selfEvents.get(ROAMING_SELF_EVENT.toLowerCase())?.changed(aor);
        this.enhanced.changed(aor);
        break;
      case 'roaming-self':
        this.selfEvents.get(ROAMING_SELF_EVENT.toLowerCase())?.changed(aor);
        break;
      case 'contacts':
        this.selfEvents.get(ROAMING_CONTACTS_EVENT.toLowerCase())?.changed(aor);
        break;
      case 'presence':
        this.simple.changed(aor);
        break;
    }
  }

  /** The aggregate state shown to others: the user's manual state if set, else the busiest published state. */
  private aggregateState(aor: string): PresenceState | undefined {
    const states = [...(this.categories.get(aor)?.values() ?? [])].filter((c) => c.name === 'state');
    const availabilityOf = (c: CategoryInstance): number | undefined => {
      const text = c.content?.children.find((x) => x.name === 'availability')?.text;
      return text === undefined ? undefined : Number(text);
    };
    const user = states.filter((c) => c.content?.attributes['xsi:type'] === 'userState').map(availabilityOf).find((a) => a !== undefined);
    if (user !== undefined) return stateOfAvailability(user);
    const others = states.map(availabilityOf).filter((a): a is number => a !== undefined);
    return others.length > 0 ? stateOfAvailability(Math.max(...others)) : undefined;
  }

  /** What SIMPLE watchers are told of a homed user: offline while no endpoint is registered, else the published state. */
  private simpleState(aor: string): CupPresenceState {
    if (this.bindings.ofAor(aor).length === 0) return 'offline';
    return cupStateOfAvailability(availabilityOf(this.presence.get(aor) ?? 'available'));
  }

  private async sendToward(request: SipRequest, nextHop: string, onRefused: (status: number) => void): Promise<void> {
    const hop = parseSipUri(nextHop);
    if (!hop.ok) return onRefused(400);
    const address = /^\d+\.\d+\.\d+\.\d+$/.test(hop.value.host) ? hop.value.host : await this.resolver.resolveA(hop.value.host).catch(() => undefined);
    if (!address) return onRefused(503);
    this.sip.layer.sendRequest(request, { address, port: hop.value.port ?? SIP_PORT, transport: 'TCP' }, {
      onFinal: (r) => {
        if (r.status >= 300) onRefused(r.status);
      },
      onTimeout: () => onRefused(408),
      onTransportError: () => onRefused(503),
    });
  }

  private dropBinding(key: string): void {
    this.env.clock.clearTimer(this.bindingTimers.get(key));
    this.bindingTimers.delete(key);
    this.bindings.delete(key);
  }

  /** An endpoint of the user signed in or out: SIMPLE and enhanced-presence watchers hear of it. */
  private registrationChanged(aor: string): void {
    this.store.changed('registration', aor);
  }

  /** A request of the pool's own to a registered endpoint (its remote target is one of the bindings' contacts). */
  private async sendToEndpoint(request: SipRequest, onRefused: (status: number) => void): Promise<void> {
    const target = await this.route(request).catch(() => undefined);
    if (!target) return onRefused(480);
    this.sip.layer.sendRequest(request, target, {
      onFinal: (r) => {
        if (r.status >= 300) onRefused(r.status);
      },
      onTimeout: () => onRefused(408),
      onTransportError: () => onRefused(503),
    });
  }

  static async start(env: NodeEnv, config: OcsPoolConfig): Promise<OcsFrontEnd> {
    const fe = new OcsFrontEnd(env, config);
    await fe.listen();
    await fe.refreshHostAuthorizations();
    config.store.attach(fe.attachment);
    return fe;
  }

  private async listen(): Promise<void> {
    const fe = this;
    const { env, config } = this;
    fe.sip = await SipEndpoint.start(env, {
      port: SIP_PORT,
      ...(config.tls ? { tls: config.tls } : {}),
      limits: sipLimits(config.balancerAddress),
      // A client's registration lives as long as its connection (RFC 5626 §3: a flow that fails ends its bindings);
      // requests for the user then get an answer rather than going nowhere.
      onConnectionClosed: (id) => fe.connectionClosed(id),
      // Every message to a signed-in client is signed with its connection's security association.
      beforeSend: (message, target) => fe.auth.sign(message, target.connectionId),
      delegate: {
        onRequest: (request, tx, source) => fe.onRequest(request, tx, source),
        onAck: (ack, source) => fe.forwardAck(ack, source),
        onCancel: (invite) => invite.respond(fe.own(invite.request, 487)),
      },
    });
  }

  /**
   * Configuration API: Active Directory Users and Computers > Communications, as the pool's user store receives it
   * (A3). A client learns the change from its roaming data at its next sign-in.
   */
  readonly activeDirectory = {
    homes: (userId: string): boolean => this.config.users.some((u) => u.userId === userId),
    setRemoteCallControl: (userId: string, rcc: Partial<OcsDirectoryUser['rcc']>): void => {
      for (const user of this.directory.values()) if (user.userId === userId) user.rcc = { ...user.rcc, ...rcc };
    },
    setPassword: (userId: string, password: string): void => {
      for (const user of this.directory.values()) if (user.userId === userId) user.password = password;
    },
  };

  /** Configuration API: the pool properties pages of the OCS admin console. */
  readonly pool = {
    addStaticRoute: (route: OcsStaticRoute): void => {
      this.config = { ...this.config, staticRoutes: [...this.config.staticRoutes, route] };
    },
    removeStaticRoute: (matchUri: string): void => {
      this.config = { ...this.config, staticRoutes: this.config.staticRoutes.filter((r) => r.matchUri !== matchUri) };
    },
    addHostAuthorization: async (auth: OcsHostAuthorization): Promise<void> => {
      this.config = { ...this.config, hostAuthorizations: [...this.config.hostAuthorizations, auth] };
      await this.refreshHostAuthorizations();
    },
    removeHostAuthorization: async (fqdn: string): Promise<void> => {
      this.config = { ...this.config, hostAuthorizations: this.config.hostAuthorizations.filter((h) => h.fqdn !== fqdn) };
      await this.refreshHostAuthorizations();
    },
  };

  get poolName(): string {
    return this.config.poolName;
  }

  /** Observation API: `registrations` has one entry per endpoint (a user signed in from two PCs appears twice). */
  observe(): { registrations: string[]; presence: Record<string, PresenceState>; staticRoutes: string[]; liveTransactions: number; conferenceAudio: number } {
    return {
      conferenceAudio: this.focus.audioParticipants(),
      registrations: [...this.bindings.all()].filter((b) => b.frontEnd === this.address).map((b) => b.aor),
      presence: Object.fromEntries(this.presence),
      staticRoutes: this.config.staticRoutes.map((r) => `${r.matchUri} -> ${r.nextHop}:${r.port}`),
      liveTransactions: this.sip.layer.liveTransactions(),
    };
  }

  /** A response the front end makes itself (not one it relays), with the release's `Server` header. */
  private own(request: SipRequest, status: number, reason?: string, opts: CreateResponseOptions = {}): SipResponse {
    return createResponse(request, status, reason, { ...opts, headers: [...(opts.headers ?? []), ['Server', ocsServerHeader(this.config.release)]] });
  }

  leaks(): string[] {
    return this.sip.pendingTransactions().map((t) => `${this.hostName}: transaction never finished: ${t}`);
  }

  /**
   * Services > Office Communications Server Front-End > Stop (docs/protocols/load-balancing.md §1): the front end's
   * connections close, and the registrations of the endpoints connected to it end; the pool's other front ends
   * tell the watchers they hold. The endpoints find a surviving front end when they sign in again.
   */
  async stopFrontEnd(): Promise<void> {
    if (this.stopped) return;
    const gone = this.bindings.ofFrontEnd(this.address);
    await this.stop();
    for (const b of gone) {
      this.bindings.delete(b.key);
      if (b.connectionId !== undefined) this.dropEndpointCategories(b.aor, b.connectionId);
    }
    for (const aor of new Set(gone.map((b) => b.aor))) this.registrationChanged(aor);
  }

  /** Services > Office Communications Server Front-End > Start: a stopped front end listens again and serves the pool. */
  async startFrontEnd(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.listen();
    this.store.attach(this.attachment);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.store.detach(this.attachment);
    for (const t of this.bindingTimers.values()) this.env.clock.clearTimer(t);
    this.bindingTimers.clear();
    this.simple.stop();
    for (const n of this.selfEvents.values()) n.stop();
    this.enhanced.stop();
    await this.sip.stop();
  }

  private connectionClosed(connectionId: string): void {
    this.auth.closed(connectionId);
    const gone = this.bindings.ofConnection(this.address, connectionId);
    for (const b of gone) this.dropBinding(b.key);
    for (const aor of new Set(gone.map((b) => b.aor))) {
      this.dropEndpointCategories(aor, connectionId);
      this.registrationChanged(aor);
    }
  }

  /** Categories published with `expireType="endpoint"` end with the endpoint's connection ([MS-PRES] §3.7.5.2). */
  private dropEndpointCategories(aor: string, connectionId: string): void {
    const store = this.categories.get(aor);
    if (!store) return;
    let changed = false;
    for (const [key, c] of store) {
      if (c.expireType === 'endpoint' && c.connectionId === connectionId) {
        store.delete(key);
        changed = true;
      }
    }
    if (!changed) return;
    const state = this.aggregateState(aor);
    if (state === undefined) this.presence.delete(aor);
    else this.presence.set(aor, state);
    this.roamingChanged(aor);
  }

  private async refreshHostAuthorizations(): Promise<void> {
    const addresses = new Set<string>();
    for (const h of this.config.hostAuthorizations) {
      if (h.treatAsAuthenticated === false || h.outboundOnly === true) continue;
      try {
        // Host Authorization takes an FQDN or an IP address.
        addresses.add(/^\d+\.\d+\.\d+\.\d+$/.test(h.fqdn) ? h.fqdn : await this.resolver.resolveA(h.fqdn));
      } catch (e) {
        this.env.log.warn('host authorization does not resolve', { fqdn: h.fqdn, error: e instanceof Error ? e.message : String(e) });
      }
    }
    this.authorizedAddresses = addresses;
  }

  private async onRequest(request: SipRequest, tx: ServerTransaction, source: SipTarget): Promise<void> {
    // RFC 3261 §16.3: a proxy validates a request before anything else, authentication included: step 2, the
    // Request-URI's scheme (416, RFC 4475 §3.3.2 unkscm, §3.3.3 novelsc); step 5, Proxy-Require (420 naming what
    // it does not support, RFC 4475 §3.3.5 bext01). Where the pool is the UAS (its registrar, OPTIONS to the pool)
    // Require is checked too (§8.2.2.3, §10.3 step 2); the pool supports no Require option (modelled).
    if (!hasSupportedScheme(request.uri)) {
      tx.respond(this.own(request, 416, 'Unsupported URI Scheme', { toTag: randomToken(this.env.random, 10) }));
      return;
    }
    const asUas = request.method === 'REGISTER' || (request.method === 'OPTIONS' && this.isForUs(request));
    const unsupported = [...unsupportedOptions(request, 'Proxy-Require', PROXY_REQUIRE_SUPPORTED), ...(asUas ? unsupportedOptions(request, 'Require') : [])];
    if (unsupported.length > 0) {
      tx.respond(this.own(request, 420, 'Bad Extension', { toTag: randomToken(this.env.random, 10), headers: [['Unsupported', unsupported.join(', ')]] }));
      return;
    }
    if (request.method === 'OPTIONS' && this.isForUs(request)) {
      tx.respond(this.own(request, 200, 'OK', { toTag: randomToken(this.env.random, 10), headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, INFO, OPTIONS, REGISTER, NOTIFY, SUBSCRIBE, MESSAGE'], ['Accept', 'application/sdp, application/csta+xml']] }));
      return;
    }
    if (request.method === 'REGISTER') {
      this.register(request, tx, source);
      return;
    }
    if (!this.isTrusted(request, source)) {
      // [MS-SIPAE] §3.3.5.1: a request that is neither from a trusted server nor signed by a signed-in client is
      // challenged (ACK and CANCEL never reach here: they are discarded).
      this.challengeClient(request, tx);
      return;
    }
    const conferencing = conferencingTarget(request.uri);
    if (conferencing && this.homed.has(conferencing.organizer)) {
      // The pool's focus (docs/protocols/conferencing.md §5): only the pool's own signed-in clients take part;
      // a call over the CUP/CUCM trunk (an authorized host, not a client) is refused.
      const client = this.bindings.hasConnection(this.address, source.connectionId);
      if (!client) {
        tx.respond(this.own(request, 403, 'Forbidden', { toTag: randomToken(this.env.random, 10) }));
        return;
      }
      const from = parseNameAddr(request.headers.get('From') ?? '');
      this.focus.handle(request, tx, from.ok ? normalizeAor(from.value.uri) : '');
      return;
    }
    if (request.method === 'SERVICE' && this.isOwnPublication(request)) {
      this.service(request, tx, source);
      return;
    }
    if (request.method === 'SUBSCRIBE') {
      const self = this.selfSubscription(request);
      if (self) {
        self.onSubscribe(request, tx);
        return;
      }
    }
    const enhanced = this.enhanced.owns(request);
    if (enhanced) {
      this.enhanced.onSubscribe(enhanced, request, tx);
      return;
    }
    // SIMPLE from an authorized server (CUP) for a homed user, or in one of those subscriptions.
    if (request.method === 'SUBSCRIBE' && this.isServer(source.address) && (this.simple.owns(request) || this.isSimpleSubscribe(request))) {
      this.simple.onSubscribe(request, tx);
      return;
    }
    await this.proxy(request, tx);
  }

  /**
   * The notifier of a self-subscription the pool answers itself: a SUBSCRIBE to the sender's own address for one of
   * the in-band events (or a refresh in one of those subscriptions).
   */
  private selfSubscription(request: SipRequest): PresenceNotifier | undefined {
    const event = (request.headers.get('Event') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const notifier = this.selfEvents.get(event);
    if (!notifier) return undefined;
    if (notifier.owns(request)) return notifier;
    const from = parseNameAddr(request.headers.get('From') ?? '');
    return from.ok && normalizeAor(from.value.uri) === normalizeAor(request.uri) && this.homed.has(normalizeAor(request.uri)) ? notifier : undefined;
  }

  /** A SUBSCRIBE for the PIDF presence of a user homed here. */
  private isSimpleSubscribe(request: SipRequest): boolean {
    const accept = (request.headers.get('Accept') ?? '').toLowerCase();
    return accept.includes(PIDF_CONTENT_TYPE) && this.homed.has(normalizeAor(request.uri));
  }

  private isForUs(request: SipRequest): boolean {
    const uri = parseSipUri(request.uri);
    return uri.ok && this.isLocal(uri.value) && !uri.value.user;
  }

  /** A SERVICE to the sender's own URI is a category publication for the pool itself. */
  private isOwnPublication(request: SipRequest): boolean {
    const from = parseNameAddr(request.headers.get('From') ?? '');
    return from.ok && normalizeAor(from.value.uri) === normalizeAor(request.uri);
  }

  /**
   * SERVICE to the user's own address ([MS-PRES]): a category publication, a change of the user's containers, or an
   * acknowledgement of new subscribers.
   */
  private service(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    const toTag = randomToken(this.env.random, 10);
    const type = (request.headers.get('Content-Type') ?? '').toLowerCase().split(';')[0]?.trim() ?? '';
    const aor = normalizeAor(request.uri);
    const bad = (message: string): void => void tx.respond(this.own(request, 400, 'Bad Request', { toTag, headers: [['Warning', `399 ${this.config.fqdn} "${message.replace(/"/g, "'")}"`]] }));
    if (type === CATEGORY_PUBLISH_CONTENT_TYPE) {
      const parsed = parsePublications(request.body);
      if (!parsed.ok) return bad(parsed.error.message);
      let store = this.categories.get(aor);
      if (!store) {
        store = new Map();
        this.categories.set(aor, store);
      }
      const publishTime = this.env.clock.date().toISOString();
      for (const p of parsed.value.publications) {
        const key = `${p.categoryName}/${p.instance}/${p.container}`;
        if (p.remove) {
          store.delete(key);
          continue;
        }
        // Modelled: the version a client sends is taken as current (no 409 version conflicts); the stored one is next.
        const instance: CategoryInstance & { connectionId?: string } = { name: p.categoryName, instance: p.instance, container: p.container, version: p.version + 1, publishTime };
        if (p.expireType !== undefined) instance.expireType = p.expireType;
        if (p.content) instance.content = p.content;
        if (source.connectionId !== undefined) instance.connectionId = source.connectionId;
        store.set(key, instance);
      }
      const state = this.aggregateState(aor);
      if (state === undefined) this.presence.delete(aor);
      else this.presence.set(aor, state);
      tx.respond(this.own(request, 200, 'OK', { toTag }));
      this.roamingChanged(aor);
      this.store.changed('presence', aor);
      return;
    }
    if (type === SET_CONTAINER_MEMBERS_CONTENT_TYPE) {
      const parsed = parseSetContainerMembers(request.body);
      if (!parsed.ok) return bad(parsed.error.message);
      const list = this.containersOf(aor);
      for (const change of parsed.value) {
        let container = list.find((c) => c.id === change.id);
        if (!container) {
          container = { id: change.id, version: 0, members: [] };
          list.push(container);
        }
        for (const m of change.members) {
          container.members = container.members.filter((x) => !(x.type === m.type && x.value === m.value));
          if (m.action === 'add') container.members.push({ type: m.type, ...(m.value !== undefined ? { value: m.value } : {}) });
        }
        container.version++;
      }
      tx.respond(this.own(request, 200, 'OK', { toTag }));
      this.roamingChanged(aor);
      return;
    }
    if (type === SOAP_CONTENT_TYPE) {
      this.contactManagement(request, tx, aor, toTag);
      return;
    }
    if (type === SET_SUBSCRIBERS_CONTENT_TYPE) {
      const parsed = parseSetSubscribers(request.body);
      if (!parsed.ok) return bad(parsed.error.message);
      const list = this.subscribers.get(aor);
      for (const s of parsed.value) {
        const entry = list?.get(normalizeAor(`sip:${s.user.replace(/^sip:/, '')}`));
        if (entry) entry.acknowledged = s.acknowledged;
      }
      tx.respond(this.own(request, 200, 'OK', { toTag }));
      this.roamingSelfChanged(aor);
      return;
    }
    tx.respond(this.own(request, 415, 'Unsupported Media Type', { toTag, headers: [['Accept', [CATEGORY_PUBLISH_CONTENT_TYPE, SET_CONTAINER_MEMBERS_CONTENT_TYPE, SET_SUBSCRIBERS_CONTENT_TYPE, SOAP_CONTENT_TYPE].join(', ')]] }));
  }

  private isLocal(uri: SipUri): boolean {
    const host = uri.host.toLowerCase();
    return host === this.config.fqdn.toLowerCase() || host === this.config.frontEndFqdn.toLowerCase() || host === this.address;
  }

  /**
   * A request the pool may act on: from a server it trusts by host authorization, or from a registered client's
   * connection and signed by that connection's security association for the user in From ([MS-SIPAE] §3.3.5.2).
   */
  private isTrusted(request: SipRequest, source: SipTarget): boolean {
    if (this.isServer(source.address)) return true;
    const from = parseNameAddr(request.headers.get('From') ?? '');
    const aor = from.ok ? normalizeAor(from.value.uri) : '';
    const registered = this.bindings.ofAor(aor).some((b) => b.frontEnd === this.address && b.connectionId !== undefined && b.connectionId === source.connectionId);
    return registered && this.auth.authenticatedAor(source.connectionId) === aor && this.auth.verify(request, source.connectionId);
  }

  /** A client request that is not signed as it must be: 401 with a new challenge (the client signs in again). */
  private challengeClient(request: SipRequest, tx: ServerTransaction): void {
    tx.respond(this.own(request, 401, 'Unauthorized', { toTag: randomToken(this.env.random, 10), headers: this.auth.challenge() }));
  }

  private register(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    const to = parseNameAddr(request.headers.get('To') ?? '');
    const aor = to.ok ? normalizeAor(to.value.uri) : '';
    const toTag = randomToken(this.env.random, 10);
    if (!this.isServer(source.address)) {
      // A client signs in with NTLM first (servers trusted by host authorization do not), before anything else is
      // said about the address: an unknown user gets the same challenge as a known one (no enumeration of users).
      const authenticated = this.auth.register(request, source.connectionId);
      if (authenticated.kind === 'challenge') {
        tx.respond(this.own(request, 401, 'Unauthorized', { toTag, headers: authenticated.headers }));
        return;
      }
      if (authenticated.aor !== aor) {
        tx.respond(this.own(request, 403, 'Forbidden', { toTag }));
        return;
      }
    }
    // The user must be homed on this pool ("Pool Users").
    if (!this.homed.has(aor)) {
      tx.respond(this.own(request, 404, 'Not Found', { toTag }));
      return;
    }
    const contactHeader = request.headers.get('Contact');
    const expiresHeader = request.headers.get('Expires');
    const contact = contactHeader ? parseNameAddr(contactHeader) : undefined;
    const contactUri = contact?.ok ? parseSipUri(contact.value.uri) : undefined;
    const expiresParam = contact?.ok ? contact.value.params.expires : undefined;
    const defaultExpires = DEFAULT_REGISTER_EXPIRES_S[this.config.release] ?? 3600;
    const asked = Number(expiresParam ?? expiresHeader ?? defaultExpires);
    // Modelled: the pool grants what the client asks for, up to the release's default lifetime.
    const expires = Number.isFinite(asked) ? Math.min(asked, defaultExpires) : defaultExpires;
    if (contactHeader === '*') {
      for (const b of this.bindings.ofAor(aor)) this.dropBinding(b.key);
      tx.respond(this.own(request, 200, 'OK', { toTag }));
      this.registrationChanged(aor);
      return;
    }
    if (!contactUri?.ok) {
      tx.respond(this.own(request, 400, 'Bad Contact', { toTag }));
      return;
    }
    const key = `${aor} ${formatSipUri(contactUri.value)}`;
    if (expires === 0) {
      this.dropBinding(key);
      if (source.connectionId !== undefined) this.dropEndpointCategories(aor, source.connectionId);
      tx.respond(this.own(request, 200, 'OK', { toTag }));
      this.registrationChanged(aor);
      return;
    }
    this.env.clock.clearTimer(this.bindingTimers.get(key));
    this.bindingTimers.set(
      key,
      this.env.clock.setTimer(expires * 1000, () => {
        // Not refreshed in time: the binding is gone, and the user is signed out there.
        this.bindingTimers.delete(key);
        if (this.bindings.get(key)?.frontEnd !== this.address) return;
        this.dropBinding(key);
        this.registrationChanged(aor);
      }),
    );
    this.bindings.set({
      key,
      aor,
      contact: contactUri.value,
      connectionId: source.connectionId,
      source,
      frontEnd: this.address,
      expiresAt: this.env.clock.now() + expires * 1000,
    });
    // The binding as granted (RFC 3261 §10.3 step 8): the Contact with its expires parameter set once.
    const granted = contact?.ok ? formatNameAddr({ ...contact.value, params: { ...contact.value.params, expires: String(expires) } }) : (contactHeader ?? '');
    tx.respond(
      this.own(request, 200, 'OK', {
        toTag,
        headers: [
          ['Contact', granted],
          ['Expires', String(expires)],
          ['ms-keep-alive', `UAS; tcp=no; hop-hop=yes; end-end=no; timeout=${KEEP_ALIVE_S}`],
          ['presence-state', 'register-action="added"'],
          ['Allow-Events', REGISTER_ALLOW_EVENTS],
          ['Supported', 'adhoclist'],
          ['Supported', 'msrtc-event-categories'],
        ],
      }),
    );
    this.registrationChanged(aor);
  }

  /** Where a request goes next: a registered client connection, a static route, or nowhere. */
  private async route(request: SipRequest): Promise<SipTarget | undefined> {
    const next = nextHopUri(request);
    if (!next.ok) return undefined;
    const uri = next.value;
    // A Request-URI that is one of our registered contacts: over the client's own connection.
    const contact = this.bindings.ofContact(uri);
    if (contact) return this.towardEndpoint(contact);
    // A user of our domain: to the user's registration.
    // (Several endpoints: the most recent registration; forking is not modelled.)
    const aor = normalizeAor(`sip:${uri.user ?? ''}@${uri.host}`);
    const binding = this.bindings.ofAor(aor).at(-1);
    if (binding) return this.towardEndpoint(binding);
    const route = this.config.staticRoutes.find((r) => r.matchUri.toLowerCase() === uri.host.toLowerCase());
    if (route) {
      const address = await this.resolver.resolveA(route.nextHop);
      return { address, port: route.port, transport: route.transport, servername: route.nextHop };
    }
    if (/^\d+\.\d+\.\d+\.\d+$/.test(uri.host) && !this.isLocal(uri)) return { address: uri.host, port: uri.port ?? SIP_PORT, transport: 'TCP' };
    return undefined;
  }

  /**
   * An endpoint's own connection when it is connected here; else the front end of the pool it is connected to, which
   * routes the request on over that connection (the pool's front ends share the registrations, not the connections).
   */
  private towardEndpoint(binding: Binding): SipTarget {
    return binding.frontEnd === this.address ? { ...binding.source, transport: 'TCP' } : { address: binding.frontEnd, port: SIP_PORT, transport: 'TCP' };
  }

  /** A server the pool trusts: by host authorization, or another front end of the pool. */
  private isServer(address: string): boolean {
    return this.authorizedAddresses.has(address) || (address !== this.address && this.store.isFrontEnd(address));
  }

  private get address(): string {
    return this.env.network.address;
  }

  private async proxy(request: SipRequest, tx: ServerTransaction): Promise<void> {
    const popped = this.popOwnRoute(request);
    let target: SipTarget | undefined;
    try {
      target = await this.route(popped);
    } catch (e) {
      this.env.log.warn('next hop does not resolve', { error: e instanceof Error ? e.message : String(e) });
    }
    if (!target) {
      // A user of this pool who is signed in nowhere is 480 (RFC 3261 §21.4.18); anything else has no route here.
      const homed = this.homed.has(normalizeAor(popped.uri));
      tx.respond(this.own(request, homed ? 480 : 404, homed ? 'Temporarily Unavailable' : 'Not Found', { toTag: randomToken(this.env.random, 10) }));
      return;
    }
    this.auth.stripCredentials(popped);
    const forwarded = prepareForwardedRequest(popped, {
      via: this.sip.layer.createVia(target.transport),
      // Dialog-creating requests keep the pool on the dialog's route (§16.6 step 4): INVITE and SUBSCRIBE.
      ...(request.method === 'INVITE' || request.method === 'SUBSCRIBE' ? { recordRoute: target.transport === 'TLS' ? this.tlsRecordRoute : this.recordRoute } : {}),
    });
    if (!forwarded.ok) {
      tx.respond(this.own(request, forwarded.error.status, forwarded.error.reason));
      return;
    }
    this.sip.layer.sendRequest(forwarded.value, target, {
      onProvisional: (response) => {
        if (response.status === 100) return;
        const relayed = stripTopVia(response);
        if (relayed) tx.respond(relayed);
      },
      onFinal: (response) => {
        const relayed = stripTopVia(response);
        if (relayed) tx.respond(relayed);
      },
      onTimeout: () => tx.respond(this.own(request, 408, 'Request Timeout')),
      onTransportError: () => tx.respond(this.own(request, 503, 'Service Unavailable')),
    });
  }

  /** The ACK for a 2xx is forwarded statelessly along the dialog's route (§16.6, §16.11). */
  private async forwardAck(ack: SipRequest, source: SipTarget): Promise<void> {
    // The focus and the MCU answer their INVITEs themselves: their ACKs end here.
    if (conferencingTarget(ack.uri)) return;
    if (!this.isServer(source.address) && !this.bindings.hasConnection(this.address, source.connectionId)) return;
    const popped = this.popOwnRoute(ack);
    const target = await this.route(popped).catch(() => undefined);
    if (!target) return;
    this.auth.stripCredentials(popped);
    const forwarded = prepareForwardedRequest(popped, { via: this.sip.layer.createVia(target.transport) });
    if (forwarded.ok) this.sip.layer.sendAck(forwarded.value, target);
  }

  /** §16.4: a top Route naming this proxy is removed before routing. */
  private popOwnRoute(request: SipRequest): SipRequest {
    const top = request.headers.get('Route');
    if (top === undefined) return request;
    const uri = parseSipUri(uriOf(top));
    if (!uri.ok || !this.isLocal(uri.value)) return request;
    const headers = request.headers.clone();
    headers.removeFirstValue('Route');
    return { ...request, headers };
  }
}

export function normalizeAor(uri: string): string {
  const parsed = parseSipUri(uri);
  if (!parsed.ok) return uri.toLowerCase();
  return `sip:${(parsed.value.user ?? '').toLowerCase()}@${parsed.value.host.toLowerCase()}`;
}

