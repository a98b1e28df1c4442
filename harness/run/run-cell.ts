import { LADDER_ORDER, LabError } from '../../simulators';
import type { ArgSpec, ArgValue, Lab, LogRecord, Scalar, ValueSpec } from '../../simulators';
import { LabRuntime, type RunningNode } from '../lab/lab-runtime';
import type { RuntimeKind } from '../lab/lab-runtime';
import { labAt } from '../scenario/expand-axes';
import type { ResolvedActor, ScenarioCell } from '../scenario/expand-axes';
import type { Claim } from '../scenario/claim-schema';
import type { Expectation, MatcherValue, NetworkFault, RawArg, Step, SurfaceRef, Target } from '../scenario/scenario-schema';
import { formatRef } from '../scenario/scenario-schema';
import { ACTOR_SURFACES, CONFIG_OPERATIONS, actionsOf, observationsOf, selectorsOf } from '../scenario/vocabulary';
import { CaptureCollector } from '../trace/capture-collector';
import type { WireEvent } from '../trace/ladder';
import { cellVerdict, gradeClaim } from './results';
import type { CellResult, ClaimEvidence, ClaimVerdict, Documented } from './results';

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
  /** Who each actor's host is, for the ladder: host → 'alice (7975-sccp)', 'alice (oc)'. */
  actorNames: Map<string, string>;
  pcap: Uint8Array;
  /** The same capture as pcapng, each packet commented with the scenario step it belongs to. */
  pcapng: Uint8Array;
  /** The TLS key log of the cell's handshakes (NSS SSLKEYLOGFILE format): Wireshark decrypts the pcap with it. */
  keylog: string;
  logs: LogRecord[];
}

const ACTION_WITHIN_MS = 10_000;
/**
 * After the steps. In memory: 40 virtual seconds, long enough for every RFC 3261 timer (64·T1 = 32 s) to run
 * out, so the capture and the invariants see the lab at rest (and cost nothing). On sockets: until nothing is
 * left open, at most 300 ms of wall time.
 */
const QUIESCE_MS = { memory: 40_000, sockets: 300 } as const;

/** An expectation that ran, and whether it held. */
interface ExpectationRecord {
  step: Expectation;
  held: boolean;
  failure?: CellFailure;
  /** What the targets showed when it held. */
  seen?: string;
}

/** The cell stops here: an expectation did not hold, or the product refused an action (an observed outcome). */
class CellStopped extends Error {
  constructor(readonly failure: CellFailure) {
    super(`${failure.step}: expected ${failure.expected}; observed ${failure.observed}`);
  }
}

/**
 * Runs one cell on a fresh lab at the cell's releases: executes its steps, checks the post-scenario
 * invariants, and grades every listed claim on the expectations that name it. Never throws: a crash is an
 * `error` cell with the reason, and the evidence captured so far is kept.
 */
