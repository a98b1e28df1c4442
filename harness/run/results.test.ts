import { gradeCell, isFailingVerdict, parseResults, validateResults, type GradeInput, type Results, type Verdict } from './results';

describe('gradeCell (DESIGN.md verdict table)', () => {
  const rows: [string, GradeInput, Verdict][] = [
    ['supported, held', { documented: 'supported', expectationsHeld: true, crashed: false }, 'supported'],
    ['supported, not held', { documented: 'supported', expectationsHeld: false, crashed: false }, 'drift'],
    ['unsupported, held', { documented: 'unsupported', expectationsHeld: true, crashed: false }, 'unsupported'],
    ['unsupported, not held', { documented: 'unsupported', expectationsHeld: false, crashed: false }, 'drift'],
    ['known issue, affected, held', { documented: 'known-issue', expectationsHeld: true, crashed: false, affectedVersion: true }, 'known-issue'],
    ['known issue, affected by default, held', { documented: 'known-issue', expectationsHeld: true, crashed: false }, 'known-issue'],
    ['known issue, affected, not held', { documented: 'known-issue', expectationsHeld: false, crashed: false, affectedVersion: true }, 'drift'],
    ['known issue, fixed, held', { documented: 'known-issue', expectationsHeld: true, crashed: false, affectedVersion: false }, 'fix-verified'],
    ['known issue, fixed, not held', { documented: 'known-issue', expectationsHeld: false, crashed: false, affectedVersion: false }, 'drift'],
    ['supported, crashed', { documented: 'supported', expectationsHeld: true, crashed: true }, 'error'],
    ['unsupported, crashed', { documented: 'unsupported', expectationsHeld: false, crashed: true }, 'error'],
    ['known issue, crashed', { documented: 'known-issue', expectationsHeld: true, crashed: true, affectedVersion: false }, 'error'],
  ];
  it.each(rows.map(([name, input, verdict]) => [name, verdict, input] as const))('%s → %s', (_name, verdict, input) => {
    expect(gradeCell(input)).toBe(verdict);
  });

  it('fails npm test on drift and error only', () => {
    expect((['supported', 'unsupported', 'known-issue', 'fix-verified', 'drift', 'error'] as Verdict[]).filter(isFailingVerdict)).toEqual(['drift', 'error']);
  });
});

describe('validateResults', () => {
  const valid: Results = {
    schemaVersion: 1,
    run: { seed: 7, runtime: 'memory', startedAt: '2009-05-12T09:30:00.000Z', durationMs: 12, versions: { cucm: '7.0(2)' } },
    cells: [
      {
        id: 'rcc-hold-retrieve[endpoint=7975-sccp]',
        scenario: 'rcc-hold-retrieve',
        claims: ['feature.call-hold-retrieval'],
        feature: 'Call hold / retrieval',
        axes: { endpoint: '7975-sccp' },
        documented: 'supported',
        verdict: 'supported',
        durationMs: 3,
        evidence: 'evidence/rcc-hold-retrieve-7975-sccp/',
      },
    ],
    untestedClaims: ['feature.conference'],
  };

  it('accepts a valid results.json (and its JSON text)', () => {
    expect(validateResults(valid)).toEqual({ ok: true, value: valid });
    expect(parseResults(JSON.stringify(valid))).toEqual({ ok: true, value: valid });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 42, /\(root\)/],
    ['wrong schema version', { ...valid, schemaVersion: 2 }, /schemaVersion/],
    ['unknown runtime', { ...valid, run: { ...valid.run, runtime: 'docker' } }, /run\.runtime/],
    ['unknown verdict', { ...valid, cells: [{ ...valid.cells[0], verdict: 'pass' }] }, /cells\.0\.verdict/],
    ['bad evidence folder', { ...valid, cells: [{ ...valid.cells[0], evidence: '/tmp/x' }] }, /cells\.0\.evidence/],
    ['extra key', { ...valid, extra: true }, /extra/],
    ['missing untested claims', { ...valid, untestedClaims: undefined }, /untestedClaims/],
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
