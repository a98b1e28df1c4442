import { renderMatrixHtml } from './matrix-html';
import { sampleResults } from './sample-results';

describe('renderMatrixHtml', () => {
  const html = renderMatrixHtml(sampleResults());

  it('is one self-contained document: inline CSS, one inline script, no external asset; only CDETS ids link out (to Cisco\'s bug search)', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).toContain('<script>\n(function () {');
    expect(html).not.toMatch(/fetch\(|XMLHttpRequest|import\(/);
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
      expect(section).toContain(
        `<a href="${base}ladder.html">ladder</a><a href="${base}trace.pcap">trace.pcap</a><a href="${base}trace.pcapng">trace.pcapng</a><a href="${base}ladder.md">ladder.md</a><a href="${base}logs/">logs</a>`,
      );
      expect(section).toContain('<dt>releases</dt>');
    }
    for (const v of ['supported', 'unsupported', 'known-issue', 'fix-verified', 'drift', 'error']) expect(html).toMatch(new RegExp(`\\.v-${v}\\{background:#`));
    expect(html).toContain('<td class="cell v-drift" data-col="7970-sip">');
  });

  it('links a cell\'s TLS key log only where its evidence holds one', () => {
    const [first, second] = sampleResults().cells;
    if (!first || !second) throw new Error('the sample has fewer than two cells');
    const page = renderMatrixHtml(sampleResults(), undefined, { keylogs: new Set([first.id]) });
    const sectionOf = (id: string): string => {
      const start = page.indexOf(`<section id="cell-${id.replace(/[^A-Za-z0-9_-]+/g, '-')}">`);
      return page.slice(start, page.indexOf('</section>', start));
    };
    expect(sectionOf(first.id)).toContain('tls-keys.log">tls-keys.log</a>');
    expect(sectionOf(second.id)).not.toContain('tls-keys.log');
    expect(html).not.toContain('tls-keys.log');
  });

  it('groups the rows by the seed\'s sections, with the feature column kept in view in a scrolling table', () => {
    const groups = [...html.matchAll(/<tr class="group"><th colspan="\d+" scope="rowgroup">([^<]+)<\/th><\/tr>/g)].map((m) => m[1]);
    expect(groups).toEqual(['Features supported', 'Known issues', 'Calendar integration']);
    expect(html).toContain('<div class="scroll">');
    expect(html).toMatch(/table\.matrix tbody th\{position:sticky;left:0/);
  });

  it('has the same table: endpoint columns, feature rows', () => {
    expect(html).toContain('<th>feature</th><th data-col="7975-sccp">7975-sccp</th><th data-col="7931-sccp">7931-sccp</th><th data-col="7970-sip">7970-sip</th><th data-col="(any endpoint)">(any endpoint)</th>');
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
    expect(out.match(/<script>/g)).toHaveLength(1);
    expect(out).not.toContain('" onmouseover="');
  });

  it('lists drift/error details and untested claims', () => {
    expect(html).toContain('<dt>failed step</dt><dd>steps[4] expect alice.phone line1</dd>');
    expect(html).toContain('<li>feature.video</li><li>feature.meet-me</li>');
  });

  it('opens with the summary a release manager decides from: decision, counts, new DRIFT/ERROR, known issues, coverage', () => {
    const summary = html.slice(html.indexOf('<section id="summary">'), html.indexOf('</section>', html.indexOf('<section id="summary">')));
    expect(summary).toContain('<p class="decision bad">2 DRIFT or ERROR cells.</p>');
    expect(summary).toContain('<button type="button" class="v-drift" data-verdict="drift" title="show only these">⚠️ DRIFT: 1</button>');
    expect(summary).toContain('No baseline to compare with');
    expect(summary).toMatch(/<ul class="new-problems"><li><a class="v-drift" href="#cell-rcc-hold-retrieve-7970-sip">⚠️ DRIFT<\/a> rcc-hold-retrieve-7970-sip: steps\[4\] expect alice.phone line1<\/li>/);
    expect(summary).toContain('CSCsy62620</a></strong> — reproduced on cucm 7.0(2) (1 cell); fix verified on cucm 7.1(2) (1 cell)');
    expect(summary).toContain('Claims graded on evidence: 3 · untested: 2 · context (not executable): 0.');
  });

  it('marks what changed against a baseline: the old verdict under the new, the new DRIFT/ERROR, and the list of changes', () => {
    const before = sampleResults();
    const was = before.cells.find((c) => c.id === 'rcc-hold-retrieve-7970-sip');
    if (!was) throw new Error('sample changed');
    was.verdict = 'supported';
    for (const v of was.claimVerdicts) v.verdict = 'supported';
    before.cells = before.cells.filter((c) => c.id !== 'rcc-conference-7931-sccp');
    const page = renderMatrixHtml(sampleResults(), { results: before, source: 'last-week.json' });
    expect(page).toContain('<a class="v-drift changed" href="#cell-rcc-hold-retrieve-7970-sip" data-cell="rcc-hold-retrieve-7970-sip"');
    expect(page).toMatch(/data-cell="rcc-hold-retrieve-7970-sip"[^>]*>.*<span class="was">was ✅ supported<\/span><\/a>/);
    expect(page).toMatch(/<a class="v-unsupported new" [^>]*data-cell="rcc-conference-7931-sccp"[^>]*>.*<span class="was">new cell<\/span>/);
    expect(page).toContain('<p class="decision bad">2 DRIFT or ERROR cells, 1 new against the baseline.</p>');
    expect(page).toContain('Against last-week.json: 1 changed, 1 added, 0 removed');
    expect(page).toContain('<tr><td><a href="#cell-rcc-hold-retrieve-7970-sip">rcc-hold-retrieve-7970-sip</a></td><td>changed</td><td class="v-supported">✅ supported</td><td class="v-drift">⚠️ DRIFT</td></tr>');
    // Against itself: nothing marked.
    expect(renderMatrixHtml(sampleResults(), { results: sampleResults(), source: 'same' })).not.toMatch(/class="v-[a-z-]+ (changed|new)"/);
  });

  it('has distinct marks for not applicable, not modelled, not run and untested, and a search box and filters', () => {
    const r = sampleResults();
    r.notApplicable = [
      { scenario: 'rcc-conference', claim: 'feature.conference', statement: 'Conference | ad hoc', endpoint: '7975-sccp', reason: "not in the scenario's endpoint axis (the author's choice)" },
      { scenario: 'rcc-conference', claim: 'feature.conference', statement: 'Conference | ad hoc', endpoint: '7970-sip', reason: 'not modelled: dndKey (the DND soft key is not modelled)' },
    ];
    r.notRun = [{ cell: 'rcc-hold-retrieve-7931-sccp', claim: 'feature.call-hold-retrieval', statement: 'Call hold / retrieval', axes: { endpoint: '7931-sccp' } }];
    r.run.interrupted = { ran: 6, planned: 7, cause: 'signal' };
    const page = renderMatrixHtml(r);
    expect(page).toContain('<td class="na" data-col="7975-sccp" title="rcc-conference: not in the scenario&#39;s endpoint axis (the author&#39;s choice)">n/a</td>');
    expect(page).toContain('<td class="nm" data-col="7970-sip" title="rcc-conference: not modelled: dndKey (the DND soft key is not modelled)">not modelled</td>');
    expect(page).toContain('<td class="notrun" data-col="7931-sccp"><span class="notrun" title="rcc-hold-retrieve-7931-sccp: planned, not run (the run stopped early)">not run</span></td>');
    expect(page).toContain('<p class="banner">This run was interrupted: 6 of 7 planned cells ran; the others are marked “not run”.</p>');
    expect(page).toMatch(/<tr data-search="feature.video untested"><th scope="row">feature.video<div class="claims">no cell graded this claim<\/div><\/th><td class="untested" colspan="4">untested<\/td><\/tr>/);
    for (const id of ['q', 'fv', 'fe']) expect(page).toContain(`id="${id}"`);
    expect(page).toContain('<option value="nm">not modelled</option>');
    expect(page).toContain('<option value="7931-sccp">7931-sccp</option>');
  });
});
