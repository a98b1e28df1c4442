/**
 * Synthetic IPv4 packets for the in-memory network's capture: every UDP datagram and TCP segment a
 * node exchanges is wrapped in a correct IPv4 + UDP/TCP header so the pcap (LINKTYPE_RAW) decodes in
 * tshark/Wireshark with valid checksums and a clean TCP conversation (handshake, sequence numbers,
 * ACKs, FIN teardown) that its reassembly accepts (SIP over TCP, SCCP on port 2000).
 *
 * Pure code: no node:* import, no Buffer.
 */
import { BoundedMemo } from '../kernel/bounded-memo';
import { NetworkError } from '../kernel/errors';
import type { Endpoint } from './network';

/** RFC 791 §3.1: Protocol numbers (RFC 790 "Assigned Numbers"). */
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPV4_HEADER_LENGTH = 20;
const UDP_HEADER_LENGTH = 8;
const TCP_HEADER_LENGTH = 20;
/** RFC 879 / RFC 9293 §3.7.1: the MSS of Ethernet-sized IPv4 (1500 − 20 − 20). */
export const TCP_MSS = 1460;
const DEFAULT_WINDOW = 65535;

export interface TcpFlags {
  syn?: boolean;
  ack?: boolean;
  fin?: boolean;
  psh?: boolean;
  rst?: boolean;
}

export interface UdpPacketInput {
  src: Endpoint;
  dst: Endpoint;
  payload: Uint8Array;
  /** RFC 791 Identification field (16 bits). */
  ipId: number;
}

export interface TcpPacketInput {
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: TcpFlags;
  window?: number;
  payload: Uint8Array;
  ipId: number;
  /** RFC 9293 §3.2 option kind 2: Maximum Segment Size; only meaningful on SYN segments. */
  mss?: number;
}

/** Parses a dotted-quad IPv4 address; lab addresses are configuration, so a bad one is a NetworkError. */
export function parseIpv4(address: string): Uint8Array {
  const parts = address.split('.');
  const bytes = new Uint8Array(4);
  if (parts.length !== 4) throw new NetworkError(`not an IPv4 address: ${address}`);
  parts.forEach((p, i) => {
    const n = /^\d{1,3}$/.test(p) ? Number(p) : NaN;
    if (!(n >= 0 && n <= 255)) throw new NetworkError(`not an IPv4 address: ${address}`);
    bytes[i] = n;
  });
  return bytes;
}

/**
 * The four octets of a lab address, remembered: every captured segment names two addresses, and a cell's
 * hosts are few (a population lab's many are bounded by the memory's size). Callers only read the bytes.
 */
const ADDRESS_BYTES = new BoundedMemo<string, Uint8Array>(1 << 16);
const addressBytes = (address: string): Uint8Array => ADDRESS_BYTES.get(address, parseIpv4);

/**
 * RFC 1071 §1: "the 16-bit 1's complement of the 1's complement sum of all 16-bit words"; an odd
 * trailing byte is padded with a zero byte. `initial` carries a partial sum (the pseudo-header).
 */
function onesComplementSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (even < bytes.length) sum += (bytes[even] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesComplementSum(bytes, initial) & 0xffff;
}

/**
 * RFC 768 ("Checksum") and RFC 9293 §3.1 ("Checksum"): the pseudo-header is source address,
 * destination address, zero, protocol, and the UDP/TCP length.
 */
function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  const ph = new Uint8Array(12);
  ph.set(src, 0);
  ph.set(dst, 4);
  ph[9] = protocol;
  ph[10] = (length >>> 8) & 0xff;
  ph[11] = length & 0xff;
  return onesComplementSum(ph);
}

/**
 * RFC 791 §3.1 Internet Header Format: Version 4, IHL 5 (no options), TOS 0, Total Length,
 * Identification, Flags = DF (bit 1 "Don't Fragment"), Fragment Offset 0, TTL 64 (the Linux default,
 * a modelling choice), Protocol, Header Checksum over the header. Written at the start of `packet`, whose
 * transport header and payload are already in place after it (each packet is built in one buffer, copied once).
 */
function writeIpv4Header(packet: Uint8Array, src: Uint8Array, dst: Uint8Array, protocol: number, ipId: number): Uint8Array {
  const view = new DataView(packet.buffer, packet.byteOffset, IPV4_HEADER_LENGTH);
  view.setUint8(0, 0x45);
  view.setUint8(1, 0);
  view.setUint16(2, packet.length);
  view.setUint16(4, ipId & 0xffff);
  view.setUint16(6, 0x4000);
  view.setUint8(8, 64);
  view.setUint8(9, protocol);
  packet.set(src, 12);
  packet.set(dst, 16);
  view.setUint16(10, internetChecksum(packet.subarray(0, IPV4_HEADER_LENGTH)));
  return packet;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new NetworkError(`not a port: ${port}`);
}

