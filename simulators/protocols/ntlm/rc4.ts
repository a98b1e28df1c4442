/**
 * RC4 stream cipher. [MS-NLMP] 6 uses it as RC4K (one-shot, for EncryptedRandomSessionKey, 3.1.5.1.2 and
 * 3.2.5.1.2) and through a key-state "handle" (RC4Init/RC4, 3.4: sealing and the signature checksum). Node 20's
 * OpenSSL 3 does not offer RC4 by default, so this is a small local implementation.
 */

/** A keyed RC4 state: successive `update` calls continue the same key stream (the spec's Handle). */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0 || key.length > 256) throw new RangeError(`RC4 key must be 1..256 bytes, got ${key.length}`);
    const s = this.s;
    for (let n = 0; n < 256; n++) s[n] = n;
    // Key-scheduling: swap each entry with one chosen by the running sum of the state and the key bytes.
    let j = 0;
    for (let n = 0; n < 256; n++) {
      j = (j + s[n]! + key[n % key.length]!) & 0xff;
      const t = s[n]!;
      s[n] = s[j]!;
      s[j] = t;
    }
  }

  /** Encrypts (or decrypts: the operation is its own inverse) `data`, advancing the key stream. */
  update(data: Uint8Array): Uint8Array {
    const s = this.s;
    const out = new Uint8Array(data.length);
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.i = i;
    this.j = j;
    return out;
  }
}

/** [MS-NLMP] 6 RC4K(K, D): RC4 with a fresh key state. */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Rc4(key).update(data);
}