export async function runCell(cell: ScenarioCell, options: CellRunOptions): Promise<CellOutcome> {
  const started = Date.now();
  const hostByAddress = new Map<string, string>();
  const capture = new CaptureCollector(Date.UTC(2009, 4, 1, 9, 0, 0), (a) => hostByAddress.get(a) ?? a);
  let runtime: LabRuntime | undefined;
  let executor: StepExecutor | undefined;
  let stopped: CellFailure | undefined;
  let crash: string | undefined;
  let leaks: string[] = [];
  let setupEvents = 0;
  const keylog: string[] = [];
  try {
    runtime = await LabRuntime.start(labAt(options.lab, cell.releases), {
      runtime: options.runtime,
      seed: options.seed,
      capture,
      keylog: (line) => keylog.push(line),
      defects: cell.defects,
      ...(options.addressPrefix ? { addressPrefix: options.addressPrefix } : {}),
    });
    for (const h of runtime.network.hosts()) hostByAddress.set(h.address, h.hostName);
    setupEvents = capture.eventCount;
    executor = new StepExecutor(runtime, cell, capture);
    for (const step of cell.steps) {
      capture.mark(runtime.driver.clock.now(), `${step.loc.path}: ${describeStep(step)}`);
      await executor.run(step);
    }
    capture.mark(runtime.driver.clock.now(), 'end of steps: clients sign out, timers run out, invariants');
    await executor.tidy();
    const lab = runtime;
    await lab.driver.runUntil(options.runtime === 'sockets' ? () => lab.leaks().length === 0 : () => false, QUIESCE_MS[options.runtime]);
    leaks = runtime.leaks();
  } catch (e) {
    if (e instanceof CellStopped) stopped = e.failure;
    else crash = describeCrash(e);
  } finally {
    try {
      if (runtime) await runtime.stop();
    } catch (e) {
      crash ??= `stopping the lab failed: ${describeCrash(e)}`;
    }
  }
  if (leaks.length > 0 && !crash && !stopped) crash = `invariant broken: ${leaks.join('; ')}`;

  const claimVerdicts = gradeClaims(cell, options.claims, executor?.records ?? [], stopped, crash);
  const primary = options.claims.get(cell.scenario.claims[0] ?? '');
  const decisive = cellVerdict(claimVerdicts);
  const documented: Documented = primary?.documented ?? 'supported';
  const failure = stopped ?? (decisive && (decisive.verdict === 'drift' || decisive.verdict === 'error') && decisive.failedStep !== undefined
    ? { step: decisive.failedStep, expected: decisive.expected ?? '', observed: decisive.observed ?? '' }
    : undefined);
  const detail = decisive?.expected !== undefined || decisive?.observed !== undefined ? decisive : undefined;
  const result: Omit<CellResult, 'evidence'> = {
    id: cell.id,
    scenario: cell.scenario.id,
    claims: cell.scenario.claims,
    feature: primary?.statement ?? cell.scenario.title,
    axes: cell.axes,
    releases: Object.fromEntries(Object.entries(cell.releases).filter(([, v]) => v !== '')),
    documented,
    verdict: decisive?.verdict ?? 'error',
    claimVerdicts,
    ...(primary?.defect ? { defect: primary.defect } : {}),
    ...(detail?.failedStep !== undefined ? { failedStep: detail.failedStep } : {}),
    ...(detail?.expected !== undefined ? { expected: detail.expected } : {}),
    ...(detail?.observed !== undefined ? { observed: detail.observed } : {}),
    durationMs: Date.now() - started,
  };
  const events = capture.events;
  const hosts = orderHosts(events.slice(setupEvents), runtime);
  // The captures are built when first read: a test that keeps no evidence of a passing cell never builds the pcapng.
  const trace = capture.pcap;
  let pcap: Uint8Array | undefined;
  let pcapng: Uint8Array | undefined;
  return {
    result,
    ...(failure ? { failure } : {}),
    ...(crash ? { crash } : {}),
    leaks,
    events,
    setupEvents,
    hosts,
    actorNames: new Map([...actorNames(cell, labAt(options.lab, cell.releases))].filter(([host]) => hosts.includes(host))),
    get pcap() {
      return (pcap ??= trace.toBytes());
    },
    get pcapng() {
      return (pcapng ??= trace.toPcapng());
    },
    keylog: keylog.join(''),
    logs: runtime ? [...runtime.log.records] : [],
  };
}

