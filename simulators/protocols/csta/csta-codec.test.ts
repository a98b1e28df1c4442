import { parseCsta, parseCstaEnvelope, serializeCsta } from './csta-codec';
import {
  ABSENT_DEVICE,
  CSTA_EVENT_TYPES,
  CSTA_REQUEST_TYPES,
  isAbsentDevice,
  isCstaError,
  isCstaEvent,
  isCstaRequest,
  isCstaResponse,
  responseTypeFor,
  type CstaMessage,
  type CstaMessageType,
} from './csta-messages';
import { CSTA_NS_ED3, CSTA_NS_ED4, CSTA_NS_ED5, MS_RCC_EXTENSION_NS, cstaEdition, isCstaNamespace } from './csta-namespaces';

const ED3 = `xmlns="${CSTA_NS_ED3}"`;
const LINE = 'tel:+14085551001;phone-context=dialstring';
const conn = (callID: string, deviceID = LINE) => ({ callID, deviceID });

function mustParse(xml: string): CstaMessage {
  const result = parseCsta(xml);
  if (!result.ok) throw new Error(`expected parse to succeed: ${result.error.message}`);
  return result.value;
}

function parseErrorMessage(xml: string): string {
  const result = parseCsta(xml);
  if (result.ok) throw new Error(`expected parse to fail, got ${JSON.stringify(result.value)}`);
  expect(result.error.code).toBe('UC_CODEC');
  return result.error.message;
}

