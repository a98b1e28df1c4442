import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCell } from '../harness/run/run-cell';
import { runPlannedCell } from '../harness/run/run-matrix';
import type { EvidenceKept } from '../harness/run/run-matrix';
import type { Lab } from '../simulators';
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

describe('what a cell leaves on disk', () => {
  const [first] = planned.cells;
  if (!first) throw new Error('no cells');
  const run = async (kept: EvidenceKept, lab: Lab = first.lab) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-kept-'));
    try {
      const { result } = await runPlannedCell({ cell: first.cell, lab }, claims, { outDir: dir, runtime: 'memory', seed: 7, evidence: kept });
      const folder = path.join(dir, result.evidence);
      const files = existsSync(folder) ? readdirSync(folder, { recursive: true }).map(String).sort() : [];
      return { verdict: result.verdict, files };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('a passing cell keeps its whole folder, its captures alone, or nothing, as asked', async () => {
    const all = await run('all');
    expect(all.verdict).toBe('supported');
    expect(all.files).toEqual(expect.arrayContaining(['ladder.html', 'ladder.md', 'logs', 'trace.pcap', 'trace.pcapng']));
    expect((await run('captures')).files).toEqual(['trace.pcap']);
    expect((await run('none')).files).toEqual([]);
  });

  it('a DRIFT or ERROR cell keeps its whole folder whatever was asked, for a person to open', async () => {
    // Alice's phone line on another number: the call never reaches the DN the scenario dials.
    const broken: Lab = { ...first.lab, cucm: { ...first.lab.cucm, phones: first.lab.cucm.phones.map((p) => ({ ...p, lines: p.lines.map((l) => ({ ...l, dn: `9${l.dn}` })) })) } };
    const failing = await run('none', broken);
    expect(['drift', 'error']).toContain(failing.verdict);
    expect(failing.files).toEqual(expect.arrayContaining(['ladder.html', 'ladder.md', 'logs', 'trace.pcap', 'trace.pcapng']));
  });
});
