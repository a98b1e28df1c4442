import { ENDPOINTS, type EndpointName, type Lab, type LabVersions, type Product } from '../../simulators';
import { plannedInstances } from '../lab/lab-runtime';
import { personOfPhone } from '../lab/people';
import type { Claim } from './claim-schema';
import { activeDefects, defectRanges } from './load-claims';
import type { ActorSpec, Loc, Scenario, Step, Target, When } from './scenario-schema';
import { isExpectation } from './scenario-schema';
import { ScenarioError } from './scenario-error';
import { ACTOR_SURFACES, CONFIG_OPERATIONS, PLACEHOLDER, VERSION_KEYS, actionsOf, type ActorProperty, type VersionKey } from './vocabulary';

/** An actor of one cell: its endpoint with axes substituted and, when a lab was given, the lab phone and user it plays. */
export interface ResolvedActor {
  name: string;
  /** The endpoint; "any" only when no lab was given to bind it. */
  endpoint: EndpointName | 'any';
  oc: boolean;
  loc: Loc;
  /** Bound from the lab: the phone's device name, its line-1 DN, the CUCM end user owning it, the OCS user's URIs. */
  device?: string;
  dn?: string;
  userId?: string;
  sipUri?: string;
  lineUri?: string;
  displayName?: string;
  nationalNumber?: string;
}

export type CellVersions = Record<VersionKey, string>;

export interface ScenarioCell {
  /** `<scenario id>/<axis>=<value>,<axis>=<value>` (just the scenario id when it has no axes). */
  id: string;
  scenario: Scenario;
  axes: Record<string, string>;
  actors: Record<string, ResolvedActor>;
  /**
   * The steps this cell runs: those whose `when` holds at the cell's releases and whose `shows` matches the
   * defect (a symptom where the defect's range covers the release, the corrected behaviour elsewhere), with
   * `${axis}` and `${actor.property}` substituted.
   */
  steps: Step[];
  /** The releases the cell runs: the lab's, overridden by any axis named after a product. */
  releases: CellVersions;
  /** Defects active at those releases (from the claims' ranges). */
  defects: ReadonlySet<string>;
}

/** A cell id as a folder name: '/' → '__', '=' → '-', anything else unsafe → '_'. */
/**
 * A cell's evidence folder name, safe in a shell without quoting (a vendor pastes it into a command line):
 * `cscsy62620-call-forward/endpoint=7975-sccp,cucm=7.0(2)` → `cscsy62620-call-forward__endpoint-7975-sccp__cucm-7.0-2`.
 */
export function cellFolderName(id: string): string {
  return id
    .replace(/\//g, '__')
    .replace(/,/g, '__')
    .replace(/=/g, '-')
    .replace(/\(/g, '-')
    .replace(/\)/g, '')
    .replace(/[^A-Za-z0-9._+-]/g, '_');
}

function product(axes: Record<string, string[]>): Record<string, string>[] {
  let cells: Record<string, string>[] = [{}];
  for (const [axis, values] of Object.entries(axes)) {
    const next: Record<string, string>[] = [];
    for (const cell of cells) for (const v of values) next.push({ ...cell, [axis]: v });
    cells = next;
  }
  return cells;
}

function substitute(text: string, lookup: (ref: string) => string | undefined): string {
  return text.replace(PLACEHOLDER, (whole, ref: string) => lookup(ref.trim()) ?? whole);
}

function substituteDeep(v: unknown, lookup: (ref: string) => string | undefined): unknown {
  if (typeof v === 'string') return substitute(v, lookup);
  if (Array.isArray(v)) return v.map((x) => substituteDeep(x, lookup));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteDeep(x, lookup)]));
  return v;
}

