import { LabError, PRESENCE_STATES } from '../../simulators';
import type { LogRecord, OcClient, OcObservation, Phone, PhoneObservation } from '../../simulators';
import { LabRuntime } from '../lab/lab-runtime';
import type { RuntimeKind } from '../lab/lab-runtime';
import type { Lab } from '../lab/lab-schema';
import { cellVersions, stepApplies } from '../scenario/expand-axes';
import type { ResolvedActor, ScenarioCell } from '../scenario/expand-axes';
import type { Claim } from '../scenario/claim-schema';
import type { MatcherValue, Step, Target } from '../scenario/scenario-schema';
import { CaptureCollector } from '../trace/capture-collector';
import type { WireEvent } from '../trace/ladder';
import { runConfigOperation } from './config-operations';
import { gradeCell } from './results';
import type { CellResult, Documented } from './results';

export interface CellRunOptions {
  runtime: RuntimeKind;
  seed: number;
  lab: Lab;
  claims: ReadonlyMap<string, Claim>;
  /** Sockets runtime: loopback block for the hosts (default 127.0.1). */
  addressPrefix?: string;
}

export interface CellFailure {
  step: string;
  expected: string;
  observed: string;
}

/** Everything one cell leaves behind: its result row and its evidence. */
export interface CellOutcome {
  result: Omit<CellResult, 'evidence'>;
  failure?: CellFailure;
  crash?: string;
  leaks: string[];
  events: WireEvent[];
  /** How many of `events` belong to the lab's start-up, before the first step. */
  setupEvents: number;
  hosts: string[];
  pcap: Uint8Array;
  logs: LogRecord[];
}

const ACTION_WITHIN_MS = 10_000;
/** After the steps: long enough for every RFC 3261 timer (64·T1 = 32 s) to run out. */
const QUIESCE_MS = { memory: 40_000, sockets: 300 } as const;

class ExpectationFailed extends Error {
  constructor(readonly failure: CellFailure) {
    super(`${failure.step}: expected ${failure.expected}; observed ${failure.observed}`);
  }
}

/**
 * Runs one cell on a fresh lab: executes its steps, checks the post-scenario invariants, and grades
 * the cell from what was observed against what the claims document. Never throws: a crash is an
 * `error` cell with the reason, and the evidence captured so far is kept.
 */
export async function runCell(cell: ScenarioCell, options: CellRunOptions): Promise<CellOutcome> {
  const started = Date.now();
  const claim = options.claims.get(cell.scenario.claims[0] ?? '');
  const documented: Documented = claim?.documented ?? 'supported';
  const versions = cellVersions(cell, options.lab.versions);
  const affected = claim ? isAffected(claim, versions) : undefined;
  const hostByAddress = new Map<string, string>();
  const capture = new CaptureCollector(Date.UTC(2009, 4, 1, 9, 0, 0), (a) => hostByAddress.get(a) ?? a);
  let runtime: LabRuntime | undefined;
  let failure: CellFailure | undefined;
  let crash: string | undefined;
  let leaks: string[] = [];
  let setupEvents = 0;
  try {
    runtime = await LabRuntime.start(labAt(options.lab, versions), {
      runtime: options.runtime,
      seed: options.seed,
      capture,
      ...(options.addressPrefix ? { addressPrefix: options.addressPrefix } : {}),
    });
    for (const h of runtime.network.hosts()) hostByAddress.set(h.address, h.hostName);
    setupEvents = capture.eventCount;
    const executor = new StepExecutor(runtime, cell, capture);
    for (const step of cell.steps) {
      if (!stepApplies(step, versions)) continue;
      capture.mark(runtime.driver.clock.now(), `${step.loc.path}: ${describeStep(step)}`);
      await executor.run(step);
    }
    capture.mark(runtime.driver.clock.now(), 'end of steps: OC clients sign out, timers run out, invariants');
    await executor.tidy();
    await runtime.driver.runUntil(() => false, QUIESCE_MS[options.runtime]);
    leaks = runtime.leaks();
  } catch (e) {
    if (e instanceof ExpectationFailed) failure = e.failure;
    else crash = describeCrash(e);
  } finally {
    try {
      if (runtime) await runtime.stop();
    } catch (e) {
      crash ??= `stopping the lab failed: ${describeCrash(e)}`;
    }
  }
  if (leaks.length > 0 && !crash && !failure) crash = `invariant broken: ${leaks.join('; ')}`;
  const verdict = gradeCell({
    documented,
    expectationsHeld: failure === undefined,
    crashed: crash !== undefined,
    ...(affected !== undefined ? { affectedVersion: affected } : {}),
  });
  const result: Omit<CellResult, 'evidence'> = {
    id: cell.id,
    scenario: cell.scenario.id,
    claims: cell.scenario.claims,
    feature: claim?.statement ?? cell.scenario.title,
    axes: cell.axes,
    documented,
    verdict,
    ...(claim?.defect ? { defect: claim.defect } : {}),
    ...(failure ? { failedStep: failure.step, expected: failure.expected, observed: failure.observed } : {}),
    ...(crash && !failure ? { failedStep: 'run', expected: 'the scenario runs to its end with no leak', observed: crash } : {}),
    durationMs: Date.now() - started,
  };
  const events = capture.events;
  return {
    result,
    ...(failure ? { failure } : {}),
    ...(crash ? { crash } : {}),
    leaks,
    events,
    setupEvents,
    hosts: orderHosts(events.slice(setupEvents)),
    pcap: capture.pcap.toBytes(),
    logs: runtime ? runtime.log.records : [],
  };
}