/** RFC 768 User Datagram Header Format; IPv4 total length must fit 16 bits. */
export function buildUdpPacket(input: UdpPacketInput): Uint8Array {
  checkPort(input.src.port);
  checkPort(input.dst.port);
  const src = addressBytes(input.src.address);
  const dst = addressBytes(input.dst.address);
  const length = UDP_HEADER_LENGTH + input.payload.length;
  if (length + IPV4_HEADER_LENGTH > 0xffff) throw new NetworkError(`UDP payload too large for IPv4: ${input.payload.length} bytes`);
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + length);
  const udp = packet.subarray(IPV4_HEADER_LENGTH);
  const view = new DataView(packet.buffer, IPV4_HEADER_LENGTH, length);
  view.setUint16(0, input.src.port);
  view.setUint16(2, input.dst.port);
  view.setUint16(4, length);
  udp.set(input.payload, UDP_HEADER_LENGTH);
  // RFC 768: "If the computed checksum is zero, it is transmitted as all ones".
  const checksum = internetChecksum(udp, pseudoHeaderSum(src, dst, IPPROTO_UDP, length));
  view.setUint16(6, checksum === 0 ? 0xffff : checksum);
  return writeIpv4Header(packet, src, dst, IPPROTO_UDP, input.ipId);
}

/**
 * RFC 9293 §3.1 Header Format: ports, Sequence Number, Acknowledgment Number, Data Offset, control
 * bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10), Window, Checksum, Urgent Pointer; with
 * an MSS option (kind 2, length 4) when `mss` is given.
 */
export function buildTcpPacket(input: TcpPacketInput): Uint8Array {
  checkPort(input.src.port);
  checkPort(input.dst.port);
  const src = addressBytes(input.src.address);
  const dst = addressBytes(input.dst.address);
  const optionsLength = input.mss !== undefined ? 4 : 0;
  const headerLength = TCP_HEADER_LENGTH + optionsLength;
  const length = headerLength + input.payload.length;
  if (length + IPV4_HEADER_LENGTH > 0xffff) throw new NetworkError(`TCP payload too large for IPv4: ${input.payload.length} bytes`);
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + length);
  const tcp = packet.subarray(IPV4_HEADER_LENGTH);
  const view = new DataView(packet.buffer, IPV4_HEADER_LENGTH, length);
  view.setUint16(0, input.src.port);
  view.setUint16(2, input.dst.port);
  view.setUint32(4, input.seq >>> 0);
  view.setUint32(8, input.ack >>> 0);
  view.setUint8(12, (headerLength / 4) << 4);
  const f = input.flags;
  view.setUint8(13, (f.fin ? 0x01 : 0) | (f.syn ? 0x02 : 0) | (f.rst ? 0x04 : 0) | (f.psh ? 0x08 : 0) | (f.ack ? 0x10 : 0));
  view.setUint16(14, (input.window ?? DEFAULT_WINDOW) & 0xffff);
  if (input.mss !== undefined) {
    view.setUint8(20, 2);
    view.setUint8(21, 4);
    view.setUint16(22, input.mss);
  }
  tcp.set(input.payload, headerLength);
  view.setUint16(16, internetChecksum(tcp, pseudoHeaderSum(src, dst, IPPROTO_TCP, length)));
  return writeIpv4Header(packet, src, dst, IPPROTO_TCP, input.ipId);
}

/** Hands out RFC 791 Identification values per source address, so UDP and TCP share one counter per host. */
export class IpIdAllocator {
  private readonly next = new Map<string, number>();
  allocate(address: string): number {
    const id = this.next.get(address) ?? 1;
    this.next.set(address, (id + 1) & 0xffff);
    return id;
  }
}

export interface TcpFlowConnection {
  id: string;
  client: Endpoint;
  server: Endpoint;
}

type TcpSideState = 'open' | 'fin-sent';

interface TcpSide {
  endpoint: Endpoint;
  /** Next sequence number this side sends (SND.NXT). */
  nextSeq: number;
  state: TcpSideState;
}

interface TcpFlow {
  client: TcpSide;
  server: TcpSide;
}

const EMPTY = new Uint8Array(0);

