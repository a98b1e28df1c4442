import { Invitation, Inviter, Registerer, RegistererState, SessionState, UserAgent } from 'sip.js';
import type { Core, Notification, Session, URI } from 'sip.js';
import { LabError } from '../../kernel/errors';
import { CFWDALL_SERVICE_URI, MEETME_SERVICE_URI, REMOTECC_REQUEST_TYPE, softKeyEventBody } from '../../protocols/sip';
import { child, childText, children, parseXml } from '../../protocols/xml';
import { PHONE_SERVICES_PORT, PhoneServicesClient } from './phone-services-client';
import type { XmlElement } from '../../protocols/xml';
import type { RemoteccDialog } from '../../protocols/sip';
import type { Endpoint } from '../../transport/network';
import type { NodeEnv } from '../node';
import { NodeBase } from '../node';
import { SeamSipTransport } from '../shared/seam-sip-transport';
import type { LampState, Phone, PhoneCallState, PhoneLineObservation, PhoneObservation } from './phone';
import { simulatedMediaFactory } from './simulated-media';
import type { SimulatedMediaHandlerOptions } from './simulated-media';

export type SipPhoneModel = '7971' | '7970';

export interface SipPhoneConfig {
  /** CUCM device name, e.g. SEP001122334455. */
  readonly deviceName: string;
  readonly model: SipPhoneModel;
  readonly endpoint: '7971-sip' | '7970-sip';
  /** CUCM's SIP endpoint (TCP 5060). */
  readonly cucm: Endpoint;
  readonly lines: readonly { readonly dn: string }[];
}

/**
 * Cisco SIP firmware User-Agent strings ("Cisco-CP7971G/8.4"); the 7970/7971 ran SIP load 8.x in
 * the CUCM 7.0 era (modelling choice; string shape from Cisco phone captures, e.g. "Cisco-CP7861/12.1.1").
 */
const USER_AGENT: Readonly<Record<SipPhoneModel, string>> = {
  '7971': 'Cisco-CP7971G/8.4',
  '7970': 'Cisco-CP7970G/8.4',
};

/** Device type codes CUCM knows the models by (docs/protocols/sccp.md §11: 7970 = 30006, 7971 = 119). */
const MODEL_CODE: Readonly<Record<SipPhoneModel, string>> = { '7971': '119', '7970': '30006' };

/** Where the phone's transport keeps a `Refer-To: cid:…` value that sip.js cannot parse (see below). */
const CID_REFER_TO_HEADER = 'X-Lab-Refer-To-Cid';
const CID_REFER_TO_PLACEHOLDER = '<sip:refer-to-cid.invalid>';
/** How long a restart takes before the phone registers again (lab's modelling choice, as for the SCCP loads). */
const RESTART_MS = 250;

/**
 * CUCM's remotecc REFERs point Refer-To at the body part (`Refer-To: cid:1234@10.1.1.1`, RFC 2392
 * Content-ID URL; seen in Cisco phone captures). sip.js 0.21's parser accepts only SIP name-addrs in
 * Refer-To and drops the whole request otherwise, so before sip.js sees a message this transport
 * moves a cid: value into `X-Lab-Refer-To-Cid` and puts a placeholder SIP URI in Refer-To. Nothing
 * else is changed, and only incoming messages are touched.
 */
export function moveCidReferTo(message: string): string {
  const end = message.indexOf('\r\n\r\n');
  if (end < 0) return message;
  const head = message.slice(0, end);
  const rewritten = head.replace(/^(Refer-To|r)[ \t]*:[ \t]*(<?cid:[^\r\n]*)$/gim, (_line, _name: string, value: string) => {
    return `Refer-To: ${CID_REFER_TO_PLACEHOLDER}\r\n${CID_REFER_TO_HEADER}: ${value.trim()}`;
  });
  return rewritten === head ? message : rewritten + message.slice(end);
}

/** The lab's seam transport with the Refer-To cid: fix-up above applied to what it delivers to sip.js. */
class CiscoPhoneSipTransport extends SeamSipTransport {
  constructor(logger: unknown, options: unknown) {
    super(logger, options);
    let handler: ((message: string) => void) | undefined;
    const deliver = (message: string): void => handler?.(moveCidReferTo(message));
    Object.defineProperty(this, 'onMessage', {
      configurable: true,
      enumerable: true,
      get: () => (handler ? deliver : undefined),
      set: (h: ((message: string) => void) | undefined) => {
        handler = h;
      },
    });
  }
}

/** Remotecc soft keys this phone acts on; anything else is acknowledged and ignored. */
type RemoteccSoftKey = 'Answer' | 'EndCall' | 'Hold' | 'Resume';
const REMOTECC_SOFT_KEYS: readonly string[] = ['Answer', 'EndCall', 'Hold', 'Resume'] satisfies readonly RemoteccSoftKey[];

interface Call {
  readonly session: Inviter | Invitation;
  readonly callId: string;
  /** The far party (the dialled digits or the caller's user part). */
  readonly peer: string;
  /** Held by a re-INVITE (a=sendonly) that the far end accepted. */
  held?: boolean;
}

