import { spawn } from 'node:child_process';

/** One benchmark of the set: the words after `uc-lab`. */
export interface BenchStep {
  args: string[];
}

export interface BenchAllOptions {
  /** The uc-lab entry point each benchmark runs (this process's own script). */
  cli: string;
  scenarios: string;
  /** The loopback block of the sockets benchmark (`bench --sockets --prefix`). */
  prefix: string;
  /** The budget the set is judged against, in seconds (README: ten minutes). */
  budgetSeconds: number;
  /** For tests: the steps to run instead of the README's set. */
  steps?: BenchStep[];
}

/**
 * The benchmark commands whose figures README's Measured table gives, in its order: the in-memory matrix, the
 * sign-in of the three population sizes, a busy hour of population-1k, and SIPp against the sockets runtime.
 */
export function benchSet(opts: Pick<BenchAllOptions, 'scenarios' | 'prefix'>): BenchStep[] {
  const scenarios = ['--scenarios', opts.scenarios];
  return [
    { args: ['bench', ...scenarios] },
    { args: ['bench', '--lab', 'population-1k', ...scenarios] },
    { args: ['bench', '--lab', 'population-5k', ...scenarios] },
    { args: ['bench', '--lab', 'cucm-cluster-max', ...scenarios] },
    { args: ['load', '--lab', 'population-1k', ...scenarios] },
    { args: ['bench', '--sockets', '--prefix', opts.prefix, ...scenarios] },
  ];
}

/** Runs one benchmark as its own process (its own heap flags, its own peak RSS), its output passed through. */
function runStep(cli: string, step: BenchStep): Promise<{ code: number; seconds: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...step.args], { stdio: ['ignore', 'inherit', 'inherit'] });
    const done = (code: number): void => resolve({ code, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    child.on('error', () => done(127));
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

/**
 * `uc-lab bench --all`: every benchmark of README's Measured table in turn, then how long each took and the whole
 * set against its budget. Exit 0 when every benchmark exited 0, else 1 (a slow set is reported, not failed: the
 * figures are measurements on a shared machine).
 */
export async function runBenchAll(opts: BenchAllOptions): Promise<number> {
  const steps = opts.steps ?? benchSet(opts);
  const ran: { command: string; code: number; seconds: number }[] = [];
  for (const [i, step] of steps.entries()) {
    const command = `uc-lab ${step.args.filter((_, j, a) => a[j] !== '--scenarios' && a[j - 1] !== '--scenarios').join(' ')}`;
    process.stdout.write(`\n[${i + 1}/${steps.length}] ${command}\n`);
    const r = await runStep(opts.cli, step);
    ran.push({ command, ...r });
  }
  const total = ran.reduce((s, r) => s + r.seconds, 0);
  const width = Math.max(...ran.map((r) => r.command.length));
  process.stdout.write('\nbenchmark set:\n');
  for (const r of ran) process.stdout.write(`  ${r.command.padEnd(width)}  ${r.seconds.toFixed(1).padStart(6)} s${r.code === 0 ? '' : `  (exit ${r.code})`}\n`);
  const minutes = (s: number): string => `${(s / 60).toFixed(1)} min`;
  process.stdout.write(`  ${'together'.padEnd(width)}  ${total.toFixed(1).padStart(6)} s = ${minutes(total)}; budget ${minutes(opts.budgetSeconds)}: ${total <= opts.budgetSeconds ? 'within' : 'over'}\n`);
  return ran.every((r) => r.code === 0) ? 0 : 1;
}
