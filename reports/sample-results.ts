import type { CellResult, Results } from '../harness/run/results';

type SampleCell = Partial<CellResult> & Pick<CellResult, 'id' | 'scenario' | 'feature' | 'documented' | 'verdict'>;

const cell = (c: SampleCell): CellResult => ({
  claims: [],
  axes: {},
  durationMs: 10,
  evidence: `evidence/${c.id}/`,
  claimVerdicts: (c.claims ?? []).map((claim) => ({
    claim,
    statement: c.feature,
    documented: c.documented,
    verdict: c.verdict,
    held: c.verdict === 'drift' || c.verdict === 'error' ? 0 : 1,
    ...(c.failedStep !== undefined ? { failedStep: c.failedStep } : {}),
    ...(c.expected !== undefined ? { expected: c.expected } : {}),
    ...(c.observed !== undefined ? { observed: c.observed } : {}),
  })),
  ...c,
  releases: c.releases ?? { cucm: c.axes?.cucm ?? '7.0(2)', cup: '7.0(3)', ocs: '2007 R2', oc: '2007 R2', cupE164RccPatch: 'true' },
});

/** A small hand-built Results with every verdict, for report tests and documentation. */
export function sampleResults(): Results {
  return {
    schemaVersion: 2,
    run: { seed: 7, runtime: 'memory', startedAt: '2009-05-12T09:30:00.000Z', durationMs: 1500, versions: { cucm: '7.0(2)', cup: '7.0(3)', ocs: '2007 R2' }, node: 'v20.20.2', tool: 'uc-interop-lab 0.1.0' },
    cells: [
      cell({
        id: 'rcc-hold-retrieve-7975-sccp',
        scenario: 'rcc-hold-retrieve',
        claims: ['feature.call-hold-retrieval'],
        feature: 'Call hold / retrieval',
        axes: { endpoint: '7975-sccp' },
        documented: 'supported',
        verdict: 'supported',
        durationMs: 120,
      }),
      cell({
        id: 'rcc-hold-retrieve-7970-sip',
        scenario: 'rcc-hold-retrieve',
        claims: ['feature.call-hold-retrieval'],
        feature: 'Call hold / retrieval',
        axes: { endpoint: '7970-sip' },
        documented: 'supported',
        verdict: 'drift',
        failedStep: 'steps[4] expect alice.phone line1',
        expected: 'line1: held',
        observed: 'line1: connected <no HeldEvent> & "quoted"',
        durationMs: 130,
      }),
      cell({
        id: 'rcc-conference-7931-sccp',
        scenario: 'rcc-conference',
        claims: ['feature.conference'],
        feature: 'Conference | ad hoc',
        axes: { endpoint: '7931-sccp' },
        documented: 'unsupported',
        verdict: 'unsupported',
      }),
      cell({
        id: 'e164-line-7975-sccp-cucm-7.0(2)',
        scenario: 'cscsy62620-e164-line',
        claims: ['known-issue.CSCsy62620'],
        feature: 'RCC on a line first configured in E.164 form',
        axes: { endpoint: '7975-sccp', cucm: '7.0(2)' },
        documented: 'known-issue',
        verdict: 'known-issue',
        defect: 'CSCsy62620',
      }),
      cell({
        id: 'e164-line-7975-sccp-cucm-7.1(2)',
        scenario: 'cscsy62620-e164-line',
        claims: ['known-issue.CSCsy62620'],
        feature: 'RCC on a line first configured in E.164 form',
        axes: { endpoint: '7975-sccp', cucm: '7.1(2)' },
        documented: 'known-issue',
        verdict: 'fix-verified',
        defect: 'CSCsy62620',
      }),
      cell({
        id: 'calendar-exchange-2007',
        scenario: 'calendar-presence',
        claims: ['calendar.exchange-2007'],
        feature: 'Calendar presence <Exchange 2007>',
        axes: { exchange: '2007 SP1' },
        documented: 'supported',
        verdict: 'error',
        failedStep: 'setup',
        observed: 'TypeError: boom\u0001',
      }),
    ],
    untestedClaims: ['feature.video', 'feature.meet-me'],
    errors: [],
  };
}
