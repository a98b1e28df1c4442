import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { repoRoot, scenariosDir } from './support/matrix';
import { tsharkInstalled } from './support/tshark-evidence';
import { sampleResults } from '../reports/sample-results';

import { ucLab } from './support/uc-lab-cli';

describe('uc-lab', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-cli-'));
    cpSync(scenariosDir, path.join(dir, 'scenarios'), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its version (--version, -V) as package.json states it', () => {
    const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = ucLab([flag]);
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('gate: exit 0 on an unchanged run, 1 with the reason on an introduced drift, 2 on a baseline that does not exist', () => {
    const baseline = sampleResults();
    baseline.cells = baseline.cells.filter((c) => c.verdict !== 'drift' && c.verdict !== 'error');
    const drifted = structuredClone(baseline);
    const cell = drifted.cells[0];
    if (cell) cell.verdict = 'drift';
    writeFileSync(path.join(dir, 'baseline.json'), JSON.stringify(baseline));
    writeFileSync(path.join(dir, 'drifted.json'), JSON.stringify(drifted));
    const same = ucLab(['gate', '--baseline', path.join(dir, 'baseline.json'), '--results', path.join(dir, 'baseline.json')]);
    expect([same.status, same.stdout]).toEqual([0, 'SHIP: nothing new against the baseline.\n']);
    const worse = ucLab(['gate', '--baseline', path.join(dir, 'baseline.json'), '--results', path.join(dir, 'drifted.json')]);
    expect(worse.status).toBe(1);
    expect(worse.stdout).toMatch(/^DO NOT SHIP: 1 blocking finding\.\n {2}✗ rcc-hold-retrieve-7975-sccp: DRIFT \(was supported\)/);
    const missing = ucLab(['gate', '--baseline', path.join(dir, 'nowhere.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/the baseline .*nowhere\.json does not exist/);
  });

  it('repro packs one archive with a plain name (scenario, labs, claims, seed, evidence, README); replay runs it again byte for byte', () => {
    const out = path.join(dir, 'repro');
    const r = ucLab(['repro', 'CSCSY62620-CALL-FORWARD/ENDPOINT=7975-SCCP,CUCM=7.0(2)', '--scenarios', path.join(dir, 'scenarios'), '--out', out]);
    expect(r.status).toBe(0);
    const bundle = path.join(out, 'cscsy62620-call-forward-endpoint-7975-sccp-cucm-7-0-2-repro.tar.gz');
    expect(r.stdout).toContain(`bundle: ${bundle}`);
    const replay = ucLab(['replay', bundle]);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toMatch(/endpoint=7975-sccp,cucm=7\.0\(2\): known-issue \(bundle: known-issue\); trace\.pcap byte-identical, trace\.pcapng byte-identical/);
    expect(replay.stdout).toMatch(/replay: every capture and verdict is identical\n$/);
    expect(ucLab(['replay', path.join(dir, 'nothing.tar.gz')]).status).toBe(2);
    // The bundle's evidence: the ladder as text, Mermaid and HTML (actors named with their devices), and the pcapng.
    const unpacked = path.join(dir, 'unpacked');
    mkdirSync(unpacked);
    tar.x({ file: bundle, cwd: unpacked, sync: true });
    const evidence = path.join(unpacked, 'cscsy62620-call-forward-endpoint-7975-sccp-cucm-7-0-2-repro', 'evidence', 'cscsy62620-call-forward__endpoint-7975-sccp__cucm-7.0-2');
    const ladder = readFileSync(path.join(evidence, 'ladder.md'), 'utf8');
    expect(ladder).toContain('```text');
    expect(ladder).toContain('```mermaid');
    expect(ladder).toMatch(/participant h\d+ as alice \(7975-sccp\)/);
    expect(readFileSync(path.join(evidence, 'ladder.html'), 'utf8')).toContain('<th class="odd"><span class="who">alice (7975-sccp)</span></th>');
    if (!tsharkInstalled) {
      console.warn('tshark not on PATH: the pcapng comments are not read back');
      return;
    }
    const comments = spawnSync('tshark', ['-r', path.join(evidence, 'trace.pcapng'), '-Y', 'frame.comment', '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' }).stdout.split('\n');
    expect(comments).toContain('steps[0]: alice.oc signIn');
    expect(comments.some((c) => /^steps\[5\]: await alice\.phone .*\(shows symptom\)$/.test(c))).toBe(true);
  });

  it('bench --all runs its own set: given with --lab or --sockets it exits 2 and says why', () => {
    for (const extra of [['--lab', 'population-1k'], ['--sockets']]) {
      const r = ucLab(['bench', '--all', ...extra]);
      expect([r.status, r.stderr]).toEqual([2, 'bench: --all runs every benchmark itself; give it without --lab or --sockets\n']);
    }
  });

  it('prints help with every command', () => {
    const r = ucLab(['--help']);
    expect(r.status).toBe(0);
    for (const command of ['matrix', 'repro', 'serve', 'doctor', 'bench', 'load', 'merge', 'gate', 'replay']) expect(r.stdout).toContain(command);
  });

  it('a misspelled step: file:line:column and the allowed words, no stack; the other files run, the reports are written, exit 2', () => {
    const file = path.join(dir, 'scenarios', 'features', 'basic-call.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('- alice.oc: { makeCall: bob }', '- alice.oc: { makeCal: bob }'));
    const out = path.join(dir, 'out');
    const r = ucLab(['matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'rcc-hold-retrieve/endpoint=7975-sccp', 'rcc-basic-call']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/basic-call\.yaml:\d+:\d+: .*makeCal/);
    expect(r.stderr).toMatch(/makeCall/);
    expect(r.stderr).toMatch(/1 file did not load/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { cells: { id: string; verdict: string }[]; errors: { file: string }[] };
    expect(results.cells.map((c) => [c.id, c.verdict])).toEqual([['rcc-hold-retrieve/endpoint=7975-sccp', 'supported']]);
    expect(results.errors.map((e) => path.basename(e.file))).toEqual(['basic-call.yaml']);
    for (const f of ['matrix.md', 'matrix.html', 'junit.xml']) expect(readFileSync(path.join(out, f), 'utf8').length).toBeGreaterThan(0);
  });

  it('rejects an unknown actor with file:line:column and the actors it knows', () => {
    const file = path.join(dir, 'scenarios', 'features', 'basic-call.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('- bob.phone: answer', '- rob.phone: answer'));
    const r = ucLab(['matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', path.join(dir, 'out'), '--filter', 'rcc-basic-call']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/basic-call\.yaml:\d+:\d+: .*rob/);
    expect(r.stderr).toMatch(/alice/);
    expect(r.stderr).toMatch(/bob/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('filters case-insensitively, and a filter that matches nothing exits 2 and leaves the last reports alone', () => {
    const out = path.join(dir, 'out-filter');
    const first = ucLab(['matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'RCC-DTMF/ENDPOINT=7975-SCCP']);
    expect(first.status).toBe(0);
    const before = readFileSync(path.join(out, 'results.json'), 'utf8');
    expect(before).toMatch(/"id": "rcc-dtmf\/endpoint=7975-sccp"/);
    const none = ucLab(['matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'no-such-cell']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/--filter no-such-cell matches no cell id or claim \(case-insensitive\); nothing ran and the reports were left as they were/);
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe(before);
  });

  it('repro finds a defect whatever its case, and names the ids it knows when nothing matches', () => {
    const out = path.join(dir, 'out-repro');
    const r = ucLab(['repro', 'cscsy62620', '--scenarios', path.join(dir, 'scenarios'), '--out', out]);
    expect(r.stdout).toMatch(/cscsy62620-call-forward\/endpoint=7975-sccp,cucm=7\.0\(2\): known-issue \(CSCsy62620\)/);
    const none = ucLab(['repro', 'nope', '--scenarios', path.join(dir, 'scenarios'), '--out', out]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/defects: CSCsy62620/);
    expect(none.stderr).toMatch(/claims: .*feature\.basic-call-placement-clearing/);
  });

  it('--diff against the very results.json the run replaces compares with the earlier run, and only the cells --filter selects', () => {
    const out = path.join(dir, 'out-diff');
    expect(ucLab(['matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'rcc-dtmf/endpoint=7975-sccp', 'rcc-dtmf/endpoint=7931-sccp']).status).toBe(0);
    const results = path.join(out, 'results.json');
    writeFileSync(results, readFileSync(results, 'utf8').replace(/"verdict": "supported"/g, '"verdict": "drift"'));
    const r = ucLab(['matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'rcc-dtmf/endpoint=7975-sccp', '--diff', results]);
    expect(r.stdout).toMatch(/1 changed, 0 added, 0 removed/);
    expect(r.stdout).toMatch(/\| rcc-dtmf\/endpoint=7975-sccp \|.*\| changed \|/);
    // The baseline's other cell was outside this run's filter: not "removed".
    expect(r.stdout).toMatch(/1 cell of the earlier run is outside this run \(--filter, --shard or a stop\) and was not compared/);
  });

  it('matrix --list prints the cells it would run and runs nothing; --json prints them as JSON', () => {
    const out = path.join(dir, 'out-list');
    const r = ucLab(['matrix', '--list', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'RCC-DTMF/']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['7975-sccp', '7971-sip', '7931-sccp', '7970-sccp', '7970-sip'].map((e) => `rcc-dtmf/endpoint=${e}`));
    expect(r.stderr).toContain('5 cells would run (nothing ran)');
    expect(existsSync(out)).toBe(false);
    const json = ucLab(['matrix', '--list', '--json', '--scenarios', path.join(dir, 'scenarios'), '--filter', 'rcc-dtmf/endpoint=7931']);
    expect(JSON.parse(json.stdout)).toEqual([{ id: 'rcc-dtmf/endpoint=7931-sccp', scenario: 'rcc-dtmf', claims: ['feature.dtmf'], axes: { endpoint: '7931-sccp' } }]);
    expect(ucLab(['matrix', '--list', '--scenarios', path.join(dir, 'scenarios'), '--filter', 'no-such-cell']).status).toBe(2);
  });

  it('--bail stops at the first DRIFT, marks the reports and the cells not run; --json says so; the closing line names every report', () => {
    const lab = path.join(dir, 'scenarios', 'labs', 'seed-lab.yaml');
    writeFileSync(lab, readFileSync(lab, 'utf8').replace('lineUri: tel:+14085551001 }', 'lineUri: tel:+14085559999 }'));
    const out = path.join(dir, 'out-bail');
    const args = ['matrix', '--bail', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'rcc-basic-call/'];
    const allure = path.join(dir, 'allure-results');
    const r = ucLab([...args, '--allure', allure]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--bail: stopped at the first DRIFT or ERROR \(rcc-basic-call\/endpoint=7975-sccp\) after 1 of 5 cells/);
    const closing = r.stdout.trim().split('\n').pop() ?? '';
    expect(closing).toBe(`reports: ${['matrix.html', 'matrix.md', 'results.json', 'junit.xml'].map((f) => path.join(out, f)).join(', ')}, ${path.join(out, 'evidence')}/, ${allure}/ (Allure results)`);
    // The Allure folder: the one cell that ran, failed; its attachments copied from the evidence.
    const names = readdirSync(allure);
    expect(names.filter((n) => n.endsWith('-result.json'))).toHaveLength(1);
    expect(names).toEqual(expect.arrayContaining(['categories.json', 'environment.properties']));
    expect(names.filter((n) => /-attachment\.(html|md|pcapng)$/.test(n))).toHaveLength(3);
    const allureResult = JSON.parse(readFileSync(path.join(allure, names.find((n) => n.endsWith('-result.json')) ?? ''), 'utf8')) as { status: string };
    expect(allureResult.status).toBe('failed');
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { run: { interrupted: unknown }; notRun: { cell: string }[] };
    expect(results.run.interrupted).toEqual({ ran: 1, planned: 5, cause: 'bail' });
    expect(new Set(results.notRun.map((n) => n.cell)).size).toBe(4);
    const html = readFileSync(path.join(out, 'matrix.html'), 'utf8');
    expect(html).toContain('This run was stopped at the first DRIFT or ERROR (--bail): 1 of 5 planned cells ran');
    expect(html.match(/<td class="notrun" data-col="[^"]+"><span class="notrun"/g)).toHaveLength(4);
    const json = ucLab([...args, '--json']);
    expect(json.status).toBe(1);
    const summary = JSON.parse(json.stdout) as { exitCode: number; verdicts: unknown; problems: { id: string }[]; notRun: string[]; reports: string[] };
    expect(summary.exitCode).toBe(1);
    expect(summary.verdicts).toEqual({ drift: 1 });
    expect(summary.problems.map((p) => p.id)).toEqual(['rcc-basic-call/endpoint=7975-sccp']);
    expect(summary.notRun).toHaveLength(4);
    expect(summary.reports).toContain(path.join(out, 'results.previous.json'));
  });

  it('SIGTERM during a run: the running cell finishes, the reports cover the cells that ran, every evidence link exists, exit 143', async () => {
    const out = path.join(dir, 'out-term');
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist', 'harness', 'cli', 'uc-lab.js'), 'matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'rcc-dtmf/', '--workers', '1'], {
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('[1/5]') && child.exitCode === null && !child.killed) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(143);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as { run: { interrupted: { ran: number; planned: number; cause: string } }; cells: { evidence: string }[] };
    expect(results.run.interrupted).toMatchObject({ planned: 5, cause: 'signal' });
    expect(results.run.interrupted.ran).toBeLessThan(5);
    for (const c of results.cells) for (const f of ['trace.pcap', 'trace.pcapng', 'ladder.md', 'ladder.html']) expect(existsSync(path.join(out, c.evidence, f))).toBe(true);
    expect(stderr).toMatch(/uc-lab: interrupted after \d of 5 cells/);
  });

  it('exits 1 on a DRIFT cell, writes the reports and says which step failed', () => {
    const lab = path.join(dir, 'scenarios', 'labs', 'seed-lab.yaml');
    writeFileSync(lab, readFileSync(lab, 'utf8').replace('lineUri: tel:+14085551001 }', 'lineUri: tel:+14085559999 }'));
    const out = path.join(dir, 'out');
    const r = ucLab(['matrix', '--scenarios', path.join(dir, 'scenarios'), '--out', out, '--filter', 'rcc-basic-call/endpoint=7975-sccp']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/DRIFT rcc-basic-call\/endpoint=7975-sccp/);
    expect(r.stdout).toMatch(/step: +steps\[\d+\]/);
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toMatch(/"verdict": "drift"/);
  });

  it('load: an hour of calls on the seed lab, across the SIP phones\' registration refresh, every attempt completes', () => {
    // The SIP phones register for 3600 s and refresh at 3564 s; calls in progress then must survive.
    const r = ucLab(['load', '--lab', 'seed-lab', '--seconds', '3700', '--bhca', '60', '--scenarios', path.join(dir, 'scenarios')]);
    expect(r.stdout).toMatch(/attempted (\d+); completed \1; failed 0; still in progress 0/);
    expect(r.stdout).toMatch(/response time \(MakeCall → DeliveredEvent, virtual ms\): p50 \d/);
    expect(r.status).toBe(0);
  });
});
