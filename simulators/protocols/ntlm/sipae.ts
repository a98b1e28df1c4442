/**
 * The SIP side of NTLM message signing ([MS-SIPAE] 3.2.5.1.2, 3.2.5.2; [MS-SIP] 3.1.4.2): the `<…>` text a
 * client or server signs, the hex form of the signature, and the auth header values that carry it
 * (`Proxy-Authorization: NTLM qop="auth", realm="…", …`). Field order and the recorded values are cross-checked
 * with pidgin-sipe (`sipe-sign.c` `sipmsg_breakdown_get_string`, `sip-sec-ntlm-tests.c`).
 */
import { ok, type Result } from '../../kernel/errors';
import { ntlmError } from './messages';

/**
 * The NTLM sequence number OC 2007 R2 and OCS 2007 R2 put in every SIP signature: 100 (0x64, the `…64000000`
 * ending both the recorded `response` and `rspauth`), whatever cnum/snum say. pidgin-sipe hard-codes it
 * (`sip_sec_ntlm_sipe_signature_make`).
 */
export const SIPAE_NTLM_SEQ_NUM = 100;

export interface SipaeSignatureFields {
  /** The auth scheme as in the header (`NTLM`, `Kerberos`). */
  protocol: 'NTLM' | 'Kerberos';
  /** crand (client) or srand (server), as sent. */
  rand: string;
  /** cnum or snum, as sent. */
  num: string;
  realm: string;
  targetName: string;
  callId: string;
  /** The CSeq number only (`3`, not `3 REGISTER`). */
  cseq: string;
  /** The CSeq method. */
  method: string;
  /** From URI without display name or angle brackets (`sip:user@cosmo.local`). */
  fromUri: string;
  fromTag: string;
  /** To URI (versions 3 and 4 only). */
  toUri: string;
  toTag: string;
  /** P-Asserted-Identity (or P-Preferred-Identity) sip URI (versions 3 and 4 only). */
  paiSip?: string;
  /** P-Asserted-Identity tel URI (versions 3 and 4 only). */
  paiTel?: string;
  /** The Expires header value; `<>` when absent. */
  expires?: string;
  /** A response's status code; requests have no field at all (not even `<>`). */
  responseCode?: number;
}

/**
 * The signed buffer of [MS-SIPAE] 3.2.5.1.2 / 3.2.5.2: each value in angle brackets, values exactly as they
 * appear in the message, a missing optional value as `<>`.
 * - version 2 ([MS-SIP] 3.1.4.2): protocol, rand, num, realm, targetname, Call-ID, CSeq number, CSeq method,
 *   From URI, From tag, To tag, Expires, [response code];
 * - versions 3 and 4: protocol, rand, num, realm, targetname, Call-ID, CSeq number, CSeq method, From URI,
 *   From tag, To URI, To tag, P-Asserted-Identity sip URI, P-Asserted-Identity tel URI, Expires, [response code].
 */
export function sipaeSignatureInput(version: 2 | 3 | 4, f: SipaeSignatureFields): string {
  const head = [f.protocol, f.rand, f.num, f.realm, f.targetName, f.callId, f.cseq, f.method, f.fromUri, f.fromTag];
  const tail = version === 2 ? [f.toTag, f.expires ?? ''] : [f.toUri, f.toTag, f.paiSip ?? '', f.paiTel ?? '', f.expires ?? ''];
  const fields = [...head, ...tail];
  if (f.responseCode !== undefined) fields.push(String(f.responseCode));
  return fields.map((v) => `<${v}>`).join('');
}

/** The `response=` value a client sends: the 16-byte signature as lower-case hex (`0100000029618e96…`). */
export function sipaeResponse(signature: Uint8Array): string {
  return Buffer.from(signature).toString('hex');
}

/** The `rspauth=` value as OCS sends it: upper-case hex (`01000000E615438A…`). */
export function sipaeRspauth(signature: Uint8Array): string {
  return sipaeResponse(signature).toUpperCase();
}

/** A `response`/`rspauth` value (32 hex digits, either case) as 16 bytes. */
export function parseSipaeSignature(hex: string): Result<Uint8Array> {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return ntlmError(`signature '${hex}' is not 32 hex digits`);
  return ok(new Uint8Array(Buffer.from(hex, 'hex')));
}

// ---------------------------------------------------------------------------------------------------------------
// Auth header values: `<scheme> name=value, name="quoted value", …` (RFC 3261 §25.1 challenge/credentials)

export interface AuthParams {
  /** As written (`NTLM`, `Kerberos`). */
  scheme: string;
  /** Parameter names lower-cased (auth-param names are case-insensitive), values unquoted; wire order kept. */
  params: Record<string, string>;
}

