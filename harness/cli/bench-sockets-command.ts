import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Lab } from '../../simulators';
import { loadLabById } from '../lab/load-lab';

export interface SocketBenchOptions {
  lab: string;
  scenarios: string;
  /** Two-octet loopback block: the lab takes 127.a.0.1 on, SIPp takes 127.a.255.1–3. */
  prefix: string;
  rounds: number;
  concurrency: number;
  /** Calls of the uac→uas baseline per round. */
  baselineCalls: number;
  /** Each round runs every SIPp user's cycle this many times (one after another: SIPp reads the users in turn). */
  laps: number;
  /** The built CLI (serve runs as its own process, as a user would start it). */
  cli: string;
  scenarioFile: string;
}

interface SippRun {
  readonly seconds: number;
  readonly successful: number;
  readonly failed: number;
  readonly exitCode: number | null;
  /** Messages SIPp could not map to a call of its own: an event that came after its cycle had ended. */
  readonly discarded: number;
}

interface ServedHost {
  readonly host: string;
  readonly address: string;
}

/**
 * `npm run bench:sockets`: SIPp playing Office Communicator (bench/sipp/communicator-rcc-cycle.xml, one
 * RCC cycle per SIPp call) against `uc-lab serve` with a population lab, and SIPp's own `-sn uac` →
 * `-sn uas` on the same loopback in the same run as the baseline; several rounds, medians, the ratio.
 */
export async function runSocketBench(opts: SocketBenchOptions): Promise<number> {
  const sippVersion = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  if (!/SIPp v/.test(sippVersion.stdout ?? '')) {
    process.stderr.write('bench:sockets needs SIPp on PATH (Debian package sip-tester)\n');
    return 2;
  }
  if (!/^127\.\d{1,3}$/.test(opts.prefix)) {
    process.stderr.write(`--prefix ${opts.prefix}: give a two-octet loopback block such as 127.20 (the lab takes 127.a.0.1 on, SIPp 127.a.255.x)\n`);
    return 2;
  }
  const lab = loadLabById(opts.lab, opts.scenarios);
  const cycle = communicatorCycleUsers(lab);
  if (!cycle) {
    process.stderr.write(`lab ${lab.id} has no users with remote call control to drive\n`);
    return 2;
  }
  const { pool, rows } = cycle;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-bench-sockets-'));
  const csv = path.join(dir, 'users.csv');
  writeFileSync(csv, `SEQUENTIAL\n${rows.join('\n')}\n`);

  process.stdout.write(`lab ${lab.id}: starting uc-lab serve on ${opts.prefix}.0.0/16 …\n`);
  const t0 = process.hrtime.bigint();
  // SIPp cannot do NTLM: the pools trust the address it plays Communicator from (host authorization).
  const serve = spawn(process.execPath, [...process.execArgv, opts.cli, 'serve', '--json', '--prefix', opts.prefix, '--scenarios', opts.scenarios, '--trust', `${opts.prefix}.255.1`, '--', opts.lab], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const hosts = await servedHosts(serve);
    const bootSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const frontEnd = hosts.find((h) => h.host === pool.host);
    if (!frontEnd) throw new Error(`serve did not list ${pool.host}`);
    process.stdout.write(`  up in ${bootSeconds.toFixed(1)} s: ${hosts.length} hosts; SIPp plays ${rows.length} Communicator users of ${pool.fqdn} (${frontEnd.address}), ${opts.concurrency} at a time\n`);

    const sippHost = (n: number): string => `${opts.prefix}.255.${n}`;
    const baseline: number[] = [];
    const cycles: number[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const uas = spawn('sipp', ['-sn', 'uas', '-t', 't1', '-i', sippHost(2), '-p', '5060', '-nostdin'], { cwd: dir, stdio: 'ignore' });
      await listening(sippHost(2), 5060);
      const b = await sipp(['-sn', 'uac', `${sippHost(2)}:5060`, '-t', 't1', '-i', sippHost(3), '-p', '5060', '-m', String(opts.baselineCalls), '-l', String(opts.concurrency), '-r', '100000', '-nostdin'], dir);
      uas.kill('SIGTERM');
      const c = await sipp(
        [`${frontEnd.address}:5060`, '-sf', opts.scenarioFile, '-inf', csv, '-t', 't1', '-aa', '-i', sippHost(1), '-p', '5060', '-m', String(rows.length * opts.laps), '-l', String(opts.concurrency), '-r', '100000', '-nostdin', '-timeout', '300s', '-timeout_error'],
        dir,
      );
      const bRate = b.successful / b.seconds;
      const cRate = c.successful / c.seconds;
      baseline.push(bRate);
      cycles.push(cRate);
      process.stdout.write(
        `  round ${round}: SIPp uac→uas ${b.successful} calls in ${b.seconds.toFixed(2)} s = ${bRate.toFixed(0)}/s (failed ${b.failed}); ` +
          `SIPp as Communicator ${c.successful} RCC cycles in ${c.seconds.toFixed(2)} s = ${cRate.toFixed(1)}/s (failed ${c.failed}${c.discarded ? `, ${c.discarded} events after their cycle ended` : ''}); ratio ${(cRate / bRate).toFixed(3)}\n`,
      );
      if (c.failed > 0 || c.exitCode !== 0) process.stdout.write(`    SIPp reported failures (exit ${c.exitCode}): rerun with the scenario in ${dir} and -trace_err\n`);
    }
    const mb = median(baseline);
    const ml = median(cycles);
    process.stdout.write(
      `median of ${opts.rounds}: SIPp uac→uas ${mb.toFixed(0)} calls/s; RCC cycles on sockets ${ml.toFixed(1)}/s; ratio ${(ml / mb).toFixed(3)} (targets: ≥ 1,000 cycles/s or ratio ≥ 0.5)\n`,
    );
    const failed = cycles.length === 0 || cycles.some((r) => !(r > 0));
    if (!failed) rmSync(dir, { recursive: true, force: true });
    return failed ? 1 : 0;
  } finally {
    serve.kill('SIGTERM');
    await new Promise<void>((resolve) => (serve.exitCode !== null ? resolve() : serve.once('exit', () => resolve())));
  }
}

