import { existsSync } from 'node:fs';
import { OcClient, seededRandom } from '../../simulators';
import type { Lab, Scalar } from '../../simulators';
import { LabRuntime, type RunningNode } from '../lab/lab-runtime';
import { loadLab, loadLabById } from '../lab/load-lab';
import { actionsOf, observationsOf } from '../scenario/vocabulary';

export interface LoadCommandOptions {
  scenarios: string;
  lab: string;
  /** Busy-hour call attempts per user. */
  bhca: number;
  /** How long the busy hour lasts, in virtual seconds (3600 for an hour). */
  seconds: number;
  seed: number;
  /** Mean call holding time, virtual seconds (exponential). */
  hold: number;
  /** How long a called user lets the phone ring before answering, virtual seconds. */
  ring: number;
}

interface Person {
  user: Lab['ocs']['users'][number];
  oc: RunningNode;
  phone: RunningNode;
  busy: boolean;
}

/** Percentile of sorted values (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/**
 * `uc-lab load`: a busy hour in virtual time. Every user of the lab signs in to Communicator; then call attempts
 * arrive as a Poisson process (users × BHCA per hour): a caller idle at that moment clicks to call another user
 * (CSTA MakeCall through OCS and CUP to CUCM), the called phone rings, is answered after `ring` seconds, the
 * call is held for an exponentially distributed time and cleared from Communicator. Prints what SIPp prints for
 * a run: attempts, completed and failed calls by cause, response times (MakeCall to the caller's
 * DeliveredEvent, virtual ms) and the wall time it took.
 */
