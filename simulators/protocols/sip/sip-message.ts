/**
 * SIP messages (RFC 3261 §7, grammar §25): parse from bytes, serialize to text, plus the URI,
 * name-addr, Via and CSeq helpers the stacks need. Pure: no node:* imports.
 */
import { BoundedMemo } from '../../kernel/bounded-memo';
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { SipHeaders, expandHeaderName } from './sip-headers';

export { SipHeaders, splitHeaderValues, expandHeaderName, COMPACT_HEADER_NAMES } from './sip-headers';

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  body: string;
  /**
   * The body's bytes as received, kept only when they are not valid UTF-8 (a binary part of a multipart body,
   * RFC 4475 §3.1.1.11 mpart01): `body` is then a lossy text view and `encodeSipMessage` sends these bytes.
   */
  rawBody?: Uint8Array;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: string;
  /** As SipRequest.rawBody. */
  rawBody?: Uint8Array;
}

export type SipMessage = SipRequest | SipResponse;

const PROTOCOL = 'SIP';
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 byte length of a string (Content-Length counts octets, §20.14). */
export function byteLength(text: string): number {
  // Counted from the UTF-16 code units, without encoding: a lone surrogate is encoded as U+FFFD (3 octets), as
  // TextEncoder does.
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/**
 * Parses one SIP message. Leading CRLFs are skipped (§7.5: "Implementations processing SIP messages
 * over stream-oriented transports MUST ignore any CRLF appearing before the start-line").
 * Line numbers in errors are 1-based over the message as received.
 */
export function parseSipMessage(data: Uint8Array | string): Result<SipMessage> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  let pos = 0;
  let line = 1;
  // §7.5 leading CRLFs.
  while (pos < bytes.length && (bytes[pos] === 0x0d || bytes[pos] === 0x0a)) {
    if (bytes[pos] === 0x0a) line++;
    pos++;
  }
  const startLineNo = line;
  const end = findHeaderEnd(bytes, pos);
  if (!end) return fail(new CodecError(PROTOCOL, 'no empty line after the header section', { line: startLineNo }));
  const headText = decoder.decode(bytes.subarray(pos, end.headerEnd));
  const rawLines = headText.split(/\r?\n/);
  const startLine = rawLines[0] ?? '';

  // §7.3.1: "Header fields can be extended over multiple lines by preceding each extra line with at
  // least one SP or horizontal tab (HT)."
  const logical: { text: string; line: number }[] = [];
  for (let i = 1; i < rawLines.length; i++) {
    const text = rawLines[i] as string;
    const lineNo = startLineNo + i;
    const first = text.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      const prev = logical[logical.length - 1];
      if (!prev) return fail(new CodecError(PROTOCOL, 'continuation line before any header', { line: lineNo }));
      prev.text = `${prev.text.trimEnd()} ${text.trim()}`;
    } else logical.push({ text, line: lineNo });
  }

  const headers = new SipHeaders();
  // Each field's expanded name and value, in order, for the grammar checks below.
  const names: string[] = [];
  const values: string[] = [];
  for (const { text, line: lineNo } of logical) {
    // §7.3.1: field-name ":" field-value, with any amount of whitespace before and after the colon.
    const colon = text.indexOf(':');
    if (colon <= 0) return fail(new CodecError(PROTOCOL, `header line without a name and colon: "${text}"`, { line: lineNo }));
    const name = text.slice(0, colon).trim();
    if (!TOKEN.test(name)) return fail(new CodecError(PROTOCOL, `bad header name "${name}"`, { line: lineNo }));
    const value = text.slice(colon + 1).trim();
    const full = expandHeaderName(name);
    headers.append(full, value);
    names.push(full);
    values.push(value);
  }
  /** The line of the first field of that name (lower case), for an error's position. */
  const headerLine = (lower: string): number | undefined => {
    const i = names.findIndex((n) => n.toLowerCase() === lower);
    return i < 0 ? undefined : logical[i]?.line;
  };

  // Start line (§7.1 Request-Line, §7.2 Status-Line).
  let message: SipMessage;
  const status = /^SIP\/2\.0 ([1-6]\d\d)(?: (.*))?$/i.exec(startLine);
  if (status) {
    message = { kind: 'response', status: Number(status[1]), reason: status[2] ?? '', headers, body: '' };
  } else {
    const req = parseRequestLine(startLine);
    if (typeof req === 'string') return fail(new CodecError(PROTOCOL, req, { line: startLineNo }));
    message = { kind: 'request', method: req.method, uri: req.uri, headers, body: '' };
  }

  // §7.3.1 and the §25 grammar of the headers the lab interprets (RFC 4475 §3.1.2: what a parser must refuse).
  for (let i = 0; i < names.length; i++) {
    const problem = checkHeader(names[i] as string, values[i] as string);
    if (problem) return fail(new CodecError(PROTOCOL, problem, { line: logical[i]?.line }));
  }
  // §7.3.1: only a header whose value is a comma-separated list may appear on more than one row; To, From,
  // Call-ID, CSeq, Max-Forwards, Content-Length and Content-Type take one value (RFC 4475 §3.3.8 multi01, §3.3.9 mcl01).
  for (const name of SINGLE_VALUED) {
    const n = headers.count(name);
    if (n > 1) return fail(new CodecError(PROTOCOL, `${name} appears ${n} times; it takes a single value`, { line: headerLine(name.toLowerCase()) }));
  }

  // §8.1.1: "A valid SIP request formulated by a UAC MUST, at a minimum, contain the following header
  // fields: To, From, CSeq, Call-ID, Max-Forwards, and Via". Responses carry all but Max-Forwards (§8.2.6.2).
  // RFC 4475 §3.4.1 (inv2543): an RFC 2543 request (no magic cookie in its top Via branch, §8.1.1.7) has no
  // Max-Forwards, and an element that keeps backward compatibility accepts it.
  const topVia = parseVia(headers.get('Via') ?? '');
  const rfc2543 = topVia.ok && !(topVia.value.params.branch ?? '').startsWith('z9hG4bK');
  const required = message.kind === 'request'
    ? ['To', 'From', 'CSeq', 'Call-ID', 'Via', ...(rfc2543 ? [] : ['Max-Forwards'])]
    : ['To', 'From', 'CSeq', 'Call-ID', 'Via'];
  for (const name of required) {
    // Modelling choice: a missing header is reported at the start line of the message.
    if (!headers.has(name)) return fail(new CodecError(PROTOCOL, `missing mandatory header ${name}`, { line: startLineNo }));
  }
  const cseq = parseCSeq(headers.get('CSeq') as string);
  if (!cseq.ok) return fail(new CodecError(PROTOCOL, cseq.error.message.replace(/^SIP: /, ''), { line: headerLine('cseq') }));
  // §8.1.1.5: "The method MUST match that of the request."
  if (message.kind === 'request' && cseq.value.method !== message.method) {
    return fail(new CodecError(PROTOCOL, `CSeq method ${cseq.value.method} does not match ${message.method}`, { line: headerLine('cseq') }));
  }
  if (headers.getAll('Max-Forwards').some((v) => !/^\d+$/.test(v))) {
    return fail(new CodecError(PROTOCOL, 'bad Max-Forwards', { line: headerLine('max-forwards') }));
  }

  // §18.3 / §20.14: body length from Content-Length; "If a stream-based protocol (such as TCP) is
  // used as transport, the header field MUST be used"; over UDP without it the body runs to the end
  // of the datagram, and "additional bytes in the transport packet beyond the end of the body MUST be
  // discarded".
  const available = bytes.length - end.bodyStart;
  let bodyLength = available;
  const cl = headers.get('Content-Length');
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) return fail(new CodecError(PROTOCOL, `bad Content-Length "${cl}"`, { line: headerLine('content-length') }));
    const n = Number(cl);
    // §18.3: "If the message is a request [received over UDP with a body shorter than Content-Length], the server SHOULD generate a 400".
    if (n > available) {
      return fail(new CodecError(PROTOCOL, `Content-Length ${n} is longer than the ${available}-byte body`, { line: headerLine('content-length') }));
    }
    bodyLength = n;
  }
  const body = bytes.subarray(end.bodyStart, end.bodyStart + bodyLength);
  try {
    message.body = strictDecoder.decode(body);
  } catch {
    // Not UTF-8 (a binary body part, Content-Transfer-Encoding: binary): keep the octets as they came.
    message.body = decoder.decode(body);
    message.rawBody = body.slice();
  }
  return ok(message);
}

