import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { PcapWriter } from '../../../harness/trace/pcap-writer';
import { tsharkInstalled } from '../../../test/support/tshark-evidence';
import { VirtualClock, WallClock } from '../../kernel/clock';
import { seededRandom } from '../../kernel/random';
import type { CaptureSink } from '../capture';
import { IpIdAllocator, TcpFlowTracker } from '../ip-packet';
import { MemoryNetwork } from '../memory-network';
import type { HostNetwork, Network, TcpConnection } from '../network';
import { SocketNetwork } from '../socket-network';
import type { IssuedCertificate, LabCa } from './lab-ca';
import { LAB_VALIDITY, createLabCa, issueServerCertificate, selfSignedServerCertificate } from './lab-ca';
import { LAB_CA_KEY, LAB_KEYS, labKeyFor } from './lab-keys';
import { LabPki } from './lab-pki';
import type { SecureTcpConnection } from './tls-seam';
import { connectionRandomBytes, secureClientConnection, secureServerConnection } from './tls-seam';

const { X509Certificate } = jest.requireActual<typeof import('node:crypto')>('node:crypto');

const text = (d: Uint8Array): string => Buffer.from(d).toString('latin1');
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

const REQUEST = 'GET /owa/ HTTP/1.1\r\nHost: exchange.uc.lab\r\nAuthorization: Basic Y3VwOmxhYg==\r\n\r\n';
const RESPONSE = ['HTTP/1.1 200 OK\r\n', 'Content-Type: text/html\r\nContent-Length: 21\r\n\r\n', '<html>OWA 2007</html>'];
const KEYLOG_LINE = /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/;
/** 2009-05-01 09:00:00 UTC, the lab epoch, as the hello randoms' gmt_unix_time. */
const HELLO_TIME = '49faba10';

const ca = createLabCa('UC Lab Root CA');
const exchange = issueServerCertificate(ca, { commonName: 'exchange.uc.lab', altNames: ['owa.uc.lab', '192.0.2.20'] });

// The engine's hooks are swapped only inside each synchronous forge call.
const realDate = Date;
const realGetBytes = forge.random.getBytes;
afterEach(() => {
  expect(Date).toBe(realDate);
  expect(forge.random.getBytes).toBe(realGetBytes);
});

interface ServerSide {
  readonly got: string[];
  readonly keylog: string[];
  readonly closed: SecureTcpConnection[];
  readonly connections: SecureTcpConnection[];
}

/** Serves each request in three writes, then closes (HTTP/1.1 `Connection: close` style). */
function owaHandler(side: ServerSide, wrap: (raw: TcpConnection) => SecureTcpConnection): (raw: TcpConnection) => void {
  return (raw) => {
    const conn = wrap(raw);
    side.connections.push(conn);
    let request = '';
    conn.onData((d) => {
      request += text(d);
      if (!request.endsWith('\r\n\r\n')) return;
      side.got.push(request);
      for (const part of RESPONSE) conn.write(bytes(part));
      conn.end();
    });
    conn.onClose(() => {
      side.closed.push(conn);
      changed();
    });
  };
}

/** Conditions waited on over real sockets, re-checked whenever a connection closes (no timer polls them). */
const waiting = new Set<() => void>();
const changed = (): void => waiting.forEach((check) => check());
const until = (cond: () => boolean): Promise<void> =>
  new Promise((resolve) => {
    const check = (): void => {
      if (!cond()) return;
      waiting.delete(check);
      resolve();
    };
    waiting.add(check);
    check();
  });

const newSide = (): ServerSide => ({ got: [], keylog: [], closed: [], connections: [] });

/** An OWA-like HTTPS listener on the seam with `cert`. */
async function serveOwa(host: HostNetwork, port: number, cert: IssuedCertificate, random = seededRandom(7)): Promise<{ side: ServerSide; port: number }> {
  const side = newSide();
  const wrap = (raw: TcpConnection): SecureTcpConnection => secureServerConnection(raw, { key: cert.keyPem, cert: cert.certPem, random, onKeylog: (line) => side.keylog.push(line) });
  const server = await host.listenTcp(port, owaHandler(side, wrap));
  return { side, port: server.local.port };
}

