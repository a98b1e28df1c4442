#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { AUTO_WORKERS_FROM_CELLS } from '../run/auto-workers';
import { enableDiskCache } from '../scenario/scenario-cache';

const repoRoot = path.resolve(__dirname, '..', '..', ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? ['..'] : []));

function seed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('a whole number');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number ≥ 1');
  return n;
}

function shard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || count < 1 || index > count) throw new InvalidArgumentError('i/n with 1 ≤ i ≤ n, e.g. 2/4');
  return { index, count };
}

// Each command's module (and what it needs: the simulators, sip.js, msw …) loads when the command runs, so
// `--help`, `--version` and a mistyped option answer at once.
// The built CLI keeps loaded scenario folders in node_modules/.cache/uc-lab (harness/scenario/scenario-cache.ts):
// its key holds this bundle's bytes and the installed packages, so a rebuild or a new install starts afresh.
if (__filename.endsWith('.js')) enableDiskCache(path.join(repoRoot, 'node_modules', '.cache', 'uc-lab'), [__filename, path.join(repoRoot, 'node_modules', '.package-lock.json')]);

const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

const program = new Command()
  .name('uc-lab')
  .version(version, '-V, --version', 'print the version')
  .description('The 2009 Cisco–Microsoft UC interop test bed, simulated: scenarios in, verdicts from the wire out.')
  .showHelpAfterError('(run uc-lab --help for usage)');

const runtimeOption = (): Option => new Option('--runtime <kind>', 'memory (virtual time, default) or sockets (127.0.1.x, wall clock)').choices(['memory', 'sockets']).default('memory');

program
  .command('matrix')
  .description('run every scenario cell and write reports/out/ (results.json, matrix.md, matrix.html, junit.xml, evidence/)')
  .addOption(runtimeOption())
  .option('--seed <n>', 'seed of the run', seed, 7)
  .option('--filter <text...>', 'only cells whose id or claim contains one of these (case-insensitive; matching nothing exits 2 and keeps the last reports)')
  .option('--scenarios <dir>', 'scenarios folder', path.join(repoRoot, 'scenarios'))
  .option('--out <dir>', 'output folder', path.join(repoRoot, 'reports', 'out'))
  .option('--diff <results.json>', 'compare with an earlier results.json and print what changed (matrix.html shows the changes either way: by default against the run it replaces, kept as results.previous.json)')
  .option('--workers <n>', `cells run side by side on this many threads (default: one per core from ${AUTO_WORKERS_FROM_CELLS} cells on, else one)`, positive)
  .option('--shard <i/n>', 'run only part i of n (a deterministic split of the cells, for CI machines); merge the parts with uc-lab merge', shard)
  .option('--prefix <a.b.c>', 'sockets runtime: loopback block for the hosts (each worker takes the next block)', '127.0.1')
  .option('--list', 'print the cells the options select (one id a line) and run nothing')
  .option('--bail', 'stop at the first DRIFT or ERROR: the reports cover the cells that ran and mark the others "not run"')
  .option('--allure <dir>', 'also write an Allure results folder (a result per cell, categories for known issues and drift, environment, ladder and pcapng attached)')
  .option('--json', 'machine output: one JSON document on stdout (verdict counts, problems, changes, the reports written); with --list, the cells')
  .action(async (opts) => {
    process.exitCode = await (await import('./matrix-command.js')).runMatrixCommand(opts);
  });

program
  .command('load')
  .description('a busy hour in virtual time: every user signed in, Poisson call attempts (users × BHCA), SIPp-style statistics')
  .option('--lab <lab>', 'lab file, or an id under scenarios/labs (generated populations: scenarios/labs/scale/)', 'population-1k')
  .option('--bhca <n>', 'busy-hour call attempts per user', Number, 5)
  .option('--seconds <n>', 'length of the busy hour in virtual seconds', Number, 3600)
  .option('--hold <s>', 'mean holding time of a call, virtual seconds', Number, 120)
  .option('--ring <s>', 'ring time before the called user answers, virtual seconds', Number, 4)
  .option('--seed <n>', 'seed of the arrivals', seed, 7)
  .option('--scenarios <dir>', 'scenarios folder', path.join(repoRoot, 'scenarios'))
  .action(async (opts) => {
    if (respawnWithHeapFlags()) return;
    process.exitCode = await (await import('./load-command.js')).runLoadCommand(opts);
  });

program
  .command('merge')
  .description('merge the reports of shards (uc-lab matrix --shard i/n) into one results.json, every report and their evidence')
  .argument('<shard...>', 'output folders (or results.json files) of the shards')
  .option('--out <dir>', 'output folder', path.join(repoRoot, 'reports', 'out'))
  .action(async (shards: string[], opts) => {
    process.exitCode = await (await import('./merge-command.js')).runMergeCommand(shards, opts);
  });