/** Headers that take one value (§20: none of them is a comma-separated list). */
const SINGLE_VALUED = ['To', 'From', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length', 'Content-Type'];
const TOKEN_CHARS = "A-Za-z0-9\\-.!%*_+`'~";
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*:/;

/**
 * §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF: "The elements are separated by single space (SP)
 * characters. ... No linear whitespace (LWS) is allowed in any of the elements." The problems RFC 4475 §3.1.2 names
 * (ltgtruri, lwsruri, lwsstart, trws, escruri, badvers) are reported by name.
 */
function parseRequestLine(line: string): { method: string; uri: string } | string {
  const parts = line.split(' ');
  const version = /^SIP\/(\d+\.\d+)$/i;
  if (/[ \t]$/.test(line) && version.test(line.trimEnd().split(/[ \t]+/).pop() ?? '')) return `bad start line "${line}": whitespace after the SIP-Version (RFC 3261 §7.1)`;
  if (/\t| {2}/.test(line)) return `bad start line "${line}": more than one SP between the elements of the Request-Line (RFC 3261 §7.1)`;
  if (parts.length > 3 && version.test(parts[parts.length - 1] as string)) return `bad start line "${line}": whitespace inside the Request-URI (RFC 3261 §7.1, §25.1)`;
  const [method = '', uri = '', v = ''] = parts;
  if (parts.length !== 3 || !TOKEN.test(method)) return `bad start line "${line}"`;
  const ver = version.exec(v);
  if (!ver) return `bad start line "${line}"`;
  if (ver[1] !== '2.0') return `bad start line "${line}": unsupported SIP version SIP/${ver[1]} (RFC 3261 §8.2.2, 505)`;
  if (uri.startsWith('<')) return `bad start line "${line}": the Request-URI is enclosed in <> (RFC 3261 §7.1)`;
  if (!URI_SCHEME.test(uri)) return `bad start line "${line}": the Request-URI is not an absolute URI`;
  if (/^sips?:/i.test(uri)) {
    const parsed = parseSipUri(uri);
    if (!parsed.ok) return `bad Request-URI: ${parsed.error.message.replace(/^SIP: /, '')}`;
    // §19.1.1 table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11 escruri).
    if (Object.keys(parsed.value.headers).length > 0) return `bad Request-URI "${uri}": URI headers are not allowed in a Request-URI (RFC 3261 §19.1.1)`;
  }
  return { method, uri };
}

/** Splits on `sep` outside quoted strings and <...>, keeping empty elements; an error when a quote is left open. */
function splitKeepingEmpty(text: string, sep: string): string[] | string {
  const { parts, unterminated } = splitQuoted(text, sep);
  return unterminated ? 'an unterminated quoted string' : parts;
}

const PARAM = new RegExp(`^[${TOKEN_CHARS}]+(?:\\s*=\\s*(?:"(?:[^"\\\\]|\\\\.)*"|\\[[0-9A-Fa-f:.]+\\]|[${TOKEN_CHARS}]+))?$`);

/** `*( SEMI generic-param )` (§25.1): each parameter a token, with an optional token, host or quoted value. */
function checkParams(text: string, where: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (!t.startsWith(';')) return `unexpected "${t}" after the ${where}`;
  const parts = splitKeepingEmpty(t.slice(1), ';');
  if (typeof parts === 'string') return `${parts} in the parameters of the ${where}`;
  for (const part of parts) {
    if (!PARAM.test(part.trim())) return part.trim() ? `bad parameter "${part.trim()}" in the ${where}` : `an empty parameter (";;") in the ${where}`;
  }
  return undefined;
}

const DISPLAY_TOKENS = new RegExp(`^[${TOKEN_CHARS}]+(?:\\s+[${TOKEN_CHARS}]+)*$`);

/** §20.10, §25.1: ( name-addr / addr-spec ) *( SEMI param ), as in To, From, Contact, Route, Record-Route. */
function checkAddress(value: string, header: string): string | undefined {
  const v = value.trim();
  if (!v) return `an empty ${header} value`;
  let rest: string;
  const lt = indexOutsideQuotes(v, '<');
  if (v.startsWith('"')) {
    let i = 1;
    for (; i < v.length && v[i] !== '"'; i++) if (v[i] === '\\') i++;
    if (i >= v.length) return `an unterminated quoted display name in ${header} (RFC 3261 §25.1)`;
    if (!v.slice(i + 1).trimStart().startsWith('<')) return `a quoted display name without a <URI> in ${header}`;
  } else if (lt > 0) {
    const display = v.slice(0, lt).trim();
    if (display && !DISPLAY_TOKENS.test(display)) return `the display name "${display}" of ${header} is neither tokens nor quoted (RFC 3261 §25.1)`;
  }
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    if (gt < 0) return `an unterminated <URI> in ${header}`;
    const uri = v.slice(lt + 1, gt);
    if (/\s/.test(uri)) return `whitespace inside the <URI> of ${header} (RFC 3261 §25.1 LAQUOT addr-spec RAQUOT)`;
    if (!URI_SCHEME.test(uri)) return `"${uri}" in ${header} is not an absolute URI`;
    rest = v.slice(gt + 1);
  } else {
    if (header === 'Contact' && v === '*') return undefined;
    const semi = v.indexOf(';');
    const uri = (semi >= 0 ? v.slice(0, semi) : v).trim();
    if (/\s/.test(uri)) return `whitespace in the URI of ${header} (an unquoted display name needs a <URI>)`;
    // §20: "If the URI contains a comma, question mark or semicolon, the URI MUST be enclosed in angle brackets".
    if (uri.includes('?')) return `the URI "${uri}" of ${header} has headers but is not enclosed in <> (RFC 3261 §20)`;
    if (!URI_SCHEME.test(uri)) return `"${uri}" in ${header} is not an absolute URI`;
    rest = semi >= 0 ? v.slice(semi) : '';
  }
  return checkParams(rest, `${header} value`);
}

