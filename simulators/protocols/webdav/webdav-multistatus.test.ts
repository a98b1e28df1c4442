import fc from 'fast-check';
import { parseMultiStatus, parsePropfind, propValue, serializeMultiStatus, serializePropfind, type MultiStatus, type PropfindRequest } from './webdav-multistatus';
import { CALENDAR_NS, DATATYPES_NS, DAV_NS, HTTPMAIL_NS } from './webdav-vocabulary';

const HREF = 'https://mail.uc.lab/exchange/alice/Calendar/Standup.EML';

/** An Exchange-style 207 to the calendar SEARCH (Exchange's prefixes, b:dt types, a 404 propstat). */
const exchangeAnswer =
  '<?xml version="1.0"?>\n' +
  `<a:multistatus xmlns:b="${DATATYPES_NS}" xmlns:d="urn:schemas:calendar:" xmlns:e="urn:schemas:httpmail:" xmlns:c="xml:" xmlns:a="DAV:">\n` +
  `  <a:response><a:href>${HREF}</a:href>\n` +
  '    <a:propstat><a:status>HTTP/1.1 200 OK</a:status><a:prop>\n' +
  '      <d:dtstart b:dt="dateTime.tz">2009-05-01T09:00:00.000Z</d:dtstart>\n' +
  '      <d:dtend b:dt="dateTime.tz">2009-05-01T09:30:00.000Z</d:dtend>\n' +
  '      <d:busystatus>BUSY</d:busystatus>\n' +
  '      <d:instancetype b:dt="int">0</d:instancetype>\n' +
  '      <e:subject>Stand-up &amp; coffee</e:subject>\n' +
  '      <d:location></d:location>\n' +
  '    </a:prop></a:propstat>\n' +
  '    <a:propstat><a:status>HTTP/1.1 404 Resource Not Found</a:status><a:prop><x:unknown xmlns:x="urn:x-lab:"/></a:prop></a:propstat>\n' +
  '  </a:response>\n' +
  '</a:multistatus>';

const exchangeModel: MultiStatus = {
  responses: [
    {
      href: HREF,
      propstats: [
        {
          status: 200,
          reason: 'OK',
          props: [
            { namespace: CALENDAR_NS, name: 'dtstart', value: '2009-05-01T09:00:00.000Z' },
            { namespace: CALENDAR_NS, name: 'dtend', value: '2009-05-01T09:30:00.000Z' },
            { namespace: CALENDAR_NS, name: 'busystatus', value: 'BUSY' },
            { namespace: CALENDAR_NS, name: 'instancetype', value: '0' },
            { namespace: HTTPMAIL_NS, name: 'subject', value: 'Stand-up & coffee' },
            { namespace: CALENDAR_NS, name: 'location', value: '' },
          ],
        },
        { status: 404, reason: 'Resource Not Found', props: [{ namespace: 'urn:x-lab:', name: 'unknown', value: '' }] },
      ],
    },
  ],
};

function failure<T>(r: { ok: true; value: T } | { ok: false; error: { message: string; protocol: string } }): string {
  if (r.ok) throw new Error(`expected a CodecError, got ${JSON.stringify(r.value)}`);
  expect(r.error.protocol).toBe('webdav');
  return r.error.message;
}

/** Text the XML layer carries unchanged: no controls or non-characters, no white space at the ends. */
const text = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, '').trim());
const ncName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/).filter((n) => !/^xml/i.test(n));
const namespace = fc.constantFrom(DAV_NS, CALENDAR_NS, HTTPMAIL_NS, DATATYPES_NS, 'xml:', '', 'urn:x-lab:', 'http://schemas.microsoft.com/mapi/proptag/', 'urn:schemas-microsoft-com:office:office#');
const propertyName = fc.oneof(
  fc.record({ namespace, name: ncName }),
  fc.constantFrom({ namespace: CALENDAR_NS, name: 'dtstart' }, { namespace: CALENDAR_NS, name: 'instancetype' }, { namespace: DAV_NS, name: 'iscollection' }),
);

