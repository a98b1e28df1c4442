/**
 * The time seam. Every node, protocol stack and timer (RFC 3261 T1, Timer B/F, SCCP keepalive, CTI
 * heartbeat) reads time only through a `Clock`; the composition root decides whether that is the
 * virtual clock of the in-memory lab or the wall clock of the socket lab.
 */
export interface TimerHandle {
  readonly timerId: number;
}

export interface Clock {
  /** Milliseconds since the lab's epoch (virtual) or since the clock was created (wall). */
  now(): number;
  /** Calls `fn` once after `delayMs` milliseconds of this clock's time. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Cancels a timer; unknown or already fired handles are ignored. */
  clearTimer(handle: TimerHandle | undefined): void;
  /** Wall-clock date of the lab epoch plus now(); used for pcap timestamps and SIP Date headers. */
  date(): Date;
}

interface ScheduledTask {
  readonly timerId: number;
  readonly at: number;
  readonly seq: number;
  /** Replaced by a no-op when the timer is cleared, so a cancelled timer holds nothing alive until it is dropped. */
  fn: () => void;
}

const CANCELLED = (): void => {};

/**
 * Discrete-event scheduler with virtual time. Time moves only when the runner asks it to
 * (`runUntil`), and before each step every promise continuation already queued runs (and, while work marked
 * with `whileRealWork` is pending, the event loop gets a turn), so a node that awaits a promise sees the same
 * virtual instant it started in (docs/decisions/0003).
 */
export class VirtualClock implements Clock {
  private current = 0;
  private seq = 0;
  private nextId = 1;
  /** A binary min-heap in (at, seq) order: O(log n) to schedule and to take the next timer. */
  private readonly queue: ScheduledTask[] = [];
  /** The timers still due to fire, by id. A cleared timer leaves this map at once and the heap lazily. */
  private readonly live = new Map<number, ScheduledTask>();
  /** Cleared timers still in the heap. */
  private cancelled = 0;
  /** Timers fired since the event loop last had a turn. */
  private sinceTurn = 0;

  constructor(private readonly epoch: Date = new Date(Date.UTC(2009, 4, 1, 9, 0, 0))) {}

  now(): number {
    return this.current;
  }

  date(): Date {
    return new Date(this.epoch.getTime() + this.current);
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timerId = this.nextId++;
    const task: ScheduledTask = { timerId, at: this.current + Math.max(0, delayMs), seq: this.seq++, fn };
    this.insert(task);
    this.live.set(timerId, task);
    return { timerId };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const task = this.live.get(handle.timerId);
    if (task === undefined) return;
    this.live.delete(handle.timerId);
    // sip.js clears its 32-second Timer F when a transaction completes; the closure it set holds the whole
    // transaction (request, responses, user agent client). Dropping the closure now lets that go at once.
    task.fn = CANCELLED;
    this.cancelled++;
    if (this.cancelled > 4096 && this.cancelled * 2 > this.queue.length) this.compact();
  }

  /** Number of timers still due to fire. */
  pendingTimers(): number {
    return this.live.size;
  }

  /** Virtual time of the next timer that will fire, or undefined when nothing is scheduled. */
  nextDue(): number | undefined {
    this.dropCancelled();
    return this.queue[0]?.at;
  }

  /**
   * Fires every timer due at or before `deadline` in (time, insertion) order, letting real async
   * work settle before each one and after the last. Stops early, returning true, as soon as
   * `until()` holds; returns false when the deadline is reached first. Time ends at the instant
   * the condition became true, or at the deadline.
   */
  async runUntil(until: () => boolean, deadline: number): Promise<boolean> {
    for (;;) {
      // Between two timers: every promise continuation runs. The event loop gets a turn while real work is pending,
      // and every 1,024 timers besides, so that a long run still answers a signal and flushes its output.
      await (realWork > 0 || (++this.sinceTurn & 1023) === 0 ? settle() : drainMicrotasks());
      if (until()) return true;
      const next = this.nextDue();
      if (next === undefined || next > deadline) {
        this.current = Math.max(this.current, deadline);
        await settle();
        return until();
      }
      const task = this.pop() as ScheduledTask;
      this.current = Math.max(this.current, task.at);
      if (!this.live.delete(task.timerId)) {
        this.cancelled--;
        continue;
      }
      task.fn();
    }
  }