/** RFC 3261 §25.1 token characters, by character code (all ASCII). */
const TOKEN_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_CHAR[c.charCodeAt(0)] = 1;
const isToken = (code: number): boolean => code < 128 && TOKEN_CHAR[code] === 1;
/** What the regular expression `\s` matches, the ASCII ones by code and the rest by the expression itself. */
const isSpace = (text: string, i: number): boolean => {
  const code = text.charCodeAt(i);
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code > 0x7f && /\s/.test(text[i] as string));
};

/**
 * Decodes a WWW-/Proxy-Authenticate, (Proxy-)Authorization or (Proxy-)Authentication-Info value of the
 * [MS-SIPAE] kind: `NTLM qop="auth", realm="SIP Communications Service", version=4, …`, saying what is wrong
 * when it cannot. An Authentication-Info value without a scheme is not expected: OCS writes
 * `NTLM rspauth="…", …`. Every signed message carries one (its gssapi-data is a few hundred characters), so a
 * quoted value is cut out in slices between backslashes rather than built a character at a time.
 */
export function decodeAuthParams(value: string): Result<AuthParams> {
  const text = value.trim();
  const n = text.length;
  let i = 0;
  while (i < n && isToken(text.charCodeAt(i))) i++;
  if (i === 0 || (i < n && !isSpace(text, i))) return ntlmError(`auth header value '${value}' does not start with a scheme`);
  const scheme = text.slice(0, i);
  const params = Object.create(null) as Record<string, string>; // a wire name `__proto__` stays a parameter
  const skipSpace = (): void => {
    while (i < n && isSpace(text, i)) i++;
  };
  while (true) {
    skipSpace();
    if (i >= n) break;
    const nameStart = i;
    while (i < n && isToken(text.charCodeAt(i))) i++;
    const name = text.slice(nameStart, i).toLowerCase();
    if (!name) return ntlmError(`expected a parameter name at character ${i + 1} of '${value}'`);
    skipSpace();
    if (text.charCodeAt(i) !== 0x3d) return ntlmError(`parameter '${name}' has no '=' (character ${i + 1})`);
    i++;
    skipSpace();
    let v = '';
    if (text.charCodeAt(i) === 0x22) {
      i++;
      let closed = false;
      let from = i;
      while (i < n) {
        const code = text.charCodeAt(i);
        if (code === 0x5c && i + 1 < n) {
          // quoted-pair: the backslash goes, the character after it stays whatever it is.
          v += text.slice(from, i) + text[i + 1];
          i += 2;
          from = i;
        } else if (code === 0x22) {
          v += text.slice(from, i);
          i++;
          closed = true;
          break;
        } else i++;
      }
      if (!closed) return ntlmError(`parameter '${name}' has an unterminated quoted string`);
    } else {
      const valueStart = i;
      while (i < n && isToken(text.charCodeAt(i))) i++;
      v = text.slice(valueStart, i);
      if (!v) return ntlmError(`parameter '${name}' has an empty value (character ${i + 1})`);
    }
    if (name in params) return ntlmError(`parameter '${name}' appears twice`);
    params[name] = v;
    skipSpace();
    if (i >= n) break;
    if (text.charCodeAt(i) !== 0x2c) return ntlmError(`expected ',' at character ${i + 1} of '${value}'`);
    i++;
  }
  return ok({ scheme, params });
}

/** {@link decodeAuthParams} for callers that only need to know whether it parsed: undefined when it did not. */
export function parseAuthParams(value: string): AuthParams | undefined {
  const r = decodeAuthParams(value);
  return r.ok ? r.value : undefined;
}

/** Parameters written bare rather than quoted: `version=4` as OC and OCS write it. */
const BARE_PARAMS = new Set(['version']);

/**
 * Formats `<scheme> name="value", …`. Names in `order` come first in that order, the rest in insertion order.
 * String values are quoted (with `\` escapes), except `version`; number values are written bare; a string that
 * already starts and ends with `"` is taken as quoted by the caller and written as it is.
 */
export function formatAuthParams(scheme: string, params: Readonly<Record<string, string | number>>, order: readonly string[] = []): string {
  const names = [...order.filter((n) => n in params), ...Object.keys(params).filter((n) => !order.includes(n))];
  const parts = names.map((name) => {
    const v = params[name]!;
    if (typeof v === 'number' || BARE_PARAMS.has(name.toLowerCase())) return `${name}=${v}`;
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return `${name}=${v}`;
    return `${name}="${v.replace(/(["\\])/g, '\\$1')}"`;
  });
  return parts.length ? `${scheme} ${parts.join(', ')}` : scheme;
}