/** Wire fixtures written as literal XML (the shapes OC / pidgin-sipe / uaCSTA gateways put on the wire). */
const wireFixtures: { name: string; xml: string; message: CstaMessage }[] = [
  {
    name: 'RequestSystemStatus with lcs:line (pidgin-sipe INVITE body)',
    xml:
      `<?xml version="1.0"?><RequestSystemStatus ${ED3}><extensions><privateData><private>` +
      `<lcs:line xmlns:lcs="${MS_RCC_EXTENSION_NS}">tel:73124;phone-context=dialstring;partition=BE_BRS_INT</lcs:line>` +
      `</private></privateData></extensions></RequestSystemStatus>`,
    message: { type: 'RequestSystemStatus', line: 'tel:73124;phone-context=dialstring;partition=BE_BRS_INT' },
  },
  {
    name: 'GetCSTAFeatures (pidgin-sipe, tab-indented)',
    xml:
      `<?xml version="1.0"?><GetCSTAFeatures ${ED3}>\n\t<extensions>\n\t\t<privateData>\n\t\t\t<private>\n` +
      `\t\t\t\t<lcs:line xmlns:lcs="${MS_RCC_EXTENSION_NS}">${LINE}</lcs:line>\n\t\t\t</private>\n\t\t</privateData>\n` +
      `\t</extensions>\n</GetCSTAFeatures>`,
    message: { type: 'GetCSTAFeatures', line: LINE },
  },
  {
    name: 'RequestSystemStatusResponse',
    xml: `<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatusResponse ${ED3}><systemStatus>normal</systemStatus></RequestSystemStatusResponse>`,
    message: { type: 'RequestSystemStatusResponse', systemStatus: 'normal' },
  },
  {
    name: 'MonitorStart (pidgin-sipe)',
    xml: `<?xml version="1.0"?><MonitorStart ${ED3}>\n    <monitorObject>\n        <deviceObject>${LINE}</deviceObject>\n    </monitorObject>\n</MonitorStart>`,
    message: { type: 'MonitorStart', monitorObject: LINE },
  },
  {
    name: 'MonitorStartResponse with monitorExistingCalls',
    xml: `<MonitorStartResponse ${ED3}><monitorCrossRefID>99fda87c</monitorCrossRefID><monitorExistingCalls>true</monitorExistingCalls></MonitorStartResponse>`,
    message: { type: 'MonitorStartResponse', monitorCrossRefID: '99fda87c', monitorExistingCalls: true },
  },
  {
    name: 'MonitorStop (pidgin-sipe)',
    xml: `<?xml version="1.0"?><MonitorStop ${ED3}><monitorCrossRefID>99fda87c</monitorCrossRefID></MonitorStop>`,
    message: { type: 'MonitorStop', monitorCrossRefID: '99fda87c' },
  },
  {
    name: 'MakeCall (pidgin-sipe)',
    xml:
      `<?xml version="1.0"?><MakeCall ${ED3}><callingDevice>${LINE}</callingDevice>` +
      `<calledDirectoryNumber>tel:+3222220220</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>`,
    message: { type: 'MakeCall', callingDevice: LINE, calledDirectoryNumber: 'tel:+3222220220', autoOriginate: 'doNotPrompt' },
  },
  {
    name: 'MakeCallResponse',
    xml:
      `<?xml version="1.0" encoding="UTF-8"?><MakeCallResponse ${ED3}><callingDevice><callID>0_99f261b4</callID>` +
      `<deviceID>${LINE}</deviceID></callingDevice><calledDevice>tel:+3222220220</calledDevice></MakeCallResponse>`,
    message: { type: 'MakeCallResponse', callingDevice: conn('0_99f261b4'), calledDevice: 'tel:+3222220220' },
  },
  {
    name: 'ClearConnection (pidgin-sipe)',
    xml:
      `<?xml version="1.0"?><ClearConnection ${ED3}>\t<connectionToBeCleared>\t\t<callID>0_99f261b4</callID>` +
      `\t\t<deviceID>${LINE}</deviceID>\t</connectionToBeCleared></ClearConnection>`,
    message: { type: 'ClearConnection', connectionToBeCleared: conn('0_99f261b4') },
  },
  {
    name: 'DeliveredEvent (ECMA-323 element order, notKnown redirection)',
    xml:
      `<?xml version="1.0" encoding="UTF-8"?>\n<DeliveredEvent ${ED3}>\n  <monitorCrossRefID>99fda87c</monitorCrossRefID>\n` +
      `  <connection><callID>0_99f261b4</callID><deviceID>${LINE}</deviceID></connection>\n` +
      `  <alertingDevice><deviceIdentifier>${LINE}</deviceIdentifier></alertingDevice>\n` +
      `  <callingDevice><deviceIdentifier>tel:+14085552002</deviceIdentifier></callingDevice>\n` +
      `  <calledDevice><deviceIdentifier>${LINE}</deviceIdentifier></calledDevice>\n` +
      `  <lastRedirectionDevice><notKnown/></lastRedirectionDevice>\n` +
      `  <localConnectionInfo>alerting</localConnectionInfo>\n  <cause>newCall</cause>\n</DeliveredEvent>`,
    message: {
      type: 'DeliveredEvent',
      monitorCrossRefID: '99fda87c',
      connection: conn('0_99f261b4'),
      alertingDevice: LINE,
      callingDevice: 'tel:+14085552002',
      calledDevice: LINE,
      lastRedirectionDevice: ABSENT_DEVICE.notKnown,
      localConnectionInfo: 'alerting',
      cause: 'newCall',
    },
  },
  {
    name: 'EstablishedEvent',
    xml:
      `<EstablishedEvent ${ED3}><monitorCrossRefID>99fda87c</monitorCrossRefID>` +
      `<establishedConnection><callID>0_99f261b4</callID><deviceID>${LINE}</deviceID></establishedConnection>` +
      `<answeringDevice><deviceIdentifier>tel:+14085552002</deviceIdentifier></answeringDevice>` +
      `<callingDevice><deviceIdentifier>${LINE}</deviceIdentifier></callingDevice>` +
      `<calledDevice><deviceIdentifier>tel:+14085552002</deviceIdentifier></calledDevice>` +
      `<localConnectionInfo>connected</localConnectionInfo><cause>normal</cause></EstablishedEvent>`,
    message: {
      type: 'EstablishedEvent',
      monitorCrossRefID: '99fda87c',
      establishedConnection: conn('0_99f261b4'),
      answeringDevice: 'tel:+14085552002',
      callingDevice: LINE,
      calledDevice: 'tel:+14085552002',
      localConnectionInfo: 'connected',
      cause: 'normal',
    },
  },
  {
    name: 'ConnectionClearedEvent',
    xml:
      `<ConnectionClearedEvent ${ED3}><monitorCrossRefID>99fda87c</monitorCrossRefID>` +
      `<droppedConnection><callID>0_99f261b4</callID><deviceID>tel:+14085552002</deviceID></droppedConnection>` +
      `<releasingDevice><deviceIdentifier>tel:+14085552002</deviceIdentifier></releasingDevice>` +
      `<localConnectionInfo>null</localConnectionInfo><cause>normalClearing</cause></ConnectionClearedEvent>`,
    message: {
      type: 'ConnectionClearedEvent',
      monitorCrossRefID: '99fda87c',
      droppedConnection: conn('0_99f261b4', 'tel:+14085552002'),
      releasingDevice: 'tel:+14085552002',
      localConnectionInfo: 'null',
      cause: 'normalClearing',
    },
  },
  {
    name: 'CSTAErrorCode operation/invalidDeviceIdentifier',
    xml: `<?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode ${ED3}><operation>invalidDeviceIdentifier</operation></CSTAErrorCode>`,
    message: { type: 'CSTAErrorCode', category: 'operation', value: 'invalidDeviceIdentifier' },
  },
  {
    name: 'CSTAErrorCode stateIncompatibility/invalidObjectState',
    xml: `<CSTAErrorCode ${ED3}><stateIncompatibility>invalidObjectState</stateIncompatibility></CSTAErrorCode>`,
    message: { type: 'CSTAErrorCode', category: 'stateIncompatibility', value: 'invalidObjectState' },
  },
  {
    name: 'GetForwardingResponse',
    xml:
      `<GetForwardingResponse ${ED3}><forwardingList><forwardListItem><forwardingType>forwardImmediate</forwardingType>` +
      `<forwardStatus>true</forwardStatus><forwardDN>tel:+14085553003</forwardDN></forwardListItem>` +
      `<forwardListItem><forwardingType>forwardBusy</forwardingType><forwardStatus>false</forwardStatus></forwardListItem>` +
      `</forwardingList></GetForwardingResponse>`,
    message: {
      type: 'GetForwardingResponse',
      forwardingList: [
        { forwardingType: 'forwardImmediate', forwardStatus: true, forwardDN: 'tel:+14085553003' },
        { forwardingType: 'forwardBusy', forwardStatus: false },
      ],
    },
  },
  {
    name: 'SnapshotDeviceResponse',
    xml:
      `<SnapshotDeviceResponse ${ED3}><crossRefIDorSnapshotData><snapshotData><snapshotDeviceResponseInfo>` +
      `<connectionIdentifier><callID>c1</callID><deviceID>${LINE}</deviceID></connectionIdentifier>` +
      `<localCallState><compoundCallState><localConnectionState>hold</localConnectionState></compoundCallState></localCallState>` +
      `</snapshotDeviceResponseInfo><snapshotDeviceResponseInfo>` +
      `<connectionIdentifier><callID>c2</callID><deviceID>${LINE}</deviceID></connectionIdentifier>` +
      `<localCallState><compoundCallState><localConnectionState>connected</localConnectionState></compoundCallState></localCallState>` +
      `</snapshotDeviceResponseInfo></snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>`,
    message: {
      type: 'SnapshotDeviceResponse',
      calls: [
        { connection: conn('c1'), localConnectionState: 'hold' },
        { connection: conn('c2'), localConnectionState: 'connected' },
      ],
    },
  },
];

