import forge from 'node-forge';
import { LAB_CA_KEY } from './lab-keys';
import { nativeRsaPrivateKey } from './native-rsa';

// The premaster secret decrypted by OpenSSL must be what forge's own RSA code returns, with the same random
// draws (forge's blinding), so that every later random byte of the connection, and so the wire, is unchanged.
describe('the native RSA private key', () => {
  const forgeKey = forge.pki.privateKeyFromPem(LAB_CA_KEY) as forge.pki.rsa.PrivateKey;
  const native = nativeRsaPrivateKey(LAB_CA_KEY);

  /** Runs `f` with forge.random replaced by a counter stream, and returns its result and the bytes it drew. */
  function drawing<T>(f: () => T): { value: T; drawn: string } {
    const random = forge.random as unknown as { getBytes(n: number): string; getBytesSync(n: number): string };
    const saved = { getBytes: random.getBytes, getBytesSync: random.getBytesSync };
    let next = 0;
    let drawn = '';
    const bytes = (n: number): string => {
      let out = '';
      for (let i = 0; i < n; i++) out += String.fromCharCode((next++ * 151 + 7) & 0xff);
      drawn += out;
      return out;
    };
    random.getBytes = bytes;
    random.getBytesSync = bytes;
    try {
      return { value: f(), drawn };
    } finally {
      Object.assign(random, saved);
    }
  }

  it('decrypts what forge encrypts, drawing exactly the bytes forge would draw', () => {
    const secret = '\x03\x01' + 'p'.repeat(46);
    const ciphertext = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e).encrypt(secret, 'RSAES-PKCS1-V1_5');
    const byForge = drawing(() => forgeKey.decrypt(ciphertext, 'RSAES-PKCS1-V1_5'));
    const byOpenSsl = drawing(() => native.decrypt(ciphertext));
    expect(byOpenSsl.value).toBe(secret);
    expect(byOpenSsl.value).toBe(byForge.value);
    expect(byOpenSsl.drawn).toBe(byForge.drawn);
  });

  it('refuses what forge refuses, with forge’s messages', () => {
    const k = Math.ceil(forgeKey.n.bitLength() / 8);
    expect(() => native.decrypt('x'.repeat(k - 1))).toThrow('Encrypted message length is invalid.');
    expect(() => native.decrypt('\xff'.repeat(k))).toThrow('Encrypted message is invalid.');
    // A block of type 1 (a signature), not 2: both say the block is invalid.
    const signed = (forge.pki.rsa as unknown as { encrypt(m: string, key: unknown, bt: number): string }).encrypt('hello', forgeKey, 0x01);
    expect(() => forgeKey.decrypt(signed, 'RSAES-PKCS1-V1_5')).toThrow('Encryption block is invalid.');
    expect(() => native.decrypt(signed)).toThrow('Encryption block is invalid.');
  });
});
