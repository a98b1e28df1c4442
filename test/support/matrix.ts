import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { planMatrix, workerScript } from '../../harness/run/run-matrix';
import type { EvidenceKept, PlannedRun } from '../../harness/run/run-matrix';
import type { CellResult } from '../../harness/run/results';
import { isFailingVerdict } from '../../harness/run/results';
import { cellFolderName } from '../../harness/scenario/expand-axes';
import type { FromWorker, ToWorker, WorkerOptions } from '../../harness/run/worker-protocol';
import { enableDiskCache } from '../../harness/scenario/scenario-cache';
import { readFrames, tsharkInstalled } from './tshark-evidence';
import type { TsharkFrame } from './tshark-evidence';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const scenariosDir = path.join(repoRoot, 'scenarios');

// The files that plan cells read a loaded scenarios folder from the built CLI's disk cache: the global setup
// built the bundle from these sources at the start of this run, so its bytes name the code loading here too,
// and a file's first plan costs a deserialisation instead of a cold parse (docs/decisions/0024).
if (process.env['UC_LAB_CELL_WORKER']) {
  enableDiskCache(path.join(repoRoot, 'node_modules', '.cache', 'uc-lab'), [path.join(repoRoot, 'dist', 'harness', 'cli', 'uc-lab.bundle.js'), path.join(repoRoot, 'node_modules', '.package-lock.json')]);
}

export function plan(filter?: string[]) {
  return planMatrix({ scenariosDir, ...(filter ? { filter } : {}) });
}

/**
 * Part `k` of `n` of every planned cell, so the scenario cells spread over several test files: Jest's workers run
 * them side by side and `jest --shard=i/n` can split them across CI machines.
 */
export function planPart(k: number, n: number, runtime?: 'memory' | 'sockets') {
  return planMatrix({ scenariosDir, shard: { index: k, count: n }, ...(runtime ? { runtime } : {}) });
}

/** What a cell run on the worker thread sends back: its result, and for DRIFT or ERROR the end of its ladder. */
interface RanCell {
  result: CellResult;
  lastMessages?: string;
  leaks?: string[];
}

/** One worker thread of the runner: it runs one cell at a time (its in-memory lab has the thread's globals). */
interface CellThread {
  worker: Worker;
  queue: number[];
  busy: number | undefined;
  /** The thread failed or ended: it is not handed to another file. */
  broken: boolean;
  /** Takes the runner's listeners off the thread. */
  detach: () => void;
}

/**
 * Idle cell threads of this Jest worker process, kept from one test file to the next. A Jest worker runs test
 * files one after another, each in a module registry of its own; the threads are outside every registry (kept on
 * node:worker_threads' `Worker`, which the files share), so a later file's cells start on a thread whose code is
 * loaded and compiled (a part of 58 memory cells: 5.1 s of CPU on a new thread, 3.2 s on a warm one). Each file hands a thread its
 * own plan and options, as the verdict tests already do between plans; the cells' results do not depend on the
 * thread (test/parallel.test.ts: one thread or two, the same bytes). An idle thread is unreferenced, so it never
 * keeps the process alive.
 */
const IDLE_THREADS = Symbol.for('uc-lab.tests.idle-cell-threads');
const MAX_IDLE_THREADS = 2;

/** While idle, a thread that fails or ends leaves the pool (and its error has a listener). */
const idleGuards = new WeakMap<Worker, () => void>();

function park(idle: Worker[], worker: Worker): void {
  const drop = (): void => {
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
  };
  worker.on('error', drop);
  worker.on('exit', drop);
  idleGuards.set(worker, drop);
  worker.unref();
  idle.push(worker);
}

function unpark(idle: Worker[]): Worker | undefined {
  const worker = idle.pop();
  const drop = worker && idleGuards.get(worker);
  if (worker && drop) {
    worker.off('error', drop);
    worker.off('exit', drop);
    worker.ref();
  }
  return worker;
}

/** The idle threads of one cell-worker script (and its flags). */
function idleThreads({ file, execArgv }: { file: string; execArgv: string[] }): Worker[] {
  const script = `${file} ${execArgv.join(' ')}`;
  // Each test file sees a `process` of its own (Jest's environment copies it); node:worker_threads is the one
  // module object every file of the process shares.
  const held = Worker as unknown as Record<symbol, Map<string, Worker[]> | undefined>;
  const byScript = (held[IDLE_THREADS] ??= new Map());
  let list = byScript.get(script);
  if (!list) byScript.set(script, (list = []));
  return list;
}

