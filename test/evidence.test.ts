import { runCell } from '../harness/run/run-cell';
import { plan } from './support/matrix';

// tshark reads every cell's trace.pcap in the scenario files (test/support/matrix.ts), beside the cells' runs.
const planned = plan(['rcc-basic-call/endpoint=7975-sccp']);
const claims = new Map(planned.claims.map((c) => [c.id, c]));

describe('determinism', () => {
  it('the same cell and seed give the same pcap bytes and ladder', async () => {
    const [first] = planned.cells;
    if (!first) throw new Error('no cells');
    const a = await runCell(first.cell, { runtime: 'memory', seed: 7, lab: first.lab, claims });
    const b = await runCell(first.cell, { runtime: 'memory', seed: 7, lab: first.lab, claims });
    expect(Buffer.from(b.pcap).equals(Buffer.from(a.pcap))).toBe(true);
    expect(b.events).toEqual(a.events);
  });
});
