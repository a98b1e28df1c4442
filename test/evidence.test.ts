import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCell } from '../harness/run/run-cell';
import { plan } from './support/matrix';

const tshark = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
const planned = plan();
const claims = new Map(planned.claims.map((c) => [c.id, c]));
const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsharkFields(file: string, args: string[]): string {
  const r = spawnSync('tshark', ['-r', file, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout;
}

describe('evidence trace.pcap', () => {
  if (!tshark) {
    it.skip('tshark is not installed (apt-get install tshark): pcap dissection not checked', () => undefined);
    return;
  }
  it.each(planned.cells.map(({ cell, lab }) => [cell.id, cell, lab] as const))('%s decodes in tshark: SIP and skinny, nothing malformed', async (_id, cell, lab) => {
    const outcome = await runCell(cell, { runtime: 'memory', seed: 7, lab, claims });
    const file = path.join(dir, `${cell.id.replace(/[^a-z0-9-]/gi, '_')}.pcap`);
    writeFileSync(file, outcome.pcap);
    expect(tsharkFields(file, ['-Y', '_ws.malformed'])).toBe('');
    // Also no TCP analysis complaint (lost segment, retransmission, out of order) in the synthetic flows.
    const protocols = tsharkFields(file, ['-T', 'fields', '-e', 'frame.protocols', '-e', 'tcp.analysis.flags']);
    expect(protocols).toMatch(/:sip/);
    expect(protocols).toMatch(/:skinny/);
    expect(protocols.split('\n').filter((l) => /\t\S/.test(l))).toEqual([]);
  });
});

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
