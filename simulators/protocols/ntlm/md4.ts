/**
 * MD4 message digest (RFC 1320). NTLM needs it for NTOWFv1/NTOWFv2 ([MS-NLMP] 3.3.1, 3.3.2: the NT hash is
 * MD4 of the UTF-16LE password); Node 20's OpenSSL 3 leaves MD4 in the legacy provider, so `crypto` cannot
 * be asked for it.
 */

/** RFC 1320 §3.4: the three auxiliary functions of rounds 1, 2 and 3. */
const roundF = (x: number, y: number, z: number): number => (x & y) | (~x & z);
const roundG = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
const roundH = (x: number, y: number, z: number): number => x ^ y ^ z;

const rotl = (x: number, s: number): number => (x << s) | (x >>> (32 - s));

/** Per round: the order in which the sixteen message words are taken, the shift cycle, the additive constant. */
const ROUNDS = [
  { fn: roundF, order: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], shifts: [3, 7, 11, 19], add: 0 },
  { fn: roundG, order: [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15], shifts: [3, 5, 9, 13], add: 0x5a827999 },
  { fn: roundH, order: [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15], shifts: [3, 9, 11, 15], add: 0x6ed9eba1 },
] as const;

/** The 16-byte MD4 digest of `data`. */
export function md4(data: Uint8Array): Uint8Array {
  // §3.1–3.2: append 0x80, zero-pad to 56 mod 64, then the bit length as a 64-bit little-endian integer.
  const paddedLength = (((data.length + 8) >>> 6) + 1) << 6;
  const padded = new Uint8Array(paddedLength);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bitLength = BigInt(data.length) * 8n;
  view.setBigUint64(paddedLength - 8, bitLength, true);

  // §3.3: the initial register values A, B, C, D.
  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const words = new Array<number>(16);

  for (let block = 0; block < paddedLength; block += 64) {
    for (let i = 0; i < 16; i++) words[i] = view.getUint32(block + 4 * i, true);
    // Registers rotate through the a, b, c, d roles: step i updates register (-i mod 4).
    const r = [...state];
    for (const round of ROUNDS) {
      for (let step = 0; step < 16; step++) {
        const target = (4 - (step % 4)) % 4;
        const a = r[target]!;
        const b = r[(target + 1) % 4]!;
        const c = r[(target + 2) % 4]!;
        const d = r[(target + 3) % 4]!;
        const sum = (a + round.fn(b, c, d) + words[round.order[step]!]! + round.add) | 0;
        r[target] = rotl(sum, round.shifts[step % 4]!);
      }
    }
    for (let i = 0; i < 4; i++) state[i] = (state[i]! + r[i]!) | 0;
  }

  // §3.5: the digest is A, B, C, D, each little-endian.
  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  state.forEach((word, i) => outView.setUint32(4 * i, word >>> 0, true));
  return out;
}
