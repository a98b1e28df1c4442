import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { mergeResults } from '../../reports';
import { parseResults } from '../run/results';
import type { Results } from '../run/results';
import { writeReports } from '../run/run-matrix';
import { printSummary } from './matrix-command';

export interface MergeCommandOptions {
  out: string;
}

/**
 * `uc-lab merge <shard…> --out dir`: one results.json and every report from the shards of a run, with each
 * shard's evidence folders copied beside them (as Playwright's merge-reports does for its blobs). Exit 2 when
 * a shard's results.json is missing or is not one.
 */
export async function runMergeCommand(shards: readonly string[], opts: MergeCommandOptions): Promise<number> {
  const parts: { dir: string; results: Results }[] = [];
  for (const shard of shards) {
    const file = existsSync(shard) && statSync(shard).isDirectory() ? path.join(shard, 'results.json') : shard;
    if (!existsSync(file)) {
      process.stderr.write(`uc-lab merge: ${file} does not exist\n`);
      return 2;
    }
    const parsed = parseResults(readFileSync(file, 'utf8'));
    if (!parsed.ok) {
      process.stderr.write(`uc-lab merge: ${file} is not a results.json: ${parsed.error.message}\n`);
      return 2;
    }
    parts.push({ dir: path.dirname(file), results: parsed.value });
  }
  const merged = mergeResults(parts.map((p) => p.results));
  for (const { dir } of parts) {
    const evidence = path.join(dir, 'evidence');
    if (existsSync(evidence) && path.resolve(evidence) !== path.resolve(opts.out, 'evidence')) cpSync(evidence, path.join(opts.out, 'evidence'), { recursive: true });
  }
  writeReports(opts.out, merged);
  printSummary(merged, opts.out);
  return merged.errors.length > 0 ? 2 : merged.cells.some((c) => c.verdict === 'drift' || c.verdict === 'error') ? 1 : 0;
}