/** A value put into a regular expression stands for itself: `${bob.dn}` = "+14085551002" must match a '+'. */
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function substituteStep(step: Step, lookup: (ref: string) => string | undefined): Step {
  const literal = (ref: string): string | undefined => {
    const value = lookup(ref);
    return value === undefined ? undefined : escapeRegExp(value);
  };
  // A wire matcher's `message` is a regular expression; every other matcher value is compared as text.
  const targets = (ts: Target[]): Target[] =>
    ts.map((t) => ({
      ...t,
      matcher: Object.fromEntries(Object.entries(t.matcher).map(([k, v]) => [k, typeof v === 'string' ? substitute(v, t.ref === 'wire' && k === 'message' ? literal : lookup) : v])),
    }));
  switch (step.kind) {
    case 'action':
      return step.arg === undefined ? { ...step } : { ...step, arg: substituteDeep(step.arg, lookup) as typeof step.arg };
    case 'await':
      return { ...step, targets: targets(step.targets) };
    case 'expect':
      return { ...step, targets: targets(step.targets) };
    case 'configure':
      return { ...step, args: substituteDeep(step.args, lookup) as Record<string, unknown> };
    case 'wait':
    case 'network':
      return { ...step };
  }
}

function errorAt(loc: Loc, problem: string, expected: readonly string[] = []): ScenarioError {
  return new ScenarioError({ file: loc.file, line: loc.line, column: loc.column, yamlPath: loc.path, problem, expected });
}

/** Bind each actor to a distinct lab phone: named endpoints first, then "any" (the first phone no other actor uses). */
function bindActors(actors: Record<string, ResolvedActor>, specs: Record<string, ActorSpec>, lab: Lab, cellId: string): void {
  const used = new Set<string>();
  const ordered = [...Object.values(actors).filter((a) => a.endpoint !== 'any'), ...Object.values(actors).filter((a) => a.endpoint === 'any')];
  for (const actor of ordered) {
    const spec = specs[actor.name];
    if (!spec) continue;
    const phone = lab.cucm.phones.find((p) => !used.has(p.name) && (actor.endpoint === 'any' || p.endpoint === actor.endpoint));
    if (!phone) {
      const free = lab.cucm.phones.filter((p) => !used.has(p.name)).map((p) => p.endpoint);
      throw errorAt(spec.loc, `cell ${cellId}: lab "${lab.id}" has no free phone for endpoint "${actor.endpoint}"`, free);
    }
    used.add(phone.name);
    Object.assign(actor, personOfPhone(lab, phone));
    if (actor.oc && actor.sipUri === undefined) throw errorAt(spec.loc, `cell ${cellId}: phone ${phone.name} (${phone.endpoint}) has no OCS user to sign in to OC`);
  }
}

/** The releases a cell runs: the lab's, overridden by any axis named after a product (e.g. `cucm: [7.0(2), 8.0(1)]`). */
export function cellVersions(axes: Record<string, string>, versions: LabVersions): CellVersions {
  const lab: Partial<Record<VersionKey, string | boolean>> = versions;
  return Object.fromEntries(VERSION_KEYS.map((key) => [key, axes[key] ?? String(lab[key] ?? '')])) as CellVersions;
}

/** Whether a step's `when` holds for these releases (a step without `when` always applies). */
export function stepApplies(step: { when?: When }, versions: CellVersions): boolean {
  if (!step.when) return true;
  return Object.entries(step.when).every(([k, allowed]) => allowed.includes(versions[k as VersionKey]));
}

/** The lab at a cell's releases (a `cucm: [7.0(2), …]` axis replaces the lab's CUCM release). */
export function labAt(lab: Lab, releases: CellVersions): Lab {
  // The releases were checked against the products' lists at load, so the lab schema accepts them.
  const versions: Record<string, string | boolean | undefined> = { ...lab.versions };
  for (const key of VERSION_KEYS) {
    const value = releases[key];
    if (value === '') continue;
    versions[key] = typeof lab.versions[key] === 'boolean' ? value === 'true' : value;
  }
  return { ...lab, versions: versions as Lab['versions'] };
}

const planned = new WeakMap<Lab, Map<string, ReturnType<typeof plannedInstances>[number]>>();

/** The lab's node instances by host (computed once per lab). */
function instancesOf(lab: Lab): Map<string, ReturnType<typeof plannedInstances>[number]> {
  let found = planned.get(lab);
  if (!found) {
    found = new Map(plannedInstances(lab).map((i) => [i.host, i]));
    planned.set(lab, found);
  }
  return found;
}

/**
 * Checks a cell can run as written, before anything runs: every action is modelled on the instance the actor
 * bound to, every configuration call's arguments are valid, and the cell observes something.
 */
