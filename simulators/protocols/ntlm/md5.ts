/**
 * MD5 (RFC 1321) and HMAC-MD5 (RFC 2104) over bytes, from node-forge (already the lab's TLS library), so the NTLM
 * codec depends on no Node built-in module (the protocol layer's rule; test/architecture.test.ts).
 */
import forge from 'node-forge';

const binary = (bytes: Uint8Array): string => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
};

const fromBinary = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

export function md5(...parts: Uint8Array[]): Uint8Array {
  const h = forge.md.md5.create();
  for (const p of parts) h.update(binary(p));
  return fromBinary(h.digest().getBytes());
}

export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = forge.hmac.create();
  h.start('md5', binary(key));
  for (const p of parts) h.update(binary(p));
  return fromBinary(h.digest().getBytes());
}

/** Equal bytes, compared in time that does not depend on where they differ. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
