import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import {
  ButtonDefinition,
  CallState,
  CallType,
  LampMode,
  RingDuration,
  RingMode,
  SCCP_TCP_PORT,
  SccpFramer,
  SoftKeyEvent,
  SoftKeySet,
  SpeakerMode,
  Stimulus,
  Tone,
  encodeSccp,
} from '../../protocols/sccp';
import type { SccpMessage, SccpMessageOf, SoftKeyDefinition, SoftKeySetDefinition } from '../../protocols/sccp';
import type { HostNetwork, TcpConnection, TcpServer } from '../../transport/network';
import { formatEndpoint } from '../../transport/network';
import { CONNECTIONS_PER_PEER, listenLimited } from '../../transport/stream-limits';
import type { Call, CallControl, CallLeg, LegDriver, LegSignal } from './call-control';
import type { CucmConfigStore, PhoneRecord } from './cucm-config';
import { MODEL_FACTS } from './cucm-config';

/** CUCM display-label tokens: byte 0x80 + index into Wireshark `DisplayLabels_200` (docs/protocols/sccp.md §9). */
export const DisplayLabel = {
  OffHook: '\x80\x14',
  RingOut: '\x80\x16',
  From: '\x80\x17',
  Connected: '\x80\x18',
  InUseRemote: '\x80\x1f',
  EnterNumber: '\x80\x20',
} as const;

/**
 * Soft key template (modelled on CUCM's "Standard User" template; labels as FreeSWITCH mod_skinny
 * sends them). Template index = position + 1.
 */
const SOFT_KEYS: readonly SoftKeyDefinition[] = (Object.keys(SoftKeyEvent) as (keyof typeof SoftKeyEvent)[]).map((label) => ({
  label: label === 'Transfer' ? 'Trnsfer' : label,
  event: SoftKeyEvent[label],
}));
const idx = (event: number): number => SOFT_KEYS.findIndex((k) => k.event === event) + 1;
const set = (...events: number[]): SoftKeySetDefinition => ({ templateIndexes: events.map(idx), infoIndexes: [] });
/** Soft key sets in FreeSWITCH `skinny_key_set` order; their keys are the lab's choice (docs/protocols/sccp.md §7). */
const SOFT_KEY_SETS: readonly SoftKeySetDefinition[] = [
  set(SoftKeyEvent.Redial, SoftKeyEvent.NewCall, SoftKeyEvent.CFwdAll, SoftKeyEvent.Dnd, SoftKeyEvent.MeetMe), // OnHook
  set(SoftKeyEvent.Hold, SoftKeyEvent.EndCall, SoftKeyEvent.Transfer, SoftKeyEvent.Confrn), // Connected
  set(SoftKeyEvent.Resume, SoftKeyEvent.NewCall), // OnHold
  set(SoftKeyEvent.Answer, SoftKeyEvent.Dnd, SoftKeyEvent.IDivert), // RingIn
  set(SoftKeyEvent.Redial, SoftKeyEvent.EndCall, SoftKeyEvent.CFwdAll, SoftKeyEvent.MeetMe), // OffHook
  set(SoftKeyEvent.Hold, SoftKeyEvent.EndCall, SoftKeyEvent.Transfer), // ConnectedWithTransfer
  set(SoftKeyEvent.BackSpace, SoftKeyEvent.EndCall), // DigitsAfterFirstDigit
  set(SoftKeyEvent.Hold, SoftKeyEvent.EndCall, SoftKeyEvent.Confrn), // ConnectedWithConference
  set(SoftKeyEvent.EndCall), // RingOut
  set(SoftKeyEvent.Redial, SoftKeyEvent.EndCall), // OffHookWithFeatures
  set(SoftKeyEvent.NewCall), // InUseHint
];
const ALL_KEYS = 0xffffffff;
/** DTMF digits → Wireshark `DeviceTone` values. */
const DTMF_TONES: Readonly<Record<string, number>> = {
  '1': Tone.Dtmf1, '2': Tone.Dtmf2, '3': Tone.Dtmf3, '4': Tone.Dtmf4, '5': Tone.Dtmf5,
  '6': Tone.Dtmf6, '7': Tone.Dtmf7, '8': Tone.Dtmf8, '9': Tone.Dtmf9, '0': Tone.Dtmf0, '*': Tone.DtmfStar, '#': Tone.DtmfPound,
};
const KEYPAD_DIGITS = '0123456789ABCD*#+';

