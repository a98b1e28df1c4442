/**
 * Joins classic pcap files (as the lab writes them: little-endian, µs timestamps, raw IPv4) into one, so a single
 * tshark process can dissect every cell's capture. File `i`'s packets move to their own addresses (a.b.c.d →
 * 10.i.c.d, with the IPv4, TCP and UDP checksums recomputed) and their own hour, so no two cells share a flow and
 * tshark sees each cell exactly as it would alone. Returns the 1-based frame number each file starts at.
 */
const FILE_HEADER = 24;
const RECORD_HEADER = 16;

function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += ((bytes[i] ?? 0) << 8) | (i + 1 < end ? (bytes[i + 1] ?? 0) : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Moves one IPv4 packet to 10.<index>.c.d and fixes its checksums. */
function relocate(packet: Uint8Array, index: number): void {
  if (packet.length < 20 || (packet[0] ?? 0) >> 4 !== 4) return;
  const ihl = ((packet[0] ?? 0) & 0x0f) * 4;
  for (const at of [12, 16]) {
    packet[at] = 10;
    packet[at + 1] = index & 0xff;
  }
  packet[10] = 0;
  packet[11] = 0;
  const ipSum = ~onesComplementSum(packet, 0, ihl) & 0xffff;
  packet[10] = ipSum >> 8;
  packet[11] = ipSum & 0xff;
  const protocol = packet[9];
  const checksumAt = protocol === 6 ? ihl + 16 : protocol === 17 ? ihl + 6 : -1;
  if (checksumAt < 0 || packet.length < checksumAt + 2) return;
  if (protocol === 17 && packet[checksumAt] === 0 && packet[checksumAt + 1] === 0) return; // UDP without a checksum
  packet[checksumAt] = 0;
  packet[checksumAt + 1] = 0;
  const length = packet.length - ihl;
  let pseudo = onesComplementSum(packet, 12, 20);
  pseudo += protocol ?? 0;
  pseudo += length;
  let sum = ~onesComplementSum(packet, ihl, packet.length, pseudo) & 0xffff;
  if (protocol === 17 && sum === 0) sum = 0xffff;
  packet[checksumAt] = sum >> 8;
  packet[checksumAt + 1] = sum & 0xff;
}

export function concatPcaps(files: readonly Uint8Array[], spacingSeconds = 3600): { bytes: Uint8Array; firstFrame: number[] } {
  const [first] = files;
  if (!first) throw new RangeError('no pcap to join');
  if (files.length > 256) throw new RangeError('at most 256 files: each gets its own 10.<i>.0.0/16');
  const parts: Uint8Array[] = [first.subarray(0, FILE_HEADER)];
  const firstFrame: number[] = [];
  let frame = 1;
  files.forEach((file, index) => {
    firstFrame.push(frame);
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    let offset = FILE_HEADER;
    while (offset + RECORD_HEADER <= file.length) {
      const included = view.getUint32(offset + 8, true);
      const record = file.slice(offset, offset + RECORD_HEADER + included);
      const rv = new DataView(record.buffer);
      rv.setUint32(0, rv.getUint32(0, true) + index * spacingSeconds, true);
      relocate(record.subarray(RECORD_HEADER), index);
      parts.push(record);
      offset += RECORD_HEADER + included;
      frame++;
    }
  });
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, firstFrame };
}