const ADDRESS_HEADERS = new Set(['to', 'from', 'contact', 'route', 'record-route', 'reply-to']);
const DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * checkHeader's answers for the address and Via values met recently: a value is checked once however often it
 * comes back (a dialog's From and To, a proxied request's lower Vias, each hop's Route), since the check depends
 * on the name and value alone.
 */
const CHECKED = new Map<string, BoundedMemo<string, string | undefined>>();

/** The grammar of a header the lab interprets; undefined when it is well formed (or unknown: §7.3.1 "must parse it as a header value"). */
function checkHeader(name: string, value: string): string | undefined {
  const key = name.toLowerCase();
  if (key !== 'via' && !ADDRESS_HEADERS.has(key)) return key === 'date' ? checkGrammar(name, key, value) : undefined;
  // One memory per header name as written (the answer names it), so that a lookup hashes the value alone.
  let memo = CHECKED.get(name);
  if (memo === undefined) {
    memo = new BoundedMemo<string, string | undefined>(4096);
    if (CHECKED.size < 64) CHECKED.set(name, memo);
  }
  return memo.get(value, () => checkGrammar(name, key, value));
}

function checkGrammar(name: string, key: string, value: string): string | undefined {
  if (ADDRESS_HEADERS.has(key)) {
    const elements = splitKeepingEmpty(value, ',');
    if (typeof elements === 'string') return `${elements} in ${name} (RFC 3261 §25.1)`;
    if ((key === 'to' || key === 'from') && elements.length > 1) {
      // A comma in an unquoted display name (RFC 4475 §3.1.2.15 baddn), or a second address.
      if (!(elements[0] as string).includes(':')) return `the display name of ${name} holds a comma but is not quoted (RFC 3261 §25.1)`;
      return `${name} holds more than one value (RFC 3261 §20)`;
    }
    for (const e of elements) {
      if (!e.trim()) return `an empty element in ${name}`;
      const problem = checkAddress(e, name);
      if (problem) return problem;
    }
    return undefined;
  }
  if (key === 'via') {
    const elements = splitKeepingEmpty(value, ',');
    if (typeof elements === 'string') return `${elements} in Via`;
    for (const e of elements) {
      if (!e.trim()) return 'an empty element (",,") in Via (RFC 3261 §20.42)';
      const via = /^\s*SIP\s*\/\s*\d+\.\d+\s*\/\s*[A-Za-z0-9\-._]+\s+(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+)(?:\s*:\s*\d{1,5})?\s*(;.*)?$/i.exec(e);
      if (!via) return `bad Via "${e.trim()}"`;
      const problem = checkParams(via[1] ?? '', 'Via');
      if (problem) return `${problem} (RFC 3261 §20.42)`;
    }
    return undefined;
  }
  // §20.17: "SIP restricts the time zone in SIP-date to GMT" (RFC 4475 §3.1.2.12 baddate).
  if (key === 'date' && !DATE.test(value)) return `bad Date "${value}": an rfc1123-date in GMT is required (RFC 3261 §25.1)`;
  return undefined;
}

function findHeaderEnd(bytes: Uint8Array, from: number): { headerEnd: number; bodyStart: number } | undefined {
  for (let i = from; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    // "\n\n" or "\n\r\n" ends the header section (tolerating bare LF line ends).
    if (bytes[i + 1] === 0x0a) return { headerEnd: i > from && bytes[i - 1] === 0x0d ? i - 1 : i, bodyStart: i + 2 };
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) {
      return { headerEnd: i > from && bytes[i - 1] === 0x0d ? i - 1 : i, bodyStart: i + 3 };
    }
  }
  return undefined;
}

