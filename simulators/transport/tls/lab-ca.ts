import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import forge from 'node-forge';
import { LAB_CA_KEY, labKeyFor } from './lab-keys';

/**
 * The lab's certificate authority (docs/decisions/0016): X.509 v3 certificates built and signed by node-forge
 * with the fixed, published RSA keys of `lab-keys.ts`, sha256WithRSAEncryption (PKCS#1 v1.5, which is
 * deterministic), serial numbers derived from the names and a fixed validity window. Every certificate is a pure
 * function of its inputs: the same names give the same DER bytes on every run.
 */
export interface LabCa {
  readonly name: string;
  /** The CA certificate a client trusts: pass it in `ca: [certPem]`. */
  readonly certPem: string;
  readonly keyPem: string;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export interface ServerCertificateRequest {
  commonName: string;
  /** DNS names and IPv4 addresses for subjectAltName; the common name is added when missing. */
  altNames?: readonly string[];
  validity?: Validity;
  /** The server's key pair (PKCS#1 PEM); default: the lab key the common name hashes to. */
  keyPem?: string;
}

export interface IssuedCertificate {
  readonly keyPem: string;
  readonly certPem: string;
  /** The issuer's certificate, for the peer's trust list (the certificate itself when self-signed). */
  readonly caPem: string;
  /** The serial number, as lower-case hex. */
  readonly serial: string;
}

/**
 * The default window, 2009-01-01 to 2049-12-31 23:59:59 UTC. The VirtualClock's epoch is 2009-05-01, but the
 * TLS client (forge) and OpenSSL-based tools check validity against the real wall clock, so the window covers
 * both; 2049 is the last year X.509 writes as UTCTime.
 */
export const LAB_VALIDITY: Validity = {
  notBefore: new Date(Date.UTC(2009, 0, 1, 0, 0, 0)),
  notAfter: new Date(Date.UTC(2049, 11, 31, 23, 59, 59)),
};

/** A CA named `name`, with the lab CA's key unless another is given (a rogue CA with the same name, say). */
export function createLabCa(name: string, options: { keyPem?: string; validity?: Validity } = {}): LabCa {
  const keyPem = options.keyPem ?? LAB_CA_KEY;
  return memo(['ca', name, keyPem, options.validity], () => buildCa(name, keyPem, options.validity));
}

function buildCa(name: string, keyPem: string, validity: Validity | undefined): LabCa {
  const key = privateKey(keyPem);
  const cert = forge.pki.createCertificate();
  cert.serialNumber = '01';
  setValidity(cert, validity ?? LAB_VALIDITY);
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.setSubject(distinguishedName(name));
  cert.setIssuer(distinguishedName(name));
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: true },
    { name: 'keyUsage', critical: true, keyCertSign: true, cRLSign: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { name, certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A server certificate for `request.commonName` (and its alt names), issued by `ca`. */
export function issueServerCertificate(ca: LabCa, request: ServerCertificateRequest): IssuedCertificate {
  return memo(['issued', ca.certPem, ca.keyPem, request], () => {
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    const authorityKeyId = caCert.generateSubjectKeyIdentifier().getBytes();
    return serverCertificate(request, ca.name, privateKey(ca.keyPem), authorityKeyId, ca.certPem);
  });
}

/** A self-signed server certificate: issuer = subject = the common name, signed with the server's own key. */
export function selfSignedServerCertificate(request: ServerCertificateRequest): IssuedCertificate {
  return memo(['self-signed', request], () => serverCertificate(request, undefined, undefined, undefined, undefined));
}

/**
 * Certificates are pure functions of their inputs, so each is built (an RSA signature in JavaScript, some 20 ms)
 * once per process, however many labs ask for it.
 */
const built = new Map<string, unknown>();
function memo<T>(inputs: unknown[], build: () => T): T {
  const key = JSON.stringify(inputs);
  if (!built.has(key)) built.set(key, build());
  return built.get(key) as T;
}

function serverCertificate(
  request: ServerCertificateRequest,
  issuerName: string | undefined,
  issuerKey: forge.pki.rsa.PrivateKey | undefined,
  authorityKeyId: string | undefined,
  issuerPem: string | undefined,
): IssuedCertificate {
  const keyPem = request.keyPem ?? labKeyFor(request.commonName);
  const key = privateKey(keyPem);
  const names = [...new Set([request.commonName, ...(request.altNames ?? [])])];
  const cert = forge.pki.createCertificate();
  const issuer = issuerName ?? request.commonName;
  cert.serialNumber = serialFor(issuer, request.commonName);
  setValidity(cert, request.validity ?? LAB_VALIDITY);
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.setSubject(distinguishedName(request.commonName));
  cert.setIssuer(distinguishedName(issuer));
  cert.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    // RSA key transport (TLS_RSA_*): the server's key enciphers the premaster secret.
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((n) => (isIPv4(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: authorityKeyId ?? true },
  ]);
  cert.sign(issuerKey ?? key, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return { keyPem, certPem, caPem: issuerPem ?? certPem, serial: cert.serialNumber };
}

/** Eight octets of SHA-256 over issuer and subject, first octet 0x01–0x7f (a positive, minimally encoded INTEGER). */
function serialFor(issuer: string, subject: string): string {
  const digest = createHash('sha256').update(`${issuer.toLowerCase()}\n${subject.toLowerCase()}`).digest();
  digest[0] = (digest[0] as number) & 0x7f || 0x01;
  return digest.subarray(0, 8).toString('hex');
}

function setValidity(cert: forge.pki.Certificate, validity: Validity): void {
  if (!(validity.notBefore < validity.notAfter)) throw new RangeError('certificate validity: notBefore must precede notAfter');
  cert.validity.notBefore = new Date(validity.notBefore.getTime());
  cert.validity.notAfter = new Date(validity.notAfter.getTime());
}

/** CN only, as a UTF8String (a PrintableString cannot hold "_" or "@"). */
const distinguishedName = (commonName: string): forge.pki.CertificateField[] => [
  { name: 'commonName', value: commonName, valueTagClass: forge.asn1.Type.UTF8 as number as forge.asn1.Class }, // forge UTF-8-encodes it
];

const parsedKeys = new Map<string, forge.pki.rsa.PrivateKey>();

/** Parses (once) a PKCS#1 or PKCS#8 RSA private key. */
function privateKey(pem: string): forge.pki.rsa.PrivateKey {
  let key = parsedKeys.get(pem);
  if (!key) {
    key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
    parsedKeys.set(pem, key);
  }
  return key;
}
