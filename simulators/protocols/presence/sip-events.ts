/**
 * SIP-specific event notification header values (RFC 6665, which obsoletes RFC 3265): `Event` and
 * `Subscription-State` (ABNF of RFC 6665 §8.4), plus the RFC 3903 PUBLISH header names and the `Expires`
 * delta-seconds the presence paths need. What a node does with them (refreshes, 412, 489) is the node's.
 * docs/protocols/presence.md §11–§12.
 *
 * Values are header field values only (after the colon, with line folding already undone by the SIP layer).
 * Per RFC 3261 §7.3.1, parameter names and token values are case-insensitive and are returned lower-cased; the
 * event type and `id` are kept as written because RFC 6665 §8.2.1 compares them byte by byte.
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';

const PROTOCOL = 'sip-events';

/** RFC 3856: the presence event package. */
export const PRESENCE_EVENT_PACKAGE = 'presence';
/** RFC 3903: the header carrying the entity-tag the server gives a publication (2xx to PUBLISH). */
export const SIP_ETAG = 'SIP-ETag';
/** RFC 3903: the header by which a refresh, modification or removal PUBLISH names that entity-tag. */
export const SIP_IF_MATCH = 'SIP-If-Match';
/** RFC 3261 §20.19: Expires is between 0 and 2**32 - 1 seconds. */
export const MAX_DELTA_SECONDS = 4294967295;

/** RFC 6665 §8.4 substate-value; extension substates are refused (no specification the lab meets defines one). */
export const SUBSCRIPTION_STATES = ['active', 'pending', 'terminated'] as const;
export type SubscriptionStateValue = (typeof SUBSCRIPTION_STATES)[number];

/** RFC 6665 §8.4 event-reason-value (meanings §4.1.3); `invariant` is new in RFC 6665. Extension reasons are kept. */
export const SUBSCRIPTION_REASONS = ['deactivated', 'probation', 'rejected', 'timeout', 'giveup', 'noresource', 'invariant'] as const;
export type SubscriptionReason = (typeof SUBSCRIPTION_REASONS)[number];

/** A `Subscription-State` value. Generic parameters are checked for syntax and not kept. */
export interface SubscriptionState {
  state: SubscriptionStateValue;
  expires?: number;
  /** One of SUBSCRIPTION_REASONS or an extension token, lower-cased. */
  reason?: string;
  retryAfter?: number;
}

/** An `Event` value: `package` is the whole event-type (package plus `.template`s). */
export interface EventHeader {
  package: string;
  id?: string;
  /** Other parameters, names lower-cased; a flag parameter is `''`; a quoted-string value keeps its quotes. */
  params: Record<string, string>;
}