program
  .command('repro')
  .description('run one scenario (or the scenarios of a claim or defect, e.g. CSCsy62620) and print where its evidence is')
  .argument('<id>', 'scenario id, cell id, claim id or CDETS defect id')
  .addOption(runtimeOption())
  .option('--seed <n>', 'seed of the run', seed, 7)
  .option('--scenarios <dir>', 'scenarios folder', path.join(repoRoot, 'scenarios'))
  .option('--out <dir>', 'output folder', path.join(repoRoot, 'reports', 'out', 'repro'))
  .option('--prefix <a.b.c>', 'sockets runtime: loopback block for the hosts, so it does not meet another lab on the machine', '127.0.1')
  .action(async (id: string, opts) => {
    process.exitCode = await (await import('./repro-command.js')).runReproCommand(id, opts);
  });

program
  .command('serve')
  .description('start the lab on real sockets (one loopback address per host) until interrupted')
  .argument('[lab]', 'lab id under scenarios/labs (generated populations: scenarios/labs/scale/)', 'seed-lab')
  .option('--scenarios <dir>', 'scenarios folder', path.join(repoRoot, 'scenarios'))
  .option('--prefix <block>', 'loopback block for the hosts: 127.a.b (254 hosts) or 127.a (65,024 hosts, for a population lab)', '127.0.1')
  .option('--verbose', 'print every log line of every node')
  .option('--json', 'print the hosts as one JSON line once the lab is up (for programs that drive it)')
  .option('--trust <address...>', 'addresses every OCS pool trusts as servers (host authorization), for a tool that plays Communicator without NTLM such as SIPp')
  .option('--logs <dir>', 'where every node\'s full log is written (default: a new folder under the temporary folder)')
  .action(async (lab: string, opts) => {
    process.exitCode = await (await import('./serve-command.js')).runServeCommand(lab, opts);
  });

program
  .command('soak')
  .description('start the lab of serve in this process and send it mixed requests from a few client sockets; print RSS and heap at the start and end, and the growth (a measurement, not a test)')
  .argument('[lab]', 'lab id under scenarios/labs', 'seed-lab')
  .option('--scenarios <dir>', 'scenarios folder', path.join(repoRoot, 'scenarios'))
  .option('--prefix <block>', 'loopback block 127.a.b for the lab (default: the first of 127.0.200–254 where nothing listens on .1:5060)')
  .option('--requests <n>', 'requests in all', positive, 1_000_000)
  .option('--window <n>', 'requests in flight per client socket', positive, 32)
  .option('--logs <dir>', 'where every node\'s full log is written (default: a new folder under the temporary folder)')
  .action(async (lab: string, opts) => {
    // The figures are read after a full collection.
    if (respawnWithHeapFlags(['--expose-gc'])) return;
    process.exitCode = await (await import('./soak-command.js')).runSoakCommand(lab, opts);
  });

program
  .command('replay')
  .description('run a repro bundle again (<id>-repro.tar.gz from uc-lab repro) and check its captures are byte-identical')
  .argument('<bundle>', 'the .tar.gz bundle')
  .action(async (bundle: string) => {
    process.exitCode = await (await import('./repro-bundle.js')).runReplayCommand(bundle);
  });

program
  .command('gate')
  .description('the ship gate: compare a run with a baseline; exit 1 on new drift or error, lost coverage, a cell that did not run, or a known issue on the releases you ship')
  .requiredOption('--baseline <results.json>', 'the run to compare with (e.g. the last release)')
  .option('--results <results.json>', 'the run to judge', path.join(repoRoot, 'reports', 'out', 'results.json'))
  .option('--release <product=release...>', 'the releases you ship, e.g. cucm=7.0(2) cup=7.0(3): their known issues block, other releases are left out')
  .option('--fleet <fleet.yaml>', 'phones by endpoint and users by release, to weight each finding by the share of the fleet it touches')
  .action(async (opts) => {
    process.exitCode = (await import('./gate-command.js')).runGateCommand(opts);
  });

program
  .command('doctor')
  .description('check a lab file against the configuration rules of the seeds (a lint: never a verdict)')
  .argument('[lab]', 'lab id under scenarios/labs', 'seed-lab')
  .option('--scenarios <dir>', 'scenarios folder', path.join(repoRoot, 'scenarios'))
  .action(async (lab: string, opts) => {
    process.exitCode = await (await import('./doctor-command.js')).runDoctorCommand(lab, opts);
  });