function checkCell(cell: ScenarioCell, lab: Lab): void {
  const instances = instancesOf(lab);
  for (const step of cell.steps) {
    if (step.kind === 'action') {
      const host = step.ref.kind === 'host' ? step.ref.host : ACTOR_SURFACES.get(step.ref.surface)?.surface.host(lab, cell.actors[step.ref.actor] ?? {});
      const instance = host === undefined ? undefined : instances.get(host);
      if (!instance) {
        const who = step.ref.kind === 'host' ? step.ref.host : `${step.ref.actor}.${step.ref.surface}`;
        throw errorAt(step.loc, `cell ${cell.id}: ${who} is not in lab "${lab.id}"`);
      }
      const reason = actionsOf(instance.kind)[step.action]?.notModelled?.(instance.config);
      if (reason) throw errorAt(step.loc, `not modelled: cell ${cell.id}: ${step.action} (${reason}); restrict the scenario's axes to where it is`);
    }
    if (step.kind === 'configure') {
      const op = CONFIG_OPERATIONS.get(step.target);
      const parsed = op?.op.args.safeParse(step.args);
      if (parsed && !parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
        throw errorAt(step.loc, `cell ${cell.id}: ${step.target}: ${problems}`);
      }
    }
  }
  if (!cell.steps.some(isExpectation)) {
    const at = Object.entries(cell.releases).filter(([, v]) => v !== '').map(([k, v]) => `${k} ${v}`).join(', ');
    throw errorAt(cell.scenario.loc, `cell ${cell.id} observes nothing at ${at}: every await and expect is left out by its "when" or "shows"`);
  }
}

/**
 * The cells of a scenario: the cartesian product of its axes (in the order written), each bound to the lab's
 * phones, at its releases, with the steps it runs. Problems that only a cell shows (no free phone, an action not
 * modelled where the actor bound, bad configuration arguments, nothing observed) throw ScenarioError.
 */
export function expandScenario(scenario: Scenario, lab: Lab, claims: readonly Claim[] = []): ScenarioCell[] {
  const endpoints: readonly string[] = ENDPOINTS;
  const ranges = defectRanges(claims);
  const claimById = new Map(claims.map((c) => [c.id, c]));
  return product(scenario.axes).map((axes) => {
    const parts = Object.entries(axes).map(([k, v]) => `${k}=${v}`);
    const id = parts.length > 0 ? `${scenario.id}/${parts.join(',')}` : scenario.id;
    const axisLookup = (ref: string): string | undefined => (ref in axes ? axes[ref] : undefined);

    const actors: Record<string, ResolvedActor> = {};
    for (const [name, spec] of Object.entries(scenario.actors)) {
      const endpoint = substitute(spec.endpoint, axisLookup);
      if (endpoint !== 'any' && !endpoints.includes(endpoint)) throw errorAt(spec.loc, `cell ${id}: "${endpoint}" is not an endpoint`, endpoints);
      actors[name] = { name, endpoint: endpoint as EndpointName | 'any', oc: spec.oc, loc: spec.loc };
    }
    bindActors(actors, scenario.actors, lab, id);

    const lookup = (ref: string): string | undefined => {
      const axis = axisLookup(ref);
      if (axis !== undefined) return axis;
      const dot = ref.indexOf('.');
      if (dot < 0) return undefined;
      const actor = actors[ref.slice(0, dot)];
      const value = actor?.[ref.slice(dot + 1) as ActorProperty];
      return typeof value === 'string' && value !== 'any' ? value : undefined;
    };
    const releases = cellVersions(axes, lab.versions);
    const defects = activeDefects(ranges, releases as Partial<Record<Product, string>>);
    /** `shows: symptom` runs where the claim's defect is active, `shows: fixed` where it is not. */
    const showsApplies = (step: Step): boolean => {
      if (!isExpectation(step) || step.shows === undefined) return true;
      const affected = step.claims.some((c) => {
        const defect = claimById.get(c)?.defect;
        return defect !== undefined && defects.has(defect);
      });
      return (step.shows === 'symptom') === affected;
    };
    const steps = scenario.steps.filter((s) => stepApplies(s, releases) && showsApplies(s)).map((s) => substituteStep(s, lookup));
    const cell: ScenarioCell = { id, scenario, axes, actors, steps, releases, defects };
    checkCell(cell, lab);
    return cell;
  });
}
