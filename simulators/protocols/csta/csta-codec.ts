/**
 * ECMA-323 CSTA XML codec for uaCSTA (ECMA TR/87) remote call control: `application/csta+xml` bodies of SIP
 * INVITE / INFO / 200 OK between Office Communicator 2007 R2 (via OCS) and CUP.
 *
 * Parsing matches on local names only, accepts any ECMA-323 edition namespace (or none), and ignores elements it
 * does not model (servicesPermitted, mediaCallCharacteristics, correlatorData... - ECMA-323 extensibility).
 * Serialization writes elements in ECMA-323 schema order, compact, with an XML declaration, in ed3 unless told.
 *
 * Each message is described by a field table (one row per child element, in schema order); the element order
 * and names come from docs/protocols/csta.md §6 / §7 (pidgin-sipe sip-csta.c, a public uaCSTA phone firmware, a
 * Siemens ECMA-323 ed4 DeliveredEvent sample).
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { child, children, el, parseXml, serializeXml, type XmlElement } from '../xml/xml';
import { CSTA_NS_DEFAULT, MS_RCC_EXTENSION_NS, isCstaNamespace } from './csta-namespaces';
import {
  ABSENT_DEVICE,
  ABSENT_DEVICE_CHOICES,
  AUTO_ORIGINATE_VALUES,
  CSTA_ERROR_CATEGORIES,
  FORWARDING_TYPES,
  LOCAL_CONNECTION_STATES,
  SYSTEM_STATUSES,
  isAbsentDevice,
  type AbsentDeviceChoice,
  type ConnectionID,
  type ConnectionListItem,
  type CstaErrorCategory,
  type CstaMessage,
  type CstaMessageOf,
  type CstaMessageType,
  type ForwardListItem,
  type SnapshotCall,
} from './csta-messages';

const PROTOCOL = 'csta';

// ---------------------------------------------------------------------------------------------------------------
// Field table

/**
 * How a field sits on the wire:
 * - text: `<x>value</x>` (optionally one of `values`);
 * - address: a plain DeviceID `<x>tel:+1...</x>` (requests); parsing also accepts one wrapped child
 *   (`<x><device>..</device></x>` as the public uaCSTA firmware reads DeflectCall newDestination, or deviceIdentifier);
 * - device: `<x><deviceIdentifier>..</deviceIdentifier></x>` (events) or `<x><deviceObject>..` (MonitorStart);
 *   parsing also accepts the empty choices notKnown/notRequired/restricted/notSpecified and plain text;
 * - lcsLine: `<extensions><privateData><private><lcs:line>..` (Microsoft RCC private data, pidgin-sipe);
 * - connection: `<x><callID>..</callID><deviceID>..</deviceID></x>`; the rest are lists.
 */
type KindFor<V> = [V] extends [boolean]
  ? 'bool'
  : [V] extends [number]
    ? 'int'
    : [V] extends [string]
      ? 'text' | 'address' | 'device' | 'lcsLine'
      : [V] extends [ConnectionID]
        ? 'connection'
        : [V] extends [ForwardListItem[]]
          ? 'forwardingList'
          : [V] extends [SnapshotCall[]]
            ? 'snapshotCalls'
            : [V] extends [string[]]
              ? 'supportedServices'
              : [V] extends [ConnectionListItem[]]
                ? 'connectionList'
                : never;

type Kind = 'bool' | 'int' | 'text' | 'address' | 'device' | 'lcsLine' | 'connection' | 'forwardingList' | 'snapshotCalls' | 'supportedServices' | 'connectionList';

type Field<M, K extends keyof M & string> = {
  key: K;
  kind: KindFor<NonNullable<M[K]>>;
  /** Element name when it differs from the key. */
  xml?: string;
  /** Inner element for kind 'device' (default deviceIdentifier). */
  wrap?: string;
  /** Allowed values for kind 'text'. */
  values?: readonly string[];
} & (undefined extends M[K] ? { optional: true } : { optional?: never });

type FieldOf<M> = { [K in Exclude<keyof M, 'type'> & string]: Field<M, K> }[Exclude<keyof M, 'type'> & string];

