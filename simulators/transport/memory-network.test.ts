import { VirtualClock } from '../kernel/clock';
import { seededRandom } from '../kernel/random';
import type { CaptureSink } from './capture';
import { MemoryNetwork } from './memory-network';

const text = (d: Uint8Array): string => new TextDecoder().decode(d);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function lab() {
  const clock = new VirtualClock();
  const captured: string[] = [];
  const capture: CaptureSink = {
    udp: (t, src, dst, p) => captured.push(`${t} udp ${src.address}:${src.port}>${dst.address}:${dst.port} ${text(p)}`),
    tcpOpen: (t, id) => captured.push(`${t} open ${id}`),
    tcpData: (t, id, fromClient, p) => captured.push(`${t} data ${id} ${fromClient ? 'c>s' : 's>c'} ${text(p)}`),
    tcpClose: (t, id, fromClient) => captured.push(`${t} close ${id} ${fromClient ? 'c' : 's'}`),
  };
  const net = new MemoryNetwork({ clock, random: seededRandom(1), capture, defaultLatencyMs: 2 });
  return { clock, net, captured, a: net.addHost('a', '192.0.2.1'), b: net.addHost('b', '192.0.2.2') };
}

describe('MemoryNetwork', () => {
  it('delivers UDP after the link latency and captures it', async () => {
    const { clock, a, b, captured } = lab();
    const got: string[] = [];
    const sb = await b.bindUdp(5060);
    sb.onDatagram((d, from) => got.push(`${clock.now()} ${from.address} ${text(d)}`));
    const sa = await a.bindUdp(5060);
    sa.send({ address: '192.0.2.2', port: 5060 }, bytes('OPTIONS'));
    await clock.advance(10);
    expect(got).toEqual(['2 192.0.2.1 OPTIONS']);
    expect(captured).toEqual(['0 udp 192.0.2.1:5060>192.0.2.2:5060 OPTIONS']);
  });

  it('carries a TCP conversation in order, and closes both sides', async () => {
    const { clock, a, b, captured } = lab();
    const serverGot: string[] = [];
    let serverClosed = false;
    await b.listenTcp(2000, (c) => {
      c.onData((d) => {
        serverGot.push(text(d));
        c.write(bytes('ack'));
      });
      c.onClose(() => {
        serverClosed = true;
      });
    });
    const pending = a.connectTcp({ address: '192.0.2.2', port: 2000 });
    await clock.advance(5);
    const conn = await pending;
    const clientGot: string[] = [];
    conn.onData((d) => clientGot.push(text(d)));
    conn.write(bytes('one'));
    conn.write(bytes('two'));
    await clock.advance(10);
    conn.end();
    await clock.advance(10);
    expect(serverGot).toEqual(['one', 'two']);
    expect(clientGot).toEqual(['ack', 'ack']);
    expect(serverClosed).toBe(true);
    expect(captured[0]).toMatch(/open tcp-1/);
    expect(captured.filter((c) => c.includes('close'))).toHaveLength(2);
  });

  it('refuses a connection nobody listens for, and drops UDP across a partition', async () => {
    const { clock, net, a, b } = lab();
    const refused = a.connectTcp({ address: '192.0.2.2', port: 2748 });
    const assertion = expect(refused).rejects.toThrow(/connection refused/);
    await clock.advance(5);
    await assertion;
    net.setLink('a', 'b', { partitioned: true });
    const got: string[] = [];
    (await b.bindUdp(53)).onDatagram((d) => got.push(text(d)));
    (await a.bindUdp(0)).send({ address: '192.0.2.2', port: 53 }, bytes('q'));
    await clock.advance(10);
    expect(got).toEqual([]);
  });
});
