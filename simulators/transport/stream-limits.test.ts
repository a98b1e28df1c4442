import { describeStreamLimits } from '../../test/support/stream-limit-cases';
import { VirtualClock } from '../kernel/clock';
import { silentLogger } from '../kernel/logger';
import { seededRandom } from '../kernel/random';
import { MemoryNetwork } from './memory-network';
import type { TcpConnection } from './network';
import { listenLimited } from './stream-limits';

// The listener's limits in virtual time; test/stream-limits.socket.test.ts runs the same cases on sockets.
describeStreamLimits('memory');

describe('listenLimited at fractional virtual times', () => {
  // A busy hour's Poisson arrivals put the clock between milliseconds; the idle deadline must still be reached
  // (it once re-armed itself forever a rounding error short of it).
  it('closes a silent connection accepted between milliseconds, after a bounded number of timers', async () => {
    const random = seededRandom(9);
    for (let i = 0; i < 50; i++) {
      const clock = new VirtualClock();
      const net = new MemoryNetwork({ clock, random: seededRandom(1) });
      const server = net.addHost('server', '10.0.0.1');
      const idleMs = 900_000;
      const listener = await listenLimited(server, clock, silentLogger, 0, { idleMs, perPeer: 4 }, () => undefined);
      // A time with every bit of its mantissa used, as an exponential gap makes it.
      await clock.advance(1_000_000 - Math.log(1 - random()) * 100_000);
      let fired = 0;
      const setTimer = clock.setTimer.bind(clock);
      clock.setTimer = (delay, fn) => setTimer(delay, () => (fired++, fn()));
      let connection: TcpConnection | undefined;
      void net.addHost('pc', '10.0.0.2').connectTcp({ address: server.address, port: listener.local.port }).then((c) => (connection = c));
      await clock.runUntil(() => connection !== undefined, clock.now() + 1_000);
      const c = connection as TcpConnection;
      const opened = clock.now();
      expect(await clock.runUntil(() => c.closed || fired > 1_000, clock.now() + 2 * idleMs)).toBe(true);
      expect(fired).toBeLessThan(100);
      expect(c.closed).toBe(true);
      expect(clock.now() - opened).toBeLessThan(idleMs + 10);
      await net.close();
    }
  });
});
