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
/** The word each of the 64 steps takes (§3.4: round 1 in order, then 5i+1, 3i+5 and 7i, mod 16). */
const K = Uint8Array.from({ length: 64 }, (_, i) => (i < 16 ? i : i < 32 ? (5 * i + 1) & 15 : i < 48 ? (3 * i + 5) & 15 : (7 * i) & 15));
/** §3.3: the initial register values A, B, C, D. */
const IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476] as const;

const BLOCK = 64;
/** The message words of the block being compressed (one module-wide buffer: MD5 here never re-enters itself). */
const X = new Int32Array(16);

/** §3.4 over one 64-byte block of `bytes` at `at`: the registers in `state` (A, B, C, D) move on in place. */
function compress(state: Int32Array, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++) {
    const o = at + 4 * i;
    X[i] = (bytes[o] as number) | ((bytes[o + 1] as number) << 8) | ((bytes[o + 2] as number) << 16) | ((bytes[o + 3] as number) << 24);
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  // Four rounds of sixteen steps, each round with its own function (F, G, H, I); one loop per round keeps the
  // function choice out of the inner loop.
  for (let i = 0; i < 16; i++) {
    const sum = (a + ((b & c) | (~b & d)) + (T[i] as number) + (X[K[i] as number] as number)) | 0;
    const s = S[i & 3] as number;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
  }
  for (let i = 16; i < 32; i++) {
    const sum = (a + ((b & d) | (c & ~d)) + (T[i] as number) + (X[K[i] as number] as number)) | 0;
    const s = S[4 + (i & 3)] as number;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
  }
  for (let i = 32; i < 48; i++) {
    const sum = (a + (b ^ c ^ d) + (T[i] as number) + (X[K[i] as number] as number)) | 0;
    const s = S[8 + (i & 3)] as number;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
  }
  for (let i = 48; i < 64; i++) {
    const sum = (a + (c ^ (b | ~d)) + (T[i] as number) + (X[K[i] as number] as number)) | 0;
    const s = S[12 + (i & 3)] as number;
    a = d;
    d = c;
    c = b;
    b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
}

/**
 * The digest of `data` hashed after `before` bytes already compressed into `from` (0 and the IV for a whole
 * message; one block and a key's pad for HMAC). §3.1–3.2: append 0x80, zero-pad to 56 mod 64, then the bit
 * length as a 64-bit little-endian integer. §3.5: the digest is A, B, C, D, each little-endian.
 */
function finish(from: ArrayLike<number>, before: number, data: Uint8Array): Uint8Array {
  const state = Int32Array.from(from);
  const whole = data.length - (data.length % BLOCK);
  for (let at = 0; at < whole; at += BLOCK) compress(state, data, at);
  const rest = data.length - whole;
  const tail = new Uint8Array(rest < 56 ? BLOCK : 2 * BLOCK);
  tail.set(data.subarray(whole));
  tail[rest] = 0x80;
  const bits = before + data.length;
  const low = (bits * 8) >>> 0;
  const high = Math.floor(bits / 2 ** 29);
  for (let i = 0; i < 4; i++) {
    tail[tail.length - 8 + i] = (low >>> (8 * i)) & 0xff;
    tail[tail.length - 4 + i] = (high >>> (8 * i)) & 0xff;
  }
  for (let at = 0; at < tail.length; at += BLOCK) compress(state, tail, at);
  const out = new Uint8Array(16);
  for (let w = 0; w < 4; w++) {
    const word = state[w] as number;
    for (let i = 0; i < 4; i++) out[4 * w + i] = (word >>> (8 * i)) & 0xff;
  }
  return out;
}

/** The 16-byte MD5 digest of the concatenation of `parts`. */
export function md5(...parts: Uint8Array[]): Uint8Array {
  return finish(IV, 0, parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(...parts));
}

/** A key's inner and outer pads, each compressed once (a session signs every message under the same key). */
const padsOfKey = new WeakMap<Uint8Array, { key: Uint8Array; inner: Int32Array; outer: Int32Array }>();

function padsOf(key: Uint8Array): { inner: Int32Array; outer: Int32Array } {
  let pads = padsOfKey.get(key);
  // The entry holds a copy of the key: an array changed since it was cached gets its pads again.
  if (pads && sameBytes(pads.key, key)) return pads;
  // RFC 2104 §2: a key longer than the block is hashed first; then zero-padded and XORed with ipad and opad.
  const k = new Uint8Array(BLOCK);
  k.set(key.length > BLOCK ? md5(key) : key);
  const inner = Int32Array.from(IV);
  const outer = Int32Array.from(IV);
  compress(inner, k.map((b) => b ^ 0x36), 0);
  compress(outer, k.map((b) => b ^ 0x5c), 0);
  pads = { key: key.slice(), inner, outer };
  padsOfKey.set(key, pads);
  return pads;
}

/** HMAC-MD5 of the concatenation of `parts` under `key` (RFC 2104 §2). */
export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const { inner, outer } = padsOf(key);
  return finish(outer, BLOCK, finish(inner, BLOCK, parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(...parts)));
}

/** Equal bytes, compared in time that does not depend on where they differ. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
