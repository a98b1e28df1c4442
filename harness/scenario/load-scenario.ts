import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENDPOINTS, type Lab } from '../lab/lab-schema';
import { loadLab } from '../lab/load-lab';
import type { Claim } from './claim-schema';
import { editDistance } from './did-you-mean';
import { loadClaims } from './load-claims';
import { StepParser } from './parse-steps';
import { scenarioFileSchema, type ActorSpec, type Loc, type Scenario } from './scenario-schema';
import { formatYamlPath, YamlSource, type YamlPath } from './yaml-source';

type IdRef = string | { id: string };

export interface LoadScenarioOptions {
  /** Known claim ids (or claims); every id a scenario names must be one of them. */
  claims: Iterable<IdRef>;
  /** Known lab ids (or labs); when given, the scenario's `lab` must be one of them. */
  labs?: Iterable<IdRef>;
}

const ids = (refs: Iterable<IdRef>): string[] => [...refs].map((r) => (typeof r === 'string' ? r : r.id));

/** The `n` candidates nearest to `word` (for error messages over long lists such as claim ids). */
function nearest(word: string, candidates: readonly string[], n = 5): string[] {
  return [...candidates].sort((a, b) => editDistance(word, a) - editDistance(word, b)).slice(0, n);
}

const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;

/** Load one scenario file: schema, claims, lab, actors, then every step; problems throw ScenarioError. */
export function loadScenario(file: string, options: LoadScenarioOptions): Scenario {
  const source = YamlSource.fromFile(file, 'scenario');
  const doc = source.parse(scenarioFileSchema);
  const loc = (p: YamlPath): Loc => {
    const l = source.locate(p);
    return { file: l.file, line: l.line, column: l.column, path: formatYamlPath(p) };
  };

  const known = ids(options.claims);
  const knownSet = new Set(known);
  doc.claims.forEach((c, i) => {
    if (!knownSet.has(c)) {
      throw source.error(['claims', i], `unknown claim "${c}" (not in scenarios/claims.yaml)`, {
        expected: nearest(c, known),
        given: c,
      });
    }
  });

  if (options.labs) {
    const labs = ids(options.labs);
    if (!labs.includes(doc.lab)) {
      throw source.error(['lab'], `unknown lab "${doc.lab}" (no scenarios/labs/${doc.lab}.yaml)`, { expected: labs, given: doc.lab });
    }
  }

  const axisNames = Object.keys(doc.axes);
  const endpointWords: readonly string[] = ENDPOINTS;
  for (const [axis, values] of Object.entries(doc.axes)) {
    if (axis !== 'endpoint') continue;
    values.forEach((v, j) => {
      if (!endpointWords.includes(v)) {
        throw source.error(['axes', axis, j], `unknown endpoint "${v}"`, { expected: endpointWords, given: v });
      }
    });
  }

  const actors: Record<string, ActorSpec> = {};
  const actorNames = Object.keys(doc.actors);
  if (actorNames.length === 0) throw source.error(['actors'], 'a scenario needs at least one actor');
  for (const [name, spec] of Object.entries(doc.actors)) {
    const p = ['actors', name, 'endpoint'];
    const axis = WHOLE_PLACEHOLDER.exec(spec.endpoint)?.[1];
    if (axis !== undefined) {
      if (!axisNames.includes(axis)) {
        throw source.error(p, `\${${axis}} names no axis`, { expected: axisNames, given: axis });
      }
      const values = doc.axes[axis] ?? [];
      const bad = values.find((v) => !endpointWords.includes(v));
      if (bad !== undefined) {
        throw source.error(p, `axis "${axis}" has "${bad}", which is not an endpoint`, { expected: endpointWords });
      }
    } else if (spec.endpoint !== 'any' && !endpointWords.includes(spec.endpoint)) {
      const expected = [...endpointWords, 'any', ...axisNames.map((a) => `\${${a}}`)];
      throw source.error(p, `unknown endpoint "${spec.endpoint}"`, { expected, given: spec.endpoint });
    }
    actors[name] = { name, endpoint: spec.endpoint, oc: spec.oc, loc: loc(['actors', name]) };
  }

  const steps = new StepParser(source, { actors, axes: axisNames }).parseAll(doc.steps);

  const scenario: Scenario = {
    id: doc.id,
    title: doc.title,
    claims: doc.claims,
    lab: doc.lab,
    axes: doc.axes,
    actors,
    steps,
    file: source.file,
    loc: loc([]),
  };
  if (doc.description !== undefined) scenario.description = doc.description;
  return scenario;
}

export interface ScenarioSet {
  claims: Claim[];
  labs: Map<string, Lab>;
  scenarios: Scenario[];
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
 * Load a scenarios folder: `claims.yaml`, every lab under `labs/`, and every other `*.yaml` below it as a
 * scenario (features/, known-issues/, config/, calendar/, presence/ …). Scenario ids must be unique.
 */
export function loadScenarioDir(dir: string): ScenarioSet {
  const claims = loadClaims(path.join(dir, 'claims.yaml'));
  const labs = new Map<string, Lab>();
  const labsDir = path.join(dir, 'labs');
  let labFiles: string[] = [];
  try {
    labFiles = yamlFiles(labsDir, () => false);
  } catch {
    labFiles = [];
  }
  for (const f of labFiles) {
    const lab = loadLab(f);
    const expectedId = path.basename(f).replace(/\.ya?ml$/, '');
    if (lab.id !== expectedId) {
      throw YamlSource.fromFile(f, 'lab').error(['id'], `lab id "${lab.id}" does not match its file name`, { expected: [expectedId] });
    }
    labs.set(lab.id, lab);
  }
  const skip = (full: string): boolean => full === labsDir || full === path.join(dir, 'claims.yaml');
  const scenarios: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const f of yamlFiles(dir, skip)) {
    const s = loadScenario(f, { claims, labs: labs.keys() });
    const first = seen.get(s.id);
    if (first !== undefined) {
      throw YamlSource.fromFile(f, 'scenario').error(['id'], `duplicate scenario id "${s.id}" (also in ${first})`);
    }
    seen.set(s.id, s.file);
    scenarios.push(s);
  }
  return { claims, labs, scenarios };
}
