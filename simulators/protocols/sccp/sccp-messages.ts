/**
 * SCCP messages as plain values: a discriminated union keyed by `name`, the Wireshark message name
 * without its "Message" suffix (packet-skinny.c `message_id[]`). Field names follow the dissector's
 * `hf_skinny_*` fields where they exist. Numbers are u32 unless a comment says otherwise; IPv4
 * addresses are dotted-quad strings; fixed-size char fields are strings (Latin-1, NUL-padded on the wire,
 * so CUCM display-label escapes such as "\x80\x14" survive).
 *
 * Optional fields (`?`) default to 0 / ''. The decoder omits an optional field whose value is its
 * default, so a message built without it round-trips unchanged. Layouts are those Wireshark reads
 * for header version 0 (Basic); see sccp-codec.ts for the dissector function behind each.
 */

// ---------------------------------------------------------------- device -> CUCM

export interface KeepAliveMessage { name: 'KeepAlive' }
export interface RegisterMessage {
  name: 'Register';
  deviceName: string; // char[16], e.g. "SEP001122334455"
  userId?: number; // sid.reserved_for_future_use
  instance?: number;
  stationIp: string;
  deviceType: number;
  maxStreams?: number;
}
export interface KeypadButtonMessage {
  name: 'KeypadButton';
  button: number; // KeypadButton value
  lineInstance?: number;
  callReference?: number;
}
export interface StimulusMessage {
  name: 'Stimulus';
  stimulus: number;
  stimulusInstance: number;
  callReference?: number;
  stimulusStatus?: number;
}
export interface OffHookMessage { name: 'OffHook'; lineInstance?: number; callReference?: number }
export interface OnHookMessage { name: 'OnHook'; lineInstance?: number; callReference?: number }
export interface SpeedDialStatReqMessage { name: 'SpeedDialStatReq'; speedDialNumber: number }
export interface LineStatReqMessage { name: 'LineStatReq'; lineNumber: number }
export interface ConfigStatReqMessage { name: 'ConfigStatReq' }
export interface TimeDateReqMessage { name: 'TimeDateReq' }
export interface ButtonTemplateReqMessage { name: 'ButtonTemplateReq' }
export interface MediaCapability {
  payloadCapability: number; // Codec
  maxFramesPerPacket: number;
}
export interface CapabilitiesResMessage { name: 'CapabilitiesRes'; caps: MediaCapability[] } // at most 18
export interface OpenReceiveChannelAckMessage {
  name: 'OpenReceiveChannelAck';
  status: number; // 0 = ok
  ipAddr: string;
  port: number;
  passThruPartyId: number;
  callReference?: number;
}
export interface SoftKeySetReqMessage { name: 'SoftKeySetReq' }
export interface SoftKeyEventMessage {
  name: 'SoftKeyEvent';
  softKeyEvent: number;
  lineInstance: number;
  callReference: number;
}
export interface UnregisterMessage { name: 'Unregister'; unRegReasonCode?: number }
export interface SoftKeyTemplateReqMessage { name: 'SoftKeyTemplateReq' }
export interface RegisterAvailableLinesMessage { name: 'RegisterAvailableLines'; maxNumOfAvailLines: number }

// ---------------------------------------------------------------- CUCM -> device

