import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeAllure } from './allure-writer';
import { chalkFor } from './colour';
import { SingleBar } from 'cli-progress';
import { diffResults, renderDiffMarkdown } from '../../reports';
import type { CellChange } from '../../reports';
import type { RuntimeKind } from '../lab/lab-runtime';
import { isFailingVerdict, parseResults } from '../run/results';
import type { CellResult, Results, Verdict } from '../run/results';
import { comparable, FilterMatchesNothing, planMatrix, PREVIOUS_RESULTS, REPORT_FILES, runMatrix } from '../run/run-matrix';

export interface MatrixCommandOptions {
  runtime: RuntimeKind;
  seed: number;
  filter?: string[];
  scenarios: string;
  out: string;
  diff?: string;
  workers?: number;
  shard?: { index: number; count: number };
  prefix?: string;
  /** Print the cells the run would run, and run nothing. */
  list?: boolean;
  /** Stop at the first DRIFT or ERROR. */
  bail?: boolean;
  /** Machine output: one JSON document on stdout instead of the text. */
  json?: boolean;
  /** Also write an Allure results folder here. */
  allure?: string;
}

const chalk = chalkFor('stdout');

const COLOUR: Record<Verdict, (s: string) => string> = {
  supported: chalk.green,
  unsupported: chalk.blue,
  'known-issue': chalk.magenta,
  'fix-verified': chalk.cyan,
  'observed-works': chalk.gray,
  'observed-fails': chalk.gray,
  drift: chalk.yellow,
  error: chalk.red,
};

/**
 * `uc-lab matrix`: the release manager's run. Exit 0 when every file loaded and no cell drifted or errored;
 * 1 on a DRIFT or ERROR cell (with `--bail`, the first one stops the run); 2 when a lab or scenario file did not
 * load (its cells did not run; every other cell did, and the reports were written) or `--filter` matched nothing;
 * 130 after Ctrl-C, 143 after SIGTERM. `--list` runs nothing.
 */
export async function runMatrixCommand(opts: MatrixCommandOptions): Promise<number> {
  if (opts.list) return listCells(opts);
  const tty = process.stderr.isTTY === true;
  const bar = tty ? new SingleBar({ format: ' {bar} {value}/{total} cells  {cell}', hideCursor: true, clearOnComplete: true, stream: process.stderr }) : undefined;
  const problems: CellResult[] = [];
  const baseline = opts.diff ? readBaseline(opts.diff) : undefined;
  let results: Results;
  // Ctrl-C or SIGTERM stops starting cells; the ones running finish and the reports describe what ran (exit 128 + the
  // signal's number: 130, 143).
  const interrupt = new AbortController();
  let signalExit = 130;
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGTERM' ? 143 : 130;
    if (interrupt.signal.aborted) process.exit(code);
    signalExit = code;
    interrupt.abort();
    process.stderr.write(`\nuc-lab: ${signal}: finishing the cells that are running, then writing the reports (again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    results = await runMatrix({
    signal: interrupt.signal,
    ...(opts.bail ? { bail: true } : {}),
    ...(baseline ? { baseline: { results: baseline, source: opts.diff ?? '' } } : {}),
    scenariosDir: opts.scenarios,
    outDir: opts.out,
    runtime: opts.runtime,
    seed: opts.seed,
    ...(opts.filter ? { filter: opts.filter } : {}),
    workers: opts.workers ?? 'auto',
    ...(opts.shard ? { shard: opts.shard } : {}),
    ...(opts.prefix ? { addressPrefix: opts.prefix } : {}),
    onCellStart: (cell, index, total) => {
      if (bar) {
        if (index === 0) bar.start(total, 0, { cell: cell.id });
        else bar.update(index, { cell: cell.id });
      }
    },
    onCellDone: (cell, index, total) => {
      if (isFailingVerdict(cell.verdict)) problems.push(cell);
      if (bar) bar.update(index + 1, { cell: cell.id });
      else process.stderr.write(`[${index + 1}/${total}] ${cell.id} ${cell.verdict} (${cell.durationMs} ms)\n`);
    },
    });
  } catch (e) {
    if (!(e instanceof FilterMatchesNothing)) throw e;
    bar?.stop();
    process.stderr.write(`uc-lab: ${e.message}\n`);
    return 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  bar?.stop();
  const compared = baseline ? comparable(baseline, results, opts) : undefined;
  const changes = compared ? diffResults(compared, results) : undefined;
  const stopped = results.run.interrupted;
  const code = stopped?.cause === 'signal' ? signalExit : results.errors.length > 0 ? 2 : problems.length > 0 ? 1 : 0;
  if (opts.allure) writeAllure(opts.allure, results, opts.out);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(machineSummary(results, opts, code, changes), null, 2)}\n`);
    return code;
  }
  for (const p of problems) {
    process.stdout.write(`${COLOUR[p.verdict](`${p.verdict.toUpperCase()} ${p.id}`)}\n  step:     ${p.failedStep ?? ''}\n  expected: ${p.expected ?? ''}\n  observed: ${p.observed ?? ''}\n  evidence: ${path.join(opts.out, p.evidence)}ladder.html\n\n`);
  }
  for (const e of results.errors) process.stderr.write(`uc-lab: ${e.message}\n`);
  if (results.errors.length > 0) process.stderr.write(`uc-lab: ${results.errors.length} file${results.errors.length === 1 ? '' : 's'} did not load; their cells did not run (listed in results.json "errors")\n`);
  if (changes) printDiff(changes, (baseline?.cells.length ?? 0) - (compared?.cells.length ?? 0));
  if (stopped) {
    const why = stopped.cause === 'bail' ? `--bail: stopped at the first DRIFT or ERROR (${problems[0]?.id ?? ''})` : 'interrupted';
    process.stderr.write(`uc-lab: ${why} after ${stopped.ran} of ${stopped.planned} cells; the reports in ${opts.out} cover those and list the others as not run\n`);
  }
  // The closing lines: what the run was, and every report it wrote.
  printSummary(results, opts.out, reportsOf(opts));
  return code;
}

