import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { parseResults } from '../harness/run/results';
import { runMatrix } from '../harness/run/run-matrix';
import { scenariosDir } from './support/matrix';

// matrix.html in a real headless Chromium (Debian's chromium through playwright-core): it loads without a console
// error, its DOM holds every cell of results.json with its verdict, a cell opens its detail, the page fits a phone
// without sideways scrolling, and screenshots at 1400 px and 420 px are kept beside the reports for a person.
const executable = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!executable) console.warn('matrix page browser test skipped: no chromium (apt-get install chromium)');

(executable ? describe : describe.skip)('matrix.html in Chromium', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'uc-matrix-browser-'));
  let browser: Browser;
  beforeAll(async () => {
    await runMatrix({ scenariosDir, outDir: out, runtime: 'memory', seed: 7, filter: ['rcc-dtmf/', 'cscsy62620-call-forward/', 'rcc-conference-not-supported/'] });
    browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
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
      expect(links.some((l) => l.cls === `v-${cell.verdict}` || results.cells.some((c) => c.id === cell.id && c.claimVerdicts.some((v) => l.cls === `v-${v.verdict}`)))).toBe(true);
    }
    await page.screenshot({ path: path.join(out, 'screenshots', 'matrix-1400.png'), fullPage: true });
    const first = results.cells[0];
    await page.click(`a[data-cell="${first?.id ?? ''}"]`);
    const target = (await page.evaluate(`(() => { const el = document.querySelector(':target'); return { id: el ? el.id : '', text: el ? el.textContent : '' }; })()`)) as { id: string; text: string };
    expect(target.text).toContain(first?.id ?? '');
    expect(target.text).toContain('trace.pcap');
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
    await page.screenshot({ path: path.join(out, 'screenshots', 'matrix-420.png'), fullPage: true });
    expect(existsSync(path.join(out, 'screenshots', 'matrix-420.png'))).toBe(true);
    expect(problems).toEqual([]);
  });
});
