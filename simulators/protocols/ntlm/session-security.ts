/**
 * NTLM session security ([MS-NLMP] 3.4): SIGNKEY/SEALKEY (3.4.5.2, 3.4.5.3) and the NTLMSSP_MESSAGE_SIGNATURE
 * of MAC() (3.4.4.1 without, 3.4.4.2 with extended session security; layout 2.2.2.9). [MS-SIPAE] signs SIP
 * messages with it in connectionless (datagram) mode, where "the RC4 stream MUST be reinitialized before each
 * message" (3.4.4) with the per-message key SealingKey' = MD5(SealingKey ‖ SeqNum) (3.4).
 */
import {
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_DATAGRAM,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_LM_KEY,
  hasFlag,
} from './flags';
import { hmacMd5, md5, sameBytes } from './md5';
import { Rc4 } from './rc4';


/** The magic constants of 3.4.5.2 and 3.4.5.3, each with its terminating NUL. */
const magic = (text: string): Uint8Array => new Uint8Array(Buffer.from(`${text}\0`, 'latin1'));
const CLIENT_SIGN = magic('session key to client-to-server signing key magic constant');
const SERVER_SIGN = magic('session key to server-to-client signing key magic constant');
const CLIENT_SEAL = magic('session key to client-to-server sealing key magic constant');
const SERVER_SEAL = magic('session key to server-to-client sealing key magic constant');

export interface SessionKeys {
  clientSigningKey: Uint8Array;
  serverSigningKey: Uint8Array;
  clientSealingKey: Uint8Array;
  serverSealingKey: Uint8Array;
}

/**
 * The four directional keys of 3.4.5.2 and 3.4.5.3 from the ExportedSessionKey. With extended session security
 * a signing key is MD5(key ‖ magic) and a sealing key MD5(key' ‖ magic), key' being the first 16 (128-bit),
 * 7 (56-bit) or 5 (40-bit) bytes. Without it SIGNKEY is empty (NIL) and the sealing key is the session key,
 * weakened to 8 bytes under NTLMSSP_NEGOTIATE_LM_KEY (56-bit: key[0..6] ‖ 0xA0, else key[0..4] ‖ E5 38 B0).
 */
export function sessionKeys(exportedSessionKey: Uint8Array, flags: number): SessionKeys {
  if (exportedSessionKey.length !== 16) throw new RangeError(`exportedSessionKey must be 16 bytes, got ${exportedSessionKey.length}`);
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
    const sealLength = hasFlag(flags, NTLMSSP_NEGOTIATE_128) ? 16 : hasFlag(flags, NTLMSSP_NEGOTIATE_56) ? 7 : 5;
    const sealBase = exportedSessionKey.subarray(0, sealLength);
    return {
      clientSigningKey: md5(exportedSessionKey, CLIENT_SIGN),
      serverSigningKey: md5(exportedSessionKey, SERVER_SIGN),
      clientSealingKey: md5(sealBase, CLIENT_SEAL),
      serverSealingKey: md5(sealBase, SERVER_SEAL),
    };
  }
  let sealing = Uint8Array.from(exportedSessionKey);
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_LM_KEY)) {
    sealing = new Uint8Array(8);
    if (hasFlag(flags, NTLMSSP_NEGOTIATE_56)) {
      sealing.set(exportedSessionKey.subarray(0, 7));
      sealing[7] = 0xa0;
    } else {
      sealing.set(exportedSessionKey.subarray(0, 5));
      sealing.set([0xe5, 0x38, 0xb0], 5);
    }
  }
  return { clientSigningKey: new Uint8Array(0), serverSigningKey: new Uint8Array(0), clientSealingKey: sealing, serverSealingKey: Uint8Array.from(sealing) };
}

// ---------------------------------------------------------------------------------------------------------------
// CRC32 for the NTLM v1 signature (the IEEE/zlib polynomial, reflected)

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32 ([MS-NLMP] 6, as in ISO 3309 / zlib). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// MAC

const le32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
};

