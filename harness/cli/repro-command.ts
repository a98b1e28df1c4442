import path from 'node:path';
import type { RuntimeKind } from '../lab/lab-runtime';
import { isFailingVerdict } from '../run/results';
import { planMatrix, runMatrix } from '../run/run-matrix';
import { printSummary } from './matrix-command';
import { writeBundle } from './repro-bundle';

export interface ReproCommandOptions {
  runtime: RuntimeKind;
  seed: number;
  scenarios: string;
  out: string;
  /** Sockets runtime: the loopback block for the hosts. */
  prefix?: string;
}

/**
 * `uc-lab repro <id>`: a vendor's run of one scenario, cell, claim or defect, with its evidence
 * (trace.pcap, ladder.md, logs/) printed for hand-over and packed into one archive (repro-bundle.ts).
 */
export async function runReproCommand(id: string, opts: ReproCommandOptions): Promise<number> {
  const plan = planMatrix({ scenariosDir: opts.scenarios });
  const claims = new Map(plan.claims.map((c) => [c.id, c]));
  // Ids compare case-insensitively: `cscsy62620` is CSCsy62620.
  const same = (a: string | undefined): boolean => a !== undefined && a.toLowerCase() === id.toLowerCase();
  const matching = plan.cells.filter(({ cell }) => same(cell.id) || same(cell.scenario.id) || cell.scenario.claims.some((c) => same(c) || same(claims.get(c)?.defect)));
  if (matching.length === 0) {
    const scenarios = [...new Set(plan.cells.map(({ cell }) => cell.scenario.id))];
    const defects = [...new Set(plan.claims.flatMap((c) => (c.defect ? [c.defect] : [])))];
    const graded = [...new Set(plan.cells.flatMap(({ cell }) => cell.scenario.claims))];
    process.stderr.write(`uc-lab repro: nothing matches "${id}" (a cell, scenario, claim or defect id)\n  defects: ${defects.join(', ')}\n  scenarios: ${scenarios.join(', ')}\n  claims: ${graded.join(', ')}\n`);
    return 2;
  }
  const filter = [...new Set(matching.map(({ cell }) => cell.id))];
  const results = await runMatrix({ scenariosDir: opts.scenarios, outDir: opts.out, runtime: opts.runtime, seed: opts.seed, filter, ...(opts.prefix ? { addressPrefix: opts.prefix } : {}) });
  for (const cell of results.cells) {
    const dir = path.join(opts.out, cell.evidence);
    process.stdout.write(`${cell.id}: ${cell.verdict}${cell.defect ? ` (${cell.defect})` : ''}\n  pcap:   ${dir}trace.pcap\n  ladder: ${dir}ladder.md\n  logs:   ${dir}logs/\n`);
    if (cell.failedStep) process.stdout.write(`  step: ${cell.failedStep}\n  expected: ${cell.expected ?? ''}\n  observed: ${cell.observed ?? ''}\n`);
  }
  printSummary(results, opts.out);
  const scenarioFiles = [...new Set(matching.map(({ cell }) => cell.scenario.file))];
  const bundle = writeBundle({ id, scenariosDir: opts.scenarios, outDir: opts.out, results, claims, scenarioFiles });
  process.stdout.write(`bundle: ${bundle} (attach it to the defect; \`uc-lab replay ${path.basename(bundle)}\` runs it again)\n`);
  return results.cells.some((c) => isFailingVerdict(c.verdict)) ? 1 : 0;
}
