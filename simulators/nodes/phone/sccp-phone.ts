import type { TimerHandle } from '../../kernel/clock';
import {
  CallState,
  CallType,
  Codec,
  DeviceType,
  KeypadButton,
  LampMode,
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
import type { SccpMessage } from '../../protocols/sccp';
import type { Endpoint, TcpConnection } from '../../transport/network';
import { PhoneServicesClient } from './phone-services-client';
import type { NodeEnv } from '../node';
import { NodeBase } from '../node';
import type { EndpointName, LampState, Phone, PhoneCallState, PhoneLineObservation, PhoneObservation } from './phone';
import { appendBounded } from '../../kernel/bounded-list';

export type SccpPhoneModel = '7975' | '7931' | '7970';

export interface SccpPhoneOptions {
  /** SEP + MAC, as configured on CUCM. */
  readonly deviceName: string;
  readonly model: SccpPhoneModel;
  readonly endpoint: EndpointName;
  /** CUCM's SCCP endpoint (port defaults to 2000). */
  readonly cucm: Endpoint;
  readonly lines: readonly { readonly dn: string }[];
}

/** Model facts, docs/protocols/sccp.md §11 (Wireshark `DeviceType[]`; chan-sccp-b line positions). */
const MODELS: Readonly<Record<SccpPhoneModel, { deviceType: number; lineButtons: number }>> = {
  '7975': { deviceType: DeviceType.Cisco7975, lineButtons: 8 },
  '7970': { deviceType: DeviceType.Cisco7970, lineButtons: 8 },
  '7931': { deviceType: DeviceType.Cisco7931, lineButtons: 24 },
};

/** CUCM label tokens (0x80 + Wireshark `DisplayLabels_200` index), as the phone renders them. */
const LABELS: Readonly<Record<number, string>> = {
  0x14: 'Off Hook',
  0x16: 'Ring Out',
  0x17: 'From',
  0x18: 'Connected',
  0x1f: 'In Use Remote',
  0x20: 'Enter Number',
  0x25: 'Forwarded To',
  0x3f: 'Dnd',
};

function renderDisplay(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 0x80 && i + 1 < text.length) {
      out += LABELS[text.charCodeAt(i + 1)] ?? '';
      i++;
    } else out += text[i];
  }
  return out.trim();
}

const CALL_STATES: Readonly<Record<number, PhoneCallState>> = {
  [CallState.OffHook]: 'offHook',
  [CallState.OnHook]: 'idle',
  [CallState.RingOut]: 'ringOut',
  [CallState.RingIn]: 'ringIn',
  [CallState.Connected]: 'connected',
  [CallState.Busy]: 'busy',
  [CallState.Congestion]: 'busy',
  [CallState.Hold]: 'hold',
  [CallState.CallWaiting]: 'ringIn',
  [CallState.Proceed]: 'dialing',
  [CallState.CallRemoteMultiline]: 'remoteInUse',
  // Reorder after an unknown number: the call plane stays off hook with the prompt (modelled).
  [CallState.InvalidNumber]: 'offHook',
};

const LAMPS: Readonly<Record<number, LampState>> = {
  [LampMode.Off]: 'off',
  [LampMode.On]: 'on',
  [LampMode.Wink]: 'wink',
  [LampMode.Flash]: 'flash',
  [LampMode.Blink]: 'blink',
};

interface LineState {
  line: number;
  dn: string;
  callState: PhoneCallState;
  ringer: 'on' | 'off';
  lamp: LampState;
  display: string;
  callReference: number;
  forwardAll: string;
  /** DTMF heard from the far end in the current call (CUCM's Dtmf* tones while connected). */
  digits: string;
  /** The state of each call on the line by call reference, oldest first. */
  calls: Map<number, PhoneCallState>;
}

/** How long a restart takes before the phone registers again (lab's modelling choice). */
const RESTART_MS = 250;

/** Wireshark `DeviceTone` Dtmf* values → the digit. */
const DTMF_DIGITS: Readonly<Record<number, string>> = {
  [Tone.Dtmf1]: '1', [Tone.Dtmf2]: '2', [Tone.Dtmf3]: '3', [Tone.Dtmf4]: '4', [Tone.Dtmf5]: '5', [Tone.Dtmf6]: '6',
  [Tone.Dtmf7]: '7', [Tone.Dtmf8]: '8', [Tone.Dtmf9]: '9', [Tone.Dtmf0]: '0', [Tone.DtmfStar]: '*', [Tone.DtmfPound]: '#',
};

/**
 * A Cisco 7975/7970/7931 on SCCP: registers with CUCM over TCP 2000 (docs/protocols/sccp.md §12), keeps
 * alive at the RegisterAck interval, and shows what CUCM tells it (CallState, SetRinger, SetLamp,
 * SetSpeakerMode, prompts, CallInfo). A dumb terminal, as SCCP phones are: every action is a
 * stimulus to CUCM.
 */
