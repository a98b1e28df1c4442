import { WallTimeDriver } from '../../harness/lab/time-driver';
import { VirtualClock, WallClock } from '../../simulators/kernel/clock';
import type { Clock } from '../../simulators/kernel/clock';
import { silentLogger } from '../../simulators/kernel/logger';
import { seededRandom } from '../../simulators/kernel/random';
import { MemoryNetwork } from '../../simulators/transport/memory-network';
import type { Network, TcpConnection } from '../../simulators/transport/network';
import { SocketNetwork } from '../../simulators/transport/socket-network';
import { listenLimited } from '../../simulators/transport/stream-limits';
import type { StreamLimits } from '../../simulators/transport/stream-limits';

// One code path on both runtimes (docs/decisions/0003): the same listener times out on the virtual clock in
// memory (simulators/transport/stream-limits.test.ts) and on the wall clock over loopback sockets, 127.0.50.x
// (test/stream-limits.socket.test.ts). Conditions are awaited with a deadline, never timed.

const LIMITS = { idleMs: 300, perPeer: 2 };

function setUp(runtime: 'memory' | 'sockets') {
  if (runtime === 'memory') {
    const clock = new VirtualClock();
    const net = new MemoryNetwork({ clock, random: seededRandom(1) });
    return { clock, net, until: (cond: () => boolean) => clock.runUntil(cond, clock.now() + 10_000) };
  }
  const clock = new WallClock();
  const net = new SocketNetwork({ clock, addressPrefix: '127.0.50' });
  const driver = new WallTimeDriver(clock);
  return { clock: clock as Clock & { clearAll?: () => void }, net, until: (cond: () => boolean) => driver.runUntil(cond, 10_000) };
}

/** The listener's cases on one runtime. */
export function describeStreamLimits(runtime: 'memory' | 'sockets'): void {
  describe(`listenLimited on ${runtime}`, () => {
    let lab: ReturnType<typeof setUp>;
    let net: Network;
    afterEach(async () => {
      await net.close();
      (lab.clock as { clearAll?: () => void }).clearAll?.();
    });

    async function echoServer(limits: StreamLimits = LIMITS) {
      lab = setUp(runtime);
      net = lab.net;
      const server = net.addHost('server', '10.0.0.1');
      const listener = await listenLimited(server, lab.clock, silentLogger, 0, limits, (c) => c.onData((d) => c.write(d)));
      return { to: { address: server.address, port: listener.local.port } };
    }
    async function connect(from: string, to: { address: string; port: number }) {
      const connecting = net.addHost(from, from === 'a' ? '10.0.0.2' : '10.0.0.3').connectTcp(to);
      let connection: TcpConnection | undefined;
      void connecting.then((c) => (connection = c));
      await lab.until(() => connection !== undefined);
      const c = connection as TcpConnection;
      const received: string[] = [];
      c.onData((d) => received.push(new TextDecoder().decode(d)));
      return { c, received };
    }

    it('closes a connection that stays silent for the idle time', async () => {
      const { to } = await echoServer();
      const silent = await connect('a', to);
      expect(await lab.until(() => silent.c.closed)).toBe(true);
    });

    it('refuses an address over its limit while another address is answered', async () => {
      // An idle time no run reaches here: only the limit closes anything.
      const { to } = await echoServer({ ...LIMITS, idleMs: 600_000 });
      const first = await connect('a', to);
      const second = await connect('a', to);
      const third = await connect('a', to);
      expect(await lab.until(() => third.c.closed)).toBe(true);
      const other = await connect('b', to);
      other.c.write(new TextEncoder().encode('ping'));
      expect(await lab.until(() => other.received.join('') === 'ping')).toBe(true);
      expect(first.c.closed || second.c.closed).toBe(false);
    });

    it('holds no address to the limit that the listener names unlimited (a load balancer relaying many clients)', async () => {
      const { to } = await echoServer({ ...LIMITS, idleMs: 600_000, unlimited: new Set(['10.0.0.2', '127.0.50.2']) });
      const all = [await connect('a', to), await connect('a', to), await connect('a', to), await connect('a', to)];
      all[3]?.c.write(new TextEncoder().encode('ping'));
      expect(await lab.until(() => all[3]?.received.join('') === 'ping')).toBe(true);
      expect(all.map((x) => x.c.closed)).toEqual([false, false, false, false]);
    });

    if (runtime === 'memory') {
      it('keeps a connection the peer keeps talking on, and closes it once the peer goes quiet', async () => {
        const { to } = await echoServer();
        const talking = await connect('a', to);
        const clock = lab.clock as VirtualClock;
        for (let i = 0; i < 5; i++) {
          await clock.advance(LIMITS.idleMs - 50);
          talking.c.write(new TextEncoder().encode('.'));
        }
        expect(talking.c.closed).toBe(false);
        await clock.advance(LIMITS.idleMs + 50);
        expect(talking.c.closed).toBe(true);
      });
    }
  });
}
