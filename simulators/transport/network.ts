/**
 * The transport seam. A node sees the network only as a `HostNetwork`: its own address, UDP sockets,
 * TCP listeners and connections. The in-memory network and the socket network implement the same
 * interfaces, and the composition root alone decides which one a lab gets.
 */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type Unsubscribe = () => void;

export interface UdpSocket {
  readonly local: Endpoint;
  send(to: Endpoint, data: Uint8Array): void;
  /** Replaces the datagram handler. */
  onDatagram(handler: (data: Uint8Array, from: Endpoint) => void): void;
  close(): void;
}

export interface TcpConnection {
  readonly id: string;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  write(data: Uint8Array): void;
  /** Closes our side (FIN); the peer sees onClose. */
  end(): void;
  /** Replaces the data handler; data that arrived before a handler was set is delivered to it. */
  onData(handler: (data: Uint8Array) => void): void;
  onClose(handler: () => void): void;
  readonly closed: boolean;
}

export interface TcpServer {
  readonly local: Endpoint;
  close(): void;
}

export interface HostNetwork {
  /** The host's name in the lab (`cucm`, `cup`, `ocs-pool1-fe1`, `phone-7975-sccp` ...). */
  readonly hostName: string;
  /** The IPv4 address the host is reachable at in this runtime. */
  readonly address: string;
  bindUdp(port: number): Promise<UdpSocket>;
  listenTcp(port: number, onConnection: (connection: TcpConnection) => void): Promise<TcpServer>;
  connectTcp(to: Endpoint): Promise<TcpConnection>;
}

export interface LinkConditions {
  /** One-way latency in milliseconds. */
  latencyMs?: number;
  /** Probability (0..1) that a UDP datagram is dropped. TCP is reliable and never drops. */
  loss?: number;
  /** When true, nothing crosses the link: UDP is dropped, TCP connects fail, open TCP stalls. */
  partitioned?: boolean;
}

export interface Network {
  readonly runtime: 'memory' | 'sockets';
  /** Creates (or returns) the host, giving it `address` in the memory runtime; sockets choose their own. */
  addHost(hostName: string, address: string): HostNetwork;
  host(hostName: string): HostNetwork;
  hosts(): readonly HostNetwork[];
  /** Sets link conditions between two hosts (both directions). */
  setLink(a: string, b: string, conditions: LinkConditions): void;
  /** Closes every socket, listener and connection. */
  close(): Promise<void>;
}

export const formatEndpoint = (e: Endpoint): string => `${e.address}:${e.port}`;
