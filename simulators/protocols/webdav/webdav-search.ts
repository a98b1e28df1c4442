/**
 * The body of an Exchange WebDAV SEARCH on a calendar folder: `<a:searchrequest xmlns:a="DAV:"><a:sql>…</a:sql>`
 * carrying Exchange store SQL (Exchange Server 2003 SDK, "SELECT Statement", "Search Scope", "CAST Function").
 * docs/protocols/exchange-webdav.md §2, §8.
 *
 * The parser understands one subset of that SQL, the calendar query of §2, and nothing else:
 *
 *   SELECT "prop" {, "prop"}
 *   FROM ( SCOPE('[SHALLOW|DEEP TRAVERSAL OF] "url"') | "url" )
 *   [WHERE term {AND term}]
 *   [ORDER BY "prop" [ASC|DESC]]
 *
 *   term := [NOT] ( "(" term {AND term} ")" | "prop" op value )
 *   value := integer | 'string' | TRUE | FALSE | CAST("instant" AS 'dateTime.tz')
 *
 * with keywords in any case, and of the comparisons only those the model holds: `NOT instancetype = 1` (also
 * written `<> 1` / `!= 1`), `"DAV:contentclass" = '…'`, `dtend > CAST(…)` and `dtstart < CAST(…)` (both or
 * neither). Anything else is a CodecError naming the token where the subset stops; Exchange answers such a query
 * with 400 Bad Request.
 */
import { ok, type CodecError, type Result } from '../../kernel/errors';
import { el, parseXml, serializeXml, type XmlElement } from '../xml/xml';
import { DAV_NS, isIsoInstant, webdavError, fromXmlError } from './webdav-vocabulary';

/** A calendar SEARCH as the model holds it. */
export interface CalendarSearch {
  /** Full property names as written (`urn:schemas:calendar:dtstart`), at least one. */
  readonly properties: readonly string[];
  /** The folder URL of the scope, as written (may be `""`: the request URL). */
  readonly scope: string;
  readonly traversal: 'shallow' | 'deep';
  /** `NOT "urn:schemas:calendar:instancetype" = 1`: leave out recurring masters, keep their expanded instances. */
  readonly excludeRecurringMasters: boolean;
  /** `"DAV:contentclass" = '…'`. */
  readonly contentClass?: string;
  /** Items overlapping [start, end): `dtend > CAST(start)` AND `dtstart < CAST(end)`; ISO instants as written. */
  readonly window?: { readonly start: string; readonly end: string };
  readonly orderBy?: { readonly property: string; readonly direction: 'asc' | 'desc' };
}

const INSTANCETYPE = 'urn:schemas:calendar:instancetype';
const CONTENTCLASS = 'DAV:contentclass';
const DTSTART = 'urn:schemas:calendar:dtstart';
const DTEND = 'urn:schemas:calendar:dtend';
/** Deepest parenthesis nesting accepted (the parser recurses on it). */
const MAX_NESTING = 16;
const MAX_BODY = 64 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Serialization

