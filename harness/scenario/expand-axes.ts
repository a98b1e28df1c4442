import { ENDPOINTS, type EndpointName, type Lab, type LabVersions } from '../lab/lab-schema';
import type { ActorSpec, Loc, Scenario, Step, Target, When } from './scenario-schema';
import { ScenarioError } from './scenario-error';
import { PLACEHOLDER, VERSION_KEYS, type ActorProperty, type VersionKey } from './vocabulary';

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
}

export interface ScenarioCell {
  /** `<scenario id>/<axis>=<value>,<axis>=<value>` (just the scenario id when it has no axes). */
  id: string;
  scenario: Scenario;
  axes: Record<string, string>;
  actors: Record<string, ResolvedActor>;
  /** Steps with `${axis}` substituted (and `${actor.property}` when a lab was given). */
  steps: Step[];
}

/** A cell id as a folder name: '/' → '__', '=' → '-', anything else unsafe → '_'. */
export function cellFolderName(id: string): string {
  return id
    .replace(/\//g, '__')
    .replace(/=/g, '-')
    .replace(/[^A-Za-z0-9._(),+-]/g, '_');
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
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteDeep(x, lookup)]));
  }
  return v;
}

function substituteStep(step: Step, lookup: (ref: string) => string | undefined): Step {
  const targets = (ts: Target[]): Target[] =>
    ts.map((t) => ({
      ...t,
      matcher: Object.fromEntries(Object.entries(t.matcher).map(([k, v]) => [k, typeof v === 'string' ? substitute(v, lookup) : v])),
    }));
  switch (step.kind) {
    case 'action':
      return step.arg === undefined ? { ...step } : { ...step, arg: substitute(step.arg, lookup) };
    case 'await':
      return { ...step, targets: targets(step.targets) };
    case 'expect':
      return { ...step, targets: targets(step.targets) };
    case 'configure':
      return { ...step, args: substituteDeep(step.args, lookup) as Record<string, unknown> };
    case 'wait':
      return { ...step };
  }
}

function bindingError(actor: ActorSpec, problem: string, expected: readonly string[] = []): ScenarioError {
  return new ScenarioError({
    file: actor.loc.file,
    line: actor.loc.line,
    column: actor.loc.column,
    yamlPath: actor.loc.path,
    problem,
    expected,
  });
}

/** Bind each actor to a distinct lab phone: named endpoints first, then "any" (the first phone no other actor uses). */
function bindActors(actors: Record<string, ResolvedActor>, specs: Record<string, ActorSpec>, lab: Lab, cellId: string): void {
  const used = new Set<string>();
  const ordered = [
    ...Object.values(actors).filter((a) => a.endpoint !== 'any'),
    ...Object.values(actors).filter((a) => a.endpoint === 'any'),
  ];
  for (const actor of ordered) {
    const spec = specs[actor.name];
    if (!spec) continue;
    const phone = lab.cucm.phones.find((p) => !used.has(p.name) && (actor.endpoint === 'any' || p.endpoint === actor.endpoint));
    if (!phone) {
      const free = lab.cucm.phones.filter((p) => !used.has(p.name)).map((p) => p.endpoint);
      throw bindingError(spec, `cell ${cellId}: lab "${lab.id}" has no free phone for endpoint "${actor.endpoint}"`, free);
    }
    used.add(phone.name);
    actor.endpoint = phone.endpoint;
    actor.device = phone.name;
    const dn = phone.lines[0]?.dn;
    if (dn !== undefined) actor.dn = dn;
    const owner = lab.cucm.endUsers.find((u) => u.associatedDevices.includes(phone.name));
    if (owner) actor.userId = owner.userId;
    const ocsUser = owner ? lab.ocs.users.find((u) => u.id === owner.userId) : undefined;
    if (ocsUser) {
      actor.sipUri = ocsUser.sipUri;
      actor.lineUri = ocsUser.rcc.lineUri;
    }
    if (actor.oc && !ocsUser) {
      throw bindingError(spec, `cell ${cellId}: phone ${phone.name} (${phone.endpoint}) has no OCS user to sign in to OC`);
    }
  }
}

/**
 * The cells of a scenario: the cartesian product of its axes (in the order written). `${axis}` is substituted in
 * actors and steps. With a lab, every actor is bound to a lab phone and `${actor.device|dn|userId|sipUri|lineUri|endpoint}`
 * is substituted too; without one, "any" and actor placeholders stay as written.
 */
export function expandScenario(scenario: Scenario, lab?: Lab): ScenarioCell[] {
  const endpoints: readonly string[] = ENDPOINTS;
  return product(scenario.axes).map((axes) => {
    const parts = Object.entries(axes).map(([k, v]) => `${k}=${v}`);
    const id = parts.length > 0 ? `${scenario.id}/${parts.join(',')}` : scenario.id;
    const axisLookup = (ref: string): string | undefined => (ref in axes ? axes[ref] : undefined);

    const actors: Record<string, ResolvedActor> = {};
    for (const [name, spec] of Object.entries(scenario.actors)) {
      const endpoint = substitute(spec.endpoint, axisLookup);
      if (endpoint !== 'any' && !endpoints.includes(endpoint)) {
        throw bindingError(spec, `cell ${id}: "${endpoint}" is not an endpoint`, endpoints);
      }
      actors[name] = { name, endpoint: endpoint as EndpointName | 'any', oc: spec.oc, loc: spec.loc };
    }
    if (lab) bindActors(actors, scenario.actors, lab, id);

    const lookup = (ref: string): string | undefined => {
      const axis = axisLookup(ref);
      if (axis !== undefined) return axis;
      const dot = ref.indexOf('.');
      if (dot < 0) return undefined;
      const actor = actors[ref.slice(0, dot)];
      const prop = ref.slice(dot + 1) as ActorProperty;
      const value = actor?.[prop];
      return typeof value === 'string' && value !== 'any' ? value : undefined;
    };
    const steps = scenario.steps.map((s) => substituteStep(s, lookup));
    return { id, scenario, axes, actors, steps };
  });
}

export type CellVersions = Record<VersionKey, string>;

/** The versions a cell runs: the lab's, overridden by any axis named after a product (e.g. `cucm: [7.0(2), 8.0(1)]`). */
export function cellVersions(cell: ScenarioCell, versions: LabVersions): CellVersions {
  const out: CellVersions = {
    cucm: versions.cucm,
    cup: versions.cup,
    cupE164RccPatch: String(versions.cupE164RccPatch),
    ocs: versions.ocs,
    oc: versions.oc,
    exchange: versions.exchange ?? '',
  };
  for (const key of VERSION_KEYS) {
    const v = cell.axes[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Whether a step's `when` holds for these versions (a step without `when` always applies). */
export function stepApplies(step: { when?: When }, versions: CellVersions): boolean {
  if (!step.when) return true;
  return Object.entries(step.when).every(([k, allowed]) => allowed.includes(versions[k as VersionKey]));
}
