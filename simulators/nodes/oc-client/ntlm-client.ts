import type { Clock } from '../../kernel/clock';
import type { Random } from '../../kernel/random';
import {
  decodeChallengeMessage,
  encodeAuthenticateMessage,
  formatAuthParams,
  makeSignature,
  parseAuthParams,
  sessionKeys,
  sipaeResponse,
  sipClientAuthenticateFlags,
  verifySignature,
} from '../../protocols/ntlm';
import type { SessionKeys } from '../../protocols/ntlm';
import { encodeSipMessage, parseCSeq, parseSipMessage } from '../../protocols/sip';
import { sipaeInputOf } from '../shared/sipae-input';
import type { SipMessage } from '../../protocols/sip';

/** Communicator and SIPE sign every message with NTLM sequence number 100 (docs/protocols/sign-in.md §4). */
const SIGNATURE_SEQUENCE = 100;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface NtlmClientOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** The AD logon name and NetBIOS domain, the password, and the PC's name (the AUTHENTICATE_MESSAGE's workstation). */
  readonly logon: string;
  readonly domain: string;
  readonly password: string;
  readonly workstation: string;
}

interface Challenge {
  realm: string;
  targetName: string;
  version: number;
  opaque?: string;
}

/**
 * Communicator's side of [MS-SIPAE] NTLM (docs/protocols/sign-in.md §1–§4): the credentials each REGISTER of the
 * handshake carries, then a signature on every message it sends (`Authorization` with `crand`, `cnum` and
 * `response`) and a check of the server's `rspauth` on every message it receives. What arrives unsigned once the
 * security association stands is dropped, as Communicator and pidgin-sipe drop it, except 401s and answers to
 * REGISTER (which restart or finish the handshake); a bad signature is dropped too.
 */
export class NtlmClient {
  private challenge: Challenge | undefined;
  private keys: SessionKeys | undefined;
  private flags = 0;
  private cnum = 0;
  /** Whether the server's signature has been seen valid (the SA is established). */
  private established = false;

  constructor(private readonly o: NtlmClientOptions) {}

  get ready(): boolean {
    return this.established;
  }

  /** Forget the security association (a sign-out, a new connection). */
  reset(): void {
    this.challenge = undefined;
    this.keys = undefined;
    this.established = false;
    this.cnum = 0;
  }

  /**
   * The `Authorization` value of the next REGISTER of the handshake, from the 401 just received (undefined: the 401
   * names no NTLM for us, or the handshake already failed once with these credentials).
   */
  nextRegisterCredentials(unauthorized: { wwwAuthenticate: readonly string[] }): string | undefined {
    const ntlm = unauthorized.wwwAuthenticate.map((v) => parseAuthParams(v)).find((p) => p?.scheme.toUpperCase() === 'NTLM');
    if (!ntlm) return undefined;
    const p = Object.fromEntries(Object.entries(ntlm.params).map(([k, v]) => [k.toLowerCase(), unquote(v)]));
    const realm = p.realm ?? '';
    const targetName = p.targetname ?? '';
    const version = Number(p.version ?? 3);
    const token = p['gssapi-data'];
    if (token === undefined || token === '') {
      // Leg 1: announce NTLM with an empty token (connectionless NTLM has no NEGOTIATE_MESSAGE).
      if (this.keys) return undefined; // the AUTHENTICATE was refused: do not retry (pidgin-sipe gives up on NTLM too)
      this.challenge = { realm, targetName, version };
      return formatAuthParams('NTLM', { qop: quoted('auth'), realm: quoted(realm), targetname: quoted(targetName), 'gssapi-data': quoted(''), version: String(version) });
    }
    const challenge = decodeChallengeMessage(new Uint8Array(Buffer.from(token, 'base64')));
    if (!challenge.ok) return undefined;
    // The flags Communicator answers with, from those the server offered (the recorded exchange: 0x62988255).
    const flags = sipClientAuthenticateFlags(challenge.value.flags);
    if (flags === undefined) return undefined;
    const exportedSessionKey = this.bytes(16);
    const authenticate = encodeAuthenticateMessage({
      challenge: challenge.value,
      user: this.o.logon,
      domain: this.o.domain,
      workstation: this.o.workstation,
      password: this.o.password,
      clientChallenge: this.bytes(8),
      timestamp: this.o.clock.date(),
      exportedSessionKey,
      flags,
    });
    this.flags = flags;
    this.keys = sessionKeys(exportedSessionKey, this.flags);
    this.challenge = { realm, targetName, version, ...(p.opaque !== undefined ? { opaque: p.opaque } : {}) };
    return formatAuthParams('NTLM', {
      qop: quoted('auth'),
      realm: quoted(realm),
      opaque: quoted(p.opaque ?? ''),
      targetname: quoted(targetName),
      'gssapi-data': quoted(Buffer.from(authenticate).toString('base64')),
      version: String(version),
    });
  }

