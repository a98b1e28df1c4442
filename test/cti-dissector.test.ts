import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCell } from '../harness/run/run-cell';
import { CTI_TYPE_CODES } from '../simulators/protocols/cti/cti-messages';
import { plan, repoRoot } from './support/matrix';
import { tsharkInstalled } from './support/tshark-evidence';

// The Wireshark dissector shipped for the lab's own CTI framing (tools/wireshark/uc-lab-cti.lua; docs/protocols/cti.md).
const script = path.join(repoRoot, 'tools', 'wireshark', 'uc-lab-cti.lua');
const tshark = tsharkInstalled;

describe('the CTI dissector for Wireshark', () => {
  it('names every message type with the code the codec uses', () => {
    const lua = readFileSync(script, 'utf8');
    const table = Object.fromEntries([...lua.matchAll(/\[0x([0-9a-f]{4})\] = "([A-Za-z]+)"/g)].map((m) => [m[2], parseInt(m[1] ?? '', 16)]));
    expect(table).toEqual(CTI_TYPE_CODES);
  });

  (tshark ? it : it.skip)('lets tshark name the CTI messages of a remote-call-control cell, with no malformed frame', async () => {
    const planned = plan();
    const entry = planned.cells.find((c) => c.cell.id.startsWith('rcc-basic-call'));
    if (!entry) throw new Error('no rcc-basic-call cell');
    const outcome = await runCell(entry.cell, { runtime: 'memory', seed: 7, lab: entry.lab, claims: new Map(planned.claims.map((c) => [c.id, c])) });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-cti-lua-'));
    try {
      const file = path.join(dir, 'trace.pcap');
      writeFileSync(file, outcome.pcap);
      const run = (filter: string, ...fields: string[]): string[] => {
        const r = spawnSync('tshark', ['-X', `lua_script:${script}`, '-r', file, '-Y', filter, ...(fields.length ? ['-T', 'fields', ...fields.flatMap((f) => ['-e', f])] : [])], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(r.stderr);
        return r.stdout.split('\n').filter((l) => l !== '');
      };
      const info = run('uclabcti', '_ws.col.Info').join(', ');
      for (const name of ['ProviderOpenRequest', 'ProviderOpenResponse', 'MonitorDeviceRequest', 'MakeCallRequest', 'CallRequestResponse', 'CallEvent']) expect(info).toContain(name);
      expect(run('uclabcti && _ws.malformed')).toEqual([]);
      // The payload is handed to Wireshark's JSON dissector.
      expect(run('uclabcti && json').length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