/** Start line + headers + empty line + body; Content-Length is set from the UTF-8 length of the body. */
export function serializeSipMessage(m: SipMessage): string {
  const start = m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason}`;
  return `${start}\r\n${m.headers.serialize(String(byteLength(m.body)))}\r\n${m.body}`;
}

/** The message on the wire; a body kept as bytes (`rawBody`, when `body` was not changed since) goes out octet for octet. */
export function encodeSipMessage(m: SipMessage): Uint8Array {
  const raw = m.rawBody;
  if (!raw || decoder.decode(raw) !== m.body) return encoder.encode(serializeSipMessage(m));
  const head = encoder.encode(serializeSipMessage({ ...m, body: '', headers: m.headers.clone() }).replace(/\r\nContent-Length: 0\r\n/i, `\r\nContent-Length: ${raw.length}\r\n`));
  const out = new Uint8Array(head.length + raw.length);
  out.set(head);
  out.set(raw, head.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parameters

/** Parses `;a=b;c` (leading `;` optional) into a record; values keep their quotes. */
export function parseParams(text: string): Record<string, string | null> {
  // Prototype-free: a parameter named `__proto__` from the wire is a parameter, not the object's prototype.
  const params = Object.create(null) as Record<string, string | null>;
  for (const part of splitOutside(text, ';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) params[p] = null;
    else params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return params;
}

export function formatParams(params: Record<string, string | null>): string {
  return Object.entries(params).map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`)).join('');
}