/** FNV-1a: a deterministic initial sequence number from the connection id (modelling choice). */
function isnFor(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Tracks both sides of every captured TCP connection and produces the segments of a correct
 * conversation (RFC 9293 §3.5 three-way handshake, §3.6 closing). Each data segment is followed by
 * the peer's pure ACK, so tshark's tcp.analysis sees neither lost segments nor unacked data. Unknown
 * connection ids produce no packets (capture never breaks the network).
 */
export class TcpFlowTracker {
  private readonly flows = new Map<string, TcpFlow>();
  private readonly ipIds: IpIdAllocator;
  private readonly mss: number;

  constructor(options: { ipIds?: IpIdAllocator; mss?: number } = {}) {
    this.ipIds = options.ipIds ?? new IpIdAllocator();
    this.mss = options.mss ?? TCP_MSS;
  }

  has(connId: string): boolean {
    return this.flows.has(connId);
  }

  /** SYN, SYN/ACK, ACK (RFC 9293 §3.5 Figure 6: "Basic Three-Way Handshake"). */
  open(conn: TcpFlowConnection): Uint8Array[] {
    const client: TcpSide = { endpoint: conn.client, nextSeq: isnFor(`c:${conn.id}`), state: 'open' };
    const server: TcpSide = { endpoint: conn.server, nextSeq: isnFor(`s:${conn.id}`), state: 'open' };
    this.flows.set(conn.id, { client, server });
    const syn = this.segment(client, server, { syn: true }, EMPTY, 0, this.mss);
    client.nextSeq = (client.nextSeq + 1) >>> 0;
    const synAck = this.segment(server, client, { syn: true, ack: true }, EMPTY, client.nextSeq, this.mss);
    server.nextSeq = (server.nextSeq + 1) >>> 0;
    const ack = this.segment(client, server, { ack: true }, EMPTY, server.nextSeq);
    return [syn, synAck, ack];
  }

  /** PSH/ACK data segments of at most MSS bytes, each followed by the peer's ACK. */
  data(connId: string, fromClient: boolean, payload: Uint8Array): Uint8Array[] {
    const flow = this.flows.get(connId);
    if (!flow || payload.length === 0) return [];
    const [from, to] = fromClient ? [flow.client, flow.server] : [flow.server, flow.client];
    if (from.state !== 'open') return [];
    const packets: Uint8Array[] = [];
    for (let offset = 0; offset < payload.length; offset += this.mss) {
      const chunk = payload.subarray(offset, Math.min(payload.length, offset + this.mss));
      packets.push(this.segment(from, to, { psh: true, ack: true }, chunk, to.nextSeq));
      from.nextSeq = (from.nextSeq + chunk.length) >>> 0;
      packets.push(this.segment(to, from, { ack: true }, EMPTY, from.nextSeq));
    }
    return packets;
  }

  /** FIN/ACK from one side and the peer's ACK; the flow is forgotten when both sides have closed. */
  close(connId: string, fromClient: boolean): Uint8Array[] {
    const flow = this.flows.get(connId);
    if (!flow) return [];
    const [from, to] = fromClient ? [flow.client, flow.server] : [flow.server, flow.client];
    if (from.state !== 'open') return [];
    const fin = this.segment(from, to, { fin: true, ack: true }, EMPTY, to.nextSeq);
    from.nextSeq = (from.nextSeq + 1) >>> 0;
    from.state = 'fin-sent';
    const ack = this.segment(to, from, { ack: true }, EMPTY, from.nextSeq);
    if (to.state === 'fin-sent') this.flows.delete(connId);
    return [fin, ack];
  }

  /** RFC 9293 §3.5.2 reset: RST/ACK from one side; the flow is forgotten. */
  abort(connId: string, fromClient: boolean): Uint8Array[] {
    const flow = this.flows.get(connId);
    if (!flow) return [];
    const [from, to] = fromClient ? [flow.client, flow.server] : [flow.server, flow.client];
    this.flows.delete(connId);
    return [this.segment(from, to, { rst: true, ack: true }, EMPTY, to.nextSeq)];
  }

  private segment(from: TcpSide, to: TcpSide, flags: TcpFlags, payload: Uint8Array, ack: number, mss?: number): Uint8Array {
    return buildTcpPacket({
      src: from.endpoint,
      dst: to.endpoint,
      seq: from.nextSeq,
      ack: flags.ack ? ack : 0,
      flags,
      payload,
      ipId: this.ipIds.allocate(from.endpoint.address),
      ...(mss !== undefined ? { mss } : {}),
    });
  }
}