/** Every listed claim, graded on the expectations that name it (docs/verdicts.md). */
function gradeClaims(cell: ScenarioCell, claims: ReadonlyMap<string, Claim>, records: readonly ExpectationRecord[], stopped: CellFailure | undefined, crash: string | undefined): ClaimVerdict[] {
  const releases = Object.entries(cell.releases).filter(([, v]) => v !== '').map(([k, v]) => `${k} ${v}`).join(', ');
  return cell.scenario.claims.map((id) => {
    const claim = claims.get(id);
    const documented: Documented = claim?.documented ?? 'supported';
    const knownIssue = documented === 'known-issue';
    const affected = knownIssue && claim?.defect !== undefined ? cell.defects.has(claim.defect) : undefined;
    const mine = records.filter((r) => r.step.claims.includes(id));
    // For a known issue, only the side the release needs is evidence; untagged expectations are preconditions.
    const evidence = knownIssue ? mine.filter((r) => r.step.shows !== undefined) : mine;
    const failed = mine.find((r) => !r.held)?.failure ?? (stopped && !records.some((r) => !r.held) && id === cell.scenario.claims[0] ? stopped : undefined);
    const held = evidence.filter((r) => r.held);
    const e: ClaimEvidence = {
      statement: claim?.statement ?? id,
      documented,
      held: held.length,
      ...(failed ? { failed } : {}),
      ...(affected !== undefined ? { affected } : {}),
      ...(claim?.corrected ? { corrected: claim.corrected } : {}),
      ...(held.length > 0 ? { seen: held.map((r) => r.seen ?? '').filter(Boolean).join('; ') } : {}),
    };
    return gradeClaim(id, e, { ...(crash !== undefined ? { crash } : {}), ...(stopped ? { stoppedAt: stopped.step } : {}), releases });
  });
}