  /** Advances time by `ms`, firing what falls due. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(() => false, this.current + ms);
  }

  private insert(task: ScheduledTask): void {
    const q = this.queue;
    q.push(task);
    let i = q.length - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!before(task, q[parent] as ScheduledTask)) break;
      q[i] = q[parent] as ScheduledTask;
      i = parent;
    }
    q[i] = task;
  }

  /** Removes and returns the earliest task. */
  private pop(): ScheduledTask | undefined {
    const q = this.queue;
    const top = q[0];
    const last = q.pop();
    if (top === undefined || last === undefined || q.length === 0) return top;
    q[0] = last;
    this.siftDown(0);
    return top;
  }

  private dropCancelled(): void {
    while (this.queue.length > 0 && !this.live.has((this.queue[0] as ScheduledTask).timerId)) {
      this.pop();
      this.cancelled--;
    }
  }

  /**
   * Rebuilds the heap from the live timers when most of it is cancelled ones. (at, seq) is a total order, so the
   * timers fire in exactly the same order whatever shape the heap has.
   */
  private compact(): void {
    const q = this.queue;
    let n = 0;
    for (const task of q) if (this.live.has(task.timerId)) q[n++] = task;
    q.length = n;
    this.cancelled = 0;
    for (let i = (n >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const q = this.queue;
    const task = q[start] as ScheduledTask;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= q.length) break;
      const r = l + 1;
      const child = r < q.length && before(q[r] as ScheduledTask, q[l] as ScheduledTask) ? r : l;
      if (!before(q[child] as ScheduledTask, task)) break;
      q[i] = q[child] as ScheduledTask;
      i = child;
    }
    q[i] = task;
  }
}

/** (time, insertion) order: timers due at the same instant fire in the order they were set. */
function before(a: ScheduledTask, b: ScheduledTask): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Work under way outside the lab's own code that may need an event-loop turn to finish (see `whileRealWork`). */
let realWork = 0;

/**
 * Marks work that may wait on the event loop rather than on promises alone, such as msw answering a Fetch
 * `Request`: while any is pending, the virtual clock gives the event loop a turn before each timer, as it once did
 * before every timer (docs/decisions/0003).
 */
export function whileRealWork<T>(work: () => Promise<T>): Promise<T> {
  realWork++;
  let done: Promise<T>;
  try {
    done = work();
  } catch (e) {
    realWork--;
    throw e;
  }
  // The caller gets the work's own promise (no extra hop before it sees the answer); the count drops beside it.
  const release = (): void => {
    realWork--;
  };
  done.then(release, release);
  return done;
}

/**
 * Runs every promise continuation already queued, however deeply chained, without an event-loop turn. A
 * microtask queued now runs after those already queued; the `nextTick` it queues runs only once V8's microtask
 * queue is empty, because Node runs its tick queue and the microtask queue in turn until both are empty.
 */
function drainMicrotasks(): Promise<void> {
  return new Promise<void>((resolve) => queueMicrotask(() => process.nextTick(resolve)));
}

/**
 * Lets already-started asynchronous work run to completion: one macrotask turn runs every queued promise
 * continuation, however deeply chained (docs/decisions/0003). Virtual time does not move meanwhile.
 */
export async function settle(turns = 1): Promise<void> {
  for (let i = 0; i < turns; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * The socket runtime's clock: real time, real timers. It also carries the lab's activity signal: the network
 * calls `nudge()` when bytes arrive or a connection ends, the clock itself after each timer it fires, and
 * whoever waits for the lab to change state (`activity`) wakes then instead of polling.
 */
export class WallClock implements Clock {
  private readonly started = Date.now();
  private nextId = 1;
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private waiters = new Set<() => void>();

  /** Something happened in the lab (a message arrived, a connection closed, a timer fired): wakes every `activity`. */
  nudge(): void {
    if (this.waiters.size === 0) return;
    const woken = this.waiters;
    this.waiters = new Set();
    for (const w of woken) w();
  }

  /** Resolves at the next `nudge`, or after `ms` milliseconds when nothing happens sooner. */
  activity(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.waiters.add(wake);
    });
  }

  now(): number {
    return Date.now() - this.started;
  }

  date(): Date {
    return new Date();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timerId = this.nextId++;
    const t = setTimeout(() => {
      this.timers.delete(timerId);
      fn();
      this.nudge();
    }, Math.max(0, delayMs));
    this.timers.set(timerId, t);
    return { timerId };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.timers.get(handle.timerId);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(handle.timerId);
  }

  /** Cancels every timer still pending (used when a lab is torn down). */
  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/** Parses durations written as `500ms`, `5s`, `2m` or a bare number of milliseconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return n * factor;
}