/** The remaining message types, as objects (serialize → parse must give them back). */
const objectFixtures: CstaMessage[] = [
  { type: 'RequestSystemStatus' },
  { type: 'GetCSTAFeatures' },
  {
    type: 'GetCSTAFeaturesResponse',
    supportedServices: ['answerCall', 'clearConnection', 'holdCall', 'makeCall', 'generateDigits', 'setForwarding', 'monitorStart', 'monitorStop', 'snapshotDevice'],
  },
  { type: 'MonitorStopResponse' },
  { type: 'MakeCall', callingDevice: LINE, calledDirectoryNumber: '5551234' },
  { type: 'MakeCallResponse', callingDevice: conn('c9') },
  { type: 'AnswerCall', callToBeAnswered: conn('c1') },
  { type: 'AnswerCallResponse' },
  { type: 'ClearConnectionResponse' },
  { type: 'HoldCall', callToBeHeld: conn('c1') },
  { type: 'HoldCallResponse' },
  { type: 'RetrieveCall', callToBeRetrieved: conn('c1') },
  { type: 'RetrieveCallResponse' },
  { type: 'SingleStepTransferCall', activeCall: conn('c1'), transferredTo: 'tel:+14085553003' },
  { type: 'SingleStepTransferCallResponse', transferredCall: conn('c3', 'tel:+14085553003') },
  { type: 'ConsultationCall', existingCall: conn('c1'), consultedDevice: 'tel:+14085553003' },
  { type: 'ConsultationCallResponse', initiatedCall: conn('c2') },
  { type: 'TransferCall', heldCall: conn('c1'), activeCall: conn('c2') },
  { type: 'TransferCallResponse', transferredCall: conn('c3', 'tel:+14085553003') },
  { type: 'AlternateCall', heldCall: conn('c1'), activeCall: conn('c2') },
  { type: 'AlternateCallResponse' },
  { type: 'ReconnectCall', heldCall: conn('c1'), activeCall: conn('c2') },
  { type: 'ReconnectCallResponse' },
  { type: 'ConferenceCall', heldCall: conn('c1'), activeCall: conn('c2') },
  {
    type: 'ConferenceCallResponse',
    conferenceCall: conn('c4'),
    connections: [{ newConnection: conn('c4'), oldConnection: conn('c1') }, { newConnection: conn('c4', 'tel:+14085553003') }],
  },
  { type: 'DeflectCall', callToBeDiverted: conn('c1'), newDestination: 'tel:+14085559999' },
  { type: 'DeflectCallResponse' },
  { type: 'GenerateDigits', connectionToSendDigits: conn('c1'), charactersToSend: '1234#*' },
  { type: 'GenerateDigitsResponse' },
  { type: 'SetForwarding', device: LINE, forwardingType: 'forwardNoAns', activateForward: true, forwardDN: 'tel:+14085553003', ringCount: 4 },
  { type: 'SetForwarding', device: LINE, forwardingType: 'forwardImmediate', activateForward: false },
  { type: 'SetForwardingResponse' },
  { type: 'GetForwarding', device: LINE },
  { type: 'SetDoNotDisturb', device: LINE, doNotDisturbOn: true },
  { type: 'SetDoNotDisturbResponse' },
  { type: 'GetDoNotDisturb', device: LINE },
  { type: 'GetDoNotDisturbResponse', doNotDisturbOn: false },
  { type: 'SnapshotDevice', snapshotObject: LINE },
  { type: 'SnapshotDeviceResponse', calls: [] },
  { type: 'CSTAErrorCode', category: 'securityError', value: 'requestedSecurityAccessViolation' },
  { type: 'CSTAErrorCode', category: 'systemResourceAvailability', value: 'resourceBusy' },
  { type: 'CSTAErrorCode', category: 'subscribedResourceAvailability', value: 'objectMonitorLimitExceeded' },
  { type: 'CSTAErrorCode', category: 'performanceManagement', value: 'performanceLimitExceeded' },
  { type: 'CSTAErrorCode', category: 'unspecified', value: '' },
  {
    type: 'ServiceInitiatedEvent',
    monitorCrossRefID: 'm1',
    initiatedConnection: conn('c1'),
    initiatingDevice: LINE,
    localConnectionInfo: 'initiated',
    cause: 'makeCall',
  },
  {
    type: 'OriginatedEvent',
    monitorCrossRefID: 'm1',
    originatedConnection: conn('c1'),
    callingDevice: LINE,
    calledDevice: 'tel:+14085552002',
    localConnectionInfo: 'connected',
    cause: 'normal',
  },
  {
    type: 'FailedEvent',
    monitorCrossRefID: 'm1',
    failedConnection: conn('c1'),
    failingDevice: 'tel:+14085552002',
    callingDevice: LINE,
    calledDevice: 'tel:+14085552002',
    localConnectionInfo: 'null',
    cause: 'callCancelled',
  },
  { type: 'HeldEvent', monitorCrossRefID: 'm1', heldConnection: conn('c1'), holdingDevice: LINE, localConnectionInfo: 'hold', cause: 'normal' },
  { type: 'RetrievedEvent', monitorCrossRefID: 'm1', retrievedConnection: conn('c1'), retrievingDevice: LINE, localConnectionInfo: 'connected', cause: 'normal' },
  {
    type: 'TransferedEvent',
    monitorCrossRefID: 'm1',
    primaryOldCall: conn('c1'),
    secondaryOldCall: conn('c2'),
    transferringDevice: LINE,
    transferredToDevice: 'tel:+14085553003',
    transferredConnections: [{ newConnection: conn('c3', 'tel:+14085553003'), oldConnection: conn('c2', 'tel:+14085553003') }],
    localConnectionInfo: 'null',
    cause: 'transfer',
  },
  {
    type: 'TransferedEvent',
    monitorCrossRefID: 'm1',
    primaryOldCall: conn('c1'),
    transferringDevice: LINE,
    transferredToDevice: 'tel:+14085553003',
    cause: 'singleStepTransfer',
  },
  {
    type: 'ConferencedEvent',
    monitorCrossRefID: 'm1',
    primaryOldCall: conn('c1'),
    secondaryOldCall: conn('c2'),
    conferencingDevice: LINE,
    addedParty: 'tel:+14085553003',
    conferenceConnections: [{ newConnection: conn('c4'), oldConnection: conn('c1') }],
    localConnectionInfo: 'connected',
    cause: 'normal',
  },
  {
    type: 'DivertedEvent',
    monitorCrossRefID: 'm1',
    connection: conn('c1'),
    divertingDevice: LINE,
    newDestination: 'tel:+14085559999',
    lastRedirectionDevice: ABSENT_DEVICE.notRequired,
    localConnectionInfo: 'null',
    cause: 'redirected',
  },
  { type: 'DigitsGeneratedEvent', monitorCrossRefID: 'm1', connection: conn('c1'), digitGeneratedList: '1234#' },
  { type: 'ForwardingEvent', monitorCrossRefID: 'm1', device: LINE, forwardingType: 'forwardImmediate', forwardStatus: true, forwardTo: 'tel:+14085553003' },
  { type: 'ForwardingEvent', monitorCrossRefID: 'm1', device: LINE, forwardingType: 'forwardNoAns', forwardStatus: false, ringCount: 3 },
  { type: 'DoNotDisturbEvent', monitorCrossRefID: 'm1', device: LINE, doNotDisturbOn: true },
  { type: 'ConnectionClearedEvent', monitorCrossRefID: 'm1', droppedConnection: conn('c1'), releasingDevice: ABSENT_DEVICE.restricted, cause: 'normalClearing' },
];

