/**
 * MD5 (RFC 1321) and HMAC-MD5 (RFC 2104) over bytes, written here on typed arrays. NTLM session security signs
 * every SIP message a signed-in Communicator exchanges ([MS-SIPAE]), so this is on the hot path of a lab of
 * thousands of users; node-forge's MD5 works on binary strings and cost four times as much, and the protocol
 * layer takes no Node built-in module (test/architecture.test.ts), which rules out `crypto`.
 */

import { concatBytes } from '../bytes';

/** RFC 1321 §3.4: T[i] = floor(2^32 × |sin(i + 1)|), computed once. */
const T = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
/** The per-round shift amounts, four per round. */
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

const rotl = (x: number, s: number): number => (x << s) | (x >>> (32 - s));

/** The 16-byte MD5 digest of the concatenation of `parts`. */
export function md5(...parts: Uint8Array[]): Uint8Array {
  const data = parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(...parts);
  const length = data.length;
  // §3.1–3.2: append 0x80, zero-pad to 56 mod 64, then the bit length as a 64-bit little-endian integer.
  const paddedLength = (((length + 8) >>> 6) + 1) << 6;
  const padded = new Uint8Array(paddedLength);
  padded.set(data);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(paddedLength - 8, (length * 8) >>> 0, true);
  view.setUint32(paddedLength - 4, Math.floor(length / 2 ** 29), true);

  // §3.3: the initial register values A, B, C, D.
  let a0 = 0x67452301;
  let b0 = 0xefcdab89 | 0;
  let c0 = 0x98badcfe | 0;
  let d0 = 0x10325476;
  const x = new Int32Array(16);
  for (let block = 0; block < paddedLength; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = view.getInt32(block + 4 * i, true);
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    // §3.4: four rounds of sixteen steps; round r uses F, G, H or I and takes the words in its own order.
    for (let i = 0; i < 64; i++) {
      let f: number;
      let k: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        k = i;
      } else if (i < 32) {
        f = (b & d) | (c & ~d);
        k = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        k = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        k = (7 * i) & 15;
      }
      const sum = (a + f + (T[i] as number) + (x[k] as number)) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + rotl(sum, S[(i >>> 4) * 4 + (i & 3)] as number)) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  // §3.5: the digest is A, B, C, D, each little-endian.
  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  [a0, b0, c0, d0].forEach((word, i) => outView.setUint32(4 * i, word >>> 0, true));
  return out;
}

const BLOCK = 64;

/** HMAC-MD5 of the concatenation of `parts` under `key` (RFC 2104 §2). */
export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? md5(key) : key);
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = (k[i] as number) ^ 0x36;
    outer[i] = (k[i] as number) ^ 0x5c;
  }
  return md5(outer, md5(inner, ...parts));
}

/** Equal bytes, compared in time that does not depend on where they differ. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
