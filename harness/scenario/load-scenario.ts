import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENDPOINTS, MODELLED_DEFECTS, type Lab, type RegisteredKind } from '../../simulators';
import { loadLab } from '../lab/load-lab';
import { plannedInstances } from '../lab/lab-runtime';
import type { Claim } from './claim-schema';
import { nearest } from './did-you-mean';
import { loadClaims } from './load-claims';
import { hasDefectRange, StepParser } from './parse-steps';
import { isExpectation, scenarioFileSchema, type ActorSpec, type Loc, type Scenario } from './scenario-schema';
import { ScenarioError } from './scenario-error';
import { isVersionKey, versionValues } from './vocabulary';
import { formatYamlPath, YamlSource, type YamlPath } from './yaml-source';
import { lintOnlyClaims } from '../lab/lab-fields';
import { cachedLoad } from './scenario-cache';

export interface LoadScenarioOptions {
  /** Every claim of claims.yaml; every id a scenario names must be one of them. */
  claims: readonly Claim[];
  /** The labs by id; the scenario's `lab` must be one of them. */
  labs: ReadonlyMap<string, Lab>;
}

const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;

/** A lab's hosts and the node kind each runs (undefined: a host with no simulated product, such as a spare PC). */
export function hostKinds(lab: Lab): Map<string, RegisteredKind | undefined> {
  const out = new Map<string, RegisteredKind | undefined>(Object.keys(lab.hosts).map((h) => [h, undefined]));
  for (const i of plannedInstances(lab)) out.set(i.host, i.kind);
  return out;
}

/** Load one scenario file: schema, claims, lab, axes, actors, then every step; problems throw ScenarioError. */
export function loadScenario(file: string, options: LoadScenarioOptions): Scenario {
  const source = YamlSource.fromFile(file, 'scenario');
  const doc = source.parse(scenarioFileSchema);
  const loc = (p: YamlPath): Loc => {
    const l = source.locate(p);
    return { file: l.file, line: l.line, column: l.column, path: formatYamlPath(p) };
  };

  const claimsById = new Map(options.claims.map((c) => [c.id, c]));
  const known = [...claimsById.keys()];
  const lintOnly = lintOnlyClaims();
  doc.claims.forEach((c, i) => {
    const claim = claimsById.get(c);
    if (!claim) throw source.error(['claims', i], `unknown claim "${c}" (not in scenarios/claims.yaml)`, { expected: nearest(c, known), given: c });
    if (claim.context !== undefined) {
      throw source.error(['claims', i], `"${c}" is context the lab cannot execute (${claim.context}): no cell can grade it`);
    }
    const fields = lintOnly.get(c);
    if (fields) {
      throw source.error(['claims', i], `not modelled: "${c}" rests on lab fields no simulator reads yet (${fields.join(', ')}), so no cell can grade it (docs/lab-fields.md)`);
    }
    if (claim.defect && !(claim.defect in MODELLED_DEFECTS)) {
      throw source.error(['claims', i], `not modelled: no simulated product models ${claim.defect}, so no cell can show its symptom`, {
        expected: Object.keys(MODELLED_DEFECTS),
      });
    }
  });

  const lab = options.labs.get(doc.lab);
  if (!lab) throw source.error(['lab'], `unknown lab "${doc.lab}" (no scenarios/labs/${doc.lab}.yaml)`, { expected: [...options.labs.keys()], given: doc.lab });

  const axisNames = Object.keys(doc.axes);
  const endpointWords: readonly string[] = ENDPOINTS;
  for (const [axis, values] of Object.entries(doc.axes)) {
    const allowed = axis === 'endpoint' ? endpointWords : isVersionKey(axis) ? versionValues(axis) : undefined;
    if (!allowed) continue;
    values.forEach((v, j) => {
      if (!allowed.includes(v)) throw source.error(['axes', axis, j], `unknown ${axis === 'endpoint' ? 'endpoint' : `release of ${axis}`} "${v}"`, { expected: allowed, given: v });
    });
  }

  const actors: Record<string, ActorSpec> = {};
  if (Object.keys(doc.actors).length === 0) throw source.error(['actors'], 'a scenario needs at least one actor');
  for (const [name, spec] of Object.entries(doc.actors)) {
    const p = ['actors', name, 'endpoint'];
    const axis = WHOLE_PLACEHOLDER.exec(spec.endpoint)?.[1];
    if (axis !== undefined) {
      if (!axisNames.includes(axis)) throw source.error(p, `\${${axis}} names no axis`, { expected: axisNames, given: axis });
      const bad = (doc.axes[axis] ?? []).find((v) => !endpointWords.includes(v));
      if (bad !== undefined) throw source.error(p, `axis "${axis}" has "${bad}", which is not an endpoint`, { expected: endpointWords });
    } else if (spec.endpoint !== 'any' && !endpointWords.includes(spec.endpoint)) {
      throw source.error(p, `unknown endpoint "${spec.endpoint}"`, { expected: [...endpointWords, 'any', ...axisNames.map((a) => `\${${a}}`)], given: spec.endpoint });
    }
    actors[name] = { name, endpoint: spec.endpoint, oc: spec.oc, loc: loc(['actors', name]) };
  }

  const steps = new StepParser(source, { actors, axes: axisNames, axisValues: doc.axes, claims: doc.claims, knownClaims: claimsById, hosts: hostKinds(lab) }).parseAll(doc.steps);

  // Every listed claim is graded on its own evidence: at least one expectation must name it (a known issue:
  // one that says which side, symptom or fixed, it shows).
  const expectations = steps.filter(isExpectation);
  doc.claims.forEach((c, i) => {
    const needsSide = hasDefectRange(claimsById.get(c));
    const evidenced = expectations.some((e) => e.claims.includes(c) && (!needsSide || e.shows !== undefined));
    if (!evidenced) {
      throw source.error(['claims', i], needsSide
        ? `no expectation evidences the known issue "${c}": tag its expectations "shows: symptom" or "shows: fixed"`
        : `no expectation evidences "${c}": give an await or expect "claims: [${c}]" (or list it first)`);
    }
  });
  if (expectations.length === 0) throw source.error(['steps'], 'the scenario observes nothing: a cell needs at least one await or expect');
  const fault = steps.findIndex((s) => s.kind === 'network');
  if (fault >= 0 && doc.runtimes.includes('sockets')) {
    throw source.error(['steps', fault], 'not modelled: network faults are simulated only in memory (real sockets do not lose or partition); give "runtimes: [memory]"');
  }

  const scenario: Scenario = {
    id: doc.id,
    title: doc.title,
    claims: doc.claims,
    lab: doc.lab,
    axes: doc.axes,
    runtimes: doc.runtimes,
    actors,
    steps,
    file: source.file,
    loc: loc([]),
    claimLocs: doc.claims.map((_c, i) => loc(['claims', i])),
  };
  if (doc.description !== undefined) scenario.description = doc.description;
  return scenario;
}