/**
 * The injection file rows of bench/sipp/communicator-rcc-cycle.xml for a lab: the first half of its users
 * with remote call control, those homed on the pool most of them share (SIPp speaks to one front end), each
 * calling the user half a population further on, whom no SIPp call monitors.
 */
export function communicatorCycleUsers(lab: Lab): { pool: Lab['ocs']['pools'][number]; rows: string[] } | undefined {
  const users = lab.ocs.users.filter((u) => u.rcc.enabled);
  const half = Math.floor(users.length / 2);
  const byPool = new Map<string, number>();
  for (const u of users.slice(0, half)) byPool.set(u.pool, (byPool.get(u.pool) ?? 0) + 1);
  const [poolName] = [...byPool].sort((a, b) => b[1] - a[1])[0] ?? [];
  const pool = lab.ocs.pools.find((p) => p.name === poolName);
  if (!pool) return undefined;
  const rows: string[] = [];
  users.slice(0, half).forEach((u, i) => {
    const called = users[i + half];
    if (u.pool !== pool.name || !called) return;
    const [user, domain] = u.sipUri.replace(/^sip:/, '').split('@');
    rows.push([user, domain, u.rcc.lineUri, called.rcc.lineUri, u.rcc.serverUri.replace(/^sip:/, '')].join(';'));
  });
  return rows.length > 0 ? { pool, rows } : undefined;
}

/** The JSON line `uc-lab serve --json` prints once every node is up. */
function servedHosts(serve: ChildProcess): Promise<ServedHost[]> {
  return new Promise((resolve, reject) => {
    if (!serve.stdout) return reject(new Error('serve has no stdout'));
    const lines = createInterface({ input: serve.stdout });
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { hosts: ServedHost[] }).hosts);
      } catch (error) {
        reject(new Error(`uc-lab serve printed ${line.slice(0, 200)}`, { cause: error }));
      }
    });
    serve.once('exit', (code) => reject(new Error(`uc-lab serve exited (${code}) before the lab was up`)));
  });
}

/** Waits until something accepts TCP connections on address:port (SIPp's uas has started). */
async function listening(address: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${address}:${port}`);
}

function sipp(args: string[], cwd: string): Promise<SippRun> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('sipp', [...args, '-trace_err'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.once('error', reject);
    child.once('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      // SIPp's last statistics screen: "Successful call | <periodic> | <cumulative>".
      const cumulative = (name: string): number => Number([...out.matchAll(new RegExp(`${name}\\s*\\|\\s*\\d+\\s*\\|\\s*(\\d+)`, 'g'))].pop()?.[1] ?? 0);
      let discarded = 0;
      for (const f of readdirSync(cwd).filter((n) => n.endsWith('_errors.log'))) {
        discarded += (readFileSync(path.join(cwd, f), 'latin1').match(/Discarding message which can't be mapped/g) ?? []).length;
        rmSync(path.join(cwd, f));
      }
      resolve({ seconds, successful: cumulative('Successful call'), failed: cumulative('Failed call'), exitCode: code, discarded });
    });
  });
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
