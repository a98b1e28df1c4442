import { VirtualClock } from '../../kernel/clock';
import { MemoryLog } from '../../kernel/logger';
import { seededRandom } from '../../kernel/random';
import { MemoryNetwork } from '../../transport/memory-network';
import type { TcpServer } from '../../transport/network';
import { LoadBalancer } from './load-balancer';

const text = (d: Uint8Array): string => new TextDecoder().decode(d);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A balancer on 192.0.2.10 in front of s1 and s2, which answer each line with their name; clients c1–c3. */
async function lab() {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock, random: seededRandom(1), defaultLatencyMs: 1 });
  const log = new MemoryLog(clock);
  const lbHost = net.addHost('lb', '192.0.2.10');
  const servers = ['s1', 's2'].map((name, i) => ({ name, host: net.addHost(name, `192.0.2.${11 + i}`) }));
  const clients = ['c1', 'c2', 'c3'].map((name, i) => net.addHost(name, `192.0.2.${21 + i}`));
  const listeners = new Map<string, TcpServer>();
  const listen = async (name: string): Promise<void> => {
    const s = servers.find((x) => x.name === name);
    if (!s) return;
    listeners.set(name, await s.host.listenTcp(5060, (c) => c.onData((d) => c.write(bytes(`${name}:${text(d)}`)))));
  };
  for (const s of servers) await listen(s.name);
  const lb = await LoadBalancer.start(
    { network: lbHost, clock, log: log.logger('lb'), random: seededRandom(2), dnsServer: { address: '192.0.2.53', port: 53 } },
    { name: 'pool1.uc.lab', ports: [5060], servers: servers.map((s) => ({ host: s.name, address: s.host.address })), keepalive: { port: 5060, intervalMs: 5_000, retries: 3 } },
  );
  /** Connects from a client to the virtual IP, says `hello`, and returns who answered ('' when the balancer closed it). */
  const ask = async (client: number): Promise<{ answer: string; close: () => void }> => {
    const pending = clients[client]?.connectTcp({ address: '192.0.2.10', port: 5060 });
    await clock.advance(5);
    const c = await pending;
    if (!c) throw new Error(`no client ${client}`);
    let answer = '';
    c.onData((d) => (answer += text(d)));
    c.write(bytes('hello'));
    await clock.advance(10);
    return { answer, close: () => c.end() };
  };
  return { clock, lb, ask, listen, stopListening: (name: string) => listeners.get(name)?.close() };
}

describe('LoadBalancer', () => {
  it('hands each new client address the next server in service, and relays both ways', async () => {
    const { lb, ask } = await lab();
    expect((await ask(0)).answer).toBe('s1:hello');
    expect((await ask(1)).answer).toBe('s2:hello');
    expect((await ask(2)).answer).toBe('s1:hello');
    expect(lb.observe().servers.map((s) => `${s.host} ${s.flows}`)).toEqual(['s1 2', 's2 1']);
    await lb.stop();
  });

  it('keeps a client address on its server for every connection (source-IP stickiness)', async () => {
    const { lb, ask, clock } = await lab();
    const first = await ask(1);
    first.close();
    await clock.advance(10);
    expect(lb.observe().servers.map((s) => s.flows)).toEqual([0, 0]);
    expect((await ask(1)).answer).toBe('s1:hello');
    expect((await ask(1)).answer).toBe('s1:hello');
    expect(lb.observe().sticky).toEqual({ '192.0.2.22': 's1' });
    await lb.stop();
  });

  it('takes a server out of service after three missed keepalives, moves its clients, and brings it back', async () => {
    const { lb, ask, clock, listen, stopListening } = await lab();
    expect((await ask(0)).answer).toBe('s1:hello');
    stopListening('s1');
    // Before the keepalives notice, the sticky server refuses: the balancer closes the client's connection.
    expect((await ask(0)).answer).toBe('');
    await clock.advance(10_000);
    expect(lb.observe().servers[0]?.state).toBe('in-service');
    await clock.advance(5_000);
    expect(lb.observe().servers[0]?.state).toBe('out-of-service');
    expect((await ask(0)).answer).toBe('s2:hello');
    await listen('s1');
    await clock.advance(5_000);
    expect(lb.observe().servers[0]?.state).toBe('in-service');
    // The client stays where it moved to.
    expect((await ask(0)).answer).toBe('s2:hello');
    await lb.stop();
  });

  it('closes a client connection when no server is in service', async () => {
    const { lb, ask, clock, stopListening } = await lab();
    stopListening('s1');
    stopListening('s2');
    // Keepalives at 5, 10 and 15 s, each refused after the link's 1 ms.
    await clock.advance(15_010);
    expect(lb.observe().servers.map((s) => s.state)).toEqual(['out-of-service', 'out-of-service']);
    expect((await ask(2)).answer).toBe('');
    await lb.stop();
  });
});
