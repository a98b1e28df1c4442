/**
 * SCCP ("Skinny") enumerations and the message-id table.
 *
 * Source of every value: Wireshark `epan/dissectors/packet-skinny.c` (generated from
 * tools/SkinnyProtocolOptimized.xml): `message_id[]`, `DeviceType[]`, `DeviceStimulus[]`,
 * `DCallState[]`, `DeviceTone[]`, `RingMode[]`, `LampMode[]`, `SoftKeyEvents[]`, `Media_PayloadType[]`;
 * cross-checked with FreeSWITCH mod_skinny `skinny_protocol.h` (see docs/protocols/sccp.md).
 */

type ValueOf<T> = T[keyof T];

/** Wireshark `DCallState[]` / FreeSWITCH `skinny_call_state`. */
export const CallState = {
  OffHook: 1,
  OnHook: 2,
  RingOut: 3,
  RingIn: 4,
  Connected: 5,
  Busy: 6,
  Congestion: 7,
  Hold: 8,
  CallWaiting: 9,
  CallTransfer: 10,
  CallPark: 11,
  Proceed: 12,
  CallRemoteMultiline: 13,
  InvalidNumber: 14,
} as const;
export type CallState = ValueOf<typeof CallState>;
export type CallStateName = keyof typeof CallState;

/** Wireshark `DeviceTone[]` (subset used by CUCM call flows). */
export const Tone = {
  Silence: 0x00,
  Dtmf1: 0x01,
  Dtmf2: 0x02,
  Dtmf3: 0x03,
  Dtmf4: 0x04,
  Dtmf5: 0x05,
  Dtmf6: 0x06,
  Dtmf7: 0x07,
  Dtmf8: 0x08,
  Dtmf9: 0x09,
  Dtmf0: 0x0a,
  DtmfStar: 0x0e,
  DtmfPound: 0x0f,
  InsideDialTone: 0x21,
  OutsideDialTone: 0x22,
  LineBusyTone: 0x23,
  AlertingTone: 0x24,
  ReorderTone: 0x25,
  RecorderWarningTone: 0x26,
  RecorderDetectedTone: 0x27,
  RevertingTone: 0x28,
  ReceiverOffHookTone: 0x29,
  PartialDialTone: 0x2a,
  NoSuchNumberTone: 0x2b,
  BusyVerificationTone: 0x2c,
  CallWaitingTone: 0x2d,
  ConfirmationTone: 0x2e,
  CampOnIndicationTone: 0x2f,
  RecallDialTone: 0x30,
  ZipZip: 0x31,
  Zip: 0x32,
  BeepBonk: 0x33,
  MusicTone: 0x34,
  HoldTone: 0x35,
  TestTone: 0x36,
  NoTone: 0x7f,
} as const;
export type Tone = ValueOf<typeof Tone>;

/** Wireshark `RingMode[]`. */
export const RingMode = {
  RingOff: 1,
  InsideRing: 2,
  OutsideRing: 3,
  FeatureRing: 4,
  FlashOnly: 5,
  PrecedenceRing: 6,
} as const;
export type RingMode = ValueOf<typeof RingMode>;

/** Wireshark `RingDuration[]`. */
export const RingDuration = {
  NormalRing: 1,
  SingleRing: 2,
} as const;
export type RingDuration = ValueOf<typeof RingDuration>;

/** Wireshark `LampMode[]`. */
export const LampMode = {
  Off: 1,
  On: 2,
  Wink: 3,
  Flash: 4,
  Blink: 5,
} as const;
export type LampMode = ValueOf<typeof LampMode>;

/** Wireshark `SpeakerMode[]` (SetSpeakerMode.speakerMode). */
export const SpeakerMode = {
  On: 1,
  Off: 2,
} as const;
export type SpeakerMode = ValueOf<typeof SpeakerMode>;

/** Wireshark `SoftKeyEvents[]` / FreeSWITCH `skinny_soft_key_event`. */
export const SoftKeyEvent = {
  Redial: 1,
  NewCall: 2,
  Hold: 3,
  Transfer: 4,
  CFwdAll: 5,
  CFwdBusy: 6,
  CFwdNoAnswer: 7,
  BackSpace: 8,
  EndCall: 9,
  Resume: 10,
  Answer: 11,
  Info: 12,
  Confrn: 13,
  Park: 14,
  Join: 15,
  MeetMe: 16,
  PickUp: 17,
  GPickUp: 18,
  Dnd: 19,
  IDivert: 20,
} as const;
export type SoftKeyEvent = ValueOf<typeof SoftKeyEvent>;

