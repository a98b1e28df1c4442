import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseResults } from '../harness/run/results';
import { runMatrix } from '../harness/run/run-matrix';
import { scenariosDir } from './support/matrix';

// Ctrl-C during a run: no further cell starts, and the reports describe exactly the cells that ran, so every
// evidence link in them resolves.
describe('an interrupted matrix', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'uc-interrupt-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes consistent reports for the cells that ran and says how many of how many', async () => {
    const interrupt = new AbortController();
    const results = await runMatrix({
      scenariosDir,
      outDir: out,
      runtime: 'memory',
      seed: 7,
      filter: ['rcc-dtmf/'],
      signal: interrupt.signal,
      onCellDone: (_cell, index) => {
        if (index === 1) interrupt.abort();
      },
    });
    expect(results.run.interrupted).toEqual({ ran: 2, planned: 5 });
    const written = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
    if (!written.ok) throw written.error;
    expect(written.value.cells.map((c) => c.id)).toEqual(['rcc-dtmf/endpoint=7975-sccp', 'rcc-dtmf/endpoint=7971-sip']);
    for (const c of written.value.cells) expect(existsSync(path.join(out, c.evidence, 'ladder.md'))).toBe(true);
    expect(readFileSync(path.join(out, 'matrix.md'), 'utf8')).toContain('interrupted: 2 of 5 planned cells ran');
  });
});
