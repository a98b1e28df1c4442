import fc from 'fast-check';
import {
  ALL_ATTENDEES,
  FREEBUSY_NO_DATA,
  MAX_FREEBUSY_SLOTS,
  freeBusyDigits,
  mergeFreeBusy,
  parseFreeBusy,
  parseFreeBusyQuery,
  serializeFreeBusy,
  serializeFreeBusyQuery,
  type FreeBusyItem,
  type FreeBusyQuery,
  type FreeBusyResponse,
} from './owa-freebusy';
import { BUSY_STATUSES } from './webdav-vocabulary';

const at = (hhmm: string): string => `2009-05-01T${hhmm}:00Z`;

function failure<T>(r: { ok: true; value: T } | { ok: false; error: { message: string; protocol: string } }): string {
  if (r.ok) throw new Error(`expected a CodecError, got ${JSON.stringify(r.value)}`);
  expect(r.error.protocol).toBe('webdav');
  return r.error.message;
}

describe('free/busy digits', () => {
  it('gives each slot the strongest status overlapping it; end instants are exclusive', () => {
    const items: FreeBusyItem[] = [
      { start: at('09:30'), end: at('10:00'), busyStatus: 'BUSY' },
      { start: at('09:45'), end: at('10:45'), busyStatus: 'TENTATIVE' },
      { start: at('11:00'), end: at('11:10'), busyStatus: 'OOF' },
      { start: at('08:00'), end: at('09:00'), busyStatus: 'OOF' },
      { start: at('09:00'), end: at('11:30'), busyStatus: 'FREE' },
    ];
    expect(freeBusyDigits({ start: at('09:00'), end: at('11:30'), intervalMinutes: 30, items })).toBe('02113');
  });

  it('counts a last partial interval, and gives "" for an empty range or a bad interval', () => {
    expect(freeBusyDigits({ start: at('09:00'), end: at('10:10'), intervalMinutes: 30, items: [{ start: at('10:05'), end: at('10:06'), busyStatus: 'BUSY' }] })).toBe('002');
    expect(freeBusyDigits({ start: at('09:00'), end: at('09:00'), intervalMinutes: 30, items: [] })).toBe('');
    expect(freeBusyDigits({ start: at('09:00'), end: at('10:00'), intervalMinutes: 0, items: [] })).toBe('');
    expect(freeBusyDigits({ start: 'soon', end: at('10:00'), intervalMinutes: 30, items: [] })).toBe('');
  });

  it('merges "All Attendees": the highest digit per slot, 4 only where everyone has 4', () => {
    expect(mergeFreeBusy(['0124', '4444', '2104'])).toBe('2124');
    expect(mergeFreeBusy(['44', '4'])).toBe('44');
    expect(mergeFreeBusy(['0', '4431'])).toBe('0431');
    expect(mergeFreeBusy([])).toBe('');
  });

  const minute = 60_000;
  const base = Date.parse(at('09:00'));
  const item: fc.Arbitrary<FreeBusyItem> = fc
    .record({ from: fc.integer({ min: -120, max: 600 }), length: fc.integer({ min: 1, max: 300 }), busyStatus: fc.constantFrom(...BUSY_STATUSES) })
    .map(({ from, length, busyStatus }) => ({
      start: new Date(base + from * minute).toISOString(),
      end: new Date(base + (from + length) * minute).toISOString(),
      busyStatus,
    }));

  it('is the slot-wise merge of each item alone (so adding an item never lowers a slot)', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.integer({ min: 1, max: 480 }), fc.constantFrom(5, 15, 30, 60), (items, span, intervalMinutes) => {
        const range = { start: at('09:00'), end: new Date(base + span * minute).toISOString(), intervalMinutes };
        const all = freeBusyDigits({ ...range, items });
        expect(all).toHaveLength(Math.ceil(span / intervalMinutes));
        const alone = items.map((i) => freeBusyDigits({ ...range, items: [i] }));
        expect(all).toBe(mergeFreeBusy([all.replace(/./g, '0'), ...alone]));
      }),
    );
  });
});