function describeCrash(e: unknown): string {
  if (e instanceof LabError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return String(e);
}

/**
 * Each actor's hosts, named for the ladder: the surface every actor has (no opt-in: the device of its endpoint) as
 * 'alice (7975-sccp)', a surface the actor opted in to by its name ('alice (oc)').
 */
function actorNames(cell: ScenarioCell, lab: Lab): Map<string, string> {
  const names = new Map<string, string>();
  for (const actor of Object.values(cell.actors)) {
    for (const [surface, word] of ACTOR_SURFACES) {
      const optIn = word.surface.optIn;
      if (optIn !== undefined && !actor[optIn]) continue;
      const host = word.surface.host(lab, actor);
      if (host !== undefined && !names.has(host)) names.set(host, `${actor.name} (${optIn === undefined ? actor.endpoint : surface})`);
    }
  }
  return names;
}

/** The ladder's columns: the hosts the scenario's messages touch, along the RCC path (LADDER_ORDER), anything else last. */
function orderHosts(events: readonly WireEvent[], runtime: LabRuntime | undefined): string[] {
  const seen = new Set<string>();
  for (const e of events) if (e.protocol !== 'STEP') for (const h of [e.from, e.to]) seen.add(h);
  const rank = new Map<string, number>();
  for (const n of runtime?.nodes.values() ?? []) rank.set(n.host, LADDER_ORDER.includes(n.kind.kind) ? LADDER_ORDER.indexOf(n.kind.kind) : LADDER_ORDER.length);
  const r = (h: string): number => rank.get(h) ?? LADDER_ORDER.length + 1;
  return [...seen].sort((a, b) => r(a) - r(b) || a.localeCompare(b));
}

function formatArg(arg: RawArg | undefined): string {
  if (arg === undefined) return '';
  if (typeof arg === 'object') return ` { ${Object.entries(arg).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;
  return ` ${String(arg)}`;
}

/** A step in one line, for the ladder: `alice.oc makeCall bob`, `await bob.phone { callState: ringIn }`. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'action':
      return `${formatRef(step.ref)} ${step.action}${formatArg(step.arg)}`;
    case 'await':
    case 'expect':
      return `${step.kind} ${describeTargets(step.targets)}${step.shows ? ` (shows ${step.shows})` : ''}`;
    case 'configure':
      return `configure ${step.target}`;
    case 'wait':
      return `wait ${step.ms / 1000}s`;
    case 'network':
      return `network ${describeFault(step.fault)}`;
  }
}

function describeFault(fault: NetworkFault): string {
  if ('loss' in fault) return `loss ${+(fault.loss * 100).toFixed(2)}% on every link`;
  return 'partition' in fault ? `partition ${fault.partition.join(' | ')}` : `heal ${fault.heal.join(' | ')}`;
}

function describeTargets(targets: readonly Target[]): string {
  return targets.map((t) => `${formatRef(t.ref)} ${formatMatcher(t.matcher)}`).join(', ');
}

function formatMatcher(m: Record<string, MatcherValue>): string {
  return `{ ${Object.entries(m).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;
}

/**
 * Executes steps against the nodes' declared surfaces (simulators/nodes/*-kind.ts): actions, awaits,
 * expectations and configuration operations. It names no action, observation or host of its own.
 */
class StepExecutor {
  /** Per node and sequence observation, how many entries earlier matches consumed. */
  private readonly cursors = new Map<string, number>();
  /** How many captured messages earlier `wire` matches have consumed. */
  private wireCursor = 0;
  readonly records: ExpectationRecord[] = [];

  constructor(private readonly lab: LabRuntime, private readonly cell: ScenarioCell, private readonly capture: CaptureCollector) {}

  async run(step: Step): Promise<void> {
    const where = `${step.loc.path} (${step.loc.file}:${step.loc.line})`;
    switch (step.kind) {
      case 'action':
        return this.action(step.ref, step.action, step.arg, where);
      case 'wait':
        await this.lab.driver.runUntil(() => false, step.ms);
        return;
      case 'await': {
        const held = await this.lab.driver.runUntil(() => step.targets.every((t) => this.matches(t, false)), step.withinMs);
        return this.settle(step, held, where, `within ${step.withinMs / 1000}s`);
      }
      case 'expect':
        return this.settle(step, step.targets.every((t) => this.matches(t, false)), where, 'now');
      case 'configure':
        return this.configure(step.target, step.args, where);
      case 'network':
        return this.network(step.fault);
    }
  }

  /** A network fault through the seam's link conditions (the in-memory network draws its losses from the cell's seed). */
  private network(fault: NetworkFault): void {
    const net = this.lab.network;
    if ('loss' in fault) {
      const hosts = net.hosts().map((h) => h.hostName);
      for (let i = 0; i < hosts.length; i++) for (let j = i + 1; j < hosts.length; j++) net.setLink(hosts[i] as string, hosts[j] as string, { loss: fault.loss });
    } else if ('partition' in fault) net.setLink(...fault.partition, { partitioned: true });
    else net.setLink(...fault.heal, { partitioned: false });
  }

  /** Records an expectation's outcome; one that did not hold stops the cell. */
  private settle(step: Expectation, held: boolean, where: string, when: string): void {
    if (!held) {
      const failure = this.describe(where, step.targets, when);
      this.records.push({ step, held: false, failure });
      throw new CellStopped(failure);
    }
    const seen = this.observedNow(step.targets);
    for (const t of step.targets) this.matches(t, true);
    this.records.push({ step, held: true, seen: `${describeTargets(step.targets)} (${where})${seen ? `: ${seen}` : ''}` });
  }

  /** After the steps, every node's own tidy-up (Communicator signs out, as a user closing it would). */
  async tidy(): Promise<void> {
    for (const n of this.lab.nodes.values()) {
      const tidy = n.kind.surface?.tidy;
      if (tidy) await this.lab.driver.complete(tidy(n.node), ACTION_WITHIN_MS, `${n.host} tidies up`);
    }
  }

  private actor(name: string): ResolvedActor {
    const actor = this.cell.actors[name];
    if (!actor) throw new LabError('UC_SCENARIO', `unknown actor ${name}`);
    return actor;
  }

  /** The host a surface reference names: a lab host, or the host an actor's surface maps to. */
  private hostOf(ref: SurfaceRef): string {
    if (ref.kind === 'host') return ref.host;
    const host = ACTOR_SURFACES.get(ref.surface)?.surface.host(this.lab.lab, this.actor(ref.actor));
    if (host === undefined) throw new LabError('UC_SCENARIO', `${ref.actor}.${ref.surface} has no host in lab ${this.lab.lab.id}`);
    return host;
  }

  private nodeOf(ref: SurfaceRef): RunningNode {
    const host = this.hostOf(ref);
    const node = this.lab.node(host);
    if (!node) throw new LabError('UC_SCENARIO', `no simulated product runs on ${host} (${formatRef(ref)})`);
    return node;
  }

  /** A value as a node receives it: an actor's property where the word names an actor, else the word. */
  private resolve(spec: ValueSpec | undefined, value: Scalar): Scalar {
    if (spec?.kind !== 'actor' || typeof value !== 'string') return value;
    const actor = this.cell.actors[value];
    if (!actor) return value;
    for (const p of spec.property) {
      const v = actor[p];
      if (typeof v === 'string' && v !== 'any') return v;
    }
    throw new LabError('UC_SCENARIO', `actor ${value} has no ${spec.property.join(' or ')}`);
  }

  private resolveArg(spec: ArgSpec | undefined, raw: RawArg | undefined): ArgValue | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'object') return this.resolve(spec?.kind === 'fields' ? undefined : spec, raw);
    const fields = spec?.kind === 'fields' ? spec.fields : {};
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, this.resolve(fields[k], v)]));
  }

  private async action(ref: SurfaceRef, action: string, raw: RawArg | undefined, where: string): Promise<void> {
    const what = `${where} ${formatRef(ref)} ${action}${formatArg(raw)}`;
    const node = this.nodeOf(ref);
    const decl = actionsOf(node.kind)[action];
    if (!decl) throw new LabError('UC_SCENARIO', `${formatRef(ref)} (${node.kind.kind}) has no action ${action}`);
    try {
      await this.lab.driver.complete(decl.run(node.node, this.resolveArg(decl.arg, raw)), ACTION_WITHIN_MS, what);
    } catch (e) {
      // A product refusing the action (no call to answer, a request timed out) is an observed outcome.
      if (e instanceof LabError && (e.code === 'UC_NODE' || e.code === 'UC_WAIT_TIMEOUT')) throw new CellStopped({ step: what, expected: `${action} succeeds`, observed: e.message });
      throw e;
    }
  }

  private async configure(target: string, args: Record<string, unknown>, where: string): Promise<void> {
    const entry = CONFIG_OPERATIONS.get(target);
    if (!entry) throw new LabError('UC_SCENARIO', `${where}: ${target} is not a configuration operation`);
    const parsed = entry.op.args.safeParse(args);
    if (!parsed.success) throw new LabError('UC_SCENARIO', `${where}: ${target}: ${parsed.error.message}`);
    const nodes = this.lab.nodesOf(entry.kind.kind).map((n) => n.node);
    try {
      await this.lab.driver.complete(Promise.resolve(entry.op.run(nodes, parsed.data)), ACTION_WITHIN_MS, `${where} ${target}`);
    } catch (e) {
      // The product's admin page refusing the change is an observed outcome, like a refused action.
      if (e instanceof LabError && e.code === 'UC_CONFIG') throw new CellStopped({ step: `${where} configure ${target}`, expected: 'the change is accepted', observed: e.message });
      throw e;
    }
  }

  private matches(target: Target, consume: boolean): boolean {
    return target.ref === 'wire' ? this.matchWire(target, consume) : this.matchSurface(target.ref, target.matcher, consume);
  }

  /** The selectors a matcher names (resolved), with defaults for those it does not. */
  private selectorsFor(node: RunningNode, matcher: Record<string, MatcherValue>): Record<string, Scalar> {
    const out: Record<string, Scalar> = {};
    for (const [key, decl] of Object.entries(selectorsOf(node.kind))) {
      const given = matcher[key];
      if (given !== undefined) out[key] = this.resolve(decl.spec, given);
      else if (decl.default !== undefined) out[key] = decl.default;
    }
    return out;
  }

  private matchSurface(ref: SurfaceRef, matcher: Record<string, MatcherValue>, consume: boolean): boolean {
    const node = this.nodeOf(ref);
    const observations = observationsOf(node.kind);
    const selectors = this.selectorsFor(node, matcher);
    const consumed: [string, number][] = [];
    for (const [key, want] of Object.entries(matcher)) {
      const decl = observations[key];
      if (!decl) continue; // a selector
      const have = decl.read(node.node, selectors);
      switch (decl.match ?? 'equals') {
        case 'equals':
          if (have !== want) return false;
          break;
        case 'contains':
          if (typeof have !== 'string' || !have.toLowerCase().includes(String(want).toLowerCase())) return false;
          break;
        case 'seen': {
          const cursorKey = `${node.host} ${key}`;
          const from = this.cursors.get(cursorKey) ?? 0;
          const list = Array.isArray(have) ? have : [];
          const index = list.findIndex((v, i) => i >= from && (v === want || (decl.anyWord !== undefined && want === decl.anyWord)));
          if (index < 0) return false;
          consumed.push([cursorKey, index + 1]);
          break;
        }
      }
    }
    if (consume) for (const [k, v] of consumed) this.cursors.set(k, v);
    return true;
  }

  private wireHost(ref: string): string {
    const dot = ref.indexOf('.');
    return dot < 0 ? ref : this.hostOf({ kind: 'actor', actor: ref.slice(0, dot), surface: ref.slice(dot + 1) });
  }

  /**
   * The indexes of the captured messages from `start` on that the matcher's ends, protocol and `message` select
   * (only the first with `first`). A message's whole text is decoded only when its ends and protocol match.
   */
  private wireMessages(matcher: Record<string, MatcherValue>, start: number, first: boolean): number[] {
    const { from, to, protocol, message } = matcher;
    const fromHost = typeof from === 'string' ? this.wireHost(from) : undefined;
    const toHost = typeof to === 'string' ? this.wireHost(to) : undefined;
    const pattern = typeof message === 'string' ? new RegExp(message) : undefined;
    const out: number[] = [];
    for (let index = start; index < this.capture.eventCount; index++) {
      const event = this.capture.endsOf(index);
      if (
        event !== undefined &&
        event.protocol !== 'STEP' &&
        (fromHost === undefined || event.from === fromHost) &&
        (toHost === undefined || event.to === toHost) &&
        (protocol === undefined || event.protocol === protocol) &&
        (pattern === undefined || pattern.test(this.capture.decodedAt(index)))
      ) {
        out.push(index);
        if (first) break;
      }
    }
    return out;
  }

  private matchWire(target: Target, consume: boolean): boolean {
    const [seen] = this.wireMessages(target.matcher, this.wireCursor, true);
    if (seen === undefined) return false;
    if (consume) this.wireCursor = seen + 1;
    return true;
  }

  /** What the wire did carry: the last messages between the same ends (ignoring `message`), or none. */
  private describeWire(target: Target): string {
    const { message: _pattern, ...ends } = target.matcher;
    const near = this.wireMessages(ends, 0, false).slice(-4).map((index) => {
      const event = this.capture.endsOf(index);
      return `${event?.from ?? ''}→${event?.to ?? ''} ${event?.protocol ?? ''} ${this.capture.summaryAt(index)}`;
    });
    return `wire ${near.length > 0 ? `[${near.join(' | ')}]` : '(no such message)'}`;
  }

  /** What the targets' nodes show now, in one line each. */
  private observedNow(targets: readonly Target[]): string {
    const refs = new Map<string, SurfaceRef>();
    for (const t of targets) if (t.ref !== 'wire') refs.set(formatRef(t.ref), t.ref);
    return [...refs].map(([name, ref]) => {
      const node = this.nodeOf(ref);
      return `${name} ${node.kind.surface?.describe(node.node) ?? ''}`;
    }).join('; ');
  }

  private describe(where: string, targets: readonly Target[], when: string): CellFailure {
    const observed = [this.observedNow(targets), ...targets.filter((t) => t.ref === 'wire').map((t) => this.describeWire(t))].filter(Boolean).join('; ');
    return { step: `${where} ${targets.length === 1 ? 'await/expect' : 'await/expect all'}`, expected: `${describeTargets(targets)} (${when})`, observed };
  }
}
