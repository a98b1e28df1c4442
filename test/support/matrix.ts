import path from 'node:path';
import { lastEvents } from '../../harness/trace/ladder';
import { planMatrix } from '../../harness/run/run-matrix';
import type { CellOutcome } from '../../harness/run/run-cell';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const scenariosDir = path.join(repoRoot, 'scenarios');

export function plan(filter?: string[]) {
  return planMatrix({ scenariosDir, ...(filter ? { filter } : {}) });
}

/**
 * Part `k` of `n` of every planned cell, so the scenario cells spread over several test files: Jest's workers run
 * them side by side and `jest --shard=i/n` can split them across CI machines.
 */
export function planPart(k: number, n: number) {
  return planMatrix({ scenariosDir, shard: { index: k, count: n } });
}

/** A QA engineer's failure message: the step, expected vs observed, and the end of the message ladder. */
export function explain(outcome: CellOutcome): string {
  const r = outcome.result;
  return [
    `${r.id}: ${r.verdict} (documented ${r.documented})`,
    `  step:     ${r.failedStep ?? '-'}`,
    `  expected: ${r.expected ?? '-'}`,
    `  observed: ${r.observed ?? '-'}`,
    ...(outcome.leaks.length ? [`  leaks:    ${outcome.leaks.join('; ')}`] : []),
    '  last messages:',
    lastEvents(outcome.events, 15)
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n'),
  ].join('\n');
}
