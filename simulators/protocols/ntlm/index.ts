/**
 * NTLM as OCS 2007 R2 and Office Communicator 2007 R2 used it over SIP: connectionless NTLMv2 with extended
 * session security ([MS-NLMP]) and [MS-SIPAE] message signatures. MD4, MD5, HMAC-MD5 and RC4 are local: Node 20's
 * OpenSSL 3 offers neither MD4 nor RC4 by default, and MD5 signs every message of a signed-in client (md5.ts).
 */
export * from './flags';
export { md4 } from './md4';
export { Rc4, rc4 } from './rc4';
export {
  NTLM_PROTOCOL,
  NTLM_MESSAGE_TYPE,
  AV_ID,
  WINDOWS_SERVER_2003_VERSION,
  dateToFiletime,
  filetimeToDate,
  encodeAvPairs,
  decodeAvPairs,
  encodeChallengeMessage,
  decodeChallengeMessage,
  encodeAuthenticateFields,
  decodeAuthenticateMessage,
  decodeNtlmv2Response,
  type AvPair,
  type TargetInfo,
  type TargetInfoInput,
  type ChallengeMessageInput,
  type ChallengeMessage,
  type AuthenticateFields,
  type AuthenticateMessage,
  type Ntlmv2Response,
  type NtlmTime,
  type NtlmVersion,
} from './messages';
export {
  ntowfv1,
  ntowfv2,
  computeNtlmv2Response,
  buildAuthenticateMessage,
  encodeAuthenticateMessage,
  verifyAuthenticate,
  type Ntlmv2Computation,
  type AuthenticateInput,
  type BuiltAuthenticate,
  type VerifyResult,
} from './ntlmv2';
export { sessionKeys, crc32, makeSignature, verifySignature, signatureBytes, type SessionKeys } from './session-security';
export {
  SIPAE_NTLM_SEQ_NUM,
  sipaeSignatureInput,
  sipaeResponse,
  sipaeRspauth,
  parseSipaeSignature,
  decodeAuthParams,
  parseAuthParams,
  formatAuthParams,
  type SipaeSignatureFields,
  type AuthParams,
} from './sipae';