export interface RegisterAckMessage {
  name: 'RegisterAck';
  keepAliveInterval: number; // seconds
  dateTemplate: string; // char[6], e.g. "D/M/Y"
  secondaryKeepAliveInterval: number;
  maxProtocolVer?: number; // u8
  phoneFeatures?: number; // u16
}
export interface StartToneMessage {
  name: 'StartTone';
  tone: number;
  toneDirection?: number; // tone_output_direction
  lineInstance: number;
  callReference: number;
}
export interface StopToneMessage { name: 'StopTone'; lineInstance: number; callReference: number }
export interface SetRingerMessage {
  name: 'SetRinger';
  ringMode: number;
  ringDuration: number;
  lineInstance: number;
  callReference: number;
}
export interface SetLampMessage { name: 'SetLamp'; stimulus: number; stimulusInstance: number; lampMode: number }
export interface SetSpeakerModeMessage { name: 'SetSpeakerMode'; speakerMode: number }
export interface StartMediaTransmissionMessage {
  name: 'StartMediaTransmission';
  conferenceId: number;
  passThruPartyId: number;
  remoteIp: string;
  remotePort: number;
  msPerPacket: number; // millisecondPacketSize
  payloadCapability: number; // compressionType
  precedence?: number;
  silenceSuppression?: number; // ssValue
  maxFramesPerPacket?: number; // u16
  g723BitRate?: number;
  callReference: number;
  rfc2833PayloadType?: number;
  dtmfType?: number;
}
export interface StopMediaTransmissionMessage {
  name: 'StopMediaTransmission';
  conferenceId: number;
  passThruPartyId: number;
  callReference: number;
  portHandlingFlag?: number;
}
export interface CallInfoMessage {
  name: 'CallInfo';
  callingPartyName: string; // char[40]
  callingParty: string; // char[24]
  calledPartyName: string; // char[40]
  calledParty: string; // char[24]
  lineInstance: number;
  callReference: number;
  callType: number; // CallType
  originalCalledPartyName?: string; // char[40]
  originalCalledParty?: string; // char[24]
  lastRedirectingPartyName?: string; // char[40]
  lastRedirectingParty?: string; // char[24]
  originalCdpnRedirectReason?: number;
  lastRedirectingReason?: number;
  cgpnVoiceMailbox?: string; // char[24]
  cdpnVoiceMailbox?: string; // char[24]
  originalCdpnVoiceMailbox?: string; // char[24]
  lastRedirectingVoiceMailbox?: string; // char[24]
  callInstance?: number;
  callSecurityStatus?: number;
  partyPIRestrictionBits?: number;
}
export interface ForwardStatMessage {
  name: 'ForwardStat';
  activeForward: number;
  lineNumber: number;
  forwardAllActive: number;
  forwardAllDirnum: string; // char[24]
  forwardBusyActive?: number;
  forwardBusyDirnum?: string;
  forwardNoAnswerActive?: number;
  forwardNoAnswerDirnum?: string;
}
export interface SpeedDialStatMessage {
  name: 'SpeedDialStat';
  speedDialNumber: number;
  speedDialDirNumber: string; // char[24]
  speedDialDisplayName: string; // char[40]
}
export interface LineStatMessage {
  name: 'LineStat';
  lineNumber: number;
  lineDirNumber: string; // char[24]
  lineFullyQualifiedDisplayName: string; // char[40]
  lineTextLabel: string; // char[40]
  lineDisplayOptions?: number;
}
export interface ConfigStatMessage {
  name: 'ConfigStat';
  deviceName: string; // char[16]
  userId?: number;
  instance?: number;
  userName: string; // char[40]
  serverName: string; // char[40]
  numberOfLines: number;
  numberOfSpeedDials: number;
}
export interface DefineTimeDateMessage {
  name: 'DefineTimeDate';
  year: number;
  month: number;
  dayOfWeek: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  milliseconds: number;
  systemTime: number; // seconds since the epoch
}
export interface ButtonDefinitionEntry {
  instanceNumber: number; // u8
  buttonDefinition: number; // u8, Stimulus value
}
export interface ButtonTemplateMessage {
  name: 'ButtonTemplate';
  buttonOffset: number;
  totalButtonCount: number;
  buttons: ButtonDefinitionEntry[]; // at most 42; buttonCount on the wire = buttons.length
}
export interface CapabilitiesReqMessage { name: 'CapabilitiesReq' }
export interface RegisterRejectMessage { name: 'RegisterReject'; text: string } // char[32]
export interface ResetMessage { name: 'Reset'; resetType: number }
export interface KeepAliveAckMessage { name: 'KeepAliveAck' }
export interface OpenReceiveChannelMessage {
  name: 'OpenReceiveChannel';
  conferenceId: number;
  passThruPartyId: number;
  msPerPacket: number;
  payloadCapability: number;
  echoCancellation?: number; // ecValue
  g723BitRate?: number;
  callReference: number;
  rfc2833PayloadType?: number;
  dtmfType?: number;
}
export interface CloseReceiveChannelMessage {
  name: 'CloseReceiveChannel';
  conferenceId: number;
  passThruPartyId: number;
  callReference: number;
  portHandlingFlag?: number;
}
export interface SoftKeyDefinition {
  label: string; // char[16]; may be a "\x80<index>" label token
  event: number; // SoftKeyEvent
}
export interface SoftKeyTemplateResMessage {
  name: 'SoftKeyTemplateRes';
  softKeyOffset: number;
  totalSoftKeyCount: number;
  keys: SoftKeyDefinition[]; // at most 32; softKeyCount on the wire = keys.length
}
export interface SoftKeySetDefinition {
  templateIndexes: number[]; // up to 16 u8: 1-based index into the soft key template, 0 = empty
  infoIndexes: number[]; // up to 16 u16
}
export interface SoftKeySetResMessage {
  name: 'SoftKeySetRes';
  softKeySetOffset: number;
  totalSoftKeySetCount: number;
  sets: SoftKeySetDefinition[]; // at most 16; softKeySetCount on the wire = sets.length
}
export interface SelectSoftKeysMessage {
  name: 'SelectSoftKeys';
  lineInstance: number;
  callReference: number;
  softKeySetIndex: number; // SoftKeySet
  validKeyMask: number;
}
export interface CallStateMessage {
  name: 'CallState';
  callState: number; // CallState
  lineInstance: number;
  callReference: number;
  privacy?: number;
  precedenceLevel?: number;
  precedenceDomain?: number;
}
export interface DisplayPromptStatusMessage {
  name: 'DisplayPromptStatus';
  timeout: number;
  text: string; // char[32]
  lineInstance: number;
  callReference: number;
}
export interface ClearPromptStatusMessage { name: 'ClearPromptStatus'; lineInstance: number; callReference: number }
export interface DisplayNotifyMessage { name: 'DisplayNotify'; timeout: number; text: string } // char[32]
/** A feature button's state (DND, privacy, …): featureId is the button's DeviceStimulus. */
export interface FeatureStatResMessage { name: 'FeatureStatRes'; featureIndex: number; featureId: number; featureTextLabel: string; featureStatus: number } // char[40]
export interface ActivateCallPlaneMessage { name: 'ActivateCallPlane'; lineInstance: number }
export interface UnregisterAckMessage { name: 'UnregisterAck'; status: number }
export interface DialedNumberMessage {
  name: 'DialedNumber';
  dialedNumber: string; // char[24]
  lineInstance: number;
  callReference: number;
}

