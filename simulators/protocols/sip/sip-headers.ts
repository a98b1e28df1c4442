/**
 * The header section of a SIP message (RFC 3261 §7.3): an ordered list of (name, value) fields.
 */

/**
 * RFC 3261 §7.3.3: "SIP provides a mechanism to represent common header field names in an
 * abbreviated form." (compact forms from §20 and the IANA SIP parameters registry: o Event,
 * u Allow-Events, r Refer-To (RFC 3515), b Referred-By (RFC 3892), x Session-Expires (RFC 4028)).
 */
export const COMPACT_HEADER_NAMES: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  f: 'From',
  t: 'To',
  v: 'Via',
  m: 'Contact',
  l: 'Content-Length',
  c: 'Content-Type',
  k: 'Supported',
  e: 'Content-Encoding',
  s: 'Subject',
  o: 'Event',
  u: 'Allow-Events',
  r: 'Refer-To',
  b: 'Referred-By',
  x: 'Session-Expires',
};

/** Full header name for a compact form; other names are returned unchanged. */
export function expandHeaderName(name: string): string {
  return name.length === 1 ? (COMPACT_HEADER_NAMES[name.toLowerCase()] ?? name) : name;
}

/**
 * RFC 3261 §7.3.1: "Multiple header field rows with the same field-name MAY be present in a message
 * if and only if the entire field-value for that header field is defined to be a comma-separated
 * list". These are the list-valued headers the lab meets; others (Date, WWW-Authenticate, ...)
 * contain commas that are not separators and are never split.
 */
const LIST_HEADERS = new Set(
  [
    'via',
    'route',
    'record-route',
    'contact',
    'path',
    'service-route',
    'allow',
    'supported',
    'require',
    'proxy-require',
    'unsupported',
    'accept',
    'accept-encoding',
    'accept-language',
    'allow-events',
    'content-encoding',
    'in-reply-to',
  ],
);

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(keyOf(name));
}

/**
 * Splits a comma-separated header value into its elements, ignoring commas inside quoted strings
 * (RFC 3261 §25.1 quoted-string, with quoted-pair escapes) and inside `<...>` (name-addr URIs). With a `limit`,
 * only the first elements are cut out (a header's first value without splitting the rest).
 */
export function splitHeaderValues(value: string, limit = Infinity): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < value.length && out.length < limit; i++) {
    const ch = value[i];
    if (inQuotes) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuotes = false;
    } else if (ch === '"') inQuotes = true;
    else if (ch === '<') inAngle = true;
    else if (ch === '>') inAngle = false;
    else if (ch === ',' && !inAngle) {
      const element = value.slice(start, i).trim();
      if (element.length > 0) out.push(element);
      start = i + 1;
    }
  }
  if (out.length < limit) {
    const last = value.slice(start).trim();
    if (last.length > 0) out.push(last);
  }
  return out;
}

/** The case-insensitive, compact-form-expanded key of a header name; the common names are remembered. */
const KEYS = new Map<string, string>();
const MAX_REMEMBERED_KEYS = 512;
function keyOf(name: string): string {
  let key = KEYS.get(name);
  if (key === undefined) {
    key = expandHeaderName(name).toLowerCase();
    if (KEYS.size < MAX_REMEMBERED_KEYS) KEYS.set(name, key);
  }
  return key;
}

/** A header field: its name as written (compact forms expanded), its value, and the name's lookup key (keyOf). */
type Field = [name: string, value: string, key: string];

const field = (name: string, value: string): Field => {
  const full = expandHeaderName(name);
  return [full, value, keyOf(full)];
};

export class SipHeaders implements Iterable<[string, string]> {
  private readonly fields: Field[];

  constructor(fields: Iterable<readonly [string, string]> = []) {
    this.fields = [];
    for (const [n, v] of fields) this.fields.push(field(n, v));
  }

  private indexOf(key: string): number {
    for (let i = 0; i < this.fields.length; i++) if ((this.fields[i] as Field)[2] === key) return i;
    return -1;
  }

  /** First value of the header (the first element of a comma-separated list header), case-insensitive. */
  get(name: string): string | undefined {
    const key = keyOf(name);
    const list = LIST_HEADERS.has(key);
    for (const [, v, k] of this.fields) {
      if (k !== key) continue;
      if (!list) return v;
      const first = splitHeaderValues(v, 1)[0];
      if (first !== undefined) return first;
    }
    return undefined;
  }

