import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chalkFor } from './colour';
import { SingleBar } from 'cli-progress';
import { diffResults, renderDiffMarkdown } from '../../reports';
import type { RuntimeKind } from '../lab/lab-runtime';
import { isFailingVerdict, parseResults } from '../run/results';
import type { CellResult, Results, Verdict } from '../run/results';
import { FilterMatchesNothing, matchesFilter, runMatrix } from '../run/run-matrix';

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
 * 1 on a DRIFT or ERROR cell; 2 when a lab or scenario file did not load (its cells did not run; every
 * other cell did, and the reports were written).
 */
export async function runMatrixCommand(opts: MatrixCommandOptions): Promise<number> {
  const tty = process.stderr.isTTY === true;
  const bar = tty ? new SingleBar({ format: ' {bar} {value}/{total} cells  {cell}', hideCursor: true, clearOnComplete: true, stream: process.stderr }) : undefined;
  const problems: CellResult[] = [];
  const baseline = opts.diff ? readBaseline(opts.diff) : undefined;
  let results: Results;
  // Ctrl-C stops starting cells; the ones running finish and the reports describe what ran (exit 130).
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
    process.stderr.write('\nuc-lab: interrupted: finishing the cells that are running, then writing the reports (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    results = await runMatrix({
    signal: interrupt.signal,
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
    process.off('SIGINT', onSigint);
  }
  bar?.stop();
  printSummary(results, opts.out);
  for (const p of problems) {
    process.stdout.write(`\n${COLOUR[p.verdict](`${p.verdict.toUpperCase()} ${p.id}`)}\n  step:     ${p.failedStep ?? ''}\n  expected: ${p.expected ?? ''}\n  observed: ${p.observed ?? ''}\n  evidence: ${path.join(opts.out, p.evidence)}ladder.md\n`);
  }
  for (const e of results.errors) process.stderr.write(`uc-lab: ${e.message}\n`);
  if (results.errors.length > 0) process.stderr.write(`uc-lab: ${results.errors.length} file${results.errors.length === 1 ? '' : 's'} did not load; their cells did not run (listed in results.json "errors")\n`);
  if (opts.diff) printDiff(baseline, results, opts.filter);
  if (results.run.interrupted) {
    process.stderr.write(`uc-lab: interrupted after ${results.run.interrupted.ran} of ${results.run.interrupted.planned} cells; the reports in ${opts.out} cover those\n`);
    return 130;
  }
  if (results.errors.length > 0) return 2;
  return problems.length > 0 ? 1 : 0;
}

export function printSummary(results: Results, outDir: string): void {
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
      `reports: ${path.join(outDir, 'matrix.html')}, ${path.join(outDir, 'matrix.md')}, ${path.join(outDir, 'results.json')}, ${path.join(outDir, 'junit.xml')}\n`,
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

/**
 * The diff of two runs. With `--filter`, only the earlier run's cells the filter selects are compared: the
 * others were not run this time, which is not the same as removed.
 */
function printDiff(before: Results | undefined, after: Results, filter: readonly string[] | undefined): void {
  if (!before) return;
  const compared = filter ? { ...before, cells: before.cells.filter((c) => matchesFilter(filter, c.id, c.claims)) } : before;
  const outside = before.cells.length - compared.cells.length;
  const note = outside > 0 ? `\n(${outside === 1 ? '1 cell of the earlier run is' : `${outside} cells of the earlier run are`} outside --filter and ${outside === 1 ? 'was' : 'were'} not compared.)\n` : '';
  process.stdout.write(`\n${renderDiffMarkdown(diffResults(compared, after))}${note}\n`);
}
