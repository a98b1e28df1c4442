import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import type { TcpConnection } from '../network';
import { nativeRsaPrivateKey } from './native-rsa';

/**
 * TLS over the transport seam (docs/decisions/0016), run by node-forge's pure-JavaScript engine: TLS 1.0 (our
 * client offers 1.0; a forge server answers 1.0 to any offer) with TLS_RSA_WITH_AES_128_CBC_SHA or
 * TLS_RSA_WITH_AES_256_CBC_SHA. A seam `TcpConnection` (in-memory or socket) carries the records; the caller gets a
 * `TcpConnection` back that carries the plaintext. The seam below still sees (and captures) only ciphertext, and
 * `onKeylog` hands out the NSS key log line that lets Wireshark decrypt it.
 *
 * Deterministic: every random byte the engine draws (client and server randoms, session id, premaster secret, RSA
 * padding and blinding, CBC IVs) comes from a per-connection stream seeded from `random`, so the same seed gives the
 * same bytes on the wire. Synchronous: each flight is written inside the call that delivered what it answers.
 */

export type TlsVersion = 'TLSv1' | 'TLSv1.1';

/** A random source in [0, 1): the lab's seeded generator (kernel/random.ts), or `Math.random`. */
export type RandomSource = () => number;

export interface TlsServerOptions {
  /** The server's RSA private key (PEM). */
  key: string;
  /** The server's certificate (PEM). */
  cert: string;
  /** Receives the NSS key log line (SSLKEYLOGFILE format, with its trailing newline) once per handshake. */
  onKeylog?(line: string): void;
  /** Seeds this connection's random bytes (8 draws, when the connection is wrapped). Default `Math.random`. */
  random?: RandomSource;
}

export interface TlsClientOptions {
  /** The name the server's certificate must carry (SAN dNSName, else CN; an IP address against iPAddress), sent as SNI. */
  servername: string;
  /** The CA certificates the client trusts (only these: no system store). */
  ca: string[];
  onKeylog?(line: string): void;
  random?: RandomSource;
}

export type TlsError = Error & { code?: string };

/** A plaintext connection over TLS, with what was negotiated and, once it failed, why. */
export interface SecureTcpConnection extends TcpConnection {
  /** `TLSv1` once the handshake is done (`TLSv1.1` only against a foreign server that picks it); undefined before. */
  readonly protocol: TlsVersion | undefined;
  /** The negotiated cipher suite (`TLS_RSA_WITH_AES_128_CBC_SHA` …) once the handshake is done. */
  readonly cipher: string | undefined;
  /** The TLS error that ended the connection (an alert from the peer, a verification failure), if any. */
  readonly tlsError: TlsError | undefined;
}

/**
 * Wraps an accepted connection in the server side of TLS. Returns at once; writes made before the handshake
 * completes are sent after it. A failed handshake ends the connection and `onClose` fires; `tlsError` then says
 * why: `ERR_SSL_HTTP_REQUEST` for plain HTTP, `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA` / `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`
 * … for the alert a client that rejected our certificate sent (OpenSSL's names, as node reports them).
 */
export function secureServerConnection(conn: TcpConnection, opts: TlsServerOptions): SecureTcpConnection {
  const tls = new ForgeTlsConnection(conn, opts.random, opts.onKeylog, (self) => ({
    server: true,
    getCertificate: () => opts.cert,
    // The premaster secret is decrypted by OpenSSL, with forge's draws kept (native-rsa.ts).
    getPrivateKey: () => nativeRsaPrivateKey(opts.key) as unknown as string,
    ...self.callbacks,
  }));
  tls.listen();
  return tls;
}

/**
 * Runs the client side of TLS over a connected seam connection and resolves once the server is verified and the
 * handshake is done. Rejects, and closes the connection (the server sees `onClose`), with an Error whose `code` is
 * OpenSSL's as node reports it: `UNABLE_TO_VERIFY_LEAF_SIGNATURE` (issuer not trusted),
 * `DEPTH_ZERO_SELF_SIGNED_CERT` (a self-signed certificate not in `ca`), `CERT_HAS_EXPIRED`, or
 * `ERR_TLS_CERT_ALTNAME_INVALID` (the certificate does not name `servername`).
 */
