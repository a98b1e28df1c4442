import { renderMatrixHtml } from './matrix-html';
import { sampleResults } from './sample-results';

describe('renderMatrixHtml', () => {
  const html = renderMatrixHtml(sampleResults());

  it('is one self-contained document: inline CSS, no script, no external reference', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
  });

  it('links each cell to its evidence ladder, with a colour class per verdict', () => {
    for (const c of sampleResults().cells) {
      const href = `${c.evidence.replace('(', '%28').replace(')', '%29')}ladder.md`;
      expect(html).toContain(`<a class="v-${c.verdict}" href="${href}"`);
    }
    for (const v of ['supported', 'unsupported', 'known-issue', 'fix-verified', 'drift', 'error']) expect(html).toMatch(new RegExp(`\\.v-${v}\\{background:#`));
    expect(html).toContain('<td class="cell v-drift">');
  });

  it('has the same table: endpoint columns, feature rows', () => {
    expect(html).toContain('<th>feature</th><th>7975-sccp</th><th>7931-sccp</th><th>7970-sip</th><th>(any endpoint)</th>');
    expect(html).toContain('<th scope="row">Conference | ad hoc<div class="claims">feature.conference</div></th>');
    expect(html).toContain('🐞 known issue CSCsy62620');
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