type TableType = Exclude<CstaMessageType, 'CSTAErrorCode'>;
type FieldTable = { [T in TableType]: readonly FieldOf<CstaMessageOf<T>>[] };

/** What every row looks like once the per-message typing has done its job. */
interface AnyField {
  key: string;
  kind: Kind;
  xml?: string;
  wrap?: string;
  values?: readonly string[];
  optional?: boolean;
}

const heldActive = [
  { key: 'heldCall', kind: 'connection' },
  { key: 'activeCall', kind: 'connection' },
] as const;

const localConnectionInfo = { key: 'localConnectionInfo', kind: 'text', values: LOCAL_CONNECTION_STATES, optional: true } as const;
const cause = { key: 'cause', kind: 'text' } as const;
const monitorCrossRefID = { key: 'monitorCrossRefID', kind: 'text' } as const;

const FIELDS: FieldTable = {
  // ---- requests (ECMA-323 clause per service; element order per docs/protocols/csta.md §6)
  // pidgin-sipe SIP_SEND_CSTA_REQUEST_SYSTEM_STATUS: only the lcs:line private data.
  RequestSystemStatus: [{ key: 'line', kind: 'lcsLine', optional: true }],
  // pidgin-sipe SIP_SEND_CSTA_GET_CSTA_FEATURES.
  GetCSTAFeatures: [{ key: 'line', kind: 'lcsLine', optional: true }],
  // pidgin-sipe SIP_SEND_CSTA_MONITOR_START: <monitorObject><deviceObject>LINE</deviceObject></monitorObject>.
  MonitorStart: [{ key: 'monitorObject', kind: 'device', wrap: 'deviceObject' }],
  MonitorStop: [monitorCrossRefID],
  // pidgin-sipe SIP_SEND_CSTA_MAKE_CALL: callingDevice, calledDirectoryNumber, autoOriginate=doNotPrompt.
  MakeCall: [
    { key: 'callingDevice', kind: 'address' },
    { key: 'calledDirectoryNumber', kind: 'address' },
    { key: 'autoOriginate', kind: 'text', values: AUTO_ORIGINATE_VALUES, optional: true },
  ],
  AnswerCall: [{ key: 'callToBeAnswered', kind: 'connection' }],
  // pidgin-sipe SIP_SEND_CSTA_CLEAR_CONNECTION.
  ClearConnection: [{ key: 'connectionToBeCleared', kind: 'connection' }],
  HoldCall: [{ key: 'callToBeHeld', kind: 'connection' }],
  RetrieveCall: [{ key: 'callToBeRetrieved', kind: 'connection' }],
  SingleStepTransferCall: [
    { key: 'activeCall', kind: 'connection' },
    { key: 'transferredTo', kind: 'address' },
  ],
  ConsultationCall: [
    { key: 'existingCall', kind: 'connection' },
    { key: 'consultedDevice', kind: 'address' },
  ],
  TransferCall: heldActive,
  AlternateCall: heldActive,
  ReconnectCall: heldActive,
  ConferenceCall: heldActive,
  DeflectCall: [
    { key: 'callToBeDiverted', kind: 'connection' },
    { key: 'newDestination', kind: 'address' },
  ],
  GenerateDigits: [
    { key: 'connectionToSendDigits', kind: 'connection' },
    { key: 'charactersToSend', kind: 'text' },
  ],
  SetForwarding: [
    { key: 'device', kind: 'address' },
    { key: 'forwardingType', kind: 'text', values: FORWARDING_TYPES },
    { key: 'activateForward', kind: 'bool' },
    { key: 'forwardDN', kind: 'address', optional: true },
    { key: 'ringCount', kind: 'int', optional: true },
  ],
  GetForwarding: [{ key: 'device', kind: 'address' }],
  SetDoNotDisturb: [
    { key: 'device', kind: 'address' },
    { key: 'doNotDisturbOn', kind: 'bool' },
  ],
  GetDoNotDisturb: [{ key: 'device', kind: 'address' }],
  SnapshotDevice: [{ key: 'snapshotObject', kind: 'address' }],

  // ---- positive responses
  // pidgin-sipe process_invite_csta_gateway_response reads systemStatus and continues only on "normal".
  RequestSystemStatusResponse: [{ key: 'systemStatus', kind: 'text', values: SYSTEM_STATUSES }],
  // Modelled (docs/protocols/csta.md §9): no public sample of the body.
  GetCSTAFeaturesResponse: [{ key: 'supportedServices', kind: 'supportedServices' }],
  // pidgin-sipe process_csta_monitor_start_response reads monitorCrossRefID; the uaCSTA firmware adds
  // monitorExistingCalls.
  MonitorStartResponse: [monitorCrossRefID, { key: 'monitorExistingCalls', kind: 'bool', optional: true }],
  MonitorStopResponse: [],
  // pidgin-sipe process_csta_make_call_response reads callingDevice/{callID,deviceID}; calledDevice is plain.
  MakeCallResponse: [
    { key: 'callingDevice', kind: 'connection' },
    { key: 'calledDevice', kind: 'address', optional: true },
  ],
  AnswerCallResponse: [],
  ClearConnectionResponse: [],
  HoldCallResponse: [],
  RetrieveCallResponse: [],
  SingleStepTransferCallResponse: [{ key: 'transferredCall', kind: 'connection' }],
  ConsultationCallResponse: [{ key: 'initiatedCall', kind: 'connection' }],
  TransferCallResponse: [{ key: 'transferredCall', kind: 'connection' }],
  AlternateCallResponse: [],
  ReconnectCallResponse: [],
  ConferenceCallResponse: [
    { key: 'conferenceCall', kind: 'connection' },
    { key: 'connections', kind: 'connectionList', optional: true },
  ],
  DeflectCallResponse: [],
  GenerateDigitsResponse: [],
  SetForwardingResponse: [],
  GetForwardingResponse: [{ key: 'forwardingList', kind: 'forwardingList' }],
  SetDoNotDisturbResponse: [],
  GetDoNotDisturbResponse: [{ key: 'doNotDisturbOn', kind: 'bool' }],
  SnapshotDeviceResponse: [{ key: 'calls', kind: 'snapshotCalls', xml: 'crossRefIDorSnapshotData' }],

  // ---- events: monitorCrossRefID, connection, devices, [lastRedirectionDevice], localConnectionInfo, cause
  // (order of the Siemens ed4 DeliveredEvent sample; pidgin-sipe process_incoming_info_csta reads the connection
  // element names originatedConnection / connection / establishedConnection / droppedConnection).
  ServiceInitiatedEvent: [
    monitorCrossRefID,
    { key: 'initiatedConnection', kind: 'connection' },
    { key: 'initiatingDevice', kind: 'device' },
    localConnectionInfo,
    cause,
  ],
  OriginatedEvent: [
    monitorCrossRefID,
    { key: 'originatedConnection', kind: 'connection' },
    { key: 'callingDevice', kind: 'device' },
    { key: 'calledDevice', kind: 'device' },
    localConnectionInfo,
    cause,
  ],
  DeliveredEvent: [
    monitorCrossRefID,
    { key: 'connection', kind: 'connection' },
    { key: 'alertingDevice', kind: 'device' },
    { key: 'callingDevice', kind: 'device' },
    { key: 'calledDevice', kind: 'device' },
    { key: 'lastRedirectionDevice', kind: 'device', optional: true },
    localConnectionInfo,
    cause,
  ],
  EstablishedEvent: [
    monitorCrossRefID,
    { key: 'establishedConnection', kind: 'connection' },
    { key: 'answeringDevice', kind: 'device' },
    { key: 'callingDevice', kind: 'device' },
    { key: 'calledDevice', kind: 'device' },
    { key: 'lastRedirectionDevice', kind: 'device', optional: true },
    localConnectionInfo,
    cause,
  ],
  ConnectionClearedEvent: [
    monitorCrossRefID,
    { key: 'droppedConnection', kind: 'connection' },
    { key: 'releasingDevice', kind: 'device' },
    localConnectionInfo,
    cause,
  ],
  FailedEvent: [
    monitorCrossRefID,
    { key: 'failedConnection', kind: 'connection' },
    { key: 'failingDevice', kind: 'device' },
    { key: 'callingDevice', kind: 'device' },
    { key: 'calledDevice', kind: 'device' },
    localConnectionInfo,
    cause,
  ],
  HeldEvent: [
    monitorCrossRefID,
    { key: 'heldConnection', kind: 'connection' },
    { key: 'holdingDevice', kind: 'device' },
    localConnectionInfo,
    cause,
  ],
  RetrievedEvent: [
    monitorCrossRefID,
    { key: 'retrievedConnection', kind: 'connection' },
    { key: 'retrievingDevice', kind: 'device' },
    localConnectionInfo,
    cause,
  ],
  TransferedEvent: [
    monitorCrossRefID,
    { key: 'primaryOldCall', kind: 'connection' },
    { key: 'secondaryOldCall', kind: 'connection', optional: true },
    { key: 'transferringDevice', kind: 'device' },
    { key: 'transferredToDevice', kind: 'device' },
    { key: 'transferredConnections', kind: 'connectionList', optional: true },
    localConnectionInfo,
    cause,
  ],
  ConferencedEvent: [
    monitorCrossRefID,
    { key: 'primaryOldCall', kind: 'connection' },
    { key: 'secondaryOldCall', kind: 'connection', optional: true },
    { key: 'conferencingDevice', kind: 'device' },
    { key: 'addedParty', kind: 'device', optional: true },
    { key: 'conferenceConnections', kind: 'connectionList' },
    localConnectionInfo,
    cause,
  ],
  DivertedEvent: [
    monitorCrossRefID,
    { key: 'connection', kind: 'connection' },
    { key: 'divertingDevice', kind: 'device' },
    { key: 'newDestination', kind: 'device' },
    { key: 'lastRedirectionDevice', kind: 'device', optional: true },
    localConnectionInfo,
    cause,
  ],
  DigitsGeneratedEvent: [
    monitorCrossRefID,
    { key: 'connection', kind: 'connection' },
    { key: 'digitGeneratedList', kind: 'text' },
  ],
  ForwardingEvent: [
    monitorCrossRefID,
    { key: 'device', kind: 'device' },
    { key: 'forwardingType', kind: 'text', values: FORWARDING_TYPES },
    { key: 'forwardStatus', kind: 'bool' },
    { key: 'forwardTo', kind: 'address', optional: true },
    { key: 'ringCount', kind: 'int', optional: true },
  ],
  DoNotDisturbEvent: [
    monitorCrossRefID,
    { key: 'device', kind: 'device' },
    { key: 'doNotDisturbOn', kind: 'bool' },
  ],
};

