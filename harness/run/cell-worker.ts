/**
 * A worker thread of `uc-lab matrix --workers N`: takes the main thread's plan, runs the cells it is handed one
 * at a time, writes their evidence and posts each result. Each thread has its own globals, so each can run its
 * own in-memory lab with virtual timers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lastEvents } from '../trace/ladder';
import { isFailingVerdict } from './results';
import { runPlannedCell } from './run-matrix';
import type { FromWorker, ToWorker, WorkerOptions } from './worker-protocol';

const port = parentPort;
if (port) {
  let options = workerData as WorkerOptions;
  let plan = options.plan;
  let claims = new Map(plan.claims.map((c) => [c.id, c]));
  port.on('message', (m: ToWorker) => {
    if (m.type === 'exit') {
      // Every evidence file is on disk already: a cell's result is sent after its folder is written.
      port.close();
      return;
    }
    if (m.type === 'plan') {
      plan = m.plan;
      if (m.options) options = { ...m.options, plan };
      claims = new Map(plan.claims.map((c) => [c.id, c]));
      return;
    }
    const planned = plan.cells[m.index];
    if (!planned) {
      port.postMessage({ type: 'failed', index: m.index, error: `no cell ${m.index}` } satisfies FromWorker);
      return;
    }
    runPlannedCell(planned, claims, options).then(
      ({ result, outcome }) => {
        const failing = isFailingVerdict(result.verdict) ? { lastMessages: lastEvents(outcome.events, 15), leaks: outcome.leaks } : {};
        port.postMessage({ type: 'done', index: m.index, result, ...failing } satisfies FromWorker);
      },
      (e: unknown) => port.postMessage({ type: 'failed', index: m.index, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FromWorker),
    );
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
