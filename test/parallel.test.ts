import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runMergeCommand } from '../harness/cli/merge-command';
import { parseResults } from '../harness/run/results';
import type { Results } from '../harness/run/results';
import { runMatrix, shardOf } from '../harness/run/run-matrix';
import { scenariosDir } from './support/matrix';

// Worker threads and shards are ways to spread the same cells: neither may change a verdict or an evidence byte.
const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const filter = ['rcc-basic-call/endpoint=7975-sccp', 'rcc-hold-retrieve/endpoint=7971-sip', 'cscsy62620-call-forward/endpoint=7931-sccp', 'testbed-two-pools', 'config-cup-incoming-acl'];

/** results.json without what depends on when and how long. */
function timeless(r: Results): unknown {
  return { ...r, run: { ...r.run, startedAt: '', durationMs: 0 }, cells: r.cells.map((c) => ({ ...c, durationMs: 0 })) };
}

function evidenceOf(out: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else files.set(path.relative(out, full), readFileSync(full));
    }
  };
  walk(path.join(out, 'evidence'));
  return files;
}

describe('spreading the cells', () => {
  let one: Results;
  beforeAll(async () => {
    one = await runMatrix({ scenariosDir, outDir: path.join(dir, 'one'), runtime: 'memory', seed: 7, filter });
  });

  it('two worker threads give the same results.json and the same evidence bytes as one', async () => {
    const two = await runMatrix({ scenariosDir, outDir: path.join(dir, 'two'), runtime: 'memory', seed: 7, filter, workers: 2 });
    expect(timeless(two)).toEqual(timeless(one));
    expect(evidenceOf(path.join(dir, 'two'))).toEqual(evidenceOf(path.join(dir, 'one')));
  });

  it('shards merged give the same results.json as one run, and every evidence folder', async () => {
    const parts = [1, 2, 3].map((index) => path.join(dir, `shard-${index}`));
    for (const [i, out] of parts.entries()) await runMatrix({ scenariosDir, outDir: out, runtime: 'memory', seed: 7, filter, shard: { index: i + 1, count: 3 } });
    const merged = path.join(dir, 'merged');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runMergeCommand(parts, { out: merged })).toBe(0);
    } finally {
      write.mockRestore();
    }
    const results = parseResults(readFileSync(path.join(merged, 'results.json'), 'utf8'));
    if (!results.ok) throw results.error;
    expect(timeless({ ...results.value, run: { ...results.value.run, commit: one.run.commit } } as Results)).toEqual(timeless(one));
    expect(evidenceOf(merged)).toEqual(evidenceOf(path.join(dir, 'one')));
  });

  it('a shard is a contiguous, near-equal part; the parts cover every cell once', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const parts = [1, 2, 3].map((index) => shardOf(items, { index, count: 3 }));
    expect(parts).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]);
    expect(() => shardOf(items, { index: 4, count: 3 })).toThrow(/1 ≤ i ≤ n/);
  });
});
