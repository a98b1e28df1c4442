import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildUdpPacket, IpIdAllocator, TcpFlowTracker } from '../../simulators';
import { tsharkInstalled } from '../../test/support/tshark-evidence';
import { LINKTYPE_RAW, PcapWriter } from './pcap-writer';

const enc = (s: string) => new TextEncoder().encode(s);
const T0 = Date.UTC(2009, 4, 12, 9, 30, 0);

const options = [
  'OPTIONS sip:cup.uc.lab:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 10.1.1.10:5060;branch=z9hG4bK-opt1',
  'Max-Forwards: 70',
  'From: <sip:ocs.uc.lab>;tag=a1',
  'To: <sip:cup.uc.lab>',
  'Call-ID: opt-1@10.1.1.10',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

const body = 'v=0\r\no=- 1 1 IN IP4 10.1.1.10\r\ns=-\r\nc=IN IP4 10.1.1.10\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\n';
const invite = [
  'INVITE sip:1001@cucm.uc.lab;transport=tcp SIP/2.0',
  'Via: SIP/2.0/TCP 10.1.1.20:5060;branch=z9hG4bK-inv1',
  'Max-Forwards: 70',
  'From: <sip:alice@uc.lab>;tag=b2',
  'To: <sip:1001@cucm.uc.lab>',
  'Call-ID: inv-1@10.1.1.20',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@10.1.1.20:5060;transport=tcp>',
  'Content-Type: application/sdp',
  `Content-Length: ${enc(body).length}`,
  '',
  body,
].join('\r\n');

// SCCP KeepAliveMessage (id 0x0000): [length u32le = 4][reserved u32le = 0][messageId u32le = 0].
const keepAlive = new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function buildWriter(): PcapWriter {
  const writer = new PcapWriter();
  const ids = new IpIdAllocator();
  const ocs = { address: '10.1.1.10', port: 5060 };
  const cup = { address: '10.1.1.20', port: 5060 };
  writer.add(T0, buildUdpPacket({ src: ocs, dst: cup, payload: enc(options), ipId: ids.allocate(ocs.address) }), 'steps[0]: OPTIONS');

  const tcp = new TcpFlowTracker({ ipIds: ids });
  let t = T0 + 1;
  const add = (packets: Uint8Array[]) => packets.forEach((p) => writer.add((t += 0.25), p, 'steps[1]: INVITE and SCCP keep-alive'));
  add(tcp.open({ id: 'sip', client: { address: '10.1.1.20', port: 45000 }, server: { address: '10.1.1.30', port: 5060 } }));
  add(tcp.data('sip', true, enc(invite)));
  add(tcp.close('sip', true));
  add(tcp.close('sip', false));

  add(tcp.open({ id: 'sccp', client: { address: '10.1.2.75', port: 50000 }, server: { address: '10.1.1.30', port: 2000 } }));
  add(tcp.data('sccp', true, keepAlive));
  add(tcp.close('sccp', false));
  add(tcp.close('sccp', true));
  return writer;
}

const buildCapture = (): Uint8Array => buildWriter().toBytes();

describe('PcapWriter', () => {
  it('writes the classic libpcap header and records', () => {
    const w = new PcapWriter();
    w.add(1_000_001.5, new Uint8Array([0x45, 0, 0, 20]));
    const bytes = w.toBytes();
    const v = new DataView(bytes.buffer);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    expect(v.getUint16(4, true)).toBe(2);
    expect(v.getUint16(6, true)).toBe(4);
    expect(v.getUint32(16, true)).toBe(262144);
    expect(v.getUint32(20, true)).toBe(LINKTYPE_RAW);
    expect(v.getUint32(24, true)).toBe(1000);
    expect(v.getUint32(28, true)).toBe(1500);
    expect(v.getUint32(32, true)).toBe(4);
    expect(v.getUint32(36, true)).toBe(4);
    expect(bytes.length).toBe(24 + 16 + 4);
    expect(w.packetCount).toBe(1);
  });

  it('is deterministic', () => {
    expect(buildCapture()).toEqual(buildCapture());
    expect(buildWriter().toPcapng()).toEqual(buildWriter().toPcapng());
  });

  it('writes pcapng: a section header, one raw-IPv4 interface, an enhanced packet block per packet with its comment', () => {
    const w = new PcapWriter();
    w.add(1_000_001.5, new Uint8Array([0x45, 0, 0, 20, 1]), 'step');
    const bytes = w.toPcapng();
    const v = new DataView(bytes.buffer);
    expect(v.getUint32(0, true)).toBe(0x0a0d0d0a);
    expect(v.getUint32(8, true)).toBe(0x1a2b3c4d);
    const idb = v.getUint32(4, true);
    expect(v.getUint32(idb, true)).toBe(1);
    expect(v.getUint16(idb + 8, true)).toBe(LINKTYPE_RAW);
    const epb = idb + v.getUint32(idb + 4, true);
    expect(v.getUint32(epb, true)).toBe(6);
    // 1,000,001.5 ms = 1,000,001,500 µs.
    expect(v.getUint32(epb + 16, true)).toBe(1_000_001_500);
    expect([v.getUint32(epb + 20, true), v.getUint32(epb + 24, true)]).toEqual([5, 5]);
    // Packet padded to 8 bytes, then opt_comment (code 1, length 4, 'step'), then opt_endofopt.
    expect([v.getUint16(epb + 36, true), v.getUint16(epb + 38, true)]).toEqual([1, 4]);
    expect(new TextDecoder().decode(bytes.subarray(epb + 40, epb + 44))).toBe('step');
    const length = v.getUint32(epb + 4, true);
    expect(v.getUint32(epb + length - 4, true)).toBe(length);
    expect(epb + length).toBe(bytes.length);
  });

  describe('decoded by tshark', () => {
    const hasTshark = tsharkInstalled;
    let dir = '';
    let file = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'pcap-writer-'));
      file = join(dir, 'trace.pcap');
      writeFileSync(file, buildCapture());
      writeFileSync(join(dir, 'trace.pcapng'), buildWriter().toPcapng());
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const tshark = (args: string[]): string => {
      const r = spawnSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', ...args], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      return r.stdout;
    };

    it('has no malformed frame, bad checksum or TCP analysis problem', () => {
      if (!hasTshark) {
        console.warn('tshark not on PATH: skipping the tshark decode assertions');
        return;
      }
      expect(tshark(['-Y', '_ws.malformed'])).toBe('');
      expect(tshark(['-Y', 'ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0'])).toBe('');
      expect(tshark(['-Y', 'tcp.analysis.flags && !tcp.analysis.window_update'])).toBe('');
    });

    it('decodes SIP over UDP and TCP and SCCP on port 2000', () => {
      if (!hasTshark) {
        console.warn('tshark not on PATH: skipping the tshark decode assertions');
        return;
      }
      const protocols = tshark(['-T', 'fields', '-e', 'frame.protocols']);
      expect(protocols).toMatch(/udp:sip/);
      expect(protocols).toMatch(/tcp:sip/);
      expect(protocols).toMatch(/skinny/);
      expect(tshark(['-Y', 'sip.Method', '-T', 'fields', '-e', 'sip.Method']).trim().split('\n')).toEqual(['OPTIONS', 'INVITE']);
      expect(tshark(['-Y', 'skinny', '-T', 'fields', '-e', 'skinny.messageId']).trim()).toBe('0');
    });

    it('reads the pcapng with the step of each packet as frame.comment', () => {
      if (!hasTshark) {
        console.warn('tshark not on PATH: skipping the tshark decode assertions');
        return;
      }
      const r = spawnSync('tshark', ['-r', join(dir, 'trace.pcapng'), '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment', '-e', 'sip.Method'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines.length).toBe(buildWriter().packetCount);
      expect(lines[0]).toBe('steps[0]: OPTIONS\tOPTIONS');
      expect(lines.filter((l) => l.endsWith('\tINVITE'))).toEqual(['steps[1]: INVITE and SCCP keep-alive\tINVITE']);
    });
  });
});
