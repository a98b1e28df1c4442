import { AUTO_WORKERS_FROM_CELLS } from './auto-workers';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { renderJunit, renderMatrixHtml, renderMatrixMarkdown } from '../../reports';
import { ENDPOINTS, formatLogRecord } from '../../simulators';
import type { RuntimeKind } from '../lab/lab-runtime';
import type { Lab } from '../../simulators';
import { cellFolderName, expandScenario } from '../scenario/expand-axes';
import type { ScenarioCell } from '../scenario/expand-axes';
import { loadErrorOf, loadScenarioDir } from '../scenario/load-scenario';
import type { LoadError } from '../scenario/load-scenario';
import type { Claim } from '../scenario/claim-schema';
import { ScenarioError } from '../scenario/scenario-error';
import type { Scenario } from '../scenario/scenario-schema';
import { actorLegend, nameActors, renderLadderHtml, renderLadderMarkdown, renderLadderText } from '../trace/ladder';
import { isFailingVerdict, isGradedVerdict, parseResults } from './results';
import type { CellResult, NotApplicable, NotRun, Results } from './results';
import { runCell } from './run-cell';
import type { CellOutcome } from './run-cell';
import { gitCommit, toolVersion } from './run-metadata';
import type { EvidenceKept, FromWorker, ToWorker, WorkerOptions } from './worker-protocol';

export type { EvidenceKept } from './worker-protocol';

export interface MatrixOptions {
  scenariosDir: string;
  outDir: string;
  runtime: RuntimeKind;
  seed: number;
  /** Only cells whose id or scenario id contains one of these. */
  filter?: string[];
  /** Replaces a lab by id (tests and `repro` use it to run a variant). */
  labOverride?: Lab;
  /** Run only part `index` (1-based) of `count` contiguous parts of the cells (CI sharding, as Playwright's --shard). */
  shard?: { index: number; count: number };
  /**
   * Worker threads running cells side by side (default 1: this thread; 'auto': one per core once the matrix is
   * large enough to repay starting them). Results and evidence do not depend on it.
   */
  workers?: number | 'auto';
  /** Sockets runtime: loopback block for the hosts. */
  addressPrefix?: string;
  onCellStart?: (cell: ScenarioCell, index: number, total: number) => void;
  onCellDone?: (cell: CellResult, index: number, total: number) => void;
  /** Stop starting cells at the first DRIFT or ERROR; the reports cover the cells that ran and list the rest as not run. */
  bail?: boolean;
  /**
   * What matrix.html compares with (`--diff`): by default the results.json the run replaces, which is kept as
   * results.previous.json.
   */
  baseline?: { results: Results; source: string };
  /**
   * Ctrl-C: no further cell starts; the cells already running finish, and the reports are written for the
   * cells that ran (results.json `run.interrupted` says how many of how many), so every link in them resolves.
   */
  signal?: AbortSignal;
}

export interface PlannedRun {
  claims: Claim[];
  scenarios: Scenario[];
  cells: { cell: ScenarioCell; lab: Lab }[];
  /** Files that did not load (or whose cells cannot run as written); the rest of the run goes on without them. */
  errors: LoadError[];
  /** The endpoints each planned scenario leaves out, and why (results.json `notApplicable`). */
  notApplicable: NotApplicable[];
}

/**
 * Loads the scenarios folder and expands every scenario over its axes against its lab. A scenario whose cells
 * cannot run as written (an action not modelled where an actor bound, nothing observed) is a load error of
 * that file only.
 */
export function planMatrix(options: Pick<MatrixOptions, 'scenariosDir' | 'filter' | 'labOverride' | 'shard'> & { runtime?: RuntimeKind }): PlannedRun {
  const set = loadScenarioDir(options.scenariosDir);
  if (options.labOverride) set.labs.set(options.labOverride.id, options.labOverride);
  const cells: { cell: ScenarioCell; lab: Lab }[] = [];
  const notApplicable: NotApplicable[] = [];
  const errors = [...set.errors];
  const scenarios: Scenario[] = [];
  for (const scenario of set.scenarios) {
    const lab = set.labs.get(scenario.lab);
    if (!lab) continue;
    // A scenario that does not run on this runtime (scenario `runtimes`) plans no cells here.
    if (options.runtime !== undefined && !scenario.runtimes.includes(options.runtime)) continue;
    let expanded: ScenarioCell[];
    try {
      expanded = expandScenario(scenario, lab, set.claims);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      errors.push(loadErrorOf(e));
      continue;
    }
    scenarios.push(scenario);
    let planned = 0;
    for (const cell of expanded) {
      if (options.filter && !matchesFilter(options.filter, cell.id, scenario.claims)) continue;
      cells.push({ cell, lab });
      planned++;
    }
    if (planned > 0) notApplicable.push(...leftOutEndpoints(scenario, lab, set.claims));
  }
  return { claims: set.claims, scenarios, cells: options.shard ? shardOf(cells, options.shard) : cells, errors, notApplicable };
}