export class SccpPhone extends NodeBase implements Phone {
  readonly hostName: string;
  readonly deviceName: string;
  readonly endpoint: EndpointName;
  readonly model: SccpPhoneModel;
  private connection: TcpConnection | undefined;
  private readonly framer = new SccpFramer();
  private registered = false;
  private speaker: 'on' | 'off' = 'off';
  private dnd = false;
  /** The hook switch: the handset lifted by offHook() until hangUp() puts it back, whatever CUCM has shown yet. */
  private handset: 'on' | 'off' = 'on';
  private readonly lines: LineState[];
  private keepAlive: TimerHandle | undefined;
  private keepAliveMs = 30_000;
  private stopped = false;
  /** The Services button and Extension Mobility over HTTP (docs/protocols/phone-services.md §3). */
  private readonly services: PhoneServicesClient;
  private nextRtpPort = 16384;
  /** What CUCM sent, in order (for tests and evidence). */
  readonly received: SccpMessage[] = [];

  private constructor(private readonly env: NodeEnv, private readonly options: SccpPhoneOptions) {
    super();
    this.hostName = env.network.hostName;
    this.deviceName = options.deviceName;
    this.endpoint = options.endpoint;
    this.model = options.model;
    this.services = new PhoneServicesClient(env, options.cucm.address, options.deviceName, options.model);
    this.lines = options.lines.slice(0, MODELS[options.model].lineButtons).map((l, i) => ({
      line: i + 1,
      dn: l.dn,
      callState: 'idle',
      ringer: 'off',
      lamp: 'off',
      display: '',
      callReference: 0,
      forwardAll: '',
      digits: '',
      calls: new Map(),
    }));
  }

  static async start(env: NodeEnv, options: SccpPhoneOptions): Promise<SccpPhone> {
    const phone = new SccpPhone(env, options);
    await phone.connect();
    return phone;
  }

  observe(): PhoneObservation {
    return {
      deviceName: this.deviceName,
      model: this.model,
      protocol: 'sccp',
      registered: this.registered,
      speaker: this.speaker,
      dnd: this.dnd,
      screen: this.services.screen,
      lines: this.lines.map((l): PhoneLineObservation => ({ line: l.line, dn: l.dn, callState: l.callState, ringer: l.ringer, lamp: l.lamp, display: l.display, forwardAll: l.forwardAll, digits: l.digits })),
    };
  }

  async offHook(line = 1): Promise<void> {
    const l = this.line(line);
    this.handset = 'off';
    this.send({ name: 'OffHook', lineInstance: line, callReference: l.callState === 'ringIn' ? l.callReference : 0 });
  }

  async onHook(line = 1): Promise<void> {
    this.handset = 'on';
    this.send({ name: 'OnHook', lineInstance: line, callReference: this.line(line).callReference });
  }

  async dial(digits: string, line = 1): Promise<void> {
    const l = this.line(line);
    if (l.callState === 'idle') await this.offHook(line);
    this.pressDigits(digits, line, l.callReference);
  }

  /** One KeypadButton per digit (Wireshark `KeyPadButton[]`: 0-9, 0xA-0xD = A-D, 0xE = '*', 0xF = '#', 0x10 = '+'). */
  private pressDigits(digits: string, line: number, callReference: number): void {
    for (const ch of digits) {
      const button = (KeypadButton as Readonly<Record<string, number>>)[ch.toUpperCase()];
      if (button === undefined) throw new RangeError(`cannot dial "${ch}" on a keypad`);
      this.send({ name: 'KeypadButton', button, lineInstance: line, callReference });
    }
  }

