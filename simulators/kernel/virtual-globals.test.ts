import { VirtualClock } from './clock';
import { seededRandom } from './random';
import { installVirtualGlobals } from './virtual-globals';

describe('the globals third-party code reads while an in-memory lab runs', () => {
  it('Date.now follows the virtual clock (sip.js counts an Expires with it), and is the real one again afterwards', async () => {
    const clock = new VirtualClock();
    const realNow = Date.now;
    const uninstall = installVirtualGlobals(clock, seededRandom(1));
    try {
      expect(Date.now()).toBe(Date.UTC(2009, 4, 1, 9, 0, 0));
      // A wall second passing changes nothing; a virtual one does.
      const before = Math.floor(Date.now() / 1000);
      await clock.advance(999);
      expect(Math.floor(Date.now() / 1000)).toBe(before);
      await clock.advance(1);
      expect(Math.floor(Date.now() / 1000)).toBe(before + 1);
    } finally {
      uninstall();
    }
    expect(Date.now).toBe(realNow);
    expect(Math.abs(Date.now() - new Date().getTime())).toBeLessThan(1000);
  });

  it('Math.random is the seeded stream, the same draws for the same seed', () => {
    const draws = (seed: number): number[] => {
      const uninstall = installVirtualGlobals(new VirtualClock(), seededRandom(seed));
      try {
        return [Math.random(), Math.random(), Math.random()];
      } finally {
        uninstall();
      }
    };
    expect(draws(5)).toEqual(draws(5));
    expect(draws(5)).not.toEqual(draws(6));
  });
});