  /** Every value, in order; list headers (Via, Route, Record-Route, Contact ...) are split on commas. */
  getAll(name: string): string[] {
    const key = keyOf(name);
    const split = LIST_HEADERS.has(key);
    const out: string[] = [];
    for (const [, v, k] of this.fields) {
      if (k !== key) continue;
      if (split) out.push(...splitHeaderValues(v));
      else out.push(v);
    }
    return out;
  }

  /** How many field rows carry the header (a list header's values on one row count once). */
  count(name: string): number {
    const key = keyOf(name);
    let n = 0;
    for (const f of this.fields) if (f[2] === key) n++;
    return n;
  }

  has(name: string): boolean {
    return this.indexOf(keyOf(name)) >= 0;
  }

  /** Replaces every field of that name with one field, at the position of the first (else at the end). */
  set(name: string, value: string): this {
    const added = field(name, value);
    const first = this.indexOf(added[2]);
    if (first < 0) {
      this.fields.push(added);
      return this;
    }
    const keptName = (this.fields[first] as Field)[0];
    this.remove(name);
    this.fields.splice(first, 0, [keptName, value, added[2]]);
    return this;
  }

  append(name: string, value: string): this {
    this.fields.push(field(name, value));
    return this;
  }

  /** Inserts a field before the first field of that name (at the top when there is none). */
  prepend(name: string, value: string): this {
    const added = field(name, value);
    const first = this.indexOf(added[2]);
    this.fields.splice(first < 0 ? 0 : first, 0, added);
    return this;
  }

  remove(name: string): this {
    const key = keyOf(name);
    for (let i = this.fields.length - 1; i >= 0; i--) {
      if ((this.fields[i] as Field)[2] === key) this.fields.splice(i, 1);
    }
    return this;
  }

  /**
   * Removes the first value of a list header (the top Via, the top Route), keeping any other
   * values that shared its field row. Returns the removed value.
   */
  removeFirstValue(name: string): string | undefined {
    const key = keyOf(name);
    const i = this.indexOf(key);
    if (i < 0) return undefined;
    const [n, v] = this.fields[i] as Field;
    const values = LIST_HEADERS.has(key) ? splitHeaderValues(v) : [v];
    const [first, ...rest] = values;
    if (rest.length === 0) this.fields.splice(i, 1);
    else this.fields[i] = [n, rest.join(', '), key];
    return first;
  }

  /** Removes the last value of a list header (used when a strict-routed Route is consumed). */
  removeLastValue(name: string): string | undefined {
    const key = keyOf(name);
    let i = -1;
    this.fields.forEach(([, , k], idx) => {
      if (k === key) i = idx;
    });
    if (i < 0) return undefined;
    const [n, v] = this.fields[i] as Field;
    const values = LIST_HEADERS.has(key) ? splitHeaderValues(v) : [v];
    const last = values.pop();
    if (values.length === 0) this.fields.splice(i, 1);
    else this.fields[i] = [n, values.join(', '), key];
    return last;
  }

  /** Replaces the first value of a list header (e.g. to add `received=` to the top Via). */
  replaceFirstValue(name: string, value: string): this {
    const key = keyOf(name);
    const i = this.indexOf(key);
    if (i < 0) return this.append(name, value);
    const [n, v] = this.fields[i] as Field;
    const values = LIST_HEADERS.has(key) ? splitHeaderValues(v) : [v];
    values[0] = value;
    this.fields[i] = [n, values.join(', '), key];
    return this;
  }

  /**
   * The header section as it goes on the wire, `name: value` CRLF for each field, with Content-Length's value
   * given: what `clone().set('Content-Length', contentLength)` would hold, written without the copy.
   */
  serialize(contentLength: string): string {
    let out = '';
    let seen = false;
    for (const [n, v, k] of this.fields) {
      if (k !== 'content-length') out += `${n}: ${v}\r\n`;
      else if (!seen) {
        seen = true;
        out += `${n}: ${contentLength}\r\n`;
      }
    }
    return seen ? out : `${out}Content-Length: ${contentLength}\r\n`;
  }

  clone(): SipHeaders {
    const copy = new SipHeaders();
    for (const [n, v, k] of this.fields) copy.fields.push([n, v, k]);
    return copy;
  }

  get size(): number {
    return this.fields.length;
  }

  entries(): [string, string][] {
    return this.fields.map(([n, v]) => [n, v]);
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.entries()[Symbol.iterator]();
  }
}
