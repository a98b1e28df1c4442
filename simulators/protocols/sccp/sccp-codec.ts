/**
 * SCCP ("Skinny") binary codec: whole frames in, whole frames out.
 *
 * Frame (Wireshark packet-skinny.c `get_skinny_pdu_len`, `dissect_skinny_pdu`):
 *   u32 LE data_length  -- counts messageId + data, i.e. 4 + data.length; bytes on the wire = data_length + 8
 *   u32 LE hdr_version  -- this lab always writes 0x00 "Basic" (`BASIC_MSG_TYPE`)
 *   u32 LE messageId    -- `message_id[]`
 *   data                -- laid out as the `handle_<Name>Message` function reads it for hdr_version 0
 * All integers little-endian; IPv4 addresses 4 bytes in network order where the dissector reads them
 * with ENC_BIG_ENDIAN (`dissect_skinny_ipv4or6` with hdr_version < V18 reads 4 bytes big-endian, and
 * `handle_RegisterMessage` reads stationIpAddr ENC_BIG_ENDIAN). Fixed-size char fields are NUL-padded
 * (the dissector reads them ENC_ASCII with a fixed length).
 *
 * Layouts were read from packet-skinny.c (wireshark/wireshark) and checked against tshark 4.0.17
 * (Debian 12): every message this codec encodes dissects without `_ws.malformed`.
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { SccpMessageId, sccpMessageName, type SccpMessageName } from './sccp-constants';
import type {
  ButtonTemplateMessage,
  CapabilitiesResMessage,
  SccpKnownMessage,
  SccpMessage,
  SoftKeySetResMessage,
  SoftKeyTemplateResMessage,
} from './sccp-messages';

const PROTOCOL = 'sccp';
/** Wireshark `BASIC_MSG_TYPE`: the only header version this lab writes. */
export const SCCP_HEADER_VERSION_BASIC = 0x00;
/** Bytes before the data: data_length, hdr_version, messageId. */
export const SCCP_HEADER_SIZE = 12;
/**
 * Largest data_length the framer accepts. Modelling choice: the biggest Basic message we know
 * (DeviceToUserData, 2020-byte struct) is just over this; CUCM-era control messages are far smaller,
 * so a larger value means the stream lost sync.
 */
export const SCCP_MAX_DATA_LENGTH = 2000;

// ------------------------------------------------------------------ byte helpers

class Truncated {
  constructor(
    readonly offset: number,
    readonly field: string,
    readonly needed: number,
  ) {}
}

