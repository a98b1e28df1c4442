import { createHash } from 'node:crypto';
import { md4 } from './md4';
import { Rc4, rc4 } from './rc4';
import { crc32 } from './session-security';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('MD4 (RFC 1320)', () => {
  it('gives the digests of the RFC 1320 appendix A.5 test suite', () => {
    const suite: Array<[string, string]> = [
      ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
      ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
      ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
      ['message digest', 'd9130a8164549fe818874806e1c7014b'],
      ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
      ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
    ];
    for (const [input, digest] of suite) expect([input, hex(md4(ascii(input)))]).toEqual([input, digest]);
  });

  it('pads correctly around the 56-byte and 64-byte block boundaries', () => {
    // Lengths where the length field does or does not fit in the last block; each digest must differ and be stable.
    const digests = [55, 56, 63, 64, 65, 119, 120].map((n) => hex(md4(new Uint8Array(n).fill(0x61))));
    expect(new Set(digests).size).toBe(digests.length);
    expect(hex(md4(new Uint8Array(64).fill(0x61)))).toBe(hex(md4(ascii('a'.repeat(64)))));
  });

  it('agrees with node:crypto wherever the Node build offers MD4 (Node 20 with OpenSSL 3 does not)', () => {
    let native: string | undefined;
    try {
      native = createHash('md4').update('abc').digest('hex');
    } catch {
      native = undefined;
    }
    if (native !== undefined) expect(native).toBe(hex(md4(ascii('abc'))));
  });
});

describe('RC4', () => {
  it('matches the classic known-answer vectors', () => {
    expect(hex(rc4(ascii('Key'), ascii('Plaintext')))).toBe('bbf316e8d940af0ad3');
    expect(hex(rc4(ascii('Wiki'), ascii('pedia')))).toBe('1021bf0420');
    expect(hex(rc4(ascii('Secret'), ascii('Attack at dawn')))).toBe('45a01f645fc35b383552544b9bf5');
  });

  it('continues one key stream across update calls (the [MS-NLMP] handle) and decrypts with the same key', () => {
    const key = ascii('session key');
    const data = ascii('connection-oriented sealing keeps one stream');
    const handle = new Rc4(key);
    const pieces = hex(handle.update(data.subarray(0, 10))) + hex(handle.update(data.subarray(10)));
    expect(pieces).toBe(hex(rc4(key, data)));
    expect(Buffer.from(rc4(key, rc4(key, data))).toString('latin1')).toBe('connection-oriented sealing keeps one stream');
  });

  it('refuses an empty key', () => {
    expect(() => new Rc4(new Uint8Array(0))).toThrow(RangeError);
  });
});

describe('CRC32', () => {
  it('gives the standard check value and the [MS-NLMP] 4.2.2.4 checksum of "Plaintext" in UTF-16LE', () => {
    expect(crc32(ascii('123456789')).toString(16)).toBe('cbf43926');
    expect(crc32(new Uint8Array(Buffer.from('Plaintext', 'utf16le'))).toString(16)).toBe('93aa847d');
  });
});