/**
 * Runs a part's cells, as the tests ask for them, on worker threads of the bundled cell worker (the one
 * `uc-lab matrix --workers` starts; the global setup builds it): the cells run as fast as they do for a user,
 * outside Jest's module sandbox, and each leaves its evidence in a temporary folder: a DRIFT or ERROR cell its
 * whole folder (trace.pcap, ladder.md ...) for a person to open, a passing one what `evidence` says (the
 * captures that the tshark checks read, or nothing). With several address blocks (sockets), a thread per block runs
 * the cells after the one asked for while it runs, since a socket cell spends most of its wall time waiting.
 */
export class CellRunner {
  private folder: string | undefined;
  private threads: CellThread[] | undefined;
  private readonly waiting = new Map<number, { resolve: (r: RanCell) => void; reject: (e: Error) => void }>();
  private readonly runs = new Map<number, Promise<RanCell>>();
  private readonly finished = new Set<number>();
  private kept = false;
  /** The furthest cell a test has asked for: idle threads run ahead from there, in the order the tests ask. */
  private asked = -1;

  constructor(
    private part: PlannedRun,
    private readonly options: { runtime: 'memory' | 'sockets'; addressPrefixes?: string[]; evidence: EvidenceKept },
  ) {}

  /** The temporary folder of the cells' evidence, made when the first cell runs. */
  get dir(): string {
    return (this.folder ??= mkdtempSync(path.join(os.tmpdir(), 'uc-lab-cells-')));
  }

  /** The evidence folder of a cell of the part. */
  evidenceOf(id: string): string {
    return path.join(this.dir, 'evidence', cellFolderName(id));
  }

  /** Runs the cell (once; a second call gets the same run); with several threads, the idle ones run the cells after it. */
  run(index: number): Promise<RanCell> {
    this.asked = Math.max(this.asked, index);
    const run = this.schedule(index);
    for (const t of this.threads ?? []) this.dispatch(t);
    return run;
  }

  /** Replaces the plan (one thread, idle): the cells asked for next are the new plan's. */
  load(part: PlannedRun): void {
    const busy = (this.threads ?? []).some((t) => t.busy !== undefined || t.queue.length > 0);
    if (busy || (this.threads?.length ?? 1) !== 1) throw new Error('a plan is replaced only on one idle thread');
    this.part = part;
    this.runs.clear();
    this.finished.clear();
    this.asked = -1;
    for (const t of this.threads ?? []) t.worker.postMessage({ type: 'plan', plan: { claims: part.claims, cells: part.cells } } satisfies ToWorker);
  }

  /** The cells that have run to a result, their evidence on disk (the worker writes it before it answers). */
  ran(): string[] {
    return this.part.cells.filter((_, i) => this.finished.has(i)).map(({ cell }) => cell.id);
  }

  /** The temporary folder stays after the test file, for a person to open a failing cell's evidence. */
  keep(): void {
    this.kept = true;
  }

  /** Hands each thread that is idle and well to the next test file of this process; ends the others. */
  async close(): Promise<void> {
    const idle = idleThreads(workerScript());
    await Promise.all(
      (this.threads ?? []).map(async (t) => {
        t.detach();
        if (!t.broken && t.busy === undefined && t.queue.length === 0 && idle.length < MAX_IDLE_THREADS) park(idle, t.worker);
        else await t.worker.terminate();
      }),
    );
    this.threads = undefined;
    if (!this.kept && this.folder) rmSync(this.folder, { recursive: true, force: true });
  }

  private schedule(index: number, on?: CellThread): Promise<RanCell> {
    let run = this.runs.get(index);
    if (run) return run;
    const threads = this.start();
    run = new Promise<RanCell>((resolve, reject) => this.waiting.set(index, { resolve, reject }));
    this.runs.set(index, run);
    const load = (t: CellThread): number => t.queue.length + (t.busy === undefined ? 0 : 1);
    const thread = on ?? threads.reduce((a, b) => (load(b) < load(a) ? b : a));
    thread.queue.push(index);
    this.dispatch(thread);
    return run;
  }

  private dispatch(thread: CellThread): void {
    if (thread.busy !== undefined) return;
    if (thread.queue.length === 0 && (this.threads?.length ?? 0) > 1 && this.asked >= 0) {
      let ahead = this.asked + 1;
      while (ahead < this.part.cells.length && this.runs.has(ahead)) ahead++;
      if (ahead < this.part.cells.length) {
        this.schedule(ahead, thread);
        return;
      }
    }
    const index = thread.queue.shift();
    if (index === undefined) return;
    thread.busy = index;
    thread.worker.postMessage({ type: 'run', index } satisfies ToWorker);
  }