  /**
   * A message on its way to the server. Once the last handshake leg gave the keys, every message gets its signature:
   * the REGISTER that carries the AUTHENTICATE_MESSAGE adds it to its credentials (version 4), every later one
   * carries it in an `Authorization` of its own.
   */
  outgoing(text: string): string {
    const signed = this.sign(text);
    return signed === undefined ? text : decoder.decode(signed);
  }

  /** {@link outgoing} as the bytes the transport writes (the message is encoded once, not once more as text). */
  outgoingBytes(text: string): Uint8Array {
    return this.sign(text) ?? encoder.encode(text);
  }

  /** The signed message's bytes, or undefined when it goes as it is (no keys yet, or not a message the codec reads). */
  private sign(text: string): Uint8Array | undefined {
    const c = this.challenge;
    if (!this.keys || c?.opaque === undefined) return undefined;
    const parsed = parseSipMessage(text);
    if (!parsed.ok) return undefined;
    const message = parsed.value;
    const credentials = message.headers.get('Authorization');
    this.cnum++;
    const crand = Buffer.from(this.bytes(4)).toString('hex');
    const input = signatureInput(message, { rand: crand, num: String(this.cnum), realm: c.realm, targetName: c.targetName, version: c.version });
    const response = sipaeResponse(makeSignature(this.keys.clientSigningKey, this.keys.clientSealingKey, SIGNATURE_SEQUENCE, encoder.encode(input), this.flags));
    const signature = `crand=${quoted(crand)}, cnum=${quoted(String(this.cnum))}, response=${quoted(response)}`;
    message.headers.remove('Authorization');
    message.headers.append(
      'Authorization',
      credentials !== undefined && /gssapi-data=/i.test(credentials)
        ? `${credentials}, ${signature}`
        : `${formatAuthParams('NTLM', { qop: quoted('auth'), opaque: quoted(c.opaque), realm: quoted(c.realm), targetname: quoted(c.targetName) })}, ${signature}`,
    );
    return encodeSipMessage(message);
  }

  /**
   * A message from the server: passed on (possibly as is), or undefined when it must be dropped. `bytes`, when the
   * transport has them, are the message's own (read as they came rather than encoded again from the text).
   */
  incoming(text: string, bytes?: Uint8Array): string | undefined {
    if (!this.keys || !this.challenge?.opaque) return text;
    const parsed = parseSipMessage(bytes ?? text);
    if (!parsed.ok) return text;
    const message = parsed.value;
    const info = message.headers.get('Authentication-Info');
    const params = info === undefined ? undefined : parseAuthParams(info);
    if (!params) {
      const cseq = parseCSeq(message.headers.get('CSeq') ?? '');
      const register = cseq.ok && cseq.value.method === 'REGISTER';
      if (message.kind === 'response' && (message.status === 401 || register)) return text;
      return undefined;
    }
    const p = Object.fromEntries(Object.entries(params.params).map(([k, v]) => [k.toLowerCase(), unquote(v)]));
    const c = this.challenge;
    const input = signatureInput(message, { rand: p.srand ?? '', num: p.snum ?? '', realm: c.realm, targetName: c.targetName, version: c.version });
    const valid = verifySignature(this.keys.serverSigningKey, this.keys.serverSealingKey, SIGNATURE_SEQUENCE, encoder.encode(input), this.flags, new Uint8Array(Buffer.from(p.rspauth ?? '', 'hex')));
    if (!valid) return undefined;
    this.established = true;
    return text;
  }

  private bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.o.random() * 256);
    return out;
  }
}

function signatureInput(message: SipMessage, o: { rand: string; num: string; realm: string; targetName: string; version: number }): string {
  return sipaeInputOf(message, { ...o, version: o.version >= 3 ? 4 : 2 });
}

const quoted = (v: string): string => `"${v}"`;

function unquote(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
}