interface ClientResult {
  conn: SecureTcpConnection;
  keylog: string[];
  received: () => string;
  closed: () => boolean;
}

/** Wraps the client side; once the handshake is done, sends the request. */
function afterHandshake(conn: SecureTcpConnection, keylog: string[]): ClientResult {
  let received = '';
  let closed = false;
  conn.onData((d) => {
    received += text(d);
  });
  conn.onClose(() => {
    closed = true;
    changed();
  });
  conn.write(bytes(REQUEST));
  return { conn, keylog, received: () => received, closed: () => closed };
}

async function openOwa(raw: TcpConnection, servername: string, trust: LabCa | string, random = seededRandom(11)): Promise<ClientResult> {
  const keylog: string[] = [];
  const conn = await secureClientConnection(raw, { servername, ca: [typeof trust === 'string' ? trust : trust.certPem], random, onKeylog: (l) => keylog.push(l) });
  return afterHandshake(conn, keylog);
}

interface WireRecord {
  t: number;
  fromClient: boolean;
  data: Uint8Array;
}

function memoryLab(options: { pcap?: boolean } = {}) {
  const clock = new VirtualClock();
  const wire: WireRecord[] = [];
  const fins: Array<{ t: number; fromClient: boolean }> = [];
  const pcap = new PcapWriter();
  const tcp = new TcpFlowTracker({ ipIds: new IpIdAllocator() });
  const epoch = clock.date().getTime();
  const capture: CaptureSink = {
    udp: () => undefined,
    tcpOpen: (t, id, client, server) => {
      if (options.pcap) for (const p of tcp.open({ id, client, server })) pcap.add(epoch + t, p);
    },
    tcpData: (t, id, fromClient, data) => {
      wire.push({ t, fromClient, data });
      if (options.pcap) for (const p of tcp.data(id, fromClient, data)) pcap.add(epoch + t, p);
    },
    tcpClose: (t, id, fromClient) => {
      fins.push({ t, fromClient });
      if (options.pcap) for (const p of tcp.close(id, fromClient)) pcap.add(epoch + t, p);
    },
  };
  const net = new MemoryNetwork({ clock, random: seededRandom(7), capture, defaultLatencyMs: 2 });
  const cup = net.addHost('cup', '192.0.2.10');
  const exchangeHost = net.addHost('exchange', '192.0.2.20');
  /** Drives virtual time (the scheduler as it is: no extra turns) until the promise settles. */
  const drive = async <T>(promise: Promise<T>, withinMs = 1000): Promise<T> => {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    const ok = await clock.runUntil(() => done, clock.now() + withinMs);
    if (!ok) throw new Error(`not settled within ${withinMs} ms of virtual time`);
    return tracked;
  };
  const connect = (): Promise<TcpConnection> => drive(cup.connectTcp({ address: exchangeHost.address, port: 443 }));
  return { clock, net, wire, fins, pcap, cup, exchangeHost, drive, connect };
}

/** One whole OWA exchange through LabPki (the lab's API) over the in-memory network, seeded with `seed`. */
async function labExchange(seed: number, options: { pcap?: boolean } = {}) {
  const lab = memoryLab(options);
  const keylog: string[] = [];
  const random = seededRandom(seed);
  const pki = new LabPki('UC Lab Root CA', (line) => keylog.push(line), random);
  const side = newSide();
  await lab.exchangeHost.listenTcp(443, owaHandler(side, pki.server('exchange.uc.lab', 'lab-ca') as (raw: TcpConnection) => SecureTcpConnection));
  const raw = await lab.connect();
  const conn = (await lab.drive(pki.client(() => true)(raw, 'exchange.uc.lab'))) as SecureTcpConnection;
  const client = afterHandshake(conn, keylog);
  const ok = await lab.clock.runUntil(() => client.closed() && side.closed.length === 1, lab.clock.now() + 1000);
  return { ...lab, ok, client, side, keylog, random };
}