/** The lab with the versions a cell runs (a `cucm: [7.0(2), …]` axis replaces the lab's CUCM release). */
function labAt(lab: Lab, versions: Record<string, string>): Lab {
  return {
    ...lab,
    versions: {
      ...lab.versions,
      cucm: versions.cucm ?? lab.versions.cucm,
      cup: versions.cup ?? lab.versions.cup,
      cupE164RccPatch: versions.cupE164RccPatch !== undefined ? versions.cupE164RccPatch === 'true' : lab.versions.cupE164RccPatch,
    },
  };
}

/** A known issue's claim names the versions it affects; a cell on another version tests the fix. */
function isAffected(claim: Claim, versions: Record<string, string>): boolean | undefined {
  const affected = claim.versions?.affected;
  if (claim.documented !== 'known-issue' || !affected) return undefined;
  return Object.entries(affected).every(([product, list]) => list.includes(versions[product] ?? ''));
}

function describeCrash(e: unknown): string {
  if (e instanceof LabError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return String(e);
}

/**
 * The ladder's columns: the hosts the scenario's messages touch, left to right along the RCC path
 * (OC PCs, OCS pools, CUP, CUCM, phones), with anything else (DNS) at the far right.
 */
function orderHosts(events: readonly WireEvent[]): string[] {
  const seen = new Set<string>();
  for (const e of events) if (e.protocol !== 'STEP') for (const h of [e.from, e.to]) seen.add(h);
  const rank = (h: string): number => (h.startsWith('pc-') ? 0 : h.startsWith('ocs-') ? 1 : h === 'cup' ? 2 : h === 'cucm' ? 3 : h.startsWith('phone-') ? 4 : 5);
  return [...seen].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A step in one line, for the ladder: `alice.oc makeCall bob`, `await bob.phone { callState: ringIn }`. */
function describeStep(step: Step): string {
  switch (step.kind) {
    case 'action':
      return `${step.actor}.${step.surface} ${step.action}${step.arg !== undefined ? ` ${step.arg}` : ''}`;
    case 'await':
    case 'expect':
      return `${step.kind} ${step.targets.map((t) => `${t.surface === 'wire' ? 'wire' : `${t.actor}.${t.surface}`} ${formatMatcher(t.matcher)}`).join(', ')}`;
    case 'configure':
      return `configure ${step.target}`;
    case 'wait':
      return `wait ${step.ms / 1000}s`;
  }
}

/** Executes steps against the lab's surfaces: phone and OC actions, awaits, expectations, configuration. */
class StepExecutor {
  /** Per actor, how many OC events and errors earlier awaits have consumed. */
  private readonly eventCursor = new Map<string, number>();
  private readonly errorCursor = new Map<string, number>();
  /** How many captured messages earlier `wire` matches have consumed. */
  private wireCursor = 0;

  constructor(private readonly lab: LabRuntime, private readonly cell: ScenarioCell, private readonly capture: CaptureCollector) {}

  async run(step: Step): Promise<void> {
    const where = `${step.loc.path} (${step.loc.file}:${step.loc.line})`;
    switch (step.kind) {
      case 'action':
        return this.action(step.actor, step.surface, step.action, step.arg, where);
      case 'wait':
        await this.lab.driver.runUntil(() => false, step.ms);
        return;
      case 'await': {
        const held = await this.lab.driver.runUntil(() => step.targets.every((t) => this.matches(t, false)), step.withinMs);
        if (!held) throw new ExpectationFailed(this.describe(where, step.targets, `within ${step.withinMs / 1000}s`));
        for (const t of step.targets) this.matches(t, true);
        return;
      }
      case 'expect': {
        if (!step.targets.every((t) => this.matches(t, false))) throw new ExpectationFailed(this.describe(where, step.targets, 'now'));
        for (const t of step.targets) this.matches(t, true);
        return;
      }
      case 'configure':
        await this.configure(step.target, step.args, where);
        return;
    }
  }

  /** Signs out every OC client still signed in, as a user closing Communicator would. */
  async tidy(): Promise<void> {
    for (const client of [...this.lab.oc.values(), ...this.lab.ocElsewhere.values()]) {
      if (client.observe().signedIn) await this.lab.driver.complete(client.signOut(), ACTION_WITHIN_MS, `${client.config.userId} signs out`);
    }
  }

  private actor(name: string): ResolvedActor {
    const actor = this.cell.actors[name];
    if (!actor) throw new LabError('UC_SCENARIO', `unknown actor ${name}`);
    return actor;
  }

  private phone(name: string): Phone {
    const actor = this.actor(name);
    const phone = actor.device ? this.lab.phones.get(actor.device) : undefined;
    if (!phone) throw new LabError('UC_SCENARIO', `actor ${name} has no phone in lab ${this.lab.lab.id}`);
    return phone;
  }

  private oc(name: string): OcClient {
    const actor = this.actor(name);
    const client = actor.userId ? this.lab.oc.get(actor.userId) : undefined;
    if (!client) throw new LabError('UC_SCENARIO', `actor ${name} has no Office Communicator in lab ${this.lab.lab.id}`);
    return client;
  }

  /** Communicator on the actor's other PC (the lab's `client.otherLocations`). */
  private ocElsewhere(name: string): OcClient {
    const actor = this.actor(name);
    const client = actor.userId ? this.lab.ocElsewhere.get(actor.userId) : undefined;
    if (!client) throw new LabError('UC_SCENARIO', `actor ${name} (user ${actor.userId ?? '?'}) has no second PC in lab ${this.lab.lab.id} (client.otherLocations)`);
    return client;
  }

  /** An action argument: another actor's number (line URI for OC, DN for a phone) or a dial string. */
  private destination(arg: string | undefined, forOc: boolean): string {
    if (arg === undefined) throw new LabError('UC_SCENARIO', 'this action needs a destination');
    const target = this.cell.actors[arg];
    if (!target) return arg;
    const value = forOc ? (target.lineUri ?? target.dn) : target.dn;
    if (!value) throw new LabError('UC_SCENARIO', `actor ${arg} has no number`);
    return value;
  }

  private async action(actorName: string, surface: 'oc' | 'phone', action: string, arg: string | undefined, where: string): Promise<void> {
    const what = `${where} ${actorName}.${surface} ${action}${arg ? ` ${arg}` : ''}`;
    const op = surface === 'oc' ? this.ocAction(actorName, action, arg) : this.phoneAction(actorName, action, arg);
    try {
      await this.lab.driver.complete(op, ACTION_WITHIN_MS, what);
    } catch (e) {
      // A product refusing the action (no call to answer, request timed out) is an observed outcome.
      if (e instanceof LabError && (e.code === 'UC_NODE' || e.code === 'UC_WAIT_TIMEOUT')) {
        throw new ExpectationFailed({ step: what, expected: `${action} succeeds`, observed: e.message });
      }
      throw e;
    }
  }

  private ocAction(actorName: string, action: string, arg: string | undefined): Promise<void> {
    const oc = this.oc(actorName);
    switch (action) {
      case 'signIn':
        return oc.signIn();
      case 'signOut':
        return oc.signOut();
      case 'makeCall':
        return oc.makeCall(this.destination(arg, true));
      case 'answerCall':
        return oc.answerCall();
      case 'clearConnection':
        return oc.clearConnection();
      case 'singleStepTransfer':
        return oc.singleStepTransfer(this.destination(arg, true));
      case 'deflectCall':
        return oc.deflectCall(this.destination(arg, true));
      case 'holdCall':
        return oc.holdCall();
      case 'retrieveCall':
        return oc.retrieveCall();
      case 'setForwarding':
        return oc.setForwarding(this.destination(arg, true));
      case 'cancelForwarding':
        return oc.cancelForwarding();
      case 'signInElsewhere':
        return this.ocElsewhere(actorName).signIn();
      case 'signOutElsewhere':
        return this.ocElsewhere(actorName).signOut();
      case 'setPresence': {
        const state = PRESENCE_STATES.find((s) => s === arg);
        return state ? oc.setPresence(state) : Promise.reject(new LabError('UC_SCENARIO', `not a status: ${arg}`));
      }
      default:
        return Promise.reject(new LabError('UC_SCENARIO', `OC has no action ${action}`));
    }
  }

  private phoneAction(actorName: string, action: string, arg: string | undefined): Promise<void> {
    const phone = this.phone(actorName);
    switch (action) {
      case 'offHook':
        return phone.offHook();
      case 'onHook':
        return phone.onHook();
      case 'dial':
        return phone.dial(this.destination(arg, false));
      case 'answer':
        return phone.answer();
      case 'hangUp':
        return phone.hangUp();
      case 'forwardAll':
        return phone.forwardAll(this.destination(arg, false));
      case 'cancelForwardAll':
        return phone.forwardAll(undefined);
      default:
        return Promise.reject(new LabError('UC_SCENARIO', `a phone has no action ${action}`));
    }
  }

  private async configure(target: string, args: Record<string, unknown>, where: string): Promise<void> {
    try {
      await this.lab.driver.complete(runConfigOperation(this.lab, target, args, where), ACTION_WITHIN_MS, `${where} ${target}`);
    } catch (e) {
      // The product's admin page refusing the change is an observed outcome, like a refused action.
      if (e instanceof LabError && e.code === 'UC_CONFIG') throw new ExpectationFailed({ step: `${where} configure ${target}`, expected: 'the change is accepted', observed: e.message });
      throw e;
    }
  }

  private matches(target: Target, consume: boolean): boolean {
    if (target.surface === 'wire') return this.matchWire(target, consume);
    return target.surface === 'oc' ? this.matchOc(target, consume) : this.matchPhone(target);
  }

  /** A lab host named directly (`cup`) or through an actor (`alice.phone`, `alice.oc`). */
  private host(ref: string): string {
    const [name, surface] = ref.split('.');
    if (surface === undefined) {
      if (!this.lab.network.hosts().some((h) => h.hostName === ref)) {
        throw new LabError('UC_SCENARIO', `no host "${ref}" in lab ${this.lab.lab.id}; hosts: ${this.lab.network.hosts().map((h) => h.hostName).join(', ')}`);
      }
      return ref;
    }
    const actor = this.actor(name ?? '');
    const host = surface === 'phone'
      ? this.lab.lab.cucm.phones.find((p) => p.name === actor.device)?.host
      : this.lab.lab.ocs.users.find((u) => u.id === actor.userId)?.client.host;
    if (!host) throw new LabError('UC_SCENARIO', `actor ${name} has no ${surface} host`);
    return host;
  }

  private wireMessages(target: Target): { index: number; event: WireEvent }[] {
    const { from, to, protocol, message } = target.matcher;
    const fromHost = typeof from === 'string' ? this.host(from) : undefined;
    const toHost = typeof to === 'string' ? this.host(to) : undefined;
    const pattern = typeof message === 'string' ? new RegExp(message) : undefined;
    return this.capture.events
      .map((event, index) => ({ event, index }))
      .filter(({ event }) =>
        event.protocol !== 'STEP' &&
        (fromHost === undefined || event.from === fromHost) &&
        (toHost === undefined || event.to === toHost) &&
        (protocol === undefined || event.protocol === protocol) &&
        (pattern === undefined || pattern.test(event.summary)),
      );
  }

  private matchWire(target: Target, consume: boolean): boolean {
    const seen = this.wireMessages(target).find(({ index }) => index >= this.wireCursor);
    if (!seen) return false;
    if (consume) this.wireCursor = seen.index + 1;
    return true;
  }

  private matchPhone(target: Target): boolean {
    const obs = this.phone(target.actor).observe();
    const lineNo = typeof target.matcher.line === 'number' ? target.matcher.line : 1;
    const line = obs.lines[lineNo - 1];
    for (const [key, want] of Object.entries(target.matcher)) {
      if (key === 'line') continue;
      if (key === 'registered') {
        if (obs.registered !== want) return false;
        continue;
      }
      if (!line) return false;
      if (key === 'display') {
        if (!line.display.toLowerCase().includes(String(want).toLowerCase())) return false;
        continue;
      }
      const have = (line as unknown as Record<string, MatcherValue>)[key];
      if (have !== want) return false;
    }
    return true;
  }

  private matchOc(target: Target, consume: boolean): boolean {
    const obs = this.oc(target.actor).observe();
    for (const [key, want] of Object.entries(target.matcher)) {
      switch (key) {
        case 'event': {
          const from = this.eventCursor.get(target.actor) ?? 0;
          const index = obs.events.findIndex((e, i) => i >= from && e.type === want);
          if (index < 0) return false;
          if (consume) this.eventCursor.set(target.actor, index + 1);
          break;
        }
        case 'error': {
          const from = this.errorCursor.get(target.actor) ?? 0;
          const index = obs.errors.findIndex((e, i) => i >= from && (want === 'any' || e.value === want));
          if (index < 0) return false;
          if (consume) this.errorCursor.set(target.actor, index + 1);
          break;
        }
        case 'conversation':
          if (obs.conversation !== want) return false;
          break;
        case 'signedIn':
          if (obs.signedIn !== want) return false;
          break;
        case 'rccSession':
          if (obs.rccSession !== want) return false;
          break;
        case 'presence':
          if (obs.presence !== want) return false;
          break;
        case 'caller':
          if (!obs.caller.toLowerCase().includes(String(want).toLowerCase())) return false;
          break;
        case 'forwarding':
          if (obs.forwarding !== want) return false;
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /** What the wire did carry: the last messages between the same ends (ignoring `message`), or none. */
  private describeWire(target: Target): string {
    const { message: _pattern, ...ends } = target.matcher;
    const near = this.wireMessages({ ...target, matcher: ends }).slice(-4).map(({ event }) => `${event.from}→${event.to} ${event.protocol} ${event.summary}`);
    return `wire ${near.length > 0 ? `[${near.join(' | ')}]` : '(no such message)'}`;
  }

  private describe(where: string, targets: readonly Target[], when: string): CellFailure {
    const expected = targets.map((t) => `${t.surface === 'wire' ? 'wire' : `${t.actor}.${t.surface}`} ${formatMatcher(t.matcher)}`).join('; ');
    const observed = [...new Set(targets.filter((t) => t.surface !== 'wire').map((t) => `${t.actor}.${t.surface}`))]
      .map((key) => {
        const [actor, surface] = key.split('.') as [string, string];
        return `${key} ${surface === 'oc' ? describeOc(this.oc(actor).observe()) : describePhone(this.phone(actor).observe())}`;
      })
      .concat(targets.filter((t) => t.surface === 'wire').map((t) => this.describeWire(t)))
      .join('; ');
    return { step: `${where} ${targets.length === 1 ? 'await/expect' : 'await/expect all'}`, expected: `${expected} (${when})`, observed };
  }
}

function formatMatcher(m: Record<string, MatcherValue>): string {
  return `{ ${Object.entries(m).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;
}

function describePhone(o: PhoneObservation): string {
  const lines = o.lines.map((l) => `line${l.line} ${l.dn} callState=${l.callState} ringer=${l.ringer} lamp=${l.lamp} display="${l.display}"`);
  return `{ registered=${o.registered} speaker=${o.speaker} ${lines.join(' | ')} }`;
}

function describeOc(o: OcObservation): string {
  const events = o.events.slice(-6).map((e) => e.type).join(', ');
  const errors = o.errors.slice(-3).map((e) => `${e.request}: ${e.category}/${e.value}`).join(', ');
  return `{ signedIn=${o.signedIn} presence=${o.presence} rccSession=${o.rccSession} conversation=${o.conversation} caller="${o.caller}" events=[${events}] errors=[${errors}] }`;
}

