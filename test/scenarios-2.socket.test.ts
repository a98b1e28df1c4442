import { runCell } from '../harness/run/run-cell';
import { isFailingVerdict } from '../harness/run/results';
import { explain, planPart } from './support/matrix';

// The same scenarios on real sockets (127.0.4.x, wall clock): one code path, two runtimes. Part 2 of 2 of the
// cells, each part on its own loopback block so the parts can run side by side.
const planned = planPart(2, 2);
const claims = new Map(planned.claims.map((c) => [c.id, c]));

describe('scenarios on the socket runtime', () => {
  it.each(planned.cells.map(({ cell, lab }) => [cell.id, cell, lab] as const))('%s', async (_id, cell, lab) => {
    const outcome = await runCell(cell, { runtime: 'sockets', seed: 7, lab, claims, addressPrefix: '127.0.4' });
    if (isFailingVerdict(outcome.result.verdict)) throw new Error(explain(outcome));
    expect(['drift', 'error']).not.toContain(outcome.result.verdict);
  });
});