describe('lab CA (forge, fixed keys, deterministic signatures)', () => {
  it('issues a server certificate node accepts for its SAN names, valid around the lab epoch and today', () => {
    const leaf = new X509Certificate(exchange.certPem);
    const root = new X509Certificate(ca.certPem);
    expect(root.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:exchange.uc.lab, DNS:owa.uc.lab, IP Address:192.0.2.20');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.subject).toBe('CN=exchange.uc.lab');
    expect(leaf.issuer).toBe('CN=UC Lab Root CA');
    expect(leaf.publicKey.asymmetricKeyType).toBe('rsa');
    expect(leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(new Date(leaf.validFrom)).toEqual(LAB_VALIDITY.notBefore);
    expect(new Date(leaf.validTo)).toEqual(LAB_VALIDITY.notAfter);
    expect(new Date(leaf.validFrom) <= new VirtualClock().date() && new Date() <= new Date(leaf.validTo)).toBe(true);
    // sha256WithRSAEncryption (PKCS#1 v1.5).
    expect(forge.pki.certificateFromPem(exchange.certPem).siginfo.algorithmOid).toBe('1.2.840.113549.1.1.11');
  });

  it('is a pure function of the names: same bytes every time, serials and keys fixed per name', () => {
    // The memo is per process, so rebuild from forge to prove the DER itself is reproducible.
    const again = forge.pki.certificateFromPem(exchange.certPem);
    const { getTBSCertificate } = forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
    const tbs = forge.asn1.toDer(getTBSCertificate(again)).getBytes();
    const key = forge.pki.privateKeyFromPem(LAB_CA_KEY) as forge.pki.rsa.PrivateKey;
    const md = forge.md.sha256.create();
    md.update(tbs);
    expect(key.sign(md)).toBe(again.signature); // RSASSA-PKCS1-v1_5: one signature per message and key
    expect(issueServerCertificate(ca, { commonName: 'exchange.uc.lab', altNames: ['owa.uc.lab', '192.0.2.20'] }).certPem).toBe(exchange.certPem);
    expect(exchange.serial).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{14}$/); // 8 octets, positive, minimal DER
    expect(exchange.keyPem).toBe(labKeyFor('exchange.uc.lab'));
    expect(labKeyFor('EXCHANGE.uc.lab')).toBe(labKeyFor('exchange.uc.lab'));
    expect(LAB_KEYS.length).toBeGreaterThan(2);
    for (const name of ['exchange.uc.lab', 'mail.uc.lab', 'Untrusted CA', 'owa.example.com']) expect(labKeyFor(name)).not.toBe(LAB_CA_KEY);
  });

  it('makes a self-signed certificate with the server key, a different issuer from the lab CA', () => {
    const self = selfSignedServerCertificate({ commonName: 'exchange.uc.lab' });
    const cert = new X509Certificate(self.certPem);
    expect(cert.issuer).toBe('CN=exchange.uc.lab');
    expect(cert.subject).toBe('CN=exchange.uc.lab');
    expect(cert.ca).toBe(false);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(false);
    expect(self.caPem).toBe(self.certPem);
  });
});

describe('TLS over the in-memory seam (virtual clock)', () => {
  it('completes a TLS 1.0 handshake in 2 RTT inside runUntil and carries HTTP both ways, ciphertext only on the wire', async () => {
    const { clock, wire, fins, exchangeHost, drive, connect } = memoryLab();
    const { side } = await serveOwa(exchangeHost, 443, exchange);
    const raw = await connect();
    const connectedAt = clock.now();
    const client = await drive(openOwa(raw, 'exchange.uc.lab', ca));
    expect(clock.now() - connectedAt).toBe(8); // RSA key exchange, full handshake: 2 × (2 × 2 ms)
    expect(client.conn.protocol).toBe('TLSv1');
    expect(client.conn.cipher).toBe('TLS_RSA_WITH_AES_128_CBC_SHA');
    await clock.runUntil(() => client.closed() && side.closed.length === 1, clock.now() + 1000);

    expect(side.got).toEqual([REQUEST]);
    expect(client.received()).toBe(RESPONSE.join(''));
    expect(side.connections[0]?.protocol).toBe('TLSv1');
    expect(side.connections[0]?.tlsError).toBeUndefined();
    expect(client.conn.tlsError).toBeUndefined();

    // forge is synchronous: every flight leaves at the instant of the delivery it answers, with the scheduler as it is.
    const instants = (fromClient: boolean): number[] => [...new Set(wire.filter((w) => w.fromClient === fromClient).map((w) => w.t))];
    expect(instants(true)).toEqual([2, 6, 10, 14]); // ClientHello; ClientKeyExchange + CCS + Finished; request; close_notify
    expect(instants(false)).toEqual([4, 8, 12]); // ServerHello … Done; CCS + Finished; 3-record response + close_notify
    expect(fins).toEqual([
      { t: 12, fromClient: false },
      { t: 14, fromClient: true },
    ]);

    const all = wire.map((w) => text(w.data)).join('');
    expect(all).not.toContain('GET /owa/');
    expect(all).not.toContain('OWA 2007');
    const [hello, serverHello] = wire;
    expect(hex(hello?.data.subarray(0, 6) ?? new Uint8Array())).toBe('160301004901'); // handshake record, ClientHello
    expect(hex(hello?.data.subarray(9, 15) ?? new Uint8Array())).toBe(`0301${HELLO_TIME}`); // offers TLS 1.0
    expect(hex(serverHello?.data.subarray(0, 6) ?? new Uint8Array())).toBe('160301004a02'); // ServerHello, TLS 1.0
    expect(hex(serverHello?.data.subarray(9, 15) ?? new Uint8Array())).toBe(`0301${HELLO_TIME}`);
    // Every record is TLS 1.0 (0x03 0x01).
    expect(wire.every((w) => hex(w.data.subarray(1, 3)) === '0301')).toBe(true);

    // Key log: one NSS line from each end, keyed by the ClientHello's random, the same master secret on both sides.
    const clientRandom = hex(hello?.data.subarray(11, 43) ?? new Uint8Array());
    expect(client.keylog).toHaveLength(1);
    expect(client.keylog[0]).toMatch(KEYLOG_LINE);
    expect(client.keylog[0]?.split(' ')[1]).toBe(clientRandom);
    expect(side.keylog).toEqual(client.keylog);
  });

  it('sends what the server wrote before the handshake completed once it has', async () => {
    const { clock, exchangeHost, drive, connect } = memoryLab();
    await exchangeHost.listenTcp(443, (raw) => {
      const conn = secureServerConnection(raw, { key: exchange.keyPem, cert: exchange.certPem, random: seededRandom(1) });
      conn.write(bytes('220 greeting\r\n'));
      conn.end();
    });
    const conn = await drive(secureClientConnection(await connect(), { servername: 'owa.uc.lab', ca: [ca.certPem], random: seededRandom(2) }));
    let got = '';
    let closed = false;
    conn.onData((d) => (got += text(d)));
    conn.onClose(() => (closed = true));
    await clock.runUntil(() => closed, clock.now() + 100);
    expect(got).toBe('220 greeting\r\n');
  });

  it('gives byte-identical TLS for the same seed and different bytes for another, 8 draws per connection', async () => {
    const first = await labExchange(7);
    const second = await labExchange(7);
    const other = await labExchange(8);
    for (const run of [first, second, other]) {
      expect(run.ok).toBe(true);
      expect(run.client.received()).toBe(RESPONSE.join(''));
    }
    const transcript = (w: WireRecord[]): string[] => w.map((r) => `${r.t} ${r.fromClient ? 'c' : 's'} ${hex(r.data)}`);
    expect(transcript(second.wire)).toEqual(transcript(first.wire));
    expect(second.keylog).toEqual(first.keylog);
    expect(first.keylog).toHaveLength(1); // both ends report the same line; LabPki's key log writes it once
    expect(first.keylog[0]).toMatch(KEYLOG_LINE);

    // Another seed: the same shape (record sizes, instants), every random-bearing record different.
    expect(other.wire.map((r) => `${r.t} ${r.data.length}`)).toEqual(first.wire.map((r) => `${r.t} ${r.data.length}`));
    expect(other.keylog[0]).not.toBe(first.keylog[0]);
    // Every record carries something random-derived (a hello random, the encrypted premaster, keys), so every one differs.
    const same = first.wire.filter((r, i) => hex(r.data) === hex(other.wire[i]?.data ?? new Uint8Array()));
    expect(same).toEqual([]);

    // Each TLS connection (client and server) drew exactly 8 numbers from the lab's generator.
    const reference = seededRandom(7);
    for (let i = 0; i < 16; i++) reference();
    expect(first.random()).toBe(reference());
  });

  it('writes byte-identical pcaps for the same seed', async () => {
    const a = await labExchange(7, { pcap: true });
    const b = await labExchange(7, { pcap: true });
    const c = await labExchange(8, { pcap: true });
    expect(Buffer.from(b.pcap.toBytes()).equals(Buffer.from(a.pcap.toBytes()))).toBe(true);
    expect(Buffer.from(c.pcap.toBytes()).equals(Buffer.from(a.pcap.toBytes()))).toBe(false);
    expect(c.pcap.packetCount).toBe(a.pcap.packetCount);
  });

  it('rejects a server whose certificate comes from a CA the client does not trust; the server sees the alert and the close', async () => {
    const { cup, exchangeHost, drive, clock } = memoryLab();
    const pki = new LabPki('UC Lab Root CA', () => undefined, seededRandom(3));
    const side = newSide();
    await exchangeHost.listenTcp(443, owaHandler(side, pki.server('exchange.uc.lab', 'lab-ca') as (raw: TcpConnection) => SecureTcpConnection));
    const raw = await drive(cup.connectTcp({ address: exchangeHost.address, port: 443 }));
    // CUP without the lab CA in its trust store.
    await expect(drive(pki.client(() => false)(raw, 'exchange.uc.lab'))).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await clock.runUntil(() => side.closed.length === 1, clock.now() + 1000);
    expect(side.closed).toHaveLength(1);
    expect(side.got).toEqual([]);
    expect(side.connections[0]?.tlsError).toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
  });

  it('rejects a certificate from a rogue CA with the trusted CA’s name but another key', async () => {
    const { exchangeHost, drive, clock, connect } = memoryLab();
    const rogue = issueServerCertificate(createLabCa('UC Lab Root CA', { keyPem: labKeyFor('rogue') }), { commonName: 'exchange.uc.lab' });
    const { side } = await serveOwa(exchangeHost, 443, rogue);
    await expect(drive(openOwa(await connect(), 'exchange.uc.lab', ca))).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await clock.runUntil(() => side.closed.length === 1, clock.now() + 1000);
    expect(side.connections[0]?.tlsError).toMatchObject({ code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' });
  });

  it('rejects a self-signed server certificate even when the client trusts the lab CA', async () => {
    const { cup, exchangeHost, drive, clock } = memoryLab();
    const pki = new LabPki('UC Lab Root CA', () => undefined, seededRandom(3));
    const side = newSide();
    await exchangeHost.listenTcp(443, owaHandler(side, pki.server('exchange.uc.lab', 'self-signed') as (raw: TcpConnection) => SecureTcpConnection));
    const raw = await drive(cup.connectTcp({ address: exchangeHost.address, port: 443 }));
    await expect(drive(pki.client(() => true)(raw, 'exchange.uc.lab'))).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await clock.runUntil(() => side.closed.length === 1, clock.now() + 1000);
    expect(side.closed).toHaveLength(1);
  });

  it('rejects a certificate that does not name the server asked for (DNS and IP)', async () => {
    const { exchangeHost, drive, clock, connect } = memoryLab();
    const { side } = await serveOwa(exchangeHost, 443, exchange);
    const wrong = drive(openOwa(await connect(), 'mail.uc.lab', ca));
    await expect(wrong).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await expect(wrong).rejects.toThrow("Host: mail.uc.lab. is not in the cert's altnames: DNS:exchange.uc.lab, DNS:owa.uc.lab, IP Address:192.0.2.20");
    await expect(drive(openOwa(await connect(), '192.0.2.99', ca))).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    const byIp = await drive(openOwa(await connect(), '192.0.2.20', ca));
    await clock.runUntil(() => byIp.closed(), clock.now() + 1000);
    expect(byIp.received()).toBe(RESPONSE.join(''));
    expect(side.connections.map((c) => c.tlsError?.code)).toEqual(['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', undefined]);
    expect(side.closed).toHaveLength(3);
    expect(side.got).toEqual([REQUEST]);
  });

  it('rejects an expired certificate (judged on the real clock, as OpenSSL does)', async () => {
    const { exchangeHost, drive, clock, connect } = memoryLab();
    const expired = issueServerCertificate(ca, {
      commonName: 'exchange.uc.lab',
      validity: { notBefore: new Date(Date.UTC(2009, 0, 1)), notAfter: new Date(Date.UTC(2010, 0, 1)) },
    });
    const { side } = await serveOwa(exchangeHost, 443, expired);
    await expect(drive(openOwa(await connect(), 'exchange.uc.lab', ca))).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
    await clock.runUntil(() => side.closed.length === 1, clock.now() + 1000);
    expect(side.connections[0]?.tlsError).toMatchObject({ code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED' });
  });

  it('closes a connection that speaks plain HTTP to the TLS port, saying why', async () => {
    const { exchangeHost, clock, connect } = memoryLab();
    const { side } = await serveOwa(exchangeHost, 443, exchange);
    const raw = await connect();
    let rawClosed = false;
    raw.onClose(() => {
      rawClosed = true;
    });
    raw.write(bytes(REQUEST));
    await clock.runUntil(() => side.closed.length === 1 && rawClosed, clock.now() + 1000);
    expect(side.connections[0]?.tlsError).toMatchObject({ code: 'ERR_SSL_HTTP_REQUEST' });
    expect(rawClosed).toBe(true);
    expect(side.got).toEqual([]);
  });

  it('draws every random byte from a per-connection stream of its seed', () => {
    const a = connectionRandomBytes(seededRandom(5));
    const b = connectionRandomBytes(seededRandom(5));
    const first = a(5) + a(40);
    expect(first).toBe(b(45));
    expect(first).not.toBe(connectionRandomBytes(seededRandom(6))(45));
  });
});

const haveTshark = tsharkInstalled;
const tsharkIt = haveTshark ? it : it.skip;

describe('the capture decrypts with the key log (tshark)', () => {
  tsharkIt(`${haveTshark ? '' : '[SKIPPED: tshark is not on PATH] '}tshark decodes the HTTP inside the TLS 1.0 records in clear, with no malformed frames`, async () => {
    const run = await labExchange(7, { pcap: true });
    expect(run.ok).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'uc-lab-tls-'));
    try {
      const pcapFile = join(dir, 'owa.pcap');
      const keysFile = join(dir, 'owa.keys');
      writeFileSync(pcapFile, run.pcap.toBytes());
      writeFileSync(keysFile, run.keylog.join(''));
      const shark = (...args: string[]): string => {
        const r = spawnSync('tshark', ['-n', '-r', pcapFile, ...args], { encoding: 'utf8' });
        expect(r.status).toBe(0);
        return r.stdout.trim();
      };
      const keylog = `tls.keylog_file:${keysFile}`;
      const http = shark('-o', keylog, '-Y', 'http', '-T', 'fields', '-e', 'http.request.method', '-e', 'http.request.uri', '-e', 'http.response.code', '-e', 'http.file_data');
      const rows = http.split('\n').map((l) => l.split('\t'));
      expect(rows).toHaveLength(2);
      expect(rows[0]?.slice(0, 2)).toEqual(['GET', '/owa/']);
      expect(rows[1]?.[2]).toBe('200');
      expect(rows[1]?.[3]).toContain('OWA 2007');
      expect(shark('-o', keylog, '-Y', '_ws.malformed || _ws.expert.severity == error')).toBe('');
      expect(shark('-o', keylog, '-Y', 'tls', '-T', 'fields', '-e', 'tls.record.version').split('\n')).toContain('0x0301');
      // Without the key log the same capture shows no HTTP at all: the clear text came from decryption.
      expect(shark('-Y', 'http')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLS over real sockets (127.0.6.x, wall clock)', () => {
  let net: Network | undefined;
  let clock: WallClock | undefined;
  afterEach(async () => {
    await net?.close();
    clock?.clearAll();
  });

  const socketLab = () => {
    clock = new WallClock();
    const n = new SocketNetwork({ clock, addressPrefix: '127.0.6' });
    net = n;
    return { cup: n.addHost('cup', '192.0.2.10'), exchangeHost: n.addHost('exchange', '192.0.2.20') };
  };


  it('completes the handshake through LabPki and carries HTTP both ways, with key log lines', async () => {
    const { cup, exchangeHost } = socketLab();
    expect(exchangeHost.address).toMatch(/^127\.0\.6\./);
    const keylog: string[] = [];
    const pki = new LabPki('UC Lab Root CA', (line) => keylog.push(line));
    const side = newSide();
    const server = await exchangeHost.listenTcp(0, owaHandler(side, pki.server('exchange.uc.lab', 'lab-ca') as (raw: TcpConnection) => SecureTcpConnection));
    const raw = await cup.connectTcp({ address: exchangeHost.address, port: server.local.port });
    const client = afterHandshake((await pki.client(() => true)(raw, 'exchange.uc.lab')) as SecureTcpConnection, []);
    await until(() => client.closed() && side.closed.length === 1);
    expect(side.got).toEqual([REQUEST]);
    expect(client.received()).toBe(RESPONSE.join(''));
    expect(client.conn.protocol).toBe('TLSv1');
    expect(keylog).toHaveLength(1);
    expect(keylog[0]).toMatch(KEYLOG_LINE);
  });

  it('rejects an untrusted CA and a wrong name; the server sees the connection close', async () => {
    const { cup, exchangeHost } = socketLab();
    const rogue = issueServerCertificate(createLabCa('Rogue CA', { keyPem: labKeyFor('Rogue CA') }), { commonName: 'exchange.uc.lab' });
    const { side, port } = await serveOwa(exchangeHost, 0, rogue, Math.random);
    const first = await cup.connectTcp({ address: exchangeHost.address, port });
    await expect(openOwa(first, 'exchange.uc.lab', ca, Math.random)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    const good = await serveOwa(exchangeHost, 0, exchange, Math.random);
    const second = await cup.connectTcp({ address: exchangeHost.address, port: good.port });
    await expect(openOwa(second, '127.0.6.99', ca, Math.random)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await until(() => side.closed.length === 1 && good.side.closed.length === 1);
    expect(side.got).toEqual([]);
    expect(good.side.got).toEqual([]);
    expect(side.connections[0]?.tlsError?.code).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  });
});
