import { runCell } from '../harness/run/run-cell';
import { isFailingVerdict } from '../harness/run/results';
import { explain, planPart } from './support/matrix';

// Every scenario cell of scenarios/ is a test (part 4 of 4 of the cells; the other parts are the sibling
// files): it fails on DRIFT and ERROR, printing the step, expected vs observed and the last messages of the ladder.
const planned = planPart(4, 4);
const claims = new Map(planned.claims.map((c) => [c.id, c]));

describe.each([...new Set(planned.cells.map(({ cell }) => cell.scenario.id))])('%s', (scenarioId) => {
  const cells = planned.cells.filter(({ cell }) => cell.scenario.id === scenarioId);
  it.each(cells.map(({ cell, lab }) => [cell.id, cell, lab] as const))('%s', async (_id, cell, lab) => {
    const outcome = await runCell(cell, { runtime: 'memory', seed: 7, lab, claims });
    if (isFailingVerdict(outcome.result.verdict)) throw new Error(explain(outcome));
    expect(['drift', 'error']).not.toContain(outcome.result.verdict);
  });
});
