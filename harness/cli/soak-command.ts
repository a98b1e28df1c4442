import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { CtiFramer, encodeCti, encodeSccp, HttpStreamFramer, SccpFramer, SipStreamFramer } from '../../simulators';
import { loadLabById } from '../lab/load-lab';
import { startServedLab } from './serve-command';

export interface SoakOptions {
  scenarios: string;
  /** Loopback block of the lab (127.a.b); default: the first of 127.0.200–127.0.254 where nothing listens. */
  prefix?: string;
  requests: number;
  /** Requests in flight per client socket. */
  window: number;
  logs?: string;
}

/** One client socket of the soak: a kind of request sent over and over, its answers counted. */
interface Client {
  readonly name: string;
  /** Opens (or reopens) the socket. */
  open(): Promise<void>;
  /** Sends request number `n`; true when an answer is expected. */
  send(n: number): boolean;
  answered: number;
  /** The server closed the connection (after junk): it is opened again before the next batch. */
  broken(): boolean;
  close(): void;
}

const text = (s: string): Buffer => Buffer.from(s, 'latin1');

/**
 * `uc-lab soak [lab]`: the lab of `uc-lab serve` in this process, and a few client sockets that send it `requests` mixed
 * requests — OPTIONS and malformed lines to CUP over UDP, REGISTERs with a failing NTLM AUTHENTICATE to the pool over
 * TCP, SCCP KeepAlives to CUCM, CTI heartbeats and junk to CTIManager, HTTP GETs to Exchange and to CUCM's phone
 * services — then prints RSS and heap at the start (after a warm-up of 1 %) and at the end, and the growth. Not a
 * test: a measurement (README, Measured).
 */
export async function runSoakCommand(labId: string, opts: SoakOptions): Promise<number> {
  const lab = loadLabById(labId, opts.scenarios);
  const prefix = opts.prefix ?? (await freeBlock());
  const served = await startServedLab(lab, { prefix, ...(opts.logs ? { logs: opts.logs } : {}) });
  const { runtime } = served;
  const at = (host: string) => runtime.network.host(host).address;
  const pool = lab.ocs.pools[0];
  if (!pool) throw new Error(`lab ${lab.id} has no OCS pool`);
  const http = runtime.context.httpPorts.http;
  // Client addresses at the top of the block, away from the lab's hosts.
  const local = (i: number) => `${prefix}.${250 - i}`;
  const clients: Client[] = [
    sipUdp(local(0), at(lab.cup.host)),
    sipTcpRegister(local(1), at(pool.host), pool.host),
    sccp(local(2), at(lab.cucm.host)),
    cti(local(3), at(lab.cucm.host)),
    httpGet(local(4), at(lab.cucm.host), 8080, '/ccmcip/'),
    ...(lab.exchange ? [httpGet(local(5), at(lab.exchange.host), http, '/exchange/')] : []),
  ];
  process.stdout.write(`soak: lab ${lab.id} on ${prefix}.x, ${opts.requests.toLocaleString('en')} requests over ${clients.length} client sockets (${clients.map((c) => c.name).join(', ')}); logs: ${served.spill.dir}\n`);
  for (const c of clients) await c.open();

  const perClient = Math.ceil(opts.requests / clients.length);
  // The start figure is read once the lab is at its steady state: 1 % of the requests taken (code compiled, buffers
  // sized) and 40 s at full load (each UDP transaction lives 32 s, RFC 3261 Timer J; the log ring has filled).
  const warmUp = Math.max(Math.ceil(opts.requests / 100), 10_000);
  const warmUpMs = 40_000;
  let start: ReturnType<typeof measure> | undefined;
  let lost = 0;
  let sent = 0;
  const began = Date.now();
  let startedAt = began;
  let sentAtStart = 0;
  await Promise.all(
    clients.map(async (client) => {
      for (let n = 0; n < perClient; ) {
        const before = client.answered;
        let expected = 0;
        const batch = Math.min(opts.window, perClient - n);
        for (let j = 0; j < batch; j++, n++) if (client.send(n)) expected++;
        sent += batch;
        const complete = await until(() => client.answered - before >= expected, 5000);
        if (!complete) lost += expected - (client.answered - before);
        if (!complete || client.broken()) {
          client.close();
          await client.open();
        }
        if (start === undefined && sent >= warmUp && Date.now() - began >= warmUpMs) {
          start = measure();
          startedAt = Date.now();
          sentAtStart = sent;
          process.stdout.write(`start (after ${sent.toLocaleString('en')} requests): ${format(start)}\n`);
        }
      }
    }),
  );
  const end = measure();
  const seconds = (Date.now() - startedAt) / 1000;
  const answered = clients.reduce((s, c) => s + c.answered, 0);
  process.stdout.write(`end (after ${sent.toLocaleString('en')} requests, ${answered.toLocaleString('en')} answers, ${lost} unanswered): ${format(end)}\n`);
  if (start === undefined) {
    process.stdout.write(`growth: not measured — the run ended inside the warm-up (${warmUp.toLocaleString('en')} requests and ${warmUpMs / 1000} s); ask for more --requests\n`);
    for (const c of clients) c.close();
    await served.stop();
    return lost > opts.requests / 1000 ? 1 : 0;
  }
  const s = start;
  const growth = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
  process.stdout.write(`growth: RSS ${growth(s.rss, end.rss)}, heap ${growth(s.heap, end.heap)}; ${Math.round((sent - sentAtStart) / seconds).toLocaleString('en')} requests/s after the warm-up, ${((Date.now() - began) / 1000).toFixed(0)} s in all\n`);
  for (const c of clients) c.close();
  await served.stop();
  return lost > opts.requests / 1000 ? 1 : 0;
}