/**
 * The endpoints a scenario's `endpoint` axis does not list, each with the reason: expanding the scenario for
 * that endpoint alone tells whether the lab lacks something the scenario needs there (a not-modelled action
 * or field: its own words), else the axis was the author's choice.
 */
function leftOutEndpoints(scenario: Scenario, lab: Lab, claims: readonly Claim[]): NotApplicable[] {
  const listed = scenario.axes['endpoint'];
  if (!listed) return [];
  const statements = new Map(claims.map((c) => [c.id, c.statement]));
  return ENDPOINTS.filter((e) => !listed.includes(e)).flatMap((endpoint) => {
    let reason = "not in the scenario's endpoint axis (the author's choice)";
    try {
      expandScenario({ ...scenario, axes: { ...scenario.axes, endpoint: [endpoint] } }, lab, claims);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      // "not modelled: cell …: <action> (<the instance's own reason>); restrict …"
      const notModelled = /^not modelled: cell [^:]+: (\S+) \((.*)\); restrict/.exec(e.problem);
      const taken = /has no free phone for endpoint "([^"]+)"/.exec(e.problem);
      reason = notModelled
        ? `not modelled: ${notModelled[1]} (${notModelled[2]})`
        : taken
          ? `the lab's ${taken[1]} phone is another actor's in this scenario`
          : e.problem;
    }
    return scenario.claims.map((claim) => ({ scenario: scenario.id, claim, statement: statements.get(claim) ?? claim, endpoint, reason }));
  });
}

/** `--filter`: a cell whose id or one of whose claims contains one of the texts, case-insensitively (as Jest's -t). */
export function matchesFilter(filter: readonly string[], cellId: string, claims: readonly string[]): boolean {
  const id = cellId.toLowerCase();
  return filter.some((f) => {
    const t = f.toLowerCase();
    return id.includes(t) || claims.some((c) => c.toLowerCase().includes(t));
  });
}

/** `--filter` matched no cell: nothing ran and no report was written. */
export class FilterMatchesNothing extends Error {
  constructor(readonly filter: readonly string[]) {
    super(`--filter ${filter.join(' ')} matches no cell id or claim (case-insensitive); nothing ran and the reports were left as they were`);
  }
}

/** Part `index` (1-based) of `count` contiguous, near-equal parts: a deterministic partition of the planned cells. */
export function shardOf<T>(items: readonly T[], shard: { index: number; count: number }): T[] {
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 1 || shard.index > shard.count) {
    throw new RangeError(`shard ${shard.index}/${shard.count}: expected i/n with 1 ≤ i ≤ n`);
  }
  const from = Math.floor(((shard.index - 1) * items.length) / shard.count);
  const to = Math.floor((shard.index * items.length) / shard.count);
  return items.slice(from, to);
}

/**
 * Runs one planned cell and writes its evidence folder (on disk when this settles); what a worker thread does for
 * each cell it is given.
 */
export async function runPlannedCell(
  planned: { cell: ScenarioCell; lab: Lab },
  claims: ReadonlyMap<string, Claim>,
  options: Pick<MatrixOptions, 'outDir' | 'runtime' | 'seed' | 'addressPrefix'> & { evidenceDir?: string; evidence?: EvidenceKept },
): Promise<{ result: CellResult; outcome: CellOutcome }> {
  const { cell, lab } = planned;
  const outcome = await runCell(cell, { runtime: options.runtime, seed: options.seed, lab, claims, ...(options.addressPrefix ? { addressPrefix: options.addressPrefix } : {}) });
  const folder = cellFolderName(cell.id);
  const kept = isFailingVerdict(outcome.result.verdict) ? 'all' : (options.evidence ?? 'all');
  if (kept !== 'none') writeEvidence(path.join(options.evidenceDir ?? path.join(options.outDir, 'evidence'), folder), cell, outcome, kept);
  return { result: { ...outcome.result, evidence: `evidence/${folder}/` }, outcome };
}

