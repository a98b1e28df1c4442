/**
 * NTLM negotiate flags ([MS-NLMP] 2.2.2.5, names as the spec gives them) and the flag sets Office
 * Communicator 2007 R2 and OCS 2007 R2 used over SIP (pidgin-sipe `sip-sec-ntlm.c` and its recorded
 * exchange in `sip-sec-ntlm-tests.c`; docs/protocols/sign-in.md §2).
 */

/** A: Unicode (UTF-16LE) strings in the payload. */
export const NTLMSSP_NEGOTIATE_UNICODE = 0x00000001;
/** B: OEM code-page strings in the payload. */
export const NTLM_NEGOTIATE_OEM = 0x00000002;
/** C: the server is asked to fill TargetName. */
export const NTLMSSP_REQUEST_TARGET = 0x00000004;
/** D: session key for message signatures. */
export const NTLMSSP_NEGOTIATE_SIGN = 0x00000010;
/** E: session key for message confidentiality. */
export const NTLMSSP_NEGOTIATE_SEAL = 0x00000020;
/** F: connectionless (datagram) NTLM. */
export const NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040;
/** G: LAN Manager session key. */
export const NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080;
/** H: NTLM v1 session security (MUST be set). */
export const NTLMSSP_NEGOTIATE_NTLM = 0x00000200;
/** J: anonymous connection. */
export const NTLMSSP_NEGOTIATE_ANONYMOUS = 0x00000800;
/** K: the NEGOTIATE_MESSAGE carries a domain name. */
export const NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED = 0x00001000;
/** L: the NEGOTIATE_MESSAGE carries a workstation name. */
export const NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED = 0x00002000;
/** M: a signature is present even when signing was not negotiated. */
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000;
/** N: TargetName is a domain name. */
export const NTLMSSP_TARGET_TYPE_DOMAIN = 0x00010000;
/** O: TargetName is a server name. */
export const NTLMSSP_TARGET_TYPE_SERVER = 0x00020000;
/** P: NTLM v2 session security ("extended session security"). */
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
/** Q: identify-level token. */
export const NTLMSSP_NEGOTIATE_IDENTIFY = 0x00100000;
/** R: LMOWF-based session key. */
export const NTLMSSP_REQUEST_NON_NT_SESSION_KEY = 0x00400000;
/** S: TargetInfo is populated. */
export const NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000;
/** T: the Version field is populated. */
export const NTLMSSP_NEGOTIATE_VERSION = 0x02000000;
/** U: 128-bit session key. */
export const NTLMSSP_NEGOTIATE_128 = 0x20000000;
/** V: explicit key exchange (EncryptedRandomSessionKey). */
export const NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000;
/** W: 56-bit encryption. */
export const NTLMSSP_NEGOTIATE_56 = 0x80000000;

/** Every named flag, for describing a flags word. */
export const NEGOTIATE_FLAG_NAMES: Readonly<Record<string, number>> = {
  NTLMSSP_NEGOTIATE_UNICODE,
  NTLM_NEGOTIATE_OEM,
  NTLMSSP_REQUEST_TARGET,
  NTLMSSP_NEGOTIATE_SIGN,
  NTLMSSP_NEGOTIATE_SEAL,
  NTLMSSP_NEGOTIATE_DATAGRAM,
  NTLMSSP_NEGOTIATE_LM_KEY,
  NTLMSSP_NEGOTIATE_NTLM,
  NTLMSSP_NEGOTIATE_ANONYMOUS,
  NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED,
  NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED,
  NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
  NTLMSSP_TARGET_TYPE_DOMAIN,
  NTLMSSP_TARGET_TYPE_SERVER,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_IDENTIFY,
  NTLMSSP_REQUEST_NON_NT_SESSION_KEY,
  NTLMSSP_NEGOTIATE_TARGET_INFO,
  NTLMSSP_NEGOTIATE_VERSION,
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_56,
};

/**
 * The same flags as one object, named without the `NTLMSSP_`/`NTLM_` prefix (`NTLMSSP.NEGOTIATE_SIGN`,
 * `NTLMSSP.NEGOTIATE_OEM`, …).
 */
