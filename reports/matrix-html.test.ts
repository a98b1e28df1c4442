import { renderMatrixHtml } from './matrix-html';
import { sampleResults } from './sample-results';

describe('renderMatrixHtml', () => {
  const html = renderMatrixHtml(sampleResults());

  it('is one self-contained document: inline CSS, no script, no external asset; only CDETS ids link out (to Cisco\'s bug search)', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/src\s*=\s*["']?\s*(https?:)?\/\//i);
    const external = [...html.matchAll(/href="(https?:\/\/[^"]+)"/g)].map((m) => m[1]);
    expect(external.length).toBeGreaterThan(0);
    expect(external.every((u) => /^https:\/\/bst\.cloudapps\.cisco\.com\/bugsearch\/bug\/CSC[a-z]{2}\d{5}$/.test(u ?? ''))).toBe(true);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
  });

  it('opens each cell\'s detail (documents against observation, releases, links to its pcap, ladder and logs), with a colour class per verdict', () => {
    for (const c of sampleResults().cells) {
      const anchor = `cell-${c.id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
      expect(html).toContain(`<a class="v-${c.verdict}" href="#${anchor}" data-cell="${c.id}"`);
      const section = html.slice(html.indexOf(`<section id="${anchor}">`), html.indexOf('</section>', html.indexOf(`<section id="${anchor}">`)));
      const base = c.evidence.replace('(', '%28').replace(')', '%29');
      expect(section).toContain(`<a href="${base}trace.pcap">trace.pcap</a><a href="${base}ladder.md">ladder</a><a href="${base}logs/">logs</a>`);
      expect(section).toContain('<dt>releases</dt>');
    }
    for (const v of ['supported', 'unsupported', 'known-issue', 'fix-verified', 'drift', 'error']) expect(html).toMatch(new RegExp(`\\.v-${v}\\{background:#`));
    expect(html).toContain('<td class="cell v-drift">');
  });

  it('groups the rows by the seed\'s sections, with the feature column kept in view in a scrolling table', () => {
    const groups = [...html.matchAll(/<tr class="group"><th colspan="\d+" scope="rowgroup">([^<]+)<\/th><\/tr>/g)].map((m) => m[1]);
    expect(groups).toEqual(['Features supported', 'Known issues', 'Calendar integration']);
    expect(html).toContain('<div class="scroll">');
    expect(html).toMatch(/table\.matrix tbody th\{position:sticky;left:0/);
  });

  it('has the same table: endpoint columns, feature rows', () => {
    expect(html).toContain('<th>feature</th><th>7975-sccp</th><th>7931-sccp</th><th>7970-sip</th><th>(any endpoint)</th>');
    expect(html).toContain('<th scope="row">Conference | ad hoc<div class="claims">feature.conference</div></th>');
    expect(html).toContain('🐞 known issue CSCsy62620');
  });

  it('puts product axes in the cell label and keeps one row per feature', () => {
    expect(html).toContain('<span class="vl">🐞 known issue</span> <span class="vl">CSCsy62620</span> <span class="axes">(cucm 7.0(2))</span>');
    expect(html).toContain('<span class="axes">(cucm 7.1(2))</span>');
    expect(html.match(/<th scope="row">RCC on a line first configured in E.164 form/g)).toHaveLength(1);
    expect(html).not.toContain('(cucm=');
  });

  it('has a coverage line and a "By version" table of product-version columns', () => {
    expect(html).toContain('<p class="meta coverage">Coverage: 6 cells over 3 claims; 2 of 5 claims not yet covered.</p>');
    const section = html.slice(html.indexOf('<h2>By version</h2>'), html.indexOf('<h2>Drift and errors</h2>'));
    expect(section).toContain('<h3>known-issue.CSCsy62620</h3>');
    expect(section).toContain('<p class="transition">CUCM 7.0(2): 1 🐞 known issue → CUCM 7.1(2): 1 ✔️ fix verified</p>');
    expect(section).toContain('<thead><tr><th>endpoint</th><th>CUCM 7.0(2)</th><th>CUCM 7.1(2)</th></tr></thead>');
    expect(section).toContain(
      '<tr><th scope="row">7975-sccp</th><td class="cell v-known-issue"><a class="v-known-issue" href="#cell-e164-line-7975-sccp-cucm-7-0-2-"',
    );
    expect(section).toContain('<td class="cell v-fix-verified"><a class="v-fix-verified" href="#cell-e164-line-7975-sccp-cucm-7-1-2-"');
    const plain = sampleResults();
    for (const c of plain.cells) c.axes = c.axes['endpoint'] ? { endpoint: c.axes['endpoint'] } : {};
    expect(renderMatrixHtml(plain)).not.toContain('By version');
  });

  it('escapes everything from the results', () => {
    expect(html).toContain('Calendar presence &lt;Exchange 2007&gt;');
    expect(html).toContain('line1: connected &lt;no HeldEvent&gt; &amp; &quot;quoted&quot;');
    expect(html).not.toContain('<no HeldEvent>');
    expect(html).not.toContain('<Exchange 2007>');
    expect(html).not.toContain('\u0001');
    const evil = sampleResults();
    evil.cells[0]!.feature = '<script>alert(1)</script>';
    evil.cells[0]!.evidence = 'evidence/x" onmouseover="alert(1)/';
    const out = renderMatrixHtml(evil);
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('" onmouseover="');
  });

  it('lists drift/error details and untested claims', () => {
    expect(html).toContain('<dt>failed step</dt><dd>steps[4] expect alice.phone line1</dd>');
    expect(html).toContain('<li>feature.video</li><li>feature.meet-me</li>');
  });
});
