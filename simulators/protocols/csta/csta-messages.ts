/**
 * ECMA-323 (CSTA XML) messages used by uaCSTA remote call control (ECMA TR/87) between Office Communicator 2007 R2
 * (via OCS) and CUP. `type` is the ECMA-323 root element name. Field names are the ECMA-323 element names.
 * Sources: docs/protocols/csta.md §6/§7 (pidgin-sipe sip-csta.c, a public uaCSTA phone firmware, a Siemens ed4
 * sample).
 */

/** ECMA-269 §12.2.8 ConnectionID: a call and a device in it (`<callID>` + `<deviceID>`). */
export interface ConnectionID {
  callID: string;
  deviceID: string;
}

/**
 * A device identifier (tel:/sip: URI or digits). In events ECMA-323 wraps it as `<x><deviceIdentifier>..</x>`;
 * when the wire carries one of the empty choices instead (`<notKnown/>`, `<notRequired/>`, `<restricted/>`,
 * `<notSpecified/>`), the value is the matching ABSENT_DEVICE string ('#notKnown'...) - modelling choice: '#' never
 * starts a tel:/sip: URI or a dial string, so the sentinels cannot collide with a real device.
 */
export type DeviceRef = string;

export const ABSENT_DEVICE_CHOICES = ['notKnown', 'notRequired', 'restricted', 'notSpecified'] as const;
export type AbsentDeviceChoice = (typeof ABSENT_DEVICE_CHOICES)[number];
export const ABSENT_DEVICE = {
  notKnown: '#notKnown',
  notRequired: '#notRequired',
  restricted: '#restricted',
  notSpecified: '#notSpecified',
} as const satisfies Record<AbsentDeviceChoice, string>;

export function isAbsentDevice(device: DeviceRef): boolean {
  return device.startsWith('#') && (ABSENT_DEVICE_CHOICES as readonly string[]).includes(device.slice(1));
}

/** ECMA-269 §12.2.20 SystemStatus. */
export const SYSTEM_STATUSES = [
  'initializing',
  'enabled',
  'normal',
  'messagesLost',
  'disabled',
  'partiallyDisabled',
  'overloadImminent',
  'overloadReached',
  'overloadRelieved',
] as const;
export type SystemStatus = (typeof SYSTEM_STATUSES)[number];

/** ECMA-269 §12.2.15 LocalConnectionState. */
export const LOCAL_CONNECTION_STATES = ['null', 'initiated', 'alerting', 'connected', 'hold', 'queued', 'fail'] as const;
export type LocalConnectionState = (typeof LOCAL_CONNECTION_STATES)[number];

/** MakeCall autoOriginate (ECMA-269 §17.1.14). OC sends `doNotPrompt` (pidgin-sipe). */
export const AUTO_ORIGINATE_VALUES = ['prompt', 'doNotPrompt'] as const;
export type AutoOriginate = (typeof AUTO_ORIGINATE_VALUES)[number];

/**
 * ECMA-269 ForwardingType. The public uaCSTA firmware uses forwardImmediate / forwardBusy / forwardNoAns
 * (docs/protocols/csta.md §6); the rest are from ECMA-269 §12.2.12.
 */
export const FORWARDING_TYPES = [
  'forwardImmediate',
  'forwardBusy',
  'forwardNoAns',
  'forwardBusyInt',
  'forwardBusyExt',
  'forwardDND',
  'forwardImmInt',
  'forwardImmExt',
  'forwardNoAnsInt',
  'forwardNoAnsExt',
] as const;
export type ForwardingType = (typeof FORWARDING_TYPES)[number];

/** ECMA-269 §12.2.3 ConnectionList item, as in ConferenceCallResponse / ConferencedEvent / TransferedEvent. */
export interface ConnectionListItem {
  newConnection?: ConnectionID;
  oldConnection?: ConnectionID;
}

export interface ForwardListItem {
  forwardingType: ForwardingType;
  forwardStatus: boolean;
  forwardDN?: string;
}