export interface StationObservation {
  readonly deviceName: string;
  readonly model: string;
  readonly protocol: 'sccp';
  readonly address: string;
}

/**
 * One phone's SCCP session (TCP 2000): registration (docs/protocols/sccp.md §12), keepalives, and the
 * signalling of the phone's call legs. Implements `LegDriver` for call control.
 */
class StationSession implements LegDriver {
  readonly protocol = 'sccp' as const;
  private readonly framer = new SccpFramer();
  phone: PhoneRecord | undefined;
  private lastHeard: number;
  /** Digits being collected after the CFwdAll soft key (Call Forward All set on the phone). */
  private forwardEntry: { line: number; digits: string } | undefined;
  /** The call the Transfer or Confrn soft key put on hold, for the key's second press. */
  private readonly heldFor: { transfer?: CallLeg | undefined; conference?: CallLeg | undefined } = {};
  private watchdog: TimerHandle | undefined;

  constructor(
    private readonly server: StationServer,
    readonly connection: TcpConnection,
  ) {
    this.lastHeard = server.clock.now();
    connection.onData((data) => this.receive(data));
    connection.onClose(() => this.closed());
  }

  get registered(): boolean {
    return this.phone !== undefined && this.server.sessionOf(this.phone.name) === this;
  }

  private outgoing: Uint8Array[] = [];

  /**
   * Queues a message; everything queued during one handler goes out in one TCP write, as CUCM's
   * station messages for one event share a segment (modelled), so a peer sees them together.
   */
  send(message: SccpMessage): void {
    if (this.outgoing.length === 0) queueMicrotask(() => this.flush());
    this.outgoing.push(encodeSccp(message));
  }

  private flush(): void {
    const chunks = this.outgoing;
    this.outgoing = [];
    if (chunks.length === 0 || this.connection.closed) return;
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
    this.connection.write(data);
  }

  close(): void {
    this.server.clock.clearTimer(this.watchdog);
    this.flush();
    this.connection.end();
  }

  private receive(data: Uint8Array): void {
    this.lastHeard = this.server.clock.now();
    for (const result of this.framer.push(data)) {
      if (!result.ok) {
        // Malformed peer input is data: log and drop (and give up on a stream that lost sync).
        this.server.log.warn('malformed SCCP frame dropped', { from: formatEndpoint(this.connection.remote), error: result.error.message });
        if (this.framer.unusable) this.close();
        continue;
      }
      this.handle(result.value);
    }
  }

