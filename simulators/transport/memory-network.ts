import type { Clock } from '../kernel/clock';
import { NetworkError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import { silentLogger } from '../kernel/logger';
import type { Random } from '../kernel/random';
import type { CaptureSink } from './capture';
import type {
  Endpoint,
  HostNetwork,
  LinkConditions,
  Network,
  TcpConnection,
  TcpServer,
  UdpSocket,
} from './network';
import { formatEndpoint } from './network';

const EPHEMERAL_FIRST = 49152;
const DEFAULT_LATENCY_MS = 1;

export interface MemoryNetworkOptions {
  clock: Clock;
  random: Random;
  capture?: CaptureSink;
  log?: Logger;
  defaultLatencyMs?: number;
}

/**
 * The in-memory network: UDP datagrams and TCP byte streams between named hosts, delivered on the
 * virtual clock after the link's latency, with loss (UDP only) and partitions. Every delivery is
 * reported to the capture sink, so the run leaves a pcap of exactly what crossed the wire.
 */
export class MemoryNetwork implements Network {
  readonly runtime = 'memory' as const;
  private readonly byName = new Map<string, MemoryHost>();
  private readonly byAddress = new Map<string, MemoryHost>();
  private readonly links = new Map<string, LinkConditions>();
  private connectionSeq = 0;
  readonly clock: Clock;
  private readonly random: Random;
  private readonly capture: CaptureSink | undefined;
  readonly log: Logger;
  private readonly defaultLatencyMs: number;

  constructor(options: MemoryNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.capture = options.capture;
    this.log = options.log ?? silentLogger;
    this.defaultLatencyMs = options.defaultLatencyMs ?? DEFAULT_LATENCY_MS;
  }

  addHost(hostName: string, address: string): HostNetwork {
    const existing = this.byName.get(hostName);
    if (existing) return existing;
    if (this.byAddress.has(address)) throw new NetworkError(`address ${address} is already taken by ${this.byAddress.get(address)?.hostName}`);
    const host = new MemoryHost(this, hostName, address);
    this.byName.set(hostName, host);
    this.byAddress.set(address, host);
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

  hostAt(address: string): MemoryHost | undefined {
    return this.byAddress.get(address);
  }

  setLink(a: string, b: string, conditions: LinkConditions): void {
    const key = linkKey(a, b);
    this.links.set(key, { ...this.links.get(key), ...conditions });
  }

  link(a: string, b: string): Required<LinkConditions> {
    const c = this.links.get(linkKey(a, b)) ?? {};
    return { latencyMs: c.latencyMs ?? this.defaultLatencyMs, loss: c.loss ?? 0, partitioned: c.partitioned ?? false };
  }

  nextConnectionId(): string {
    this.connectionSeq += 1;
    return `tcp-${this.connectionSeq}`;
  }

  /** Datagrams sent so far on each lossy link. */
  private readonly sentOnLossyLink = new Map<string, number>();

  /**
   * Whether the next datagram from `a` to `b` is lost. Loss is deterministic and spread, not drawn: with a share
   * of 1/n the first datagram of each direction of a link is lost, then every n-th (5 %: the 1st, 21st, 41st …).
   * So every link that carries UDP loses one and its sender's retransmission is exercised in every run, whatever
   * else the lab draws from its seed (a modelling choice, docs/decisions/0003).
   */
  shouldDrop(a: string, b: string, loss: number): boolean {
    if (loss <= 0) return false;
    const key = `${a}>${b}`;
    const k = this.sentOnLossyLink.get(key) ?? 0;
    this.sentOnLossyLink.set(key, k + 1);
    return k % Math.max(1, Math.round(1 / loss)) === 0;
  }

  get sink(): CaptureSink | undefined {
    return this.capture;
  }

  async close(): Promise<void> {
    for (const host of this.byName.values()) host.closeAll();
  }
}

const linkKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

class MemoryHost implements HostNetwork {
  private readonly udp = new Map<number, MemoryUdpSocket>();
  private readonly tcp = new Map<number, MemoryTcpServer>();
  private readonly connections = new Set<MemoryTcpSide>();
  private nextEphemeral = EPHEMERAL_FIRST;

  constructor(readonly net: MemoryNetwork, readonly hostName: string, readonly address: string) {}

  async bindUdp(port: number): Promise<UdpSocket> {
    const chosen = port === 0 ? this.ephemeral() : port;
    if (this.udp.has(chosen)) throw new NetworkError(`${this.hostName}: UDP port ${chosen} is already bound`);
    const socket = new MemoryUdpSocket(this, { address: this.address, port: chosen });
    this.udp.set(chosen, socket);
    return socket;
  }

  async listenTcp(port: number, onConnection: (connection: TcpConnection) => void): Promise<TcpServer> {
    const chosen = port === 0 ? this.ephemeral() : port;
    if (this.tcp.has(chosen)) throw new NetworkError(`${this.hostName}: TCP port ${chosen} is already listening`);
    const server = new MemoryTcpServer(this, { address: this.address, port: chosen }, onConnection);
    this.tcp.set(chosen, server);
    return server;
  }

  async connectTcp(to: Endpoint): Promise<TcpConnection> {
    const net = this.net;
    const peer = net.hostAt(to.address);
    const link = peer ? net.link(this.hostName, peer.hostName) : undefined;
    const server = peer?.tcp.get(to.port);
    await new Promise<void>((resolve) => net.clock.setTimer(link?.latencyMs ?? 0, resolve));
    if (!peer || !server || server.closed) {
      throw new NetworkError(`${this.hostName}: connection refused by ${formatEndpoint(to)}`);
    }
    if (link?.partitioned) throw new NetworkError(`${this.hostName}: ${formatEndpoint(to)} is unreachable (partitioned)`);
    const id = net.nextConnectionId();
    const local = { address: this.address, port: this.ephemeral() };
    const client = new MemoryTcpSide(id, this, local, to, true);
    const accepted = new MemoryTcpSide(id, peer, to, local, false);
    client.peer = accepted;
    accepted.peer = client;
    this.connections.add(client);
    peer.connections.add(accepted);
    net.sink?.tcpOpen(net.clock.now(), id, local, to);
    server.accept(accepted);
    return client;
  }

  deliverUdp(from: Endpoint, to: Endpoint, data: Uint8Array): void {
    const net = this.net;
    const peer = net.hostAt(to.address);
    if (!peer) {
      net.log.debug('udp datagram to unknown address dropped', { from: formatEndpoint(from), to: formatEndpoint(to) });
      return;
    }
    const link = net.link(this.hostName, peer.hostName);
    if (link.partitioned) {
      net.log.debug('udp datagram lost: the link is partitioned', { from: formatEndpoint(from), to: formatEndpoint(to) });
      return;
    }
    const copy = data.slice();
    if (net.shouldDrop(this.hostName, peer.hostName, link.loss)) {
      // It left the sender: a capture beside the sender shows it, and then its retransmission.
      net.sink?.udp(net.clock.now(), from, to, copy);
      net.log.info('udp datagram lost on the link', { from: formatEndpoint(from), to: formatEndpoint(to) });
      return;
    }
    net.sink?.udp(net.clock.now(), from, to, copy);
    net.clock.setTimer(link.latencyMs, () => {
      const socket = peer.udp.get(to.port);
      if (!socket || socket.closed) {
        net.log.debug('udp port unreachable', { to: formatEndpoint(to) });
        return;
      }
      socket.receive(copy, from);
    });
  }

  releaseUdp(port: number): void {
    this.udp.delete(port);
  }

  releaseTcp(port: number): void {
    this.tcp.delete(port);
  }

  forget(side: MemoryTcpSide): void {
    this.connections.delete(side);
  }

  closeAll(): void {
    for (const s of this.udp.values()) s.close();
    for (const s of this.tcp.values()) s.close();
    for (const c of [...this.connections]) c.abort();
  }

  private ephemeral(): number {
    while (this.udp.has(this.nextEphemeral) || this.tcp.has(this.nextEphemeral)) this.nextEphemeral++;
    return this.nextEphemeral++;
  }
}

class MemoryUdpSocket implements UdpSocket {
  closed = false;
  private handler: ((data: Uint8Array, from: Endpoint) => void) | undefined;

  constructor(private readonly host: MemoryHost, readonly local: Endpoint) {}

  send(to: Endpoint, data: Uint8Array): void {
    if (this.closed) return;
    this.host.deliverUdp(this.local, to, data);
  }

  onDatagram(handler: (data: Uint8Array, from: Endpoint) => void): void {
    this.handler = handler;
  }

  receive(data: Uint8Array, from: Endpoint): void {
    this.handler?.(data, from);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.releaseUdp(this.local.port);
  }
}

class MemoryTcpServer implements TcpServer {
  closed = false;
  constructor(
    private readonly host: MemoryHost,
    readonly local: Endpoint,
    private readonly onConnection: (connection: TcpConnection) => void,
  ) {}

  accept(side: MemoryTcpSide): void {
    this.onConnection(side);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.releaseTcp(this.local.port);
  }
}

class MemoryTcpSide implements TcpConnection {
  peer: MemoryTcpSide | undefined;
  closed = false;
  private dataHandler: ((data: Uint8Array) => void) | undefined;
  private closeHandler: (() => void) | undefined;
  private readonly pending: Uint8Array[] = [];
  private peerEnded = false;

  constructor(
    readonly id: string,
    readonly host: MemoryHost,
    readonly local: Endpoint,
    readonly remote: Endpoint,
    private readonly isClient: boolean,
  ) {}

  write(data: Uint8Array): void {
    const peer = this.peer;
    if (this.closed || !peer) return;
    const net = this.host.net;
    const link = net.link(this.host.hostName, peer.host.hostName);
    if (link.partitioned) {
      // Modelled: a partition on an established TCP connection ends it (both sides see a close),
      // rather than stalling retransmissions for minutes as a real stack would.
      net.log.warn('tcp connection cut by partition', { connection: this.id });
      this.abort();
      return;
    }
    const copy = data.slice();
    net.sink?.tcpData(net.clock.now(), this.id, this.isClient, copy);
    net.clock.setTimer(link.latencyMs, () => peer.receive(copy));
  }

  end(): void {
    const peer = this.peer;
    if (this.closed) return;
    this.closed = true;
    const net = this.host.net;
    net.sink?.tcpClose(net.clock.now(), this.id, this.isClient);
    this.host.forget(this);
    if (peer) {
      const link = net.link(this.host.hostName, peer.host.hostName);
      net.clock.setTimer(link.latencyMs, () => peer.remoteEnded());
    }
    this.closeHandler?.();
  }

  /** Ends both sides at once without a FIN exchange (teardown, partitions). */
  abort(): void {
    const peer = this.peer;
    this.end();
    if (peer && !peer.closed) peer.end();
  }

  onData(handler: (data: Uint8Array) => void): void {
    this.dataHandler = handler;
    for (const chunk of this.pending.splice(0)) handler(chunk);
  }

  onClose(handler: () => void): void {
    this.closeHandler = handler;
    if (this.peerEnded && this.closed) handler();
  }

  private receive(data: Uint8Array): void {
    if (this.closed) return;
    if (this.dataHandler) this.dataHandler(data);
    else this.pending.push(data);
  }

  private remoteEnded(): void {
    this.peerEnded = true;
    // Half-close is not modelled: when the peer ends, we end too (both FINs are captured).
    if (!this.closed) this.end();
  }
}
