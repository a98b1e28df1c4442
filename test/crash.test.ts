import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseResults } from '../harness/run/results';
import { runMatrix } from '../harness/run/run-matrix';
import { scenariosDir } from './support/matrix';

// A scenario that crashes is an ERROR cell; the run goes on and still writes every report.
describe('a crashing scenario', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-crash-'));
    cpSync(scenariosDir, path.join(dir, 'scenarios'), { recursive: true });
    writeFileSync(
      path.join(dir, 'scenarios', 'features', 'crash.yaml'),
      [
        'id: crash-probe',
        'title: A configuration call that does not exist',
        'claims: [feature.basic-call-placement-clearing]',
        'lab: seed-lab',
        'actors:',
        '  alice: { endpoint: 7975-sccp, oc: true }',
        'steps:',
        '  - configure: { cucm.phones.explode: { device: SEP00000000A975 } }',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is an error cell, and results.json, matrix.md, matrix.html and junit.xml are written', async () => {
    const out = path.join(dir, 'out');
    const results = await runMatrix({ scenariosDir: path.join(dir, 'scenarios'), outDir: out, runtime: 'memory', seed: 7, filter: ['crash-probe', 'rcc-basic-call/endpoint=7975-sccp'] });
    const byId = new Map(results.cells.map((c) => [c.id, c]));
    expect(byId.get('crash-probe')?.verdict).toBe('error');
    expect(byId.get('crash-probe')?.observed).toMatch(/cucm\.phones\.explode is not a configuration operation/);
    expect(byId.get('rcc-basic-call/endpoint=7975-sccp')?.verdict).toBe('supported');
    for (const f of ['results.json', 'matrix.md', 'matrix.html', 'junit.xml', 'evidence/crash-probe/ladder.md', 'evidence/crash-probe/trace.pcap']) {
      expect(existsSync(path.join(out, f))).toBe(true);
    }
    const parsed = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(parsed.ok).toBe(true);
  });
});