  /** CFwdAll soft key, then the destination's digits (or CFwdAll alone to cancel). */
  async forwardAll(destination: string | undefined, line = 1): Promise<void> {
    const l = this.line(line);
    if (destination === undefined) {
      if (l.forwardAll !== '') this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.CFwdAll, lineInstance: line, callReference: 0 });
      return;
    }
    this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.CFwdAll, lineInstance: line, callReference: 0 });
    this.pressDigits(destination, line, 0);
  }

  async answer(line = 1): Promise<void> {
    const l = this.line(line);
    if (l.callState !== 'ringIn') return;
    // The Answer soft key answers on the speakerphone (phone-local behaviour, modelled).
    this.speaker = 'on';
    this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.Answer, lineInstance: line, callReference: l.callReference });
  }

  /** The Transfer soft key on line 1: first press holds the call and opens a consultation call; the second joins them. */
  async transferKey(line = 1): Promise<void> {
    this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.Transfer, lineInstance: line, callReference: this.line(line).callReference });
  }

  /** The MeetMe soft key on line 1 (off hook first when idle): CUCM expects a Meet-Me number next. */
  /** The Confrn soft key on line 1: first press holds the call and opens a new one; the second conferences them. */
  async conferenceKey(line = 1): Promise<void> {
    this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.Confrn, lineInstance: line, callReference: this.line(line).callReference });
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

  async meetMeKey(line = 1): Promise<void> {
    this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.MeetMe, lineInstance: line, callReference: this.line(line).callReference });
  }

  async dndKey(): Promise<void> {
    this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.Dnd, lineInstance: 0, callReference: 0 });
  }

  async hangUp(line = 1): Promise<void> {
    const l = this.line(line);
    // A lifted handset goes back on hook even while CUCM has not yet shown the call (hanging up while dialling).
    if (this.handset === 'off') return this.onHook(line);
    if (l.callState === 'idle') return;
    if (this.speaker === 'on') this.send({ name: 'SoftKeyEvent', softKeyEvent: SoftKeyEvent.EndCall, lineInstance: line, callReference: l.callReference });
    else this.send({ name: 'OnHook', lineInstance: line, callReference: l.callReference });
  }

  leaks(): string[] {
    return this.lines.filter((l) => l.callState !== 'idle').map((l) => `${this.deviceName} line ${l.line} still ${l.callState}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.env.clock.clearTimer(this.keepAlive);
    if (this.connection && !this.connection.closed) {
      if (this.registered) this.send({ name: 'Unregister' });
      this.connection.end();
    }
    this.registered = false;
  }

  // ------------------------------------------------------------------ wire

  private async connect(): Promise<void> {
    const cucm = { address: this.options.cucm.address, port: this.options.cucm.port || SCCP_TCP_PORT };
    const connection = await this.env.network.connectTcp(cucm);
    this.connection = connection;
    connection.onData((data) => this.receive(data));
    connection.onClose(() => {
      this.registered = false;
      this.env.clock.clearTimer(this.keepAlive);
      if (!this.stopped) this.env.log.warn('connection to CUCM lost', { cucm: `${cucm.address}:${cucm.port}` });
    });
    this.send({
      name: 'Register',
      deviceName: this.deviceName,
      stationIp: this.env.network.address,
      deviceType: MODELS[this.model].deviceType,
      maxStreams: 5,
    });
  }

  private send(message: SccpMessage): void {
    if (this.connection && !this.connection.closed) this.connection.write(encodeSccp(message));
  }

  private receive(data: Uint8Array): void {
    for (const result of this.framer.push(data)) {
      if (!result.ok) {
        this.env.log.warn('malformed SCCP frame from CUCM dropped', { error: result.error.message });
        continue;
      }
      appendBounded(this.received, result.value);
      this.handle(result.value);
    }
  }

  private handle(m: SccpMessage): void {
    switch (m.name) {
      case 'RegisterAck':
        this.registered = true;
        this.keepAliveMs = Math.max(1, m.keepAliveInterval) * 1000;
        // docs/protocols/sccp.md §12: the phone's requests after RegisterAck.
        this.send({ name: 'ButtonTemplateReq' });
        this.send({ name: 'SoftKeyTemplateReq' });
        this.send({ name: 'SoftKeySetReq' });
        for (const l of this.lines) this.send({ name: 'LineStatReq', lineNumber: l.line });
        this.send({ name: 'TimeDateReq' });
        this.send({ name: 'RegisterAvailableLines', maxNumOfAvailLines: this.lines.length });
        this.scheduleKeepAlive();
        return;
      case 'CapabilitiesReq':
        this.send({
          name: 'CapabilitiesRes',
          caps: [
            { payloadCapability: Codec.G711Ulaw64k, maxFramesPerPacket: 40 },
            { payloadCapability: Codec.G711Alaw64k, maxFramesPerPacket: 40 },
            { payloadCapability: Codec.G729AnnexA, maxFramesPerPacket: 60 },
          ],
        });
        return;
      case 'RegisterReject':
        this.env.log.warn('registration rejected', { device: this.deviceName, text: m.text });
        this.registered = false;
        this.connection?.end();
        return;
      case 'Reset':
        // A restart (Extension Mobility login/logout, or Reset on the device page): the phone drops its
        // registration and registers again, and CUCM's LineStat answers name the lines it now has
        // (docs/protocols/sccp.md §14). How long a restart takes is the lab's modelling choice.
        this.env.log.info('reset by CUCM', { device: this.deviceName, resetType: m.resetType });
        this.registered = false;
        this.connection?.end();
        for (const l of this.lines) {
          l.calls.clear();
          l.callState = 'idle';
          l.callReference = 0;
          l.display = '';
          l.ringer = 'off';
        }
        this.env.clock.setTimer(RESTART_MS, () => {
          if (this.stopped) return;
          this.connect().catch((error: unknown) => this.env.log.warn('re-registration after reset failed', { error: String(error) }));
        });
        return;
      case 'LineStat': {
        const l = this.lines[m.lineNumber - 1];
        if (l && m.lineDirNumber) l.dn = m.lineDirNumber;
        return;
      }
      case 'ForwardStat': {
        // Wireshark ForwardStatMessage: forwardAllActive / forwardAllDirnum of lineNumber.
        const l = this.lines.find((x) => x.line === m.lineNumber);
        if (l) l.forwardAll = m.forwardAllActive ? m.forwardAllDirnum : '';
        return;
      }
      case 'CallState': {
        const l = this.lines[m.lineInstance - 1];
        if (!l) return;
        if (l.callState === 'idle' && m.callState !== CallState.OnHook) l.digits = '';
        if (m.callState === CallState.OnHook) {
          // A line can carry several calls (a held one behind another): the line shows the newest one left.
          l.calls.delete(m.callReference);
          const rest = [...l.calls];
          const shown = rest[rest.length - 1];
          if (shown && l.callReference === m.callReference) [l.callReference, l.callState] = shown;
          if (shown) return;
          l.callState = 'idle';
          l.callReference = 0;
          l.display = '';
          l.ringer = 'off';
          return;
        }
        l.callState = CALL_STATES[m.callState] ?? l.callState;
        l.callReference = m.callReference;
        l.calls.delete(m.callReference);
        l.calls.set(m.callReference, l.callState);
        return;
      }
      case 'StartTone': {
        const l = this.lines[m.lineInstance - 1];
        const digit = DTMF_DIGITS[m.tone];
        if (l && digit !== undefined && l.callState === 'connected') l.digits += digit;
        return;
      }
      case 'SelectSoftKeys': {
        const l = this.lines[m.lineInstance - 1];
        if (l && m.softKeySetIndex === SoftKeySet.DigitsAfterFirstDigit && l.callState === 'offHook') l.callState = 'dialing';
        return;
      }
      case 'SetRinger': {
        const value = m.ringMode === RingMode.RingOff ? 'off' : 'on';
        for (const l of this.linesFor(m.lineInstance)) l.ringer = value;
        return;
      }
      case 'SetLamp': {
        const l = this.lines[m.stimulusInstance - 1];
        if (m.stimulus === Stimulus.Line && l) l.lamp = LAMPS[m.lampMode] ?? l.lamp;
        return;
      }
      case 'FeatureStatRes':
        if (m.featureId === Stimulus.DoNotDisturb) this.dnd = m.featureStatus === 1;
        return;
      case 'SetSpeakerMode':
        this.speaker = m.speakerMode === SpeakerMode.On ? 'on' : 'off';
        return;
      case 'DisplayPromptStatus':
        for (const l of this.linesFor(m.lineInstance)) l.display = renderDisplay(m.text);
        return;
      case 'ClearPromptStatus':
        for (const l of this.linesFor(m.lineInstance)) l.display = '';
        return;
      case 'DialedNumber': {
        const l = this.lines[m.lineInstance - 1];
        if (l) {
          l.display = m.dialedNumber;
          if (l.callState === 'offHook') l.callState = 'dialing';
        }
        return;
      }
      case 'CallInfo': {
        const l = this.lines[m.lineInstance - 1];
        if (!l) return;
        l.display =
          m.callType === CallType.InBoundCall ? `From ${m.callingPartyName && m.callingPartyName !== m.callingParty ? `${m.callingPartyName} ` : ''}${m.callingParty}` : `To ${m.calledParty}`;
        return;
      }
      case 'OpenReceiveChannel': {
        const port = this.nextRtpPort;
        this.nextRtpPort = this.nextRtpPort >= 32766 ? 16384 : this.nextRtpPort + 2;
        this.send({ name: 'OpenReceiveChannelAck', status: 0, ipAddr: this.env.network.address, port, passThruPartyId: m.passThruPartyId, callReference: m.callReference });
        return;
      }
      default:
        // KeepAliveAck, ButtonTemplate, SoftKey*, DefineTimeDate, tones, media, ActivateCallPlane: nothing to show.
        return;
    }
  }

  private linesFor(lineInstance: number): LineState[] {
    if (lineInstance === 0) return this.lines;
    const l = this.lines[lineInstance - 1];
    return l ? [l] : [];
  }

  private line(line: number): LineState {
    const l = this.lines[line - 1];
    if (!l) throw new RangeError(`${this.deviceName} has no line ${line}`);
    return l;
  }

  private scheduleKeepAlive(): void {
    this.env.clock.clearTimer(this.keepAlive);
    this.keepAlive = this.env.clock.setTimer(this.keepAliveMs, () => {
      if (this.stopped || !this.connection || this.connection.closed) return;
      this.send({ name: 'KeepAlive' });
      this.scheduleKeepAlive();
    });
  }
}
