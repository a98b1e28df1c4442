import fc from 'fast-check';
import {
  CUP_PRESENCE_STATES,
  DATA_MODEL_NS,
  PIDF_CONTENT_TYPE,
  PIDF_NS,
  RPID_ACTIVITIES,
  RPID_NS,
  availabilityOfCupState,
  cupStateOfAvailability,
  normalizeActivities,
  parsePidf,
  pidfOfState,
  serializePidf,
  stateOfPidf,
  type PresenceDocument,
  type PresenceTuple,
  type RpidActivity,
} from './pidf';
import { availabilityOf, stateOfAvailability } from './ms-category-publish';
import * as presence from './index';

const NS = `xmlns="${PIDF_NS}"`;
const ALL_NS = `${NS} xmlns:dm="${DATA_MODEL_NS}" xmlns:rpid="${RPID_NS}"`;

function mustParse(xml: string): PresenceDocument {
  const r = parsePidf(xml);
  if (!r.ok) throw new Error(`expected parse to succeed: ${r.error.message}`);
  return r.value;
}

function parseError(xml: string): string {
  const r = parsePidf(xml);
  if (r.ok) throw new Error(`expected parse to fail, got ${JSON.stringify(r.value)}`);
  expect(r.error.code).toBe('UC_CODEC');
  expect(r.error.protocol).toBe('pidf');
  return r.error.message;
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries: documents of valid values

const word = fc.stringMatching(/^[a-z][a-z0-9.-]{0,11}$/);
const entity = fc.tuple(fc.constantFrom('sip', 'sips', 'pres'), word, word).map(([s, u, h]) => `${s}:${u}@${h}`);
const ncname = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9._-]{0,11}$/);
/** Printable text without leading/trailing white space (the xml layer trims element text). */
const text = fc.string({ minLength: 1, maxLength: 30 }).map((s) => s.trim()).filter((s) => s.length > 0);
const timestamp = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const tupleArb: fc.Arbitrary<PresenceTuple> = fc.record(
  {
    id: ncname,
    basic: fc.constantFrom('open' as const, 'closed' as const),
    contact: entity,
    note: text,
    timestamp,
  },
  { requiredKeys: ['id', 'basic'] },
);
const docArb: fc.Arbitrary<PresenceDocument> = fc.record(
  {
    entity,
    tuples: fc.uniqueArray(tupleArb, { selector: (t) => t.id, maxLength: 4 }),
    activities: fc.array(fc.constantFrom(...RPID_ACTIVITIES), { maxLength: 5 }),
    note: text,
  },
  { requiredKeys: ['entity', 'tuples', 'activities'] },
);

