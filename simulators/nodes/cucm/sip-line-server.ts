import type { TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import { randomToken } from '../../kernel/random';
import { CFWDALL_SERVICE_URI, cfwdAllUpdateBody, createCancel, createResponse, DialogStore, dialogKey, dndUpdateBody, hasSupportedScheme, MEETME_SERVICE_URI, parseNameAddr, parseSipUri, REMOTECC_REQUEST_TYPE, SipDialog, SipHeaders, softKeyEventBody, unsupportedOptions } from '../../protocols/sip';
import { child, childText, parseXml } from '../../protocols/xml';
import type { ClientTransaction, ServerTransaction, SipRequest, SipResponse, SipTarget } from '../../protocols/sip';
import type { NodeEnv } from '../node';
import { CONNECTIONS_PER_PEER } from '../../transport/stream-limits';
import type { StreamLimits } from '../../transport/stream-limits';
import { SipEndpoint } from '../shared/sip-endpoint';
import { cucmSoftware } from './cucm-releases';
import type { Call, CallControl, CallLeg, LegDriver, LegSignal } from './call-control';
import type { CucmConfigStore } from './cucm-config';
import type { ThirdPartyControl } from './cti-manager';

const SIP_PORT = 5060;
const REGISTER_EXPIRES = 3600;
/**
 * A phone's connection is kept while a registration over it could still be refreshed: two registration periods
 * without a byte from the phone close it (modelled; docs/protocols/stream-limits.md).
 */
const SIP_LIMITS: StreamLimits = { idleMs: 2 * REGISTER_EXPIRES * 1000, perPeer: CONNECTIONS_PER_PEER };
/** How long CUCM holds a CTI MakeCall's call for the SIP phone's INVITE (modelled). */
const MAKE_CALL_INVITE_TIMEOUT_MS = 10_000;

/** One SIP call leg as CUCM (a B2BUA) holds it toward the phone. */
interface SipLeg {
  readonly leg: CallLeg;
  /** The phone's INVITE we are answering (originating legs). */
  inbound?: ServerTransaction;
  /** Our INVITE to the phone (terminating legs). */
  outbound?: ClientTransaction;
  dialog?: SipDialog;
  localTag: string;
  /** The phone's tag, once known (its 18x/2xx To tag on terminating legs). */
  remoteTag?: string;
  callId: string;
  answered: boolean;
  /** A provisional response to our INVITE has come (only then may it be cancelled, RFC 3261 §9.1). */
  provisional?: boolean;
  /** RFC 3326 Reason for the CANCEL (a shared line answered elsewhere). */
  cancelReason?: string;
  /** Call control released the leg before any provisional response: CANCEL on the first one. */
  cancelOnProvisional?: boolean;
  /** The phone itself asked for hold/resume (a re-INVITE), so CUCM need not tell it to. */
  phoneDriven?: boolean;
  /** The SDP the phone sent on this leg: the offer of its INVITE, or the answer in its 200 to ours. */
  sdp?: string;
}

/** A registered SIP phone: implements the leg signalling call control asks for. */
class SipDevice implements LegDriver {
  readonly protocol = 'sip' as const;
  readonly legs = new Map<CallLeg, SipLeg>();
  /** The registered lines: line number → DN (line 1 is the device's own registration). */
  readonly lines = new Map<number, string>();
  /** A CTI MakeCall waiting for the phone's INVITE (the REFER asked for it): the call exists already. */
  pendingMakeCall: { leg: CallLeg; destination: string; timer: TimerHandle } | undefined;

  constructor(
    private readonly server: SipLineServer,
    readonly deviceName: string,
    readonly dn: string,
    readonly contact: string,
    /** Where the device's requests come from; a refresh over a new connection moves it. */
    public via: SipTarget,
    /** The Call-ID of the device's REGISTER (a restart NOTIFY names it). */
    readonly registerCallId: string,
  ) {
    this.lines.set(1, dn);
  }

  /** The line a DN is registered on (line 1 when none matches). */
  lineOf(dn: string | undefined): number {
    for (const [line, d] of this.lines) if (d === dn) return line;
    return 1;
  }

  signal(leg: CallLeg, call: Call, s: LegSignal): void {
    if (s.kind === 'held' || s.kind === 'retrieved') this.server.signalHold(this, leg, s.kind);
    else if (s.kind === 'digits') this.server.sendDigits(this, leg, s.digits);
    else if (leg.role === 'terminating') this.server.signalTerminating(this, leg, call, s);
    else this.server.signalOriginating(this, leg, call, s);
  }
}

/**
 * CUCM's SIP line side (UDP and TCP 5060) for the 7971 and 7970 SIP loads: registrar keyed by the
 * line's DN, and a back-to-back user agent that turns call control's leg signals into SIP toward the
 * phone and the phone's SIP into call-control events. Requests to a phone go over the connection it
 * registered on. Third-party control for CTI is modelled on Cisco's "remotecc" (docs/decisions/0004):
 * MakeCall = out-of-dialog REFER with the destination in Refer-To; AnswerCall = REFER carrying an
 * `Answer` soft-key event for the ringing dialog; clearing = CUCM's own BYE or CANCEL.
 */
/** The methods CUCM's SIP line side answers (its 405's Allow header, RFC 3261 §8.2.1). */
/** The Require options CUCM's line side understands (RFC 4488: no implicit subscription for a REFER). */
const LINE_SIDE_OPTIONS: ReadonlySet<string> = new Set(['norefersub']);
const LINE_SIDE_METHODS = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, REFER, NOTIFY, PUBLISH';

export class SipLineServer {
  private sip!: SipEndpoint;

  /** CUCM's SIP stack (port 5060), which the trunk side shares with the line side. */
  get endpoint(): SipEndpoint {
    return this.sip;
  }
  private readonly devices = new Map<string, SipDevice>();
  /** Registered devices by the TCP connection they registered on (requests find their device without a scan). */
  private readonly byConnection = new Map<string, SipDevice>();
  private readonly dialogs = new DialogStore<SipDialog>();
  private readonly byDialog = new Map<string, SipLeg>();
  /** Service-URI calls CUCM answered only to end them: BYE once the phone's ACK comes (RFC 3261 §15). */
  private readonly byeOnAck = new Map<string, SipDevice>();
  private readonly log: Logger;
  /** Observers of Forward All set or cleared from a SIP phone (CTIManager tells its monitors). */
  onForwardingChanged: ((deviceName: string, line: number) => void) | undefined;

  constructor(
    private readonly env: NodeEnv,
    private readonly config: CucmConfigStore,
    private readonly callControl: CallControl,
  ) {
    this.log = env.log.child('sip');
  }

  async listen(): Promise<void> {
    this.sip = await SipEndpoint.start(this.env, {
      port: SIP_PORT,
      limits: SIP_LIMITS,
      software: cucmSoftware(this.config.release),
      delegate: {
        onRequest: (request, tx, source) => this.onRequest(request, tx, source),
        onAck: (ack) => this.onAck(ack),
        onCancel: (invite) => this.onCancel(invite),
      },
    });
  }

  private get address(): string {
    return this.env.network.address;
  }

  private get contact(): string {
    return `<sip:cucm@${this.address}:${SIP_PORT};transport=tcp>`;
  }

  thirdPartyControl(deviceName: string): ThirdPartyControl | undefined {
    const device = this.devices.get(deviceName);
    if (!device) return undefined;
    return {
      makeCall: (_name, line, destination) => {
        // CUCM creates the call when the application asks (so the CTI response carries its call id, as
        // for an SCCP phone) and binds the phone's INVITE to it when the REFER brings one.
        // One MakeCall at a time per phone; one whose call has already been cleared is forgotten.
        const earlier = device.pendingMakeCall;
        if (earlier && this.callControl.callOf(earlier.leg)) return 'notRegistered';
        if (earlier) this.forgetMakeCall(device);
        const leg = this.callControl.offHook(device.deviceName, line, 'cti');
        if (!leg) return 'notRegistered';
        const call = this.callControl.callOf(leg);
        const timer = this.env.clock.setTimer(MAKE_CALL_INVITE_TIMEOUT_MS, () => this.abandonMakeCall(device, 'no INVITE after the REFER'));
        device.pendingMakeCall = { leg, destination, timer };
        this.refer(device, [['Refer-To', `<sip:${destination}@${this.address}>`]], '', (status) => this.abandonMakeCall(device, `REFER refused ${status}`));
        return call ? { callId: String(call.id) } : {};
      },
      answer: (leg) => {
        const sipLeg = device.legs.get(leg);
        if (!sipLeg || leg.state !== 'ringIn' || !sipLeg.remoteTag) return false;
        this.refer(device, [['Refer-To', 'cid:remotecc@cucm'], ['Content-Type', REMOTECC_REQUEST_TYPE]], remoteccBody('Answer', sipLeg));
        return true;
      },
      forwardingChanged: (_name, line) => this.cfwdAllUpdate(device, line),
    };
  }

  observe(): { deviceName: string; model: string; protocol: 'sip'; address: string }[] {
    return [...this.devices.values()].map((d) => ({ deviceName: d.deviceName, model: this.config.phone(d.deviceName)?.model ?? '', protocol: 'sip', address: d.via.address }));
  }

  leaks(): string[] {
    const pending = this.sip.pendingTransactions();
    return [...pending.map((t) => `cucm SIP transaction never finished: ${t}`), ...[...this.byDialog.values()].map((l) => `cucm SIP dialog still up: ${l.callId}`)];
  }

  async close(): Promise<void> {
    for (const device of this.devices.values()) if (device.pendingMakeCall) this.env.clock.clearTimer(device.pendingMakeCall.timer);
    await this.sip.stop();
  }

  // ------------------------------------------------------------------ from the phone

  private onRequest(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    const toTag = randomToken(this.env.random, 10);
    // RFC 3261 §8.2.2.1: an unsupported Request-URI scheme gets 416; §8.2.2.3: Require options the UAS does not
    // understand get 420 with an Unsupported header listing them (RFC 4475 §3.3.2, §3.3.3, §3.3.5). CUCM's line
    // side understands one: RFC 4488's norefersub, which a SIP load's remotecc REFER requires
    // (docs/protocols/sip-phone-features.md).
    if (!hasSupportedScheme(request.uri)) {
      tx.respond(createResponse(request, 416, 'Unsupported URI Scheme', { toTag }));
      return;
    }
    const unsupported = unsupportedOptions(request, 'Require', LINE_SIDE_OPTIONS);
    if (unsupported.length > 0) {
      tx.respond(createResponse(request, 420, 'Bad Extension', { toTag, headers: [['Unsupported', unsupported.join(', ')]] }));
      return;
    }
    switch (request.method) {
      case 'OPTIONS':
        tx.respond(createResponse(request, 200, 'OK', { toTag, headers: [['Allow', LINE_SIDE_METHODS]] }));
        return;
      case 'REGISTER':
        this.register(request, tx, source);
        return;
      case 'INVITE': {
        const existing = this.dialogs.match(request);
        if (existing) {
          const far = this.reInvite(existing, request);
          tx.respond(this.withSdp(createResponse(request, 200, 'OK', { toTag: existing.localTag, headers: [['Contact', this.contact]] }), far && answerTo(request.body, far)));
          return;
        }
        this.invite(request, tx, source);
        return;
      }
      case 'BYE': {
        const dialog = this.dialogs.match(request);
        const sipLeg = dialog ? this.byDialog.get(dialog.id) : undefined;
        if (!dialog || !sipLeg) {
          tx.respond(createResponse(request, 481, 'Call/Transaction Does Not Exist', { toTag }));
          return;
        }
        tx.respond(createResponse(request, 200, 'OK'));
        this.forget(sipLeg);
        this.callControl.release(sipLeg.leg, 'normalClearing');
        return;
      }
      case 'NOTIFY':
        tx.respond(createResponse(request, 200, 'OK', { toTag }));
        return;
      case 'REFER':
        this.onRefer(request, tx, source);
        return;
      case 'PUBLISH':
        this.onPublish(request, tx, source);
        return;
      default:
        // RFC 3261 §8.2.1: a 405 MUST carry an Allow header field listing the methods the UAS supports.
        tx.respond(createResponse(request, 405, 'Method Not Allowed', { toTag, headers: [['Allow', LINE_SIDE_METHODS]] }));
    }
  }

  private register(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    const toTag = randomToken(this.env.random, 10);
    const to = parseNameAddr(request.headers.get('To') ?? '');
    const aor = to.ok ? parseSipUri(to.value.uri) : undefined;
    const dn = aor?.ok ? (aor.value.user ?? '') : '';
    const contactValue = request.headers.get('Contact') ?? '';
    const deviceParam = /\+u\.sip!devicename\.ccm\.cisco\.com="?([A-Z0-9]+)"?/i.exec(contactValue)?.[1];
    // The device the Contact names, or else the first SIP phone whose line 1 carries the AOR's DN
    // (configuration order); looked up by name or DN, not by a scan of every phone.
    const candidates = deviceParam !== undefined ? [this.config.phone(deviceParam)] : this.config.appearancesOf(dn).filter((a) => a.line === 1).map((a) => a.phone);
    const phone = candidates.find((p) => p !== undefined && p.protocol === 'sip' && p.lines.some((l) => l.dn === dn));
    // Each line button registers its own DN; line 1's registration is the device's.
    const lineNo = phone ? phone.lines.findIndex((l) => l.dn === dn) + 1 : 0;
    if (!phone || lineNo === 0) {
      this.log.warn('REGISTER for an unknown SIP device refused', { dn, device: deviceParam });
      tx.respond(createResponse(request, 403, 'Forbidden', { toTag }));
      return;
    }
    const contact = parseNameAddr(contactValue);
    const expires = Number((contact.ok ? contact.value.params.expires : undefined) ?? request.headers.get('Expires') ?? REGISTER_EXPIRES);
    const previous = this.devices.get(phone.name);
    // A device registered over a live connection is bound to it: a REGISTER for it from another address (a refresh,
    // a second registration or a de-registration) is refused, so no other host can take or drop the phone's lines
    // (lab's modelling choice for the non-secure phone security profile; docs/decisions/0004).
    const liveElsewhere = previous !== undefined && previous.via.address !== source.address && (previous.via.connectionId === undefined || this.sip.isOpen(previous.via.connectionId));
    if (liveElsewhere) {
      this.log.warn('REGISTER for a device registered from another address refused', { device: phone.name, from: source.address });
      tx.respond(createResponse(request, 403, 'Forbidden', { toTag }));
      return;
    }
    if (lineNo > 1) {
      // A further line of a registered device: the line is registered (or unregistered) with it.
      if (!previous) {
        tx.respond(createResponse(request, 403, 'Forbidden', { toTag }));
        return;
      }
      if (expires === 0) previous.lines.delete(lineNo);
      else previous.lines.set(lineNo, dn);
      this.log.info(expires === 0 ? 'SIP line unregistered' : 'SIP line registered', { device: phone.name, line: lineNo, dn });
      tx.respond(createResponse(request, 200, 'OK', { toTag, headers: expires === 0 ? [] : [['Contact', `${contactValue.split(';expires')[0]};expires=${expires}`]] }));
      if (expires !== 0 && phone.lines[lineNo - 1]?.forwardAll !== undefined) this.cfwdAllUpdate(previous, lineNo);
      return;
    }
    const refresh = previous !== undefined && expires !== 0 && contact.ok && contact.value.uri === previous.contact;
    if (refresh) {
      // A refresh (RFC 3261 §10.2.4: same Contact before it expires) extends the binding; the device and
      // its calls stay as they are. Replacing the device here would orphan every call the phone is in.
      this.unindex(previous);
      previous.via = source;
      this.index(previous);
      this.log.info('SIP registration refreshed', { device: phone.name, expires });
      tx.respond(createResponse(request, 200, 'OK', { toTag, headers: [['Contact', `${contactValue.split(';expires')[0]};expires=${expires}`]] }));
      return;
    }
    if (previous) {
      if (previous.pendingMakeCall) this.env.clock.clearTimer(previous.pendingMakeCall.timer);
      previous.pendingMakeCall = undefined;
      this.unindex(previous);
      this.callControl.detach(phone.name, previous);
      this.devices.delete(phone.name);
    }
    if (expires === 0) {
      this.log.info('SIP device unregistered', { device: phone.name });
      tx.respond(createResponse(request, 200, 'OK', { toTag }));
      return;
    }
    if (!contact.ok) {
      tx.respond(createResponse(request, 400, 'Bad Contact', { toTag }));
      return;
    }
    const device = new SipDevice(this, phone.name, dn, contact.value.uri, source, request.headers.get('Call-ID') ?? '');
    this.devices.set(phone.name, device);
    this.index(device);
    this.callControl.attach(phone.name, device);
    this.log.info('SIP device registered', { device: phone.name, dn });
    tx.respond(createResponse(request, 200, 'OK', { toTag, headers: [['Contact', `${contactValue.split(';expires')[0]};expires=${expires}`]] }));
    // A phone that registers (after a restart, say) learns the feature state CUCM holds for it, as an SCCP phone
    // gets ForwardStat when it registers (docs/protocols/sip-phone-features.md §1, §2).
    if (phone.dnd) this.dndUpdate(device);
    if (phone.lines[0]?.forwardAll !== undefined) this.cfwdAllUpdate(device, 1);
  }

  private index(device: SipDevice): void {
    if (device.via.connectionId !== undefined) this.byConnection.set(device.via.connectionId, device);
  }

  private unindex(device: SipDevice): void {
    const id = device.via.connectionId;
    if (id !== undefined && this.byConnection.get(id) === device) this.byConnection.delete(id);
  }

  private deviceOf(source: SipTarget): SipDevice | undefined {
    return (source.connectionId !== undefined ? this.byConnection.get(source.connectionId) : undefined)
      ?? [...this.devices.values()].find((d) => d.via.address === source.address);
  }

  private invite(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    const device = this.deviceOf(source);
    const toTag = randomToken(this.env.random, 10);
    if (!device) {
      tx.respond(createResponse(request, 403, 'Forbidden', { toTag }));
      return;
    }
    const target = parseSipUri(request.uri);
    let digits = target.ok ? (target.value.user ?? '') : '';
    // The line the phone calls from: the one whose DN its From names.
    const from = parseNameAddr(request.headers.get('From') ?? '');
    const fromUser = from.ok ? parseSipUri(from.value.uri) : undefined;
    const line = device.lineOf(fromUser?.ok ? fromUser.value.user : undefined);
    if (digits === CFWDALL_SERVICE_URI || digits.startsWith(`${CFWDALL_SERVICE_URI}-`)) {
      this.forwardAllService(device, line, request, tx, toTag, digits.slice(CFWDALL_SERVICE_URI.length + 1));
      return;
    }
    const pending = device.pendingMakeCall;
    let leg: CallLeg | undefined;
    if (digits.startsWith(`${MEETME_SERVICE_URI}-`)) {
      // The MeetMe key (docs/protocols/sip-phone-features.md §5): a new call that must name a Meet-Me number.
      digits = digits.slice(MEETME_SERVICE_URI.length + 1);
      leg = this.callControl.meetMeKey(device.deviceName, line);
    } else if (pending && pending.destination === digits) {
      this.forgetMakeCall(device);
      if (!this.callControl.callOf(pending.leg) || pending.leg.state !== 'offHook') {
        // The application cleared the call before the phone's INVITE (the REFER's answer) came in.
        tx.respond(createResponse(request, 487, 'Request Terminated', { toTag }));
        return;
      }
      leg = pending.leg;
    } else {
      leg = this.callControl.offHook(device.deviceName, line, 'user');
    }
    if (!leg) {
      tx.respond(createResponse(request, 486, 'Busy Here', { toTag }));
      return;
    }
    const dialog = SipDialog.fromUasRequest(request, toTag, { localContact: this.contact, state: 'early' });
    const sipLeg: SipLeg = { leg, inbound: tx, dialog, localTag: toTag, callId: dialog.callId, answered: false, sdp: sdpOf(request) };
    device.legs.set(leg, sipLeg);
    this.callControl.dial(leg, digits);
  }

  private onAck(ack: SipRequest): void {
    const dialog = this.dialogs.match(ack);
    if (!dialog) return;
    dialog.confirm();
    const serviceDevice = this.byeOnAck.get(dialog.id);
    if (!serviceDevice) return;
    this.byeOnAck.delete(dialog.id);
    this.dialogs.remove(dialog);
    this.sip.layer.sendRequest(dialog.createRequest('BYE'), serviceDevice.via, { onFinal: () => undefined });
    dialog.terminate();
  }

  private onCancel(invite: ServerTransaction): void {
    for (const device of this.devices.values()) {
      for (const sipLeg of device.legs.values()) {
        if (sipLeg.inbound !== invite) continue;
        invite.respond(createResponse(invite.request, 487, 'Request Terminated', { toTag: sipLeg.localTag }));
        sipLeg.inbound = undefined;
        this.callControl.release(sipLeg.leg, 'callCancelled');
        return;
      }
    }
  }

  /**
   * A re-INVITE from the phone: RFC 3264 §8.4 hold is an offer with `a=sendonly` (or `inactive`),
   * resume is `a=sendrecv`. Call control learns of a hold the phone started by itself. Returns the far
   * party's SDP (when it is a SIP phone), which CUCM answers with so the media keeps its real address.
   */
  private reInvite(dialog: SipDialog, request: SipRequest): string | undefined {
    const sipLeg = this.byDialog.get(dialog.id);
    if (!sipLeg) return undefined;
    const call = this.callControl.callOf(sipLeg.leg);
    const direction = /^a=(sendonly|inactive|recvonly|sendrecv)\s*$/m.exec(request.body)?.[1] ?? 'sendrecv';
    const holding = direction === 'sendonly' || direction === 'inactive';
    if (holding && sipLeg.leg.state === 'connected') {
      sipLeg.phoneDriven = true;
      this.callControl.hold(sipLeg.leg);
    } else if (!holding && sipLeg.leg.state === 'held') {
      sipLeg.phoneDriven = true;
      this.callControl.retrieve(sipLeg.leg);
    }
    return call && this.farSdp(call, sipLeg.leg);
  }

  // ------------------------------------------------------------------ call control → the phone

  /** Hold or resume asked for by CTI: the remotecc soft key, after which the phone re-INVITEs (modelled). */
  signalHold(device: SipDevice, leg: CallLeg, kind: 'held' | 'retrieved'): void {
    const sipLeg = device.legs.get(leg);
    if (!sipLeg) return;
    if (sipLeg.phoneDriven) {
      sipLeg.phoneDriven = false;
      return;
    }
    this.refer(device, [['Refer-To', 'cid:remotecc@cucm'], ['Content-Type', REMOTECC_REQUEST_TYPE]], remoteccBody(kind === 'held' ? 'Hold' : 'Resume', sipLeg));
  }

  /** Originating leg (the phone called out): answer its INVITE as the call progresses. */
  signalOriginating(device: SipDevice, leg: CallLeg, call: Call, s: LegSignal): void {
    const sipLeg = device.legs.get(leg);
    if (!sipLeg) return;
    const tx = sipLeg.inbound;
    const request = tx?.request;
    const respond = (status: number, reason?: string, sdp = false): void => {
      if (!tx || !request) return;
      const response = createResponse(request, status, reason, { toTag: sipLeg.localTag, headers: [['Contact', this.contact]] });
      // The called SIP phone's answer is the caller's answer (CUCM without a media resource passes SDP through).
      tx.respond(sdp ? this.withSdp(response, this.farSdp(call, leg)) : response);
    };
    switch (s.kind) {
      case 'ringOut':
        respond(180, 'Ringing');
        return;
      case 'connected':
        if (sipLeg.answered) return;
        sipLeg.answered = true;
        respond(200, 'OK', true);
        sipLeg.inbound = undefined;
        if (sipLeg.dialog) {
          this.dialogs.add(sipLeg.dialog);
          this.byDialog.set(sipLeg.dialog.id, sipLeg);
        }
        return;
      case 'busy':
      case 'invalidNumber':
        // A SIP phone has no "off hook hearing busy" state: the INVITE is refused and the call ends,
        // once call control has finished the step that refused it.
        respond(s.kind === 'busy' ? 486 : 404, s.kind === 'busy' ? 'Busy Here' : 'Not Found');
        sipLeg.inbound = undefined;
        device.legs.delete(leg);
        this.env.clock.setTimer(0, () => this.callControl.release(leg, s.kind === 'busy' ? 'busy' : 'normalClearing', { silent: true }));
        return;
      case 'released':
        if (sipLeg.inbound) respond(487, 'Request Terminated');
        else if (sipLeg.dialog && sipLeg.answered) this.bye(device, sipLeg);
        this.forget(sipLeg);
        device.legs.delete(leg);
        return;
      default:
        return;
    }
  }

  /** Terminating leg (a call to the phone): INVITE it, and end or cancel as call control says. */
  signalTerminating(device: SipDevice, leg: CallLeg, call: Call, s: LegSignal): void {
    switch (s.kind) {
      case 'ringIn':
        this.inviteDevice(device, leg, call);
        return;
      case 'remoteInUse':
      case 'released': {
        const sipLeg = device.legs.get(leg);
        if (!sipLeg) return;
        // Another appearance of a shared line answered: the phone's INVITE is cancelled with RFC 3326's
        // "Call completed elsewhere" (docs/protocols/cucm-features.md §2; the SIP load's in-use-remote
        // indication is not modelled, so the SIP phone shows the line idle).
        if (s.kind === 'remoteInUse') sipLeg.cancelReason = 'SIP;cause=200;text="Call completed elsewhere"';
        if (!sipLeg.answered && sipLeg.outbound) {
          // §9.1: CANCEL the pending INVITE, but not before a provisional response has come.
          if (sipLeg.provisional) this.cancel(device, sipLeg);
          else sipLeg.cancelOnProvisional = true;
        } else if (sipLeg.dialog) this.bye(device, sipLeg);
        this.forget(sipLeg);
        device.legs.delete(leg);
        return;
      }
      default:
        return;
    }
  }

  private inviteDevice(device: SipDevice, leg: CallLeg, call: Call): void {
    const localTag = randomToken(this.env.random, 10);
    const callId = `${randomToken(this.env.random, 16)}@${this.address}`;
    const headers = new SipHeaders([
      ['Max-Forwards', '70'],
      ['From', `"${call.callingName || call.callingParty}" <sip:${call.callingParty}@${this.address}>;tag=${localTag}`],
      ['To', `<sip:${leg.dn}@${this.address}>`],
      ['Call-ID', callId],
      ['CSeq', '101 INVITE'],
      ['Contact', this.contact],
      ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY'],
      ['Content-Type', 'application/sdp'],
    ]);
    // The calling SIP phone's offer becomes this leg's offer (no media resource between two SIP phones).
    const request: SipRequest = { kind: 'request', method: 'INVITE', uri: device.contact, headers, body: this.farSdp(call, leg) ?? this.sdp() };
    const sipLeg: SipLeg = { leg, localTag, callId, answered: false };
    device.legs.set(leg, sipLeg);
    sipLeg.outbound = this.sip.layer.sendRequest(request, device.via, {
      onProvisional: (r) => {
        const tag = toTagOf(r);
        if (tag) sipLeg.remoteTag = tag;
        sipLeg.provisional = true;
        if (sipLeg.cancelOnProvisional) {
          sipLeg.cancelOnProvisional = false;
          this.cancel(device, sipLeg);
        }
      },
      onFinal: (r) => this.inviteAnswered(device, sipLeg, r),
      onTimeout: () => this.callControl.release(leg, 'unreachable', { silent: true }),
    });
  }

  private inviteAnswered(device: SipDevice, sipLeg: SipLeg, response: SipResponse): void {
    const outbound = sipLeg.outbound;
    if (!outbound) return;
    if (response.status >= 300) {
      if (!device.legs.has(sipLeg.leg)) return; // we cancelled it
      device.legs.delete(sipLeg.leg);
      this.callControl.release(sipLeg.leg, response.status === 486 ? 'busy' : 'normalClearing', { silent: true });
      return;
    }
    const dialog = SipDialog.fromUacResponse(outbound.request, response, { localContact: this.contact });
    sipLeg.dialog = dialog;
    sipLeg.sdp = sdpOf(response);
    sipLeg.remoteTag = dialog.remoteTag;
    this.sip.layer.sendAck(dialog.createRequest('ACK'), device.via);
    if (!device.legs.has(sipLeg.leg)) {
      // Answered after call control gave up on it (a CANCEL crossed the 200): end it at once.
      this.bye(device, sipLeg);
      return;
    }
    this.dialogs.add(dialog);
    this.byDialog.set(dialog.id, sipLeg);
    sipLeg.answered = true;
    this.callControl.answer(sipLeg.leg);
  }

  /**
   * Out-of-band DTMF toward a SIP phone: one INFO per digit in the call's dialog, body
   * `application/dtmf-relay` (`Signal=`, `Duration=` in ms; lab's modelling choice, cucm-features.md §13).
   */
  sendDigits(device: SipDevice, leg: CallLeg, digits: string): void {
    const dialog = device.legs.get(leg)?.dialog;
    if (!dialog) return;
    for (const digit of digits) {
      const info = dialog.createRequest('INFO', { contentType: 'application/dtmf-relay', body: `Signal=${digit}\r\nDuration=160\r\n` });
      this.sip.layer.sendRequest(info, device.via, { onFinal: () => undefined });
    }
  }

  private cancel(device: SipDevice, sipLeg: SipLeg): void {
    if (!sipLeg.outbound) return;
    const cancel = createCancel(sipLeg.outbound.request);
    if (sipLeg.cancelReason) cancel.headers.append('Reason', sipLeg.cancelReason);
    this.sip.layer.sendRequest(cancel, device.via, { onFinal: () => undefined });
  }

  private bye(device: SipDevice, sipLeg: SipLeg): void {
    const dialog = sipLeg.dialog;
    if (!dialog) return;
    this.sip.layer.sendRequest(dialog.createRequest('BYE'), device.via, { onFinal: () => undefined });
    this.forget(sipLeg);
  }

  /** The leg's dialog is over: nothing more is sent in it (a BYE after the phone's own BYE would be answered 481). */
  private forget(sipLeg: SipLeg): void {
    if (!sipLeg.dialog) return;
    this.dialogs.remove(sipLeg.dialog);
    this.byDialog.delete(sipLeg.dialog.id);
    sipLeg.dialog.terminate();
    delete sipLeg.dialog;
  }

  // ------------------------------------------------------------------ the SIP loads' feature keys

  /**
   * CFwdAll (docs/protocols/sip-phone-features.md §2): an INVITE to the SIP Profile's Call Forward URI with the
   * target appended sets the line's Call Forward All, the bare URI clears it. CUCM answers, ends the call once
   * the ACK comes, and tells the phone the line's forward in a remotecc `cfwdallupdate`. A target that is no
   * directory number is refused 404 and changes nothing (modelling choice).
   */
  private forwardAllService(device: SipDevice, line: number, request: SipRequest, tx: ServerTransaction, toTag: string, target: string): void {
    if (target !== '' && !this.config.hasDirectoryNumber(target)) {
      this.log.info('CFwdAll to an unknown number refused', { device: device.deviceName, target });
      tx.respond(createResponse(request, 404, 'Not Found', { toTag }));
      return;
    }
    this.config.lines.setForwardAll(device.deviceName, line, target === '' ? undefined : target);
    this.log.info(target === '' ? 'Call Forward All cleared from the phone' : 'Call Forward All set from the phone', { device: device.deviceName, line, target });
    const dialog = SipDialog.fromUasRequest(request, toTag, { localContact: this.contact });
    this.dialogs.add(dialog);
    this.byeOnAck.set(dialog.id, device);
    tx.respond(this.withSdp(createResponse(request, 200, 'OK', { toTag, headers: [['Contact', this.contact]] })));
    this.cfwdAllUpdate(device, line);
    this.onForwardingChanged?.(device.deviceName, line);
  }

  /** The line's Call Forward All, as CUCM tells a SIP phone (remotecc `cfwdallupdate`). */
  private cfwdAllUpdate(device: SipDevice, line: number): void {
    const record = this.config.phone(device.deviceName)?.lines[line - 1];
    if (!record) return;
    this.refer(device, [['Refer-To', 'cid:remotecc@cucm'], ['Content-Type', REMOTECC_REQUEST_TYPE]], cfwdAllUpdateBody(line, record.forwardAll ?? ''));
  }

  /**
   * DND from the phone (§1): a PUBLISH (RFC 3903) of a PIDF whose person activity is `dnd` (on) or `available`
   * (off). CUCM sets the device's Do Not Disturb and confirms it with a remotecc `dndupdate` carrying the DND
   * option, which is what the phone then shows.
   */
  private onPublish(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    const toTag = randomToken(this.env.random, 10);
    const device = this.deviceOf(source);
    if (!device) {
      tx.respond(createResponse(request, 403, 'Forbidden', { toTag }));
      return;
    }
    // RFC 3903 §6 step 2: an event package the ESC does not support is answered 489 Bad Event.
    if ((request.headers.get('Event') ?? '').split(';')[0]?.trim().toLowerCase() !== 'presence') {
      tx.respond(createResponse(request, 489, 'Bad Event', { toTag, headers: [['Allow-Events', 'presence']] }));
      return;
    }
    // RFC 3903 §4.6: Expires 0 with no body removes the publication; the phone's DND state stays as CUCM holds it.
    if (request.headers.get('Expires')?.trim() === '0' && request.body === '') {
      tx.respond(createResponse(request, 200, 'OK', { toTag, headers: [['Expires', '0']] }));
      return;
    }
    const parsed = parseXml(request.body);
    const activities = parsed.ok ? child(child(parsed.value, 'person'), 'activities') : undefined;
    const dnd = child(activities, 'dnd') ? true : child(activities, 'available') ? false : undefined;
    if (dnd === undefined) {
      // RFC 3903 §6 step 4: a body the ESC cannot process is answered 400 (here: no DND state in it).
      tx.respond(createResponse(request, 400, 'Bad Request', { toTag }));
      return;
    }
    this.config.phones.setDnd(device.deviceName, { active: dnd });
    this.log.info('Do Not Disturb', { device: device.deviceName, active: dnd, option: this.config.phone(device.deviceName)?.dndOption });
    const expires = request.headers.get('Expires') ?? '3600';
    tx.respond(createResponse(request, 200, 'OK', { toTag, headers: [['SIP-ETag', randomToken(this.env.random, 12)], ['Expires', expires]] }));
    this.dndUpdate(device);
  }

  /** The device's Do Not Disturb and DND option, as CUCM tells a SIP phone (remotecc `dndupdate`). */
  private dndUpdate(device: SipDevice): void {
    const phone = this.config.phone(device.deviceName);
    if (!phone) return;
    this.refer(device, [['Refer-To', 'cid:remotecc@cucm'], ['Content-Type', REMOTECC_REQUEST_TYPE]], dndUpdateBody(phone.dnd, phone.dndOption));
  }

  /**
   * A REFER from a phone: in a call's dialog with Refer-To carrying RFC 3891 Replaces, the Transfer key's
   * completion (docs/protocols/sip-phone-features.md §3); out of dialog with a remotecc `Conference` soft-key
   * event, the Confrn key's (§4). CUCM
   * answers 202 with `Refer-Sub: false` (RFC 4488: no NOTIFY follows) before it acts.
   */
  private onRefer(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    const dialog = this.dialogs.match(request);
    // In a dialog the To header already carries CUCM's tag.
    const toTag = dialog ? undefined : randomToken(this.env.random, 10);
    const refuse = (status: number, reason: string): void => {
      tx.respond(createResponse(request, status, reason, { toTag }));
    };
    const accept = (): void => {
      tx.respond(createResponse(request, 202, 'Accepted', { toTag, headers: [['Refer-Sub', 'false'], ['Contact', this.contact]] }));
    };
    if (dialog) {
      const held = this.byDialog.get(dialog.id);
      const replaces = /[?&]Replaces=([^>&]*)/i.exec(request.headers.get('Refer-To') ?? '')?.[1];
      const m = replaces ? /^([^;]+);(.*)$/.exec(decodeURIComponent(replaces)) : null;
      const params = new Map((m?.[2] ?? '').split(';').map((p) => p.split('=') as [string, string]));
      const active = m ? this.legByDialog(m[1] ?? '', params.get('to-tag') ?? '', params.get('from-tag') ?? '') : undefined;
      if (!held) return refuse(481, 'Call/Transaction Does Not Exist');
      // A blind (Replaces-less) REFER from a phone is not modelled: 501, never a verdict on the request.
      if (!m) {
        this.log.warn('blind transfer REFER from a phone: not modelled', { callId: dialog.callId });
        return refuse(501, 'Not Implemented');
      }
      if (!active) return refuse(481, 'Call/Transaction Does Not Exist');
      const pair = heldAndConnected(held, active);
      if (!pair) return refuse(603, 'Decline');
      accept();
      if (!this.callControl.joinTransfer(...pair)) this.log.warn('transfer REFER: the two calls are not on one line', { callId: dialog.callId });
      return;
    }
    const device = this.deviceOf(source);
    if (!device) return refuse(403, 'Forbidden');
    if ((request.headers.get('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() !== REMOTECC_REQUEST_TYPE) return refuse(400, 'Bad Request');
    const parsed = parseXml(request.body);
    const event = parsed.ok ? child(parsed.value, 'softkeyeventmsg') : undefined;
    if (!event) return refuse(400, 'Bad Request');
    const key = childText(event, 'softkeyevent');
    const legOf = (name: string): SipLeg | undefined =>
      this.legByDialog(childText(event, name, 'callid') ?? '', childText(event, name, 'remotetag') ?? '', childText(event, name, 'localtag') ?? '');
    const held = legOf('dialogid');
    const consult = legOf('consultdialogid');
    if (key !== 'Conference' || !held || !consult) {
      this.log.info('remotecc request from the phone not acted on', { device: device.deviceName, softkey: key });
      return refuse(key === 'Conference' ? 481 : 501, key === 'Conference' ? 'Call/Transaction Does Not Exist' : 'Not Implemented');
    }
    const pair = heldAndConnected(held, consult);
    if (!pair) return refuse(603, 'Decline');
    accept();
    if (!this.callControl.adHocConference(...pair)) this.log.warn('Conference: the two calls are not on one line', { device: device.deviceName });
  }

  /**
   * Restart a SIP phone (Extension Mobility login and logout, docs/protocols/sip-phone-features.md §6): an
   * out-of-dialog NOTIFY `Event: service-control`, body `action=restart` with the Call-ID of the phone's
   * REGISTER, after which the phone reads its configuration file and registers its lines again.
   */
  restartDevice(deviceName: string): void {
    const device = this.devices.get(deviceName);
    if (!device) return;
    const headers = this.outOfDialogHeaders(device, '101 NOTIFY', [
      ['Event', 'service-control'],
      ['Subscription-State', 'active'],
      ['Content-Type', 'text/plain'],
    ]);
    const body = `action=restart\r\nRegisterCallId={${device.registerCallId}}\r\n`;
    this.log.info('SIP device restart', { device: deviceName });
    this.sip.layer.sendRequest({ kind: 'request', method: 'NOTIFY', uri: device.contact, headers, body }, device.via, {
      onFinal: (r) => {
        if (r.status >= 300) this.log.warn('phone refused restart NOTIFY', { device: deviceName, status: r.status });
      },
    });
  }

  /** The leg of a confirmed dialog, by Call-ID and CUCM's and the phone's tags. */
  private legByDialog(callId: string, cucmTag: string, phoneTag: string): SipLeg | undefined {
    return this.byDialog.get(dialogKey(callId, cucmTag, phoneTag));
  }

  private forgetMakeCall(device: SipDevice): void {
    if (device.pendingMakeCall) this.env.clock.clearTimer(device.pendingMakeCall.timer);
    device.pendingMakeCall = undefined;
  }

  private abandonMakeCall(device: SipDevice, why: string): void {
    const pending = device.pendingMakeCall;
    if (!pending) return;
    device.pendingMakeCall = undefined;
    this.env.clock.clearTimer(pending.timer);
    this.log.warn('MakeCall abandoned', { device: device.deviceName, why });
    this.callControl.release(pending.leg);
  }

  /** The headers of a request CUCM starts outside any dialog toward a registered phone, in this order: a new From tag and Call-ID each time. */
  private outOfDialogHeaders(device: SipDevice, cseq: string, extra: [string, string][]): SipHeaders {
    return new SipHeaders([
      ['Max-Forwards', '70'],
      ['From', `<sip:cucm@${this.address}>;tag=${randomToken(this.env.random, 10)}`],
      ['To', `<${device.contact}>`],
      ['Call-ID', `${randomToken(this.env.random, 16)}@${this.address}`],
      ['CSeq', cseq],
      ['Contact', this.contact],
      ...extra,
    ]);
  }

  /** RFC 3515 REFER, out of dialog, over the phone's registration connection. */
  private refer(device: SipDevice, extra: [string, string][], body = '', onRefused?: (status: number) => void): void {
    const headers = this.outOfDialogHeaders(device, '1 REFER', [
      ['Referred-By', `<sip:cucm@${this.address}>`],
      // RFC 4488: no implicit subscription, so the phone sends no NOTIFY.
      ['Refer-Sub', 'false'],
      ...extra,
    ]);
    const request: SipRequest = { kind: 'request', method: 'REFER', uri: device.contact, headers, body };
    this.sip.layer.sendRequest(request, device.via, {
      onFinal: (r) => {
        if (r.status >= 300) {
          this.log.warn('phone refused REFER', { device: device.deviceName, status: r.status });
          onRefused?.(r.status);
        }
      },
    });
  }

  /**
   * The SDP the other party of the call sent, when it is a SIP phone. Without a media resource (MTP) CUCM
   * passes the endpoints' SDP through: one leg's offer is the other leg's offer and the answer comes back
   * (docs/protocols/cucm-features.md §15). Undefined toward an SCCP phone or the conference bridge.
   */
  private farSdp(call: Call, leg: CallLeg): string | undefined {
    const other = call.origin === leg ? call.terminating : call.origin;
    return other && other.driver instanceof SipDevice ? other.driver.legs.get(other)?.sdp : undefined;
  }

  private sdp(): string {
    // Toward a party that sent no SDP (an SCCP phone, the bridge), CUCM's own SDP names its address and a
    // fixed port: media between SCCP and SIP phones is not modelled.
    const a = this.address;
    return ['v=0', `o=CiscoSystemsCCM-SIP 2000 1 IN IP4 ${a}`, 's=SIP Call', `c=IN IP4 ${a}`, 't=0 0', 'm=audio 24576 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv', ''].join('\r\n');
  }

  private withSdp(response: SipResponse, sdp = this.sdp()): SipResponse {
    response.headers.set('Content-Type', 'application/sdp');
    return { ...response, body: sdp };
  }
}

/**
 * The legs of a transfer's or a conference's two calls, the held one first; undefined unless one is held and the
 * other connected (CUCM then declines the REFER with 603: modelling choice, docs/protocols/sip-phone-features.md §3).
 */
function heldAndConnected(a: SipLeg, b: SipLeg): [CallLeg, CallLeg] | undefined {
  if (a.leg.state === 'held' && b.leg.state === 'connected') return [a.leg, b.leg];
  if (b.leg.state === 'held' && a.leg.state === 'connected') return [b.leg, a.leg];
  return undefined;
}

function sdpOf(message: SipRequest | SipResponse): string | undefined {
  const type = message.headers.get('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/sdp' && message.body !== '' ? message.body : undefined;
}

/**
 * The far party's SDP as the answer to a phone's re-INVITE offer, its direction per RFC 3264 §6.1: "If a
 * stream is offered as sendonly, the corresponding stream MUST be marked as recvonly or inactive in the
 * answer. If a media stream is listed as recvonly in the offer, the answer MUST be marked as sendonly or
 * inactive ... If an offered media stream is listed as inactive, it MUST be marked as inactive in the answer."
 */
function answerTo(offer: string, far: string): string {
  const offered = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(offer)?.[1] ?? 'sendrecv';
  const answered = { sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive', sendrecv: 'sendrecv' }[offered] ?? 'sendrecv';
  const direction = /^a=(sendrecv|sendonly|recvonly|inactive)(\s*)$/gm;
  return direction.test(far) ? far.replace(direction, `a=${answered}$2`) : `${far.replace(/(\r\n)?$/, '')}\r\na=${answered}\r\n`;
}

function toTagOf(response: SipResponse): string | undefined {
  const to = parseNameAddr(response.headers.get('To') ?? '');
  const tag = to.ok ? to.value.params.tag : undefined;
  return typeof tag === 'string' ? tag : undefined;
}

function remoteccBody(softKey: 'Answer' | 'EndCall' | 'Hold' | 'Resume', leg: SipLeg): string {
  return softKeyEventBody(softKey, { callId: leg.callId, localTag: leg.remoteTag ?? '', remoteTag: leg.localTag });
}