/**
 * Runs the matrix: every cell on a fresh lab, its evidence written as soon as it ends, and the
 * reports (results.json, matrix.md, matrix.html, junit.xml) written atomically at the end, even
 * when cells crashed.
 */
export async function runMatrix(options: MatrixOptions): Promise<Results> {
  const started = Date.now();
  const plan = planMatrix(options);
  if (options.filter && plan.cells.length === 0 && plan.errors.length === 0) {
    // Nothing to run: the reports of the last run stay as they were rather than becoming an empty matrix.
    throw new FilterMatchesNothing(options.filter);
  }
  const claims = new Map(plan.claims.map((c) => [c.id, c]));
  mkdirSync(options.outDir, { recursive: true });
  // Evidence goes to a staging folder and replaces evidence/ only with the reports that link to it: a run that is
  // killed leaves the previous reports and their evidence as they were.
  const evidenceDir = path.join(options.outDir, `.evidence-staging-${process.pid}`);
  // What a killed run left behind.
  for (const name of readdirSync(options.outDir)) if (/^\.evidence-(staging|old)-\d+$/.test(name)) rmSync(path.join(options.outDir, name), { recursive: true, force: true });
  mkdirSync(evidenceDir, { recursive: true });
  const total = plan.cells.length;
  const workers = Math.min(options.workers === 'auto' ? autoWorkers(total) : (options.workers ?? 1), total);
  // Ctrl-C (options.signal) or --bail at the first DRIFT or ERROR: no further cell starts.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort('signal');
  if (options.signal?.aborted) onSignal();
  options.signal?.addEventListener('abort', onSignal);
  const onCellDone = (result: CellResult, index: number, count: number): void => {
    if (options.bail && isFailingVerdict(result.verdict) && !stop.signal.aborted) stop.abort('bail');
    options.onCellDone?.(result, index, count);
  };
  const running = { ...options, evidenceDir, signal: stop.signal, onCellDone };
  let cells: CellResult[];
  try {
    if (workers > 1) {
      cells = await runOnWorkers(plan, running, workers);
    } else {
      cells = [];
      for (const [index, planned] of plan.cells.entries()) {
        if (stop.signal.aborted) break;
        options.onCellStart?.(planned.cell, index, total);
        const { result } = await runPlannedCell(planned, claims, running);
        cells.push(result);
        onCellDone(result, index, total);
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onSignal);
  }
  const ran = new Set(cells.map((c) => c.id));
  const notRun: NotRun[] = plan.cells
    .filter(({ cell }) => !ran.has(cell.id))
    .flatMap(({ cell }) => cell.scenario.claims.map((claim) => ({ cell: cell.id, claim, statement: claims.get(claim)?.statement ?? claim, axes: cell.axes })));
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
      ...(cells.length < total ? { interrupted: { ran: cells.length, planned: total, cause: stop.signal.reason === 'bail' ? ('bail' as const) : ('signal' as const) } } : {}),
    },
    cells,
    notApplicable: plan.notApplicable,
    ...(notRun.length > 0 ? { notRun } : {}),
    untestedClaims: plan.claims.filter((c) => c.context === undefined && !covered.has(c.id)).map((c) => c.id),
    contextClaims: plan.claims.flatMap((c) => (c.context === undefined ? [] : [{ claim: c.id, statement: c.statement, reason: c.context }])),
    errors: plan.errors,
  };
  const previous = readPrevious(options.outDir);
  const baseline = options.baseline ?? (previous ? { results: previous.results, source: `${PREVIOUS_RESULTS} (the previous run, ${previous.results.run.startedAt})` } : undefined);
  swapEvidence(options.outDir, evidenceDir);
  if (previous) writeAtomic(path.join(options.outDir, PREVIOUS_RESULTS), previous.text);
  writeReports(options.outDir, results, baseline ? { ...baseline, results: comparable(baseline.results, results, options) } : undefined);
  return results;
}

/** Where the results.json a run replaces is kept, so the next matrix.html can show what changed. */
export const PREVIOUS_RESULTS = 'results.previous.json';

