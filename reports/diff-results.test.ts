import { diffResults, renderDiffMarkdown } from './diff-results';
import { sampleResults } from './sample-results';

describe('diffResults', () => {
  const before = sampleResults();
  const after = sampleResults();
  after.cells[1] = { ...after.cells[1]!, verdict: 'supported' };
  after.cells = after.cells.filter((c) => c.id !== 'rcc-conference-7931-sccp');
  after.cells.push({ ...after.cells[0]!, id: 'rcc-hold-retrieve-7971-sip', axes: { endpoint: '7971-sip' } });

  it('lists changed, then added, then removed cells', () => {
    expect(diffResults(before, after)).toEqual([
      { id: 'rcc-hold-retrieve-7970-sip', change: 'changed', feature: 'Call hold / retrieval', axes: { endpoint: '7970-sip' }, before: 'drift', after: 'supported' },
      { id: 'rcc-hold-retrieve-7971-sip', change: 'added', feature: 'Call hold / retrieval', axes: { endpoint: '7971-sip' }, after: 'supported' },
      { id: 'rcc-conference-7931-sccp', change: 'removed', feature: 'Conference | ad hoc', axes: { endpoint: '7931-sccp' }, before: 'unsupported' },
    ]);
  });

  it('is empty for identical runs', () => {
    expect(diffResults(before, sampleResults())).toEqual([]);
    expect(renderDiffMarkdown([])).toContain('No verdict changed');
  });

  it('renders a markdown table', () => {
    const md = renderDiffMarkdown(diffResults(before, after));
    expect(md).toContain('1 changed, 1 added, 1 removed.');
    expect(md).toContain('| rcc-hold-retrieve-7970-sip | Call hold / retrieval | endpoint=7970-sip | changed | ⚠️ DRIFT | ✅ supported |');
    expect(md).toContain('| rcc-conference-7931-sccp | Conference \\| ad hoc | endpoint=7931-sccp | removed | ⛔ unsupported | — |');
  });

  it('labels known-issue changes with the defect', () => {
    const fixed = sampleResults();
    fixed.cells[3] = { ...fixed.cells[3]!, verdict: 'drift' };
    expect(renderDiffMarkdown(diffResults(before, fixed))).toContain('| 🐞 known issue CSCsy62620 | ⚠️ DRIFT |');
  });
});