class Reader {
  private pos = 0;
  constructor(
    private readonly view: DataView,
    private readonly base: number,
  ) {}
  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.view.byteLength - this.pos;
  }
  private need(n: number, field: string): void {
    if (this.pos + n > this.view.byteLength) throw new Truncated(this.base + this.pos, field, n);
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u8(field: string): number {
    this.need(1, field);
    const v = this.view.getUint8(this.pos);
    this.pos += 1;
    return v;
  }
  ipv4(field: string): string {
    this.need(4, field);
    const parts = [0, 1, 2, 3].map((i) => this.view.getUint8(this.pos + i));
    this.pos += 4;
    return parts.join('.');
  }
  /** Fixed-size char field: Latin-1, up to the first NUL. */
  chars(size: number, field: string): string {
    this.need(size, field);
    let s = '';
    for (let i = 0; i < size; i++) {
      const c = this.view.getUint8(this.pos + i);
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    this.pos += size;
    return s;
  }
  skip(n: number, field: string): void {
    this.need(n, field);
    this.pos += n;
  }
}

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v & 0xffff, true);
    this.pos += 2;
  }
  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.pos, v & 0xff);
    this.pos += 1;
  }
  ipv4(v: string, field: string): void {
    const parts = v.split('.');
    const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
    if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) {
      // Our own bad input (a node bug), not peer data.
      throw new CodecError(PROTOCOL, `cannot encode ${field}: "${v}" is not a dotted-quad IPv4 address`);
    }
    this.ensure(4);
    for (const o of octets) this.buf[this.pos++] = o;
  }
  /** Fixed-size char field: Latin-1 (code points > 0xFF become '?'), truncated to `size`, NUL-padded. */
  chars(v: string, size: number): void {
    this.ensure(size);
    const n = Math.min(v.length, size);
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i);
      this.buf[this.pos + i] = c <= 0xff ? c : 0x3f;
    }
    this.buf.fill(0, this.pos + n, this.pos + size);
    this.pos += size;
  }
  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  get length(): number {
    return this.pos;
  }
  setU32At(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

// ------------------------------------------------------------------ declarative layouts

type FieldSpec =
  | { key: string; kind: 'u32' | 'u16' | 'u8'; optional?: true }
  | { key: string; kind: 'ipv4' }
  | { key: string; kind: 'char'; size: number; optional?: true }
  | { kind: 'pad'; size: number; what: string };

interface FlatLayout {
  fields: FieldSpec[];
  /**
   * Index of the first field of a tail the dissector reads only when data_length says it is there
   * (e.g. `if (hdr_data_length > 4)` in handle_OffHookMessage). Tail fields are optional: the encoder
   * omits the tail when none of them is set; the decoder stops when the data ends at the tail.
   */
  tailFrom?: number;
}

const u32 = (key: string): FieldSpec => ({ key, kind: 'u32' });
const u32o = (key: string): FieldSpec => ({ key, kind: 'u32', optional: true });
const ip = (key: string): FieldSpec => ({ key, kind: 'ipv4' });
const chars = (key: string, size: number): FieldSpec => ({ key, kind: 'char', size });
const charso = (key: string, size: number): FieldSpec => ({ key, kind: 'char', size, optional: true });
const pad = (size: number, what: string): FieldSpec => ({ kind: 'pad', size, what });

/** 48 zero bytes: mTxMediaEncryptionKeyInfo / mRxMediaEncryptionKeyInfo (algorithmID u32, keylen u16,
 * saltlen u16, key[16], salt[16], isMKIPresent u32, keyDerivationRate u32) with no SRTP. */
const NO_ENCRYPTION_KEY = pad(48, 'mediaEncryptionKeyInfo');

type ArrayMessageName = 'CapabilitiesRes' | 'ButtonTemplate' | 'SoftKeyTemplateRes' | 'SoftKeySetRes';
type FlatMessageName = Exclude<SccpMessageName, ArrayMessageName>;

const FLAT_LAYOUTS: Record<FlatMessageName, FlatLayout> = {
  // ---- device -> CUCM
  // Wireshark: KeepAlive has no handler (no data).
  KeepAlive: { fields: [] },
  // handle_RegisterMessage: sid{DeviceName[16], reserved_for_future_use, instance}, stationIpAddr (BIG_ENDIAN),
  // deviceType, maxStreams; the activeStreams/protocolVer/... tail is read only when data_length > 52 and is not sent.
  Register: {
    fields: [chars('deviceName', 16), u32o('userId'), u32o('instance'), ip('stationIp'), u32('deviceType'), u32o('maxStreams')],
  },
  // handle_KeypadButtonMessage: kpButton; lineInstance, callReference only if data_length > 8.
  KeypadButton: { fields: [u32('button'), u32o('lineInstance'), u32o('callReference')], tailFrom: 1 },
  // handle_StimulusMessage: stimulus, lineInstance (stimulusInstance), callReference, stimulusStatus.
  Stimulus: { fields: [u32('stimulus'), u32('stimulusInstance'), u32o('callReference'), u32o('stimulusStatus')] },
  // handle_OffHookMessage: lineInstance, callReference only if data_length > 4.
  OffHook: { fields: [u32o('lineInstance'), u32o('callReference')], tailFrom: 0 },
  // handle_OnHookMessage: lineInstance, callReference only if data_length > 4.
  OnHook: { fields: [u32o('lineInstance'), u32o('callReference')], tailFrom: 0 },
  // handle_SpeedDialStatReqMessage: speedDialNumber.
  SpeedDialStatReq: { fields: [u32('speedDialNumber')] },
  // handle_LineStatReqMessage: lineNumber.
  LineStatReq: { fields: [u32('lineNumber')] },
  // No handler (no data): ConfigStatReq, TimeDateReq, ButtonTemplateReq, SoftKeySetReq, SoftKeyTemplateReq.
  ConfigStatReq: { fields: [] },
  TimeDateReq: { fields: [] },
  ButtonTemplateReq: { fields: [] },
  // handle_OpenReceiveChannelAckMessage: openReceiveChannelStatus, ipAddr (ipv4or6: 4 bytes BE for hdr < V18),
  // portNumber, passThruPartyID; callReference only if data_length > 20.
  OpenReceiveChannelAck: {
    fields: [u32('status'), ip('ipAddr'), u32('port'), u32('passThruPartyId'), u32o('callReference')],
    tailFrom: 4,
  },
  SoftKeySetReq: { fields: [] },
  // handle_SoftKeyEventMessage: softKeyEvent, lineInstance, callReference.
  SoftKeyEvent: { fields: [u32('softKeyEvent'), u32('lineInstance'), u32('callReference')] },
  // Unregister: tshark 4.0.17 reads no data (newer handle_UnregisterMessage reads unRegReasonCode). Sent empty;
  // a reason code from a peer is still decoded.
  Unregister: { fields: [u32o('unRegReasonCode')], tailFrom: 0 },
  SoftKeyTemplateReq: { fields: [] },
  // handle_RegisterAvailableLinesMessage: maxNumOfAvailLines.
  RegisterAvailableLines: { fields: [u32('maxNumOfAvailLines')] },

  // ---- CUCM -> device
  // handle_RegisterAckMessage: keepAliveInterval, dateTemplate[6], alignmentPadding(2), secondaryKeepAliveInterval,
  // maxProtocolVer(u8), unknown(u8), PhoneFeatures(u16).
  RegisterAck: {
    fields: [
      u32('keepAliveInterval'),
      chars('dateTemplate', 6),
      pad(2, 'alignmentPadding'),
      u32('secondaryKeepAliveInterval'),
      { key: 'maxProtocolVer', kind: 'u8', optional: true },
      pad(1, 'unknown'),
      { key: 'phoneFeatures', kind: 'u16', optional: true },
    ],
  },
  // handle_StartToneMessage: tone, tone_output_direction, lineInstance, callReference.
  StartTone: { fields: [u32('tone'), u32o('toneDirection'), u32('lineInstance'), u32('callReference')] },
  // handle_StopToneMessage: lineInstance, callReference (tone only when hdr_version >= V11).
  StopTone: { fields: [u32('lineInstance'), u32('callReference')] },
  // handle_SetRingerMessage: ringMode, ringDuration, lineInstance, callReference.
  SetRinger: { fields: [u32('ringMode'), u32('ringDuration'), u32('lineInstance'), u32('callReference')] },
  // handle_SetLampMessage: stimulus, stimulusInstance, lampMode.
  SetLamp: { fields: [u32('stimulus'), u32('stimulusInstance'), u32('lampMode')] },
  // handle_SetSpeakerModeMessage: speakerMode.
  SetSpeakerMode: { fields: [u32('speakerMode')] },
  // handle_StartMediaTransmissionMessage (hdr <= V10): conferenceID, passThruPartyID, remoteIpAddr (4 BE),
  // remotePortNumber, millisecondPacketSize, compressionType, qualifierOut{precedenceValue, ssValue,
  // maxFramesPerPacket(u16), padding(2), g723BitRate}, callReference, mTxMediaEncryptionKeyInfo(48),
  // streamPassThroughID, associatedStreamID, RFC2833PayloadType, dtmfType, mixingMode. The 2-byte padding and the
  // end after mixingMode are what tshark 4.0.17 reads (the newer source on GitHub differs; 4.0 wins here).
  StartMediaTransmission: {
    fields: [
      u32('conferenceId'),
      u32('passThruPartyId'),
      ip('remoteIp'),
      u32('remotePort'),
      u32('msPerPacket'),
      u32('payloadCapability'),
      u32o('precedence'),
      u32o('silenceSuppression'),
      { key: 'maxFramesPerPacket', kind: 'u16', optional: true },
      pad(2, 'padding'),
      u32o('g723BitRate'),
      u32('callReference'),
      NO_ENCRYPTION_KEY,
      pad(4, 'streamPassThroughID'),
      pad(4, 'associatedStreamID'),
      u32o('rfc2833PayloadType'),
      u32o('dtmfType'),
      pad(4, 'mixingMode'),
    ],
  },
  // handle_StopMediaTransmissionMessage: conferenceID, passThruPartyID, callReference, portHandlingFlag.
  StopMediaTransmission: {
    fields: [u32('conferenceId'), u32('passThruPartyId'), u32('callReference'), u32o('portHandlingFlag')],
  },
  // handle_CallInfoMessage: callingPartyName[40], callingParty[24], calledPartyName[40], calledParty[24],
  // lineInstance, callReference, callType, originalCalledPartyName[40], originalCalledParty[24],
  // lastRedirectingPartyName[40], lastRedirectingParty[24], originalCdpnRedirectReason, lastRedirectingReason,
  // cgpnVoiceMailbox[24], cdpnVoiceMailbox[24], originalCdpnVoiceMailbox[24], lastRedirectingVoiceMailbox[24],
  // callInstance, callSecurityStatus, partyPIRestrictionBits.
  CallInfo: {
    fields: [
      chars('callingPartyName', 40),
      chars('callingParty', 24),
      chars('calledPartyName', 40),
      chars('calledParty', 24),
      u32('lineInstance'),
      u32('callReference'),
      u32('callType'),
      charso('originalCalledPartyName', 40),
      charso('originalCalledParty', 24),
      charso('lastRedirectingPartyName', 40),
      charso('lastRedirectingParty', 24),
      u32o('originalCdpnRedirectReason'),
      u32o('lastRedirectingReason'),
      charso('cgpnVoiceMailbox', 24),
      charso('cdpnVoiceMailbox', 24),
      charso('originalCdpnVoiceMailbox', 24),
      charso('lastRedirectingVoiceMailbox', 24),
      u32o('callInstance'),
      u32o('callSecurityStatus'),
      u32o('partyPIRestrictionBits'),
    ],
  },
  // handle_ForwardStatMessage (hdr < V18: dirnums 24 bytes): activeForward, lineNumber, forwardAllActive,
  // forwardAllDirnum[24], forwardBusyActive, forwardBusyDirnum[24], forwardNoAnswerActive, forwardNoAnswerlDirnum[24].
  ForwardStat: {
    fields: [
      u32('activeForward'),
      u32('lineNumber'),
      u32('forwardAllActive'),
      chars('forwardAllDirnum', 24),
      u32o('forwardBusyActive'),
      charso('forwardBusyDirnum', 24),
      u32o('forwardNoAnswerActive'),
      charso('forwardNoAnswerDirnum', 24),
    ],
  },
  // handle_SpeedDialStatMessage: speedDialNumber, speedDialDirNumber[24], speedDialDisplayName[40].
  SpeedDialStat: { fields: [u32('speedDialNumber'), chars('speedDialDirNumber', 24), chars('speedDialDisplayName', 40)] },
  // handle_LineStatMessage: lineNumber, lineDirNumber[24], lineFullyQualifiedDisplayName[40], lineTextLabel[40],
  // lineDisplayOptions.
  LineStat: {
    fields: [
      u32('lineNumber'),
      chars('lineDirNumber', 24),
      chars('lineFullyQualifiedDisplayName', 40),
      chars('lineTextLabel', 40),
      u32o('lineDisplayOptions'),
    ],
  },
  // handle_ConfigStatMessage: sid{DeviceName[16], reserved_for_future_use, instance}, userName[40],
  // serverName[40], numberOfLines, numberOfSpeedDials.
  ConfigStat: {
    fields: [
      chars('deviceName', 16),
      u32o('userId'),
      u32o('instance'),
      chars('userName', 40),
      chars('serverName', 40),
      u32('numberOfLines'),
      u32('numberOfSpeedDials'),
    ],
  },
  // handle_DefineTimeDate: timeDataInfo{wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds},
  // systemTime.
  DefineTimeDate: {
    fields: ['year', 'month', 'dayOfWeek', 'day', 'hour', 'minute', 'second', 'milliseconds', 'systemTime'].map(u32),
  },
  // No handler (no data).
  CapabilitiesReq: { fields: [] },
  // handle_RegisterRejectMessage: text[32].
  RegisterReject: { fields: [chars('text', 32)] },
  // handle_Reset: resetType.
  Reset: { fields: [u32('resetType')] },
  // No handler (no data).
  KeepAliveAck: { fields: [] },
  // handle_OpenReceiveChannelMessage (hdr <= V10): conferenceID, passThruPartyID, millisecondPacketSize,
  // compressionType, qualifierIn{ecValue, g723BitRate}, callReference, mRxMediaEncryptionKeyInfo(48),
  // streamPassThroughID, associatedStreamID, RFC2833PayloadType, dtmfType (mixingMode... only for >= V11).
  OpenReceiveChannel: {
    fields: [
      u32('conferenceId'),
      u32('passThruPartyId'),
      u32('msPerPacket'),
      u32('payloadCapability'),
      u32o('echoCancellation'),
      u32o('g723BitRate'),
      u32('callReference'),
      NO_ENCRYPTION_KEY,
      pad(4, 'streamPassThroughID'),
      pad(4, 'associatedStreamID'),
      u32o('rfc2833PayloadType'),
      u32o('dtmfType'),
    ],
  },
  // handle_CloseReceiveChannelMessage: conferenceID, passThruPartyID, callReference, portHandlingFlag.
  CloseReceiveChannel: {
    fields: [u32('conferenceId'), u32('passThruPartyId'), u32('callReference'), u32o('portHandlingFlag')],
  },
  // handle_SelectSoftKeysMessage: lineInstance, callReference, softKeySetIndex, validKeyMask.
  SelectSoftKeys: { fields: [u32('lineInstance'), u32('callReference'), u32('softKeySetIndex'), u32('validKeyMask')] },
  // handle_CallStateMessage: callState, lineInstance, callReference, privacy, precedence{precedenceLv, precedenceDm}.
  CallState: {
    fields: [
      u32('callState'),
      u32('lineInstance'),
      u32('callReference'),
      u32o('privacy'),
      u32o('precedenceLevel'),
      u32o('precedenceDomain'),
    ],
  },
  // handle_DisplayPromptStatusMessage: timeOutValue, promptStatus[32] (displayLabel), lineInstance, callReference.
  DisplayPromptStatus: { fields: [u32('timeout'), chars('text', 32), u32('lineInstance'), u32('callReference')] },
  // handle_ClearPromptStatusMessage: lineInstance, callReference.
  ClearPromptStatus: { fields: [u32('lineInstance'), u32('callReference')] },
  // handle_DisplayNotifyMessage: timeOutValue, notify[32] (displayLabel).
  DisplayNotify: { fields: [u32('timeout'), chars('text', 32)] },
  // handle_FeatureStatResMessage: featureIndex, featureID (a DeviceStimulus, e.g. 0x82 DoNotDisturb),
  // featureTextLabel[40], featureStatus (1 active, 0 not).
  FeatureStatRes: { fields: [u32('featureIndex'), u32('featureId'), chars('featureTextLabel', 40), u32('featureStatus')] },
  // handle_ActivateCallPlaneMessage: lineInstance.
  ActivateCallPlane: { fields: [u32('lineInstance')] },
  // handle_UnregisterAckMessage: status.
  UnregisterAck: { fields: [u32('status')] },
  // handle_DialedNumberMessage (hdr < V18: 24 bytes): dialedNumber[24], lineInstance, callReference.
  DialedNumber: { fields: [chars('dialedNumber', 24), u32('lineInstance'), u32('callReference')] },
};

// Array sizes fixed by the dissector's loops.
const MAX_CAPS = 18; // handle_CapabilitiesRes: caps [max:18], 16 bytes each
const MAX_BUTTONS = 42; // handle_ButtonTemplateMessage: definition [max:42], 2 bytes each
const MAX_SOFT_KEYS = 32; // handle_SoftKeyTemplateResMessage: definition [max:32], 20 bytes each
const MAX_SOFT_KEY_SETS = 16; // handle_SoftKeySetResMessage: definition [max:16], 16 x u8 + 16 x u16 each
const SOFT_KEY_SET_SLOTS = 16;

type Fields = Record<string, unknown>;

function isTailPresent(layout: FlatLayout, msg: Fields): boolean {
  if (layout.tailFrom === undefined) return true;
  return layout.fields.slice(layout.tailFrom).some((f) => f.kind !== 'pad' && msg[f.key] !== undefined);
}

function numberField(msg: Fields, key: string): number {
  const v = msg[key];
  return typeof v === 'number' ? v : 0;
}

function stringField(msg: Fields, key: string): string {
  const v = msg[key];
  return typeof v === 'string' ? v : '';
}

function encodeFlat(w: Writer, layout: FlatLayout, msg: Fields): void {
  const withTail = isTailPresent(layout, msg);
  layout.fields.forEach((f, i) => {
    if (!withTail && layout.tailFrom !== undefined && i >= layout.tailFrom) return;
    switch (f.kind) {
      case 'u32':
        return w.u32(numberField(msg, f.key));
      case 'u16':
        return w.u16(numberField(msg, f.key));
      case 'u8':
        return w.u8(numberField(msg, f.key));
      case 'ipv4':
        return w.ipv4(stringField(msg, f.key) || '0.0.0.0', f.key);
      case 'char':
        return w.chars(stringField(msg, f.key), f.size);
      case 'pad':
        return w.zeros(f.size);
    }
  });
}

function decodeFlat(r: Reader, layout: FlatLayout, out: Fields): void {
  layout.fields.forEach((f, i) => {
    if (layout.tailFrom !== undefined && i >= layout.tailFrom && r.remaining === 0) return;
    switch (f.kind) {
      case 'u32':
      case 'u16':
      case 'u8': {
        const v = f.kind === 'u32' ? r.u32(f.key) : f.kind === 'u16' ? r.u16(f.key) : r.u8(f.key);
        if (!(f.optional && v === 0)) out[f.key] = v;
        return;
      }
      case 'ipv4':
        out[f.key] = r.ipv4(f.key);
        return;
      case 'char': {
        const v = r.chars(f.size, f.key);
        if (!(f.optional && v === '')) out[f.key] = v;
        return;
      }
      case 'pad':
        r.skip(f.size, f.what);
        return;
    }
  });
}

// ------------------------------------------------------------------ array-bearing messages

// handle_CapabilitiesRes: capCount, caps[18] of {payloadCapability, maxFramesPerPacket, PAYLOADS union (8 bytes:
// g723BitRate+pad for G.723.1, codecParams{codecMode, dynamicPayload, codecParam1, codecParam2}+pad otherwise)}.
// All 18 slots are written, as the dissector walks all of them.
function encodeCapabilitiesRes(w: Writer, m: CapabilitiesResMessage): void {
  const caps = m.caps.slice(0, MAX_CAPS);
  w.u32(caps.length);
  for (let i = 0; i < MAX_CAPS; i++) {
    const c = caps[i];
    if (c === undefined) {
      w.zeros(16);
      continue;
    }
    w.u32(c.payloadCapability);
    w.u32(c.maxFramesPerPacket);
    w.zeros(8);
  }
}
function decodeCapabilitiesRes(r: Reader): CapabilitiesResMessage {
  const count = r.u32('capCount');
  if (count > MAX_CAPS) throw new Truncated(-1, `capCount ${count} exceeds ${MAX_CAPS}`, 0);
  const caps = [];
  for (let i = 0; i < count; i++) {
    const payloadCapability = r.u32(`caps[${i}].payloadCapability`);
    const maxFramesPerPacket = r.u32(`caps[${i}].maxFramesPerPacket`);
    r.skip(8, `caps[${i}].payloads`);
    caps.push({ payloadCapability, maxFramesPerPacket });
  }
  return { name: 'CapabilitiesRes', caps };
}

// handle_ButtonTemplateMessage: buttonTemplate{buttonOffset, buttonCount, totalButtonCount,
// definition[42] of {instanceNumber u8, buttonDefinition u8}}.
function encodeButtonTemplate(w: Writer, m: ButtonTemplateMessage): void {
  const buttons = m.buttons.slice(0, MAX_BUTTONS);
  w.u32(m.buttonOffset);
  w.u32(buttons.length);
  w.u32(m.totalButtonCount);
  for (let i = 0; i < MAX_BUTTONS; i++) {
    const b = buttons[i];
    w.u8(b?.instanceNumber ?? 0);
    w.u8(b?.buttonDefinition ?? 0);
  }
}
function decodeButtonTemplate(r: Reader): ButtonTemplateMessage {
  const buttonOffset = r.u32('buttonOffset');
  const count = r.u32('buttonCount');
  const totalButtonCount = r.u32('totalButtonCount');
  if (count > MAX_BUTTONS) throw new Truncated(-1, `buttonCount ${count} exceeds ${MAX_BUTTONS}`, 0);
  const buttons = [];
  for (let i = 0; i < count; i++) {
    const instanceNumber = r.u8(`definition[${i}].instanceNumber`);
    const buttonDefinition = r.u8(`definition[${i}].buttonDefinition`);
    buttons.push({ instanceNumber, buttonDefinition });
  }
  return { name: 'ButtonTemplate', buttonOffset, totalButtonCount, buttons };
}

// handle_SoftKeyTemplateResMessage: softKeyTemplate{softKeyOffset, softKeyCount, totalSoftKeyCount,
// definition[32] of {softKeyLabel[16] (displayLabel), softKeyEvent}}.
function encodeSoftKeyTemplateRes(w: Writer, m: SoftKeyTemplateResMessage): void {
  const keys = m.keys.slice(0, MAX_SOFT_KEYS);
  w.u32(m.softKeyOffset);
  w.u32(keys.length);
  w.u32(m.totalSoftKeyCount);
  for (let i = 0; i < MAX_SOFT_KEYS; i++) {
    const k = keys[i];
    w.chars(k?.label ?? '', 16);
    w.u32(k?.event ?? 0);
  }
}
function decodeSoftKeyTemplateRes(r: Reader): SoftKeyTemplateResMessage {
  const softKeyOffset = r.u32('softKeyOffset');
  const count = r.u32('softKeyCount');
  const totalSoftKeyCount = r.u32('totalSoftKeyCount');
  if (count > MAX_SOFT_KEYS) throw new Truncated(-1, `softKeyCount ${count} exceeds ${MAX_SOFT_KEYS}`, 0);
  const keys = [];
  for (let i = 0; i < count; i++) {
    const label = r.chars(16, `definition[${i}].softKeyLabel`);
    const event = r.u32(`definition[${i}].softKeyEvent`);
    keys.push({ label, event });
  }
  return { name: 'SoftKeyTemplateRes', softKeyOffset, totalSoftKeyCount, keys };
}

// handle_SoftKeySetResMessage: softKeySets{softKeySetOffset, softKeySetCount, totalSoftKeySetCount,
// definition[16] of {softKeyTemplateIndex[16] u8, softKeyInfoIndex[16] u16}}. All 16 sets are written
// (48 bytes each, the C struct size; the dissector reads at most that much).
// Index arrays are written padded with zeros to 16 and decoded with trailing zeros trimmed.
function encodeSoftKeySetRes(w: Writer, m: SoftKeySetResMessage): void {
  const sets = m.sets.slice(0, MAX_SOFT_KEY_SETS);
  w.u32(m.softKeySetOffset);
  w.u32(sets.length);
  w.u32(m.totalSoftKeySetCount);
  for (let i = 0; i < MAX_SOFT_KEY_SETS; i++) {
    const s = sets[i];
    for (let j = 0; j < SOFT_KEY_SET_SLOTS; j++) w.u8(s?.templateIndexes[j] ?? 0);
    for (let j = 0; j < SOFT_KEY_SET_SLOTS; j++) w.u16(s?.infoIndexes[j] ?? 0);
  }
}
function trimZeros(xs: number[]): number[] {
  let end = xs.length;
  while (end > 0 && xs[end - 1] === 0) end--;
  return xs.slice(0, end);
}
function decodeSoftKeySetRes(r: Reader): SoftKeySetResMessage {
  const softKeySetOffset = r.u32('softKeySetOffset');
  const count = r.u32('softKeySetCount');
  const totalSoftKeySetCount = r.u32('totalSoftKeySetCount');
  if (count > MAX_SOFT_KEY_SETS) throw new Truncated(-1, `softKeySetCount ${count} exceeds ${MAX_SOFT_KEY_SETS}`, 0);
  const sets = [];
  for (let i = 0; i < count; i++) {
    const templateIndexes: number[] = [];
    const infoIndexes: number[] = [];
    for (let j = 0; j < SOFT_KEY_SET_SLOTS; j++) templateIndexes.push(r.u8(`definition[${i}].softKeyTemplateIndex`));
    for (let j = 0; j < SOFT_KEY_SET_SLOTS; j++) infoIndexes.push(r.u16(`definition[${i}].softKeyInfoIndex`));
    sets.push({ templateIndexes: trimZeros(templateIndexes), infoIndexes: trimZeros(infoIndexes) });
  }
  return { name: 'SoftKeySetRes', softKeySetOffset, totalSoftKeySetCount, sets };
}

// ------------------------------------------------------------------ public API

/** Encode one message as a whole SCCP frame (header version 0, Basic). */
export function encodeSccp(message: SccpMessage): Uint8Array {
  const w = new Writer();
  w.u32(0); // data_length, patched below
  w.u32(SCCP_HEADER_VERSION_BASIC);
  if (message.name === 'Unknown') {
    w.u32(message.messageId);
    w.bytes(message.data);
  } else {
    w.u32(SccpMessageId[message.name]);
    encodeBody(w, message);
  }
  // "data_length counts messageId + data" (get_skinny_pdu_len returns hdr_data_length + 8).
  w.setU32At(0, w.length - 8);
  return w.finish();
}

function encodeBody(w: Writer, message: SccpKnownMessage): void {
  switch (message.name) {
    case 'CapabilitiesRes':
      return encodeCapabilitiesRes(w, message);
    case 'ButtonTemplate':
      return encodeButtonTemplate(w, message);
    case 'SoftKeyTemplateRes':
      return encodeSoftKeyTemplateRes(w, message);
    case 'SoftKeySetRes':
      return encodeSoftKeySetRes(w, message);
    default:
      return encodeFlat(w, FLAT_LAYOUTS[message.name], message as unknown as Fields);
  }
}

/**
 * Decode exactly one whole frame. Data beyond what the layout reads is ignored (newer protocol
 * versions append fields, and the dissector ignores them too); data that ends early is a CodecError
 * naming the field and its byte offset in the frame. An id this lab does not model decodes to
 * `{ name: 'Unknown', messageId, data }`.
 */
export function decodeSccp(frame: Uint8Array): Result<SccpMessage> {
  if (frame.length < SCCP_HEADER_SIZE) {
    return fail(new CodecError(PROTOCOL, `frame of ${frame.length} bytes is shorter than the 12-byte header`, { offset: frame.length }));
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const dataLength = view.getUint32(0, true);
  if (dataLength < 4) {
    return fail(new CodecError(PROTOCOL, `data_length ${dataLength} is less than 4`, { offset: 0 }));
  }
  if (frame.length < dataLength + 8) {
    return fail(
      new CodecError(PROTOCOL, `truncated frame: data_length ${dataLength} needs ${dataLength + 8} bytes, have ${frame.length}`, {
        offset: frame.length,
      }),
    );
  }
  if (frame.length > dataLength + 8) {
    return fail(new CodecError(PROTOCOL, `${frame.length - dataLength - 8} bytes after the frame end`, { offset: dataLength + 8 }));
  }
  const messageId = view.getUint32(8, true);
  const data = frame.subarray(SCCP_HEADER_SIZE, dataLength + 8);
  const name = sccpMessageName(messageId);
  if (name === undefined) return ok({ name: 'Unknown', messageId, data: data.slice() });
  const r = new Reader(new DataView(data.buffer, data.byteOffset, data.byteLength), SCCP_HEADER_SIZE);
  try {
    return ok(decodeBody(r, name));
  } catch (e) {
    if (e instanceof Truncated) {
      if (e.offset < 0) return fail(new CodecError(PROTOCOL, `${name}: ${e.field}`, { offset: SCCP_HEADER_SIZE + r.offset }));
      return fail(new CodecError(PROTOCOL, `${name}: truncated at ${e.field} (needs ${e.needed} bytes)`, { offset: e.offset }));
    }
    throw e;
  }
}

function decodeBody(r: Reader, name: SccpMessageName): SccpKnownMessage {
  switch (name) {
    case 'CapabilitiesRes':
      return decodeCapabilitiesRes(r);
    case 'ButtonTemplate':
      return decodeButtonTemplate(r);
    case 'SoftKeyTemplateRes':
      return decodeSoftKeyTemplateRes(r);
    case 'SoftKeySetRes':
      return decodeSoftKeySetRes(r);
    default: {
      const out: Fields = { name };
      decodeFlat(r, FLAT_LAYOUTS[name], out);
      return out as unknown as SccpKnownMessage;
    }
  }
}
