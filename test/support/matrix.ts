import path from 'node:path';
import { lastEvents } from '../../harness/trace/ladder';
import { planMatrix } from '../../harness/run/run-matrix';
import type { PlannedRun } from '../../harness/run/run-matrix';
import { runCell } from '../../harness/run/run-cell';
import type { CellOutcome } from '../../harness/run/run-cell';
import { isFailingVerdict } from '../../harness/run/results';

type PlannedCell = PlannedRun['cells'][number];

export const repoRoot = path.resolve(__dirname, '..', '..');
export const scenariosDir = path.join(repoRoot, 'scenarios');

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

/**
 * Declares part k of n of the scenario cells as Jest tests: each fails on DRIFT and ERROR, printing the
 * step, expected vs observed and the last messages of the ladder. In memory the cells are grouped by
 * scenario; on sockets each part takes its own loopback block so that parts run side by side.
 */
export function describeCells(k: number, n: number, runtime: { kind: 'memory' } | { kind: 'sockets'; addressPrefix: string }): void {
  const planned = planPart(k, n, runtime.kind);
  const claims = new Map(planned.claims.map((c) => [c.id, c]));
  const run = async (cell: PlannedCell['cell'], lab: PlannedCell['lab']): Promise<void> => {
    const outcome = await runCell(cell, { runtime: runtime.kind, seed: 7, lab, claims, ...(runtime.kind === 'sockets' ? { addressPrefix: runtime.addressPrefix } : {}) });
    if (isFailingVerdict(outcome.result.verdict)) throw new Error(explain(outcome));
    expect(['drift', 'error']).not.toContain(outcome.result.verdict);
  };
  if (k === 1 && runtime.kind === 'memory') {
    it('every lab and scenario file loads, and every cell can run as written', () => {
      expect(planned.errors.map((e) => e.message)).toEqual([]);
    });
  }
  if (runtime.kind === 'sockets') {
    describe('scenarios on the socket runtime', () => {
      it.each(planned.cells.map(({ cell, lab }) => [cell.id, cell, lab] as const))('%s', (_id, cell, lab) => run(cell, lab));
    });
    return;
  }
  describe.each([...new Set(planned.cells.map(({ cell }) => cell.scenario.id))])('%s', (scenarioId) => {
    const cells = planned.cells.filter(({ cell }) => cell.scenario.id === scenarioId);
    it.each(cells.map(({ cell, lab }) => [cell.id, cell, lab] as const))('%s', (_id, cell, lab) => run(cell, lab));
  });
}
