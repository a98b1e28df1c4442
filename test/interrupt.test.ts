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
    expect(results.run.interrupted).toEqual({ ran: 2, planned: 5, cause: 'signal' });
    expect(results.notRun?.map((n) => n.cell)).toEqual(['rcc-dtmf/endpoint=7931-sccp', 'rcc-dtmf/endpoint=7970-sccp', 'rcc-dtmf/endpoint=7970-sip']);
    const written = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
    if (!written.ok) throw written.error;
    expect(written.value.cells.map((c) => c.id)).toEqual(['rcc-dtmf/endpoint=7975-sccp', 'rcc-dtmf/endpoint=7971-sip']);
    for (const c of written.value.cells) expect(existsSync(path.join(out, c.evidence, 'ladder.md'))).toBe(true);
    expect(readFileSync(path.join(out, 'matrix.md'), 'utf8')).toContain('interrupted: 2 of 5 planned cells ran');
  });
});

// A run that dies (SIGKILL, a crash of the machine) leaves the previous reports and their evidence untouched: the
// new evidence was only staged, and is cleared by the next run.
describe('a run that dies midway', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'uc-killed-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('keeps every evidence link of the previous reports, and the next run clears what it staged', async () => {
    await runMatrix({ scenariosDir, outDir: out, runtime: 'memory', seed: 7, filter: ['rcc-dtmf/endpoint=7975-sccp'] });
    // The dying run: its cells wrote to a staging folder, then it never got to its reports.
    const { writeFileSync, mkdirSync, readdirSync } = await import('node:fs');
    mkdirSync(path.join(out, '.evidence-staging-999999', 'half-written'), { recursive: true });
    writeFileSync(path.join(out, '.evidence-staging-999999', 'half-written', 'trace.pcap'), '');
    const before = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
    if (!before.ok) throw before.error;
    for (const c of before.value.cells) expect(existsSync(path.join(out, c.evidence, 'ladder.md'))).toBe(true);
    await runMatrix({ scenariosDir, outDir: out, runtime: 'memory', seed: 7, filter: ['rcc-dtmf/endpoint=7971-sip'] });
    expect(readdirSync(out).filter((n) => n.startsWith('.evidence-'))).toEqual([]);
    const after = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
    if (!after.ok) throw after.error;
    for (const c of after.value.cells) expect(existsSync(path.join(out, c.evidence, 'ladder.md'))).toBe(true);
    expect(readdirSync(path.join(out, 'evidence'))).toEqual(after.value.cells.map((c) => c.evidence.replace(/^evidence\/|\/$/g, '')));
  });
});