  private handle(m: SccpMessage): void {
    const log = this.server.log;
    if (m.name === 'Register') return this.register(m);
    if (m.name === 'KeepAlive') {
      this.send({ name: 'KeepAliveAck' });
      return;
    }
    const phone = this.phone;
    if (!phone || !this.registered) {
      log.warn('SCCP message before registration dropped', { message: m.name, from: formatEndpoint(this.connection.remote) });
      return;
    }
    const cc = this.server.callControl;
    switch (m.name) {
      case 'CapabilitiesRes':
      case 'RegisterAvailableLines':
        return;
      case 'ButtonTemplateReq': {
        const total = MODEL_FACTS[phone.model].lineButtons;
        const buttons = [];
        for (let i = 0; i < total; i++) {
          buttons.push(i < phone.lines.length ? { instanceNumber: i + 1, buttonDefinition: ButtonDefinition.Line } : { instanceNumber: 0, buttonDefinition: ButtonDefinition.None });
        }
        this.send({ name: 'ButtonTemplate', buttonOffset: 0, totalButtonCount: total, buttons });
        return;
      }
      case 'LineStatReq': {
        const line = phone.lines[m.lineNumber - 1];
        this.send({
          name: 'LineStat',
          lineNumber: m.lineNumber,
          lineDirNumber: line?.dn ?? '',
          lineFullyQualifiedDisplayName: line?.display ?? '',
          lineTextLabel: line?.display ?? '',
        });
        return;
      }
      case 'SpeedDialStatReq':
        this.send({ name: 'SpeedDialStat', speedDialNumber: m.speedDialNumber, speedDialDirNumber: '', speedDialDisplayName: '' });
        return;
      case 'ConfigStatReq':
        this.send({
          name: 'ConfigStat',
          deviceName: phone.name,
          userName: '',
          serverName: this.server.hostName,
          numberOfLines: phone.lines.length,
          numberOfSpeedDials: 0,
        });
        return;
      case 'SoftKeyTemplateReq':
        this.send({ name: 'SoftKeyTemplateRes', softKeyOffset: 0, totalSoftKeyCount: SOFT_KEYS.length, keys: [...SOFT_KEYS] });
        return;
      case 'SoftKeySetReq':
        this.send({ name: 'SoftKeySetRes', softKeySetOffset: 0, totalSoftKeySetCount: SOFT_KEY_SETS.length, sets: [...SOFT_KEY_SETS] });
        return;
      case 'TimeDateReq': {
        const d = this.server.clock.date();
        // DefineTimeDate fields per Wireshark handle_DefineTimeDateMessage; the lab's CUCM runs on UTC.
        this.send({
          name: 'DefineTimeDate',
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          dayOfWeek: d.getUTCDay(),
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
          second: d.getUTCSeconds(),
          milliseconds: d.getUTCMilliseconds(),
          systemTime: Math.floor(d.getTime() / 1000),
        });
        return;
      }
      case 'Unregister':
        this.send({ name: 'UnregisterAck', status: 0 });
        this.server.unregister(this);
        return;
      case 'OffHook':
        return this.offHook(m.lineInstance ?? 0);
      case 'OnHook':
        return this.onHook(m.lineInstance ?? 0, m.callReference ?? 0);
      case 'KeypadButton': {
        if (this.forwardEntry) return this.forwardDigit(KEYPAD_DIGITS[m.button]);
        const leg = this.collectingLeg(m.lineInstance ?? 0);
        const digit = KEYPAD_DIGITS[m.button];
        // A key pressed in a connected call is DTMF for the far end (docs/protocols/cucm-features.md §13).
        const inCall = leg ? undefined : this.legs().find((l) => l.state === 'connected' && (m.lineInstance === undefined || m.lineInstance === 0 || l.line === m.lineInstance));
        if (inCall && digit !== undefined) {
          cc.sendDigits(inCall, digit);
          return;
        }
        if (!leg || digit === undefined) {
          log.info('keypad button outside a dialling call ignored', { device: phone.name, button: m.button });
          return;
        }
        cc.digit(leg, digit);
        return;
      }
      case 'SoftKeyEvent':
        return this.softKey(m);
      case 'Stimulus':
        if (m.stimulus === Stimulus.Line && this.legs().length === 0) this.offHook(m.stimulusInstance);
        return;
      case 'OpenReceiveChannelAck': {
        const leg = this.legs().find((l) => l.callReference === m.callReference) ?? this.legs().find((l) => l.state === 'connected');
        if (leg) this.server.callControlMedia(leg, { address: m.ipAddr, port: m.port });
        return;
      }
      default:
        log.warn('unexpected SCCP message dropped', { device: phone.name, message: m.name });
    }
  }

  private register(m: SccpMessageOf<'Register'>): void {
    const server = this.server;
    const phone = server.config.phone(m.deviceName);
    // CUCM answers a device it does not know (or knows as another protocol/model) with RegisterReject.
    let reject: string | undefined;
    if (!phone || phone.protocol !== 'sccp') reject = `Unknown Device`;
    else if (MODEL_FACTS[phone.model].sccpDeviceType !== m.deviceType) reject = `Device type mismatch`;
    if (reject || !phone) {
      server.log.warn('SCCP registration rejected', { device: m.deviceName, deviceType: m.deviceType, reason: reject });
      this.send({ name: 'RegisterReject', text: reject ?? 'Unknown Device' });
      return;
    }
    this.phone = phone;
    server.registered(this);
    // docs/protocols/sccp.md §12: Register -> RegisterAck (+CapabilitiesReq).
    this.send({
      name: 'RegisterAck',
      keepAliveInterval: server.config.keepAliveIntervalS,
      dateTemplate: 'M/D/Y',
      secondaryKeepAliveInterval: server.config.keepAliveIntervalS * 2,
    });
    this.send({ name: 'CapabilitiesReq' });
    this.armWatchdog();
  }