describe('207 Multi-Status', () => {
  it('parses an Exchange answer (prefixes as the server chose them), b:dt ignored, entities decoded, the 404 propstat kept', () => {
    expect(parseMultiStatus(exchangeAnswer)).toEqual({ ok: true, value: exchangeModel });
  });

  it("serializes in Exchange's style: prefixes on the root, status before prop, b:dt on typed values", () => {
    const ms: MultiStatus = {
      responses: [
        {
          href: HREF,
          propstats: [
            {
              status: 200,
              reason: 'OK',
              props: [
                { namespace: CALENDAR_NS, name: 'dtstart', value: '2009-05-01T09:00:00.000Z' },
                { namespace: CALENDAR_NS, name: 'instancetype', value: '0' },
                { namespace: HTTPMAIL_NS, name: 'subject', value: 'Stand-up' },
              ],
            },
          ],
        },
      ],
    };
    expect(serializeMultiStatus(ms)).toBe(
      '<?xml version="1.0"?>' +
        `<a:multistatus xmlns:a="DAV:" xmlns:b="${DATATYPES_NS}" xmlns:d="urn:schemas:calendar:" xmlns:e="urn:schemas:httpmail:">` +
        `<a:response><a:href>${HREF}</a:href><a:propstat><a:status>HTTP/1.1 200 OK</a:status><a:prop>` +
        '<d:dtstart b:dt="dateTime.tz">2009-05-01T09:00:00.000Z</d:dtstart><d:instancetype b:dt="int">0</d:instancetype>' +
        '<e:subject>Stand-up</e:subject></a:prop></a:propstat></a:response></a:multistatus>',
    );
    expect(serializeMultiStatus({ responses: [] })).toBe('<?xml version="1.0"?><a:multistatus xmlns:a="DAV:"/>');
  });

  it('parses the RFC 4918 style too: default namespace, prop before status, an unprefixed no-namespace property', () => {
    const xml =
      '<multistatus xmlns="DAV:"><response><href>/x/</href><propstat><prop><getcontentlength>3</getcontentlength>' +
      '<resourcetype><collection/></resourcetype><plain xmlns="">v</plain></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>';
    expect(parseMultiStatus(xml)).toEqual({
      ok: true,
      value: {
        responses: [
          {
            href: '/x/',
            propstats: [
              {
                status: 200,
                reason: 'OK',
                props: [
                  { namespace: DAV_NS, name: 'getcontentlength', value: '3' },
                  { namespace: DAV_NS, name: 'resourcetype', value: '' },
                  { namespace: '', name: 'plain', value: 'v' },
                ],
              },
            ],
          },
        ],
      },
    });
  });

  it('splits a response-level status shared by several hrefs into one response each', () => {
    const xml = '<D:multistatus xmlns:D="DAV:"><D:response><D:href>/a.EML</D:href><D:href>/b.EML</D:href><D:status>HTTP/1.1 404 Resource Not Found</D:status></D:response></D:multistatus>';
    const status = { status: 404, reason: 'Resource Not Found' };
    expect(parseMultiStatus(xml)).toEqual({ ok: true, value: { responses: [{ href: '/a.EML', propstats: [], status }, { href: '/b.EML', propstats: [], status }] } });
  });

  it('propValue reads the 200 propstat only', () => {
    const response = exchangeModel.responses[0]!;
    expect(propValue(response, { namespace: CALENDAR_NS, name: 'busystatus' })).toBe('BUSY');
    expect(propValue(response, { namespace: 'urn:x-lab:', name: 'unknown' })).toBeUndefined();
    expect(propValue(response, { namespace: DAV_NS, name: 'busystatus' })).toBeUndefined();
  });

  it.each<[string, string, RegExp]>([
    ['another root', '<a:propfind xmlns:a="DAV:"/>', /expected <DAV:multistatus>, found <propfind>/],
    ['multistatus outside DAV:', '<multistatus><response/></multistatus>', /in namespace ''/],
    ['a response without href', '<a:multistatus xmlns:a="DAV:"><a:response><a:status>HTTP/1.1 200 OK</a:status></a:response></a:multistatus>', /missing <multistatus\/response\[0\]\/href>/],
    ['a response with neither propstat nor status', '<a:multistatus xmlns:a="DAV:"><a:response><a:href>/x</a:href></a:response></a:multistatus>', /neither <propstat> nor <status>/],
    ['a propstat without status', '<a:multistatus xmlns:a="DAV:"><a:response><a:href>/x</a:href><a:propstat><a:prop/></a:propstat></a:response></a:multistatus>', /missing <multistatus\/response\[0\]\/propstat\[0\]\/status>/],
    ['a propstat without prop', '<a:multistatus xmlns:a="DAV:"><a:response><a:href>/x</a:href><a:propstat><a:status>HTTP/1.1 200 OK</a:status></a:propstat></a:response></a:multistatus>', /propstat\[0\]\/prop>/],
    ['a bad status line', '<a:multistatus xmlns:a="DAV:"><a:response><a:href>/x</a:href><a:propstat><a:status>200 OK</a:status><a:prop/></a:propstat></a:response></a:multistatus>', /'200 OK' is not an HTTP status line/],
    ['two hrefs with propstats', '<a:multistatus xmlns:a="DAV:"><a:response><a:href>/x</a:href><a:href>/y</a:href><a:propstat><a:status>HTTP/1.1 200 OK</a:status><a:prop/></a:propstat></a:response></a:multistatus>', /has 2 <href> elements/],
    ['an undeclared prefix', '<a:multistatus xmlns:a="DAV:"><a:response><a:href>/x</a:href><a:propstat><a:status>HTTP/1.1 200 OK</a:status><a:prop><d:dtstart/></a:prop></a:propstat></a:response></a:multistatus>', /undeclared namespace prefix 'd'/],
    ['an entity declaration', '<!DOCTYPE m [<!ENTITY lol "lol">]><a:multistatus xmlns:a="DAV:"/>', /DOCTYPE/],
    ['an unknown entity', '<a:multistatus xmlns:a="DAV:"><a:response><a:href>&nbsp;</a:href></a:response></a:multistatus>', /reference '&nbsp;'/],
    ['no XML at all', 'HTTP/1.1 207 Multi-Status', /malformed XML|expected one root element/],
  ])('refuses %s', (_name, xml, message) => {
    expect(failure(parseMultiStatus(xml))).toMatch(message);
  });

  const status = fc.integer({ min: 100, max: 599 });
  const reason = fc.oneof(fc.constantFrom('OK', 'Resource Not Found', 'Forbidden', ''), text);
  const multiStatus: fc.Arbitrary<MultiStatus> = fc.record({
    responses: fc.array(
      fc.record(
        {
          href: fc.oneof(fc.constant(HREF), text),
          propstats: fc.array(fc.record({ status, reason, props: fc.array(fc.record({ namespace: propertyName.map((p) => p.namespace), name: ncName, value: text }), { maxLength: 5 }) }), { minLength: 1, maxLength: 3 }),
          status: fc.record({ status, reason }),
        },
        { requiredKeys: ['href', 'propstats'] },
      ),
      { maxLength: 4 },
    ),
  });

  it('round-trips every multistatus through serializeMultiStatus / parseMultiStatus', () => {
    fc.assert(
      fc.property(multiStatus, (ms) => {
        expect(parseMultiStatus(serializeMultiStatus(ms))).toEqual({ ok: true, value: ms });
      }),
    );
  });

  it('round-trips the typed calendar properties with their b:dt attribute', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ namespace: fc.constant(CALENDAR_NS), name: fc.constantFrom('dtstart', 'dtend', 'instancetype', 'alldayevent'), value: text }), { maxLength: 4 }), (props) => {
        const ms: MultiStatus = { responses: [{ href: HREF, propstats: [{ status: 200, reason: 'OK', props }] }] };
        const xml = serializeMultiStatus(ms);
        if (props.length > 0) expect(xml).toContain(`xmlns:b="${DATATYPES_NS}"`);
        expect(parseMultiStatus(xml)).toEqual({ ok: true, value: ms });
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parseMultiStatus(s).ok).toBe('boolean')));
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parseMultiStatus(`<a:multistatus xmlns:a="DAV:">${s}</a:multistatus>`).ok).toBe('boolean')));
  });
});

