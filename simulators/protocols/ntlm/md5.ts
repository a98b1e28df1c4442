/**
 * MD5 (RFC 1321) and HMAC-MD5 (RFC 2104) over bytes, written here on typed arrays. NTLM session security signs
 * every SIP message a signed-in Communicator exchanges ([MS-SIPAE]), so this is on the hot path of a lab of
 * thousands of users; node-forge's MD5 works on binary strings and cost four times as much, and the protocol
 * layer takes no Node built-in module (test/architecture.test.ts), which rules out `crypto`.
 */

/** §3.3: the initial register values A, B, C, D. */
const IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476] as const;

const BLOCK = 64;

/** The little-endian 32-bit word at `o` (§3.4: "each 16-word block", low-order byte first, §2). */
const word = (bytes: Uint8Array, o: number): number =>
  (bytes[o] as number) | ((bytes[o + 1] as number) << 8) | ((bytes[o + 2] as number) << 16) | ((bytes[o + 3] as number) << 24);

/**
 * §3.4 over one 64-byte block of `bytes` at `at`: the registers in `state` (A, B, C, D) move on in place. The 64
 * steps are written out, as the RFC prints them: round 1 with F(X,Y,Z) = XY v not(X) Z, round 2 with G = XZ v Y
 * not(Z), round 3 with H = X xor Y xor Z, round 4 with I = Y xor (X v not(Z)); each step adds the word the RFC
 * names, and T[i] = floor(2^32 × |sin(i + 1)|) as a literal, then rotates left by the RFC's amount. Written out, MD5
 * runs at about twice the bytes per second of the loops over tables it replaced, and an HMAC of a signature input
 * (some 400 bytes) costs 0.6× as much: a signed-in Communicator's every message is signed once and checked once at
 * each end (docs/protocols/sign-in.md §4).
 */
function compress(state: Int32Array, bytes: Uint8Array, at: number): void {
  const x0 = word(bytes, at + 0);
  const x1 = word(bytes, at + 4);
  const x2 = word(bytes, at + 8);
  const x3 = word(bytes, at + 12);
  const x4 = word(bytes, at + 16);
  const x5 = word(bytes, at + 20);
  const x6 = word(bytes, at + 24);
  const x7 = word(bytes, at + 28);
  const x8 = word(bytes, at + 32);
  const x9 = word(bytes, at + 36);
  const x10 = word(bytes, at + 40);
  const x11 = word(bytes, at + 44);
  const x12 = word(bytes, at + 48);
  const x13 = word(bytes, at + 52);
  const x14 = word(bytes, at + 56);
  const x15 = word(bytes, at + 60);
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  a = ((a + ((b & c) | (~b & d)) + x0 + 0xd76aa478) | 0);
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = ((d + ((a & b) | (~a & c)) + x1 + 0xe8c7b756) | 0);
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = ((c + ((d & a) | (~d & b)) + x2 + 0x242070db) | 0);
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = ((b + ((c & d) | (~c & a)) + x3 + 0xc1bdceee) | 0);
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = ((a + ((b & c) | (~b & d)) + x4 + 0xf57c0faf) | 0);
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = ((d + ((a & b) | (~a & c)) + x5 + 0x4787c62a) | 0);
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = ((c + ((d & a) | (~d & b)) + x6 + 0xa8304613) | 0);
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = ((b + ((c & d) | (~c & a)) + x7 + 0xfd469501) | 0);
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = ((a + ((b & c) | (~b & d)) + x8 + 0x698098d8) | 0);
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = ((d + ((a & b) | (~a & c)) + x9 + 0x8b44f7af) | 0);
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = ((c + ((d & a) | (~d & b)) + x10 + 0xffff5bb1) | 0);
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = ((b + ((c & d) | (~c & a)) + x11 + 0x895cd7be) | 0);
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = ((a + ((b & c) | (~b & d)) + x12 + 0x6b901122) | 0);
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = ((d + ((a & b) | (~a & c)) + x13 + 0xfd987193) | 0);
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = ((c + ((d & a) | (~d & b)) + x14 + 0xa679438e) | 0);
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = ((b + ((c & d) | (~c & a)) + x15 + 0x49b40821) | 0);
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = ((a + ((b & d) | (c & ~d)) + x1 + 0xf61e2562) | 0);
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = ((d + ((a & c) | (b & ~c)) + x6 + 0xc040b340) | 0);
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = ((c + ((d & b) | (a & ~b)) + x11 + 0x265e5a51) | 0);
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = ((b + ((c & a) | (d & ~a)) + x0 + 0xe9b6c7aa) | 0);
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = ((a + ((b & d) | (c & ~d)) + x5 + 0xd62f105d) | 0);
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = ((d + ((a & c) | (b & ~c)) + x10 + 0x02441453) | 0);
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = ((c + ((d & b) | (a & ~b)) + x15 + 0xd8a1e681) | 0);
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = ((b + ((c & a) | (d & ~a)) + x4 + 0xe7d3fbc8) | 0);
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = ((a + ((b & d) | (c & ~d)) + x9 + 0x21e1cde6) | 0);
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = ((d + ((a & c) | (b & ~c)) + x14 + 0xc33707d6) | 0);
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = ((c + ((d & b) | (a & ~b)) + x3 + 0xf4d50d87) | 0);
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = ((b + ((c & a) | (d & ~a)) + x8 + 0x455a14ed) | 0);
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = ((a + ((b & d) | (c & ~d)) + x13 + 0xa9e3e905) | 0);
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = ((d + ((a & c) | (b & ~c)) + x2 + 0xfcefa3f8) | 0);
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = ((c + ((d & b) | (a & ~b)) + x7 + 0x676f02d9) | 0);
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = ((b + ((c & a) | (d & ~a)) + x12 + 0x8d2a4c8a) | 0);
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = ((a + (b ^ c ^ d) + x5 + 0xfffa3942) | 0);
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((d + (a ^ b ^ c) + x8 + 0x8771f681) | 0);
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((c + (d ^ a ^ b) + x11 + 0x6d9d6122) | 0);
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((b + (c ^ d ^ a) + x14 + 0xfde5380c) | 0);
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((a + (b ^ c ^ d) + x1 + 0xa4beea44) | 0);
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((d + (a ^ b ^ c) + x4 + 0x4bdecfa9) | 0);
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((c + (d ^ a ^ b) + x7 + 0xf6bb4b60) | 0);
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((b + (c ^ d ^ a) + x10 + 0xbebfbc70) | 0);
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((a + (b ^ c ^ d) + x13 + 0x289b7ec6) | 0);
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((d + (a ^ b ^ c) + x0 + 0xeaa127fa) | 0);
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((c + (d ^ a ^ b) + x3 + 0xd4ef3085) | 0);
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((b + (c ^ d ^ a) + x6 + 0x04881d05) | 0);
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((a + (b ^ c ^ d) + x9 + 0xd9d4d039) | 0);
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = ((d + (a ^ b ^ c) + x12 + 0xe6db99e5) | 0);
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = ((c + (d ^ a ^ b) + x15 + 0x1fa27cf8) | 0);
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = ((b + (c ^ d ^ a) + x2 + 0xc4ac5665) | 0);
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = ((a + (c ^ (b | ~d)) + x0 + 0xf4292244) | 0);
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((d + (b ^ (a | ~c)) + x7 + 0x432aff97) | 0);
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((c + (a ^ (d | ~b)) + x14 + 0xab9423a7) | 0);
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((b + (d ^ (c | ~a)) + x5 + 0xfc93a039) | 0);
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = ((a + (c ^ (b | ~d)) + x12 + 0x655b59c3) | 0);
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((d + (b ^ (a | ~c)) + x3 + 0x8f0ccc92) | 0);
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((c + (a ^ (d | ~b)) + x10 + 0xffeff47d) | 0);
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((b + (d ^ (c | ~a)) + x1 + 0x85845dd1) | 0);
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = ((a + (c ^ (b | ~d)) + x8 + 0x6fa87e4f) | 0);
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((d + (b ^ (a | ~c)) + x15 + 0xfe2ce6e0) | 0);
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((c + (a ^ (d | ~b)) + x6 + 0xa3014314) | 0);
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((b + (d ^ (c | ~a)) + x13 + 0x4e0811a1) | 0);
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = ((a + (c ^ (b | ~d)) + x4 + 0xf7537e82) | 0);
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = ((d + (b ^ (a | ~c)) + x11 + 0xbd3af235) | 0);
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = ((c + (a ^ (d | ~b)) + x2 + 0x2ad7d2bb) | 0);
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = ((b + (d ^ (c | ~a)) + x9 + 0xeb86d391) | 0);
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
}

