/**
 * NTLM v2 authentication ([MS-NLMP] 3.3.2): the client's responses and session key, the server's check.
 * Only NTLMv2 is modelled: Communicator 2007 R2 answered OCS 2007 R2 with NTLMv2 responses and extended
 * session security (pidgin-sipe `sip-sec-ntlm-tests.c`, recorded exchange).
 */
import { NTLMSSP_NEGOTIATE_KEY_EXCH, hasFlag } from './flags';
import { md4 } from './md4';
import { hmacMd5, sameBytes } from './md5';
import { type AuthenticateMessage, type ChallengeMessage, type NtlmTime, type NtlmVersion, dateToFiletime, encodeAuthenticateFields } from './messages';
import { rc4 } from './rc4';


const utf16 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf16le'));

/** NTOWFv1 (3.3.1): MD4 of the UTF-16LE password, the "NT hash". */
export function ntowfv1(password: string): Uint8Array {
  return md4(utf16(password));
}

/** NTOWFv2 (3.3.2): HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(Uppercase(User) ‖ UserDom)). LMOWFv2 is the same. */
export function ntowfv2(password: string, user: string, domain: string): Uint8Array {
  return hmacMd5(ntowfv1(password), utf16(user.toUpperCase() + domain));
}

export interface Ntlmv2Computation {
  /** 16-byte HMAC_MD5(ResponseKeyNT, ServerChallenge ‖ temp). */
  ntProofStr: Uint8Array;
  /** NTProofStr ‖ temp (an NTLMv2_RESPONSE, 2.2.2.8). */
  ntChallengeResponse: Uint8Array;
  /** LMv2: HMAC_MD5(ResponseKeyLM, ServerChallenge ‖ ClientChallenge) ‖ ClientChallenge. */
  lmChallengeResponse: Uint8Array;
  /** HMAC_MD5(ResponseKeyNT, NTProofStr); in NTLMv2 also the KeyExchangeKey (3.4.5.1). */
  sessionBaseKey: Uint8Array;
}

/**
 * ComputeResponse for NTLM v2 (3.3.2). `temp` is RespType 1, HiRespType 1, Z(6), Time, ClientChallenge, Z(4),
 * ServerName (the challenge's TargetInfo, copied byte for byte), Z(4).
 */
export function computeNtlmv2Response(o: {
  responseKeyNt: Uint8Array;
  serverChallenge: Uint8Array;
  clientChallenge: Uint8Array;
  timestamp: NtlmTime;
  serverName: Uint8Array;
}): Ntlmv2Computation {
  if (o.clientChallenge.length !== 8) throw new RangeError(`clientChallenge must be 8 bytes, got ${o.clientChallenge.length}`);
  const temp = new Uint8Array(28 + o.serverName.length + 4);
  const view = new DataView(temp.buffer);
  temp[0] = 1;
  temp[1] = 1;
  view.setBigUint64(8, typeof o.timestamp === 'bigint' ? o.timestamp : dateToFiletime(o.timestamp), true);
  temp.set(o.clientChallenge, 16);
  temp.set(o.serverName, 28);
  const ntProofStr = hmacMd5(o.responseKeyNt, o.serverChallenge, temp);
  const ntChallengeResponse = new Uint8Array(16 + temp.length);
  ntChallengeResponse.set(ntProofStr, 0);
  ntChallengeResponse.set(temp, 16);
  const lmChallengeResponse = new Uint8Array(24);
  lmChallengeResponse.set(hmacMd5(o.responseKeyNt, o.serverChallenge, o.clientChallenge), 0);
  lmChallengeResponse.set(o.clientChallenge, 16);
  return { ntProofStr, ntChallengeResponse, lmChallengeResponse, sessionBaseKey: hmacMd5(o.responseKeyNt, ntProofStr) };
}

export interface AuthenticateInput {
  challenge: ChallengeMessage;
  user: string;
  domain: string;
  workstation: string;
  password: string;
  /** 8 random bytes. */
  clientChallenge: Uint8Array;
  /** NTLMv2_CLIENT_CHALLENGE.TimeStamp; a bigint is taken as raw FILETIME ticks. */
  timestamp: NtlmTime;
  /** The random session key the client picks; sent RC4-wrapped when NTLMSSP_NEGOTIATE_KEY_EXCH is set. */
  exportedSessionKey: Uint8Array;
  /** The AUTHENTICATE_MESSAGE's flags (for a SIP client: `sipClientAuthenticateFlags(challenge.flags)`). */
  flags: number;
  /** VERSION when NTLMSSP_NEGOTIATE_VERSION is set; Windows Server 2003 when not given. */
  version?: NtlmVersion;
}

export interface BuiltAuthenticate extends Ntlmv2Computation {
  message: Uint8Array;
  /** The session key both ends derive keys from: the given one with KEY_EXCH, else the KeyExchangeKey. */
  exportedSessionKey: Uint8Array;
  encryptedRandomSessionKey: Uint8Array;
}