/** FreeSWITCH `skinny_key_set` (soft key set index sent in SelectSoftKeys). */
export const SoftKeySet = {
  OnHook: 0,
  Connected: 1,
  OnHold: 2,
  RingIn: 3,
  OffHook: 4,
  ConnectedWithTransfer: 5,
  DigitsAfterFirstDigit: 6,
  ConnectedWithConference: 7,
  RingOut: 8,
  OffHookWithFeatures: 9,
  /** A shared line's call is in use on another phone (FreeSWITCH `SKINNY_KEY_SET_IN_USE_HINT`). */
  InUseHint: 10,
} as const;
export type SoftKeySet = ValueOf<typeof SoftKeySet>;

/** Wireshark `DeviceStimulus[]`: used both as Stimulus.stimulus and as ButtonTemplate.buttonDefinition. */
export const Stimulus = {
  LastNumberRedial: 0x01,
  SpeedDial: 0x02,
  Hold: 0x03,
  Transfer: 0x04,
  ForwardAll: 0x05,
  ForwardBusy: 0x06,
  ForwardNoAnswer: 0x07,
  Display: 0x08,
  Line: 0x09,
  T120Chat: 0x0a,
  T120Whiteboard: 0x0b,
  T120ApplicationSharing: 0x0c,
  T120FileTransfer: 0x0d,
  Video: 0x0e,
  VoiceMail: 0x0f,
  AnswerRelease: 0x10,
  AutoAnswer: 0x11,
  Select: 0x12,
  Privacy: 0x13,
  ServiceURL: 0x14,
  BLFSpeedDial: 0x15,
  MaliciousCall: 0x1b,
  GenericAppB1: 0x21,
  GenericAppB2: 0x22,
  GenericAppB3: 0x23,
  GenericAppB4: 0x24,
  GenericAppB5: 0x25,
  MeetMeConference: 0x7b,
  Conference: 0x7d,
  CallPark: 0x7e,
  CallPickUp: 0x7f,
  GroupCallPickUp: 0x80,
  Mobility: 0x81,
  DoNotDisturb: 0x82,
  ConfList: 0x83,
  RemoveLastParticipant: 0x84,
  QRT: 0x85,
  CallBack: 0x86,
  OtherPickup: 0x87,
  VideoMode: 0x88,
  NewCall: 0x89,
  EndCall: 0x8a,
  HLog: 0x8b,
  Queuing: 0x8f,
  None: 0xff,
} as const;
export type Stimulus = ValueOf<typeof Stimulus>;
/** ButtonTemplate.buttonDefinition uses the same values as Stimulus (Wireshark `hf_skinny_buttonDefinition` → DeviceStimulus). */
export const ButtonDefinition = Stimulus;
export type ButtonDefinition = Stimulus;

/** Wireshark `CallType[]` (CallInfo.callType). */
export const CallType = {
  InBoundCall: 1,
  OutBoundCall: 2,
  ForwardCall: 3,
} as const;
export type CallType = ValueOf<typeof CallType>;

/** Wireshark `DeviceType[]`; docs/protocols/sccp.md §11. */
export const DeviceType = {
  Cisco7910: 6,
  Cisco7960: 7,
  Cisco7940: 8,
  Cisco7941: 115,
  Cisco7971: 119,
  Cisco7931: 348,
  Cisco7965: 436,
  Cisco7975: 437,
  Cisco7970: 30006,
  IPCommunicator: 30016,
  Cisco7961: 30018,
} as const;
export type DeviceType = ValueOf<typeof DeviceType>;

/** Wireshark `Media_PayloadType[]` / FreeSWITCH `skinny_codecs` (payloadCapability / compressionType). */
export const Codec = {
  NonStandard: 1,
  G711Alaw64k: 2,
  G711Alaw56k: 3,
  G711Ulaw64k: 4,
  G711Ulaw56k: 5,
  G722_64k: 6,
  G722_56k: 7,
  G722_48k: 8,
  G7231: 9,
  G728: 10,
  G729: 11,
  G729AnnexA: 12,
  Is11172AudioCap: 13,
  Is13818AudioCap: 14,
  G729AnnexB: 15,
  G729AnnexAwAnnexB: 16,
  GSMFullRate: 18,
  GSMHalfRate: 19,
  GSMEnhancedFullRate: 20,
  WideBand256k: 25,
  Data64: 32,
  Data56: 33,
  G7221_32K: 40,
  G7221_24K: 41,
  GSM: 80,
  ILBC: 86,
  Rfc2833DynPayload: 257,
} as const;
export type Codec = ValueOf<typeof Codec>;