/** RSS, and the heap in use and reserved (after a full collection when `--expose-gc` is on, as `uc-lab soak` runs). */
function measure(): { rss: number; heap: number; heapTotal: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal };
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
const format = (m: ReturnType<typeof measure>): string => `RSS ${mib(m.rss)}, heap ${mib(m.heap)} in use of ${mib(m.heapTotal)}`;

function until(condition: () => boolean, withinMs: number): Promise<boolean> {
  const started = Date.now();
  return new Promise((resolve) => {
    const poll = (): void => {
      if (condition()) resolve(true);
      else if (Date.now() - started > withinMs) resolve(false);
      else setImmediate(poll);
    };
    poll();
  });
}

/** The first block of 127.0.200–254 whose .1 has nothing listening on 5060. */
async function freeBlock(): Promise<string> {
  for (let b = 200; b <= 254; b++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(5060, `127.0.${b}.1`, () => probe.close(() => resolve(true)));
    });
    if (free) return `127.0.${b}`;
  }
  throw new Error('no free loopback block in 127.0.200–127.0.254: give --prefix');
}

function tcpClient(name: string, localAddress: string, address: string, port: number, onData: (client: Client, data: Uint8Array) => void, send: (socket: Socket, n: number) => boolean): Client {
  let socket: Socket | undefined;
  const client: Client = {
    name,
    answered: 0,
    open: () =>
      new Promise((resolve, reject) => {
        const s = connect({ host: address, port, localAddress });
        s.setNoDelay(true);
        s.once('connect', () => resolve());
        s.once('error', reject);
        s.on('data', (d) => onData(client, new Uint8Array(d)));
        s.on('error', () => undefined);
        socket = s;
      }),
    send: (n) => (socket && !socket.destroyed ? send(socket, n) : false),
    broken: () => !socket || socket.destroyed,
    close: () => {
      socket?.destroy();
      socket = undefined;
    },
  };
  return client;
}

