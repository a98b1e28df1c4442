import fc from 'fast-check';
import { calendarSearchSql, parseCalendarSearch, parseCalendarSearchSql, serializeCalendarSearch, type CalendarSearch } from './webdav-search';
import { APPOINTMENT_CONTENT_CLASS, CALENDAR_SEARCH_PROPERTIES } from './webdav-vocabulary';

const SCOPE = 'https://mail.uc.lab/exchange/alice/Calendar/';

/** The query of docs/protocols/exchange-webdav.md §2. */
const example: CalendarSearch = {
  properties: [...CALENDAR_SEARCH_PROPERTIES],
  scope: SCOPE,
  traversal: 'shallow',
  excludeRecurringMasters: true,
  contentClass: APPOINTMENT_CONTENT_CLASS,
  window: { start: '2009-05-01T09:00:00Z', end: '2009-05-01T10:00:00Z' },
  orderBy: { property: 'urn:schemas:calendar:dtstart', direction: 'asc' },
};

const exampleSql =
  'SELECT "urn:schemas:calendar:location", "urn:schemas:httpmail:subject", "urn:schemas:calendar:dtstart", ' +
  '"urn:schemas:calendar:dtend", "urn:schemas:calendar:busystatus", "urn:schemas:calendar:instancetype" ' +
  `FROM Scope('SHALLOW TRAVERSAL OF "${SCOPE}"') WHERE NOT "urn:schemas:calendar:instancetype" = 1 AND ` +
  `"DAV:contentclass" = 'urn:content-classes:appointment' AND "urn:schemas:calendar:dtend" > CAST("2009-05-01T09:00:00Z" as 'dateTime.tz') ` +
  `AND "urn:schemas:calendar:dtstart" < CAST("2009-05-01T10:00:00Z" as 'dateTime.tz') ORDER BY "urn:schemas:calendar:dtstart" ASC`;

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const body = (sql: string, root = '<a:searchrequest xmlns:a="DAV:">', close = '</a:searchrequest>', sqlTag = 'a:sql'): string =>
  `<?xml version="1.0"?>${root}<${sqlTag}>${xmlEscape(sql)}</${sqlTag}>${close}`;

function mustParse(xml: string): CalendarSearch {
  const r = parseCalendarSearch(xml);
  if (!r.ok) throw new Error(`expected a parse: ${r.error.message}`);
  return r.value;
}

function errorOf(sql: string): string {
  const r = parseCalendarSearchSql(sql);
  if (r.ok) throw new Error(`expected a CodecError, got ${JSON.stringify(r.value)}`);
  expect(r.error.code).toBe('UC_CODEC');
  expect(r.error.protocol).toBe('webdav');
  return r.error.message;
}

