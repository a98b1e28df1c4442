import { buildTcpPacket, buildUdpPacket, internetChecksum, IpIdAllocator, parseIpv4, TcpFlowTracker } from './ip-packet';

const a = { address: '10.0.0.1', port: 5060 };
const b = { address: '10.0.0.2', port: 5070 };
const text = (s: string) => new TextEncoder().encode(s);

interface DecodedTcp {
  seq: number;
  ack: number;
  flags: number;
  payloadLength: number;
  srcPort: number;
}

function pseudoSum(packet: Uint8Array, protocol: number, length: number): Uint8Array {
  const ph = new Uint8Array(12 + length);
  ph.set(packet.subarray(12, 20), 0);
  ph[9] = protocol;
  ph[10] = length >> 8;
  ph[11] = length & 0xff;
  ph.set(packet.subarray(20), 12);
  return ph;
}

function decodeTcp(p: Uint8Array): DecodedTcp {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const dataOffset = (v.getUint8(32) >> 4) * 4;
  return { srcPort: v.getUint16(20), seq: v.getUint32(24), ack: v.getUint32(28), flags: v.getUint8(33), payloadLength: p.length - 20 - dataOffset };
}

describe('buildUdpPacket', () => {
  it.each([
    ['empty payload', new Uint8Array(0)],
    ['odd-length payload', text('OPTIONS')],
    ['even-length payload', text('SIP/2.0 200 OK\r\n\r\n')],
  ])('has valid IPv4 and UDP checksums (%s)', (_name, payload) => {
    const p = buildUdpPacket({ src: a, dst: b, payload, ipId: 0x1234 });
    const v = new DataView(p.buffer);
    expect(p.length).toBe(28 + payload.length);
    expect(v.getUint8(0)).toBe(0x45);
    expect(v.getUint16(2)).toBe(p.length);
    expect(v.getUint16(4)).toBe(0x1234);
    expect(v.getUint16(6)).toBe(0x4000);
    expect(v.getUint8(8)).toBe(64);
    expect(v.getUint8(9)).toBe(17);
    expect(internetChecksum(p.subarray(0, 20))).toBe(0);
    expect(v.getUint16(20)).toBe(5060);
    expect(v.getUint16(22)).toBe(5070);
    expect(v.getUint16(24)).toBe(8 + payload.length);
    expect(internetChecksum(pseudoSum(p, 17, 8 + payload.length))).toBe(0);
    expect(p.subarray(28)).toEqual(payload);
  });

  it('rejects a malformed address', () => {
    expect(() => parseIpv4('10.0.0')).toThrow(/IPv4/);
    expect(() => parseIpv4('10.0.0.256')).toThrow(/IPv4/);
    expect(Array.from(parseIpv4('127.0.0.9'))).toEqual([127, 0, 0, 9]);
  });
});

describe('buildTcpPacket', () => {
  it('has valid checksums, flags and an MSS option on SYN', () => {
    const p = buildTcpPacket({ src: a, dst: b, seq: 0xfffffff0, ack: 0, flags: { syn: true }, payload: new Uint8Array(0), ipId: 7, mss: 1460 });
    const v = new DataView(p.buffer);
    expect(v.getUint8(9)).toBe(6);
    expect(internetChecksum(p.subarray(0, 20))).toBe(0);
    expect(internetChecksum(pseudoSum(p, 6, p.length - 20))).toBe(0);
    expect(v.getUint8(32) >> 4).toBe(6);
    expect(v.getUint8(33)).toBe(0x02);
    expect(v.getUint32(24)).toBe(0xfffffff0);
    expect(Array.from(p.subarray(40, 44))).toEqual([2, 4, 0x05, 0xb4]);
  });

  it('sets PSH/ACK/FIN/RST bits and carries the payload', () => {
    const p = buildTcpPacket({ src: a, dst: b, seq: 1, ack: 2, flags: { psh: true, ack: true, fin: true, rst: true }, window: 1024, payload: text('abc'), ipId: 9 });
    const v = new DataView(p.buffer);
    expect(v.getUint8(33)).toBe(0x1d);
    expect(v.getUint16(34)).toBe(1024);
    expect(internetChecksum(pseudoSum(p, 6, p.length - 20))).toBe(0);
    expect(p.subarray(40)).toEqual(text('abc'));
  });
});

describe('TcpFlowTracker', () => {
  it('produces a consistent handshake, data with ACKs, MSS splitting and teardown', () => {
    const tracker = new TcpFlowTracker();
    const conn = { id: 'c1', client: { address: '10.0.0.1', port: 40000 }, server: { address: '10.0.0.2', port: 2000 } };
    const hs = tracker.open(conn).map(decodeTcp);
    expect(hs.map((s) => s.flags)).toEqual([0x02, 0x12, 0x10]);
    expect(hs[1]!.ack).toBe((hs[0]!.seq + 1) >>> 0);
    expect(hs[2]!.seq).toBe((hs[0]!.seq + 1) >>> 0);
    expect(hs[2]!.ack).toBe((hs[1]!.seq + 1) >>> 0);

    const big = new Uint8Array(3000).fill(65);
    const data = tracker.data('c1', true, big).map(decodeTcp);
    expect(data.map((s) => s.payloadLength)).toEqual([1460, 0, 1460, 0, 80, 0]);
    expect(data.map((s) => s.flags)).toEqual([0x18, 0x10, 0x18, 0x10, 0x18, 0x10]);
    expect(data[2]!.seq).toBe((data[0]!.seq + 1460) >>> 0);
    expect(data[5]!.ack).toBe((data[0]!.seq + 3000) >>> 0);

    const reply = tracker.data('c1', false, text('pong')).map(decodeTcp);
    expect(reply[0]!.srcPort).toBe(2000);
    expect(reply[0]!.seq).toBe(hs[2]!.ack);
    expect(reply[1]!.ack).toBe((reply[0]!.seq + 4) >>> 0);

    const fin1 = tracker.close('c1', true).map(decodeTcp);
    expect(fin1.map((s) => s.flags)).toEqual([0x11, 0x10]);
    expect(fin1[1]!.ack).toBe((fin1[0]!.seq + 1) >>> 0);
    expect(tracker.data('c1', true, text('late'))).toEqual([]);
    const fin2 = tracker.close('c1', false).map(decodeTcp);
    expect(fin2[0]!.ack).toBe((fin1[0]!.seq + 1) >>> 0);
    expect(fin2[0]!.flags).toBe(0x11);
    expect(tracker.has('c1')).toBe(false);
  });

  it('ignores unknown connections and shares IP ids per host', () => {
    const ids = new IpIdAllocator();
    const tracker = new TcpFlowTracker({ ipIds: ids });
    expect(tracker.data('nope', true, text('x'))).toEqual([]);
    expect(tracker.close('nope', true)).toEqual([]);
    tracker.open({ id: 'c', client: a, server: b });
    expect(ids.allocate(a.address)).toBe(3);
    expect(ids.allocate(b.address)).toBe(2);
    const rst = tracker.abort('c', true).map(decodeTcp);
    expect(rst[0]!.flags).toBe(0x14);
  });
});