  /**
   * Station keepalive supervision (modelled): a phone not heard from for twice the keepalive interval
   * plus 10% grace (SCCPB allows +10%) is unregistered and its connection closed.
   */
  private armWatchdog(): void {
    const limitMs = this.server.config.keepAliveIntervalS * 1000 * 2.2;
    this.watchdog = this.server.clock.setTimer(this.server.config.keepAliveIntervalS * 1000, () => {
      if (this.connection.closed) return;
      if (this.server.clock.now() - this.lastHeard > limitMs) {
        this.server.log.warn('SCCP keepalive timeout', { device: this.phone?.name });
        this.server.unregister(this);
        this.close();
        return;
      }
      this.armWatchdog();
    });
  }

  private closed(): void {
    this.server.clock.clearTimer(this.watchdog);
    this.server.dropped(this);
  }

  // ------------------------------------------------------------------ user actions

  legs(): CallLeg[] {
    const phone = this.phone;
    if (!phone) return [];
    return phone.lines.flatMap((_, i) => this.server.callControl.legsOn(phone.name, i + 1));
  }

  private collectingLeg(lineInstance: number): CallLeg | undefined {
    return this.legs().find((l) => l.role === 'originating' && (l.state === 'offHook' || l.state === 'dialing') && (lineInstance === 0 || l.line === lineInstance));
  }

  offHook(lineInstance: number): void {
    const phone = this.phone;
    if (!phone) return;
    const ringing = this.legs().find((l) => l.state === 'ringIn' && (lineInstance === 0 || l.line === lineInstance));
    if (ringing) {
      this.server.callControl.answer(ringing);
      return;
    }
    if (this.legs().some((l) => l.state !== 'held')) return; // already off hook
    this.server.callControl.offHook(phone.name, lineInstance || 1, 'user');
  }

  private onHook(lineInstance: number, callReference: number): void {
    const legs = this.legs();
    const leg =
      legs.find((l) => l.callReference === callReference && callReference !== 0) ??
      legs.find((l) => l.state !== 'held' && l.state !== 'ringIn' && (lineInstance === 0 || l.line === lineInstance));
    if (leg) this.server.callControl.release(leg, 'normalClearing');
  }

  /**
   * CFwdAll soft key while idle (CUCM 7 feature guide, Call Forward All): with forwarding active it
   * cancels it; otherwise CUCM prompts for the destination and collects digits until they name a
   * directory number, then sets Forward All on the line (modelled: no '#' or timeout needed).
   */
  private forwardAllKey(lineInstance: number): void {
    const phone = this.phone;
    const line = lineInstance || 1;
    const record = phone?.lines[line - 1];
    if (!phone || !record || this.legs().length > 0) return;
    if (record.forwardAll !== undefined) {
      this.server.setForwardAll(phone.name, line, undefined);
      return;
    }
    this.forwardEntry = { line, digits: '' };
    this.send({ name: 'DisplayPromptStatus', timeout: 0, text: 'Forward all', lineInstance: line, callReference: 0 });
    this.send({ name: 'StartTone', tone: Tone.InsideDialTone, lineInstance: line, callReference: 0 });
  }

  private forwardDigit(digit: string | undefined): void {
    const entry = this.forwardEntry;
    const phone = this.phone;
    if (!entry || !phone || digit === undefined) return;
    entry.digits += digit;
    if (entry.digits.length === 1) this.send({ name: 'StopTone', lineInstance: entry.line, callReference: 0 });
    if (!this.server.config.hasDirectoryNumber(entry.digits)) return;
    this.forwardEntry = undefined;
    this.send({ name: 'ClearPromptStatus', lineInstance: entry.line, callReference: 0 });
    this.server.setForwardAll(phone.name, entry.line, entry.digits);
  }

  /**
   * The DND soft key toggles the device's Do Not Disturb (docs/protocols/cucm-features.md §4); CUCM tells the
   * phone with FeatureStatRes for the DND feature and a notify line (sccp.md §14; the wording is modelled).
   */
  private dndKey(): void {
    const phone = this.phone;
    if (!phone) return;
    phone.dnd = !phone.dnd;
    this.server.log.info('Do Not Disturb', { device: phone.name, active: phone.dnd, option: phone.dndOption });
    this.send({ name: 'FeatureStatRes', featureIndex: 1, featureId: Stimulus.DoNotDisturb, featureTextLabel: 'Do Not Disturb', featureStatus: phone.dnd ? 1 : 0 });
    this.send({ name: 'DisplayNotify', timeout: 10, text: phone.dnd ? 'Do Not Disturb is active' : 'Do Not Disturb is off' });
  }