export function secureClientConnection(conn: TcpConnection, opts: TlsClientOptions): Promise<SecureTcpConnection> {
  return new Promise((resolve, reject) => {
    const ip = isIP(opts.servername) !== 0;
    const tls: ForgeTlsConnection = new ForgeTlsConnection(conn, opts.random, opts.onKeylog, (self) => ({
      server: false,
      // RFC 6066 §3: SNI carries host names only, never an IP address.
      ...(ip ? {} : { virtualHost: opts.servername }),
      caStore: caStoreFor(opts.ca),
      // Validity is judged on the real clock (as OpenSSL does); `run` sets the date before each engine call.
      verifyOptions: self.verifyOptions,
      verify: (_c, verified, depth, certs) => {
        const failure = verificationFailure(verified, depth, certs, opts.servername, self.verifyOptions.validityCheckDate);
        if (!failure) return true;
        self.verifyFailure ??= failure;
        // forge's own findings go back as they came (it picks the alert); a wrong name is our rejection.
        return verified === true ? { alert: forge.tls.Alert.Description.bad_certificate, message: failure.message } : verified;
      },
      ...self.callbacks,
    }));
    tls.onHandshake = (error) => (error ? reject(error) : resolve(tls));
    tls.listen();
    tls.start();
  });
}

// --- Deterministic randomness ---------------------------------------------------------------------

/** Random bytes as a forge "binary" string (one char per octet). */
type ByteSource = (count: number) => string;

/**
 * A connection's random byte stream: SHA-256 in counter mode over a 256-bit seed made of 8 draws from `random`
 * (taken when the connection is wrapped). A connection always takes exactly 8 draws, however many bytes forge
 * asks for, so the lab generator's sequence does not depend on forge's internals. Deterministic, not secret: the
 * lab's generator has 32 bits of state (docs/decisions/0016).
 */
export function connectionRandomBytes(random: RandomSource): ByteSource {
  const seed = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) seed.writeUInt32BE(Math.floor(random() * 0x1_0000_0000) >>> 0, i * 4);
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (count) => {
    const blocks: Buffer[] = [pool];
    let have = pool.length;
    while (have < count) {
      const block = createHash('sha256').update(seed).update(uint32(counter++)).digest();
      blocks.push(block);
      have += block.length;
    }
    const all = Buffer.concat(blocks);
    pool = all.subarray(count);
    return all.subarray(0, count).toString('latin1');
  };
}

const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

interface ForgeRandomHooks {
  getBytes(count: number, callback?: (err: Error | null, bytes: string) => void): string;
  getBytesSync(count: number): string;
}

/**
 * The gmt_unix_time forge writes into the first 4 octets of each hello random: the lab epoch, 2009-05-01 09:00:00
 * UTC (the VirtualClock's time zero), as a stopped clock. forge computes it as `+new Date() +
 * getTimezoneOffset() * 60000` and keeps the low 32 bits, so the stand-in Date below is that many milliseconds
 * after 1970 with a zero offset: the wire carries the seconds of the epoch on every machine, whatever its TZ.
 */
const HELLO_UNIX_TIME = Date.UTC(2009, 4, 1, 9, 0, 0) / 1000;

const RealDate = Date;
class HelloDate extends RealDate {
  constructor(...args: unknown[]) {
    if (args.length === 0) super(HELLO_UNIX_TIME);
    else super(...(args as [string | number | Date]));
  }
  override getTimezoneOffset(): number {
    return 0;
  }
}

/**
 * Runs one synchronous forge call deterministically. forge reads `forge.random.getBytes` / `getBytesSync` at each use
 * (tls.js: hello randoms, session id, premaster secret; aesCipherSuites.js: TLS 1.1 IVs; rsa.js: PKCS#1 padding and
 * blinding), so for the duration of the call both are `bytes`; and its private `tls.createRandom()` reads the wall
 * clock with `new Date()`, so for the duration of the call a no-argument `new Date()` is the stopped hello clock
 * (forge's ASN.1 parser also calls `new Date()` and then sets every field, so certificates parse as before; the
 * client passes its own `validityCheckDate`). Only forge runs inside: the connection queues its I/O and callbacks
 * and runs them after the call returns. Nested calls save and restore in turn.
 */
function withDeterministicForge<T>(bytes: ByteSource, run: () => T): T {
  const random = forge.random as unknown as ForgeRandomHooks;
  const { getBytes, getBytesSync } = random;
  const savedDate = globalThis.Date;
  random.getBytes = (count, callback) => {
    const out = bytes(count);
    callback?.(null, out);
    return out;
  };
  random.getBytesSync = bytes;
  globalThis.Date = HelloDate as DateConstructor;
  try {
    return run();
  } finally {
    globalThis.Date = savedDate;
    random.getBytes = getBytes;
    random.getBytesSync = getBytesSync;
  }
}