/** SQL-92 delimited identifier: `"…"` with `"` doubled (Exchange writes property names and URLs so). */
function quoteIdentifier(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** SQL character string literal: `'…'` with `'` doubled. */
function quoteString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function castInstant(instant: string): string {
  return `CAST(${quoteIdentifier(instant)} as 'dateTime.tz')`;
}

/** The SQL text of a search, on one line, in the order of docs/protocols/exchange-webdav.md §2. */
export function calendarSearchSql(q: CalendarSearch): string {
  const traversal = q.traversal === 'deep' ? 'DEEP' : 'SHALLOW';
  let sql = `SELECT ${q.properties.map(quoteIdentifier).join(', ')} FROM Scope(${quoteString(`${traversal} TRAVERSAL OF ${quoteIdentifier(q.scope)}`)})`;
  const where: string[] = [];
  if (q.excludeRecurringMasters) where.push(`NOT ${quoteIdentifier(INSTANCETYPE)} = 1`);
  if (q.contentClass !== undefined) where.push(`${quoteIdentifier(CONTENTCLASS)} = ${quoteString(q.contentClass)}`);
  if (q.window) {
    where.push(`${quoteIdentifier(DTEND)} > ${castInstant(q.window.start)}`);
    where.push(`${quoteIdentifier(DTSTART)} < ${castInstant(q.window.end)}`);
  }
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  if (q.orderBy) sql += ` ORDER BY ${quoteIdentifier(q.orderBy.property)} ${q.orderBy.direction === 'desc' ? 'DESC' : 'ASC'}`;
  return sql;
}

/** Serializes the SEARCH body: `<?xml version="1.0"?><a:searchrequest xmlns:a="DAV:"><a:sql>…</a:sql></a:searchrequest>`. */
export function serializeCalendarSearch(q: CalendarSearch): string {
  const sql: XmlElement = { ...el('a:sql', {}, calendarSearchSql(q)), namespace: DAV_NS };
  const root: XmlElement = { ...el('a:searchrequest', {}, [sql]), namespace: DAV_NS };
  return `<?xml version="1.0"?>${serializeXml(root)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'identifier'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly text: string; readonly at: number }
  | { readonly kind: 'number'; readonly text: string; readonly at: number }
  | { readonly kind: 'symbol'; readonly text: string; readonly at: number }
  | { readonly kind: 'end'; readonly text: ''; readonly at: number };

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of query';
    case 'identifier':
      return quoteIdentifier(t.text);
    case 'string':
      return quoteString(t.text);
    default:
      return t.kind === 'word' ? t.text : `'${t.text}'`;
  }
}

/** Where a token sits, 1-based, for messages. */
const where = (t: Token): string => `at character ${t.at + 1}`;

/** Reads a quoted run (`"…"` or `'…'`, the quote doubled inside); returns the text and the index after it. */
function readQuoted(sql: string, start: number, quote: string): { text: string; next: number } | undefined {
  let text = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === quote) {
      if (sql[i + 1] === quote) {
        text += quote;
        i += 2;
        continue;
      }
      return { text, next: i + 1 };
    }
    text += c;
    i++;
  }
  return undefined;
}

const TWO_CHAR_SYMBOLS = ['<=', '>=', '<>', '!='];
const WORD = /[A-Za-z_][A-Za-z0-9_.]*/y;
const NUMBER = /-?[0-9]+/y;

function tokenize(sql: string): Result<Token[]> {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const quoted = readQuoted(sql, i, c);
      if (!quoted) return webdavError(`unterminated ${c === '"' ? 'identifier' : 'string'} starting at character ${i + 1}`);
      tokens.push({ kind: c === '"' ? 'identifier' : 'string', text: quoted.text, at: i });
      i = quoted.next;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(sql);
    if (word) {
      tokens.push({ kind: 'word', text: word[0], at: i });
      i += word[0].length;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(sql);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (TWO_CHAR_SYMBOLS.includes(two)) {
      tokens.push({ kind: 'symbol', text: two, at: i });
      i += 2;
      continue;
    }
    if ('(),=<>*'.includes(c)) {
      tokens.push({ kind: 'symbol', text: c, at: i });
      i++;
      continue;
    }
    return webdavError(`unexpected character '${c}' at character ${i + 1}`);
  }
  tokens.push({ kind: 'end', text: '', at: sql.length });
  return ok(tokens);
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

type Failure = { ok: false; error: CodecError };

/** A comparison's right-hand side; an instant is the literal of a CAST. */
interface Value {
  readonly kind: 'number' | 'string' | 'bool' | 'instant';
  readonly text: string;
}

interface Comparison {
  readonly property: Token;
  readonly op: Token;
  readonly value: Value;
  readonly negated: boolean;
}

class SqlParser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  peek(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)]!;
  }

  take(): Token {
    const t = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return t;
  }

  isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text.toUpperCase() === word;
  }

  isSymbol(symbol: string): boolean {
    const t = this.peek();
    return t.kind === 'symbol' && t.text === symbol;
  }

  unexpected(expected: string): Failure {
    const t = this.peek();
    return webdavError(`unexpected ${describe(t)} ${where(t)}, expected ${expected}`);
  }

  word(word: string): Result<Token> {
    return this.isWord(word) ? ok(this.take()) : this.unexpected(word);
  }

  symbol(symbol: string): Result<Token> {
    return this.isSymbol(symbol) ? ok(this.take()) : this.unexpected(`'${symbol}'`);
  }

  identifier(what: string): Result<Token> {
    const t = this.peek();
    if (t.kind !== 'identifier') return this.unexpected(what);
    return ok(this.take());
  }

  property(): Result<string> {
    const t = this.identifier('a "property" name');
    if (!t.ok) return t;
    if (t.value.text === '') return webdavError(`empty property name ${where(t.value)}`);
    return ok(t.value.text);
  }

  end(): Result<true> {
    return this.peek().kind === 'end' ? ok(true) : this.unexpected('end of query');
  }

  /** term {AND term} */
  conjunction(depth: number): Result<Comparison[]> {
    const out: Comparison[] = [];
    for (;;) {
      const term = this.term(depth);
      if (!term.ok) return term;
      out.push(...term.value);
      if (!this.isWord('AND')) return ok(out);
      this.take();
    }
  }

  /** [NOT] ( "(" conjunction ")" | comparison ) */
  term(depth: number): Result<Comparison[]> {
    let not: Token | undefined;
    if (this.isWord('NOT')) not = this.take();
    let inner: Result<Comparison[]>;
    if (this.isSymbol('(')) {
      const open = this.take();
      if (depth >= MAX_NESTING) return webdavError(`parentheses nested deeper than ${MAX_NESTING} ${where(open)}`);
      inner = this.conjunction(depth + 1);
      if (!inner.ok) return inner;
      const close = this.symbol(')');
      if (!close.ok) return close;
    } else {
      const comparison = this.comparison();
      inner = comparison.ok ? ok([comparison.value]) : comparison;
    }
    if (!inner.ok || not === undefined) return inner;
    if (inner.value.length !== 1) return webdavError(`unsupported NOT over ${inner.value.length} conditions ${where(not)}`);
    const only = inner.value[0]!;
    return ok([{ ...only, negated: !only.negated }]);
  }

  /** "prop" op value */
  comparison(): Result<Comparison> {
    const property = this.identifier('a "property" name or NOT');
    if (!property.ok) return property;
    const op = this.peek();
    if (op.kind !== 'symbol' || !['=', '<', '>', '<=', '>=', '<>', '!='].includes(op.text)) return this.unexpected('a comparison operator');
    this.take();
    const value = this.value();
    if (!value.ok) return value;
    return ok({ property: property.value, op, value: value.value, negated: false });
  }

  value(): Result<Value> {
    const t = this.peek();
    if (t.kind === 'number' || t.kind === 'string') {
      this.take();
      return ok({ kind: t.kind, text: t.text });
    }
    if (this.isWord('TRUE') || this.isWord('FALSE')) {
      this.take();
      return ok({ kind: 'bool', text: t.text.toUpperCase() });
    }
    if (!this.isWord('CAST')) return this.unexpected('a value');
    this.take();
    const open = this.symbol('(');
    if (!open.ok) return open;
    const literal = this.identifier('a "date" literal');
    if (!literal.ok) return literal;
    const as = this.word('AS');
    if (!as.ok) return as;
    const type = this.peek();
    // Exchange 2000 SDK examples cast to 'dateTime', the 2003 ones and the Connector to 'dateTime.tz'.
    if (type.kind !== 'string' || !['datetime.tz', 'datetime'].includes(type.text.toLowerCase())) return this.unexpected("'dateTime.tz'");
    this.take();
    const close = this.symbol(')');
    if (!close.ok) return close;
    if (!isIsoInstant(literal.value.text)) return webdavError(`${describe(literal.value)} ${where(literal.value)} is not an ISO 8601 UTC instant`);
    return ok({ kind: 'instant', text: literal.value.text });
  }
}

/** The inside of `SCOPE('…')`: `[SHALLOW|DEEP TRAVERSAL OF] "url"` (no depth: deep, per the SDK). */
function parseScope(text: string, outer: Token): Result<{ scope: string; traversal: 'shallow' | 'deep' }> {
  // Positions inside the scope string count from its first character; say where the string itself is.
  const inScope = <T>(r: Result<T>): Result<T> =>
    r.ok ? r : webdavError(`in the scope ${where(outer)}: ${r.error.message.slice(`${r.error.protocol}: `.length)}`);
  const tokens = inScope(tokenize(text));
  if (!tokens.ok) return tokens;
  const p = new SqlParser(tokens.value);
  let traversal: 'shallow' | 'deep' = 'deep';
  if (p.peek().kind !== 'identifier') {
    if (p.isWord('SHALLOW')) traversal = 'shallow';
    else if (!p.isWord('DEEP')) return inScope(p.unexpected('SHALLOW, DEEP or a "url"'));
    p.take();
    const t = inScope(p.word('TRAVERSAL'));
    if (!t.ok) return t;
    const of = inScope(p.word('OF'));
    if (!of.ok) return of;
  }
  const url = inScope(p.identifier('a "url"'));
  if (!url.ok) return url;
  const end = inScope(p.end());
  if (!end.ok) return end;
  return ok({ scope: url.value.text, traversal });
}

function unsupported(c: Comparison): Failure {
  const shown = c.value.kind === 'instant' ? `CAST(${quoteIdentifier(c.value.text)})` : c.value.kind === 'string' ? quoteString(c.value.text) : c.value.text;
  return webdavError(
    `unsupported condition ${c.negated ? 'NOT ' : ''}${describe(c.property)} ${c.op.text} ${shown} ${where(c.property)}`,
  );
}

/** Maps the WHERE comparisons onto the model, refusing any it does not hold. */
function interpret(comparisons: readonly Comparison[]): Result<Pick<CalendarSearch, 'excludeRecurringMasters' | 'contentClass' | 'window'>> {
  let excludeRecurringMasters = false;
  let contentClass: string | undefined;
  let start: string | undefined;
  let end: string | undefined;
  const seen = new Set<string>();
  for (const c of comparisons) {
    const name = c.property.text;
    if (seen.has(name)) return webdavError(`a second condition on ${describe(c.property)} ${where(c.property)}`);
    seen.add(name);
    const { op, value, negated } = c;
    if (name === INSTANCETYPE && value.kind === 'number' && value.text === '1' && ((negated && op.text === '=') || (!negated && (op.text === '<>' || op.text === '!=')))) {
      excludeRecurringMasters = true;
    } else if (name === CONTENTCLASS && !negated && op.text === '=' && value.kind === 'string') {
      contentClass = value.text;
    } else if (name === DTEND && !negated && op.text === '>' && value.kind === 'instant') {
      start = value.text;
    } else if (name === DTSTART && !negated && op.text === '<' && value.kind === 'instant') {
      end = value.text;
    } else {
      return unsupported(c);
    }
  }
  if ((start === undefined) !== (end === undefined)) {
    return webdavError(`a time window needs both ${quoteIdentifier(DTEND)} > CAST(…) and ${quoteIdentifier(DTSTART)} < CAST(…)`);
  }
  const out: { excludeRecurringMasters: boolean; contentClass?: string; window?: { start: string; end: string } } = { excludeRecurringMasters };
  if (contentClass !== undefined) out.contentClass = contentClass;
  if (start !== undefined && end !== undefined) out.window = { start, end };
  return ok(out);
}

/** Parses the SQL text of a calendar SEARCH (the subset in this module's comment). Never throws. */
export function parseCalendarSearchSql(sql: string): Result<CalendarSearch> {
  const tokens = tokenize(sql);
  if (!tokens.ok) return tokens;
  const p = new SqlParser(tokens.value);
  const select = p.word('SELECT');
  if (!select.ok) return select;
  const properties: string[] = [];
  for (;;) {
    const property = p.property();
    if (!property.ok) return property;
    properties.push(property.value);
    if (!p.isSymbol(',')) break;
    p.take();
  }
  const from = p.word('FROM');
  if (!from.ok) return from;
  let scope: { scope: string; traversal: 'shallow' | 'deep' };
  if (p.isWord('SCOPE')) {
    p.take();
    const open = p.symbol('(');
    if (!open.ok) return open;
    const text = p.peek();
    if (text.kind !== 'string') return p.unexpected("a 'scope'");
    p.take();
    const parsed = parseScope(text.text, text);
    if (!parsed.ok) return parsed;
    scope = parsed.value;
    const close = p.symbol(')');
    if (!close.ok) return close;
  } else {
    // SDK "SELECT Statement": without SCOPE the FROM names the folder and the traversal is shallow.
    const url = p.identifier('SCOPE or a "url"');
    if (!url.ok) return url;
    scope = { scope: url.value.text, traversal: 'shallow' };
  }
  let conditions: Comparison[] = [];
  if (p.isWord('WHERE')) {
    p.take();
    const parsed = p.conjunction(0);
    if (!parsed.ok) return parsed;
    conditions = parsed.value;
  }
  let orderBy: CalendarSearch['orderBy'];
  if (p.isWord('ORDER')) {
    p.take();
    const by = p.word('BY');
    if (!by.ok) return by;
    const property = p.property();
    if (!property.ok) return property;
    let direction: 'asc' | 'desc' = 'asc';
    if (p.isWord('ASC') || p.isWord('DESC')) direction = p.take().text.toLowerCase() === 'desc' ? 'desc' : 'asc';
    orderBy = { property: property.value, direction };
  }
  const end = p.end();
  if (!end.ok) return end;
  const filters = interpret(conditions);
  if (!filters.ok) return filters;
  const search: CalendarSearch = { properties, ...scope, ...filters.value };
  return ok(orderBy ? { ...search, orderBy } : search);
}

function davChild(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && c.namespace === DAV_NS);
}

/** Parses a SEARCH body (`DAV:searchrequest` / `DAV:sql`, any prefix) into the model. Never throws. */
export function parseCalendarSearch(xmlText: string): Result<CalendarSearch> {
  const parsed = parseXml(xmlText, { maxLength: MAX_BODY });
  if (!parsed.ok) return fromXmlError(parsed.error);
  const root = parsed.value;
  if (root.name !== 'searchrequest' || root.namespace !== DAV_NS) return webdavError(`expected <DAV:searchrequest>, found <${root.name}> in namespace '${root.namespace ?? ''}'`);
  const sql = davChild(root, 'sql');
  if (!sql) {
    // RFC 5323 DASL basicsearch is not what Exchange 2003/2007 speak.
    const other = root.children[0];
    return webdavError(other ? `only <DAV:sql> is modelled, found <${other.name}>` : 'missing <DAV:sql>');
  }
  const inner = sql.children[0];
  if (inner) return webdavError(`unexpected element <${inner.name}> inside <DAV:sql>`);
  return parseCalendarSearchSql(sql.text);
}