function fieldsOf(type: TableType): readonly AnyField[] {
  return FIELDS[type];
}

function isTableType(name: string): name is TableType {
  return Object.prototype.hasOwnProperty.call(FIELDS, name);
}

/**
 * Modelled GetCSTAFeaturesResponse grouping (docs/protocols/csta.md §9): ECMA-269 service families. Services not
 * listed are written under otherServices.
 */
const SERVICE_GROUPS: Record<string, readonly string[]> = {
  callControlServices: [
    'alternateCall', 'answerCall', 'clearConnection', 'conferenceCall', 'consultationCall', 'deflectCall',
    'holdCall', 'makeCall', 'reconnectCall', 'retrieveCall', 'singleStepTransfer', 'transferCall',
  ],
  callAssociatedServices: ['generateDigits'],
  logicalDeviceFeatures: ['getDoNotDisturb', 'getForwarding', 'setDoNotDisturb', 'setForwarding'],
  monitoringServices: ['monitorStart', 'monitorStop'],
  snapshotServices: ['snapshotDevice'],
  systemServices: ['requestSystemStatus', 'getCSTAFeatures'],
};
const OTHER_SERVICES = 'otherServices';

function groupOf(service: string): string {
  for (const [group, members] of Object.entries(SERVICE_GROUPS)) if (members.includes(service)) return group;
  return OTHER_SERVICES;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding

type Decoded = Result<unknown>;

const missing = (path: string): { ok: false; error: CodecError } => fail(new CodecError(PROTOCOL, `missing <${path}>`));
const invalid = (path: string, what: string): { ok: false; error: CodecError } =>
  fail(new CodecError(PROTOCOL, `invalid <${path}>: ${what}`));

/** ECMA-269 ConnectionID as ECMA-323 writes it: `<callID>` and `<deviceID>` children. */
function decodeConnection(element: XmlElement, path: string): Result<ConnectionID> {
  const callID = child(element, 'callID');
  if (!callID) return missing(`${path}/callID`);
  const deviceID = child(element, 'deviceID');
  if (!deviceID) return missing(`${path}/deviceID`);
  return ok({ callID: callID.text, deviceID: deviceID.text });
}

/** XML Schema Part 2 §3.2.2 boolean: true, false, 1, 0. */
function decodeBool(element: XmlElement, path: string): Result<boolean> {
  if (element.text === 'true' || element.text === '1') return ok(true);
  if (element.text === 'false' || element.text === '0') return ok(false);
  return invalid(path, `'${element.text}' is not a boolean`);
}

function decodeDevice(element: XmlElement, path: string, wrap: string): Result<string> {
  const wrapped = child(element, wrap);
  if (wrapped) return ok(wrapped.text);
  // ECMA-323 ExtendedDeviceID / CalledDeviceID choices that carry no identifier.
  for (const choice of ABSENT_DEVICE_CHOICES) if (child(element, choice)) return ok(ABSENT_DEVICE[choice]);
  // Tolerance (modelling choice): a bare identifier where ECMA-323 wraps it.
  if (element.children.length === 0 && element.text !== '') return ok(element.text);
  return missing(`${path}/${wrap}`);
}

function decodeAddress(element: XmlElement, path: string): Result<string> {
  if (element.children.length === 0) return ok(element.text);
  // docs/protocols/csta.md §6: the uaCSTA firmware reads DeflectCall newDestination/device; accept a wrapped
  // identifier.
  const inner = child(element, 'device') ?? child(element, 'deviceIdentifier') ?? child(element, 'deviceObject');
  if (inner) return ok(inner.text);
  return invalid(path, 'expected a device identifier');
}

function decodeConnectionList(element: XmlElement, path: string): Result<ConnectionListItem[]> {
  const items: ConnectionListItem[] = [];
  for (const [i, itemElement] of children(element, 'connectionListItem').entries()) {
    const item: ConnectionListItem = {};
    for (const key of ['newConnection', 'oldConnection'] as const) {
      const connectionElement = child(itemElement, key);
      if (!connectionElement) continue;
      const connection = decodeConnection(connectionElement, `${path}/connectionListItem[${i}]/${key}`);
      if (!connection.ok) return connection;
      item[key] = connection.value;
    }
    items.push(item);
  }
  return ok(items);
}

/** GetForwardingResponse forwardingList/forwardListItem/{forwardingType, forwardStatus, forwardDN} (§1.4). */
function decodeForwardingList(element: XmlElement, path: string): Result<ForwardListItem[]> {
  const items: ForwardListItem[] = [];
  for (const [i, itemElement] of children(element, 'forwardListItem').entries()) {
    const itemPath = `${path}/forwardListItem[${i}]`;
    const typeElement = child(itemElement, 'forwardingType');
    if (!typeElement) return missing(`${itemPath}/forwardingType`);
    const forwardingType = typeElement.text;
    if (!(FORWARDING_TYPES as readonly string[]).includes(forwardingType)) {
      return invalid(`${itemPath}/forwardingType`, `unknown value '${forwardingType}'`);
    }
    const statusElement = child(itemElement, 'forwardStatus');
    if (!statusElement) return missing(`${itemPath}/forwardStatus`);
    const forwardStatus = decodeBool(statusElement, `${itemPath}/forwardStatus`);
    if (!forwardStatus.ok) return forwardStatus;
    const item: ForwardListItem = { forwardingType: forwardingType as ForwardListItem['forwardingType'], forwardStatus: forwardStatus.value };
    const dnElement = child(itemElement, 'forwardDN');
    if (dnElement) {
      const forwardDN = decodeAddress(dnElement, `${itemPath}/forwardDN`);
      if (!forwardDN.ok) return forwardDN;
      item.forwardDN = forwardDN.value;
    }
    items.push(item);
  }
  return ok(items);
}

/**
 * SnapshotDeviceResponse crossRefIDorSnapshotData/snapshotData/snapshotDeviceResponseInfo/
 * {connectionIdentifier, localCallState/compoundCallState/localConnectionState} (docs/protocols/csta.md §6).
 */
function decodeSnapshotCalls(element: XmlElement, path: string): Result<SnapshotCall[]> {
  const snapshotData = child(element, 'snapshotData');
  if (!snapshotData) return missing(`${path}/snapshotData`);
  const calls: SnapshotCall[] = [];
  for (const [i, info] of children(snapshotData, 'snapshotDeviceResponseInfo').entries()) {
    const infoPath = `${path}/snapshotData/snapshotDeviceResponseInfo[${i}]`;
    const connectionElement = child(info, 'connectionIdentifier');
    if (!connectionElement) return missing(`${infoPath}/connectionIdentifier`);
    const connection = decodeConnection(connectionElement, `${infoPath}/connectionIdentifier`);
    if (!connection.ok) return connection;
    const stateElement = child(child(child(info, 'localCallState'), 'compoundCallState'), 'localConnectionState');
    if (!stateElement) return missing(`${infoPath}/localCallState/compoundCallState/localConnectionState`);
    if (!(LOCAL_CONNECTION_STATES as readonly string[]).includes(stateElement.text)) {
      return invalid(`${infoPath}/localCallState/compoundCallState/localConnectionState`, `unknown value '${stateElement.text}'`);
    }
    calls.push({ connection: connection.value, localConnectionState: stateElement.text as SnapshotCall['localConnectionState'] });
  }
  return ok(calls);
}

function decodeSupportedServices(element: XmlElement): string[] {
  const services: string[] = [];
  for (const group of element.children) {
    for (const service of group.children) if (service.text === '' || service.text === 'true' || service.text === '1') services.push(service.name);
  }
  return services;
}

function decodeField(parent: XmlElement, field: AnyField, parentPath: string): Decoded | undefined {
  if (field.kind === 'lcsLine') {
    // pidgin-sipe: <extensions><privateData><private><lcs:line xmlns:lcs="...RCCExtension">LINE</lcs:line>
    const line = child(child(child(child(parent, 'extensions'), 'privateData'), 'private'), 'line');
    return line ? ok(line.text) : undefined;
  }
  const name = field.xml ?? field.key;
  const path = `${parentPath}/${name}`;
  const element = child(parent, name);
  if (!element) return field.optional ? undefined : missing(path);
  switch (field.kind) {
    case 'text':
      if (field.values && !field.values.includes(element.text)) return invalid(path, `unknown value '${element.text}'`);
      return ok(element.text);
    case 'address':
      return decodeAddress(element, path);
    case 'device':
      return decodeDevice(element, path, field.wrap ?? 'deviceIdentifier');
    case 'bool':
      return decodeBool(element, path);
    case 'int':
      return /^[0-9]{1,9}$/.test(element.text) ? ok(Number(element.text)) : invalid(path, `'${element.text}' is not a count`);
    case 'connection':
      return decodeConnection(element, path);
    case 'connectionList':
      return decodeConnectionList(element, path);
    case 'forwardingList':
      return decodeForwardingList(element, path);
    case 'snapshotCalls':
      return decodeSnapshotCalls(element, path);
    case 'supportedServices':
      return ok(decodeSupportedServices(element));
  }
}

/**
 * ECMA-323 CSTAErrorCode: exactly one category child. The element for ECMA-269 SecurityError is `security`;
 * `securityError` and the misspelling `systemResourceAvailibility` (seen in a public CSTA client) are tolerated.
 */
const ERROR_ELEMENT_TO_CATEGORY: Record<string, CstaErrorCategory> = {
  operation: 'operation',
  stateIncompatibility: 'stateIncompatibility',
  systemResourceAvailability: 'systemResourceAvailability',
  systemResourceAvailibility: 'systemResourceAvailability',
  subscribedResourceAvailability: 'subscribedResourceAvailability',
  performanceManagement: 'performanceManagement',
  security: 'securityError',
  securityError: 'securityError',
  unspecified: 'unspecified',
};
const CATEGORY_TO_ERROR_ELEMENT: Record<CstaErrorCategory, string> = {
  operation: 'operation',
  stateIncompatibility: 'stateIncompatibility',
  systemResourceAvailability: 'systemResourceAvailability',
  subscribedResourceAvailability: 'subscribedResourceAvailability',
  performanceManagement: 'performanceManagement',
  securityError: 'security',
  unspecified: 'unspecified',
};

function decodeError(root: XmlElement): Result<CstaMessage> {
  for (const element of root.children) {
    const category = Object.prototype.hasOwnProperty.call(ERROR_ELEMENT_TO_CATEGORY, element.name)
      ? ERROR_ELEMENT_TO_CATEGORY[element.name]
      : undefined;
    if (category) return ok({ type: 'CSTAErrorCode', category, value: element.text });
  }
  return fail(new CodecError(PROTOCOL, `missing <CSTAErrorCode>/<${CSTA_ERROR_CATEGORIES.join('|')}>`));
}

export interface CstaEnvelope {
  message: CstaMessage;
  /** Namespace of the root element (undefined when the document declared none): write the answer in it. */
  namespace?: string;
}

/** Parses a CSTA XML body and reports the namespace it was written in. Never throws. */
export function parseCstaEnvelope(xml: string): Result<CstaEnvelope> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return fail(new CodecError(PROTOCOL, parsed.error.message, parsed.error.where));
  const root = parsed.value;
  // Modelling choice (docs/protocols/csta.md §5): every ECMA-323 edition, the ecmainternational.org typo, or no
  // namespace.
  if (root.namespace !== undefined && !isCstaNamespace(root.namespace)) {
    return fail(new CodecError(PROTOCOL, `<${root.name}> is in namespace '${root.namespace}', not an ECMA-323 CSTA namespace`));
  }
  const envelope = (message: CstaMessage): Result<CstaEnvelope> =>
    ok(root.namespace === undefined ? { message } : { message, namespace: root.namespace });
  if (root.name === 'CSTAErrorCode') {
    const error = decodeError(root);
    return error.ok ? envelope(error.value) : error;
  }
  if (!isTableType(root.name)) return fail(new CodecError(PROTOCOL, `unknown CSTA message <${root.name}>`));
  const record: Record<string, unknown> = { type: root.name };
  for (const field of fieldsOf(root.name)) {
    const decoded = decodeField(root, field, root.name);
    if (decoded === undefined) continue;
    if (!decoded.ok) return decoded;
    record[field.key] = decoded.value;
  }
  // The field table above is typed against each message interface, so the record has the message's shape.
  return envelope(record as unknown as CstaMessage);
}

