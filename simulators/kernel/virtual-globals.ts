import type { TimerHandle, VirtualClock } from './clock';
import type { Random } from './random';

/**
 * Puts third-party code that uses the global timers, Date.now and Math.random (sip.js: RFC 3261 Timer B/F/M,
 * subscription refreshes, branch and tag generation) on the lab's virtual clock and seeded randomness while an in-memory
 * lab runs, the way @sinonjs/fake-timers does, so a 32-second Timer M costs nothing and a run's
 * bytes are a function of its seed. Handles that were created by the real timers are passed through
 * to the real clear functions. See docs/decisions/0003-virtual-time-and-async-io.md.
 *
 * Returns the function that restores the originals. Installing twice is an error: one in-memory lab
 * runs at a time in a process.
 */
let installed = false;
/** Math.random as it was before the lab replaced it (while a lab runs). */
let realRandom: (() => number) | undefined;

/**
 * Runs `fn` with the process's own Math.random, not the lab's seeded one: for work that is not the lab's, such as a
 * library's module initialisation on first use (@faker-js/faker seeds its default instances with Math.random when it
 * loads). Otherwise whether the library was loaded before a cell would move every later draw of that cell.
 */
export function withRealRandom<T>(fn: () => T): T {
  if (!installed || realRandom === undefined) return fn();
  const lab = Math.random;
  Math.random = realRandom;
  try {
    return fn();
  } finally {
    Math.random = lab;
  }
}

interface VirtualTimer {
  readonly virtual: TimerHandle;
  interval?: boolean;
  current?: TimerHandle;
  ref(): VirtualTimer;
  unref(): VirtualTimer;
  hasRef(): boolean;
  refresh(): VirtualTimer;
  [Symbol.toPrimitive](): number;
}

export function installVirtualGlobals(clock: VirtualClock, random: Random): () => void {
  if (installed) throw new Error('virtual globals are already installed: only one in-memory lab may run at a time');
  installed = true;
  const g = globalThis as unknown as Record<string, unknown>;
  const original = {
    setTimeout: g.setTimeout,
    clearTimeout: g.clearTimeout,
    setInterval: g.setInterval,
    clearInterval: g.clearInterval,
    random: Math.random,
    now: Date.now,
  };
  const realClearTimeout = original.clearTimeout as (h: unknown) => void;
  const realClearInterval = original.clearInterval as (h: unknown) => void;

  const makeHandle = (virtual: TimerHandle): VirtualTimer => {
    const handle: VirtualTimer = {
      virtual,
      ref: () => handle,
      unref: () => handle,
      hasRef: () => true,
      refresh: () => handle,
      [Symbol.toPrimitive]: () => virtual.timerId,
    };
    return handle;
  };
  const isVirtual = (h: unknown): h is VirtualTimer => typeof h === 'object' && h !== null && 'virtual' in h;

  g.setTimeout = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    makeHandle(clock.setTimer(ms ?? 0, () => fn(...args)));
  g.clearTimeout = (h: unknown) => {
    if (isVirtual(h)) clock.clearTimer(h.current ?? h.virtual);
    else realClearTimeout(h);
  };
  g.setInterval = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const period = Math.max(1, ms ?? 0);
    let handle: VirtualTimer;
    const tick = (): void => {
      handle.current = clock.setTimer(period, tick);
      fn(...args);
    };
    handle = makeHandle(clock.setTimer(period, tick));
    handle.interval = true;
    return handle;
  };
  g.clearInterval = (h: unknown) => {
    if (isVirtual(h)) {
      clock.clearTimer(h.virtual);
      clock.clearTimer(h.current);
    } else realClearInterval(h);
  };
  realRandom = original.random;
  Math.random = random;
  // sip.js's subscription dialogs count the seconds an Expires has run with Date.now(): on the wall clock, a
  // refresh timer set a moment after its Expires got 3,599 s instead of 3,600 s whenever a wall second ended in
  // between, and the cell's later events (and every seeded draw after them) moved. On the virtual clock the
  // seconds are the lab's own.
  Date.now = () => clock.date().getTime();

  return () => {
    g.setTimeout = original.setTimeout;
    g.clearTimeout = original.clearTimeout;
    g.setInterval = original.setInterval;
    g.clearInterval = original.clearInterval;
    Math.random = original.random;
    Date.now = original.now;
    realRandom = undefined;
    installed = false;
  };
}