/**
 * The client side of 3.1.5.1.2 / 3.1.5.2.1 in NTLM v2: responses, KeyExchangeKey = SessionBaseKey (KXKEY,
 * 3.4.5.1, for NTLMv2), and with KEY_EXCH EncryptedRandomSessionKey = RC4K(KeyExchangeKey,
 * ExportedSessionKey). As Communicator 2007 R2 did, it always sends the LMv2 response, copies TargetInfo
 * unchanged (no MsvAvFlags, no MIC) and leaves the MIC out.
 */
export function buildAuthenticateMessage(o: AuthenticateInput): BuiltAuthenticate {
  if (o.exportedSessionKey.length !== 16) throw new RangeError(`exportedSessionKey must be 16 bytes, got ${o.exportedSessionKey.length}`);
  const responseKeyNt = ntowfv2(o.password, o.user, o.domain);
  const r = computeNtlmv2Response({
    responseKeyNt,
    serverChallenge: o.challenge.serverChallenge,
    clientChallenge: o.clientChallenge,
    timestamp: o.timestamp,
    serverName: o.challenge.targetInfoBytes,
  });
  const keyExch = hasFlag(o.flags, NTLMSSP_NEGOTIATE_KEY_EXCH);
  const keyExchangeKey = r.sessionBaseKey;
  const encryptedRandomSessionKey = keyExch ? rc4(keyExchangeKey, o.exportedSessionKey) : new Uint8Array(0);
  const message = encodeAuthenticateFields({
    flags: o.flags,
    lmChallengeResponse: r.lmChallengeResponse,
    ntChallengeResponse: r.ntChallengeResponse,
    domain: o.domain,
    user: o.user,
    workstation: o.workstation,
    encryptedRandomSessionKey,
    ...(o.version ? { version: o.version } : {}),
  });
  return { ...r, message, encryptedRandomSessionKey, exportedSessionKey: keyExch ? Uint8Array.from(o.exportedSessionKey) : keyExchangeKey };
}

/** The AUTHENTICATE_MESSAGE bytes of {@link buildAuthenticateMessage}. */
export function encodeAuthenticateMessage(o: AuthenticateInput): Uint8Array {
  return buildAuthenticateMessage(o).message;
}

export type VerifyResult = { ok: true; exportedSessionKey: Uint8Array; sessionBaseKey: Uint8Array } | { ok: false; reason: string };

/**
 * The server's check of an AUTHENTICATE_MESSAGE in NTLM v2 (3.2.5.1.2, 3.3.2): recompute NTProofStr from the
 * account's password with the message's UserName and DomainName; on a match, SessionBaseKey gives the
 * KeyExchangeKey, and with KEY_EXCH ExportedSessionKey = RC4K(KeyExchangeKey, EncryptedRandomSessionKey).
 * Timestamp skew and the MIC are not checked (the recorded client sent no MIC).
 */
export function verifyAuthenticate(auth: AuthenticateMessage, o: { password: string; serverChallenge: Uint8Array }): VerifyResult {
  const nt = auth.ntChallengeResponse;
  if (nt.length === 0) return { ok: false, reason: 'NtChallengeResponse is empty (anonymous authentication is not accepted)' };
  if (nt.length <= 24) return { ok: false, reason: `NtChallengeResponse is ${nt.length} bytes: NTLM v1, not NTLMv2` };
  if (nt.length < 16 + 28 + 4) return { ok: false, reason: `NtChallengeResponse is ${nt.length} bytes, too short for an NTLMv2_RESPONSE` };
  if (o.serverChallenge.length !== 8) return { ok: false, reason: `server challenge is ${o.serverChallenge.length} bytes, not 8` };
  const responseKeyNt = ntowfv2(o.password, auth.user, auth.domain);
  const ntProofStr = nt.subarray(0, 16);
  const expected = hmacMd5(responseKeyNt, o.serverChallenge, nt.subarray(16));
  if (!sameBytes(expected, ntProofStr)) return { ok: false, reason: `NTProofStr does not match for ${auth.domain}\\${auth.user} (wrong password, user or domain)` };
  const sessionBaseKey = hmacMd5(responseKeyNt, ntProofStr);
  if (!hasFlag(auth.flags, NTLMSSP_NEGOTIATE_KEY_EXCH)) return { ok: true, exportedSessionKey: sessionBaseKey, sessionBaseKey };
  if (auth.encryptedRandomSessionKey.length !== 16)
    return { ok: false, reason: `NTLMSSP_NEGOTIATE_KEY_EXCH is set but EncryptedRandomSessionKey is ${auth.encryptedRandomSessionKey.length} bytes` };
  return { ok: true, exportedSessionKey: rc4(sessionBaseKey, auth.encryptedRandomSessionKey), sessionBaseKey };
}