const bytesOf = (message: Uint8Array | string): Uint8Array => (typeof message === 'string' ? new Uint8Array(Buffer.from(message, 'utf8')) : message);

/**
 * The 16-byte NTLMSSP_MESSAGE_SIGNATURE of `message` (MAC, 3.4.4).
 *
 * With extended session security (3.4.4.2): Version 1, Checksum = HMAC_MD5(SigningKey, SeqNum ‖ Message)[0..7],
 * RC4-encrypted when NTLMSSP_NEGOTIATE_KEY_EXCH is set, and SeqNum. Under NTLMSSP_NEGOTIATE_DATAGRAM the RC4
 * key is SealingKey' = MD5(SealingKey ‖ SeqNum) with a fresh key state per message (3.4); otherwise the key
 * state is `handle` when given (connection-oriented: the stream continues from sealing and earlier messages),
 * else a fresh one keyed with SealingKey.
 *
 * Without it (3.4.4.1, OCS 2007's version-2 signatures): Version 1, then RC4(SealingKey) over
 * RandomPad ‖ CRC32(Message) ‖ SeqNum (RC4(0) XOR SeqNum equals RC4(SeqNum)), with the RandomPad field sent as
 * zero as the recorded OCS 2007 signature has it. pidgin-sipe keys a fresh state with the sealing key itself in
 * this case, which matches that recording.
 *
 * A string message is signed as its UTF-8 bytes ([MS-SIPAE] signs the `<…>` text).
 */
export function makeSignature(signingKey: Uint8Array, sealingKey: Uint8Array, seqNum: number, message: Uint8Array | string, flags: number, handle?: Rc4): Uint8Array {
  const seq = le32(seqNum);
  const data = bytesOf(message);
  const signature = new Uint8Array(16);
  signature.set(le32(1), 0);
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
    let checksum: Uint8Array = hmacMd5(signingKey, seq, data).subarray(0, 8);
    if (hasFlag(flags, NTLMSSP_NEGOTIATE_KEY_EXCH)) {
      const state = hasFlag(flags, NTLMSSP_NEGOTIATE_DATAGRAM) ? new Rc4(md5(sealingKey, seq)) : (handle ?? new Rc4(sealingKey));
      checksum = state.update(checksum);
    }
    signature.set(checksum, 4);
    signature.set(seq, 12);
    return signature;
  }
  const plain = new Uint8Array(12);
  const view = new DataView(plain.buffer);
  view.setUint32(4, crc32(data), true);
  view.setUint32(8, seqNum >>> 0, true);
  const encrypted = (handle && !hasFlag(flags, NTLMSSP_NEGOTIATE_DATAGRAM) ? handle : new Rc4(sealingKey)).update(plain);
  signature.set(encrypted.subarray(4), 8);
  return signature;
}

/** 16 bytes from a signature given as bytes or as hex of either case (`response=` is lower-case, `rspauth=` upper-case). */
export function signatureBytes(signature: Uint8Array | string): Uint8Array | undefined {
  if (typeof signature !== 'string') return signature.length === 16 ? signature : undefined;
  if (!/^[0-9A-Fa-f]{32}$/.test(signature)) return undefined;
  return new Uint8Array(Buffer.from(signature, 'hex'));
}

/**
 * Whether `signature` (16 bytes, or 32 hex digits of either case) is the MAC of `message`; the other arguments
 * are {@link makeSignature}'s. Without extended session security the RandomPad field is not compared (its
 * content is irrelevant to the check).
 */
export function verifySignature(
  signingKey: Uint8Array,
  sealingKey: Uint8Array,
  seqNum: number,
  message: Uint8Array | string,
  flags: number,
  signature: Uint8Array | string,
  handle?: Rc4,
): boolean {
  const got = signatureBytes(signature);
  if (!got) return false;
  const expected = makeSignature(signingKey, sealingKey, seqNum, message, flags, handle);
  if (!hasFlag(flags, NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
    got.subarray(4, 8).forEach((b, i) => (expected[4 + i] = b));
  }
  return sameBytes(expected, got);
}