/** Splits on `sep` outside quoted strings and angle brackets (a quote left open runs to the end). */
function splitOutside(text: string, sep: string): string[] {
  return splitQuoted(text, sep).parts;
}

/** The one splitter: on `sep` outside quoted strings (with `\\` escapes) and <...>, empty elements kept. */
function splitQuoted(text: string, sep: string): { parts: string[]; unterminated: boolean } {
  const parts: string[] = [];
  let start = 0;
  let q = false;
  let a = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '\\') i++;
      else if (ch === '"') q = false;
    } else if (ch === '"') q = true;
    else if (ch === '<') a = true;
    else if (ch === '>') a = false;
    else if (ch === sep && !a) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return { parts, unterminated: q };
}

// ---------------------------------------------------------------------------------------------
// URIs (§19.1, RFC 3966 for tel:)

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: Record<string, string | null>;
  headers: Record<string, string>;
}

/**
 * §19.1.1: sip:user:password@host:port;uri-parameters?headers. A `tel:` URI (RFC 3966) has its
 * number as `user` and host '' (e.g. `tel:+14085551001;phone-context=dialstring`).
 */
export function parseSipUri(text: string): Result<SipUri> {
  const t = text.trim();
  const m = /^(sips?|tel):(.*)$/i.exec(t);
  if (!m) return fail(new CodecError(PROTOCOL, `unsupported URI "${text}"`));
  const scheme = (m[1] as string).toLowerCase() as SipUri['scheme'];
  let rest = m[2] as string;
  if (scheme === 'tel') {
    const [num = '', ...params] = rest.split(';');
    if (!num) return fail(new CodecError(PROTOCOL, `tel URI without a number "${text}"`));
    return ok({ scheme, user: num, host: '', params: parseParams(params.join(';')), headers: {} });
  }
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  // The userinfo ends at the last "@": user may hold "?" and ";" (§25.1 user-unreserved), hosts, params and
  // headers never hold a raw "@" (RFC 4475 §3.1.1.2 intmeth).
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      uri.user = userinfo.slice(0, colon);
      uri.password = userinfo.slice(colon + 1);
    } else uri.user = userinfo;
  }
  const qi = rest.indexOf('?');
  if (qi >= 0) {
    for (const h of rest.slice(qi + 1).split('&')) {
      if (!h) continue;
      const eq = h.indexOf('=');
      if (eq < 0) uri.headers[h] = '';
      else uri.headers[h.slice(0, eq)] = h.slice(eq + 1);
    }
    rest = rest.slice(0, qi);
  }
  const semi = rest.indexOf(';');
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
  if (semi >= 0) uri.params = parseParams(rest.slice(semi + 1));
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+)(?::(\d{1,5}))?$/.exec(hostport);
  if (!hp) return fail(new CodecError(PROTOCOL, `bad host in URI "${text}"`));
  uri.host = hp[1] as string;
  if (hp[2] !== undefined) uri.port = Number(hp[2]);
  return ok(uri);
}

