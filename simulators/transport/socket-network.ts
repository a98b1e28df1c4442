import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Clock } from '../kernel/clock';
import { NetworkError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import { silentLogger } from '../kernel/logger';
import type { CaptureSink } from './capture';
import type { Endpoint, HostNetwork, LinkConditions, Network, TcpConnection, TcpServer, UdpSocket } from './network';

export interface SocketNetworkOptions {
  clock: Clock;
  /**
   * The loopback block the hosts get addresses from: three octets (`127.0.1`, 254 hosts) or two
   * (`127.20`, hosts 127.20.0.1 … 127.20.255.254: a generated population needs thousands).
   */
  addressPrefix?: string;
  capture?: CaptureSink;
  log?: Logger;
  /** Called after the lab's nodes have handled what arrived (a datagram, bytes, a connection's end). */
  onActivity?: () => void;
}

/**
 * The real network: node:dgram and node:net on loopback, one 127.x.y.z address per simulated host,
 * so every host keeps the product's well-known ports (5060, 2000, 2748) and outside tools (SIPp,
 * sipsak, baresip, tshark on `lo`) can talk to or watch the lab. Link conditions are not simulated.
 */
export class SocketNetwork implements Network {
  readonly runtime = 'sockets' as const;
  private readonly byName = new Map<string, SocketHost>();
  private nextHostIndex = 0;
  private readonly capacity: number;
  private connectionSeq = 0;
  readonly prefix: string;
  readonly clock: Clock;
  readonly capture: CaptureSink | undefined;
  readonly log: Logger;
  readonly activity: () => void;

  constructor(options: SocketNetworkOptions) {
    this.clock = options.clock;
    this.prefix = options.addressPrefix ?? '127.0.1';
    const octets = this.prefix.split('.');
    if (octets[0] !== '127' || (octets.length !== 2 && octets.length !== 3) || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
      throw new NetworkError(`address block ${this.prefix} is not a loopback block: give 127.a (65,024 hosts) or 127.a.b (254 hosts)`);
    }
    this.capacity = octets.length === 3 ? 254 : 254 * 256;
    this.capture = options.capture;
    this.log = options.log ?? silentLogger;
    this.activity = options.onActivity ?? ((): void => undefined);
  }

  /** The lab's address is ignored: sockets give each host the next loopback address. */
  addHost(hostName: string, _labAddress: string): HostNetwork {
    const existing = this.byName.get(hostName);
    if (existing) return existing;
    if (this.nextHostIndex >= this.capacity) throw new NetworkError(`no loopback addresses left in ${this.prefix} (${this.capacity} hosts): give a two-octet block such as 127.20`);
    const i = this.nextHostIndex++;
    const address = this.capacity === 254 ? `${this.prefix}.${i + 1}` : `${this.prefix}.${Math.floor(i / 254)}.${(i % 254) + 1}`;
    const host = new SocketHost(this, hostName, address);
    this.byName.set(hostName, host);
    return host;
  }

  host(hostName: string): HostNetwork {
    const host = this.byName.get(hostName);
    if (!host) throw new NetworkError(`no host named ${hostName}`);
    return host;
  }

  hosts(): readonly HostNetwork[] {
    return [...this.byName.values()];
  }

  setLink(_a: string, _b: string, _conditions: LinkConditions): void {
    this.log.warn('link conditions are not simulated on real sockets');
  }

  nextConnectionId(): string {
    this.connectionSeq += 1;
    return `tcp-${this.connectionSeq}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map((h) => h.closeAll()));
  }
}

class SocketHost implements HostNetwork {
  private readonly closers = new Set<() => Promise<void> | void>();
  constructor(readonly net: SocketNetwork, readonly hostName: string, readonly address: string) {}

  async bindUdp(port: number): Promise<UdpSocket> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e) => reject(new NetworkError(`${this.hostName}: cannot bind udp ${this.address}:${port}: ${e.message}`, { cause: e })));
      socket.bind(port, this.address, () => resolve());
    });
    const local = { address: this.address, port: socket.address().port };
    let handler: ((data: Uint8Array, from: Endpoint) => void) | undefined;
    let closed = false;
    socket.on('error', (e) => this.net.log.warn('udp socket error', { host: this.hostName, error: e.message }));
    socket.on('message', (msg, rinfo) => {
      const from = { address: rinfo.address, port: rinfo.port };
      const data = new Uint8Array(msg);
      this.net.capture?.udp(this.net.clock.now(), from, local, data);
      handler?.(data, from);
      this.net.activity();
    });
    const close = (): void => {
      if (closed) return;
      closed = true;
      socket.close();
    };
    this.closers.add(close);
    return {
      local,
      send: (to, data) => {
        if (closed) return;
        // Captured on receipt when the destination is one of our own hosts, on send otherwise.
        if (!this.net.hosts().some((h) => h.address === to.address)) this.net.capture?.udp(this.net.clock.now(), local, to, data);
        socket.send(data, to.port, to.address);
      },
      onDatagram: (h) => {
        handler = h;
      },
      close,
    };
  }

  async listenTcp(port: number, onConnection: (connection: TcpConnection) => void): Promise<TcpServer> {
    const server = net.createServer((socket) => {
      const conn = wrapSocket(this.net, this.net.nextConnectionId(), socket, false);
      this.closers.add(() => conn.end());
      onConnection(conn);
      this.net.activity();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new NetworkError(`${this.hostName}: cannot listen on tcp ${this.address}:${port}: ${e.message}`, { cause: e })));
      server.listen(port, this.address, () => resolve());
    });
    const addr = server.address();
    const local = { address: this.address, port: typeof addr === 'object' && addr ? addr.port : port };
    const close = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
    this.closers.add(close);
    return { local, close: () => void close() };
  }

  async connectTcp(to: Endpoint): Promise<TcpConnection> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: to.address, port: to.port, localAddress: this.address });
      s.once('connect', () => resolve(s));
      s.once('error', (e) => reject(new NetworkError(`${this.hostName}: connection to ${to.address}:${to.port} failed: ${e.message}`, { cause: e })));
    });
    const conn = wrapSocket(this.net, this.net.nextConnectionId(), socket, true);
    this.closers.add(() => conn.end());
    return conn;
  }

  async closeAll(): Promise<void> {
    const all = [...this.closers];
    this.closers.clear();
    await Promise.all(all.map((c) => c()));
  }
}

function wrapSocket(network: SocketNetwork, id: string, socket: net.Socket, isClient: boolean): TcpConnection {
  socket.setNoDelay(true);
  const local = { address: socket.localAddress ?? '0.0.0.0', port: socket.localPort ?? 0 };
  const remote = { address: socket.remoteAddress ?? '0.0.0.0', port: socket.remotePort ?? 0 };
  let dataHandler: ((d: Uint8Array) => void) | undefined;
  let closeHandler: (() => void) | undefined;
  const pending: Uint8Array[] = [];
  let closed = false;
  let corked = false;
  // Only the connecting side reports its conversation (both directions), so each TCP conversation
  // between two lab hosts is captured once; connections from outside tools are not captured.
  const capture = isClient ? network.capture : undefined;
  capture?.tcpOpen(network.clock.now(), id, local, remote);
  socket.on('data', (chunk) => {
    const data = new Uint8Array(chunk);
    capture?.tcpData(network.clock.now(), id, false, data);
    if (dataHandler) dataHandler(data);
    else pending.push(data);
    network.activity();
  });
  socket.on('error', (e) => network.log.debug('tcp socket error', { connection: id, error: e.message }));
  socket.on('close', () => {
    if (!closed) capture?.tcpClose(network.clock.now(), id, false);
    closed = true;
    closeHandler?.();
    network.activity();
  });
  return {
    id,
    local,
    remote,
    get closed() {
      return closed;
    },
    write: (data) => {
      if (closed) return;
      capture?.tcpData(network.clock.now(), id, true, data);
      // What a node writes in one turn of the event loop leaves in one system call (a proxy often
      // writes several messages on one connection at once); the bytes and their order are unchanged.
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(() => {
          corked = false;
          socket.uncork();
        });
      }
      socket.write(data);
    },
    end: () => {
      if (closed) return;
      closed = true;
      capture?.tcpClose(network.clock.now(), id, true);
      socket.end();
      socket.destroySoon();
    },
    onData: (h) => {
      dataHandler = h;
      for (const chunk of pending.splice(0)) h(chunk);
    },
    onClose: (h) => {
      closeHandler = h;
    },
  };
}
