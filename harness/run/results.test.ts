import { cellVerdict, gradeClaim, isFailingVerdict, parseResults, validateResults, type ClaimEvidence, type GradeContext, type Results, type Verdict } from './results';

const held = (documented: ClaimEvidence['documented'], extra: Partial<ClaimEvidence> = {}): ClaimEvidence => ({ statement: 's', documented, held: 1, ...extra });
const failed = (documented: ClaimEvidence['documented'], extra: Partial<ClaimEvidence> = {}): ClaimEvidence => ({
  statement: 's',
  documented,
  held: 0,
  failed: { step: 'steps[3]', expected: 'x', observed: 'y' },
  ...extra,
});
const ctx: GradeContext = { releases: 'cucm 7.0(2)' };

describe('gradeClaim (docs/verdicts.md §1)', () => {
  const rows: [string, ClaimEvidence, GradeContext, Verdict][] = [
    ['supported, held', held('supported'), ctx, 'supported'],
    ['supported, not held', failed('supported'), ctx, 'drift'],
    ['unsupported, held', held('unsupported'), ctx, 'unsupported'],
    ['unsupported, not held', failed('unsupported'), ctx, 'drift'],
    ['known issue in range, symptom held', held('known-issue', { affected: true }), ctx, 'known-issue'],
    ['known issue in range, symptom absent', failed('known-issue', { affected: true }), ctx, 'drift'],
    ['known issue outside, corrected behaviour held', held('known-issue', { affected: false }), ctx, 'fix-verified'],
    ['known issue outside, corrected behaviour absent', failed('known-issue', { affected: false }), ctx, 'drift'],
    ['known issue outside, nothing of the corrected side ran', { statement: 's', documented: 'known-issue', held: 0, affected: false }, ctx, 'error'],
    ['not tested by the vendor, works', held('not-tested'), ctx, 'observed-works'],
    ['not tested by the vendor, fails', failed('not-tested'), ctx, 'observed-fails'],
    ['supported, nothing observed', { statement: 's', documented: 'supported', held: 0 }, ctx, 'error'],
    ['supported, crashed', held('supported'), { ...ctx, crash: 'boom' }, 'error'],
    ['known issue, crashed', held('known-issue', { affected: true }), { ...ctx, crash: 'boom' }, 'error'],
  ];
  it.each(rows.map(([name, e, c, verdict]) => [name, verdict, e, c] as const))('%s → %s', (_name, verdict, e, c) => {
    expect(gradeClaim('claim.x', e, c).verdict).toBe(verdict);
  });

  it('says why a drift of a known issue is one', () => {
    expect(gradeClaim('k', failed('known-issue', { affected: true }), ctx).observed).toMatch(/^does not reproduce: /);
    expect(gradeClaim('k', failed('known-issue', { affected: false }), ctx).observed).toMatch(/^not fixed: /);
  });

  it('names the release when nothing was observed, and the stopping step when the cell stopped first', () => {
    expect(gradeClaim('k', { statement: 's', documented: 'known-issue', held: 0, affected: false }, { releases: 'cucm 8.0(1)' }).observed).toBe('nothing observed for cucm 8.0(1)');
    expect(gradeClaim('k', { statement: 's', documented: 'supported', held: 0 }, { releases: 'r', stoppedAt: 'steps[2]' }).observed).toBe('not reached: the cell stopped at steps[2]');
  });

  it('a reproduced known issue carries what a corrected product does and the symptom seen', () => {
    const v = gradeClaim('k', held('known-issue', { affected: true, corrected: 'the forward works', seen: 'alice.phone { callState: ringIn }' }), ctx);
    expect(v).toMatchObject({ verdict: 'known-issue', expected: 'the forward works', observed: 'alice.phone { callState: ringIn }' });
  });

  it('fails npm test on drift and error only; "not tested by the vendor" never does', () => {
    expect((['supported', 'unsupported', 'known-issue', 'fix-verified', 'observed-works', 'observed-fails', 'drift', 'error'] as Verdict[]).filter(isFailingVerdict)).toEqual(['drift', 'error']);
  });

  it('a cell takes its drift or error, else its first claim', () => {
    const v = (claim: string, verdict: Verdict) => ({ claim, statement: claim, documented: 'supported' as const, verdict, held: 1 });
    expect(cellVerdict([v('a', 'supported'), v('b', 'drift')])?.claim).toBe('b');
    expect(cellVerdict([v('a', 'unsupported'), v('b', 'supported')])?.claim).toBe('a');
  });
});

describe('validateResults', () => {
  const valid: Results = {
    schemaVersion: 2,
    run: { seed: 7, runtime: 'memory', startedAt: '2009-05-12T09:30:00.000Z', durationMs: 12, versions: { cucm: '7.0(2)' }, node: 'v20.20.2', tool: 'uc-interop-lab 0.1.0' },
    cells: [
      {
        id: 'rcc-hold-retrieve[endpoint=7975-sccp]',
        scenario: 'rcc-hold-retrieve',
        claims: ['feature.call-hold-retrieval'],
        feature: 'Call hold / retrieval',
        axes: { endpoint: '7975-sccp' },
        releases: { cucm: '7.0(2)' },
        documented: 'supported',
        verdict: 'supported',
        claimVerdicts: [{ claim: 'feature.call-hold-retrieval', statement: 'Call Hold/Retrieval', documented: 'supported', verdict: 'supported', held: 4 }],
        durationMs: 3,
        evidence: 'evidence/rcc-hold-retrieve-7975-sccp/',
      },
    ],
    untestedClaims: ['feature.conference'],
    errors: [{ file: 'scenarios/features/x.yaml', line: 3, column: 5, message: 'boom' }],
  };

  it('accepts a valid results.json (and its JSON text)', () => {
    expect(validateResults(valid)).toEqual({ ok: true, value: valid });
    expect(parseResults(JSON.stringify(valid))).toEqual({ ok: true, value: valid });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 42, /\(root\)/],
    ['an older schema version', { ...valid, schemaVersion: 1 }, /schemaVersion/],
    ['unknown runtime', { ...valid, run: { ...valid.run, runtime: 'docker' } }, /run\.runtime/],
    ['unknown verdict', { ...valid, cells: [{ ...valid.cells[0], verdict: 'pass' }] }, /cells\.0\.verdict/],
    ['unknown claim verdict', { ...valid, cells: [{ ...valid.cells[0], claimVerdicts: [{ claim: 'a', statement: 'a', documented: 'supported', verdict: 'ok', held: 1 }] }] }, /cells\.0\.claimVerdicts\.0\.verdict/],
    ['bad evidence folder', { ...valid, cells: [{ ...valid.cells[0], evidence: '/tmp/x' }] }, /cells\.0\.evidence/],
    ['extra key', { ...valid, extra: true }, /extra/],
    ['missing untested claims', { ...valid, untestedClaims: undefined }, /untestedClaims/],
    ['missing errors', { ...valid, errors: undefined }, /errors/],
  ])('rejects %s with the path', (_name, input, message) => {
    const r = validateResults(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(message);
  });

  it('rejects text that is not JSON', () => {
    const r = parseResults('{ nope');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/not JSON/);
  });
});