export const NTLMSSP = {
  NEGOTIATE_UNICODE: NTLMSSP_NEGOTIATE_UNICODE,
  NEGOTIATE_OEM: NTLM_NEGOTIATE_OEM,
  REQUEST_TARGET: NTLMSSP_REQUEST_TARGET,
  NEGOTIATE_SIGN: NTLMSSP_NEGOTIATE_SIGN,
  NEGOTIATE_SEAL: NTLMSSP_NEGOTIATE_SEAL,
  NEGOTIATE_DATAGRAM: NTLMSSP_NEGOTIATE_DATAGRAM,
  NEGOTIATE_LM_KEY: NTLMSSP_NEGOTIATE_LM_KEY,
  NEGOTIATE_NTLM: NTLMSSP_NEGOTIATE_NTLM,
  NEGOTIATE_ANONYMOUS: NTLMSSP_NEGOTIATE_ANONYMOUS,
  NEGOTIATE_OEM_DOMAIN_SUPPLIED: NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED,
  NEGOTIATE_OEM_WORKSTATION_SUPPLIED: NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED,
  NEGOTIATE_ALWAYS_SIGN: NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
  TARGET_TYPE_DOMAIN: NTLMSSP_TARGET_TYPE_DOMAIN,
  TARGET_TYPE_SERVER: NTLMSSP_TARGET_TYPE_SERVER,
  NEGOTIATE_EXTENDED_SESSIONSECURITY: NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NEGOTIATE_IDENTIFY: NTLMSSP_NEGOTIATE_IDENTIFY,
  REQUEST_NON_NT_SESSION_KEY: NTLMSSP_REQUEST_NON_NT_SESSION_KEY,
  NEGOTIATE_TARGET_INFO: NTLMSSP_NEGOTIATE_TARGET_INFO,
  NEGOTIATE_VERSION: NTLMSSP_NEGOTIATE_VERSION,
  NEGOTIATE_128: NTLMSSP_NEGOTIATE_128,
  NEGOTIATE_KEY_EXCH: NTLMSSP_NEGOTIATE_KEY_EXCH,
  NEGOTIATE_56: NTLMSSP_NEGOTIATE_56,
} as const;

/** Whether every bit of `flag` is set in `flags`. */
export const hasFlag = (flags: number, flag: number): boolean => ((flags & flag) >>> 0) === flag >>> 0;

/** The names of the flags set in `flags`, low bit first; unnamed (reserved) bits as `0x…`. */
export function describeFlags(flags: number): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const value = (1 << bit) >>> 0;
    if (((flags >>> 0) & value) === 0) continue;
    const name = Object.entries(NEGOTIATE_FLAG_NAMES).find(([, v]) => v >>> 0 === value)?.[0];
    out.push(name ?? `0x${value.toString(16).padStart(8, '0')}`);
  }
  return out;
}

/**
 * The CHALLENGE_MESSAGE flags a recorded OCS 2007 R2 (on Windows Server 2003) sent over SIP: UNICODE, OEM,
 * SIGN, SEAL, DATAGRAM, LM_KEY, NTLM, ALWAYS_SIGN, EXTENDED_SESSIONSECURITY, IDENTIFY, TARGET_INFO, VERSION,
 * 128, KEY_EXCH, 56 (no TARGET_TYPE flag; TargetName was empty).
 */
export const OCS_R2_CHALLENGE_FLAGS = 0xe29882f3;

/**
 * The flags a connectionless SIP client needs in the challenge (pidgin-sipe `NEGOTIATE_FLAGS_COMMON_MIN` plus
 * `NEGOTIATE_FLAGS_CONNLESS_EXTRA`): NTLMv2 with extended session security, target info, signing, datagram,
 * identify and key exchange.
 */
export const SIP_CLIENT_REQUIRED_FLAGS =
  (NTLMSSP_NEGOTIATE_UNICODE |
    NTLMSSP_NEGOTIATE_NTLM |
    NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
    NTLMSSP_NEGOTIATE_TARGET_INFO |
    NTLMSSP_NEGOTIATE_SIGN |
    NTLMSSP_NEGOTIATE_DATAGRAM |
    NTLMSSP_NEGOTIATE_IDENTIFY |
    NTLMSSP_NEGOTIATE_KEY_EXCH) >>>
  0;

/** What a connectionless SIP client accepts of the server's flags (the required set plus VERSION, 128, 56, REQUEST_TARGET). */
const SIP_CLIENT_ACCEPTED_FLAGS =
  (SIP_CLIENT_REQUIRED_FLAGS | NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56 | NTLMSSP_REQUEST_TARGET) >>> 0;

/**
 * The AUTHENTICATE_MESSAGE flags a Communicator-like client answers a challenge with, or `undefined` when the
 * challenge lacks a required flag. In connectionless NTLM the client picks the session's flags from what the
 * server offered ([MS-NLMP] 3.1.5.2.1); this keeps the accepted ones, adds REQUEST_TARGET, and drops 56 when
 * 128 is kept. For {@link OCS_R2_CHALLENGE_FLAGS} it gives the recorded client's 0x62988255.
 */
export function sipClientAuthenticateFlags(challengeFlags: number): number | undefined {
  if (!hasFlag(challengeFlags, SIP_CLIENT_REQUIRED_FLAGS)) return undefined;
  let flags = ((challengeFlags & SIP_CLIENT_ACCEPTED_FLAGS) | NTLMSSP_REQUEST_TARGET) >>> 0;
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_128)) flags = (flags & ~NTLMSSP_NEGOTIATE_56) >>> 0;
  return flags;
}