/** Wireshark `DeviceResetType[]` (Reset.resetType). */
export const ResetType = {
  Reset: 1,
  Restart: 2,
} as const;
export type ResetType = ValueOf<typeof ResetType>;

/** Wireshark `message_id[]`: the names (without "Message") of the messages this lab speaks, with their ids. */
export const SccpMessageId = {
  KeepAlive: 0x0000,
  Register: 0x0001,
  KeypadButton: 0x0003,
  Stimulus: 0x0005,
  OffHook: 0x0006,
  OnHook: 0x0007,
  SpeedDialStatReq: 0x000a,
  LineStatReq: 0x000b,
  ConfigStatReq: 0x000c,
  TimeDateReq: 0x000d,
  ButtonTemplateReq: 0x000e,
  CapabilitiesRes: 0x0010,
  OpenReceiveChannelAck: 0x0022,
  SoftKeySetReq: 0x0025,
  SoftKeyEvent: 0x0026,
  Unregister: 0x0027,
  SoftKeyTemplateReq: 0x0028,
  RegisterAvailableLines: 0x002d,
  RegisterAck: 0x0081,
  StartTone: 0x0082,
  StopTone: 0x0083,
  SetRinger: 0x0085,
  SetLamp: 0x0086,
  SetSpeakerMode: 0x0088,
  StartMediaTransmission: 0x008a,
  StopMediaTransmission: 0x008b,
  CallInfo: 0x008f,
  ForwardStat: 0x0090,
  SpeedDialStat: 0x0091,
  LineStat: 0x0092,
  ConfigStat: 0x0093,
  DefineTimeDate: 0x0094,
  ButtonTemplate: 0x0097,
  CapabilitiesReq: 0x009b,
  RegisterReject: 0x009d,
  Reset: 0x009f,
  KeepAliveAck: 0x0100,
  OpenReceiveChannel: 0x0105,
  CloseReceiveChannel: 0x0106,
  SoftKeyTemplateRes: 0x0108,
  SoftKeySetRes: 0x0109,
  SelectSoftKeys: 0x0110,
  CallState: 0x0111,
  DisplayPromptStatus: 0x0112,
  ClearPromptStatus: 0x0113,
  DisplayNotify: 0x0114,
  ActivateCallPlane: 0x0116,
  UnregisterAck: 0x0118,
  DialedNumber: 0x011d,
  FeatureStatRes: 0x011f,
} as const;
export type SccpMessageName = keyof typeof SccpMessageId;
export type SccpMessageIdValue = ValueOf<typeof SccpMessageId>;

const namesById = new Map<number, SccpMessageName>(
  (Object.keys(SccpMessageId) as SccpMessageName[]).map((name) => [SccpMessageId[name], name]),
);

/** The message name for an id, or undefined for an id this lab does not model. */
export function sccpMessageName(id: number): SccpMessageName | undefined {
  return namesById.get(id);
}

/** Messages a device sends to CUCM (Wireshark "Direction: dev2pbx"). */
export const DEVICE_TO_CM: readonly SccpMessageName[] = [
  'KeepAlive',
  'Register',
  'KeypadButton',
  'Stimulus',
  'OffHook',
  'OnHook',
  'SpeedDialStatReq',
  'LineStatReq',
  'ConfigStatReq',
  'TimeDateReq',
  'ButtonTemplateReq',
  'CapabilitiesRes',
  'OpenReceiveChannelAck',
  'SoftKeySetReq',
  'SoftKeyEvent',
  'Unregister',
  'SoftKeyTemplateReq',
  'RegisterAvailableLines',
];

/** Keypad button values (Wireshark `KeyPadButton[]`): 0-9, 0xA-0xD = A-D, 0xE = '*', 0xF = '#', 0x10 = '+'. */
export const KeypadButton = {
  '0': 0x0,
  '1': 0x1,
  '2': 0x2,
  '3': 0x3,
  '4': 0x4,
  '5': 0x5,
  '6': 0x6,
  '7': 0x7,
  '8': 0x8,
  '9': 0x9,
  A: 0xa,
  B: 0xb,
  C: 0xc,
  D: 0xd,
  '*': 0xe,
  '#': 0xf,
  '+': 0x10,
} as const;
export type KeypadButton = ValueOf<typeof KeypadButton>;

/** SCCP listens on TCP 2000 (Wireshark `TCP_PORT_SKINNY`). */
export const SCCP_TCP_PORT = 2000;
