import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { decodeCti, encodeCti } from '../simulators/protocols/cti';
import { decodeSccp, encodeSccp } from '../simulators/protocols/sccp';
import type { TcpConnection } from '../simulators/transport/network';
import { CONNECTIONS_PER_PEER } from '../simulators/transport/stream-limits';
import { scenariosDir } from './support/matrix';

// The doors of every stream port (docs/protocols/stream-limits.md), on the in-memory lab in virtual time: a
// connection that goes silent is closed after the product's idle time (and not before, while the peer keeps
// talking), and an address over its connection limit is refused while another host is still answered.

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

const options = (from: string, callId: string) =>
  bytes([`OPTIONS sip:${from} SIP/2.0`, `Via: SIP/2.0/TCP ${from}:5060;branch=z9hG4bK${callId}`, 'Max-Forwards: 70', `From: <sip:probe@${from}>;tag=${callId}`, `To: <sip:${from}>`, `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'));

interface Door {
  host: string;
  port: number;
  idleMs: number;
  /** A request the server answers, and whether bytes received are that answer. */
  probe: (from: string, n: number) => Uint8Array;
  answered: (received: Uint8Array) => boolean;
}

const sip = (host: string, idleMs: number): Door => ({
  host,
  port: 5060,
  idleMs,
  // The server's own URI as Request-URI: the pool answers an OPTIONS to itself before it challenges anyone.
  probe: (_from, n) => options(`${host === 'ocs-pool1' ? 'pool1.uc.lab' : `${host}.uc.lab`}`, `door-${host}-${n}`),
  answered: (r) => /^SIP\/2\.0 200 /.test(text(r)),
});
const http = (host: string, port: number, idleMs: number): Door => ({
  host,
  port,
  idleMs,
  probe: () => bytes(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
  answered: (r) => /^HTTP\/1\.1 \d{3} /.test(text(r)),
});

const DOORS: [string, Door][] = [
  ['CUCM SCCP (2 × KeepAlive interval + 10 %)', { host: 'cucm', port: 2000, idleMs: 66_000, probe: () => encodeSccp({ name: 'KeepAlive' }), answered: (r) => decodeSccp(r).ok && (decodeSccp(r) as { value: { name: string } }).value.name === 'KeepAliveAck' }],
  ['CUCM CTIManager (2 × heartbeat interval)', { host: 'cucm', port: 2748, idleMs: 60_000, probe: (_f, n) => encodeCti({ type: 'HeartbeatRequest' }, n), answered: (r) => { const f = decodeCti(r); return f.ok && f.value.message.type === 'HeartbeatResponse'; } }],
  ['OCS front end SIP (3 × ms-keep-alive 300 s)', sip('ocs-pool1', 900_000)],
  ['CUP SIP', sip('cup', 900_000)],
  ['CUCM SIP line side (2 × registration)', sip('cucm', 7_200_000)],
  ['CUCM phone services HTTP (Tomcat)', http('cucm', 8080, 20_000)],
  ['Exchange OWA HTTP (IIS 6)', http('exchange', 80, 120_000)],
];

describe('idle timeouts and per-address limits on every stream port', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
  });
  afterAll(async () => {
    await lab.stop();
  });

  const wait = (ms: number) => lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(ms, resolve)), ms + 1000, `${ms} ms`);
  async function open(from: string, door: Door): Promise<{ connection: TcpConnection; received: Uint8Array[] }> {
    const connection = await lab.driver.complete(lab.network.host(from).connectTcp({ address: lab.network.host(door.host).address, port: door.port }), 5000, 'connect');
    const received: Uint8Array[] = [];
    connection.onData((d) => received.push(d));
    return { connection, received };
  }
  async function ask(from: string, door: Door, n: number): Promise<boolean> {
    const { connection, received } = await open(from, door);
    connection.write(door.probe(lab.network.host(from).address, n));
    await lab.driver.runUntil(() => received.length > 0, 5000);
    connection.end();
    return received.length > 0 && door.answered(received[0] as Uint8Array);
  }

  it.each(DOORS)('%s: a silent connection is closed after its idle time; one that keeps talking stays', async (_name, door) => {
    const silent = await open('pc-erin', door);
    const talking = await open('pc-dave', door);
    await wait(door.idleMs / 2);
    talking.connection.write(door.probe(lab.network.host('pc-dave').address, 1));
    await wait(door.idleMs / 2 - 1000);
    expect(silent.connection.closed).toBe(false);
    await wait(2000);
    // The silent one (a half-open peer) is gone; the other was heard half-way and has half its idle time left.
    expect(silent.connection.closed).toBe(true);
    expect(talking.connection.closed).toBe(false);
    expect(door.answered(talking.received[0] ?? new Uint8Array())).toBe(true);
    await wait(door.idleMs / 2 + 1000);
    expect(talking.connection.closed).toBe(true);
  });

  it.each([['exchange', 80], ['cucm', 8080]] as const)('%s HTTP %s answers a body announced over 1 MiB with 413 and closes, and serves the next connection (RFC 2616 §10.4.14)', async (host, port) => {
    const door = http(host, port, 0);
    const { connection, received } = await open('pc-erin', door);
    connection.write(bytes(`PUT /x HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100000000\r\n\r\n${'x'.repeat(64 * 1024)}`));
    await lab.driver.runUntil(() => connection.closed, 5000);
    expect(text(received[0] ?? new Uint8Array()).split('\r\n')[0]).toBe('HTTP/1.1 413 Request Entity Too Large');
    expect(connection.closed).toBe(true);
    expect(await ask('pc-dave', door, 3)).toBe(true);
  });

  it.each(DOORS)('%s: an address over its connection limit is refused while another host is answered', async (_name, door) => {
    const held = [];
    for (let i = 0; i < CONNECTIONS_PER_PEER; i++) held.push(await open('pc-erin', door));
    const refused = await open('pc-erin', door);
    await lab.driver.runUntil(() => refused.connection.closed, 1000);
    expect(refused.connection.closed).toBe(true);
    expect(held.every((h) => !h.connection.closed)).toBe(true);
    expect(await ask('pc-dave', door, 2)).toBe(true);
    // One of the address's connections closes: the address may open another.
    held.pop()?.connection.end();
    await wait(100);
    const again = await open('pc-erin', door);
    await wait(100);
    expect(again.connection.closed).toBe(false);
    for (const h of [...held, again]) h.connection.end();
    await wait(100);
  });
});