/** A message id this lab does not model: kept as raw data so a node can log and ignore it. */
export interface UnknownSccpMessage { name: 'Unknown'; messageId: number; data: Uint8Array }

export type SccpKnownMessage =
  | KeepAliveMessage
  | RegisterMessage
  | KeypadButtonMessage
  | StimulusMessage
  | OffHookMessage
  | OnHookMessage
  | SpeedDialStatReqMessage
  | LineStatReqMessage
  | ConfigStatReqMessage
  | TimeDateReqMessage
  | ButtonTemplateReqMessage
  | CapabilitiesResMessage
  | OpenReceiveChannelAckMessage
  | SoftKeySetReqMessage
  | SoftKeyEventMessage
  | UnregisterMessage
  | SoftKeyTemplateReqMessage
  | RegisterAvailableLinesMessage
  | RegisterAckMessage
  | StartToneMessage
  | StopToneMessage
  | SetRingerMessage
  | SetLampMessage
  | SetSpeakerModeMessage
  | StartMediaTransmissionMessage
  | StopMediaTransmissionMessage
  | CallInfoMessage
  | ForwardStatMessage
  | SpeedDialStatMessage
  | LineStatMessage
  | ConfigStatMessage
  | DefineTimeDateMessage
  | ButtonTemplateMessage
  | CapabilitiesReqMessage
  | RegisterRejectMessage
  | ResetMessage
  | KeepAliveAckMessage
  | OpenReceiveChannelMessage
  | CloseReceiveChannelMessage
  | SoftKeyTemplateResMessage
  | SoftKeySetResMessage
  | SelectSoftKeysMessage
  | CallStateMessage
  | DisplayPromptStatusMessage
  | ClearPromptStatusMessage
  | DisplayNotifyMessage
  | FeatureStatResMessage
  | ActivateCallPlaneMessage
  | UnregisterAckMessage
  | DialedNumberMessage;

export type SccpMessage = SccpKnownMessage | UnknownSccpMessage;

/** The message of a given name, e.g. `SccpMessageOf<'CallState'>`. */
export type SccpMessageOf<N extends SccpMessage['name']> = Extract<SccpMessage, { name: N }>;