// --- Verification ---------------------------------------------------------------------------------

const caStores = new Map<string, forge.pki.CAStore>();

/** A forge CA store for these PEMs (parsed once per distinct set). */
function caStoreFor(pems: readonly string[]): forge.pki.CAStore {
  const key = pems.join('\n');
  let store = caStores.get(key);
  if (!store) {
    store = forge.pki.createCaStore([...pems]);
    caStores.set(key, store);
  }
  return store;
}

/** forge's verification results (x509.js; not in @types/node-forge). */
const certificateError = (forge.pki as unknown as { certificateError: Record<'bad_certificate' | 'certificate_expired' | 'unknown_ca', string> }).certificateError;

/** What forge's `verify` callback is given: true, or a `certificateError` value. */
type Verified = true | string | object;

function verificationFailure(verified: Verified, depth: number, certs: forge.pki.Certificate[], servername: string, now: Date): TlsError | undefined {
  const leaf = certs[0];
  if (verified !== true) {
    const cert = certs[depth] ?? leaf;
    switch (verified) {
      case certificateError.certificate_expired: {
        const notYet = cert !== undefined && now < cert.validity.notBefore;
        return notYet ? tlsError('CERT_NOT_YET_VALID', 'certificate is not yet valid') : tlsError('CERT_HAS_EXPIRED', 'certificate has expired');
      }
      case certificateError.unknown_ca:
      case certificateError.bad_certificate:
        if (certs.length === 1 && leaf?.isIssuer(leaf)) return tlsError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate');
        return tlsError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate');
      default:
        return tlsError('CERT_REJECTED', `certificate rejected (${String(verified)})`);
    }
  }
  if (depth !== 0 || !leaf) return undefined;
  return checkServerIdentity(servername, leaf);
}

interface AltName {
  type: number;
  value?: string;
  ip?: string;
}

/** Node's `tls.checkServerIdentity` rules: an IP against iPAddress SANs; a name against dNSName SANs, or the CN if there are none. */
function checkServerIdentity(servername: string, cert: forge.pki.Certificate): TlsError | undefined {
  const ext = cert.getExtension('subjectAltName') as { altNames?: AltName[] } | undefined;
  const altNames = ext?.altNames ?? [];
  const listed = altNames.map((a) => (a.type === 7 ? `IP Address:${a.ip ?? ''}` : a.type === 2 ? `DNS:${a.value ?? ''}` : '')).filter(Boolean).join(', ');
  if (isIP(servername)) {
    if (altNames.some((a) => a.type === 7 && a.ip === servername)) return undefined;
    return tlsError('ERR_TLS_CERT_ALTNAME_INVALID', `Hostname/IP does not match certificate's altnames: IP: ${servername} is not in the cert's list: ${listed}`);
  }
  const dns = altNames.filter((a) => a.type === 2).map((a) => a.value ?? '');
  const cn = cert.subject.getField('CN') as { value?: string } | null;
  const names = dns.length > 0 ? dns : cn?.value ? [cn.value] : [];
  if (names.some((n) => hostMatches(n, servername))) return undefined;
  const reason = dns.length > 0 ? `Host: ${servername}. is not in the cert's altnames: ${listed}` : `Host: ${servername}. is not cert's CN: ${cn?.value ?? ''}`;
  return tlsError('ERR_TLS_CERT_ALTNAME_INVALID', `Hostname/IP does not match certificate's altnames: ${reason}`);
}

/** Case-insensitive; a `*` is allowed as the whole leftmost label and matches exactly one label. */
function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot) === p.slice(1);
}

function tlsError(code: string, message: string): TlsError {
  return Object.assign(new Error(message), { code });
}

// --- Errors from the engine -----------------------------------------------------------------------

const ALERT_NAMES = new Map<number, string>(Object.entries(forge.tls.Alert.Description).filter((e): e is [string, number] => typeof e[1] === 'number').map(([name, n]) => [n, name]));
/** Alerts TLS 1.0 added (OpenSSL names them SSL_R_TLSV1_ALERT_*; the SSL 3.0 ones SSL_R_SSLV3_ALERT_*). */
const TLS1_ALERTS = new Set([21, 22, 48, 49, 50, 51, 60, 70, 71, 80, 90, 100]);