/** Every file and folder a run left in `outDir`: the reports, the kept previous results, the evidence. */
export function reportsWritten(outDir: string): string[] {
  const previous = path.join(outDir, PREVIOUS_RESULTS);
  return [...REPORT_FILES.map((f) => path.join(outDir, f)), ...(existsSync(previous) ? [previous] : []), `${path.join(outDir, 'evidence')}${path.sep}`];
}

/** The reports of this invocation: those of `reportsWritten`, and the Allure folder when asked for. */
const reportsOf = (opts: MatrixCommandOptions): string[] => [...reportsWritten(opts.out), ...(opts.allure ? [`${path.resolve(opts.allure)}${path.sep} (Allure results)`] : [])];

/** `--json`: the run in one document for programs (the full detail is results.json, named under `reports`). */
function machineSummary(results: Results, opts: MatrixCommandOptions, exitCode: number, changes: CellChange[] | undefined): unknown {
  const counts: Partial<Record<Verdict, number>> = {};
  for (const c of results.cells) counts[c.verdict] = (counts[c.verdict] ?? 0) + 1;
  return {
    exitCode,
    cells: results.cells.length,
    verdicts: counts,
    ...(results.run.interrupted ? { interrupted: results.run.interrupted, notRun: [...new Set((results.notRun ?? []).map((n) => n.cell))] } : {}),
    problems: results.cells
      .filter((c) => isFailingVerdict(c.verdict))
      .map((c) => ({ id: c.id, verdict: c.verdict, failedStep: c.failedStep, expected: c.expected, observed: c.observed, evidence: path.join(opts.out, c.evidence) })),
    untestedClaims: results.untestedClaims.length,
    errors: results.errors,
    ...(changes ? { changes } : {}),
    run: results.run,
    reports: reportsOf(opts),
  };
}

/** `--list`: the cells the options select, one id a line (or a JSON array with `--json`); nothing runs, nothing is written. */
function listCells(opts: MatrixCommandOptions): number {
  const plan = planMatrix({ scenariosDir: opts.scenarios, runtime: opts.runtime, ...(opts.filter ? { filter: opts.filter } : {}), ...(opts.shard ? { shard: opts.shard } : {}) });
  for (const e of plan.errors) process.stderr.write(`uc-lab: ${e.message}\n`);
  const cells = plan.cells.map(({ cell }) => ({ id: cell.id, scenario: cell.scenario.id, claims: cell.scenario.claims, axes: cell.axes }));
  if (opts.json) process.stdout.write(`${JSON.stringify(cells, null, 2)}\n`);
  else {
    for (const c of cells) process.stdout.write(`${c.id}\n`);
    process.stderr.write(`${cells.length} cell${cells.length === 1 ? '' : 's'} would run (nothing ran)\n`);
  }
  if (plan.errors.length > 0) return 2;
  if (opts.filter && cells.length === 0) {
    process.stderr.write(`uc-lab: ${new FilterMatchesNothing(opts.filter).message}\n`);
    return 2;
  }
  return 0;
}

export function printSummary(results: Results, outDir: string, reports: readonly string[] = reportsWritten(outDir)): void {
  const counts = new Map<Verdict, number>();
  for (const c of results.cells) counts.set(c.verdict, (counts.get(c.verdict) ?? 0) + 1);
  const parts = [...counts.entries()].map(([v, n]) => COLOUR[v](`${n} ${v}`));
  const seconds = results.run.durationMs / 1000;
  const rate = seconds > 0 ? (results.cells.length / seconds).toFixed(1) : '∞';
  const graded = new Set(results.cells.flatMap((c) => c.claimVerdicts.filter((v) => !isFailingVerdict(v.verdict)).map((v) => v.claim)));
  const total = graded.size + results.untestedClaims.length;
  process.stdout.write(
    `${results.cells.length} cells (${parts.join(', ') || 'none'}) in ${seconds.toFixed(2)} s, ${rate} cells/s, runtime ${results.run.runtime}\n` +
      `claims graded on evidence: ${graded.size} of ${total}; ${results.untestedClaims.length} untested (results.json "untestedClaims")` +
      `${results.contextClaims?.length ? `; ${results.contextClaims.length} context claims the lab cannot execute, listed apart ("contextClaims")` : ''}\n` +
      `reports: ${reports.join(', ')}\n`,
  );
}

/** The earlier results.json, read before the run (it may be the very file the run is about to replace). */
function readBaseline(file: string): Results | undefined {
  if (!existsSync(file)) {
    process.stderr.write(`uc-lab: --diff: ${file} does not exist\n`);
    return undefined;
  }
  const before = parseResults(readFileSync(file, 'utf8'));
  if (!before.ok) {
    process.stderr.write(`uc-lab: --diff: ${file} is not a results.json: ${before.error.message}\n`);
    return undefined;
  }
  return before.value;
}

/** The diff of two runs; `outside`: cells of the earlier run this one could not be compared on (`comparable`). */
function printDiff(changes: readonly CellChange[], outside: number): void {
  const note = outside > 0 ? `\n(${outside === 1 ? '1 cell of the earlier run is' : `${outside} cells of the earlier run are`} outside this run (--filter, --shard or a stop) and ${outside === 1 ? 'was' : 'were'} not compared.)\n` : '';
  process.stdout.write(`${renderDiffMarkdown(changes)}${note}\n`);
}