/** The results.json in `outDir`, as text and parsed, when there is a valid one. */
function readPrevious(outDir: string): { text: string; results: Results } | undefined {
  const file = path.join(outDir, 'results.json');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const parsed = parseResults(text);
  return parsed.ok ? { text, results: parsed.value } : undefined;
}

/**
 * The part of a baseline a run can be compared with: every cell when the run was complete; with `--filter`, the
 * cells the filter selects; with a shard or an interruption, the cells that ran (the others were not run this
 * time, which is not the same as removed).
 */
export function comparable(baseline: Results, results: Results, options: Pick<MatrixOptions, 'filter' | 'shard'>): Results {
  const ran = new Set(results.cells.map((c) => c.id));
  const keep = (c: CellResult): boolean =>
    options.shard !== undefined || results.run.interrupted !== undefined ? ran.has(c.id) : options.filter ? matchesFilter(options.filter, c.id, c.claims) : true;
  return { ...baseline, cells: baseline.cells.filter(keep) };
}

/** The run's evidence replaces the previous run's: the old folder is moved aside, the new one renamed in, the old removed. */
function swapEvidence(outDir: string, staging: string): void {
  const evidence = path.join(outDir, 'evidence');
  const old = path.join(outDir, `.evidence-old-${process.pid}`);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(evidence)) renameSync(evidence, old);
  renameSync(staging, evidence);
  rmSync(old, { recursive: true, force: true });
}

/**
 * A worker thread costs a cold start (its own module load and a JIT warm-up of some seconds of CPU): measured on
 * this machine, two threads break even with one at about 90 cells and save an eighth of the wall time at 234
 * (docs/decisions/0013).
 */
export { AUTO_WORKERS_FROM_CELLS };

function autoWorkers(cells: number): number {
  return cells >= AUTO_WORKERS_FROM_CELLS ? availableParallelism() : 1;
}

/**
 * The worker script: `UC_LAB_CELL_WORKER` when set (the test suite's global setup points it at the bundle it has just
 * built, so worker threads started from the TypeScript sources skip transpiling them again), the bundled one next to
 * the CLI bundle, else the TypeScript source (through esbuild-register).
 */
export function workerScript(): { file: string; execArgv: string[] } {
  const chosen = process.env.UC_LAB_CELL_WORKER;
  if (chosen && existsSync(chosen)) return { file: chosen, execArgv: [] };
  for (const file of [path.join(__dirname, '..', 'run', 'cell-worker.js'), path.join(__dirname, 'cell-worker.js')]) {
    if (existsSync(file)) return { file, execArgv: [] };
  }
  return { file: path.join(__dirname, 'cell-worker.ts'), execArgv: ['-r', require.resolve('esbuild-register')] };
}

/** A sockets lab per worker needs its own loopback block: worker k takes the base block's third octet plus k. */
function prefixFor(base: string | undefined, k: number): string {
  const [a = '127', b = '0', c = '1'] = (base ?? '127.0.1').split('.');
  return `${a}.${b}.${Number(c) + k}`;
}