describe('free/busy answer body', () => {
  const answer: FreeBusyResponse = {
    recipients: [
      { displayName: ALL_ATTENDEES, type: 1, fbdata: '00222' },
      { displayName: 'Alice', email: 'alice@uc.lab', type: 1, fbdata: '00222' },
    ],
  };

  it('serializes the OWA shape', () => {
    expect(serializeFreeBusy(answer)).toBe(
      '<a:response xmlns:a="WM"><a:recipients>' +
        '<a:item><a:displayname>All Attendees</a:displayname><a:type>1</a:type><a:fbdata>00222</a:fbdata></a:item>' +
        '<a:item><a:displayname>Alice</a:displayname><a:email type="SMTP">alice@uc.lab</a:email><a:type>1</a:type><a:fbdata>00222</a:fbdata></a:item>' +
        '</a:recipients></a:response>',
    );
    expect(serializeFreeBusy({ recipients: [{ displayName: 'Bob', email: 'bob@uc.lab', fbdata: '4' }] })).toContain('<a:type>1</a:type>');
  });

  it("parses the Connector's sample (indented, another prefix is fine too)", () => {
    const xml =
      '<a:response xmlns:a="WM">\n  <a:recipients>\n    <a:item>\n      <a:displayname>All Attendees</a:displayname>\n      <a:type>1</a:type>\n' +
      '      <a:fbdata>0000002222</a:fbdata>\n    </a:item>\n    <a:item>\n      <a:displayname>Dan Winship</a:displayname>\n' +
      '      <a:email type="SMTP">danw@xcs.ximian.com</a:email>\n      <a:type>1</a:type>\n      <a:fbdata>0000000022</a:fbdata>\n    </a:item>\n' +
      '  </a:recipients>  \n</a:response>';
    expect(parseFreeBusy(xml)).toEqual({
      ok: true,
      value: {
        recipients: [
          { displayName: 'All Attendees', type: 1, fbdata: '0000002222' },
          { displayName: 'Dan Winship', email: 'danw@xcs.ximian.com', type: 1, fbdata: '0000000022' },
        ],
      },
    });
    expect(parseFreeBusy('<w:response xmlns:w="WM"><w:recipients/></w:response>')).toEqual({ ok: true, value: { recipients: [] } });
  });

  it.each<[string, string, RegExp]>([
    ['a digit beyond 4', '<a:response xmlns:a="WM"><a:recipients><a:item><a:type>1</a:type><a:fbdata>0052</a:fbdata></a:item></a:recipients></a:response>', /has '5' at position 3/],
    ['no type', '<a:response xmlns:a="WM"><a:recipients><a:item><a:fbdata>0</a:fbdata></a:item></a:recipients></a:response>', /missing <response\/recipients\/item\[0\]\/type>/],
    ['a type that is no number', '<a:response xmlns:a="WM"><a:recipients><a:item><a:type>one</a:type><a:fbdata>0</a:fbdata></a:item></a:recipients></a:response>', /'one' is not a number/],
    ['no fbdata', '<a:response xmlns:a="WM"><a:recipients><a:item><a:type>1</a:type></a:item></a:recipients></a:response>', /missing <response\/recipients\/item\[0\]\/fbdata>/],
    ['no recipients', '<a:response xmlns:a="WM"/>', /missing <response\/recipients>/],
    ['the wrong namespace', '<a:response xmlns:a="DAV:"><a:recipients/></a:response>', /expected <WM:response>/],
    ['the HTML page a non-IE browser gets', '<html><body>Outlook Web Access</body></html>', /expected <WM:response>, found <html>/],
  ])('refuses %s', (_name, xml, message) => {
    expect(failure(parseFreeBusy(xml))).toMatch(message);
  });

  const text = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, '').trim());
  const response: fc.Arbitrary<FreeBusyResponse> = fc.record({
    recipients: fc.array(
      fc.record(
        { displayName: text, email: text, type: fc.integer({ min: 0, max: 9 }), fbdata: fc.stringMatching(/^[0-4]{0,48}$/) },
        { requiredKeys: ['displayName', 'type', 'fbdata'] },
      ),
      { maxLength: 5 },
    ),
  });

  it('round-trips every answer through serializeFreeBusy / parseFreeBusy', () => {
    fc.assert(fc.property(response, (r) => expect(parseFreeBusy(serializeFreeBusy(r))).toEqual({ ok: true, value: r })));
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parseFreeBusy(s).ok).toBe('boolean')));
  });
});

