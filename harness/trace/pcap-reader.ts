/**
 * Reads back the lab's own captures (classic pcap, little-endian, LINKTYPE_RAW IPv4; see pcap-writer.ts): each
 * UDP datagram, and each direction of each TCP connection as one byte stream in capture order.
 */
import { PCAP_MAGIC_MICROSECONDS, LINKTYPE_RAW } from './pcap-writer';

export interface CapturedTraffic {
  datagrams: { srcPort: number; dstPort: number; payload: Uint8Array }[];
  /** Keyed `src:port>dst:port`; the client→server and server→client directions are separate streams. */
  streams: Map<string, { srcPort: number; dstPort: number; chunks: Uint8Array[] }>;
}

export function readPcap(bytes: Uint8Array): CapturedTraffic {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 24 || view.getUint32(0, true) !== PCAP_MAGIC_MICROSECONDS || view.getUint32(20, true) !== LINKTYPE_RAW) {
    throw new RangeError('not a pcap written by the lab (little-endian, µs, raw IPv4)');
  }
  const out: CapturedTraffic = { datagrams: [], streams: new Map() };
  let offset = 24;
  while (offset + 16 <= bytes.length) {
    const included = view.getUint32(offset + 8, true);
    const p = bytes.subarray(offset + 16, offset + 16 + included);
    offset += 16 + included;
    if (p.length < 20 || (p[0] ?? 0) >> 4 !== 4) continue;
    const ihl = ((p[0] ?? 0) & 0x0f) * 4;
    const total = ((p[2] ?? 0) << 8) | (p[3] ?? 0);
    const src = `${p[12]}.${p[13]}.${p[14]}.${p[15]}`;
    const dst = `${p[16]}.${p[17]}.${p[18]}.${p[19]}`;
    const l4 = p.subarray(ihl, total);
    const srcPort = ((l4[0] ?? 0) << 8) | (l4[1] ?? 0);
    const dstPort = ((l4[2] ?? 0) << 8) | (l4[3] ?? 0);
    if (p[9] === 17) {
      out.datagrams.push({ srcPort, dstPort, payload: l4.subarray(8) });
    } else if (p[9] === 6) {
      const payload = l4.subarray(((l4[12] ?? 0) >> 4) * 4);
      if (payload.length === 0) continue;
      const key = `${src}:${srcPort}>${dst}:${dstPort}`;
      const stream = out.streams.get(key) ?? { srcPort, dstPort, chunks: [] };
      stream.chunks.push(payload);
      out.streams.set(key, stream);
    }
  }
  return out;
}