describe('calendar SEARCH body', () => {
  it('serializes the §2 query exactly as the wire carries it (< and > escaped in the XML text)', () => {
    expect(calendarSearchSql(example)).toBe(exampleSql);
    expect(serializeCalendarSearch(example)).toBe(`<?xml version="1.0"?><a:searchrequest xmlns:a="DAV:"><a:sql>${xmlEscape(exampleSql)}</a:sql></a:searchrequest>`);
  });

  it('parses the §2 query back', () => {
    expect(mustParse(body(exampleSql))).toEqual(example);
  });

  it('reads the Connector style: default namespace, CRLFs, lower-case keywords, FROM "" and NOT (…)', () => {
    const sql =
      '\r\nSELECT "DAV:href", "urn:schemas:calendar:busystatus"\r\nFROM ""\r\n' +
      `where NOT ("urn:schemas:calendar:instancetype" = 1) and ("DAV:contentclass" = 'urn:content-classes:appointment') ` +
      `and "urn:schemas:calendar:dtend" > cast ("2009-05-01T00:00:00Z" as 'dateTime.tz') ` +
      `and "urn:schemas:calendar:dtstart" < cast ("2009-05-02T00:00:00.000Z" as 'dateTime')\r\norder by "urn:schemas:calendar:dtstart"\r\n`;
    expect(mustParse(body(sql, '<searchrequest xmlns="DAV:">', '</searchrequest>', 'sql'))).toEqual({
      properties: ['DAV:href', 'urn:schemas:calendar:busystatus'],
      scope: '',
      traversal: 'shallow',
      excludeRecurringMasters: true,
      contentClass: APPOINTMENT_CONTENT_CLASS,
      window: { start: '2009-05-01T00:00:00Z', end: '2009-05-02T00:00:00.000Z' },
      orderBy: { property: 'urn:schemas:calendar:dtstart', direction: 'asc' },
    });
  });

  it('reads a scope without depth as deep (SDK "Search Scope"), DEEP TRAVERSAL, DESC, no WHERE, <> 1', () => {
    expect(parseCalendarSearchSql(`SELECT "a:b" FROM SCOPE('"${SCOPE}"')`)).toEqual({
      ok: true,
      value: { properties: ['a:b'], scope: SCOPE, traversal: 'deep', excludeRecurringMasters: false },
    });
    const r = parseCalendarSearchSql(`Select "a:b" From scope('deep traversal of "/x/"') Where "urn:schemas:calendar:instancetype" <> 1 Order By "a:b" desc`);
    expect(r).toEqual({
      ok: true,
      value: { properties: ['a:b'], scope: '/x/', traversal: 'deep', excludeRecurringMasters: true, orderBy: { property: 'a:b', direction: 'desc' } },
    });
  });

  it('doubles quotes inside identifiers and strings, and reads them back', () => {
    const q: CalendarSearch = { properties: ['urn:x:"odd"'], scope: `https://h/exchange/o'brien/Calendar/`, traversal: 'shallow', excludeRecurringMasters: false, contentClass: "it's" };
    const sql = calendarSearchSql(q);
    expect(sql).toBe(`SELECT "urn:x:""odd""" FROM Scope('SHALLOW TRAVERSAL OF "https://h/exchange/o''brien/Calendar/"') WHERE "DAV:contentclass" = 'it''s'`);
    expect(parseCalendarSearchSql(sql)).toEqual({ ok: true, value: q });
  });

  it.each<[string, string, RegExp]>([
    ['SELECT *', `SELECT * FROM "${SCOPE}"`, /unexpected '\*' at character 8/],
    ['no properties', `SELECT FROM "${SCOPE}"`, /unexpected FROM/],
    ['OR', `SELECT "a:b" FROM "/x/" WHERE "DAV:contentclass" = 'x' OR "DAV:contentclass" = 'y'`, /unexpected OR at character \d+, expected end of query/],
    ['hierarchical traversal', `SELECT "a:b" FROM SCOPE('HIERARCHICAL TRAVERSAL OF "/x/"')`, /in the scope at character 25: unexpected HIERARCHICAL at character 1/],
    ['two scopes', `SELECT "a:b" FROM SCOPE('"/x/"', '"/y/"')`, /unexpected ','/],
    ['half a window', `SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:dtend" > CAST("2009-05-01T09:00:00Z" as 'dateTime.tz')`, /needs both/],
    ['contained window (InfiniTec)', `SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:dtstart" > CAST("2005-01-01T00:00:00Z" AS 'dateTime.tz')`, /unsupported condition "urn:schemas:calendar:dtstart" > CAST/],
    ['>=', `SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:dtend" >= CAST("2009-05-01T09:00:00Z" as 'dateTime.tz')`, /unsupported condition/],
    ['instancetype = 1 without NOT', `SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:instancetype" = 1`, /unsupported condition "urn:schemas:calendar:instancetype" = 1/],
    ['NOT over two', `SELECT "a:b" FROM "/x/" WHERE NOT ("DAV:contentclass" = 'x' AND "DAV:ishidden" = false)`, /unsupported NOT over 2 conditions/],
    ['unknown property', `SELECT "a:b" FROM "/x/" WHERE "DAV:ishidden" = false`, /unsupported condition "DAV:ishidden" = FALSE/],
    ['a second condition', `SELECT "a:b" FROM "/x/" WHERE "DAV:contentclass" = 'x' AND "DAV:contentclass" = 'y'`, /a second condition on "DAV:contentclass"/],
    ['unterminated string', `SELECT "a:b" FROM "/x/" WHERE "DAV:contentclass" = 'x`, /unterminated string starting at character 52/],
    ['unterminated identifier', `SELECT "a:b FROM x`, /unterminated identifier starting at character 8/],
    ['not an instant', `SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:dtend" > CAST("yesterday" as 'dateTime.tz')`, /"yesterday" at character \d+ is not an ISO 8601 UTC instant/],
    ['30 February', `SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:dtend" > CAST("2009-02-30T00:00:00Z" as 'dateTime.tz')`, /not an ISO 8601/],
    ['cast to string', `SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:dtend" > CAST("2009-05-01T09:00:00Z" as 'string')`, /unexpected 'string'.*expected 'dateTime.tz'/],
    ['trailing words', `SELECT "a:b" FROM "/x/" ORDER BY "a:b" ASC LIMIT 5`, /unexpected LIMIT/],
    ['two ORDER BY columns', `SELECT "a:b" FROM "/x/" ORDER BY "a:b", "c:d"`, /unexpected ','/],
    ['a stray character', `SELECT "a:b" FROM "/x/" WHERE "DAV:contentclass" = 'x';`, /unexpected character ';'/],
    ['an empty property name', `SELECT "" FROM "/x/"`, /empty property name/],
    ['not SELECT', `DELETE FROM "/x/"`, /unexpected DELETE at character 1, expected SELECT/],
    ['empty', '', /unexpected end of query/],
    ['nesting past the bound', `SELECT "a:b" FROM "/x/" WHERE ${'('.repeat(40)}"DAV:contentclass" = 'x'${')'.repeat(40)}`, /nested deeper than 16/],
  ])('refuses %s, naming where', (_name, sql, message) => {
    expect(errorOf(sql)).toMatch(message);
  });

  it.each<[string, string, RegExp]>([
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a:searchrequest xmlns:a="DAV:"><a:sql>&x;</a:sql></a:searchrequest>', /DOCTYPE declarations are not accepted/],
    ['malformed XML', '<a:searchrequest xmlns:a="DAV:"><a:sql>SELECT</a:searchrequest>', /malformed XML/],
    ['an unescaped <', `<a:searchrequest xmlns:a="DAV:"><a:sql>SELECT "a:b" FROM "/x/" WHERE "urn:schemas:calendar:dtstart" < CAST("2009-05-01T10:00:00Z" as 'dateTime.tz')</a:sql></a:searchrequest>`, /malformed XML/],
    ['another root', '<a:propfind xmlns:a="DAV:"/>', /expected <DAV:searchrequest>, found <propfind>/],
    ['the wrong namespace', '<searchrequest xmlns="urn:x"><sql>SELECT "a:b" FROM "/x/"</sql></searchrequest>', /in namespace 'urn:x'/],
    ['DASL basicsearch', '<D:searchrequest xmlns:D="DAV:"><D:basicsearch/></D:searchrequest>', /only <DAV:sql> is modelled, found <basicsearch>/],
    ['no sql', '<D:searchrequest xmlns:D="DAV:"/>', /missing <DAV:sql>/],
    ['markup inside sql', '<D:searchrequest xmlns:D="DAV:"><D:sql>SELECT<x/></D:sql></D:searchrequest>', /unexpected element <x>/],
  ])('refuses a body with %s', (_name, xml, message) => {
    const r = parseCalendarSearch(xml);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.protocol).toBe('webdav');
      expect(r.error.message).toMatch(message);
    }
  });

  // -------------------------------------------------------------------------------------------------------------
  // Properties

  /** Text the XML layer carries unchanged: no C0/C1 controls or non-characters. */
  const text = fc.string({ unit: 'grapheme', maxLength: 24 }).map((s) => s.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, ''));
  const instant = fc
    .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true })
    .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().replace(/\.\d{3}Z$/, 'Z')));
  const property = fc.oneof(fc.constantFrom(...CALENDAR_SEARCH_PROPERTIES, 'DAV:href'), text.filter((s) => s !== ''));
  const search: fc.Arbitrary<CalendarSearch> = fc
    .record(
      {
        properties: fc.array(property, { minLength: 1, maxLength: 6 }),
        scope: fc.oneof(fc.constant(SCOPE), fc.constant(''), text),
        traversal: fc.constantFrom('shallow' as const, 'deep' as const),
        excludeRecurringMasters: fc.boolean(),
        contentClass: fc.oneof(fc.constant(APPOINTMENT_CONTENT_CLASS), text),
        window: fc.record({ start: instant, end: instant }),
        orderBy: fc.record({ property, direction: fc.constantFrom('asc' as const, 'desc' as const) }),
      },
      { requiredKeys: ['properties', 'scope', 'traversal', 'excludeRecurringMasters'] },
    );

  it('round-trips every search through serializeCalendarSearch / parseCalendarSearch', () => {
    fc.assert(
      fc.property(search, (q) => {
        expect(parseCalendarSearch(serializeCalendarSearch(q))).toEqual({ ok: true, value: q });
        expect(parseCalendarSearchSql(calendarSearchSql(q))).toEqual({ ok: true, value: q });
      }),
    );
  });

  it('never throws on arbitrary text or shuffled SQL tokens', () => {
    const token = fc.constantFrom(
      'SELECT', '"a:b"', ',', 'FROM', 'SCOPE', '(', ')', "'SHALLOW TRAVERSAL OF \"/x/\"'", 'WHERE', 'NOT', 'AND', 'OR', '=', '<', '>', '1',
      'CAST', 'as', "'dateTime.tz'", '"2009-05-01T09:00:00Z"', '"urn:schemas:calendar:dtend"', 'ORDER', 'BY', 'ASC', "'", '"',
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(token, { maxLength: 30 }).map((t) => t.join(' '))), (sql) => {
        const r = parseCalendarSearchSql(sql);
        if (!r.ok) expect(r.error.message).toMatch(/^webdav: /);
        expect(parseCalendarSearch(body(sql)).ok).toBe(r.ok);
      }),
    );
  });
});