  private softKey(m: SccpMessageOf<'SoftKeyEvent'>): void {
    const cc = this.server.callControl;
    const legs = this.legs();
    const byRef = legs.find((l) => l.callReference === m.callReference && m.callReference !== 0);
    switch (m.softKeyEvent) {
      case SoftKeyEvent.CFwdAll:
        return this.forwardAllKey(m.lineInstance);
      case SoftKeyEvent.Answer: {
        const leg = byRef ?? legs.find((l) => l.state === 'ringIn');
        if (leg) cc.answer(leg);
        return;
      }
      case SoftKeyEvent.EndCall: {
        const leg = byRef ?? legs.find((l) => l.state !== 'held' && l.state !== 'ringIn');
        if (leg) cc.release(leg, 'normalClearing');
        return;
      }
      case SoftKeyEvent.NewCall:
        return this.offHook(m.lineInstance);
      case SoftKeyEvent.Dnd:
        return this.dndKey();
      case SoftKeyEvent.Hold: {
        const leg = byRef ?? legs.find((l) => l.state === 'connected');
        if (leg) cc.hold(leg);
        return;
      }
      case SoftKeyEvent.MeetMe: {
        const phone = this.phone;
        if (phone) this.server.callControl.meetMeKey(phone.name, m.lineInstance || 1);
        return;
      }
      case SoftKeyEvent.Transfer:
        return this.secondCallKey('transfer', m.lineInstance, byRef);
      case SoftKeyEvent.Confrn:
        return this.secondCallKey('conference', m.lineInstance, byRef);
      case SoftKeyEvent.Resume: {
        const leg = byRef ?? legs.find((l) => l.state === 'held');
        if (leg) cc.retrieve(leg);
        return;
      }
      default:
        this.server.log.info('soft key not modelled', { device: this.phone?.name, softKeyEvent: m.softKeyEvent });
    }
  }

  /**
   * The Transfer (docs/protocols/cucm-features.md §14) and Confrn (§10) soft keys: in a connected call the key
   * holds it and opens a new call on the same line (dial tone); pressed again, once that call is connected, it
   * joins the two (transfer: the phone leaves) or takes the three parties to a conference bridge.
   */
  private secondCallKey(kind: 'transfer' | 'conference', lineInstance: number, byRef: CallLeg | undefined): void {
    const cc = this.server.callControl;
    const phone = this.phone;
    if (!phone) return;
    const from = this.heldFor[kind];
    if (from && cc.callOf(from) && from.state === 'held') {
      const second = this.legs().find((l) => l !== from && l.state === 'connected' && l.line === from.line);
      const done = second && (kind === 'transfer' ? cc.joinTransfer(from, second) : cc.adHocConference(from, second));
      if (done) this.heldFor[kind] = undefined;
      return;
    }
    const leg = byRef ?? this.legs().find((l) => l.state === 'connected' && (lineInstance === 0 || l.line === lineInstance));
    if (!leg || !cc.hold(leg)) return;
    this.heldFor[kind] = leg;
    cc.offHook(phone.name, leg.line, 'user');
  }

  // ------------------------------------------------------------------ LegDriver: what CUCM sends

