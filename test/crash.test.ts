import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseResults } from '../harness/run/results';
import { runMatrix } from '../harness/run/run-matrix';
import { OcClient } from '../simulators';
import { scenariosDir } from './support/matrix';

// A scenario that crashes (a simulated product throws what it never should) is an ERROR cell; the run goes on
// and still writes every report.
describe('a crashing cell', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-crash-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is an error cell, and results.json, matrix.md, matrix.html and junit.xml are written', async () => {
    const original = OcClient.prototype.signIn;
    let calls = 0;
    const spy = jest.spyOn(OcClient.prototype, 'signIn').mockImplementation(function (this: OcClient) {
      calls++;
      if (calls === 1) throw new TypeError('boom inside Communicator');
      return original.call(this);
    });
    const out = path.join(dir, 'out');
    try {
      const results = await runMatrix({ scenariosDir, outDir: out, runtime: 'memory', seed: 7, filter: ['rcc-basic-call/endpoint=7975-sccp', 'rcc-basic-call/endpoint=7971-sip'] });
      const byId = new Map(results.cells.map((c) => [c.id, c]));
      const crashed = byId.get('rcc-basic-call/endpoint=7975-sccp');
      expect(crashed?.verdict).toBe('error');
      expect(crashed?.observed).toMatch(/TypeError: boom inside Communicator/);
      expect(crashed?.claimVerdicts.map((v) => v.verdict)).toEqual(['error']);
      expect(byId.get('rcc-basic-call/endpoint=7971-sip')?.verdict).toBe('supported');
    } finally {
      spy.mockRestore();
    }
    const folder = 'evidence/rcc-basic-call__endpoint-7975-sccp';
    for (const f of ['results.json', 'matrix.md', 'matrix.html', 'junit.xml', `${folder}/ladder.md`, `${folder}/trace.pcap`]) expect(existsSync(path.join(out, f))).toBe(true);
    expect(parseResults(readFileSync(path.join(out, 'results.json'), 'utf8')).ok).toBe(true);
  });
});
