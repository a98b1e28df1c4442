import { constants, createPrivateKey, privateDecrypt, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * A server's RSA private key for forge's TLS engine whose one private operation, the premaster secret's
 * RSAES-PKCS1-v1_5 decryption, runs in OpenSSL instead of forge's JavaScript big numbers (it was a tenth of a
 * whole matrix run's CPU: docs/decisions/0012). forge's TLS server takes such an object from `getPrivateKey`
 * thanks to the install-time patch of `node-forge/lib/tls.js`.
 *
 * The bytes on the wire stay those forge would produce: forge blinds the operation with a random number drawn
 * from `forge.random` (rsa.js `_modPow`), and the draws shape every later random byte of the connection (CBC IVs
 * in TLS 1.1, the next handshake's randoms), so the same draws are made here, with forge's own tests for a usable
 * blinding factor, and thrown away: blinding changes how the result is computed, never the result.
 */
export interface NativeRsaPrivateKey {
  readonly n: forge.jsbn.BigInteger;
  readonly e: forge.jsbn.BigInteger;
  /** Decrypts a forge binary string (one char per octet) as RSAES-PKCS1-v1_5, as forge's `key.decrypt()` does. */
  decrypt(data: string): string;
}

const keys = new Map<string, NativeRsaPrivateKey>();

/** The key of `pem` (PKCS#1 or PKCS#8), parsed once per process. */
export function nativeRsaPrivateKey(pem: string): NativeRsaPrivateKey {
  let key = keys.get(pem);
  if (!key) {
    key = build(createPrivateKey(pem), forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey);
    keys.set(pem, key);
  }
  return key;
}

function build(native: KeyObject, parsed: forge.pki.rsa.PrivateKey): NativeRsaPrivateKey {
  const { n, e } = parsed;
  const k = Math.ceil(n.bitLength() / 8);
  const one = forge.jsbn.BigInteger.ONE;
  return {
    n,
    e,
    decrypt(data: string): string {
      // rsa.js pki.rsa.decrypt: the length and range checks, with its messages.
      if (data.length !== k) throw new Error('Encrypted message length is invalid.');
      const y = new forge.jsbn.BigInteger(forge.util.bytesToHex(data), 16);
      if (y.compareTo(n) >= 0) throw new Error('Encrypted message is invalid.');
      // rsa.js _modPow: the blinding factor's draws.
      let r: forge.jsbn.BigInteger;
      do {
        r = new forge.jsbn.BigInteger(forge.util.bytesToHex(forge.random.getBytesSync(n.bitLength() / 8)), 16);
      } while (r.compareTo(n) >= 0 || !r.gcd(n).equals(one));
      const block = privateDecrypt({ key: native, padding: constants.RSA_NO_PADDING }, Buffer.from(data, 'binary'));
      return decodeType2(block, k);
    },
  };
}

/** RFC 2313 §8.1 / rsa.js `_decodePkcs1_v1_5` for a private-key operation: 00 02 PS(≥ 8 nonzero) 00 M. */
function decodeType2(block: Buffer, k: number): string {
  if (block[0] !== 0x00 || block[1] !== 0x02) throw new Error('Encryption block is invalid.');
  let i = 2;
  while (i < block.length - 1 && block[i] !== 0x00) i++;
  // The block is k octets (RSA_NO_PADDING), so the message is whatever follows the separator.
  if (block.length !== k || i - 2 < 8 || block[i] !== 0x00) throw new Error('Encryption block is invalid.');
  return block.subarray(i + 1).toString('binary');
}