  signal(leg: CallLeg, call: Call, s: LegSignal): void {
    const line = leg.line;
    const ref = leg.callReference;
    const callState = (state: number): void => this.send({ name: 'CallState', callState: state, lineInstance: line, callReference: ref });
    const keys = (set: number): void => this.send({ name: 'SelectSoftKeys', lineInstance: line, callReference: ref, softKeySetIndex: set, validKeyMask: ALL_KEYS });
    const prompt = (text: string): void => this.send({ name: 'DisplayPromptStatus', timeout: 0, text, lineInstance: line, callReference: ref });
    const tone = (t: number): void => this.send({ name: 'StartTone', tone: t, lineInstance: line, callReference: ref });
    const stopTone = (): void => this.send({ name: 'StopTone', lineInstance: line, callReference: ref });
    const lamp = (mode: number): void => this.send({ name: 'SetLamp', stimulus: Stimulus.Line, stimulusInstance: line, lampMode: mode });
    const callInfo = (): void => {
      const inbound = leg.role === 'terminating';
      this.send({
        name: 'CallInfo',
        callingPartyName: call.callingName,
        callingParty: call.callingParty,
        calledPartyName: call.calledName,
        calledParty: call.calledParty,
        lineInstance: line,
        callReference: ref,
        callType: inbound ? CallType.InBoundCall : CallType.OutBoundCall,
      });
    };
    const dialedNumber = (): void => {
      if (this.dialedSent.has(ref)) return;
      this.dialedSent.add(ref);
      this.send({ name: 'DialedNumber', dialedNumber: call.digits, lineInstance: line, callReference: ref });
    };
    const openReceive = (): void =>
      this.send({ name: 'OpenReceiveChannel', conferenceId: call.id, passThruPartyId: ref, msPerPacket: 20, payloadCapability: 4, callReference: ref });
    switch (s.kind) {
      case 'offHook':
        // docs/protocols/sccp.md §13, outgoing: CallState(1) + ActivateCallPlane + SelectSoftKeys(4) + DisplayPrompt
        // + StartTone(0x21).
        // Third-party (CTI) off-hook first puts the phone on its speaker (modelled on CUCM's JTAPI makeCall flow).
        if (s.by === 'cti') this.send({ name: 'SetSpeakerMode', speakerMode: SpeakerMode.On });
        callState(CallState.OffHook);
        this.send({ name: 'ActivateCallPlane', lineInstance: line });
        keys(SoftKeySet.OffHook);
        lamp(LampMode.On);
        if (s.by === 'user') {
          prompt(DisplayLabel.EnterNumber);
          tone(Tone.InsideDialTone);
        }
        return;
      case 'digitCollected':
        if (s.first) {
          stopTone();
          keys(SoftKeySet.DigitsAfterFirstDigit);
        }
        return;
      case 'dialing':
        dialedNumber();
        return;
      case 'proceeding':
        // KeypadButton*n -> StopTone; DialedNumber; CallState(12 Proceed); CallInfo.
        dialedNumber();
        callState(CallState.Proceed);
        callInfo();
        return;
      case 'ringOut':
        callState(CallState.RingOut);
        tone(Tone.AlertingTone);
        keys(SoftKeySet.RingOut);
        prompt(DisplayLabel.RingOut);
        return;
      case 'ringIn':
        // Incoming: CallState(4 RingIn) + CallInfo + SetRinger(2) + SetLamp(Line, blink) + SelectSoftKeys(3).
        callState(CallState.RingIn);
        callInfo();
        this.send({ name: 'SetRinger', ringMode: s.ringer === 'off' ? RingMode.RingOff : RingMode.InsideRing, ringDuration: RingDuration.NormalRing, lineInstance: line, callReference: ref });
        lamp(LampMode.Blink);
        keys(SoftKeySet.RingIn);
        return;
      case 'connected':
        stopTone();
        if (leg.role === 'terminating') {
          this.send({ name: 'SetRinger', ringMode: RingMode.RingOff, ringDuration: RingDuration.NormalRing, lineInstance: line, callReference: ref });
          lamp(LampMode.On);
        }
        openReceive();
        callState(CallState.Connected);
        keys(SoftKeySet.Connected);
        prompt(DisplayLabel.Connected);
        return;
      case 'digits':
        // Out-of-band DTMF toward an SCCP phone: CUCM plays each digit's tone to it (StartTone with the
        // Wireshark DeviceTone Dtmf* value, then StopTone; lab's modelling choice, cucm-features.md §13).
        for (const d of s.digits) {
          const t = DTMF_TONES[d];
          if (t === undefined) continue;
          tone(t);
          stopTone();
        }
        return;
      case 'remoteInUse':
        // Another appearance of the shared line answered: ringer off, lamp on, CallState 13, the in-use
        // soft keys and "In Use Remote" (the order FreeSWITCH mod_skinny uses; docs/protocols/sccp.md §13).
        this.send({ name: 'SetRinger', ringMode: RingMode.RingOff, ringDuration: RingDuration.NormalRing, lineInstance: line, callReference: ref });
        lamp(LampMode.On);
        callState(CallState.CallRemoteMultiline);
        keys(SoftKeySet.InUseHint);
        prompt(DisplayLabel.InUseRemote);
        return;
      case 'busy':
        callState(CallState.Busy);
        tone(Tone.LineBusyTone);
        prompt('Busy');
        return;
      case 'invalidNumber':
        // Unknown number: reorder tone and CallState 14 InvalidNumber (docs/protocols/sccp.md §5, §13).
        callState(CallState.InvalidNumber);
        tone(Tone.ReorderTone);
        prompt('Unknown Number');
        return;
      case 'held':
        this.stopMedia(call, ref);
        callState(CallState.Hold);
        keys(SoftKeySet.OnHold);
        lamp(LampMode.Wink);
        return;
      case 'retrieved':
        openReceive();
        callState(CallState.Connected);
        keys(SoftKeySet.Connected);
        lamp(LampMode.On);
        return;
      case 'released': {
        // Hang-up: Close/Stop media, CallState(2), SetSpeakerMode(2), ActivateCallPlane(0), SelectSoftKeys(0).
        this.dialedSent.delete(ref);
        if (leg.state === 'ringIn') this.send({ name: 'SetRinger', ringMode: RingMode.RingOff, ringDuration: RingDuration.NormalRing, lineInstance: line, callReference: ref });
        if (leg.state === 'ringOut' || leg.state === 'offHook' || leg.state === 'busy' || leg.state === 'proceeding' || leg.state === 'dialing') stopTone();
        if (leg.state === 'connected') this.stopMedia(call, ref);
        this.send({ name: 'ClearPromptStatus', lineInstance: line, callReference: ref });
        callState(CallState.OnHook);
        const others = this.legs().filter((l) => l !== leg);
        if (!others.some((l) => l.line === line)) lamp(LampMode.Off);
        if (others.length === 0) {
          this.send({ name: 'SetSpeakerMode', speakerMode: SpeakerMode.Off });
          this.send({ name: 'ActivateCallPlane', lineInstance: 0 });
          this.send({ name: 'SelectSoftKeys', lineInstance: 0, callReference: 0, softKeySetIndex: SoftKeySet.OnHook, validKeyMask: ALL_KEYS });
        }
        return;
      }
    }
  }

