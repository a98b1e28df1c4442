import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderJunit, renderMatrixHtml, renderMatrixMarkdown } from '../../reports';
import { formatLogRecord } from '../../simulators';
import type { RuntimeKind } from '../lab/lab-runtime';
import type { Lab } from '../../simulators';
import { cellFolderName, expandScenario } from '../scenario/expand-axes';
import type { ScenarioCell } from '../scenario/expand-axes';
import { loadErrorOf, loadScenarioDir } from '../scenario/load-scenario';
import type { LoadError } from '../scenario/load-scenario';
import type { Claim } from '../scenario/claim-schema';
import { ScenarioError } from '../scenario/scenario-error';
import type { Scenario } from '../scenario/scenario-schema';
import { renderLadderMarkdown, renderLadderText } from '../trace/ladder';
import { isGradedVerdict } from './results';
import type { CellResult, Results } from './results';
import { runCell } from './run-cell';
import type { CellOutcome } from './run-cell';
import { gitCommit, toolVersion } from './run-metadata';

export interface MatrixOptions {
  scenariosDir: string;
  outDir: string;
  runtime: RuntimeKind;
  seed: number;
  /** Only cells whose id or scenario id contains one of these. */
  filter?: string[];
  /** Replaces a lab by id (tests and `repro` use it to run a variant). */
  labOverride?: Lab;
  onCellStart?: (cell: ScenarioCell, index: number, total: number) => void;
  onCellDone?: (cell: CellResult, outcome: CellOutcome, index: number, total: number) => void;
}

export interface PlannedRun {
  claims: Claim[];
  scenarios: Scenario[];
  cells: { cell: ScenarioCell; lab: Lab }[];
  /** Files that did not load (or whose cells cannot run as written); the rest of the run goes on without them. */
  errors: LoadError[];
}

/**
 * Loads the scenarios folder and expands every scenario over its axes against its lab. A scenario whose cells
 * cannot run as written (an action not modelled where an actor bound, nothing observed) is a load error of
 * that file only.
 */
export function planMatrix(options: Pick<MatrixOptions, 'scenariosDir' | 'filter' | 'labOverride'>): PlannedRun {
  const set = loadScenarioDir(options.scenariosDir);
  if (options.labOverride) set.labs.set(options.labOverride.id, options.labOverride);
  const cells: { cell: ScenarioCell; lab: Lab }[] = [];
  const errors = [...set.errors];
  const scenarios: Scenario[] = [];
  for (const scenario of set.scenarios) {
    const lab = set.labs.get(scenario.lab);
    if (!lab) continue;
    let expanded: ScenarioCell[];
    try {
      expanded = expandScenario(scenario, lab, set.claims);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      errors.push(loadErrorOf(e));
      continue;
    }
    scenarios.push(scenario);
    for (const cell of expanded) {
      if (options.filter && !options.filter.some((f) => cell.id.includes(f) || scenario.claims.some((c) => c.includes(f)))) continue;
      cells.push({ cell, lab });
    }
  }
  return { claims: set.claims, scenarios, cells, errors };
}

/**
 * Runs the matrix: every cell on a fresh lab, its evidence written as soon as it ends, and the
 * reports (results.json, matrix.md, matrix.html, junit.xml) written atomically at the end, even
 * when cells crashed.
 */
export async function runMatrix(options: MatrixOptions): Promise<Results> {
  const started = Date.now();
  const plan = planMatrix(options);
  const claims = new Map(plan.claims.map((c) => [c.id, c]));
  mkdirSync(options.outDir, { recursive: true });
  rmSync(path.join(options.outDir, 'evidence'), { recursive: true, force: true });
  const cells: CellResult[] = [];
  let index = 0;
  for (const { cell, lab } of plan.cells) {
    options.onCellStart?.(cell, index, plan.cells.length);
    const outcome = await runCell(cell, { runtime: options.runtime, seed: options.seed, lab, claims });
    const folder = cellFolderName(cell.id);
    writeEvidence(path.join(options.outDir, 'evidence', folder), cell, outcome);
    const result: CellResult = { ...outcome.result, evidence: `evidence/${folder}/` };
    cells.push(result);
    options.onCellDone?.(result, outcome, index, plan.cells.length);
    index++;
  }
  // A claim is covered only when some cell graded it on evidence (not drift, not error).
  const covered = new Set(cells.flatMap((c) => c.claimVerdicts.filter((v) => isGradedVerdict(v.verdict)).map((v) => v.claim)));
  const firstLab = plan.cells[0]?.lab;
  const commit = gitCommit(options.scenariosDir);
  const results: Results = {
    schemaVersion: 2,
    run: {
      seed: options.seed,
      runtime: options.runtime,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      versions: firstLab ? Object.fromEntries(Object.entries(firstLab.versions).map(([k, v]) => [k, String(v)])) : {},
      node: process.version,
      tool: toolVersion(),
      ...(commit ? { commit } : {}),
    },
    cells,
    untestedClaims: plan.claims.map((c) => c.id).filter((id) => !covered.has(id)),
    errors: plan.errors,
  };
  writeReports(options.outDir, results);
  return results;
}

export function writeReports(outDir: string, results: Results): void {
  writeAtomic(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeAtomic(path.join(outDir, 'matrix.md'), renderMatrixMarkdown(results));
  writeAtomic(path.join(outDir, 'matrix.html'), renderMatrixHtml(results));
  writeAtomic(path.join(outDir, 'junit.xml'), renderJunit(results));
}

function writeEvidence(dir: string, cell: ScenarioCell, outcome: CellOutcome): void {
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  writeAtomic(path.join(dir, 'trace.pcap'), outcome.pcap);
  const header = [
    `Scenario: ${cell.scenario.title} (${cell.scenario.file})`,
    `Axes: ${Object.entries(cell.axes).map(([k, v]) => `${k}=${v}`).join(', ') || '(none)'}`,
    `Releases: ${Object.entries(outcome.result.releases).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `Verdict: ${outcome.result.verdict}`,
    ...outcome.result.claimVerdicts.map((c) => `Claim ${c.claim}: ${c.verdict} (documented ${c.documented}; ${c.held} expectation${c.held === 1 ? '' : 's'} held)`),
    ...(outcome.result.failedStep ? [`Failed step: ${outcome.result.failedStep}`] : []),
    ...(outcome.result.expected ? [`Expected: ${outcome.result.expected}`] : []),
    ...(outcome.result.observed ? [`Observed: ${outcome.result.observed}`] : []),
    ...(outcome.crash ? [`Error: ${outcome.crash}`] : []),
  ];
  const steps = renderLadderMarkdown(cell.id, outcome.events.slice(outcome.setupEvents), outcome.hosts);
  const setup = renderLadderText(outcome.events.slice(0, outcome.setupEvents), []);
  writeAtomic(
    path.join(dir, 'ladder.md'),
    `${header.map((l) => `${l}  `).join('\n')}\n\n${steps}\n<details><summary>Lab start-up (${outcome.setupEvents} messages)</summary>\n\n\`\`\`text\n${setup}\`\`\`\n\n</details>\n`,
  );
  const byNode = new Map<string, string[]>();
  for (const r of outcome.logs) {
    const node = r.node.split('/')[0] ?? r.node;
    const lines = byNode.get(node) ?? [];
    lines.push(formatLogRecord(r));
    byNode.set(node, lines);
  }
  for (const [node, lines] of byNode) writeAtomic(path.join(dir, 'logs', `${node}.log`), `${lines.join('\n')}\n`);
}

/** Writes via a temporary file and rename, so a report is never half-written. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
