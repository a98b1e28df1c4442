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