export function formatSipUri(uri: SipUri): string {
  if (uri.scheme === 'tel') return `tel:${uri.user ?? ''}${formatParams(uri.params)}`;
  const userinfo = uri.user !== undefined ? `${uri.user}${uri.password !== undefined ? `:${uri.password}` : ''}@` : '';
  const port = uri.port !== undefined ? `:${uri.port}` : '';
  const headers = Object.entries(uri.headers).map(([k, v]) => `${k}=${v}`).join('&');
  return `${uri.scheme}:${userinfo}${uri.host}${port}${formatParams(uri.params)}${headers ? `?${headers}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// name-addr / addr-spec (§20.10, §25.1)

export interface NameAddr {
  displayName?: string;
  uri: string;
  params: Record<string, string | null>;
}

/**
 * `"Display" <uri>;params`, `Display <uri>;params` or addr-spec `uri;params`. §20.10: "if the URI is
 * not enclosed in angle brackets, any semicolon-delimited parameters are header-parameters, not URI
 * parameters."
 */
export function parseNameAddr(value: string): Result<NameAddr> {
  const v = value.trim();
  const lt = indexOutsideQuotes(v, '<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    if (gt < 0) return fail(new CodecError(PROTOCOL, `unterminated <uri> in "${value}"`));
    let display = v.slice(0, lt).trim();
    const result: NameAddr = { uri: v.slice(lt + 1, gt).trim(), params: parseParams(v.slice(gt + 1)) };
    if (display.startsWith('"') && display.endsWith('"') && display.length >= 2) {
      display = display.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (display) result.displayName = display;
    if (!result.uri) return fail(new CodecError(PROTOCOL, `empty URI in "${value}"`));
    return ok(result);
  }
  if (!v || v.startsWith('"')) return fail(new CodecError(PROTOCOL, `bad name-addr "${value}"`));
  const semi = v.indexOf(';');
  return ok({ uri: semi >= 0 ? v.slice(0, semi) : v, params: semi >= 0 ? parseParams(v.slice(semi + 1)) : {} });
}

function indexOutsideQuotes(text: string, ch: string): number {
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '\\') i++;
      else if (c === '"') q = false;
    } else if (c === '"') q = true;
    else if (c === ch) return i;
  }
  return -1;
}