/** A file that did not load: where and why (results.json `errors`). */
export interface LoadError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export function loadErrorOf(e: ScenarioError): LoadError {
  return { file: e.file, line: e.line, column: e.column, message: e.message };
}

export interface ScenarioSet {
  claims: Claim[];
  labs: Map<string, Lab>;
  scenarios: Scenario[];
  /** Lab and scenario files that did not load; every other file still runs. */
  errors: LoadError[];
}

function yamlFiles(dir: string, skip: (full: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (skip(full)) continue;
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full, skip));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

/**
 * Load a scenarios folder: `claims.yaml` (which everything needs: a problem there throws), every lab under
 * `labs/`, and every other `*.yaml` below it as a scenario. A lab or scenario file with a problem is listed in
 * `errors` and left out; the rest load. Scenario ids must be unique. A folder loaded before (the same bytes) comes
 * from the cache (scenario-cache.ts).
 */
export function loadScenarioDir(dir: string): ScenarioSet {
  return cachedLoad(dir, readScenarioDir, (set) => set.errors.length > 0);
}

function readScenarioDir(dir: string): ScenarioSet {
  const claims = loadClaims(path.join(dir, 'claims.yaml'));
  const labs = new Map<string, Lab>();
  const errors: LoadError[] = [];
  const labsDir = path.join(dir, 'labs');
  let labFiles: string[] = [];
  try {
    // Only labs/*.yaml: labs in sub-folders (labs/scale/, generated populations for benchmarks) load on demand.
    labFiles = readdirSync(labsDir).sort().filter((n) => /\.ya?ml$/.test(n)).map((n) => path.join(labsDir, n)).filter((f) => statSync(f).isFile());
  } catch {
    labFiles = [];
  }
  for (const f of labFiles) {
    try {
      const lab = loadLab(f);
      const expectedId = path.basename(f).replace(/\.ya?ml$/, '');
      if (lab.id !== expectedId) throw YamlSource.fromFile(f, 'lab').error(['id'], `lab id "${lab.id}" does not match its file name`, { expected: [expectedId] });
      labs.set(lab.id, lab);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      errors.push(loadErrorOf(e));
    }
  }
  const skip = (full: string): boolean => full === labsDir || full === path.join(dir, 'claims.yaml');
  const scenarios: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const f of yamlFiles(dir, skip)) {
    try {
      const s = loadScenario(f, { claims, labs });
      const first = seen.get(s.id);
      if (first !== undefined) throw YamlSource.fromFile(f, 'scenario').error(['id'], `duplicate scenario id "${s.id}" (also in ${first})`);
      seen.set(s.id, s.file);
      scenarios.push(s);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      errors.push(loadErrorOf(e));
    }
  }
  return { claims, labs, scenarios, errors };
}