describe('PROPFIND body', () => {
  it('serializes a prop request with each namespace declared on its property, and allprop', () => {
    expect(serializePropfind({ kind: 'prop', props: [{ namespace: CALENDAR_NS, name: 'busystatus' }, { namespace: DAV_NS, name: 'href' }, { namespace: 'urn:x-lab:', name: 'y' }] })).toBe(
      '<?xml version="1.0"?><a:propfind xmlns:a="DAV:"><a:prop><d:busystatus xmlns:d="urn:schemas:calendar:"/><a:href/><f:y xmlns:f="urn:x-lab:"/></a:prop></a:propfind>',
    );
    expect(serializePropfind({ kind: 'allprop' })).toBe('<?xml version="1.0"?><a:propfind xmlns:a="DAV:"><a:allprop/></a:propfind>');
  });

  it('parses prop, allprop, an empty body and RFC 4918 include', () => {
    expect(parsePropfind('<a:propfind xmlns:a="DAV:"><a:prop><d:busystatus xmlns:d="urn:schemas:calendar:"/><a:getcontentlength/></a:prop></a:propfind>')).toEqual({
      ok: true,
      value: { kind: 'prop', props: [{ namespace: CALENDAR_NS, name: 'busystatus' }, { namespace: DAV_NS, name: 'getcontentlength' }] },
    });
    expect(parsePropfind('<?xml version="1.0" encoding="utf-8" ?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>')).toEqual({ ok: true, value: { kind: 'allprop' } });
    expect(parsePropfind('')).toEqual({ ok: true, value: { kind: 'allprop' } });
    expect(parsePropfind(' \r\n')).toEqual({ ok: true, value: { kind: 'allprop' } });
    expect(parsePropfind('<D:propfind xmlns:D="DAV:"><D:allprop/><D:include><D:x/></D:include></D:propfind>')).toEqual({ ok: true, value: { kind: 'allprop' } });
  });

  it.each<[string, string, RegExp]>([
    ['propname (not modelled)', '<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>', /<propname\/> is not modelled/],
    ['prop and allprop together', '<D:propfind xmlns:D="DAV:"><D:allprop/><D:prop/></D:propfind>', /exactly one of .* found 2/],
    ['no choice', '<D:propfind xmlns:D="DAV:"/>', /found 0/],
    ['a prop outside DAV:', '<D:propfind xmlns:D="DAV:"><prop/></D:propfind>', /found 0/],
    ['another root', '<D:propertyupdate xmlns:D="DAV:"/>', /expected <DAV:propfind>, found <propertyupdate>/],
    ['malformed XML', '<D:propfind xmlns:D="DAV:">', /malformed XML/],
  ])('refuses %s', (_name, xml, message) => {
    expect(failure(parsePropfind(xml))).toMatch(message);
  });

  const request: fc.Arbitrary<PropfindRequest> = fc.oneof(
    fc.constant({ kind: 'allprop' as const }),
    fc.record({ kind: fc.constant('prop' as const), props: fc.array(propertyName, { maxLength: 8 }) }),
  );

  it('round-trips every request through serializePropfind / parsePropfind', () => {
    fc.assert(fc.property(request, (req) => expect(parsePropfind(serializePropfind(req))).toEqual({ ok: true, value: req })));
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parsePropfind(s).ok).toBe('boolean')));
  });
});
