/**
 * Classic libpcap file writer (https://wiki.wireshark.org/Development/LibpcapFileFormat,
 * draft-ietf-opsawg-pcap §4 "File Header", §5 "Packet Record"): magic 0xa1b2c3d4 (microsecond
 * timestamps) written in little-endian byte order, version 2.4, snaplen 262144, link type
 * LINKTYPE_RAW (101): each record is a bare IPv4 packet (see simulators/transport/ip-packet.ts).
 */
export const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
export const PCAP_SNAPLEN = 262144;
export const LINKTYPE_RAW = 101;

const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

interface PcapRecord {
  seconds: number;
  microseconds: number;
  packet: Uint8Array;
}

export class PcapWriter {
  private readonly records: PcapRecord[] = [];

  /** Appends a packet captured at `timestampMs` (absolute epoch milliseconds; fractions kept to the µs). */
  add(timestampMs: number, packet: Uint8Array): void {
    const totalMicros = Math.max(0, Math.round(timestampMs * 1000));
    this.records.push({
      seconds: Math.floor(totalMicros / 1_000_000),
      microseconds: totalMicros % 1_000_000,
      packet: packet.slice(),
    });
  }

  get packetCount(): number {
    return this.records.length;
  }

  toBytes(): Uint8Array {
    let length = FILE_HEADER_LENGTH;
    for (const r of this.records) length += RECORD_HEADER_LENGTH + Math.min(r.packet.length, PCAP_SNAPLEN);
    const out = new Uint8Array(length);
    const view = new DataView(out.buffer);
    // File header: magic_number, version_major, version_minor, thiszone, sigfigs, snaplen, network.
    view.setUint32(0, PCAP_MAGIC_MICROSECONDS, true);
    view.setUint16(4, 2, true);
    view.setUint16(6, 4, true);
    view.setInt32(8, 0, true);
    view.setUint32(12, 0, true);
    view.setUint32(16, PCAP_SNAPLEN, true);
    view.setUint32(20, LINKTYPE_RAW, true);
    let offset = FILE_HEADER_LENGTH;
    for (const r of this.records) {
      // Record header: ts_sec, ts_usec, incl_len, orig_len.
      const included = Math.min(r.packet.length, PCAP_SNAPLEN);
      view.setUint32(offset, r.seconds, true);
      view.setUint32(offset + 4, r.microseconds, true);
      view.setUint32(offset + 8, included, true);
      view.setUint32(offset + 12, r.packet.length, true);
      out.set(r.packet.subarray(0, included), offset + RECORD_HEADER_LENGTH);
      offset += RECORD_HEADER_LENGTH + included;
    }
    return out;
  }
}