describe('PIDF codec', () => {
  it('index.ts re-exports the PIDF codec, the SIP event helpers and the ms-category-publish codec', () => {
    expect(presence.parsePidf).toBe(parsePidf);
    expect(typeof presence.parseSubscriptionState).toBe('function');
    expect(typeof presence.serializeStatePublication).toBe('function');
    expect(PIDF_CONTENT_TYPE).toBe('application/pidf+xml');
  });

  it('round-trips every document of valid values (activities normalized)', () => {
    fc.assert(
      fc.property(docArb, (doc) => {
        const xml = serializePidf(doc);
        const parsed = parsePidf(xml);
        expect(parsed.ok && parsed.value).toEqual({ ...doc, activities: normalizeActivities(doc.activities) });
        if (parsed.ok) expect(serializePidf(parsed.value)).toBe(xml);
      }),
    );
  });

  it('never throws, on arbitrary text or on cut-off documents', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(typeof parsePidf(s).ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(docArb, fc.nat(), (doc, cut) => {
        const xml = serializePidf(doc);
        expect(typeof parsePidf(xml.slice(0, cut % (xml.length + 1))).ok).toBe('boolean');
      }),
    );
  });

  it('writes the XML declaration, schema order and activities in one <dm:person>', () => {
    const xml = serializePidf({
      entity: 'sip:alice@uc.lab',
      tuples: [{ id: 't1', basic: 'open', contact: 'sip:alice@10.0.0.5', note: 'At desk', timestamp: '2009-03-02T10:15:00Z' }],
      activities: ['on-the-phone'],
      note: 'On the phone',
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>' +
        `<presence ${ALL_NS} entity="sip:alice@uc.lab">` +
        '<tuple id="t1"><status><basic>open</basic></status><contact>sip:alice@10.0.0.5</contact><note>At desk</note>' +
        '<timestamp>2009-03-02T10:15:00Z</timestamp></tuple><note>On the phone</note>' +
        '<dm:person id="p1"><rpid:activities><rpid:on-the-phone/></rpid:activities></dm:person></presence>',
    );
  });

  it('declares no RPID namespaces and writes no person without activities; the person id avoids tuple ids', () => {
    expect(serializePidf({ entity: 'pres:bob@uc.lab', tuples: [{ id: 'a', basic: 'closed' }], activities: [] })).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><presence ${NS} entity="pres:bob@uc.lab"><tuple id="a"><status><basic>closed</basic></status></tuple></presence>`,
    );
    const xml = serializePidf({ entity: 'sip:b@uc.lab', tuples: [{ id: 'p1', basic: 'open' }, { id: 'p2', basic: 'open' }], activities: ['busy'] });
    expect(xml).toContain('<dm:person id="p3">');
    expect(mustParse(xml).activities).toEqual(['busy']);
  });

  it('reads an RFC 4480 document: activities in <dm:person>, its note when the presence has none', () => {
    const doc = mustParse(
      `<?xml version="1.0" encoding="UTF-8"?>\n<presence ${ALL_NS} entity="pres:someone@example.com">\n` +
        '  <tuple id="bs35r9"><status><basic>open</basic></status><contact priority="0.8">im:someone@mobile.example.net</contact>' +
        '<note xml:lang="en">Don\'t Disturb Please!</note><note xml:lang="fr">Ne derangez pas, s\'il vous plait</note>' +
        '<timestamp>2005-10-27T16:49:29Z</timestamp></tuple>\n' +
        '  <dm:person id="p1"><rpid:activities from="2005-05-30T12:00:00+05:00"><rpid:note>on a call</rpid:note><rpid:meeting/><rpid:busy/></rpid:activities>' +
        '<dm:note>In a meeting</dm:note></dm:person>\n</presence>',
    );
    expect(doc).toEqual({
      entity: 'pres:someone@example.com',
      tuples: [{ id: 'bs35r9', basic: 'open', contact: 'im:someone@mobile.example.net', note: "Don't Disturb Please!", timestamp: '2005-10-27T16:49:29Z' }],
      activities: ['meeting', 'busy'],
      note: 'In a meeting',
    });
    expect(stateOfPidf(doc)).toBe('busy');
  });

  it('reads Cisco-style activities in a tuple and inside its <status>, with any prefixes', () => {
    const inTuple = mustParse(
      `<presence xmlns="${PIDF_NS}" xmlns:e="${RPID_NS}" entity="sip:1001@cucm.uc.lab"><tuple id="cisco-1">` +
        '<status><basic>closed</basic></status><e:activities><e:on-the-phone/><e:busy/></e:activities></tuple></presence>',
    );
    expect(inTuple.activities).toEqual(['on-the-phone', 'busy']);
    expect(stateOfPidf(inTuple)).toBe('on-the-phone');
    const inStatus = mustParse(
      `<p:presence xmlns:p="${PIDF_NS}" entity="sip:1002@cucm.uc.lab"><p:tuple id="t"><p:status><p:basic>closed</p:basic>` +
        `<activities xmlns="${RPID_NS}"><busy/></activities></p:status></p:tuple></p:presence>`,
    );
    expect(inStatus.activities).toEqual(['busy']);
    expect(stateOfPidf(inStatus)).toBe('busy');
  });

  it('keeps unknown and <rpid:other> activities as unknown, and drops unknown beside a known one', () => {
    const only = mustParse(
      `<presence ${ALL_NS} xmlns:x="urn:example:x" entity="sip:a@uc.lab"><dm:person id="p"><rpid:activities>` +
        '<rpid:other>ice fishing</rpid:other><rpid:dancing/><x:coding/></rpid:activities></dm:person></presence>',
    );
    expect(only.activities).toEqual(['unknown']);
    expect(stateOfPidf(only)).toBe('offline');
    const mixed = mustParse(
      `<presence ${ALL_NS} entity="sip:a@uc.lab"><tuple id="t"><status><basic>open</basic></status></tuple><dm:person id="p">` +
        '<rpid:activities><rpid:other>x</rpid:other><rpid:away/><rpid:away/></rpid:activities></dm:person></presence>',
    );
    expect(mixed.activities).toEqual(['away']);
    expect(normalizeActivities(['unknown', 'busy', 'unknown', 'busy', 'meeting'])).toEqual(['busy', 'meeting']);
    expect(normalizeActivities(['unknown', 'unknown'])).toEqual(['unknown']);
  });

  it('ignores extension elements and elements of other namespaces', () => {
    const doc = mustParse(
      `<presence ${NS} xmlns:c="urn:ietf:params:xml:ns:pidf:cipid" xmlns:o="urn:example:other" entity="sip:a@uc.lab">` +
        '<tuple id="t1"><status><basic>open</basic><o:extra/></status><c:card>http://x/card</c:card></tuple>' +
        '<o:tuple id="x"><o:basic>bogus</o:basic></o:tuple><note>hello &amp; welcome</note></presence>',
    );
    expect(doc).toEqual({ entity: 'sip:a@uc.lab', tuples: [{ id: 't1', basic: 'open' }], activities: [], note: 'hello & welcome' });
  });

  it.each([
    ['missing entity', `<presence ${NS}><tuple id="t"><status><basic>open</basic></status></tuple></presence>`, /without an entity/],
    ['empty entity', `<presence ${NS} entity=""/>`, /without an entity/],
    ['entity not a SIP or pres URI', `<presence ${NS} entity="mailto:a@uc.lab"/>`, /not a sip:, sips: or pres: URI/],
    ['wrong root', `<publish ${NS} entity="sip:a@uc.lab"/>`, /expected <presence>, got <publish>/],
    ['no namespace', '<presence entity="sip:a@uc.lab"/>', /namespace '\(none\)'/],
    ['wrong namespace', '<presence xmlns="urn:ietf:params:xml:ns:cpim-pidf" entity="sip:a@uc.lab"/>', /namespace 'urn:ietf:params:xml:ns:cpim-pidf'/],
    ['DOCTYPE', `<?xml version="1.0"?><!DOCTYPE presence [<!ENTITY x "y">]><presence ${NS} entity="sip:a@uc.lab"/>`, /DOCTYPE declarations are not accepted/],
    ['an undeclared entity', `<presence ${NS} entity="sip:a@uc.lab"><note>&x;</note></presence>`, /reference '&x;'/],
    ['unknown basic value', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"><status><basic>busy</basic></status></tuple></presence>`, /unknown <basic> value 'busy'/],
    ['basic in the wrong case', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"><status><basic>Open</basic></status></tuple></presence>`, /unknown <basic> value 'Open'/],
    ['no basic', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"><status/></tuple></presence>`, /no <basic>/],
    ['two basics', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"><status><basic>open</basic><basic>closed</basic></status></tuple></presence>`, /more than one <basic>/],
    ['no status', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"/></presence>`, /no <status>/],
    ['tuple without id', `<presence ${NS} entity="sip:a@uc.lab"><tuple><status><basic>open</basic></status></tuple></presence>`, /without an id/],
    ['tuple id not an XML name', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="1 2"><status><basic>open</basic></status></tuple></presence>`, /not an XML name/],
    ['duplicate tuple ids', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"><status><basic>open</basic></status></tuple><tuple id="t"><status><basic>open</basic></status></tuple></presence>`, /duplicate tuple id 't'/],
    ['bad timestamp', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"><status><basic>open</basic></status><timestamp>yesterday</timestamp></tuple></presence>`, /RFC 3339/],
    ['contact not a URI', `<presence ${NS} entity="sip:a@uc.lab"><tuple id="t"><status><basic>open</basic></status><contact>not a uri</contact></tuple></presence>`, /not a URI/],
    ['not XML', `<presence ${NS} entity="sip:a@uc.lab">`, /malformed XML/],
    ['empty body', '', /.+/],
  ])('rejects %s', (_what, xml, message) => {
    expect(parseError(xml)).toMatch(message);
  });

  it('reports the line of an XML error once', () => {
    const message = parseError(`<?xml version="1.0"?>\n<!DOCTYPE presence>\n<presence ${NS} entity="sip:a@uc.lab"/>`);
    expect(message).toBe('pidf: xml: DOCTYPE declarations are not accepted (line 2)');
  });
});

describe('CUP presence states over PIDF', () => {
  const stateArb = fc.constantFrom(...CUP_PRESENCE_STATES);
  const publisherArb = fc.constantFrom('user' as const, 'phone' as const);

  it('every state survives pidfOfState → wire → stateOfPidf, for user and phone publishers', () => {
    fc.assert(
      fc.property(entity, stateArb, publisherArb, (e, state, publisher) => {
        const doc = pidfOfState(e, state, { publisher });
        expect(stateOfPidf(doc)).toBe(state);
        expect(stateOfPidf(mustParse(serializePidf(doc)))).toBe(state);
      }),
    );
  });

  it.each([
    ['available', 'user', 'open', []],
    ['busy', 'user', 'open', ['busy']],
    ['away', 'user', 'open', ['away']],
    ['on-the-phone', 'user', 'open', ['on-the-phone']],
    ['offline', 'user', 'closed', []],
    ['available', 'phone', 'open', []],
    ['busy', 'phone', 'closed', ['busy']],
    ['on-the-phone', 'phone', 'closed', ['on-the-phone', 'busy']],
    ['offline', 'phone', 'closed', []],
  ] as const)('%s (%s) is basic %s with activities %j', (state, publisher, basic, activities) => {
    const doc = pidfOfState('sip:alice@uc.lab', state, { publisher });
    expect(doc.tuples.map((t) => t.basic)).toEqual([basic]);
    expect(doc.activities).toEqual(activities);
  });

  it('pidfOfState carries the tuple options', () => {
    expect(pidfOfState('sip:a@uc.lab', 'available', { tupleId: 'cup', contact: 'sip:a@10.0.0.9', note: 'Available', timestamp: '2009-01-01T00:00:00Z' })).toEqual({
      entity: 'sip:a@uc.lab',
      tuples: [{ id: 'cup', basic: 'open', contact: 'sip:a@10.0.0.9', note: 'Available', timestamp: '2009-01-01T00:00:00Z' }],
      activities: [],
    });
  });

  const doc = (basics: ('open' | 'closed')[], activities: RpidActivity[]): PresenceDocument => ({
    entity: 'sip:a@uc.lab',
    tuples: basics.map((basic, i) => ({ id: `t${i}`, basic })),
    activities,
  });
  it.each([
    [['closed', 'closed'], [], 'offline'],
    [[], [], 'offline'],
    [['closed', 'open'], [], 'available'],
    [['open'], ['unknown'], 'available'],
    [['open'], ['sleeping', 'lunch'], 'available'],
    [['closed'], ['busy'], 'busy'],
    [['open'], ['meeting'], 'busy'],
    [['open'], ['appointment'], 'busy'],
    [['open'], ['vacation'], 'away'],
    [['closed'], ['holiday'], 'away'],
    [['open'], ['away', 'meeting'], 'busy'],
    [['open'], ['vacation', 'busy', 'on-the-phone'], 'on-the-phone'],
  ] as const)('tuples %j with activities %j show %s', (basics, activities, state) => {
    expect(stateOfPidf(doc([...basics], [...activities]))).toBe(state);
  });
});

describe('CUP states as Microsoft availability', () => {
  it.each([
    ['available', 3500, undefined],
    ['busy', 6500, undefined],
    ['on-the-phone', 6500, 'on-the-phone'],
    ['away', 15500, undefined],
    ['offline', 18500, undefined],
  ] as const)('%s is availability %i (activity %s)', (state, availability, activity) => {
    const value = availabilityOfCupState(state);
    expect(value.availability).toBe(availability);
    expect(value.activity).toBe(activity);
  });

  it('uses ms-category-publish numbers and maps back to the same state', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CUP_PRESENCE_STATES), (state) => {
        const { availability, activity } = availabilityOfCupState(state);
        expect(cupStateOfAvailability(availability, activity)).toBe(state);
        expect(availabilityOf(stateOfAvailability(availability))).toBe(availability);
      }),
    );
  });

  it.each([
    [0, undefined, 'available'],
    [4500, undefined, 'available'],
    [7500, undefined, 'busy'],
    [7500, 'on-the-phone', 'on-the-phone'],
    [9500, undefined, 'busy'],
    [12500, undefined, 'away'],
    [3500, 'on-the-phone', 'available'],
    [18000, undefined, 'offline'],
  ] as const)('availability %i (activity %s) is %s', (availability, activity, state) => {
    expect(cupStateOfAvailability(availability, activity)).toBe(state);
  });
});
