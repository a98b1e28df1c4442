import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { VirtualClock, WallClock, parseDuration } from './clock';

describe('VirtualClock', () => {
  it('fires timers in time order, then insertion order, without real waiting', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(32_000, () => fired.push('F'));
    clock.setTimer(500, () => fired.push('E1'));
    clock.setTimer(500, () => fired.push('E2'));
    const cancelled = clock.setTimer(100, () => fired.push('never'));
    clock.clearTimer(cancelled);
    await clock.advance(40_000);
    expect(fired).toEqual(['E1', 'E2', 'F']);
    expect(clock.now()).toBe(40_000);
  });

  it('stops at the instant a condition holds and lets promise work settle first', async () => {
    const clock = new VirtualClock();
    let done = false;
    clock.setTimer(1000, () => {
      void Promise.resolve().then(() => {
        done = true;
      });
    });
    clock.setTimer(5000, () => undefined);
    const held = await clock.runUntil(() => done, 10_000);
    expect(held).toBe(true);
    expect(clock.now()).toBe(1000);
  });

  it('reports false at the deadline when the condition never holds', async () => {
    const clock = new VirtualClock();
    expect(await clock.runUntil(() => false, 2500)).toBe(false);
    expect(clock.now()).toBe(2500);
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['5s', 5000],
    ['2m', 120_000],
    [250, 250],
    ['soon', undefined],
  ])('%s -> %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('VirtualClock order (property)', () => {
  it('fires timers in (time, insertion) order, skipping cancelled ones, whatever the schedule', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 200 }), async (plan) => {
        const clock = new VirtualClock();
        const fired: number[] = [];
        const handles = plan.map(([delay], i) => clock.setTimer(delay, () => fired.push(i)));
        plan.forEach(([, cancel], i) => {
          if (cancel) clock.clearTimer(handles[i]);
        });
        await clock.advance(100);
        const expected = plan
          .map(([delay, cancel], i) => ({ delay, cancel, i }))
          .filter((t) => !t.cancel)
          .sort((a, b) => a.delay - b.delay || a.i - b.i)
          .map((t) => t.i);
        expect(fired).toEqual(expected);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('VirtualClock with many cleared timers', () => {
  it('keeps (time, insertion) order when the heap is rebuilt from the live timers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (salt) => {
        const clock = new VirtualClock();
        const fired: number[] = [];
        const expected: Array<{ at: number; i: number }> = [];
        // 12,000 timers, most cleared soon after they are set (as sip.js clears Timer F), some cleared twice,
        // with time moving in between so firing and rebuilding interleave.
        for (let i = 0; i < 12_000; i++) {
          const delay = (i * 7919 + salt) % 997;
          const at = clock.now() + delay;
          const handle = clock.setTimer(delay, () => fired.push(i));
          const cancel = (i * 31 + salt) % 10 < 7;
          if (cancel) {
            clock.clearTimer(handle);
            if (i % 5 === 0) clock.clearTimer(handle);
          } else expected.push({ at, i });
          if (i % 3000 === 2999) await clock.advance(100);
        }
        await clock.advance(2000);
        expect(clock.pendingTimers()).toBe(0);
        expect(fired).toEqual(expected.sort((a, b) => a.at - b.at || a.i - b.i).map((t) => t.i));
      }),
      { numRuns: 5, seed: 11 },
    );
  });
});

describe('VirtualClock and memory', () => {
  it('lets go of a cleared timer\'s closure at once, not at the time it was due', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const clock = new VirtualClock();
    let held: WeakRef<object> | undefined;
    // What sip.js does: Timer F's closure holds the transaction; the final response clears F.
    const timerF = (): (() => void) => {
      const transaction = { request: 'x'.repeat(1000) };
      held = new WeakRef(transaction);
      return () => void transaction.request;
    };
    const handle = clock.setTimer(32_000, timerF());
    clock.setTimer(40_000, () => undefined);
    clock.clearTimer(handle);
    await new Promise<void>((resolve) => setImmediate(resolve)); // a WeakRef's target is kept until the job ends
    gc();
    expect(held?.deref()).toBeUndefined();
    expect(clock.pendingTimers()).toBe(1);
  });
});

describe('WallClock activity (the socket runtime waits on it)', () => {
  it('wakes a waiter at the next nudge, long before its bound', async () => {
    const clock = new WallClock();
    const woke = clock.activity(60_000);
    clock.nudge();
    await woke;
  });

  it('counts a timer it fires as activity', async () => {
    const clock = new WallClock();
    const woke = clock.activity(60_000);
    let fired = false;
    clock.setTimer(0, () => {
      fired = true;
    });
    await woke;
    expect(fired).toBe(true);
  });

  it('keeps nothing of a waiter whose bound passed', async () => {
    const clock = new WallClock();
    for (let i = 0; i < 5; i++) await clock.activity(0);
    expect((clock as unknown as { waiters: Set<unknown> }).waiters.size).toBe(0);
  });
});
