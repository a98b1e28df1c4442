import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseResults } from '../harness/run/results';
import type { Results } from '../harness/run/results';
import { shardOf } from '../harness/run/run-matrix';
import { scenariosDir } from './support/matrix';
import { ucLabAsync } from './support/uc-lab-cli';

// Worker threads and shards are ways to spread the same cells: neither may change a verdict or an evidence byte.
// The runs are the CLI's, as a CI job runs them (`uc-lab matrix --workers`, `--shard i/n`, `uc-lab merge`).
const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const filter = ['rcc-basic-call/endpoint=7975-sccp', 'rcc-hold-retrieve/endpoint=7971-sip', 'cscsy62620-call-forward/endpoint=7931-sccp', 'testbed-two-pools', 'config-cup-incoming-acl'];

/** results.json without what depends on when and how long. */
function timeless(r: Results): unknown {
  return { ...r, run: { ...r.run, startedAt: '', durationMs: 0 }, cells: r.cells.map((c) => ({ ...c, durationMs: 0 })) };
}

function readResults(out: string): Results {
  const r = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
  if (!r.ok) throw r.error;
  return r.value;
}

/** Every evidence file of a run, by its path, as a SHA-256 digest (Jest compares megabytes of Buffer slowly, byte by byte). */
function evidenceOf(out: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else files.set(path.relative(out, full), createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(path.join(out, 'evidence'));
  return files;
}

describe('spreading the cells', () => {
  const run = async (out: string, ...args: string[]): Promise<Results> => {
    const r = await ucLabAsync(['matrix', '--scenarios', scenariosDir, '--out', out, '--seed', '7', '--filter', ...filter, ...args]);
    if (r.status !== 0) throw new Error(`uc-lab matrix ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return readResults(out);
  };
  let one: Results;
  beforeAll(async () => {
    one = await run(path.join(dir, 'one'), '--workers', '1');
  });

  it('two worker threads give the same results.json and the same evidence bytes as one', async () => {
    const two = await run(path.join(dir, 'two'), '--workers', '2');
    expect(timeless(two)).toEqual(timeless(one));
    expect(evidenceOf(path.join(dir, 'two'))).toEqual(evidenceOf(path.join(dir, 'one')));
  });

  it('shards merged give the same results.json as one run, and every evidence folder', async () => {
    const parts = [1, 2, 3].map((index) => path.join(dir, `shard-${index}`));
    await Promise.all(parts.map((out, i) => run(out, '--shard', `${i + 1}/3`)));
    const merged = path.join(dir, 'merged');
    const r = await ucLabAsync(['merge', ...parts, '--out', merged]);
    expect(r.status).toBe(0);
    expect(timeless(readResults(merged))).toEqual(timeless(one));
    expect(evidenceOf(merged)).toEqual(evidenceOf(path.join(dir, 'one')));
  });

  it('a shard is a contiguous, near-equal part; the parts cover every cell once', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const parts = [1, 2, 3].map((index) => shardOf(items, { index, count: 3 }));
    expect(parts).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]);
    expect(() => shardOf(items, { index: 4, count: 3 })).toThrow(/1 ≤ i ≤ n/);
  });
});
