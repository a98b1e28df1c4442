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
  /** What the packet belongs to (the scenario step): an opt_comment in pcapng, absent from classic pcap. */
  comment?: string;
}

export class PcapWriter {
  private readonly records: PcapRecord[] = [];

  /** Appends a packet captured at `timestampMs` (absolute epoch milliseconds; fractions kept to the µs). */
  add(timestampMs: number, packet: Uint8Array, comment?: string): void {
    const totalMicros = Math.max(0, Math.round(timestampMs * 1000));
    this.records.push({
      seconds: Math.floor(totalMicros / 1_000_000),
      microseconds: totalMicros % 1_000_000,
      packet: packet.slice(),
      ...(comment !== undefined ? { comment } : {}),
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

  /**
   * The same packets as pcapng (draft-ietf-opsawg-pcapng §4.1 Section Header Block, §4.2 Interface Description
   * Block, §4.3 Enhanced Packet Block), little-endian, one LINKTYPE_RAW interface with the default microsecond
   * resolution; a packet's comment is its EPB's opt_comment (§3.5, option code 1), which tshark shows as
   * `frame.comment`.
   */
  toPcapng(): Uint8Array {
    const utf8 = new TextEncoder();
    // One buffer, sized first: a cell has thousands of packets, and the steps' comments repeat (encoded once each).
    const comments = new Map<string, Uint8Array>();
    const commentOf = (text: string): Uint8Array => {
      let bytes = comments.get(text);
      if (!bytes) comments.set(text, (bytes = utf8.encode(text)));
      return bytes;
    };
    const pad4 = (n: number): number => Math.ceil(n / 4) * 4;
    const head = [pcapngBlock(0x0a0d0d0a, shbBody()), pcapngBlock(0x00000001, idbBody())];
    let length = head.reduce((n, b) => n + b.length, 0);
    for (const r of this.records) {
      const included = Math.min(r.packet.length, PCAP_SNAPLEN);
      // Block type and two lengths (12), the EPB's fixed fields (20), the packet, opt_comment and opt_endofopt (4 each).
      length += 32 + pad4(included) + (r.comment !== undefined ? 8 + pad4(commentOf(r.comment).length) : 0);
    }
    const out = new Uint8Array(length);
    const view = new DataView(out.buffer);
    let at = 0;
    for (const b of head) {
      out.set(b, at);
      at += b.length;
    }
    for (const r of this.records) {
      const included = Math.min(r.packet.length, PCAP_SNAPLEN);
      const comment = r.comment !== undefined ? commentOf(r.comment) : undefined;
      const total = 32 + pad4(included) + (comment ? 8 + pad4(comment.length) : 0);
      const micros = r.seconds * 1_000_000 + r.microseconds;
      view.setUint32(at, 0x00000006, true);
      view.setUint32(at + 4, total, true);
      // interface_id, timestamp (upper, lower 32 bits), captured length, original length.
      view.setUint32(at + 8, 0, true);
      view.setUint32(at + 12, Math.floor(micros / 2 ** 32), true);
      view.setUint32(at + 16, micros % 2 ** 32, true);
      view.setUint32(at + 20, included, true);
      view.setUint32(at + 24, r.packet.length, true);
      out.set(r.packet.subarray(0, included), at + 28);
      let o = at + 28 + pad4(included);
      if (comment) {
        view.setUint16(o, 1, true);
        view.setUint16(o + 2, comment.length, true);
        out.set(comment, o + 4);
        o += 4 + pad4(comment.length);
        // opt_endofopt: code 0, length 0.
        o += 4;
      }
      view.setUint32(o, total, true);
      at += total;
    }
    return out;
  }
}

/** SHB body: byte-order magic, version 1.0, section length unknown (-1). */
function shbBody(): Uint8Array {
  const body = new Uint8Array(16);
  const view = new DataView(body.buffer);
  view.setUint32(0, 0x1a2b3c4d, true);
  view.setUint16(4, 1, true);
  view.setUint16(6, 0, true);
  view.setBigInt64(8, -1n, true);
  return body;
}

/** IDB body: link type, reserved, snaplen. */
function idbBody(): Uint8Array {
  const body = new Uint8Array(8);
  const view = new DataView(body.buffer);
  view.setUint16(0, LINKTYPE_RAW, true);
  view.setUint32(4, PCAP_SNAPLEN, true);
  return body;
}

/** A block: type, total length, body (a multiple of 4 bytes), total length again. */
function pcapngBlock(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, out.length, true);
  out.set(body, 8);
  view.setUint32(8 + body.length, out.length, true);
  return out;
}
