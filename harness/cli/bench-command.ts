import { runMatrix } from '../run/run-matrix';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';

export interface BenchCommandOptions {
  rounds: number;
  scenarios: string;
}

/**
 * `uc-lab bench`: runs the whole in-memory matrix several times and prints wall time, cells per
 * second and peak heap, so speed and memory are measured by a command and not by timed tests.
 */
export async function runBenchCommand(opts: BenchCommandOptions): Promise<number> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-bench-'));
  let peakHeap = 0;
  const timings: number[] = [];
  let cells = 0;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const started = process.hrtime.bigint();
      const results = await runMatrix({
        scenariosDir: opts.scenarios,
        outDir: out,
        runtime: 'memory',
        seed: 7,
        onCellDone: () => {
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        },
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      timings.push(ms);
      cells = results.cells.length;
      process.stdout.write(`round ${round + 1}: ${cells} cells in ${ms.toFixed(0)} ms (${((cells * 1000) / ms).toFixed(1)} cells/s)\n`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const best = Math.min(...timings);
  process.stdout.write(
    `best of ${opts.rounds}: ${best.toFixed(0)} ms for ${cells} cells = ${((cells * 1000) / best).toFixed(1)} cells/s; peak heap ${(peakHeap / 2 ** 20).toFixed(1)} MiB; node ${process.version}, ${os.cpus().length} cpus\n`,
  );
  return 0;
}