  private readonly dialedSent = new Set<number>();

  private stopMedia(call: Call, ref: number): void {
    this.send({ name: 'CloseReceiveChannel', conferenceId: call.id, passThruPartyId: ref, callReference: ref });
    this.send({ name: 'StopMediaTransmission', conferenceId: call.id, passThruPartyId: ref, callReference: ref });
  }

  /** The far end's media address is known: tell the phone where to send RTP. */
  startMedia(leg: CallLeg, call: Call, remote: { address: string; port: number }): void {
    this.send({
      name: 'StartMediaTransmission',
      conferenceId: call.id,
      passThruPartyId: leg.callReference,
      remoteIp: remote.address,
      remotePort: remote.port,
      msPerPacket: 20,
      payloadCapability: 4,
      callReference: leg.callReference,
    });
  }

  /** CTI AnswerCall on this phone: SetSpeakerMode(on), then the answer as if the user pressed it. */
  thirdPartyAnswer(leg: CallLeg): boolean {
    if (leg.state !== 'ringIn') return false;
    this.send({ name: 'SetSpeakerMode', speakerMode: SpeakerMode.On });
    return this.server.callControl.answer(leg);
  }
}

/**
 * CUCM's SCCP station server on TCP 2000: one `StationSession` per phone connection; the registry
 * of registered SCCP devices.
 */
export class StationServer {
  private listener: TcpServer | undefined;
  private readonly sessions = new Set<StationSession>();
  private readonly byDevice = new Map<string, StationSession>();

  constructor(
    readonly hostName: string,
    readonly config: CucmConfigStore,
    readonly callControl: CallControl,
    readonly clock: Clock,
    readonly log: Logger,
  ) {}

