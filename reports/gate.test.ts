import type { Results } from '../harness/run/results';
import { gate, renderGate } from './gate';
import { sampleResults } from './sample-results';

/** The sample run with every cell passing (the baseline a team shipped with). */
function greenBaseline(): Results {
  const r = sampleResults();
  r.cells = r.cells.map((c) =>
    c.verdict === 'drift' || c.verdict === 'error' ? { ...c, verdict: 'supported', claimVerdicts: c.claimVerdicts.map((v) => ({ ...v, verdict: 'supported' as const })) } : c,
  );
  return r;
}

describe('the ship gate', () => {
  it('passes an unchanged run', () => {
    const outcome = gate(greenBaseline(), greenBaseline());
    expect(outcome.pass).toBe(true);
    expect(renderGate(outcome)).toBe('SHIP: nothing new against the baseline.\n');
  });

  it('blocks on a newly drifted or errored cell, naming the cell and what it was', () => {
    const outcome = gate(greenBaseline(), sampleResults());
    expect(outcome.pass).toBe(false);
    expect(outcome.findings.filter((f) => f.blocks).map((f) => [f.kind, f.cell])).toEqual([
      ['new-drift', 'rcc-hold-retrieve-7970-sip'],
      ['new-error', 'calendar-exchange-2007'],
    ]);
    expect(renderGate(outcome)).toMatch(/^DO NOT SHIP: 2 blocking findings\.\n {2}✗ rcc-hold-retrieve-7970-sip: DRIFT \(was supported\)/);
  });

  it('lists a drift the baseline already had without blocking on it', () => {
    const outcome = gate(sampleResults(), sampleResults());
    expect(outcome.pass).toBe(true);
    expect(outcome.findings.map((f) => f.kind)).toEqual(['still-failing', 'still-failing']);
  });

  it('blocks when a claim graded in the baseline is no longer graded, and when a baseline cell did not run', () => {
    const current = greenBaseline();
    current.cells = current.cells.filter((c) => c.id !== 'rcc-conference-7931-sccp');
    current.untestedClaims = [...current.untestedClaims, 'feature.conference'];
    const kinds = gate(greenBaseline(), current).findings.map((f) => [f.kind, f.cell ?? f.claim]);
    expect(kinds).toEqual([
      ['removed-cell', 'rcc-conference-7931-sccp'],
      ['lost-coverage', 'feature.conference'],
    ]);
  });

  it('blocks on a known issue of the releases the team ships, and only those', () => {
    expect(gate(greenBaseline(), greenBaseline(), { releases: { cucm: '7.0(2)' } }).findings.map((f) => [f.kind, f.cell])).toEqual([['known-issue', 'e164-line-7975-sccp-cucm-7.0(2)']]);
    expect(gate(greenBaseline(), greenBaseline(), { releases: { cucm: '7.1(2)' } }).pass).toBe(true);
  });

  it('weights each finding by the share of the fleet it touches', () => {
    const fleet = {
      phones: [
        { endpoint: '7970-sip', count: 300 },
        { endpoint: '7975-sccp', count: 900, releases: { cucm: '7.0(2)' } },
      ],
      users: [
        { count: 1000, releases: { exchange: '2007 SP1' } },
        { count: 3000, releases: { exchange: '2003 SP2' } },
      ],
    };
    const outcome = gate(greenBaseline(), sampleResults(), { fleet });
    const drift = outcome.findings.find((f) => f.kind === 'new-drift');
    expect(drift?.impact).toMatchObject({ phones: 300, ofPhones: 1200 });
    const text = renderGate(outcome, { fleet });
    expect(text).toMatch(/rcc-hold-retrieve-7970-sip: .* — touches 300 of 1,200 phones, 0 of 4,000 users \(25%\)/);
  });
});
