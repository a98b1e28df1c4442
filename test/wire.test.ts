import { runCell } from '../harness/run/run-cell';
import { planMatrix } from '../harness/run/run-matrix';
import type { Step } from '../harness/scenario/scenario-schema';
import { scenariosDir } from './support/matrix';

// Expectations on wire messages are checked against the capture, not against the nodes' state.
describe('wire expectations', () => {
  const planned = planMatrix({ scenariosDir, filter: ['rcc-basic-call/endpoint=7970-sccp'] });
  const claims = new Map(planned.claims.map((c) => [c.id, c]));
  const [first] = planned.cells;
  if (!first) throw new Error('rcc-basic-call/endpoint=7970-sccp is missing');
  const { cell, lab } = first;

  it('a message that never crossed the wire makes the cell drift, and the failure shows what did', async () => {
    const steps: Step[] = cell.steps.map((s) =>
      s.kind === 'expect' && s.targets.some((t) => t.ref === 'wire' && t.matcher.protocol === 'CTI')
        ? { ...s, targets: [{ ...s.targets[0]!, matcher: { from: 'cup', to: 'cucm', protocol: 'CTI', message: '^ConferenceCallRequest' } }] }
        : s,
    );
    const outcome = await runCell({ ...cell, steps }, { runtime: 'memory', seed: 7, lab, claims });
    expect(outcome.result.verdict).toBe('drift');
    expect(outcome.result.expected).toMatch(/wire \{ from: cup, to: cucm, protocol: CTI, message: \^ConferenceCallRequest \}/);
    expect(outcome.result.observed).toMatch(/cup→cucm CTI MakeCallRequest/);
  });
});
