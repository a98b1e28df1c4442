import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { gate, renderGate } from '../../reports';
import type { Fleet } from '../../reports';
import { parseResults } from '../run/results';
import type { Results } from '../run/results';

export interface GateCommandOptions {
  baseline: string;
  results: string;
  release?: string[];
  fleet?: string;
}

const fleetSchema = z.strictObject({
  phones: z.array(z.strictObject({ endpoint: z.string().min(1), count: z.number().int().min(0), releases: z.record(z.string(), z.string()).optional() })).optional(),
  users: z.array(z.strictObject({ count: z.number().int().min(0), releases: z.record(z.string(), z.string()) })).optional(),
});

function readResults(file: string, what: string): Results {
  if (!existsSync(file)) throw new Error(`${what} ${file} does not exist`);
  const parsed = parseResults(readFileSync(file, 'utf8'));
  if (!parsed.ok) throw new Error(`${what} ${file}: ${parsed.error.message}`);
  return parsed.value;
}

/**
 * `uc-lab gate`: whether a run may ship against a baseline. Exit 0: ship; 1: do not ship (the findings say why);
 * 2: an input could not be read.
 */
export function runGateCommand(opts: GateCommandOptions): number {
  let baseline: Results;
  let current: Results;
  let fleet: Fleet | undefined;
  const releases: Record<string, string> = {};
  try {
    baseline = readResults(opts.baseline, 'the baseline');
    current = readResults(opts.results, 'the results');
    for (const r of opts.release ?? []) {
      const m = /^([a-zA-Z0-9]+)=(.+)$/.exec(r);
      if (!m?.[1] || !m[2]) throw new Error(`--release ${r}: give product=release, e.g. cucm=7.0(2)`);
      releases[m[1]] = m[2];
    }
    if (opts.fleet !== undefined) {
      const parsed = fleetSchema.safeParse(parseYaml(readFileSync(opts.fleet, 'utf8')));
      if (!parsed.success) throw new Error(`${opts.fleet}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
      fleet = parsed.data;
    }
  } catch (e) {
    process.stderr.write(`uc-lab gate: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const options = { ...(Object.keys(releases).length > 0 ? { releases } : {}), ...(fleet ? { fleet } : {}) };
  const outcome = gate(baseline, current, options);
  process.stdout.write(renderGate(outcome, options));
  return outcome.pass ? 0 : 1;
}
