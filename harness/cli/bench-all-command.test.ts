import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchSet, runBenchAll } from './bench-all-command';

describe('uc-lab bench --all', () => {
  it("runs README's benchmark set, the sockets one on the block it is given", () => {
    const set = benchSet({ scenarios: '/s', prefix: '127.31' }).map((s) => s.args.join(' '));
    expect(set).toEqual([
      'bench --scenarios /s',
      'bench --lab population-1k --scenarios /s',
      'bench --lab population-5k --scenarios /s',
      'bench --lab cucm-cluster-max --scenarios /s',
      'load --lab population-1k --scenarios /s',
      'bench --sockets --prefix 127.31 --scenarios /s',
    ]);
  });

  it('times each benchmark, adds them up against the budget, and exits 1 when one of them failed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-bench-all-'));
    // A stand-in for uc-lab: exits with the code its first word names.
    const cli = path.join(dir, 'fake-uc-lab.js');
    writeFileSync(cli, 'process.exit(Number(process.argv[2]));\n');
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const ok = await runBenchAll({ cli, scenarios: dir, prefix: '127.31', budgetSeconds: 600, steps: [{ args: ['0', 'first'] }, { args: ['0', 'second'] }] });
      const failed = await runBenchAll({ cli, scenarios: dir, prefix: '127.31', budgetSeconds: 0, steps: [{ args: ['0'] }, { args: ['3'] }] });
      spy.mockRestore();
      expect([ok, failed]).toEqual([0, 1]);
      const out = written.join('');
      expect(out).toContain('[1/2] uc-lab 0 first\n');
      expect(out).toMatch(/ {2}uc-lab 0 second +\d+\.\d s\n/);
      expect(out).toMatch(/together +\d+\.\d s = \d+\.\d min; budget 10\.0 min: within\n/);
      expect(out).toMatch(/uc-lab 3 +\d+\.\d s {2}\(exit 3\)\n/);
      expect(out).toMatch(/budget 0\.0 min: over\n/);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