export async function runLoadCommand(opts: LoadCommandOptions): Promise<number> {
  const lab = existsSync(opts.lab) ? loadLab(opts.lab) : loadLabById(opts.lab, opts.scenarios);
  const wall0 = process.hrtime.bigint();
  const runtime = await LabRuntime.start(lab, { runtime: 'memory', seed: opts.seed, maxLogRecords: 10_000 });
  const clock = runtime.driver.clock;
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimer(ms, resolve));
  const read = (n: RunningNode, observation: string, selectors: Record<string, Scalar> = {}): unknown => observationsOf(n.kind)[observation]?.read(n.node, selectors);
  const act = (n: RunningNode, action: string, arg?: Scalar): Promise<unknown> => {
    const decl = actionsOf(n.kind)[action];
    return decl ? decl.run(n.node, arg) : Promise.reject(new Error(`${n.kind.kind} has no action ${action}`));
  };
  // No orderly stop at the end (every Communicator signing out and every phone unregistering, one node after
  // another, took minutes at 30,000 users after the figures were printed): the in-memory lab holds no socket or
  // file, and the process ends (`uc-lab bench --lab --stop` times that stop).
  // By id and by name, not by a scan per user: 30,000 users would cost 1.8 × 10⁹ comparisons.
  const endUserById = new Map<string, (typeof lab.cucm.endUsers)[number]>();
  for (const u of lab.cucm.endUsers) if (!endUserById.has(u.userId)) endUserById.set(u.userId, u);
  const phoneByName = new Map<string, (typeof lab.cucm.phones)[number]>();
  for (const p of lab.cucm.phones) if (!phoneByName.has(p.name)) phoneByName.set(p.name, p);
  const people: Person[] = lab.ocs.users.flatMap((user) => {
    const oc = runtime.node(user.client.host);
    const device = endUserById.get(user.id)?.associatedDevices[0];
    const phoneHost = device === undefined ? undefined : phoneByName.get(device)?.host;
    const phone = phoneHost ? runtime.node(phoneHost) : undefined;
    return oc && phone ? [{ user, oc, phone, busy: false }] : [];
  });
  for (let i = 0; i < people.length; i += 256) {
    await runtime.driver.complete(Promise.allSettled(people.slice(i, i + 256).map((p) => act(p.oc, 'signIn'))), 120_000, 'signing in');
    await runtime.driver.runUntil(() => false, 1_000);
  }
  const ready = people.filter((p) => read(p.oc, 'rccSession') === 'active');
  const signedIn = Number(process.hrtime.bigint() - wall0) / 1e6;
  process.stdout.write(`lab ${lab.id}: ${ready.length} of ${people.length} users signed in with an RCC session (${(signedIn / 1000).toFixed(1)} s wall)\n`);

  const random = seededRandom(opts.seed);
  const rate = (ready.length * opts.bhca) / 3600; // attempts per virtual second
  // Failures by cause, each with its first occurrence so that a vendor can replay that one call.
  const failed = new Map<string, { count: number; first: string }>();
  const endpointOf = (p: Person): string => String((p.phone.config as { phone?: { endpoint?: string } }).phone?.endpoint ?? p.phone.host);
  const fail = (cause: string, caller: Person, callee: Person, t0: number): void => {
    const entry = failed.get(cause);
    if (entry) entry.count++;
    else failed.set(cause, { count: 1, first: `${caller.user.id} (${endpointOf(caller)}) → ${callee.user.id} (${endpointOf(callee)}) at ${(t0 / 1000).toFixed(3)} virtual s` });
  };
  const responseTimes: number[] = [];
  let attempted = 0;
  let completed = 0;
  let callerBusy = 0;
  let calleeBusy = 0;
  let inFlight = 0;
  const start = clock.now();
  const end = start + opts.seconds * 1000;
  const exp = (mean: number): number => -Math.log(1 - random()) * mean;

  const call = async (caller: Person, callee: Person): Promise<void> => {
    caller.busy = true;
    callee.busy = true;
    inFlight++;
    try {
      attempted++;
      const t0 = clock.now();
      const ocOf = (n: RunningNode): OcClient | undefined => (n.node instanceof OcClient ? n.node : undefined);
      const eventsBefore = ocOf(caller.oc)?.observe().events.length ?? 0;
      try {
        await act(caller.oc, 'makeCall', callee.user.rcc.lineUri);
      } catch (e) {
        fail(`MakeCall refused (${e instanceof Error ? e.message.replace(/^[^:]*: /, '') : String(e)})`, caller, callee, t0);
        return;
      }
      await sleep(opts.ring * 1000);
      const delivered = ocOf(caller.oc)?.observe().events.slice(eventsBefore).find((e) => e.type === 'DeliveredEvent');
      if (read(callee.phone, 'callState', { line: 1 }) !== 'ringIn') {
        const callerState = String(read(caller.phone, 'callState', { line: 1 }));
        const events = ocOf(caller.oc)?.observe().events.slice(eventsBefore).map((e) => e.type).join(' ') ?? '';
        fail(
          callerState === 'busy' ? 'called line busy' : `called phone not ringing (${String(read(callee.phone, 'callState', { line: 1 }))}; calling phone ${callerState}; Communicator saw ${events || 'no event'})`,
          caller, callee, t0,
        );
        await act(caller.oc, 'clearConnection').catch(() => undefined);
        await sleep(2_000);
        return;
      }
      if (delivered) responseTimes.push(delivered.t - t0);
      await act(callee.phone, 'answer');
      await sleep(Math.max(1_000, exp(opts.hold * 1000)));
      await act(caller.oc, 'clearConnection').catch(() => undefined);
      await sleep(2_000);
      const callerState = read(caller.phone, 'callState', { line: 1 });
      const calleeState = read(callee.phone, 'callState', { line: 1 });
      if (callerState === 'idle' && calleeState === 'idle') completed++;
      else fail(`not cleared 2 s after ClearConnection (calling phone ${String(callerState)}, called phone ${String(calleeState)})`, caller, callee, t0);
    } finally {
      caller.busy = false;
      callee.busy = false;
      inFlight--;
    }
  };

  // Poisson arrivals: exponential gaps with mean 1/rate.
  let at = start;
  let arrivals = 0;
  const schedule = (): void => {
    at += exp(1000 / rate);
    if (at >= end) return;
    clock.setTimer(at - clock.now(), () => {
      arrivals++;
      const caller = ready[Math.floor(random() * ready.length)];
      let callee = ready[Math.floor(random() * ready.length)];
      if (callee === caller) callee = ready[(ready.indexOf(callee as Person) + 1) % ready.length];
      if (!caller || !callee) return schedule();
      // A user already in a call neither places another nor takes one here (no call waiting in the model).
      if (caller.busy) callerBusy++;
      else if (callee.busy) calleeBusy++;
      else void call(caller, callee);
      schedule();
    });
  };
  if (rate > 0) schedule();
  const wall1 = process.hrtime.bigint();
  let lastReport = Date.now();
  await runtime.driver.runUntil(() => {
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      process.stderr.write(`  ${((clock.now() - start) / 1000).toFixed(0)} virtual s: ${attempted} attempted, ${completed} completed, ${inFlight} in progress\n`);
    }
    return clock.now() >= end && inFlight === 0;
  }, opts.seconds * 1000 + 10 * opts.hold * 1000 + 60_000);
  const wall = Number(process.hrtime.bigint() - wall1) / 1e6;
  const sorted = [...responseTimes].sort((a, b) => a - b);
  const failedTotal = [...failed.values()].reduce((a, b) => a + b.count, 0);
  const lines = [
    `busy hour: ${ready.length} users × ${opts.bhca} BHCA over ${opts.seconds} virtual s (mean hold ${opts.hold} s, ring ${opts.ring} s)`,
    `  arrivals ${arrivals}: caller already in a call ${callerBusy}, called user already in a call ${calleeBusy}, attempted ${attempted}; completed ${completed}; failed ${failedTotal}; still in progress ${inFlight}`,
    ...[...failed].sort((a, b) => b[1].count - a[1].count).map(([cause, f]) => `    failed: ${cause}: ${f.count} (first: ${f.first})`),
    `  response time (MakeCall → DeliveredEvent, virtual ms): p50 ${percentile(sorted, 50).toFixed(1)}, p90 ${percentile(sorted, 90).toFixed(1)}, p99 ${percentile(sorted, 99).toFixed(1)}, max ${(sorted.at(-1) ?? 0).toFixed(1)}`,
    `  wall time ${(wall / 1000).toFixed(1)} s (${((attempted * 1000) / Math.max(1, wall)).toFixed(0)} attempts per wall second); RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return failedTotal > 0 ? 1 : 0;
}
