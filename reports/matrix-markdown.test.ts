import type { Results } from '../harness/run/results';
import { renderMatrixMarkdown } from './matrix-markdown';
import { sampleResults } from './sample-results';

describe('renderMatrixMarkdown', () => {
  const md = renderMatrixMarkdown(sampleResults());
  const lines = md.split('\n');
  const tableStart = lines.findIndex((l) => l.startsWith('| feature |'));

  it('has a feature × endpoint table with the endpoint columns in the fixed order', () => {
    expect(lines[tableStart]).toBe('| feature | claims | 7975-sccp | 7931-sccp | 7970-sip | (any endpoint) |');
    expect(lines[tableStart + 1]).toBe('|---|---|---|---|---|---|');
  });

  it('puts a verdict word with its symbol in each cell, linked to the ladder', () => {
    const row = (feature: string) => lines.find((l) => l.startsWith(`| ${feature}`)) ?? '';
    expect(row('Call hold / retrieval')).toBe(
      '| Call hold / retrieval | feature.call-hold-retrieval | [✅ supported](evidence/rcc-hold-retrieve-7975-sccp/ladder.md) |   | [⚠️ DRIFT](evidence/rcc-hold-retrieve-7970-sip/ladder.md) |   |',
    );
    expect(row('Conference')).toContain('| Conference \\| ad hoc |');
    expect(row('Conference')).toContain('[⛔ unsupported](evidence/rcc-conference-7931-sccp/ladder.md)');
    // Layout change (product axes in the cell label, one row per feature): was one row per `cucm=` value.
    expect(row('RCC on a line first configured in E.164 form |')).toContain(
      '| [🐞 known issue CSCsy62620 (cucm 7.0(2))](evidence/e164-line-7975-sccp-cucm-7.0%282%29/ladder.md)<br>[✔️ fix verified CSCsy62620 (cucm 7.1(2))](evidence/e164-line-7975-sccp-cucm-7.1%282%29/ladder.md) |',
    );
    expect(md).not.toContain('E.164 form (cucm=');
    expect(row('Calendar presence')).toContain('| [💥 ERROR (exchange 2007 SP1)](evidence/calendar-exchange-2007/ladder.md) |');
    // one data row per feature, each with the same number of unescaped pipes as the header
    const pipes = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    const tableEnd = lines.findIndex((l, i) => i > tableStart && !l.startsWith('|'));
    expect(tableEnd - tableStart - 2).toBe(4);
    for (let i = tableStart; i < tableEnd; i++) expect(pipes(lines[i] as string)).toBe(pipes(lines[tableStart] as string));
  });

  it('has a summary line of counts', () => {
    expect(md).toContain('**6 cells: 1 ✅ supported · 1 ⛔ unsupported · 1 🐞 known issue · 1 ✔️ fix verified · 1 ⚠️ DRIFT · 1 💥 ERROR; 2 untested claims**');
  });

  it('has a coverage line at the top', () => {
    expect(lines.indexOf('Coverage: 6 cells over 3 claims; 2 of 5 claims not yet covered.')).toBeLessThan(tableStart);
    expect(lines.indexOf('Coverage: 6 cells over 3 claims; 2 of 5 claims not yet covered.')).toBeGreaterThan(0);
  });

  it('has a version × version view of each claim that varies over a product axis', () => {
    const section = md.slice(md.indexOf('## By version'), md.indexOf('## Drift and errors'));
    expect(md.indexOf('## By version')).toBeGreaterThan(tableStart);
    expect(section.split('\n')).toEqual([
      '## By version',
      '',
      '### known-issue.CSCsy62620',
      '',
      'RCC on a line first configured in E.164 form',
      '',
      '**CUCM 7.0(2): 1 🐞 known issue → CUCM 7.1(2): 1 ✔️ fix verified**',
      '',
      '| endpoint | CUCM 7.0(2) | CUCM 7.1(2) |',
      '|---|---|---|',
      '| 7975-sccp | [🐞 known issue CSCsy62620](evidence/e164-line-7975-sccp-cucm-7.0%282%29/ladder.md) | [✔️ fix verified CSCsy62620](evidence/e164-line-7975-sccp-cucm-7.1%282%29/ladder.md) |',
      '',
      '',
    ]);
  });

  it.each<[string, (r: Results) => void, boolean, string | undefined]>([
    ['no product axis anywhere: no section', (r) => r.cells.forEach((c) => delete c.axes['cucm'] && delete c.axes['exchange']), false, undefined],
    ['product axes but no claim on two versions: a note', (r) => (r.cells = r.cells.filter((c) => !c.id.endsWith('7.1(2)'))), true, 'No claim was run on more than one version of a product.'],
    [
      'several features: a feature column; other axes: their own column',
      (r) => {
        r.cells[3]!.axes['dn'] = 'e164';
        r.cells[4]!.feature = 'Other | feature';
        r.cells[4]!.claimVerdicts[0]!.statement = 'Other | feature';
      },
      true,
      '| feature | endpoint | other axes | CUCM 7.0(2) | CUCM 7.1(2) |',
    ],
  ])('%s', (_name, change, present, text) => {
    const r = sampleResults();
    change(r);
    const out = renderMatrixMarkdown(r);
    expect(out.includes('## By version')).toBe(present);
    if (text !== undefined) expect(out).toContain(text);
  });

  it('lists drift and error cells with failed step, expected and observed, escaped', () => {
    const section = md.slice(md.indexOf('## Drift and errors'), md.indexOf('## Untested claims'));
    expect(section).toContain('### ⚠️ DRIFT: rcc-hold-retrieve-7970-sip');
    expect(section).toContain('- failed step: steps\\[4\\] expect alice.phone line1');
    expect(section).toContain('- expected: line1: held');
    expect(section).toContain('- observed: line1: connected \\<no HeldEvent\\> \\& "quoted"');
    expect(section).toContain('### 💥 ERROR: calendar-exchange-2007');
    expect(section).not.toContain('rcc-hold-retrieve-7975-sccp');
  });

  it('lists the untested claims', () => {
    expect(md.slice(md.indexOf('## Untested claims'))).toBe('## Untested claims\n\n- feature.video\n- feature.meet-me\n');
  });

  it('renders an empty run', () => {
    const out = renderMatrixMarkdown({ ...sampleResults(), cells: [], untestedClaims: [] });
    expect(out).toContain('No cells were run.');
    expect(out).toContain('**0 cells; 0 untested claims**');
  });
});