export function formatNameAddr(n: NameAddr): string {
  const display = n.displayName !== undefined ? `"${n.displayName.replace(/(["\\])/g, '\\$1')}" ` : '';
  return `${display}<${n.uri}>${formatParams(n.params)}`;
}

/** The `tag` parameter of a From/To value (§19.3), or undefined. */
export function getTag(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined) return undefined;
  const na = parseNameAddr(headerValue);
  if (!na.ok) return undefined;
  const tag = na.value.params.tag;
  return tag === null || tag === undefined ? undefined : tag;
}

/** Returns the header value with `;tag=` added (or left as is when a tag is already there). */
export function withTag(headerValue: string, tag: string): string {
  return getTag(headerValue) !== undefined ? headerValue : `${headerValue};tag=${tag}`;
}

/** The URI of a name-addr value (the value itself when it cannot be parsed). */
export function uriOf(headerValue: string): string {
  const na = parseNameAddr(headerValue);
  return na.ok ? na.value.uri : headerValue.trim();
}

// ---------------------------------------------------------------------------------------------
// Via (§20.42) and CSeq (§20.16)

export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: Record<string, string | null>;
}

/**
 * Via values parsed recently: the top Via of a message is read when it is parsed, by the transaction layer that
 * receives it and by the one that answers it. Each caller gets its own copy (callers may add parameters).
 */
const PARSED_VIAS = new BoundedMemo<string, Result<Via>>(4096);

/** §20.42: Via: SIP/2.0/UDP host[:port];branch=z9hG4bK...;received=...;rport */
export function parseVia(value: string): Result<Via> {
  const parsed = PARSED_VIAS.get(value, parseViaText);
  if (!parsed.ok) return parsed;
  const via = parsed.value;
  const copy: Via = { transport: via.transport, host: via.host, params: Object.assign(Object.create(null) as Record<string, string | null>, via.params) };
  if (via.port !== undefined) copy.port = via.port;
  return ok(copy);
}

function parseViaText(value: string): Result<Via> {
  const m = /^\s*SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9\-._]+)\s+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+)(?:\s*:\s*(\d{1,5}))?\s*(;.*)?$/i.exec(value);
  if (!m) return fail(new CodecError(PROTOCOL, `bad Via "${value}"`));
  const via: Via = { transport: (m[1] as string).toUpperCase(), host: m[2] as string, params: parseParams(m[4] ?? '') };
  if (m[3] !== undefined) via.port = Number(m[3]);
  return ok(via);
}