  private start(): CellThread[] {
    if (this.threads) return this.threads;
    const script = workerScript();
    const { file, execArgv } = script;
    const idle = idleThreads(script);
    const prefixes = this.options.addressPrefixes ?? [undefined];
    this.threads = prefixes.map((prefix) => {
      const workerData: WorkerOptions = {
        plan: { claims: this.part.claims, cells: this.part.cells },
        outDir: this.dir,
        evidenceDir: path.join(this.dir, 'evidence'),
        runtime: this.options.runtime,
        evidence: this.options.evidence,
        seed: 7,
        ...(prefix ? { addressPrefix: prefix } : {}),
      };
      let worker = unpark(idle);
      if (worker) {
        const { plan, ...options } = workerData;
        worker.postMessage({ type: 'plan', plan, options } satisfies ToWorker);
      } else worker = new Worker(file, { workerData, execArgv });
      const thread: CellThread = { worker, queue: [], busy: undefined, broken: false, detach: () => undefined };
      const settle = (index: number, outcome: { ran: RanCell } | { error: Error }): void => {
        const w = this.waiting.get(index);
        this.waiting.delete(index);
        if ('ran' in outcome) {
          this.finished.add(index);
          w?.resolve(outcome.ran);
        }
        else w?.reject(outcome.error);
      };
      const failAll = (e: Error): void => {
        thread.broken = true;
        for (const index of [...(thread.busy === undefined ? [] : [thread.busy]), ...thread.queue]) settle(index, { error: e });
        thread.queue.length = 0;
        thread.busy = undefined;
      };
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'ready') return;
        thread.busy = undefined;
        if (m.type === 'failed') settle(m.index, { error: new Error(m.error) });
        else settle(m.index, { ran: { result: m.result as CellResult, ...(m.lastMessages !== undefined ? { lastMessages: m.lastMessages } : {}), ...(m.leaks ? { leaks: m.leaks } : {}) } });
        this.dispatch(thread);
      };
      const onExit = (): void => failAll(new Error('the cell worker ended'));
      worker.on('message', onMessage);
      worker.on('error', failAll);
      worker.on('exit', onExit);
      thread.detach = () => {
        worker.off('message', onMessage);
        worker.off('error', failAll);
        worker.off('exit', onExit);
      };
      return thread;
    });
    return this.threads;
  }
}

/**
 * One bundled cell worker for a test file's own plans (variants of the scenarios, a lab override): call it at the
 * file's top level; the returned function runs every cell of a plan, in order, on that thread and gives their results.
 */
export function cellWorker(): (planned: PlannedRun) => Promise<CellResult[]> {
  let runner: CellRunner | undefined;
  afterAll(() => runner?.close());
  return async (planned) => {
    if (!runner) runner = new CellRunner(planned, { runtime: 'memory', evidence: 'none' });
    else runner.load(planned);
    const results: CellResult[] = [];
    for (let i = 0; i < planned.cells.length; i++) results.push((await runner.run(i)).result);
    return results;
  };
}

/** A failing cell's message from the worker's report: the step, expected vs observed, and the end of the ladder. */
function explainRan(ran: RanCell, evidence: string): string {
  const r = ran.result;
  return [
    `${r.id}: ${r.verdict} (documented ${r.documented})`,
    `  step:     ${r.failedStep ?? '-'}`,
    `  expected: ${r.expected ?? '-'}`,
    `  observed: ${r.observed ?? '-'}`,
    ...(ran.leaks?.length ? [`  leaks:    ${ran.leaks.join('; ')}`] : []),
    `  evidence: ${evidence} (ladder.md, ladder.html, trace.pcap, logs/; kept after the run)`,
    '  last messages:',
    (ran.lastMessages ?? '(none)')
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n'),
  ].join('\n');
}

/**
 * Declares part k of n of the scenario cells as Jest tests: each fails on DRIFT and ERROR, printing the
 * step, expected vs observed and the last messages of the ladder. In memory the cells are grouped by
 * scenario, and every cell's capture is then read by tshark (a few processes for the whole part); on sockets
 * each part takes its own loopback blocks (one per thread) so that parts run side by side.
 */