/** Parses a CSTA XML body (request, response, CSTAErrorCode or event). Never throws. */
export function parseCsta(xml: string): Result<CstaMessage> {
  const envelope = parseCstaEnvelope(xml);
  return envelope.ok ? ok(envelope.value.message) : envelope;
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

function connectionElement(name: string, connection: ConnectionID): XmlElement {
  return el(name, {}, [el('callID', {}, connection.callID), el('deviceID', {}, connection.deviceID)]);
}

function isConnection(value: unknown): value is ConnectionID {
  return typeof value === 'object' && value !== null && 'callID' in value && 'deviceID' in value;
}

function deviceElement(name: string, device: string, wrap: string): XmlElement {
  if (isAbsentDevice(device)) return el(name, {}, [el(device.slice(1) as AbsentDeviceChoice)]);
  return el(name, {}, [el(wrap, {}, device)]);
}

function encodeField(field: AnyField, value: unknown): XmlElement | undefined {
  const name = field.xml ?? field.key;
  switch (field.kind) {
    case 'text':
    case 'address':
      return typeof value === 'string' ? el(name, {}, value) : undefined;
    case 'device':
      return typeof value === 'string' ? deviceElement(name, value, field.wrap ?? 'deviceIdentifier') : undefined;
    case 'lcsLine': {
      if (typeof value !== 'string') return undefined;
      const line: XmlElement = { ...el('lcs:line', {}, value), namespace: MS_RCC_EXTENSION_NS };
      return el('extensions', {}, [el('privateData', {}, [el('private', {}, [line])])]);
    }
    case 'bool':
      return typeof value === 'boolean' ? el(name, {}, value ? 'true' : 'false') : undefined;
    case 'int':
      return typeof value === 'number' ? el(name, {}, String(Math.trunc(value))) : undefined;
    case 'connection':
      return isConnection(value) ? connectionElement(name, value) : undefined;
    case 'connectionList': {
      if (!Array.isArray(value)) return undefined;
      const items = (value as ConnectionListItem[]).map((item) => {
        const parts: XmlElement[] = [];
        if (item.newConnection) parts.push(connectionElement('newConnection', item.newConnection));
        if (item.oldConnection) parts.push(connectionElement('oldConnection', item.oldConnection));
        return el('connectionListItem', {}, parts);
      });
      return el(name, {}, items);
    }
    case 'forwardingList': {
      if (!Array.isArray(value)) return undefined;
      const items = (value as ForwardListItem[]).map((item) => {
        const parts = [el('forwardingType', {}, item.forwardingType), el('forwardStatus', {}, item.forwardStatus ? 'true' : 'false')];
        if (item.forwardDN !== undefined) parts.push(el('forwardDN', {}, item.forwardDN));
        return el('forwardListItem', {}, parts);
      });
      return el(name, {}, items);
    }
    case 'snapshotCalls': {
      if (!Array.isArray(value)) return undefined;
      const infos = (value as SnapshotCall[]).map((call) =>
        el('snapshotDeviceResponseInfo', {}, [
          connectionElement('connectionIdentifier', call.connection),
          el('localCallState', {}, [el('compoundCallState', {}, [el('localConnectionState', {}, call.localConnectionState)])]),
        ]),
      );
      return el(name, {}, [el('snapshotData', {}, infos)]);
    }
    case 'supportedServices': {
      if (!Array.isArray(value)) return undefined;
      const groups = new Map<string, XmlElement[]>();
      for (const service of value) {
        if (typeof service !== 'string') continue;
        const group = groupOf(service);
        const list = groups.get(group) ?? [];
        list.push(el(service, {}, 'true'));
        groups.set(group, list);
      }
      return el(name, {}, [...groups].map(([group, services]) => el(group, {}, services)));
    }
  }
}

export interface SerializeCstaOptions {
  /** Default namespace of the document; ed3 (what OC 2007 R2 uses) unless given. Use the request's for answers. */
  namespace?: string;
}

/** Builds the XML element tree of a message (root in the given namespace, children inheriting it). */
export function cstaToXmlElement(message: CstaMessage, options: SerializeCstaOptions = {}): XmlElement {
  const namespace = options.namespace ?? CSTA_NS_DEFAULT;
  let body: XmlElement[];
  if (message.type === 'CSTAErrorCode') {
    body = [el(CATEGORY_TO_ERROR_ELEMENT[message.category], {}, message.value)];
  } else {
    const values = message as unknown as Record<string, unknown>;
    body = [];
    for (const field of fieldsOf(message.type)) {
      const encoded = encodeField(field, values[field.key]);
      if (encoded) body.push(encoded);
    }
  }
  return { ...el(message.type, {}, body), namespace };
}

/** Serializes a message as an `application/csta+xml` body with an XML declaration. */
export function serializeCsta(message: CstaMessage, options: SerializeCstaOptions = {}): string {
  return serializeXml(cstaToXmlElement(message, options), { declaration: true });
}
