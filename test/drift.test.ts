import { runCell } from '../harness/run/run-cell';
import { planMatrix } from '../harness/run/run-matrix';
import { scenariosDir } from './support/matrix';

// Proof that verdicts are computed: give alice a line URI that no CUCM device carries, and the very
// same scenario turns from "supported" into "drift", with the CSTA error CUP answered on the wire.
describe('a lab whose line URI matches no device', () => {
  const planned = planMatrix({ scenariosDir, filter: ['rcc-basic-call/endpoint=7975-sccp'] });
  const claims = new Map(planned.claims.map((c) => [c.id, c]));
  const [first] = planned.cells;
  if (!first) throw new Error('rcc-basic-call/endpoint=7975-sccp is missing from scenarios/');
  const { cell, lab } = first;
  const broken = {
    ...lab,
    ocs: {
      ...lab.ocs,
      users: lab.ocs.users.map((u) => (u.id === 'alice' ? { ...u, rcc: { ...u.rcc, lineUri: 'tel:+14085559999' } } : u)),
    },
  };

  it('is supported with the seed lab', async () => {
    const outcome = await runCell(cell, { runtime: 'memory', seed: 7, lab, claims });
    expect(outcome.result.verdict).toBe('supported');
  });

  it('drifts, and the OC client got a CSTA error for MonitorStart and MakeCall', async () => {
    const brokenCell = { ...cell, actors: { ...cell.actors, alice: { ...cell.actors.alice!, lineUri: 'tel:+14085559999' } } };
    const outcome = await runCell(brokenCell, { runtime: 'memory', seed: 7, lab: broken, claims });
    expect(outcome.result.verdict).toBe('drift');
    expect(outcome.result.failedStep).toMatch(/steps\[\d+\]/);
    const cstaErrors = outcome.events.filter((e) => e.protocol === 'SIP' && /CSTAErrorCode/.test(e.summary)).map((e) => e.summary);
    expect(cstaErrors.join('\n')).toMatch(/CSTAErrorCode operation\/invalidDeviceIdentifier/);
    expect(cstaErrors.join('\n')).toMatch(/CSTAErrorCode operation\/invalidCallingDevice/);
  });
});