/** The block being filled from the ends of the parts, and the padding (MD5 here never re-enters itself). */
const HELD = new Uint8Array(2 * BLOCK);

/**
 * The digest of the concatenation of `parts` hashed after `before` bytes already compressed into `from` (0 and the
 * IV for a whole message; one block and a key's pad for HMAC). The parts are read where they lie, whole blocks in
 * place and only the bytes that straddle a block boundary copied. §3.1–3.2: append 0x80, zero-pad to 56 mod 64,
 * then the bit length as a 64-bit little-endian integer. §3.5: the digest is A, B, C, D, each little-endian.
 */
function finish(from: ArrayLike<number>, before: number, parts: readonly Uint8Array[]): Uint8Array {
  const state = new Int32Array(4);
  state[0] = from[0] as number;
  state[1] = from[1] as number;
  state[2] = from[2] as number;
  state[3] = from[3] as number;
  let held = 0;
  let length = before;
  for (const part of parts) {
    length += part.length;
    let at = 0;
    if (held > 0) {
      at = Math.min(BLOCK - held, part.length);
      HELD.set(at === part.length ? part : part.subarray(0, at), held);
      held += at;
      if (held < BLOCK) continue;
      compress(state, HELD, 0);
      held = 0;
    }
    const whole = at + ((part.length - at) & ~(BLOCK - 1));
    for (; at < whole; at += BLOCK) compress(state, part, at);
    if (at < part.length) {
      HELD.set(part.subarray(at), 0);
      held = part.length - at;
    }
  }
  const end = held < 56 ? BLOCK : 2 * BLOCK;
  HELD.fill(0, held, end);
  HELD[held] = 0x80;
  const low = (length * 8) >>> 0;
  const high = Math.floor(length / 2 ** 29);
  for (let i = 0; i < 4; i++) {
    HELD[end - 8 + i] = (low >>> (8 * i)) & 0xff;
    HELD[end - 4 + i] = (high >>> (8 * i)) & 0xff;
  }
  compress(state, HELD, 0);
  if (end > BLOCK) compress(state, HELD, BLOCK);
  const out = new Uint8Array(16);
  for (let w = 0; w < 4; w++) {
    const word = state[w] as number;
    for (let i = 0; i < 4; i++) out[4 * w + i] = (word >>> (8 * i)) & 0xff;
  }
  return out;
}

/** The 16-byte MD5 digest of the concatenation of `parts`. */
export function md5(...parts: Uint8Array[]): Uint8Array {
  return finish(IV, 0, parts);
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
  return finish(outer, BLOCK, [finish(inner, BLOCK, parts)]);
}

/** Equal bytes, compared in time that does not depend on where they differ. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