program
  .command('bench')
  .description('measure the in-memory matrix: cells per second (one thread and several), CPU per cell against the codec cost of its messages, peak heap')
  .option('--rounds <n>', 'how many times to run the matrix on one thread', positive, 3)
  .option('--workers <n>', 'worker threads for the parallel run (default: one per core)', positive)
  .option('--lab <lab>', 'instead: start this lab (a file, or an id under scenarios/labs) and sign every Communicator in; print boot and sign-in time, RSS and heap')
  .option('--stop', 'with --lab: also time the orderly stop (every Communicator signs out, every phone unregisters)')
  .option('--sockets', 'instead: SIPp playing Office Communicator against uc-lab serve with a population lab (--lab, default population-1k), beside SIPp uac→uas; RCC cycles/s and the ratio')
  .option('--all', "instead: every benchmark of README's Measured table in turn (this matrix, --lab population-1k, population-5k, cucm-cluster-max, load, --sockets), then how long each took and the set against its ten minutes")
  .option('--prefix <127.a>', 'with --sockets or --all: two-octet loopback block for the lab and SIPp', '127.20')
  .option('--concurrency <n>', 'with --sockets: SIPp calls at a time (both runs)', positive, 100)
  .option('--scenarios <dir>', 'scenarios folder', path.join(repoRoot, 'scenarios'))
  .action(async (opts) => {
    // The entry this process runs: bench --all starts each benchmark with it, bench --sockets starts serve with it.
    const cli = process.argv[1] ?? path.join(repoRoot, 'dist', 'harness', 'cli', 'uc-lab.js');
    if (opts.all && (opts.lab || opts.sockets)) {
      process.stderr.write('bench: --all runs every benchmark itself; give it without --lab or --sockets\n');
      process.exitCode = 2;
      return;
    }
    if (opts.all) {
      process.exitCode = await (await import('./bench-all-command.js')).runBenchAll({
        cli,
        scenarios: opts.scenarios,
        prefix: opts.prefix,
        budgetSeconds: 600,
      });
      return;
    }
    if (opts.sockets) {
      process.exitCode = await (await import('./bench-sockets-command.js')).runSocketBench({
        lab: opts.lab ?? 'population-1k',
        scenarios: opts.scenarios,
        prefix: opts.prefix,
        rounds: opts.rounds,
        concurrency: opts.concurrency,
        baselineCalls: 10000,
        laps: 4,
        cli,
        scenarioFile: path.join(repoRoot, 'bench', 'sipp', 'communicator-rcc-cycle.xml'),
      });
      return;
    }
    // The sign-in of a population is measured in the memory the target allows (docs/decisions/0025: an old space of 3.5 GiB).
    if (opts.lab && respawnWithHeapFlags(['--max-semi-space-size=128', '--max-old-space-size=3584', '--expose-gc'])) return;
    process.exitCode = opts.lab ? await (await import('./bench-command.js')).runLabBench(opts.lab, opts) : await (await import('./bench-command.js')).runBenchCommand(opts);
  });

/**
 * Large generated labs keep gigabytes of live objects: V8's default young generation then spends most of the run
 * in the garbage collector (measured: 40 % at 10,000 users). Such commands run again in a child with a larger
 * young generation and old space, unless the flags are already set. True when the child ran. 128 MB semi-spaces
 * rather than 64: a 5,000-user sign-in 0.88× the CPU for 180 MiB more peak RSS, a 30,000-user one 319 against
 * 372 s at the same peak RSS (docs/decisions/0025). `bench --lab` passes its own flags: the old space capped at
 * 3.5 GiB, the memory of the issue's target.
 */
function respawnWithHeapFlags(flags = ['--max-semi-space-size=128', '--max-old-space-size=8192', '--expose-gc']): boolean {
  const first = (flags[0] ?? '').split('=')[0] ?? '';
  if (process.execArgv.some((a) => a.startsWith(first))) return false;
  const r = spawnSync(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
  return true;
}

// `uc-lab matrix --list | head`: a reader that stops early ends the output, not with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

// A simulated product that fails asynchronously must not end the run before the reports are written:
// the cell it belongs to shows the failure; here it is only reported.
process.on('unhandledRejection', (reason: unknown) => {
  process.stderr.write(`uc-lab: unhandled failure inside the lab: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

program.parseAsync(process.argv).catch(async (error: unknown) => {
  // Errors of the lab's own (bad scenario or lab file, bad arguments) are printed without a stack.
  const { LabError } = await import('../../simulators/index.js');
  if (error instanceof LabError) process.stderr.write(`uc-lab: ${error.message}\n`);
  else process.stderr.write(`uc-lab: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
