import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { parseResults } from '../harness/run/results';
import type { Results } from '../harness/run/results';
import { repoRoot, scenariosDir } from './support/matrix';
import { ucLabAsync } from './support/uc-lab-cli';

// matrix.html in a real headless Chromium (Debian's chromium through playwright-core): it loads without a console
// error, its DOM holds every cell of results.json with its verdict, the summary counts them, a verdict changed
// against the previous run is marked with its old verdict, the search and filters narrow the rows, a cell opens its
// detail and its ladder page, the page fits a phone without sideways scrolling, and screenshots at 1400 px and 420 px
// are kept in reports/out/screenshots/ for a person.
const executable = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!executable) console.warn('matrix page browser test skipped: no chromium (apt-get install chromium)');

(executable ? describe : describe.skip)('matrix.html in Chromium', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'uc-matrix-browser-'));
  let browser: Browser;
  let changedId = '';
  // Kept after the test (reports/out/ is not committed) for a person to look at.
  const shots = path.join(repoRoot, 'reports', 'out', 'screenshots');
  beforeAll(async () => {
    // The CLI's runs, as a user makes them.
    const matrix = async (): Promise<void> => {
      const r = await ucLabAsync(['matrix', '--scenarios', scenariosDir, '--out', out, '--seed', '7', '--filter', 'rcc-dtmf/', 'cscsy62620-call-forward/', 'rcc-conference-not-supported/']);
      if (r.status !== 0) throw new Error(`uc-lab matrix exited ${r.status}: ${r.stderr}`);
    };
    const [launched] = await Promise.all([chromium.launch({ executablePath: executable, args: ['--no-sandbox'] }), matrix()]);
    browser = launched;
    // The previous run, as if one cell had drifted then: the next run keeps it as results.previous.json and compares.
    const previous = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as Results;
    const changed = previous.cells.find((c) => c.id.startsWith('rcc-dtmf/'));
    if (!changed) throw new Error('no rcc-dtmf cell');
    changed.verdict = 'drift';
    for (const v of changed.claimVerdicts) v.verdict = 'drift';
    changedId = changed.id;
    writeFileSync(path.join(out, 'results.json'), JSON.stringify(previous));
    await matrix();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('shows every cell with its verdict, opens a detail, fits 420 px, and leaves screenshots', async () => {
    const parsed = parseResults(readFileSync(path.join(out, 'results.json'), 'utf8'));
    if (!parsed.ok) throw parsed.error;
    const results = parsed.value;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`file://${path.join(out, 'matrix.html')}`);
    const shown = (await page.evaluate(
      `[...document.querySelectorAll('a[data-cell]')].map((a) => ({ id: a.getAttribute('data-cell'), cls: a.className, text: a.textContent || '' }))`,
    )) as { id: string; cls: string; text: string }[];
    for (const cell of results.cells) {
      const links = shown.filter((s) => s.id === cell.id);
      expect(links.length).toBeGreaterThan(0);
      // (A cell changed against the baseline also has the class "changed".)
      const has = (l: { cls: string }, v: string): boolean => l.cls.split(' ').includes(`v-${v}`);
      expect(links.some((l) => has(l, cell.verdict) || cell.claimVerdicts.some((v) => has(l, v.verdict)))).toBe(true);
    }
    // The summary: the decision, a count per verdict, the known issue, the change against the previous run.
    const summary = (await page.evaluate(`document.getElementById('summary').textContent`)) as string;
    expect(summary).toContain('No DRIFT or ERROR');
    for (const v of new Set(results.cells.map((c) => c.verdict))) {
      const n = results.cells.filter((c) => c.verdict === v).length;
      expect(await page.evaluate(`document.querySelector('button[data-verdict="${v}"]').textContent`)).toMatch(new RegExp(`: ${n}$`));
    }
    expect(summary).toMatch(/CSCsy62620 — reproduced on cucm 7\.0\(2\) \(5 cells\); fix verified on cucm 7\.1\(2\) \(5 cells\)/);
    expect(summary).toMatch(/Against results\.previous\.json \(the previous run, [^)]+\): 1 changed, 0 added, 0 removed/);
    // The changed cell is outlined in the matrix with its old verdict, and listed under the changes.
    const marked = (await page.evaluate(`[...document.querySelectorAll('table.matrix a.changed')].map((a) => a.getAttribute('data-cell') + ' | ' + a.querySelector('.was').textContent)`)) as string[];
    expect(marked).toEqual([`${changedId} | was ⚠️ DRIFT`]);
    expect(await page.evaluate(`document.querySelector('table.changes tbody').textContent`)).toContain(`${changedId}changed⚠️ DRIFT✅ supported`);
    await page.screenshot({ path: path.join(shots, 'matrix-1400.png'), fullPage: true });

    // Search, verdict and endpoint filters, without network.
    const visible = `[...document.querySelectorAll('table.matrix tbody tr:not(.group)')].filter((r) => !r.hidden)`;
    await page.fill('#q', 'DTMF');
    const dtmf = (await page.evaluate(`${visible}.map((r) => r.textContent)`)) as string[];
    expect(dtmf.length).toBeGreaterThan(0);
    for (const r of dtmf) expect(r.toLowerCase()).toContain('dtmf');
    expect(await page.evaluate(`document.getElementById('shown').textContent`)).toMatch(new RegExp(`^${dtmf.length} of \\d+ rows$`));
    await page.fill('#q', '');
    await page.selectOption('#fv', 'known-issue');
    const known = (await page.evaluate(`${visible}.map((r) => r.querySelectorAll('a.v-known-issue').length)`)) as number[];
    expect(known.length).toBeGreaterThan(0);
    expect(known.every((n) => n > 0)).toBe(true);
    await page.selectOption('#fv', 'changed');
    expect(await page.evaluate(`${visible}.length`)).toBe(1);
    await page.selectOption('#fv', '');
    await page.selectOption('#fe', '7931-sccp');
    const heads = (await page.evaluate(`[...document.querySelectorAll('table.matrix thead th')].filter((th) => !th.hidden).map((th) => th.textContent)`)) as string[];
    expect(heads).toEqual(['feature', '7931-sccp']);
    expect(await page.evaluate(`${visible}.every((r) => r.querySelector('td[data-col="7931-sccp"]:not(.nocell)'))`)).toBe(true);
    await page.selectOption('#fe', '');

    const first = results.cells[0];
    await page.click(`a[data-cell="${first?.id ?? ''}"]`);
    const target = (await page.evaluate(`(() => { const el = document.querySelector(':target'); return { id: el ? el.id : '', text: el ? el.textContent : '' }; })()`)) as { id: string; text: string };
    expect(target.text).toContain(first?.id ?? '');
    expect(target.text).toContain('trace.pcap');
    // The cell's ladder as a page: actors named with their devices, an arrow per message.
    const ladder = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    ladder.on('pageerror', (e) => problems.push(e.message));
    const href = (await page.evaluate(`document.querySelector(':target a[href$="ladder.html"]').href`)) as string;
    await ladder.goto(href);
    const participants = (await ladder.evaluate(`[...document.querySelectorAll('table.ladder thead th')].map((th) => th.textContent)`)) as string[];
    expect(participants[0]).toBe('time');
    const actor = first?.axes['endpoint'];
    if (actor) expect(participants.some((p) => p.endsWith(` (${actor})`))).toBe(true);
    expect((await ladder.evaluate(`document.querySelectorAll('table.ladder td.msg').length`)) as number).toBeGreaterThan(10);
    await ladder.screenshot({ path: path.join(shots, 'ladder-1400.png') });
    await ladder.close();
    await page.setViewportSize({ width: 420, height: 900 });
    // (Expressions as strings: this file is type-checked without the DOM library.)
    expect((await page.evaluate('document.documentElement.scrollWidth')) as number).toBeLessThanOrEqual(420);
    // The feature column stays in view when the endpoint columns scroll.
    const left = await page.evaluate(`(() => {
      const scroll = document.querySelector('.scroll');
      if (scroll) scroll.scrollLeft = 10000;
      const th = document.querySelector('table.matrix tbody tr:not(.group) th');
      return th ? th.getBoundingClientRect().left : -1;
    })()`);
    expect(left as number).toBeGreaterThanOrEqual(0);
    expect(left as number).toBeLessThan(20);
    await page.screenshot({ path: path.join(shots, 'matrix-420.png'), fullPage: true });
    expect(existsSync(path.join(shots, 'matrix-420.png'))).toBe(true);
    expect(problems).toEqual([]);
  });
});
