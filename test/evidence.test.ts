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

describe('determinism across a run', () => {
  it('a calendar cell gives the same bytes whether or not its lab is the first to load faker (the generated mailboxes)', async () => {
    const calendar = plan(['calendar-busy/exchange=2007 SP1']);
    const [only] = calendar.cells;
    if (!only) throw new Error('no calendar cell');
    const calendarClaims = new Map(calendar.claims.map((c) => [c.id, c]));
    const pcaps: Buffer[] = [];
    // A module registry of its own: faker is not loaded yet when the first run's lab starts.
    await jest.isolateModulesAsync(async () => {
      const fresh = jest.requireActual<typeof import('../harness/run/run-cell')>('../harness/run/run-cell');
      for (let i = 0; i < 2; i++) pcaps.push(Buffer.from((await fresh.runCell(only.cell, { runtime: 'memory', seed: 7, lab: only.lab, claims: calendarClaims })).pcap));
    });
    expect(pcaps[1]?.equals(pcaps[0] as Buffer)).toBe(true);
  });
});