/** RFC 3261 §25.1 token characters. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** RFC 6665 §8.4 token-nodot. */
const TOKEN_NODOT = /^[A-Za-z0-9\-!%*_+`'~]+$/;
/** RFC 3261 §25.1 quoted-string (qdtext or quoted-pair, no CR/LF). */
const QUOTED_STRING = /^"(?:[^"\\\r\n]|\\[^\r\n])*"$/;
/** RFC 3261 §25.1 host as IPv6reference (gen-value may be a host; hostnames and IPv4 are tokens already). */
const IPV6_REFERENCE = /^\[[0-9A-Fa-f:.]+\]$/;
const DIGITS = /^[0-9]+$/;

const err = (message: string): { ok: false; error: CodecError } => fail(new CodecError(PROTOCOL, message));

/** Splits on `;` outside quoted strings; parts are trimmed (SEMI = SWS ";" SWS). */
function splitSemi(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ';') {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts;
}

interface Param {
  name: string;
  /** undefined for a flag parameter. */
  value?: string;
}

/** RFC 3261 §25.1 generic-param = token [ EQUAL gen-value ]; gen-value = token / host / quoted-string. */
function parseParam(text: string): Result<Param> {
  if (text === '') return err('empty parameter');
  const eq = text.indexOf('=');
  const name = (eq < 0 ? text : text.slice(0, eq)).trim();
  if (!TOKEN.test(name)) return err(`parameter name '${name}' is not a token`);
  if (eq < 0) return ok({ name: name.toLowerCase() });
  const value = text.slice(eq + 1).trim();
  if (!TOKEN.test(value) && !QUOTED_STRING.test(value) && !IPV6_REFERENCE.test(value)) {
    return err(`parameter '${name}' has a malformed value '${value}'`);
  }
  return ok({ name: name.toLowerCase(), value });
}

/** The parameters after the first `;`, refusing a name given twice. */
function parseParams(parts: readonly string[]): Result<Param[]> {
  const out: Param[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    const p = parseParam(part);
    if (!p.ok) return p;
    if (seen.has(p.value.name)) return err(`parameter '${p.value.name}' given twice`);
    seen.add(p.value.name);
    out.push(p.value);
  }
  return ok(out);
}

function deltaSeconds(text: string, what: string): Result<number> {
  if (!DIGITS.test(text)) return err(`${what} '${text}' is not delta-seconds`);
  const n = Number(text);
  if (n > MAX_DELTA_SECONDS) return err(`${what} ${text} exceeds 2**32-1 seconds`);
  return ok(n);
}

/** An `Expires` value (RFC 3261 §20.19, delta-seconds of §25.1). Never throws. */
export function parseExpires(value: string): Result<number> {
  return deltaSeconds(value.trim(), 'Expires');
}

/** A `SIP-ETag` or `SIP-If-Match` value: entity-tag = token (RFC 3903 ABNF). Never throws. */
export function parseEntityTag(value: string): Result<string> {
  const tag = value.trim();
  return TOKEN.test(tag) ? ok(tag) : err(`entity-tag '${tag}' is not a token`);
}

/** Whether a reason is one RFC 6665 defines (as opposed to an extension token). */
export function isKnownReason(reason: string): reason is SubscriptionReason {
  return (SUBSCRIPTION_REASONS as readonly string[]).includes(reason);
}

/** A `Subscription-State` value: `active;expires=599`, `terminated;reason=timeout`. Never throws. */
export function parseSubscriptionState(value: string): Result<SubscriptionState> {
  const [head = '', ...rest] = splitSemi(value);
  if (head === '') return err('Subscription-State names no state');
  if (!TOKEN.test(head)) return err(`substate '${head}' is not a token`);
  const state = head.toLowerCase();
  if (!(SUBSCRIPTION_STATES as readonly string[]).includes(state)) return err(`substate '${head}' is not active, pending or terminated`);
  const params = parseParams(rest);
  if (!params.ok) return params;
  const out: SubscriptionState = { state: state as SubscriptionStateValue };
  for (const p of params.value) {
    if (p.name !== 'reason' && p.name !== 'expires' && p.name !== 'retry-after') continue; // generic-param
    if (p.value === undefined) return err(`'${p.name}' needs a value`);
    if (p.name === 'reason') {
      if (!TOKEN.test(p.value)) return err(`reason '${p.value}' is not a token`);
      out.reason = p.value.toLowerCase();
    } else {
      const n = deltaSeconds(p.value, p.name);
      if (!n.ok) return n;
      if (p.name === 'expires') out.expires = n.value;
      else out.retryAfter = n.value;
    }
  }
  return ok(out);
}

/** Writes a `Subscription-State` value: state, then reason, expires, retry-after when present. */
export function formatSubscriptionState(s: SubscriptionState): string {
  let out: string = s.state;
  if (s.reason !== undefined) out += `;reason=${s.reason}`;
  if (s.expires !== undefined) out += `;expires=${s.expires}`;
  if (s.retryAfter !== undefined) out += `;retry-after=${s.retryAfter}`;
  return out;
}

/** An `Event` value: `presence`, `presence;id=7`, `presence.winfo`. Never throws. */
export function parseEventHeader(value: string): Result<EventHeader> {
  const [type = '', ...rest] = splitSemi(value);
  if (type === '') return err('Event names no event type');
  // event-type = event-package *( "." event-template ), each a token-nodot.
  if (!type.split('.').every((part) => TOKEN_NODOT.test(part))) return err(`event type '${type}' is malformed`);
  const params = parseParams(rest);
  if (!params.ok) return params;
  // A prototype-free record: a parameter named `__proto__` is a parameter like any other.
  const out: EventHeader = { package: type, params: Object.create(null) as Record<string, string> };
  for (const p of params.value) {
    if (p.name === 'id') {
      // event-param = generic-param / ( "id" EQUAL token )
      if (p.value === undefined || !TOKEN.test(p.value)) return err(`Event id '${p.value ?? ''}' is not a token`);
      out.id = p.value;
    } else out.params[p.name] = p.value ?? '';
  }
  return ok(out);
}

/** Writes an `Event` value: type, `;id=` when present, then the other parameters (`''` as a flag). */
export function formatEventHeader(e: EventHeader): string {
  let out = e.package;
  if (e.id !== undefined) out += `;id=${e.id}`;
  for (const [name, value] of Object.entries(e.params)) out += value === '' ? `;${name}` : `;${name}=${value}`;
  return out;
}

/**
 * RFC 6665 §8.2.1: two Event values name the same subscription when the event types are equal byte by byte and
 * both lack an `id` or both have the same `id`; other parameters do not count.
 */
export function eventHeadersMatch(a: EventHeader, b: EventHeader): boolean {
  return a.package === b.package && a.id === b.id;
}