/** Runs the planned cells on worker threads, handing out the next cell as each one finishes; results in plan order. */
async function runOnWorkers(plan: PlannedRun, options: MatrixOptions & { evidenceDir?: string }, count: number): Promise<CellResult[]> {
  const { file, execArgv } = workerScript();
  const total = plan.cells.length;
  const results: (CellResult | undefined)[] = new Array<CellResult | undefined>(total);
  let next = 0;
  let finished = 0;
  const base: WorkerOptions = {
    plan: { claims: plan.claims, cells: plan.cells },
    outDir: options.outDir,
    ...(options.evidenceDir ? { evidenceDir: options.evidenceDir } : {}),
    runtime: options.runtime,
    seed: options.seed,
  };
  await Promise.all(
    Array.from({ length: count }, (_, k) =>
      new Promise<void>((resolve, reject) => {
        const workerData: WorkerOptions = options.runtime === 'sockets' ? { ...base, addressPrefix: prefixFor(options.addressPrefix, k) } : { ...base, ...(options.addressPrefix ? { addressPrefix: options.addressPrefix } : {}) };
        const worker = new Worker(file, { workerData, execArgv });
        const give = (): void => {
          if (next >= total || options.signal?.aborted) {
            worker.postMessage({ type: 'exit' } satisfies ToWorker);
            return;
          }
          const index = next++;
          const planned = plan.cells[index];
          if (planned) options.onCellStart?.(planned.cell, index, total);
          worker.postMessage({ type: 'run', index } satisfies ToWorker);
        };
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ready') return give();
          if (m.type === 'failed') return reject(new Error(`worker ${k}: cell ${m.index}: ${m.error}`));
          const result = m.result as CellResult;
          results[m.index] = result;
          finished++;
          options.onCellDone?.(result, finished - 1, total);
          give();
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${k} exited with code ${code}`))));
      }),
    ),
  );
  if (options.signal?.aborted) return results.filter((r): r is CellResult => r !== undefined);
  return results.map((r, i) => {
    if (!r) throw new Error(`cell ${i} has no result`);
    return r;
  });
}

/** The reports a run writes into its output folder, beside evidence/ (and results.previous.json, when there was a run before). */
export const REPORT_FILES = ['matrix.html', 'matrix.md', 'results.json', 'junit.xml'] as const;

export function writeReports(outDir: string, results: Results, baseline?: { results: Results; source: string }): void {
  // The cells that used TLS left a key log beside their pcap; the page links it for them only.
  const keylogs = new Set(results.cells.filter((c) => existsSync(path.join(outDir, c.evidence, 'tls-keys.log'))).map((c) => c.id));
  const text: Record<(typeof REPORT_FILES)[number], () => string> = {
    'matrix.html': () => renderMatrixHtml(results, baseline, { keylogs }),
    'matrix.md': () => renderMatrixMarkdown(results),
    'results.json': () => `${JSON.stringify(results, null, 2)}\n`,
    'junit.xml': () => renderJunit(results),
  };
  for (const name of REPORT_FILES) writeAtomic(path.join(outDir, name), text[name]());
}

/**
 * A cell's evidence folder: trace.pcap, trace.pcapng (packets commented with their step), ladder.md, ladder.html and
 * logs/<node>.log. The folder is new (in the run's staging folder, which replaces evidence/ with the reports), so the
 * files need no atomic rename. They are written synchronously: a cell's dozen small files go to the page cache in less
 * CPU than the promise API takes to open them.
 */
function writeEvidence(dir: string, cell: ScenarioCell, outcome: CellOutcome, kept: 'all' | 'captures' = 'all'): void {
  if (kept === 'captures') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trace.pcap'), outcome.pcap);
    if (outcome.keylog !== '') writeFileSync(path.join(dir, 'tls-keys.log'), outcome.keylog);
    return;
  }
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
  const legend = actorLegend(outcome.actorNames);
  if (legend) header.push(`Actors: ${legend}`);
  const named = nameActors(outcome.events.slice(outcome.setupEvents), outcome.hosts, outcome.actorNames);
  const steps = renderLadderMarkdown(cell.id, named.events, named.hosts);
  const setup = renderLadderText(outcome.events.slice(0, outcome.setupEvents), []);
  const files: [string, string | Uint8Array][] = [
    ['trace.pcap', outcome.pcap],
    // Each packet commented with its scenario step: `tshark -r trace.pcapng -Y frame.comment -T fields -e frame.comment`.
    ['trace.pcapng', outcome.pcapng],
    ['ladder.html', renderLadderHtml(cell.id, named.events, named.hosts, [...header, `Lab start-up: ${outcome.setupEvents} messages before the first step (in ladder.md and the captures).`])],
    // Beside the pcap, so `tshark -o tls.keylog_file:tls-keys.log -r trace.pcap` (or Wireshark) decrypts HTTPS.
    ...(outcome.keylog !== '' ? ([['tls-keys.log', outcome.keylog]] as [string, string][]) : []),
    ['ladder.md', `${header.map((l) => `${l}  `).join('\n')}\n\n${steps}\n<details><summary>Lab start-up (${outcome.setupEvents} messages)</summary>\n\n\`\`\`text\n${setup}\`\`\`\n\n</details>\n`],
  ];
  const byNode = new Map<string, string[]>();
  for (const r of outcome.logs) {
    const node = r.node.split('/')[0] ?? r.node;
    const lines = byNode.get(node) ?? [];
    lines.push(formatLogRecord(r));
    byNode.set(node, lines);
  }
  for (const [node, lines] of byNode) files.push([path.join('logs', `${node}.log`), `${lines.join('\n')}\n`]);
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  for (const [name, data] of files) writeFileSync(path.join(dir, name), data);
}

/** Writes via a temporary file and rename, so a report is never half-written. */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
