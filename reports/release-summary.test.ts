import { claimCoverage, knownIssues, newProblems } from './release-summary';
import { sampleResults } from './sample-results';

describe('the release summary', () => {
  it('counts every DRIFT and ERROR as new without a baseline, and only changed ones against it', () => {
    const results = sampleResults();
    expect(newProblems(results, undefined).map((c) => c.verdict)).toEqual(['drift', 'error']);
    expect(newProblems(results, sampleResults())).toEqual([]);
    const before = sampleResults();
    before.cells = before.cells.filter((c) => c.verdict !== 'error');
    expect(newProblems(results, before).map((c) => c.verdict)).toEqual(['error']);
  });

  it('names each known issue with where it reproduced and where the fix was seen, by the releases that set them apart', () => {
    expect(knownIssues(sampleResults())).toMatchObject([
      { claim: 'known-issue.CSCsy62620', defect: 'CSCsy62620', reproduced: { releases: 'cucm 7.0(2)' }, fixed: { releases: 'cucm 7.1(2)' } },
    ]);
    const onlyAffected = sampleResults();
    onlyAffected.cells = onlyAffected.cells.filter((c) => c.verdict !== 'fix-verified');
    // Nothing to tell apart: every release the affected cells share.
    expect(knownIssues(onlyAffected)[0]?.reproduced.releases).toBe('cucm 7.0(2), cup 7.0(3), ocs 2007 R2, oc 2007 R2, cupE164RccPatch true');
  });

  it('counts claims graded, untested and context, endpoints not applicable and not modelled, and cells not run', () => {
    const r = sampleResults();
    r.notApplicable = [
      { scenario: 's', claim: 'c', statement: 'C', endpoint: '7970-sip', reason: 'not modelled: x' },
      { scenario: 's', claim: 'c', statement: 'C', endpoint: '7931-sccp', reason: "the author's choice" },
    ];
    r.notRun = [{ cell: 'x', claim: 'a', statement: 'A', axes: {} }, { cell: 'x', claim: 'b', statement: 'B', axes: {} }];
    expect(claimCoverage(r)).toEqual({ graded: 3, untested: 2, context: 0, notApplicable: 1, notModelled: 1, notRun: 1 });
  });
});