interface Line {
  readonly number: number;
  readonly dn: string;
  callState: PhoneCallState;
  display: string;
  /** The call the line shows (its foreground call). */
  call: Call | undefined;
  /** Held calls behind it: a line holds a call and places or takes another (call appearances). */
  background: Call[];
  /** A hold re-INVITE of the foreground call still under way (a Resume of a call behind waits for it). */
  holding?: Promise<void>;
  /** DTMF received in the current call (INFO application/dtmf-relay from CUCM). */
  digits: string;
  /** Where CUCM last said Forward All sends the line (remotecc `cfwdallupdate`), '' when not forwarded. */
  forwardAll: string;
  /** Transfer or Confrn pressed once: the call it held, waiting for the second press. */
  secondCall?: { kind: 'transfer' | 'conference'; held: Call };
  /** MeetMe pressed: the next number dialled goes to CUCM's Meet-Me service URI. */
  meetMe?: boolean;
}

/** `Signal=<digit>` of an application/dtmf-relay body (docs/protocols/cucm-features.md §13). */
function dtmfRelaySignal(body: string): string | undefined {
  const m = /^Signal=\s*([0-9*#A-D])\s*$/im.exec(body);
  return m?.[1];
}

/**
 * A Cisco Unified IP Phone 7971G-GE / 7970G running SIP firmware, registered with CUCM: a sip.js
 * UserAgent over the lab's network seam (one TCP connection to CUCM, as the phones keep), with
 * simulated media (SDP only, no RTP). Every line button registers its DN; a call lands on the line whose
 * DN it is addressed to, and is placed from line 1 unless a line is named. A held call steps back so the line can place or take another one (a
 * second call appearance; the line shows the newer call); a second INVITE while the line is in a connected
 * call is answered 486 (modelling choice; the real phone offers call waiting).
 *
 * Third-party control by CUCM (click-to-dial, answer and hang-up on behalf of CUP / Communicator RCC)
 * is modelled on Cisco's "remotecc" mechanism: CUCM sends the phone an out-of-dialog REFER, either
 * with a plain `Refer-To: <sip:DEST@cucm>` (place a call to DEST) or with an
 * `application/x-cisco-remotecc-request+xml` body naming a soft key and the dialog it applies to.
 * Body shape from public Cisco interop code (the chan_sip "cisco-usecallmanager" patch and the
 * res_pjsip_cisco_* modules); the phone answers 202 and does not send NOTIFYs (remotecc REFERs
 * carry `Require: norefersub`, RFC 4488).
 *
 * The phone's own feature keys (DND, CFwdAll, Transfer, Confrn, MeetMe, Extension Mobility) are requests to
 * CUCM, and the phone shows what CUCM confirms (docs/protocols/sip-phone-features.md, docs/decisions/0019).
 */
export class SipPhone extends NodeBase implements Phone {
  readonly hostName: string;
  readonly deviceName: string;
  readonly endpoint: '7971-sip' | '7970-sip';
  private ua: UserAgent | undefined;
  private registerer: Registerer | undefined;
  private registered = false;
  private lineStates: Line[];
  /** The line buttons' DNs: the lab's at boot, the configuration file's after a restart. */
  private lines: readonly { readonly dn: string }[];
  /** The Services button and Extension Mobility over HTTP (docs/protocols/phone-services.md §3). */
  private readonly services: PhoneServicesClient;
  private stopping = false;
  /** Every session not yet Terminated (what `leaks()` reports). */
  private readonly live = new Set<Session>();
  /** Do Not Disturb as CUCM last confirmed it (remotecc `dndupdate`), not as the phone asked for it. */
  private dnd = false;

  private constructor(
    private readonly env: NodeEnv,
    readonly config: SipPhoneConfig,
  ) {
    super();
    this.hostName = env.network.hostName;
    this.deviceName = config.deviceName;
    this.endpoint = config.endpoint;
    this.lines = config.lines;
    this.lineStates = lineStatesOf(config.lines);
    this.services = new PhoneServicesClient(env, config.cucm.address, config.deviceName, config.model);
  }

  /** Starts the user agent, connects to CUCM and registers line 1; resolves once registered. */
  static async start(env: NodeEnv, config: SipPhoneConfig): Promise<SipPhone> {
    const phone = new SipPhone(env, config);
    try {
      await phone.register();
    } catch (error) {
      await phone.shutdown().catch(() => undefined);
      throw error instanceof LabError ? error : new LabError('UC_NODE', `${config.deviceName}: cannot start SIP phone`, { cause: error });
    }
    return phone;
  }

  observe(): PhoneObservation {
    return {
      deviceName: this.deviceName,
      model: this.config.model,
      protocol: 'sip',
      registered: this.registered,
      speaker: this.lineStates.some((l) => l.callState !== 'idle' && l.callState !== 'ringIn') ? 'on' : 'off',
      dnd: this.dnd,
      screen: this.services.screen,
      lines: this.lineStates.map(
        (l): PhoneLineObservation => ({
          line: l.number,
          dn: l.dn,
          callState: l.callState,
          // With DND on (Ringer Off) CUCM still offers the call; the phone shows it without ringing.
          ringer: l.callState === 'ringIn' && !this.dnd ? 'on' : 'off',
          lamp: lampOf(l.callState),
          display: l.display,
          forwardAll: l.forwardAll,
          digits: l.digits,
        }),
      ),
    };
  }

  /** Lifting the handset: answers a ringing call, else gives dial tone (local state only). */
  async offHook(line = 1): Promise<void> {
    const l = this.line(line);
    if (l.callState === 'ringIn') return this.answer(line);
    if (l.callState === 'idle') this.set(l, 'offHook', '');
  }

  async onHook(line = 1): Promise<void> {
    await this.endCall(this.line(line));
  }

  async hangUp(line = 1): Promise<void> {
    await this.endCall(this.line(line));
  }

  /**
   * The CFwdAll soft key and a destination (none: cancel): the SIP load calls CUCM's service URI with the
   * target appended, CUCM answers and hangs up, and tells the phone the line's forward with a remotecc
   * `cfwdallupdate` (docs/protocols/sip-phone-features.md §2). Resolves once the INVITE is sent.
   */
  async forwardAll(destination: string | undefined, line = 1): Promise<void> {
    const l = this.line(line);
    await this.serviceCall(l, destination === undefined ? CFWDALL_SERVICE_URI : `${CFWDALL_SERVICE_URI}-${destination}`);
  }

  async servicesKey(): Promise<void> {
    this.services.servicesKey();
  }

  async emLogin(userId: string, pin: string): Promise<void> {
    this.services.emLogin(userId, pin);
  }

  async emLogout(): Promise<void> {
    this.services.emLogout();
  }

  /** The Confrn soft key: first press holds the call and gives dial tone; the second asks CUCM to conference (docs/protocols/sip-phone-features.md §4). */
  async conferenceKey(line = 1): Promise<void> {
    await this.secondCallKey('conference', this.line(line));
  }

  /** The MeetMe soft key: the next number dialled on the line opens (or joins) that Meet-Me conference (docs/protocols/sip-phone-features.md §5). */
  async meetMeKey(line = 1): Promise<void> {
    const l = this.line(line);
    if (l.call) throw new LabError('UC_NODE', `${this.deviceName}: line ${line} is in a call, MeetMe needs an idle line`);
    l.meetMe = true;
    this.set(l, 'offHook', '');
  }

  /** The Transfer soft key: first press holds the call and gives dial tone; the second REFERs the held party (docs/protocols/sip-phone-features.md §3). */
  async transferKey(line = 1): Promise<void> {
    await this.secondCallKey('transfer', this.line(line));
  }

  /**
   * The DND soft key: the phone PUBLISHes the DND state it asks for to CUCM (a PIDF person activity `dnd`, or
   * `available` to turn it off); what it shows changes only when CUCM's remotecc `dndupdate` comes (docs/protocols/sip-phone-features.md §1).
   */
  async dndKey(): Promise<void> {
    const aor = this.lineUri(this.line(1));
    const activity = this.dnd ? 'available' : 'dnd';
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:e="urn:ietf:params:xml:ns:pidf:status:rpid" entity="${aor.toString()}">`,
      `<dm:person id="${this.deviceName}"><e:activities><e:${activity}/></e:activities></dm:person>`,
      '</presence>',
      '',
    ].join('\n');
    this.requestCucm('PUBLISH', ['Event: presence', 'Expires: 3600'], 'application/pidf+xml', body);
  }

  async dial(digits: string, line = 1): Promise<void> {
    const l = this.line(line);
    if (l.call) throw new LabError('UC_NODE', `${this.deviceName}: line ${line} is in a call, cannot dial ${digits}`);
    const meetMe = l.meetMe === true;
    l.meetMe = undefined;
    await this.placeCall(l, digits, meetMe ? `${MEETME_SERVICE_URI}-${digits}` : digits);
  }

  async answer(line = 1): Promise<void> {
    const l = this.line(line);
    const call = l.call;
    if (!call || !(call.session instanceof Invitation) || l.callState !== 'ringIn') {
      throw new LabError('UC_NODE', `${this.deviceName}: no ringing call on line ${line} to answer`);
    }
    await this.acceptInvitation(l, call.session);
  }

  leaks(): string[] {
    return [...this.live].map((s) => `${this.deviceName}: SIP session ${callIdOf(s)} still ${s.state}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.shutdown();
  }

  // ---------------------------------------------------------------------------------------------

  private async register(): Promise<void> {
    const { env, config } = this;
    const line1 = this.lines[0];
    if (!line1) throw new LabError('UC_CONFIG', `${config.deviceName}: a SIP phone needs at least one line`);
    const uri = UserAgent.makeURI(`sip:${line1.dn}@${config.cucm.address}`);
    if (!uri) throw new LabError('UC_CONFIG', `${config.deviceName}: bad line DN ${line1.dn}`);
    const log = env.log;
    const ua = new UserAgent({
      uri,
      transportConstructor: CiscoPhoneSipTransport,
      transportOptions: { network: env.network, server: config.cucm, log },
      viaHost: env.network.address,
      hackViaTcp: true,
      contactName: line1.dn,
      contactParams: { transport: 'tcp' },
      userAgentString: USER_AGENT[config.model],
      sessionDescriptionHandlerFactory: simulatedMediaFactory({ address: env.network.address }),
      logBuiltinEnabled: false,
      // sip.js logs its whole configuration (JSON of the transport options: network, clock, log) per user agent by default.
      logConfiguration: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => {
        // sip.js warns on every out-of-dialog REFER, which is how CUCM drives this phone: not news.
        if (content.startsWith('Received an out of dialog REFER')) return;
        if (level === 'error' || level === 'warn') log.warn(`sip.js ${category}: ${content}`);
      },
      delegate: {
        onDisconnect: () => {
          // A restart's old user agent going away is not news.
          if (this.ua !== ua) return;
          // TODO: the real phone re-registers (and fails over to its backup CUCM); this one stays unregistered.
          if (this.registered) log.warn('connection to CUCM lost; line unregistered');
          this.registered = false;
        },
        onInvite: (invitation) => this.onInvite(invitation),
        onReferRequest: (request) => this.onReferRequest(request),
        onNotify: (notification) => this.onServiceControl(notification),
      },
    });
    this.ua = ua;
    await ua.start();
    const mac = /^SEP([0-9A-F]{12})$/i.exec(config.deviceName)?.[1]?.toLowerCase() ?? '000000000000';
    // Cisco SIP phones identify themselves to CUCM in the REGISTER Contact (seen in phone captures:
    // `;+sip.instance="<urn:uuid:00000000-0000-0000-0000-MAC>";+u.sip!devicename.ccm.cisco.com="SEP…";
    // +u.sip!model.ccm.cisco.com="…"`); CUCM matches the device by that name.
    const registerer = new Registerer(ua, {
      expires: 3600,
      extraContactHeaderParams: [
        `+sip.instance="<urn:uuid:00000000-0000-0000-0000-${mac}>"`,
        `+u.sip!devicename.ccm.cisco.com="${config.deviceName}"`,
        `+u.sip!model.ccm.cisco.com="${MODEL_CODE[config.model]}"`,
      ],
    });
    this.registerer = registerer;
    await new Promise<void>((resolve, reject) => {
      let rejection: string | undefined;
      registerer.stateChange.addListener((state) => {
        if (state === RegistererState.Registered) {
          this.registered = true;
          resolve();
        } else if (state === RegistererState.Unregistered || state === RegistererState.Terminated) {
          this.registered = false;
          // sip.js changes state before it calls the request delegate with the rejecting response.
          void Promise.resolve().then(() =>
            reject(new LabError('UC_NODE', `${config.deviceName}: REGISTER of ${line1.dn} failed: ${rejection ?? 'no response from CUCM'}`)),
          );
        }
      });
      registerer
        .register({
          requestDelegate: {
            onReject: (response) => {
              rejection = `rejected ${response.message.statusCode} ${response.message.reasonPhrase}`;
            },
          },
        })
        .catch((error: unknown) => reject(new LabError('UC_NODE', `${config.deviceName}: cannot send REGISTER`, { cause: error })));
    });
    env.log.info('registered', { dn: line1.dn, cucm: `${config.cucm.address}:${config.cucm.port}` });
    // Every further line button registers its own DN (same Contact, To = the line's AOR), as the phones do.
    for (const line of this.lines.slice(1)) {
      const aor = UserAgent.makeURI(`sip:${line.dn}@${config.cucm.address}`);
      if (!aor) continue;
      const extra = new Registerer(ua, {
        expires: 3600,
        params: { toUri: aor, fromUri: aor },
        extraContactHeaderParams: [`+u.sip!devicename.ccm.cisco.com="${config.deviceName}"`, `+u.sip!model.ccm.cisco.com="${MODEL_CODE[config.model]}"`],
      });
      this.lineRegisterers.push(extra);
      await new Promise<void>((resolve) => {
        extra.stateChange.addListener((state) => {
          if (state !== RegistererState.Initial) resolve();
        });
        extra.register().catch(() => resolve());
      });
      env.log.info('registered', { dn: line.dn, line: this.lines.indexOf(line) + 1 });
    }
  }

  /**
   * CUCM's restart (Extension Mobility login or logout; docs/protocols/sip-phone-features.md §6): an out-of-dialog
   * NOTIFY `Event: service-control` whose body says `action=restart` (or `reset`). The phone answers 200, drops
   * its calls and registrations, reads its configuration file again and registers the lines it now lists.
   */
  private onServiceControl(notification: Notification): void {
    const message = notification.request;
    const event = (message.getHeader('event') ?? '').split(';')[0]?.trim().toLowerCase();
    const action = /^action=(\w+)/m.exec(message.body)?.[1]?.toLowerCase();
    if (event !== 'service-control' || (action !== 'restart' && action !== 'reset')) {
      // RFC 6665 §4.1.3: a NOTIFY for no subscription the phone knows gets 481.
      void notification.reject({ statusCode: 481 });
      return;
    }
    void notification.accept();
    this.env.log.info('restart requested by CUCM', { action });
    this.restart().catch((error: unknown) => this.env.log.warn('re-registration after restart failed', { error: String(error) }));
  }

  private async restart(): Promise<void> {
    await this.shutdown();
    await new Promise<void>((resolve) => this.env.clock.setTimer(RESTART_MS, resolve));
    if (this.stopping) return;
    const lines = await this.configurationLines();
    if (this.stopping) return;
    if (lines.length > 0) {
      this.lines = lines;
      this.lineStates = lineStatesOf(lines);
    }
    await this.register();
  }

  /**
   * The line buttons of the phone's configuration file `SEP<MAC>.cnf.xml` (`device/sipProfile/sipLines/line/name`),
   * fetched from CUCM over HTTP (the real phone reads it by TFTP; modelling choice, docs/protocols/sip-phone-features.md §6). None when
   * it cannot.
   */
  private async configurationLines(): Promise<{ dn: string }[]> {
    const response = await this.services.get(`http://${this.config.cucm.address}:${PHONE_SERVICES_PORT}/${this.deviceName}.cnf.xml`);
    const parsed = response?.status === 200 ? parseXml(response.body) : undefined;
    if (!parsed?.ok) {
      this.env.log.warn('configuration file not read; keeping the lines it had', { status: response?.status });
      return [];
    }
    return children(child(child(parsed.value, 'sipProfile'), 'sipLines'), 'line').map((l) => ({ dn: childText(l, 'name') ?? '' })).filter((l) => l.dn !== '');
  }

  /** The registrations of line buttons 2 and up. */
  private readonly lineRegisterers: Registerer[] = [];

  private async shutdown(): Promise<void> {
    for (const l of this.lineStates) await this.endCall(l).catch(() => undefined);
    for (const r of this.lineRegisterers.splice(0)) {
      if (r.state === RegistererState.Registered) await r.unregister().catch(() => undefined);
      await r.dispose().catch(() => undefined);
    }
    const registerer = this.registerer;
    this.registerer = undefined;
    if (registerer) {
      if (this.registered) await registerer.unregister().catch(() => undefined);
      await registerer.dispose().catch(() => undefined);
    }
    this.registered = false;
    const ua = this.ua;
    this.ua = undefined;
    if (ua) await ua.stop().catch(() => undefined);
  }

  private line(line: number): Line {
    const l = this.lineStates[line - 1];
    if (!l) throw new LabError('UC_NODE', `${this.deviceName}: no line ${line} (the phone has ${this.lineStates.length})`);
    return l;
  }

  private set(l: Line, callState: PhoneCallState, display: string): void {
    l.callState = callState;
    l.display = display;
    this.env.log.debug('line state', { line: l.number, callState, display });
  }

  private track(l: Line, call: Call): void {
    l.call = call;
    l.digits = '';
    this.live.add(call.session);
    call.session.delegate = {
      ...call.session.delegate,
      // DTMF from the far end, relayed by CUCM in INFO (the phone answers 200, or 415 for another body).
      onInfo: (info) => {
        const type = info.request.getHeader('Content-Type') ?? '';
        const digit = /^application\/dtmf-relay\b/i.test(type) ? dtmfRelaySignal(info.request.body ?? '') : undefined;
        if (digit === undefined) {
          void info.reject({ statusCode: 415 });
          return;
        }
        if (l.call === call) l.digits += digit;
        void info.accept();
      },
    };
    call.session.stateChange.addListener((state) => {
      if (state === SessionState.Established && l.call === call && l.callState !== 'hold') this.set(l, 'connected', 'Connected');
      if (state === SessionState.Terminated) {
        this.live.delete(call.session);
        if (l.call !== call) {
          l.background = l.background.filter((c) => c !== call);
          return;
        }
        l.call = undefined;
        if (l.callState !== 'busy') this.set(l, 'idle', '');
        this.promote(l);
      }
    });
  }

  /** A held foreground call steps back so the line is free for another call. */
  private park(l: Line): void {
    if (!l.call || l.callState !== 'hold') return;
    l.background.push(l.call);
    l.call = undefined;
    this.set(l, 'idle', '');
  }

  /** The line's foreground call ended: the last held call behind it comes forward, still held. */
  private promote(l: Line): void {
    if (l.call || l.callState === 'busy') return;
    const next = l.background.pop();
    if (!next) return;
    l.call = next;
    this.set(l, next.held ? 'hold' : 'connected', next.held ? 'Hold' : 'Connected');
  }

  private requireUa(): UserAgent {
    if (!this.ua) throw new LabError('UC_NODE', `${this.deviceName}: not started`);
    return this.ua;
  }

  /** The line's address of record at CUCM (sip:DN@cucm). */
  private lineUri(l: Line): URI {
    const uri = UserAgent.makeURI(`sip:${l.dn}@${this.config.cucm.address}`);
    if (!uri) throw new LabError('UC_NODE', `${this.deviceName}: bad line DN ${l.dn}`);
    return uri;
  }

  /**
   * An out-of-dialog request to CUCM (PUBLISH to the line's AOR, a remotecc REFER to CUCM), sent at once over the
   * registration connection; CUCM's answer is only logged.
   */
  private requestCucm(method: 'PUBLISH' | 'REFER', extraHeaders: string[], contentType: string, content: string): void {
    const ua = this.requireUa();
    const aor = this.lineUri(this.line(1));
    const cucm = UserAgent.makeURI(`sip:${this.config.cucm.address}`);
    if (!cucm) throw new LabError('UC_NODE', `${this.deviceName}: bad CUCM address`);
    const target = method === 'PUBLISH' ? aor : cucm;
    const core = ua.userAgentCore;
    const message = core.makeOutgoingRequestMessage(method, target, aor, target, {}, extraHeaders, { contentDisposition: 'render', contentType, content });
    const log = (response: Core.IncomingResponse): void => this.env.log.info(`${method} answered`, { status: response.message.statusCode });
    core.request(message, { onAccept: log, onReject: log });
  }

  /** A call to one of CUCM's service URIs (CFwdAll): not a call of the line; CUCM answers and ends it. */
  private async serviceCall(l: Line, user: string): Promise<void> {
    const target = UserAgent.makeURI(`sip:${user}@${this.config.cucm.address}`);
    if (!target) throw new LabError('UC_NODE', `${this.deviceName}: cannot dial ${JSON.stringify(user)}`);
    const inviter = new Inviter(this.requireUa(), target, { params: { fromUri: this.lineUri(l) } });
    this.live.add(inviter);
    inviter.stateChange.addListener((state) => {
      if (state === SessionState.Terminated) this.live.delete(inviter);
    });
    await inviter.invite();
  }

  /**
   * Transfer and Confrn (docs/protocols/sip-phone-features.md §3, §4): the first press holds the connected call
   * (re-INVITE a=sendonly) and gives dial tone for the consultation call, which `dial` places as a new INVITE;
   * the second, once that call is connected, completes the feature.
   */
  private async secondCallKey(kind: 'transfer' | 'conference', l: Line): Promise<void> {
    const pending = l.secondCall;
    const active = l.call;
    if (pending?.kind === kind && l.background.includes(pending.held) && active && l.callState === 'connected') {
      l.secondCall = undefined;
      if (kind === 'transfer') await this.referTransfer(pending.held, active);
      else this.remoteccConference(l, pending.held, active);
      return;
    }
    if (!active || l.callState !== 'connected') {
      throw new LabError('UC_NODE', `${this.deviceName}: no connected call on line ${l.number} for ${kind === 'transfer' ? 'Transfer' : 'Confrn'}`);
    }
    await this.reinvite(l, active.session, true);
    // CUCM refused the hold (or the call ended meanwhile): the key does nothing more.
    if (l.call !== active || !active.held) return;
    l.secondCall = { kind, held: active };
    this.park(l);
    this.set(l, 'offHook', '');
  }

  /**
   * Completes an announced transfer: RFC 3515 REFER in the held call's dialog whose Refer-To names the
   * consultation dialog with RFC 3891 Replaces, so CUCM joins the two far parties and ends both of the phone's
   * calls. `Refer-Sub: false` (RFC 4488): the phone wants no NOTIFY about it (the loads advertise `norefersub`).
   */
  private async referTransfer(held: Call, active: Call): Promise<void> {
    await held.session.refer(active.session, { requestOptions: { extraHeaders: ['Refer-Sub: false'] } });
  }

  /**
   * Completes an ad hoc conference: an out-of-dialog REFER to CUCM with a remotecc `Conference` soft-key event
   * naming the held call (`dialogid`) and the consultation call (`consultdialogid`); CUCM takes the three
   * parties to its conference bridge (modelling after the remotecc bodies of public Cisco interop code, docs/protocols/sip-phone-features.md §4).
   */
  private remoteccConference(l: Line, held: Call, active: Call): void {
    const dialogOf = (c: Call): RemoteccDialog => ({ callId: c.callId, localTag: c.session.dialog?.localTag ?? '', remoteTag: c.session.dialog?.remoteTag ?? '' });
    const body = softKeyEventBody('Conference', dialogOf(held), { line: l.number, consult: dialogOf(active) });
    const cid = `${held.callId.replace(/@.*/, '')}@${this.env.network.address}`;
    this.requestCucm('REFER', [`Refer-To: <cid:${cid}>`, `Content-ID: <${cid}>`, 'Refer-Sub: false', 'Require: norefersub'], REMOTECC_REQUEST_TYPE, body);
  }

  /** Goes off-hook on the speaker and sends the INVITE (to sip:DIGITS@cucm, or to a service URI `user`). */
  private async placeCall(l: Line, digits: string, user = digits): Promise<void> {
    const ua = this.ua;
    if (!ua) throw new LabError('UC_NODE', `${this.deviceName}: not started`);
    const target = UserAgent.makeURI(`sip:${user}@${this.config.cucm.address}`);
    if (!target) throw new LabError('UC_NODE', `${this.deviceName}: cannot dial ${JSON.stringify(digits)}`);
    this.set(l, 'offHook', '');
    this.set(l, 'dialing', digits);
    const fromUri = l.number > 1 ? UserAgent.makeURI(`sip:${l.dn}@${this.config.cucm.address}`) : undefined;
    const inviter = new Inviter(ua, target, fromUri ? { params: { fromUri } } : {});
    const call: Call = { session: inviter, callId: inviter.request.callId, peer: digits };
    this.track(l, call);
    await inviter.invite({
      requestDelegate: {
        // RFC 3261 §21.1.2 180 Ringing: the far end is alerting; the phone plays ring-back.
        onProgress: (response: Core.IncomingResponse) => {
          const status = response.message.statusCode;
          if ((status === 180 || status === 183) && l.call === call && l.callState === 'dialing') this.set(l, 'ringOut', `To ${digits}`);
        },
        onReject: (response: Core.IncomingResponse) => {
          const status = response.message.statusCode;
          this.env.log.info('outgoing call rejected', { to: digits, status });
          // §21.4.7 486 Busy Here: the phone shows Busy and plays busy tone until hung up.
          // (sip.js terminates the session before calling this delegate, so the line is idle by now.)
          if (status === 486 && (l.call === undefined || l.call === call)) this.set(l, 'busy', 'Busy');
        },
      },
    });
  }

  private async acceptInvitation(l: Line, invitation: Invitation): Promise<void> {
    this.set(l, 'offHook', l.display);
    await invitation.accept();
    if (l.call?.session === invitation && invitation.state === SessionState.Established) this.set(l, 'connected', 'Connected');
  }

  /** EndCall soft key / hanging up: BYE when established, CANCEL when ringing out, 603 when ringing in. */
  private async endCall(l: Line, call: Call | undefined = l.call): Promise<void> {
    if (!call) {
      if (l.callState !== 'idle') this.set(l, 'idle', '');
      return;
    }
    const session = call.session;
    switch (session.state) {
      case SessionState.Initial:
      case SessionState.Establishing:
        if (session instanceof Inviter) {
          // §9.1: a CANCEL ends a request that has no final response yet.
          await session.cancel();
        } else {
          // §21.6.2 603 Decline: "the callee's machine was successfully contacted but the user
          // explicitly does not wish to or cannot participate."
          await session.reject({ statusCode: 603 });
        }
        break;
      case SessionState.Established:
        // §15.1.1: "The caller's UA MAY send a BYE for either confirmed or early dialogs, and the
        // callee's UA MAY send a BYE on confirmed dialogs".
        await session.bye();
        break;
      default:
        break;
    }
    if (l.call !== call) {
      l.background = l.background.filter((c) => c !== call);
      return;
    }
    l.call = undefined;
    this.set(l, 'idle', '');
    this.promote(l);
  }

  private onInvite(invitation: Invitation): void {
    // The line the call is for: the one whose DN the To header names (CUCM addresses each line's DN).
    const toUser = invitation.request.to.uri.user;
    const l = this.lineStates.find((x) => x.dn === toUser) ?? this.lineStates[0];
    const from = invitation.remoteIdentity.uri.user ?? invitation.remoteIdentity.uri.host;
    if (l) this.park(l);
    // Call waiting: a connected call steps back behind the new one, which rings (CUCM holds it on answer).
    if (l?.call && l.callState === 'connected' && l.background.length === 0 && (invitation.state === SessionState.Initial || invitation.state === SessionState.Establishing)) {
      l.background.push(l.call);
      l.call = undefined;
      this.set(l, 'idle', '');
    }
    if (!l || l.call || (l.callState !== 'idle' && l.callState !== 'offHook')) {
      // §21.4.7 486 Busy Here; modelling choice: no call waiting.
      this.env.log.info('incoming call while busy rejected 486', { from });
      // The caller may have cancelled already (the invitation is then terminated): nothing to answer.
      if (invitation.state === SessionState.Initial || invitation.state === SessionState.Establishing) {
        invitation.reject({ statusCode: 486 }).catch((error: unknown) => this.env.log.debug('486 not sent', { error: String(error) }));
      }
      return;
    }
    // Cancelled before this phone got to it (CANCEL and INVITE read together): nothing rings.
    if (invitation.state === SessionState.Terminated) return;
    // sip.js has already sent 180 Ringing (sendInitialProvisionalResponse).
    const call: Call = { session: invitation, callId: invitation.request.callId, peer: from };
    this.track(l, call);
    this.set(l, 'ringIn', `From ${from}`);
    this.env.log.info('incoming call', { from, callId: call.callId });
  }

  /** Out-of-dialog REFER from CUCM: click-to-dial or a remotecc soft key. */
  private onReferRequest(request: Core.IncomingReferRequest): void {
    const message = request.message;
    const contentType = (message.getHeader('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (contentType === REMOTECC_REQUEST_TYPE) {
      this.onRemotecc(request, message.body);
      return;
    }
    if (message.hasHeader(CID_REFER_TO_HEADER)) {
      // Modelling choice: a Refer-To naming a body part needs a remotecc body to act on.
      this.env.log.warn('REFER to a cid: without a remotecc body rejected 400', { referTo: message.getHeader(CID_REFER_TO_HEADER) });
      request.reject({ statusCode: 400 });
      return;
    }
    // RFC 3515 §2.4.1: "An agent responding to a REFER method MUST return a 400 (Bad Request) if
    // the request contained zero or more than one Refer-To header field values."
    const referTo = message.getHeaders('refer-to');
    const value = referTo.length === 1 ? referTo[0] : undefined;
    const target = value === undefined ? undefined : UserAgent.makeURI((/<([^>]*)>/.exec(value)?.[1] ?? value).trim());
    if (!target || !target.user) {
      this.env.log.warn('REFER without a usable Refer-To rejected 400', { referTo: referTo.join(', ') });
      request.reject({ statusCode: 400 });
      return;
    }
    const l = this.lineStates[0];
    if (l?.holding) {
      // CUCM's consultation sends Hold and the new call's REFER back to back: place it once the hold is done.
      void l.holding.catch(() => undefined).then(() => this.placeReferredCall(request, l, target.user ?? ''));
      return;
    }
    if (l) this.placeReferredCall(request, l, target.user);
    else request.reject({ statusCode: 486 });
  }

  private placeReferredCall(request: Core.IncomingReferRequest, l: Line, digits: string): void {
    this.park(l);
    if (l.call || (l.callState !== 'idle' && l.callState !== 'offHook')) {
      // Modelling choice: no free line to place the call on.
      request.reject({ statusCode: 486 });
      return;
    }
    // RFC 3515 §2.4.2: "The agent receiving a REFER ... SHOULD respond with 202 Accepted".
    request.accept({ statusCode: 202 });
    this.env.log.info('REFER: placing call', { to: digits });
    this.placeCall(l, digits).catch((error: unknown) => {
      this.env.log.warn('REFER: call could not be placed', { to: digits, error: String(error) });
    });
  }

  /**
   * Remotecc soft-key request (Cisco proprietary, modelled):
   * `<x-cisco-remotecc-request><softkeyeventmsg><softkeyevent>Answer</softkeyevent>
   *  <dialogid><callid>…</callid><localtag>…</localtag><remotetag>…</remotetag></dialogid>…`.
   * The dialog is found by Call-ID only.
   */
  private onRemotecc(request: Core.IncomingReferRequest, body: string): void {
    const parsed = parseXml(body);
    if (!parsed.ok) {
      this.env.log.warn('malformed remotecc body rejected 400', { error: parsed.error.message });
      request.reject({ statusCode: 400 });
      return;
    }
    const root = parsed.value;
    if (root.name === 'x-cisco-remotecc-request' && this.onRemoteccUpdate(root)) {
      request.accept({ statusCode: 202 });
      return;
    }
    const softkey = child(root, 'softkeyeventmsg');
    if (root.name !== 'x-cisco-remotecc-request' || !softkey) {
      request.accept({ statusCode: 202 });
      this.env.log.info('remotecc request ignored (not a soft key event)', { request: root.children[0]?.name ?? root.name });
      return;
    }
    const key = childText(softkey, 'softkeyevent');
    if (!key) {
      this.env.log.warn('remotecc soft key event without <softkeyevent> rejected 400');
      request.reject({ statusCode: 400 });
      return;
    }
    request.accept({ statusCode: 202 });
    if (!REMOTECC_SOFT_KEYS.includes(key)) {
      this.env.log.info('remotecc soft key ignored', { softkey: key });
      return;
    }
    const callId = childText(softkey, 'dialogid', 'callid');
    const l = this.lineStates.find((x) => x.call?.callId === callId || x.background.some((c) => c.callId === callId));
    const call = l?.call?.callId === callId ? l?.call : l?.background.find((c) => c.callId === callId);
    if (!l || !call) {
      this.env.log.warn('remotecc soft key for an unknown dialog ignored', { softkey: key, callId });
      return;
    }
    this.pressSoftKey(l, call, key as RemoteccSoftKey).catch((error: unknown) => {
      this.env.log.warn('remotecc soft key failed', { softkey: key, callId, error: String(error) });
    });
  }

  /**
   * CUCM's state updates for the feature keys (docs/protocols/sip-phone-features.md §1, §2): `dndupdate` (the DND
   * state and option the phone now shows) and `cfwdallupdate` (a line's Forward All target, empty when cleared).
   * False for any other request.
   */
  private onRemoteccUpdate(root: XmlElement): boolean {
    const dnd = child(root, 'dndupdate');
    if (dnd) {
      this.dnd = childText(dnd, 'state') === 'enable';
      this.env.log.info('DND update from CUCM', { dnd: this.dnd, option: childText(dnd, 'option') });
      return true;
    }
    const cfwd = child(root, 'cfwdallupdate');
    if (cfwd) {
      const l = this.lineStates[Number(childText(cfwd, 'linenumber') ?? '1') - 1];
      if (l) l.forwardAll = childText(cfwd, 'fwdaddress') ?? '';
      this.env.log.info('Forward All update from CUCM', { line: l?.number, forwardAll: l?.forwardAll });
      return true;
    }
    return false;
  }

  private async pressSoftKey(l: Line, call: Call, key: RemoteccSoftKey): Promise<void> {
    const session = call.session;
    switch (key) {
      case 'Answer':
        if (session instanceof Invitation && l.callState === 'ringIn') await this.acceptInvitation(l, session);
        else this.env.log.info('remotecc Answer for a call that is not ringing ignored', { callId: call.callId });
        return;
      case 'EndCall':
        await this.endCall(l, call);
        return;
      case 'Hold': {
        // The line's own call, or a connected one behind it (call waiting: CUCM holds it when the new one is answered).
        if (l.call === call ? l.callState !== 'connected' : call.held) return;
        const holding = this.reinvite(l, session, true);
        l.holding = holding;
        await holding.finally(() => {
          if (l.holding === holding) l.holding = undefined;
        });
        return;
      }
      case 'Resume':
        if (l.call !== call) {
          // A held call behind the line's own: the two change places (the foreground one must be held,
          // so a hold still under way is waited for: CUCM sends an alternate's Hold and Resume back to back).
          if (l.holding) await l.holding.catch(() => undefined);
          if (l.call && l.callState !== 'hold') return;
          l.background = l.background.filter((c) => c !== call);
          if (l.call) l.background.push(l.call);
          l.call = call;
          this.set(l, 'hold', 'Hold');
        }
        if (l.callState !== 'hold') return;
        await this.reinvite(l, session, false);
        return;
    }
  }

  /**
   * RFC 3264 §8.4 hold / resume: a re-INVITE offering a=sendonly, then a=sendrecv. Resolves once the
   * re-INVITE has its final response.
   */
  private async reinvite(l: Line, session: Session, hold: boolean): Promise<void> {
    const options: SimulatedMediaHandlerOptions = { hold };
    let answered!: () => void;
    const done = new Promise<void>((resolve) => (answered = resolve));
    // A re-INVITE that never gets its answer ends with the session (sip.js sends BYE after Timer B).
    const ended = (state: SessionState): void => {
      if (state === SessionState.Terminated) answered();
    };
    session.stateChange.addListener(ended);
    await session.invite({
      sessionDescriptionHandlerOptions: options,
      requestDelegate: {
        onAccept: () => {
          const call = l.call?.session === session ? l.call : l.background.find((c) => c.session === session);
          if (call) call.held = hold;
          if (l.call?.session === session) this.set(l, hold ? 'hold' : 'connected', hold ? 'Hold' : 'Connected');
          answered();
        },
        onReject: () => answered(),
      },
    });
    await done.finally(() => session.stateChange.removeListener(ended));
  }
}

function lineStatesOf(lines: readonly { readonly dn: string }[]): Line[] {
  return lines.map((l, i) => ({ number: i + 1, dn: l.dn, callState: 'idle', display: '', call: undefined, background: [], digits: '', forwardAll: '' }));
}

/**
 * Line lamp: blinking while the line rings, steady while it is in use; a held line winks (as CUCM
 * drives the SCCP phones' line lamps with SetLamp; modelling choice for the SIP phone).
 */
function lampOf(state: PhoneCallState): LampState {
  switch (state) {
    case 'idle':
      return 'off';
    case 'ringIn':
      return 'blink';
    case 'hold':
      return 'wink';
    default:
      return 'on';
  }
}

function callIdOf(session: Session): string {
  if (session instanceof Inviter || session instanceof Invitation) return session.request.callId;
  return session.id;
}
