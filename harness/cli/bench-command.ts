import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { roundTripDatagram, roundTripStream } from '../../simulators';
import type { StreamProtocol } from '../../simulators';
import { runMatrix } from '../run/run-matrix';
import { LabRuntime } from '../lab/lab-runtime';
import { loadLab, loadLabById } from '../lab/load-lab';
import { actionsOf, observationsOf } from '../scenario/vocabulary';
import { readPcap } from '../trace/pcap-reader';

export interface BenchCommandOptions {
  rounds: number;
  scenarios: string;
  workers?: number;
}

const PORT_PROTOCOL: Record<number, StreamProtocol> = { 5060: 'SIP', 2000: 'SCCP', 2748: 'CTI' };

interface Round {
  cells: number;
  wallMs: number;
  cpuMs: number;
  peakHeap: number;
  peakRss: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function round(opts: BenchCommandOptions, outDir: string, workers: number): Promise<Round> {
  let peakHeap = 0;
  let peakRss = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const cpu0 = cpuNow();
  const t0 = process.hrtime.bigint();
  const results = await runMatrix({ scenariosDir: opts.scenarios, outDir, runtime: 'memory', seed: 7, workers, onCellDone: sample });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  sample();
  return { cells: results.cells.length, wallMs, cpuMs: cpuNow() - cpu0, peakHeap, peakRss };
}

/**
 * The CPU the project's own codecs spend decoding and re-encoding exactly the messages of the run (read back
 * from every cell's trace.pcap): a floor for what a cell could cost. Repeated to get a measurable figure.
 */
function codecCost(outDir: string, repeat = 5): { cpuMs: number; messages: number } {
  const evidence = path.join(outDir, 'evidence');
  const captures = readdirSync(evidence).map((d) => readPcap(new Uint8Array(readFileSync(path.join(evidence, d, 'trace.pcap')))));
  const streams = captures.flatMap((c) =>
    [...c.streams.values()].flatMap((s) => {
      const protocol = PORT_PROTOCOL[s.dstPort] ?? PORT_PROTOCOL[s.srcPort];
      if (!protocol) return [];
      const bytes = new Uint8Array(s.chunks.reduce((n, x) => n + x.length, 0));
      let at = 0;
      for (const x of s.chunks) {
        bytes.set(x, at);
        at += x.length;
      }
      return [{ protocol, bytes }];
    }),
  );
  const datagrams = captures.flatMap((c) => c.datagrams.map((d) => ({ protocol: d.srcPort === 53 || d.dstPort === 53 ? ('DNS' as const) : ('SIP' as const), bytes: d.payload })));
  let messages = 0;
  const cpu0 = cpuNow();
  for (let i = 0; i < repeat; i++) {
    messages = 0;
    for (const s of streams) messages += roundTripStream(s.protocol, s.bytes);
    for (const d of datagrams) messages += roundTripDatagram(d.protocol, d.bytes);
  }
  return { cpuMs: (cpuNow() - cpu0) / repeat, messages };
}

/**
 * `uc-lab bench`: the in-memory matrix several times on one thread, then once on `--workers` threads. Prints
 * cells per second, CPU per cell, the codec cost of the same cells' messages measured in the same run and the
 * ratio between them, and peak heap. Figures are medians of the rounds; compare runs side by side, not with
 * another machine.
 */
export async function runBenchCommand(opts: BenchCommandOptions): Promise<number> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-bench-'));
  const rounds: Round[] = [];
  let codec = { cpuMs: 0, messages: 0 };
  try {
    for (let i = 0; i < opts.rounds; i++) {
      const r = await round(opts, out, 1);
      rounds.push(r);
      process.stdout.write(`round ${i + 1}: ${r.cells} cells in ${r.wallMs.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU (${((r.cells * 1000) / r.wallMs).toFixed(1)} cells/s)\n`);
    }
    codec = codecCost(out);
    const workers = opts.workers ?? os.availableParallelism();
    const parallel = workers > 1 ? await round(opts, out, workers) : undefined;
    const cells = rounds[0]?.cells ?? 0;
    const wall = median(rounds.map((r) => r.wallMs));
    const cpuPerCell = median(rounds.map((r) => r.cpuMs)) / Math.max(1, cells);
    const codecPerCell = codec.cpuMs / Math.max(1, cells);
    const lines = [
      `cells: ${cells}; messages: ${codec.messages} (${(codec.messages / Math.max(1, cells)).toFixed(0)} per cell)`,
      `one thread: ${((cells * 1000) / wall).toFixed(1)} cells/s (median of ${rounds.length}: ${wall.toFixed(0)} ms)`,
      ...(parallel ? [`${workers} worker threads: ${((parallel.cells * 1000) / parallel.wallMs).toFixed(1)} cells/s (${parallel.wallMs.toFixed(0)} ms)`] : []),
      `CPU per cell: ${cpuPerCell.toFixed(2)} ms; codec cost of its messages: ${codecPerCell.toFixed(2)} ms; ratio ${(cpuPerCell / Math.max(1e-9, codecPerCell)).toFixed(1)}×`,
      `peak heap ${(Math.max(...rounds.map((r) => r.peakHeap)) / 2 ** 20).toFixed(1)} MiB, peak RSS ${(Math.max(...rounds.map((r) => r.peakRss)) / 2 ** 20).toFixed(1)} MiB`,
      `node ${process.version}, ${os.availableParallelism()} cores`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return 0;
}

/** Virtual time between two batches of sign-ins. */
const SIGN_IN_BATCH_GAP_MS = 1_000;

export interface LabBenchOptions {
  scenarios: string;
  /** Sign-ins started side by side. */
  batch?: number;
  /** Also time the orderly stop (every Communicator signs out, every phone unregisters): as long again as sign-in. */
  stop?: boolean;
}

/**
 * `uc-lab bench --lab <lab>`: starts a (generated) lab in memory with no capture, then signs every user's
 * Communicator in with its RCC session, and prints boot and sign-in time (wall and CPU), RSS and heap.
 */
export async function runLabBench(labRef: string, opts: LabBenchOptions): Promise<number> {
  const lab = existsSync(labRef) ? loadLab(labRef) : loadLabById(labRef, opts.scenarios);
  const users = lab.ocs.users;
  process.stdout.write(`lab ${lab.id}: ${users.length} users, ${lab.cucm.phones.length} phones, ${lab.ocs.pools.length} pools, ${Object.keys(lab.hosts).length} hosts\n`);
  let cpu = cpuNow();
  let t = process.hrtime.bigint();
  const lap = (): string => {
    const wall = Number(process.hrtime.bigint() - t) / 1e6;
    const c = cpuNow() - cpu;
    t = process.hrtime.bigint();
    cpu = cpuNow();
    return `${(wall / 1000).toFixed(2)} s wall, ${(c / 1000).toFixed(2)} s CPU`;
  };
  // RSS and heap as the phase left them (used, and what V8 holds for it), the memory outside the heap (buffers),
  // the peak RSS so far, and (when the process runs with --expose-gc, as `uc-lab` respawns itself for a lab
  // bench) the heap still live after a full collection: what the lab holds, apart from garbage the collector had
  // not yet reached. The collection's time is kept out of the next phase.
  const mem = (): string => {
    const m = process.memoryUsage();
    const peak = process.resourceUsage().maxRSS / 1024;
    let live = '';
    if (global.gc) {
      global.gc();
      live = `, ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB live`;
      t = process.hrtime.bigint();
      cpu = cpuNow();
    }
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    return `RSS ${mib(m.rss)} MiB (peak ${peak.toFixed(0)} MiB), heap ${mib(m.heapUsed)} MiB of ${mib(m.heapTotal)} MiB the heap holds${live}, outside the heap ${mib(m.external)} MiB`;
  };
  // The newest 10,000 log records are kept, as `uc-lab load` keeps them: nobody reads a 30,000-user lab's log,
  // which would otherwise grow by some 40 records a user.
  const runtime = await LabRuntime.start(lab, { runtime: 'memory', seed: 7, maxLogRecords: 10_000 });
  try {
    process.stdout.write(`boot (DNS, CUCM, CUP, pools, every phone registered): ${lap()}; ${mem()}\n`);
    const clients = users.flatMap((u) => {
      const n = runtime.node(u.client.host);
      return n ? [n] : [];
    });
    const batch = opts.batch ?? 256;
    for (let i = 0; i < clients.length; i += batch) {
      const part = clients.slice(i, i + batch);
      await runtime.driver.complete(
        Promise.allSettled(part.map((n) => actionsOf(n.kind).signIn?.run(n.node, undefined))),
        60_000 + batch * 100,
        `signing in users ${i + 1}–${i + part.length}`,
      );
      // A sign-in storm, not a single instant: the next batch starts a virtual second later, as their
      // transactions' timers (RFC 3261 Timer K/J, sip.js's own) run out.
      await runtime.driver.runUntil(() => false, SIGN_IN_BATCH_GAP_MS);
      // Progress on a terminal only (a redirected stderr gets no carriage-return clutter).
      if (clients.length > batch && process.stderr.isTTY) process.stderr.write(`\rsigned in ${Math.min(i + batch, clients.length)}/${clients.length}`);
    }
    if (clients.length > batch && process.stderr.isTTY) process.stderr.write('\n');
    const active = clients.filter((n) => observationsOf(n.kind).rccSession?.read(n.node, {}) === 'active').length;
    process.stdout.write(`sign-in of ${clients.length} Communicators (REGISTER, RCC session, MonitorStart): ${lap()}; ${active} with an active RCC session; ${mem()}\n`);
    // 40 virtual seconds: every transaction timer of the sign-ins runs out (RFC 3261 Timer K, J, H; sip.js's own).
    await runtime.driver.runUntil(() => false, 40_000);
    process.stdout.write(`at rest 40 virtual seconds later: ${lap()}; ${mem()}\n`);
  } finally {
    // Without --stop the figures are printed and the process ends: nothing outside it holds a socket or a file.
    if (opts.stop) await runtime.stop();
  }
  if (opts.stop) process.stdout.write(`stop (every node shut down in order: Communicators sign out, phones unregister): ${lap()}\n`);
  return 0;
}