/**
 * An engine error as a TlsError: an alert the peer sent gets the code node gives it (`ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`,
 * `ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE` …); plain HTTP on a server, `ERR_SSL_HTTP_REQUEST`; anything else this end
 * found, `ERR_TLS_<ALERT IT SENT>` (`ERR_TLS_BAD_RECORD_MAC` …).
 */
function engineError(ex: forge.tls.TLSError, local: 'client' | 'server', firstBytes: Uint8Array | undefined): TlsError {
  const description = ex.alert?.description;
  const name = (description !== undefined ? ALERT_NAMES.get(description) : undefined) ?? 'internal_error';
  const error = (code: string, message: string): TlsError => Object.assign(tlsError(code, message), { cause: ex });
  if (ex.origin && ex.origin !== local) {
    const family = description !== undefined && TLS1_ALERTS.has(description) ? 'TLSV1' : 'SSLV3';
    return error(`ERR_SSL_${family}_ALERT_${name.toUpperCase()}`, `the ${ex.origin} sent a fatal ${name} alert`);
  }
  if (local === 'server' && firstBytes && /^[A-Z]{3,16} /.test(Buffer.from(firstBytes.subarray(0, 17)).toString('latin1'))) {
    return error('ERR_SSL_HTTP_REQUEST', 'plain HTTP request on the TLS port');
  }
  return error(`ERR_TLS_${name.toUpperCase()}`, ex.message);
}

// --- The connection -------------------------------------------------------------------------------

type EngineOptions = Parameters<typeof forge.tls.createConnection>[0] & { verifyOptions?: { validityCheckDate: Date } };
type EngineCallbacks = Pick<EngineOptions, 'tlsDataReady' | 'dataReady' | 'connected' | 'closed' | 'error'>;

const toBinary = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
const fromBinary = (bytes: string): Uint8Array => new Uint8Array(Buffer.from(bytes, 'latin1'));

class ForgeTlsConnection implements SecureTcpConnection {
  readonly id: string;
  readonly local: TcpConnection['local'];
  readonly remote: TcpConnection['remote'];
  protocol: TlsVersion | undefined;
  cipher: string | undefined;
  tlsError: TlsError | undefined;
  /** Set by the client's `verify` callback: what it rejected, with node's code. */
  verifyFailure: TlsError | undefined;
  /** The client's promise: called once, when the handshake completes or the connection ends first. */
  onHandshake: ((error?: TlsError) => void) | undefined;
  /** forge's chain-validation options (the client's): the real date, refreshed before each engine call. */
  readonly verifyOptions = { validityCheckDate: new Date() };
  readonly callbacks: EngineCallbacks;

  private readonly engine: forge.tls.Connection;
  private readonly bytes: ByteSource;
  private readonly role: 'client' | 'server';
  /** What the engine asked for during the current call (writes, deliveries, closes), run in order once it returns. */
  private readonly queued: Array<() => void> = [];
  private dataHandler: ((data: Uint8Array) => void) | undefined;
  private closeHandler: (() => void) | undefined;
  /** Plaintext received before a data handler was set. */
  private readonly inbox: Uint8Array[] = [];
  /** Plaintext written before the handshake completed. */
  private readonly outbox: string[] = [];
  private firstBytes: Uint8Array | undefined;
  private endRequested = false;
  /** Our side is closed: end() was called or the session is over. */
  private isClosed = false;
  /** The session is over and the seam connection has been (or is being) ended. */
  private torn = false;
  private closeFired = false;

  constructor(
    private readonly raw: TcpConnection,
    random: RandomSource | undefined,
    private readonly onKeylog: ((line: string) => void) | undefined,
    options: (self: ForgeTlsConnection) => EngineOptions,
  ) {
    this.id = raw.id;
    this.local = raw.local;
    this.remote = raw.remote;
    this.bytes = connectionRandomBytes(random ?? (() => Math.random()));
    this.callbacks = {
      tlsDataReady: (c) => {
        const out = c.tlsData.getBytes();
        if (out.length > 0) this.queued.push(() => this.raw.write(fromBinary(out)));
      },
      dataReady: (c) => {
        const text = c.data.getBytes();
        if (text.length > 0) this.queued.push(() => this.deliver(fromBinary(text)));
      },
      connected: (c) => this.connected(c),
      closed: () => this.queued.push(() => this.teardown()),
      error: (_c, ex) => {
        if ((ex as { fatal?: boolean }).fatal === false) return;
        this.tlsError ??= this.verifyFailure ?? engineError(ex, this.role, this.firstBytes);
      },
    };
    const engineOptions = options(this);
    this.role = engineOptions.server ? 'server' : 'client';
    this.engine = forge.tls.createConnection(engineOptions);
    // A client offers TLS 1.0, as 2009's clients did (Java 6's JSSE, Windows Server 2008's SChannel); forge would
    // offer 1.1, and its server answers 1.0 whatever is offered.
    if (this.role === 'client') this.engine.version = { major: 3, minor: 1 };
  }