describe('parseCsta / serializeCsta wire fixtures', () => {
  it.each(wireFixtures.map((f) => [f.name, f] as const))('%s: parse → serialize → parse', (_name, fixture) => {
    const first = mustParse(fixture.xml);
    expect(first).toEqual(fixture.message);
    const text = serializeCsta(first);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(mustParse(text)).toEqual(first);
  });

  it('writes RequestSystemStatus exactly as OC does (pidgin-sipe template, our declaration)', () => {
    expect(serializeCsta({ type: 'RequestSystemStatus', line: 'tel:73124;phone-context=dialstring;partition=BE_BRS_INT' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        `<RequestSystemStatus xmlns="${CSTA_NS_ED3}"><extensions><privateData><private>` +
        `<lcs:line xmlns:lcs="${MS_RCC_EXTENSION_NS}">tel:73124;phone-context=dialstring;partition=BE_BRS_INT</lcs:line>` +
        '</private></privateData></extensions></RequestSystemStatus>',
    );
  });

  it('writes MakeCall and a DeliveredEvent in ECMA-323 element order', () => {
    expect(serializeCsta(wireFixtures.find((f) => f.message.type === 'MakeCall')!.message)).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><MakeCall xmlns="${CSTA_NS_ED3}"><callingDevice>${LINE}</callingDevice>` +
        '<calledDirectoryNumber>tel:+3222220220</calledDirectoryNumber><autoOriginate>doNotPrompt</autoOriginate></MakeCall>',
    );
    const delivered = serializeCsta(wireFixtures.find((f) => f.message.type === 'DeliveredEvent')!.message);
    const order = ['monitorCrossRefID', 'connection', 'alertingDevice', 'callingDevice', 'calledDevice', 'lastRedirectionDevice', 'localConnectionInfo', 'cause'];
    const positions = order.map((name) => delivered.indexOf(`<${name}>`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(delivered).toContain('<lastRedirectionDevice><notKnown/></lastRedirectionDevice>');
  });

  it('writes CSTAErrorCode bare, and securityError as <security>', () => {
    expect(serializeCsta({ type: 'CSTAErrorCode', category: 'operation', value: 'invalidDeviceIdentifier' })).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><CSTAErrorCode xmlns="${CSTA_NS_ED3}"><operation>invalidDeviceIdentifier</operation></CSTAErrorCode>`,
    );
    expect(serializeCsta({ type: 'CSTAErrorCode', category: 'securityError', value: 'x' })).toContain('<security>x</security>');
  });
});

describe('every message type round-trips', () => {
  it.each(objectFixtures.map((m, i) => [`${i} ${m.type}`, m] as const))('%s', (_name, message) => {
    const text = serializeCsta(message);
    const back = mustParse(text);
    expect(back).toEqual(message);
    expect(serializeCsta(back)).toBe(text);
  });

  it('covers every CSTA message type', () => {
    const covered = new Set<CstaMessageType>([...wireFixtures.map((f) => f.message.type), ...objectFixtures.map((m) => m.type)]);
    const all: CstaMessageType[] = [
      ...CSTA_REQUEST_TYPES,
      ...CSTA_REQUEST_TYPES.map((t) => responseTypeFor(t)),
      ...CSTA_EVENT_TYPES,
      'CSTAErrorCode',
    ];
    expect(all.filter((t) => !covered.has(t))).toEqual([]);
  });
});

describe('namespace tolerance', () => {
  const body = '<MonitorStop XMLNS><monitorCrossRefID>m7</monitorCrossRefID></MonitorStop>';
  it.each([
    ['ed3', `xmlns="${CSTA_NS_ED3}"`, CSTA_NS_ED3],
    ['ed4', `xmlns="${CSTA_NS_ED4}"`, CSTA_NS_ED4],
    ['ed5', `xmlns="${CSTA_NS_ED5}"`, CSTA_NS_ED5],
    ['ecmainternational.org typo', 'xmlns="http://www.ecmainternational.org/standards/ecma-323/csta/ed5"', 'http://www.ecmainternational.org/standards/ecma-323/csta/ed5'],
    ['prefixed', `xmlns:csta="${CSTA_NS_ED4}"`, CSTA_NS_ED4],
    ['no namespace', '', undefined],
  ] as const)('%s', (_name, decl, namespace) => {
    const xml = decl.startsWith('xmlns:csta')
      ? `<csta:MonitorStop ${decl}><csta:monitorCrossRefID>m7</csta:monitorCrossRefID></csta:MonitorStop>`
      : body.replace('XMLNS', decl);
    const result = parseCstaEnvelope(xml);
    expect(result).toEqual({ ok: true, value: namespace ? { message: { type: 'MonitorStop', monitorCrossRefID: 'm7' }, namespace } : { message: { type: 'MonitorStop', monitorCrossRefID: 'm7' } } });
  });

  it('answers in the namespace of the request', () => {
    const request = parseCstaEnvelope(`<MonitorStart xmlns="${CSTA_NS_ED5}"><monitorObject><deviceObject>${LINE}</deviceObject></monitorObject></MonitorStart>`);
    if (!request.ok) throw request.error;
    const answer = serializeCsta({ type: 'MonitorStartResponse', monitorCrossRefID: 'm1' }, { namespace: request.value.namespace });
    expect(answer).toContain(`<MonitorStartResponse xmlns="${CSTA_NS_ED5}">`);
  });

  it('rejects a foreign namespace', () => {
    expect(parseErrorMessage('<MonitorStop xmlns="urn:not-csta"><monitorCrossRefID>m</monitorCrossRefID></MonitorStop>')).toMatch(/urn:not-csta/);
  });

  it('recognises edition namespaces', () => {
    expect(cstaEdition(CSTA_NS_ED3)).toBe(3);
    expect(cstaEdition('http://www.ecmainternational.org/standards/ecma-323/csta/ed5')).toBe(5);
    expect(isCstaNamespace('http://www.ecma-international.org/standards/ecma-269')).toBe(false);
  });
});

describe('tolerant parsing', () => {
  it('ignores unmodelled elements (servicesPermitted, correlatorData) and accepts bare event devices', () => {
    const message = mustParse(
      `<DeliveredEvent xmlns="${CSTA_NS_ED4}"><monitorCrossRefID>1173673890</monitorCrossRefID>` +
        '<connection><callID>FF0001</callID><deviceID>3021061290002</deviceID></connection>' +
        '<alertingDevice><deviceIdentifier>N&lt;3021061290002&gt;;noa=nk</deviceIdentifier></alertingDevice>' +
        '<callingDevice>7868772298</callingDevice><calledDevice><deviceIdentifier>3021061290002</deviceIdentifier></calledDevice>' +
        '<lastRedirectionDevice><notRequired/></lastRedirectionDevice><localConnectionInfo>alerting</localConnectionInfo>' +
        '<correlatorData><string>75</string></correlatorData><cause>enteringDistribution</cause>' +
        '<servicesPermitted><callControlServices><clearConnection>true</clearConnection></callControlServices></servicesPermitted>' +
        '</DeliveredEvent>',
    );
    expect(message).toMatchObject({
      type: 'DeliveredEvent',
      alertingDevice: 'N<3021061290002>;noa=nk',
      callingDevice: '7868772298',
      lastRedirectionDevice: ABSENT_DEVICE.notRequired,
      cause: 'enteringDistribution',
    });
    expect(isAbsentDevice(ABSENT_DEVICE.notRequired)).toBe(true);
    expect(isAbsentDevice('tel:+1')).toBe(false);
  });

  it('accepts DeflectCall newDestination/device (uaCSTA firmware form)', () => {
    expect(
      mustParse(`<DeflectCall ${ED3}><callToBeDiverted><callID>c1</callID><deviceID>d</deviceID></callToBeDiverted><newDestination><device>tel:+1999</device></newDestination></DeflectCall>`),
    ).toEqual({ type: 'DeflectCall', callToBeDiverted: conn('c1', 'd'), newDestination: 'tel:+1999' });
  });

  it('accepts <security> and the systemResourceAvailibility misspelling in CSTAErrorCode', () => {
    expect(mustParse('<CSTAErrorCode><security>x</security></CSTAErrorCode>')).toEqual({ type: 'CSTAErrorCode', category: 'securityError', value: 'x' });
    expect(mustParse('<CSTAErrorCode><systemResourceAvailibility>resourceBusy</systemResourceAvailibility></CSTAErrorCode>')).toEqual({
      type: 'CSTAErrorCode',
      category: 'systemResourceAvailability',
      value: 'resourceBusy',
    });
  });
});

describe('errors are CodecErrors, never throws', () => {
  it.each([
    ['unknown root element', `<FrobnicateCall ${ED3}/>`, /unknown CSTA message <FrobnicateCall>/],
    ['missing required child', `<MakeCall ${ED3}><callingDevice>${LINE}</callingDevice></MakeCall>`, /missing <MakeCall\/calledDirectoryNumber>/],
    ['missing nested child', `<ClearConnection ${ED3}><connectionToBeCleared><callID>c1</callID></connectionToBeCleared></ClearConnection>`, /missing <ClearConnection\/connectionToBeCleared\/deviceID>/],
    ['missing deviceObject', `<MonitorStart ${ED3}><monitorObject><x/></monitorObject></MonitorStart>`, /missing <MonitorStart\/monitorObject\/deviceObject>/],
    ['missing event connection', `<EstablishedEvent ${ED3}><monitorCrossRefID>m</monitorCrossRefID></EstablishedEvent>`, /missing <EstablishedEvent\/establishedConnection>/],
    ['bad boolean', `<SetDoNotDisturb ${ED3}><device>d</device><doNotDisturbOn>yes</doNotDisturbOn></SetDoNotDisturb>`, /invalid <SetDoNotDisturb\/doNotDisturbOn>/],
    ['bad enum', `<RequestSystemStatusResponse ${ED3}><systemStatus>fine</systemStatus></RequestSystemStatusResponse>`, /unknown value 'fine'/],
    ['bad list item', `<GetForwardingResponse ${ED3}><forwardingList><forwardListItem><forwardingType>forwardBusy</forwardingType></forwardListItem></forwardingList></GetForwardingResponse>`, /missing <GetForwardingResponse\/forwardingList\/forwardListItem\[0\]\/forwardStatus>/],
    ['empty CSTAErrorCode', `<CSTAErrorCode ${ED3}/>`, /missing <CSTAErrorCode>/],
    ['malformed XML', `<MakeCall ${ED3}>\n<callingDevice>x</MakeCall>`, /csta: .*malformed XML.*\(line 2\)/],
    ['billion laughs', '<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><MonitorStop><monitorCrossRefID>&b;</monitorCrossRefID></MonitorStop>', /DOCTYPE/],
    ['external entity', `<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><MonitorStop ${ED3}><monitorCrossRefID>&x;</monitorCrossRefID></MonitorStop>`, /DOCTYPE/],
    ['undeclared entity reference', `<MonitorStop ${ED3}><monitorCrossRefID>&x;</monitorCrossRefID></MonitorStop>`, /&x;/],
  ] as const)('%s', (_name, xml, pattern) => {
    expect(parseErrorMessage(xml)).toMatch(pattern);
  });
});

describe('classification', () => {
  it('classifies requests, responses, errors and events and names responses', () => {
    const makeCall = mustParse(wireFixtures.find((f) => f.message.type === 'MakeCall')!.xml);
    expect([isCstaRequest(makeCall), isCstaResponse(makeCall), isCstaEvent(makeCall), isCstaError(makeCall)]).toEqual([true, false, false, false]);
    const delivered: CstaMessage = wireFixtures.find((f) => f.message.type === 'DeliveredEvent')!.message;
    expect([isCstaRequest(delivered), isCstaEvent(delivered)]).toEqual([false, true]);
    const response: CstaMessage = { type: 'MakeCallResponse', callingDevice: conn('c') };
    expect([isCstaResponse(response), isCstaRequest(response)]).toEqual([true, false]);
    expect(isCstaError({ type: 'CSTAErrorCode', category: 'operation', value: 'generic' })).toBe(true);
    expect(responseTypeFor('MakeCall')).toBe('MakeCallResponse');
    expect(responseTypeFor('SingleStepTransferCall')).toBe('SingleStepTransferCallResponse');
  });
});