  async listen(network: HostNetwork, port = SCCP_TCP_PORT): Promise<void> {
    // CUCM drops a station it has not heard from (KeepAlive included) for 2 × the keep-alive interval + 10 %
    // (docs/protocols/sccp.md §12, stream-limits.md); a connection that never registers goes the same way.
    const limits = { idleMs: 2.2 * this.config.keepAliveIntervalS * 1000, perPeer: CONNECTIONS_PER_PEER };
    this.listener = await listenLimited(network, this.clock, this.log, port, limits, (connection) => {
      this.sessions.add(new StationSession(this, connection));
    });
  }

  sessionOf(deviceName: string): StationSession | undefined {
    return this.byDevice.get(deviceName);
  }

  registered(session: StationSession): void {
    const name = session.phone?.name;
    if (!name) return;
    const previous = this.byDevice.get(name);
    if (previous && previous !== session) {
      this.log.info('device re-registered from a new connection', { device: name });
      this.callControl.detach(name, previous);
      previous.close();
    }
    this.byDevice.set(name, session);
    this.callControl.attach(name, session);
    this.log.info('SCCP device registered', { device: name, from: formatEndpoint(session.connection.remote) });
  }

  unregister(session: StationSession): void {
    const name = session.phone?.name;
    if (!name || this.byDevice.get(name) !== session) return;
    this.byDevice.delete(name);
    this.callControl.detach(name, session);
    this.log.info('SCCP device unregistered', { device: name });
  }

  dropped(session: StationSession): void {
    this.unregister(session);
    this.sessions.delete(session);
  }

  /** Device > Phone > Delete or Reset: the phone's registration ends. */
  resetDevice(deviceName: string): void {
    const session = this.byDevice.get(deviceName);
    if (!session) return;
    session.send({ name: 'Reset', resetType: 2 });
    this.unregister(session);
    session.close();
  }

  callControlMedia(leg: CallLeg, media: { address: string; port: number }): void {
    leg.media = media;
    const call = this.callControl.callOf(leg);
    if (!call) return;
    const other = call.origin === leg ? call.terminating : call.origin;
    if (!other) return;
    const otherSession = this.byDevice.get(other.deviceName);
    if (otherSession) otherSession.startMedia(other, call, media);
    const mine = this.byDevice.get(leg.deviceName);
    if (other.media && mine) mine.startMedia(leg, call, other.media);
  }

  /** CTI MakeCall on an SCCP phone: speaker off-hook, then the digits en bloc. */
  thirdPartyMakeCall(deviceName: string, line: number, destination: string): CallLeg | undefined {
    if (!this.byDevice.has(deviceName)) return undefined;
    const leg = this.callControl.offHook(deviceName, line, 'cti');
    if (leg) this.callControl.dial(leg, destination);
    return leg;
  }

  thirdPartyAnswer(leg: CallLeg): boolean {
    return this.byDevice.get(leg.deviceName)?.thirdPartyAnswer(leg) ?? false;
  }

  /** Observers of Forward All set or cleared on the phone itself (CTIManager tells its monitors). */
  onForwardingChanged: ((deviceName: string, line: number) => void) | undefined;

  /** Forward All set or cleared from the phone's soft key. */
  setForwardAll(deviceName: string, line: number, destination: string | undefined): void {
    this.config.lines.setForwardAll(deviceName, line, destination);
    this.forwardStat(deviceName, line);
    this.onForwardingChanged?.(deviceName, line);
  }

  /** Call Forward All changed on a line: ForwardStat (0x90) to the phone (docs/protocols/sccp.md §14). */
  forwardStat(deviceName: string, line: number): void {
    const session = this.byDevice.get(deviceName);
    const record = this.config.phone(deviceName)?.lines[line - 1];
    if (!session || !record) return;
    const active = record.forwardAll !== undefined ? 1 : 0;
    session.send({ name: 'ForwardStat', activeForward: active, lineNumber: line, forwardAllActive: active, forwardAllDirnum: record.forwardAll ?? '' });
  }

  observe(): StationObservation[] {
    return [...this.byDevice.values()].map((s) => ({
      deviceName: s.phone?.name ?? '',
      model: s.phone?.model ?? '',
      protocol: 'sccp' as const,
      address: s.connection.remote.address,
    }));
  }

  close(): void {
    this.listener?.close();
    for (const s of [...this.sessions]) s.close();
    this.sessions.clear();
    this.byDevice.clear();
  }
}