export interface SnapshotCall {
  connection: ConnectionID;
  localConnectionState: LocalConnectionState;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests (client -> gateway; the SIP INVITE/INFO body)

export interface RequestSystemStatus { type: 'RequestSystemStatus'; /** lcs:line private data */ line?: string }
export interface GetCSTAFeatures { type: 'GetCSTAFeatures'; line?: string }
/** monitorObject is written `<monitorObject><deviceObject>URI</deviceObject></monitorObject>` (pidgin-sipe). */
export interface MonitorStart { type: 'MonitorStart'; monitorObject: DeviceRef }
export interface MonitorStop { type: 'MonitorStop'; monitorCrossRefID: string }
export interface MakeCall { type: 'MakeCall'; callingDevice: DeviceRef; calledDirectoryNumber: DeviceRef; autoOriginate?: AutoOriginate }
export interface AnswerCall { type: 'AnswerCall'; callToBeAnswered: ConnectionID }
export interface ClearConnection { type: 'ClearConnection'; connectionToBeCleared: ConnectionID }
export interface HoldCall { type: 'HoldCall'; callToBeHeld: ConnectionID }
export interface RetrieveCall { type: 'RetrieveCall'; callToBeRetrieved: ConnectionID }
export interface SingleStepTransferCall { type: 'SingleStepTransferCall'; activeCall: ConnectionID; transferredTo: DeviceRef }
export interface ConsultationCall { type: 'ConsultationCall'; existingCall: ConnectionID; consultedDevice: DeviceRef }
export interface TransferCall { type: 'TransferCall'; heldCall: ConnectionID; activeCall: ConnectionID }
export interface AlternateCall { type: 'AlternateCall'; heldCall: ConnectionID; activeCall: ConnectionID }
export interface ReconnectCall { type: 'ReconnectCall'; heldCall: ConnectionID; activeCall: ConnectionID }
export interface ConferenceCall { type: 'ConferenceCall'; heldCall: ConnectionID; activeCall: ConnectionID }
export interface DeflectCall { type: 'DeflectCall'; callToBeDiverted: ConnectionID; newDestination: DeviceRef }
export interface GenerateDigits { type: 'GenerateDigits'; connectionToSendDigits: ConnectionID; charactersToSend: string }
export interface SetForwarding {
  type: 'SetForwarding';
  device: DeviceRef;
  forwardingType: ForwardingType;
  activateForward: boolean;
  forwardDN?: DeviceRef;
  ringCount?: number;
}
export interface GetForwarding { type: 'GetForwarding'; device: DeviceRef }
export interface SetDoNotDisturb { type: 'SetDoNotDisturb'; device: DeviceRef; doNotDisturbOn: boolean }
export interface GetDoNotDisturb { type: 'GetDoNotDisturb'; device: DeviceRef }
export interface SnapshotDevice { type: 'SnapshotDevice'; snapshotObject: DeviceRef }

export type CstaRequest =
  | RequestSystemStatus
  | GetCSTAFeatures
  | MonitorStart
  | MonitorStop
  | MakeCall
  | AnswerCall
  | ClearConnection
  | HoldCall
  | RetrieveCall
  | SingleStepTransferCall
  | ConsultationCall
  | TransferCall
  | AlternateCall
  | ReconnectCall
  | ConferenceCall
  | DeflectCall
  | GenerateDigits
  | SetForwarding
  | GetForwarding
  | SetDoNotDisturb
  | GetDoNotDisturb
  | SnapshotDevice;

// ---------------------------------------------------------------------------------------------------------------
// Positive responses (gateway -> client; the body of the SIP 200 OK)

export interface RequestSystemStatusResponse { type: 'RequestSystemStatusResponse'; systemStatus: SystemStatus }
/**
 * Modelled: the exact OCS/CUP body was not found (docs/protocols/csta.md §9). Written as
 * `<supportedServices><callControlServices><makeCall>true</makeCall>...</callControlServices>...</supportedServices>`,
 * the ECMA-323 services-permitted style (boolean children grouped by service family); parsed as the flat list of
 * service element names whose value is true (or empty).
 */
export interface GetCSTAFeaturesResponse { type: 'GetCSTAFeaturesResponse'; supportedServices: string[] }
/** monitorExistingCalls: returned by the public uaCSTA firmware (docs/protocols/csta.md §2 step 4). */
export interface MonitorStartResponse { type: 'MonitorStartResponse'; monitorCrossRefID: string; monitorExistingCalls?: boolean }
export interface MonitorStopResponse { type: 'MonitorStopResponse' }
export interface MakeCallResponse { type: 'MakeCallResponse'; callingDevice: ConnectionID; calledDevice?: DeviceRef }
export interface AnswerCallResponse { type: 'AnswerCallResponse' }
export interface ClearConnectionResponse { type: 'ClearConnectionResponse' }
export interface HoldCallResponse { type: 'HoldCallResponse' }
export interface RetrieveCallResponse { type: 'RetrieveCallResponse' }
export interface SingleStepTransferCallResponse { type: 'SingleStepTransferCallResponse'; transferredCall: ConnectionID }
export interface ConsultationCallResponse { type: 'ConsultationCallResponse'; initiatedCall: ConnectionID }
export interface TransferCallResponse { type: 'TransferCallResponse'; transferredCall: ConnectionID }
export interface AlternateCallResponse { type: 'AlternateCallResponse' }
export interface ReconnectCallResponse { type: 'ReconnectCallResponse' }
export interface ConferenceCallResponse { type: 'ConferenceCallResponse'; conferenceCall: ConnectionID; connections?: ConnectionListItem[] }
export interface DeflectCallResponse { type: 'DeflectCallResponse' }
export interface GenerateDigitsResponse { type: 'GenerateDigitsResponse' }
export interface SetForwardingResponse { type: 'SetForwardingResponse' }
export interface GetForwardingResponse { type: 'GetForwardingResponse'; forwardingList: ForwardListItem[] }
export interface SetDoNotDisturbResponse { type: 'SetDoNotDisturbResponse' }
export interface GetDoNotDisturbResponse { type: 'GetDoNotDisturbResponse'; doNotDisturbOn: boolean }
export interface SnapshotDeviceResponse { type: 'SnapshotDeviceResponse'; calls: SnapshotCall[] }

export type CstaResponse =
  | RequestSystemStatusResponse
  | GetCSTAFeaturesResponse
  | MonitorStartResponse
  | MonitorStopResponse
  | MakeCallResponse
  | AnswerCallResponse
  | ClearConnectionResponse
  | HoldCallResponse
  | RetrieveCallResponse
  | SingleStepTransferCallResponse
  | ConsultationCallResponse
  | TransferCallResponse
  | AlternateCallResponse
  | ReconnectCallResponse
  | ConferenceCallResponse
  | DeflectCallResponse
  | GenerateDigitsResponse
  | SetForwardingResponse
  | GetForwardingResponse
  | SetDoNotDisturbResponse
  | GetDoNotDisturbResponse
  | SnapshotDeviceResponse;

/**
 * ECMA-323 CSTAErrorCode: one category child holding an enumerated value, e.g.
 * `<CSTAErrorCode><operation>invalidDeviceIdentifier</operation></CSTAErrorCode>`. The category 'securityError'
 * (ECMA-269 ASN.1 type SecurityError) is written as the element `<security>` (public ECMA-323 client bindings).
 */
export const CSTA_ERROR_CATEGORIES = [
  'operation',
  'stateIncompatibility',
  'systemResourceAvailability',
  'subscribedResourceAvailability',
  'performanceManagement',
  'securityError',
  'unspecified',
] as const;
export type CstaErrorCategory = (typeof CSTA_ERROR_CATEGORIES)[number];
/**
 * The error values of the ECMA-269 categories the lab's gateway and clients use: operation
 * (OperationErrors), stateIncompatibility, systemResourceAvailability (docs/protocols/csta.md §10).
 * A parsed CSTAErrorCode from a peer may carry any value; the lab's own answers use these.
 */
export const CSTA_ERROR_VALUES = [
  'generic',
  'requestIncompatibleWithObject',
  'valueOutOfRange',
  'objectNotKnown',
  'invalidCallingDevice',
  'invalidCalledDevice',
  'invalidForwardingDestination',
  'privilegeViolationOnSpecifiedDevice',
  'privilegeViolationOnCalledDevice',
  'privilegeViolationOnCallingDevice',
  'invalidCallIdentifier',
  'invalidDeviceIdentifier',
  'invalidConnectionIdentifier',
  'invalidDestination',
  'invalidFeature',
  'invalidAllocationState',
  'invalidCrossRefID',
  'invalidObjectType',
  'securityViolation',
  'invalidObjectState',
  'invalidConnectionID',
  'noActiveCall',
  'noHeldCall',
  'noCallToClear',
  'noConnectionToClear',
  'noCallToAnswer',
  'noCallToComplete',
  'resourceBusy',
  'serviceBusy',
  'resourceOutOfService',
  'unspecified',
] as const;
export type CstaErrorValue = (typeof CSTA_ERROR_VALUES)[number];
export interface CSTAErrorCode { type: 'CSTAErrorCode'; category: CstaErrorCategory; value: string }

// ---------------------------------------------------------------------------------------------------------------
// Events (gateway -> client; new INFOs in the dialog). All carry monitorCrossRefID first (pidgin-sipe ignores events
// whose monitorCrossRefID differs from the MonitorStartResponse's).

interface CallEventBase {
  monitorCrossRefID: string;
  localConnectionInfo?: LocalConnectionState;
  /** ECMA-269 §12.2.9 EventCause, e.g. normal, newCall, makeCall, normalClearing, callCancelled, singleStepTransfer. */
  cause: string;
}

export interface ServiceInitiatedEvent extends CallEventBase {
  type: 'ServiceInitiatedEvent';
  initiatedConnection: ConnectionID;
  initiatingDevice: DeviceRef;
}
export interface OriginatedEvent extends CallEventBase {
  type: 'OriginatedEvent';
  originatedConnection: ConnectionID;
  callingDevice: DeviceRef;
  calledDevice: DeviceRef;
}
export interface DeliveredEvent extends CallEventBase {
  type: 'DeliveredEvent';
  connection: ConnectionID;
  alertingDevice: DeviceRef;
  callingDevice: DeviceRef;
  calledDevice: DeviceRef;
  lastRedirectionDevice?: DeviceRef;
}
export interface EstablishedEvent extends CallEventBase {
  type: 'EstablishedEvent';
  establishedConnection: ConnectionID;
  answeringDevice: DeviceRef;
  callingDevice: DeviceRef;
  calledDevice: DeviceRef;
  lastRedirectionDevice?: DeviceRef;
}
export interface ConnectionClearedEvent extends CallEventBase {
  type: 'ConnectionClearedEvent';
  droppedConnection: ConnectionID;
  releasingDevice: DeviceRef;
}
export interface FailedEvent extends CallEventBase {
  type: 'FailedEvent';
  failedConnection: ConnectionID;
  failingDevice: DeviceRef;
  callingDevice: DeviceRef;
  calledDevice: DeviceRef;
}
export interface HeldEvent extends CallEventBase {
  type: 'HeldEvent';
  heldConnection: ConnectionID;
  holdingDevice: DeviceRef;
}
export interface RetrievedEvent extends CallEventBase {
  type: 'RetrievedEvent';
  retrievedConnection: ConnectionID;
  retrievingDevice: DeviceRef;
}
/** ECMA-323 spells it with one "r". */
export interface TransferedEvent extends CallEventBase {
  type: 'TransferedEvent';
  primaryOldCall: ConnectionID;
  secondaryOldCall?: ConnectionID;
  transferringDevice: DeviceRef;
  transferredToDevice: DeviceRef;
  transferredConnections?: ConnectionListItem[];
}
export interface ConferencedEvent extends CallEventBase {
  type: 'ConferencedEvent';
  primaryOldCall: ConnectionID;
  secondaryOldCall?: ConnectionID;
  conferencingDevice: DeviceRef;
  addedParty?: DeviceRef;
  conferenceConnections: ConnectionListItem[];
}
export interface DivertedEvent extends CallEventBase {
  type: 'DivertedEvent';
  connection: ConnectionID;
  divertingDevice: DeviceRef;
  newDestination: DeviceRef;
  lastRedirectionDevice?: DeviceRef;
}
export interface DigitsGeneratedEvent {
  type: 'DigitsGeneratedEvent';
  monitorCrossRefID: string;
  connection: ConnectionID;
  digitGeneratedList: string;
}
export interface ForwardingEvent {
  type: 'ForwardingEvent';
  monitorCrossRefID: string;
  device: DeviceRef;
  forwardingType: ForwardingType;
  forwardStatus: boolean;
  forwardTo?: DeviceRef;
  ringCount?: number;
}
export interface DoNotDisturbEvent {
  type: 'DoNotDisturbEvent';
  monitorCrossRefID: string;
  device: DeviceRef;
  doNotDisturbOn: boolean;
}

export type CstaEvent =
  | ServiceInitiatedEvent
  | OriginatedEvent
  | DeliveredEvent
  | EstablishedEvent
  | ConnectionClearedEvent
  | FailedEvent
  | HeldEvent
  | RetrievedEvent
  | TransferedEvent
  | ConferencedEvent
  | DivertedEvent
  | DigitsGeneratedEvent
  | ForwardingEvent
  | DoNotDisturbEvent;

export type CstaMessage = CstaRequest | CstaResponse | CSTAErrorCode | CstaEvent;
export type CstaMessageType = CstaMessage['type'];
export type CstaRequestType = CstaRequest['type'];
export type CstaResponseType = CstaResponse['type'];
export type CstaEventType = CstaEvent['type'];
/** The positive response to a request type: ECMA-323 names it `<Request>Response`. */
export type CstaResponseTypeFor<R extends CstaRequestType> = `${R}Response` & CstaResponseType;
export type CstaMessageOf<T extends CstaMessageType> = Extract<CstaMessage, { type: T }>;

export const CSTA_REQUEST_TYPES = [
  'RequestSystemStatus',
  'GetCSTAFeatures',
  'MonitorStart',
  'MonitorStop',
  'MakeCall',
  'AnswerCall',
  'ClearConnection',
  'HoldCall',
  'RetrieveCall',
  'SingleStepTransferCall',
  'ConsultationCall',
  'TransferCall',
  'AlternateCall',
  'ReconnectCall',
  'ConferenceCall',
  'DeflectCall',
  'GenerateDigits',
  'SetForwarding',
  'GetForwarding',
  'SetDoNotDisturb',
  'GetDoNotDisturb',
  'SnapshotDevice',
] as const satisfies readonly CstaRequestType[];

export const CSTA_EVENT_TYPES = [
  'ServiceInitiatedEvent',
  'OriginatedEvent',
  'DeliveredEvent',
  'EstablishedEvent',
  'ConnectionClearedEvent',
  'FailedEvent',
  'HeldEvent',
  'RetrievedEvent',
  'TransferedEvent',
  'ConferencedEvent',
  'DivertedEvent',
  'DigitsGeneratedEvent',
  'ForwardingEvent',
  'DoNotDisturbEvent',
] as const satisfies readonly CstaEventType[];

export const CSTA_RESPONSE_TYPES = CSTA_REQUEST_TYPES.map((t) => `${t}Response` as CstaResponseType);

export function isCstaRequest(message: CstaMessage): message is CstaRequest {
  return (CSTA_REQUEST_TYPES as readonly string[]).includes(message.type);
}

export function isCstaEvent(message: CstaMessage): message is CstaEvent {
  return (CSTA_EVENT_TYPES as readonly string[]).includes(message.type);
}

/** Positive responses only; see isCstaError for the negative one. */
export function isCstaResponse(message: CstaMessage): message is CstaResponse {
  return (CSTA_RESPONSE_TYPES as readonly string[]).includes(message.type);
}

export function isCstaError(message: CstaMessage): message is CSTAErrorCode {
  return message.type === 'CSTAErrorCode';
}

/** ECMA-323: the positive response to request X is the element XResponse (a CSTAErrorCode may come instead). */
export function responseTypeFor<R extends CstaRequestType>(requestType: R): CstaResponseTypeFor<R> {
  return `${requestType}Response` as CstaResponseTypeFor<R>;
}
