import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PcapWriter } from '../harness/trace/pcap-writer';
import { buildUdpPacket } from '../simulators/transport/ip-packet';
import { readFrames, tsharkInstalled } from './support/tshark-evidence';

/** An IPv4 header (RFC 791, no options) and the first 4 bytes of a UDP header: tshark reads past its end. */
function truncatedUdp(): Uint8Array {
  const packet = new Uint8Array(24);
  const view = new DataView(packet.buffer);
  view.setUint8(0, 0x45);
  view.setUint16(2, packet.length);
  view.setUint8(8, 64);
  view.setUint8(9, 17);
  packet.set([192, 0, 2, 1], 12);
  packet.set([192, 0, 2, 2], 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += view.getUint16(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  view.setUint16(10, ~sum & 0xffff);
  view.setUint16(20, 5060);
  view.setUint16(22, 5060);
  return packet;
}

// The scenario tests grade every cell's capture on what this reads; here it is shown to see a malformed frame.
(tsharkInstalled ? describe : describe.skip)('the scenario tests read captures with tshark', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-tshark-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('flags a malformed frame, and only that frame, with each frame\'s protocols', async () => {
    const sip = new TextEncoder().encode('OPTIONS sip:bob@uc.lab SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n');
    const good = buildUdpPacket({ src: { address: '192.0.2.1', port: 5060 }, dst: { address: '192.0.2.2', port: 5060 }, payload: sip, ipId: 1 });
    const cells = { sound: [good, good], broken: [good, truncatedUdp()] };
    for (const [id, packets] of Object.entries(cells)) {
      const pcap = new PcapWriter();
      packets.forEach((p, i) => pcap.add(Date.UTC(2009, 4, 1, 9) + i, p));
      mkdirSync(path.join(dir, id), { recursive: true });
      writeFileSync(path.join(dir, id, 'trace.pcap'), pcap.toBytes());
    }
    const frames = await readFrames(Object.keys(cells), (id) => path.join(dir, id));
    expect(frames.get('sound')?.map((f) => [f.protocols, f.malformed])).toEqual([['raw:ip:udp:sip', false], ['raw:ip:udp:sip', false]]);
    expect(frames.get('broken')?.map((f) => [f.protocols, f.malformed])).toEqual([['raw:ip:udp:sip', false], ['raw:ip:udp', true]]);
  });
});
