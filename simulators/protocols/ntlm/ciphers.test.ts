import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { hmacMd5, md5 } from './md5';
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

describe('MD5 (RFC 1321) and HMAC-MD5 (RFC 2104)', () => {
  it('gives the digests of the RFC 1321 appendix A.5 test suite', () => {
    const suite: Array<[string, string]> = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
    ];
    for (const [input, digest] of suite) expect([input, hex(md5(ascii(input)))]).toEqual([input, digest]);
  });

  it('gives the HMAC-MD5 values of RFC 2202 §2', () => {
    expect(hex(hmacMd5(new Uint8Array(16).fill(0x0b), ascii('Hi There')))).toBe('9294727a3638bb1c13f48ef8158bfc9d');
    expect(hex(hmacMd5(ascii('Jefe'), ascii('what do ya want for nothing?')))).toBe('750c783e6ab0b503eaa86e310a5db738');
    expect(hex(hmacMd5(new Uint8Array(80).fill(0xaa), ascii('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe('6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd');
  });

  it('agrees with OpenSSL on any key and any split of any message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }), (key, parts) => {
        const joined = Buffer.concat(parts);
        expect(hex(md5(...parts))).toBe(createHash('md5').update(joined).digest('hex'));
        expect(hex(hmacMd5(key, ...parts))).toBe(createHmac('md5', key).update(joined).digest('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('signs again under the same key array with the same result, and under a key array changed since with the new key', () => {
    const key = new Uint8Array(16).fill(0x0b);
    const message = ascii('Hi There');
    expect(hex(hmacMd5(key, message))).toBe('9294727a3638bb1c13f48ef8158bfc9d');
    expect(hex(hmacMd5(key, message))).toBe('9294727a3638bb1c13f48ef8158bfc9d');
    key.fill(0xaa, 0, 16);
    expect(hex(hmacMd5(key, message))).toBe(createHmac('md5', key).update(message).digest('hex'));
  });
});