/** OPTIONS (200), a request without To, From or Call-ID (400), and a line that is no SIP at all (dropped) to CUP. */
function sipUdp(localAddress: string, cup: string): Client {
  let socket: UdpSocket | undefined;
  const client: Client = {
    name: 'SIP/UDP → CUP',
    answered: 0,
    open: () =>
      new Promise((resolve) => {
        const s = createSocket('udp4');
        s.on('message', () => client.answered++);
        s.bind(0, localAddress, () => resolve());
        socket = s;
      }),
    send: (n) => {
      const port = socket?.address().port ?? 0;
      const via = `Via: SIP/2.0/UDP ${localAddress}:${port};branch=z9hG4bKsoak${n}`;
      const kind = n % 3;
      const message =
        kind === 0
          ? [`OPTIONS sip:cup SIP/2.0`, via, 'Max-Forwards: 70', `From: <sip:soak@${localAddress}>;tag=s${n}`, 'To: <sip:cup>', `Call-ID: soak-${n}@${localAddress}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n')
          : kind === 1
            ? [`INVITE sip:cup SIP/2.0`, via, 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n')
            : `GET / HTTP/1.0 this is not SIP ${n}\r\n\r\n`;
      socket?.send(text(message), 5060, cup);
      return kind !== 2;
    },
    broken: () => false,
    close: () => {
      socket?.close();
      socket = undefined;
    },
  };
  return client;
}

/** REGISTER with an NTLM AUTHENTICATE that cannot be verified: the pool refuses it (401 or 400). */
function sipTcpRegister(localAddress: string, pool: string, poolHost: string): Client {
  let framer = new SipStreamFramer();
  const c = tcpClient(
    'SIP/TCP REGISTER → pool',
    localAddress,
    pool,
    5060,
    (client, data) => {
      for (const r of framer.push(data)) if (r.ok && r.value.kind === 'response' && r.value.status >= 200) client.answered++;
    },
    (socket, n) => {
      const port = socket.localPort ?? 0;
      socket.write(
        text(
          [
            `REGISTER sip:${poolHost} SIP/2.0`,
            `Via: SIP/2.0/TCP ${localAddress}:${port};branch=z9hG4bKreg${n}`,
            'Max-Forwards: 70',
            `From: <sip:soak${n % 100}@uc.lab>;tag=r${n}`,
            `To: <sip:soak${n % 100}@uc.lab>`,
            `Call-ID: reg-${n}@${localAddress}`,
            'CSeq: 1 REGISTER',
            `Contact: <sip:${localAddress}:${port};transport=tcp>`,
            `Authorization: NTLM qop="auth", realm="SIP Communications Service", targetname="${poolHost}", gssapi-data="TlRMTVNTUAADAAAAGAAYAEAAAAA="`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        ),
      );
      return true;
    },
  );
  const open = c.open;
  c.open = () => {
    framer = new SipStreamFramer();
    return open();
  };
  return c;
}

/** SCCP KeepAlive before any Register: CUCM answers KeepAliveAck. */
function sccp(localAddress: string, cucm: string): Client {
  let framer = new SccpFramer();
  const keepAlive = encodeSccp({ name: 'KeepAlive' });
  const c = tcpClient('SCCP → CUCM', localAddress, cucm, 2000, (client, data) => {
    for (const r of framer.push(data)) if (r.ok) client.answered++;
  }, (socket) => {
    socket.write(keepAlive);
    return true;
  });
  const open = c.open;
  c.open = () => {
    framer = new SccpFramer();
    return open();
  };
  return c;
}

/** CTI HeartbeatRequest (answered before ProviderOpen), and every 1,000th request junk that costs the connection. */
function cti(localAddress: string, cucm: string): Client {
  let framer = new CtiFramer();
  let reopen = false;
  const c = tcpClient('CTI → CTIManager', localAddress, cucm, 2748, (client, data) => {
    for (const r of framer.push(data)) if (r.ok) client.answered++;
  }, (socket, n) => {
    if (n % 1000 === 999) {
      socket.write(text('junk that is no CTI frame'));
      reopen = true;
      return false;
    }
    if (reopen) return false;
    socket.write(encodeCti({ type: 'HeartbeatRequest' }, n));
    return true;
  });
  const open = c.open;
  c.open = () => {
    framer = new CtiFramer();
    reopen = false;
    return open();
  };
  // After the junk CTIManager closes the link (its framing is lost): the next batch opens a new one.
  const broken = c.broken;
  c.broken = () => reopen || broken();
  return c;
}

/** HTTP GETs over one persistent connection. */
function httpGet(localAddress: string, server: string, port: number, target: string): Client {
  let framer = new HttpStreamFramer();
  const c = tcpClient(`HTTP GET → ${server}:${port}`, localAddress, server, port, (client, data) => {
    for (const r of framer.push(data)) if (r.ok) client.answered++;
  }, (socket) => {
    socket.write(text(`GET ${target} HTTP/1.1\r\nHost: ${server}\r\n\r\n`));
    return true;
  });
  const open = c.open;
  c.open = () => {
    framer = new HttpStreamFramer();
    return open();
  };
  return c;
}