describe('free/busy query', () => {
  const connector =
    '/public/?Cmd=freebusy&start=2002-10-23T04:00:00Z&end=2002-11-27T05:00:00Z&interval=30&u=SMTP:danw@xcs.ximian.com&u=SMTP:eleanor@xcs.ximian.com';

  it("parses the Connector's request target, a bare query and a leading ?", () => {
    const value: FreeBusyQuery = { start: '2002-10-23T04:00:00Z', end: '2002-11-27T05:00:00Z', intervalMinutes: 30, recipients: ['danw@xcs.ximian.com', 'eleanor@xcs.ximian.com'] };
    expect(parseFreeBusyQuery(connector)).toEqual({ ok: true, value });
    expect(parseFreeBusyQuery(connector.slice('/public/?'.length))).toEqual({ ok: true, value });
    expect(parseFreeBusyQuery(connector.slice('/public/'.length))).toEqual({ ok: true, value });
    expect(parseFreeBusyQuery('cmd=FreeBusy&START=2009-05-01T09:00:00Z&End=2009-05-01T10:00:00Z&Interval=15&U=smtp:alice%40uc.lab')).toEqual({
      ok: true,
      value: { start: '2009-05-01T09:00:00Z', end: '2009-05-01T10:00:00Z', intervalMinutes: 15, recipients: ['alice@uc.lab'] },
    });
  });

  it('serializes in the form the Connector sends (no escaping of : and @)', () => {
    expect(`/public/?${serializeFreeBusyQuery({ start: '2002-10-23T04:00:00Z', end: '2002-11-27T05:00:00Z', intervalMinutes: 30, recipients: ['danw@xcs.ximian.com', 'eleanor@xcs.ximian.com'] })}`).toBe(connector);
    expect(serializeFreeBusyQuery({ start: at('09:00'), end: at('10:00'), intervalMinutes: 30, recipients: ['j+o&e d@uc.lab'] })).toMatch(/&u=SMTP:j%2Bo%26e%20d@uc\.lab$/);
  });

  const q = (over: Record<string, string | undefined>, extra = ''): string => {
    const fields: Record<string, string | undefined> = { Cmd: 'freebusy', start: at('09:00'), end: at('10:00'), interval: '30', u: 'SMTP:alice@uc.lab', ...over };
    return Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join('&') + extra;
  };

  it.each<[string, string, RegExp]>([
    ['another Cmd', q({ Cmd: 'contents' }), /Cmd 'contents' is not freebusy/],
    ['no Cmd', q({ Cmd: undefined }), /without 'Cmd'/],
    ['no start', q({ start: undefined }), /without 'start'/],
    ['a start that is no instant', q({ start: '2009-05-01' }), /start '2009-05-01' is not an ISO 8601 UTC instant/],
    ['end before start', q({ end: at('08:00') }), /is not after start/],
    ['two starts', q({}, `&start=${at('09:30')}`), /2 'start' parameters/],
    ['interval 0', q({ interval: '0' }), /interval '0' is not a positive number/],
    ['interval -30', q({ interval: '-30' }), /interval '-30'/],
    ['no interval', q({ interval: undefined }), /without 'interval'/],
    ['too many intervals', q({ end: '2019-05-01T09:00:00Z', interval: '1' }), new RegExp(`more than ${MAX_FREEBUSY_SLOTS}`)],
    ['no recipient', q({ u: undefined }), /without 'u'/],
    ['a recipient without SMTP:', q({ u: 'alice@uc.lab' }), /recipient 'alice@uc.lab' is not of the form SMTP:address/],
    ['an empty SMTP:', q({ u: 'SMTP:' }), /recipient 'SMTP:'/],
  ])('refuses %s', (_name, query, message) => {
    expect(failure(parseFreeBusyQuery(query))).toMatch(message);
  });

  it('round-trips every query through serializeFreeBusyQuery / parseFreeBusyQuery', () => {
    const instant = fc.integer({ min: Date.parse('2000-01-01T00:00:00Z') / 60_000, max: Date.parse('2030-01-01T00:00:00Z') / 60_000 }).map((m) => new Date(m * 60_000).toISOString().replace('.000Z', 'Z'));
    const query: fc.Arbitrary<FreeBusyQuery> = fc
      .record({
        start: instant,
        hours: fc.integer({ min: 1, max: 24 * 42 }),
        intervalMinutes: fc.constantFrom(15, 30, 60),
        recipients: fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 }),
      })
      .map(({ start, hours, intervalMinutes, recipients }) => ({
        start,
        end: new Date(Date.parse(start) + hours * 3_600_000).toISOString().replace('.000Z', 'Z'),
        intervalMinutes,
        recipients,
      }));
    fc.assert(fc.property(query, (value) => expect(parseFreeBusyQuery(serializeFreeBusyQuery(value))).toEqual({ ok: true, value })));
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parseFreeBusyQuery(s).ok).toBe('boolean')));
  });

  it('exports 4 as the no-data digit', () => {
    expect(FREEBUSY_NO_DATA).toBe('4');
  });
});
