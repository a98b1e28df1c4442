import { LabError, VirtualClock, WallClock, settle } from '../../simulators';
import type { Clock } from '../../simulators';

/**
 * How the harness lets time pass. The in-memory lab moves virtual time only while the harness waits
 * for something; the socket lab lets the wall clock run and looks whenever the lab shows activity.
 * Scenario code is the same for both.
 */
export interface TimeDriver {
  readonly clock: Clock;
  /** Lets time pass until `condition` holds (true) or `withinMs` have passed (false). */
  runUntil(condition: () => boolean, withinMs: number): Promise<boolean>;
  /** Awaits an operation of the lab (which may need time to pass) with a deadline. */
  complete<T>(operation: Promise<T>, withinMs: number, what: string): Promise<T>;
}

export class WaitTimeoutError extends LabError {
  constructor(readonly what: string, readonly withinMs: number) {
    super('UC_WAIT_TIMEOUT', `${what} did not complete within ${withinMs} ms`);
  }
}

abstract class BaseDriver implements TimeDriver {
  abstract readonly clock: Clock;
  abstract runUntil(condition: () => boolean, withinMs: number): Promise<boolean>;

  async complete<T>(operation: Promise<T>, withinMs: number, what: string): Promise<T> {
    type Outcome = { ok: true; value: T } | { ok: false; error: unknown };
    const box: { outcome?: Outcome } = {};
    operation.then(
      (value) => {
        box.outcome = { ok: true, value };
      },
      (error: unknown) => {
        box.outcome = { ok: false, error };
      },
    );
    await this.runUntil(() => box.outcome !== undefined, withinMs);
    const outcome = box.outcome;
    if (!outcome) throw new WaitTimeoutError(what, withinMs);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}

export class VirtualTimeDriver extends BaseDriver {
  constructor(readonly clock: VirtualClock) {
    super();
  }

  runUntil(condition: () => boolean, withinMs: number): Promise<boolean> {
    return this.clock.runUntil(condition, this.clock.now() + withinMs);
  }
}

/**
 * How long the socket lab waits for a sign of activity before it looks again anyway: a state change that no
 * arrival or timer of the lab's own announces (a sip.js user agent's own timer, work that spans several turns of
 * the event loop) is seen within this.
 */
const IDLE_LOOK_MS = 10;

export class WallTimeDriver extends BaseDriver {
  constructor(readonly clock: WallClock) {
    super();
  }

  /** Looks at the condition whenever the lab shows activity (a message arrived, a timer fired), not on a timer. */
  async runUntil(condition: () => boolean, withinMs: number): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      await settle(1);
      if (condition()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return condition();
      await this.clock.activity(Math.min(IDLE_LOOK_MS, left));
    }
  }
}