export function describeCells(k: number, n: number, runtime: { kind: 'memory' } | { kind: 'sockets'; addressPrefixes: string[] }): void {
  const planned = planPart(k, n, runtime.kind);
  // A passing cell keeps what the tshark checks read (in memory) or nothing (on sockets); a DRIFT or ERROR cell its whole folder.
  const evidence = runtime.kind === 'memory' ? 'captures' : 'none';
  const runner = new CellRunner(planned, { runtime: runtime.kind, evidence, ...(runtime.kind === 'sockets' ? { addressPrefixes: runtime.addressPrefixes } : {}) });
  afterAll(() => runner.close());
  const indexOf = new Map(planned.cells.map(({ cell }, i) => [cell.id, i]));
  const run = async (id: string): Promise<void> => {
    const ran = await runner.run(indexOf.get(id) ?? -1);
    if (isFailingVerdict(ran.result.verdict)) {
      runner.keep();
      throw new Error(explainRan(ran, runner.evidenceOf(id)));
    }
    expect(['drift', 'error']).not.toContain(ran.result.verdict);
  };
  if (k === 1 && runtime.kind === 'memory') {
    it('every lab and scenario file loads, and every cell can run as written', () => {
      expect(planned.errors.map((e) => e.message)).toEqual([]);
    });
  }
  if (runtime.kind === 'sockets') {
    describe('scenarios on the socket runtime', () => {
      it.each(planned.cells.map(({ cell }) => [cell.id] as const))('%s', (id) => run(id));
    });
    return;
  }
  describe.each([...new Set(planned.cells.map(({ cell }) => cell.scenario.id))])('%s', (scenarioId) => {
    const cells = planned.cells.filter(({ cell }) => cell.scenario.id === scenarioId);
    it.each(cells.map(({ cell }) => [cell.id] as const))('%s', (id) => run(id));
  });
  describeTsharkEvidence(planned, runner);
}

/**
 * Every cell's trace.pcap, as tshark reads it (with the cell's TLS key log): SIP and skinny decode, nothing is
 * malformed, no TCP analysis flag; the TLS cells' SIP and the calendar cells' HTTP decode inside TLS.
 */
function describeTsharkEvidence(planned: PlannedRun, runner: CellRunner): void {
  describe('evidence trace.pcap in tshark', () => {
    const ids = planned.cells.map(({ cell }) => cell.id);
    if (!tsharkInstalled) {
      it.skip('tshark is not installed (apt-get install tshark): pcap dissection not checked', () => undefined);
      return;
    }
    // tshark reads, in one batch, every cell that has run and is not read yet: once for a whole run, and only the
    // chosen cells under `jest -t` (a cell whose run test was not chosen runs when its tshark test asks).
    const indexOf = new Map(ids.map((id, i) => [id, i]));
    const read = new Map<string, TsharkFrame[]>();
    let reading = Promise.resolve();
    const frames = async (id: string): Promise<TsharkFrame[]> => {
      await runner.run(indexOf.get(id) ?? -1);
      reading = reading.then(async () => {
        if (read.has(id)) return;
        for (const [cell, list] of await readFrames(runner.ran().filter((c) => !read.has(c)), (c) => runner.evidenceOf(c))) read.set(cell, list);
      });
      await reading;
      return read.get(id) ?? [];
    };
    it.each(ids.map((id) => [id] as const))('%s decodes in tshark: SIP and skinny, nothing malformed, no TCP analysis flag', async (id) => {
      const list = await frames(id);
      expect(list.length).toBeGreaterThan(0);
      expect(list.filter((f) => f.malformed)).toEqual([]);
      expect(list.some((f) => /:sip/.test(f.protocols))).toBe(true);
      expect(list.some((f) => /:skinny/.test(f.protocols))).toBe(true);
      expect(list.filter((f) => f.flags !== '')).toEqual([]);
    });
    const tlsCells = planned.cells.filter(({ cell }) => cell.scenario.file.includes('/tls/')).map(({ cell }) => [cell.id] as const);
    if (tlsCells.length > 0) {
      it.each(tlsCells)('%s: SIP over TLS between CUP and OCS decodes as SIP, decrypted with the key log', async (id) => {
        expect((await frames(id)).some((f) => /:tls:sip/.test(f.protocols))).toBe(true);
      });
    }
    const calendarCells = planned.cells.filter(({ cell }) => cell.scenario.file.includes('/calendar/')).map(({ cell }) => [cell.id] as const);
    if (calendarCells.length > 0) {
      it.each(calendarCells)('%s: the Presence Gateway reading Exchange decodes as HTTP with XML bodies, decrypted with the key log', async (id) => {
        const list = await frames(id);
        expect(list.some((f) => /:tls/.test(f.protocols))).toBe(true);
        expect(list.some((f) => /:tls:http:xml/.test(f.protocols))).toBe(true);
        expect(list.filter((f) => f.malformed)).toEqual([]);
      });
    }
  });
}
