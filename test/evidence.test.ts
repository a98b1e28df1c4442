import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCell } from '../harness/run/run-cell';
import { plan } from './support/matrix';
import { concatPcaps } from './support/pcap-concat';

const tshark = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
const planned = plan();
const claims = new Map(planned.claims.map((c) => [c.id, c]));
const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tsharkLines(file: string, args: string[]): string[] {
  const r = spawnSync('tshark', ['-r', file, ...args], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('evidence trace.pcap', () => {
  if (!tshark) {
    it.skip('tshark is not installed (apt-get install tshark): pcap dissection not checked', () => undefined);
    return;
  }
  // Every cell's capture, joined into one file so two tshark processes read them all (one per cell costs ~0.25 s each).
  const frames = new Map<string, { protocols: string; flags: string; malformed: boolean }[]>();
  beforeAll(async () => {
    const pcaps: Uint8Array[] = [];
    const keylogs: string[] = [];
    for (const { cell, lab } of planned.cells) {
      const outcome = await runCell(cell, { runtime: 'memory', seed: 7, lab, claims });
      pcaps.push(outcome.pcap);
      keylogs.push(outcome.keylog);
    }
    const { bytes, firstFrame } = concatPcaps(pcaps);
    const file = path.join(dir, 'all-cells.pcap');
    writeFileSync(file, bytes);
    // Every cell's TLS key log, as an engineer would point Wireshark at a cell's tls-keys.log.
    const keys = path.join(dir, 'all-cells-tls-keys.log');
    writeFileSync(keys, keylogs.join(''));
    const tls = ['-o', `tls.keylog_file:${keys}`];
    const malformed = new Set(tsharkLines(file, [...tls, '-Y', '_ws.malformed', '-T', 'fields', '-e', 'frame.number']).map(Number));
    const rows = tsharkLines(file, [...tls, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'frame.protocols', '-e', 'tcp.analysis.flags']);
    const byFrame = new Map(rows.map((r) => {
      const [n, protocols = '', flags = ''] = r.split('|');
      return [Number(n), { protocols, flags, malformed: malformed.has(Number(n)) }] as const;
    }));
    planned.cells.forEach(({ cell }, i) => {
      const from = firstFrame[i] ?? 0;
      const to = firstFrame[i + 1] ?? byFrame.size + 1;
      const list = [];
      for (let n = from; n < to; n++) {
        const f = byFrame.get(n);
        if (f) list.push(f);
      }
      frames.set(cell.id, list);
    });
  }, 300_000);

  it.each(planned.cells.map(({ cell }) => [cell.id] as const))('%s decodes in tshark: SIP and skinny, nothing malformed, no TCP analysis flag', (id) => {
    const list = frames.get(id) ?? [];
    expect(list.length).toBeGreaterThan(0);
    expect(list.filter((f) => f.malformed)).toEqual([]);
    expect(list.some((f) => /:sip/.test(f.protocols))).toBe(true);
    expect(list.some((f) => /:skinny/.test(f.protocols))).toBe(true);
    expect(list.filter((f) => f.flags !== '')).toEqual([]);
  });

  const tlsCells = planned.cells.filter(({ cell }) => cell.scenario.file.includes('/tls/')).map(({ cell }) => [cell.id] as const);
  it.each(tlsCells)('%s: SIP over TLS between CUP and OCS decodes as SIP, decrypted with the key log', (id) => {
    const list = frames.get(id) ?? [];
    expect(list.some((f) => /:tls:sip/.test(f.protocols))).toBe(true);
  });

  const calendarCells = planned.cells.filter(({ cell }) => cell.scenario.file.includes('/calendar/')).map(({ cell }) => [cell.id] as const);
  it.each(calendarCells)('%s: the Presence Gateway reading Exchange decodes as HTTP with XML bodies, decrypted with the key log', (id) => {
    const list = frames.get(id) ?? [];
    expect(list.some((f) => /:tls/.test(f.protocols))).toBe(true);
    expect(list.some((f) => /:tls:http:xml/.test(f.protocols))).toBe(true);
    expect(list.filter((f) => f.malformed)).toEqual([]);
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