export function formatVia(via: Via): string {
  return `SIP/2.0/${via.transport} ${via.host}${via.port !== undefined ? `:${via.port}` : ''}${formatParams(via.params)}`;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** §20.16: CSeq = 1*DIGIT LWS Method; §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned integer". */
export function parseCSeq(value: string): Result<CSeq> {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(value);
  if (!m || Number(m[1]) > 0xffffffff) return fail(new CodecError(PROTOCOL, `bad CSeq "${value}"`));
  return ok({ seq: Number(m[1]), method: m[2] as string });
}

// ---------------------------------------------------------------------------------------------
// Responses (§8.2.6)

export interface CreateResponseOptions {
  toTag?: string;
  headers?: [string, string][];
  body?: string;
  contentType?: string;
}

/** Methods that create a dialog (§12.1; RFC 6665 SUBSCRIBE, RFC 3515 REFER). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

export function createResponse(request: SipRequest, status: number, reason?: string, opts: CreateResponseOptions = {}): SipResponse {
  const headers = new SipHeaders();
  // §8.2.6.2: "The From field of the response MUST equal the From header field of the request. The
  // Call-ID ... MUST equal ... The CSeq ... MUST equal ... The Via header field values in the response
  // MUST equal the Via header field values in the request and MUST maintain the same ordering."
  for (const [name, value] of request.headers) {
    if (name.toLowerCase() === 'via') headers.append('Via', value);
  }
  headers.append('From', request.headers.get('From') ?? '');
  // §8.2.6.2: "If a request contained a To tag in the request, the To header field in the response
  // MUST equal that of the request. However, if the To header field in the request did not contain a
  // tag, the URI in the To header field in the response MUST equal the URI in the To header field;
  // additionally, the UAS MUST add a tag to the To header field in the response".
  const to = request.headers.get('To') ?? '';
  headers.append('To', opts.toTag !== undefined ? withTag(to, opts.toTag) : to);
  headers.append('Call-ID', request.headers.get('Call-ID') ?? '');
  headers.append('CSeq', request.headers.get('CSeq') ?? '');
  // §12.1.1: "When a UAS responds to a request with a response that establishes a dialog (such as a
  // 2xx to INVITE), the UAS MUST copy all Record-Route header field values from the request into the
  // response (including the URIs, URI parameters, and any Record-Route header field parameters,
  // whether they are known or unknown to the UAS) and MUST maintain the order of those values."
  if (status > 100 && status < 300 && DIALOG_CREATING.has(request.method)) {
    for (const [name, value] of request.headers) {
      if (name.toLowerCase() === 'record-route') headers.append('Record-Route', value);
    }
  }
  for (const [name, value] of opts.headers ?? []) headers.append(name, value);
  const body = opts.body ?? '';
  if (opts.contentType !== undefined) headers.set('Content-Type', opts.contentType);
  return { kind: 'response', status, reason: reason ?? reasonPhrase(status), headers, body };
}

/**
 * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the CANCEL
 * request MUST be identical to those in the request being cancelled, including tags. ... A CANCEL
 * constructed by a client MUST have only a single Via header field value matching the top Via value
 * in the request being cancelled." "If the request being cancelled contains a Route header field, the
 * CANCEL request MUST include that Route header field's values."
 */
export function createCancel(request: SipRequest): SipRequest {
  const headers = new SipHeaders();
  const via = request.headers.get('Via');
  if (via !== undefined) headers.append('Via', via);
  for (const route of request.headers.getAll('Route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', request.headers.get('From') ?? '');
  headers.append('To', request.headers.get('To') ?? '');
  headers.append('Call-ID', request.headers.get('Call-ID') ?? '');
  const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
  headers.append('CSeq', `${cseq.ok ? cseq.value.seq : 0} CANCEL`);
  return { kind: 'request', method: 'CANCEL', uri: request.uri, headers, body: '' };
}

/** A deep copy (headers cloned). */
export function cloneSipMessage<T extends SipMessage>(m: T): T {
  return { ...m, headers: m.headers.clone() };
}

/** §21 reason phrases. */
const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  305: 'Use Proxy',
  380: 'Alternative Service',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 200 ? 'Session Progress' : status < 300 ? 'OK' : status < 400 ? 'Redirection' : status < 500 ? 'Client Error' : status < 600 ? 'Server Error' : 'Global Failure');
}