  /** Starts reading the seam connection. */
  listen(): void {
    this.raw.onData((data) => {
      if (this.torn) return;
      this.firstBytes ??= data.slice(0, 17);
      this.run((e) => e.process(toBinary(data)));
    });
    this.raw.onClose(() => this.rawClosed());
    if (this.raw.closed) this.rawClosed();
  }

  /** Client: sends the ClientHello. */
  start(): void {
    if (this.torn) return;
    this.run((e) => e.handshake());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  write(data: Uint8Array): void {
    if (this.isClosed || this.torn) return;
    const bytes = toBinary(data);
    if (this.protocol === undefined) this.outbox.push(bytes);
    else this.run((e) => e.prepare(bytes));
  }

  /** Sends close_notify, then FIN; the peer sees onClose. Before the handshake completes: after what was written, or at once if nothing was. */
  end(): void {
    if (this.isClosed || this.torn) return;
    this.isClosed = true;
    if (this.protocol !== undefined) this.run((e) => e.close());
    else if (this.outbox.length > 0) this.endRequested = true;
    else this.teardown();
  }

  onData(handler: (data: Uint8Array) => void): void {
    this.dataHandler = handler;
    for (const chunk of this.inbox.splice(0)) handler(chunk);
  }

  onClose(handler: () => void): void {
    this.closeHandler = handler;
    if (this.closeFired) handler();
  }

  /**
   * One synchronous engine call with this connection's random bytes, then what it asked for, in order: its
   * records go to the seam, plaintext to the handler, a close to the seam, all at the instant of the call. A fatal
   * error ends the connection (before the session opened, plain HTTP say, forge closes without its callback).
   */
  private run(call: (engine: forge.tls.Connection) => void): void {
    this.verifyOptions.validityCheckDate = new Date();
    withDeterministicForge(this.bytes, () => call(this.engine));
    if (this.engine.fail) this.queued.push(() => this.teardown());
    for (let next = this.queued.shift(); next; next = this.queued.shift()) next();
  }

  /** Inside the engine: the handshake is done. */
  private connected(c: forge.tls.Connection): void {
    const sp = (c.session as unknown as { sp: { client_random: string; master_secret: string } }).sp;
    this.protocol = c.version.minor >= 2 ? 'TLSv1.1' : 'TLSv1';
    this.cipher = c.session?.cipherSuite?.name;
    const line = `CLIENT_RANDOM ${forge.util.bytesToHex(sp.client_random)} ${forge.util.bytesToHex(sp.master_secret)}\n`;
    for (const bytes of this.outbox.splice(0)) c.prepare(bytes);
    if (this.endRequested) c.close();
    this.queued.push(() => {
      this.onKeylog?.(line);
      const done = this.onHandshake;
      this.onHandshake = undefined;
      done?.();
    });
  }

  private deliver(data: Uint8Array): void {
    if (this.dataHandler) this.dataHandler(data);
    else this.inbox.push(data);
  }

  /** The session is over: FIN on the seam (onClose follows from it). */
  private teardown(): void {
    if (this.torn) return;
    this.torn = true;
    this.isClosed = true;
    this.settleHandshake();
    if (this.raw.closed) this.fireClose();
    else this.raw.end();
  }

  private rawClosed(): void {
    this.torn = true;
    this.isClosed = true;
    this.settleHandshake();
    this.fireClose();
  }

  private settleHandshake(): void {
    const done = this.onHandshake;
    if (!done) return;
    this.onHandshake = undefined;
    done(this.tlsError ?? this.verifyFailure ?? tlsError('ECONNRESET', `TLS to ${this.raw.remote.address}:${this.raw.remote.port}: connection closed during the handshake`));
  }

  private fireClose(): void {
    if (this.closeFired) return;
    this.closeFired = true;
    this.closeHandler?.();
  }
}
