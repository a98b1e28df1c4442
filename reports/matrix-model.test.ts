import type { CellResult, Results } from '../harness/run/results';
import {
  buildMatrix,
  buildVersionTables,
  cellLabel,
  coverageLine,
  hasProductAxis,
  isProductAxis,
  NO_ENDPOINT,
  PRODUCT_AXES,
  productAxesText,
  versionTransition,
} from './matrix-model';
import { sampleResults } from './sample-results';

const cell = (id: string, c: Partial<CellResult>): CellResult => {
  const base: CellResult = {
    id,
    scenario: 's',
    claims: ['known-issue.CSCsy62620'],
    feature: 'Call forward from OC',
    axes: {},
    releases: {},
    documented: 'known-issue',
    verdict: 'known-issue',
    claimVerdicts: [],
    defect: 'CSCsy62620',
    durationMs: 1,
    evidence: `evidence/${id}/`,
    ...c,
  };
  const claimVerdicts = base.claims.map((claim) => ({ claim, statement: base.feature, documented: base.documented, verdict: base.verdict, held: 1 }));
  return { ...base, claimVerdicts };
};

/** A hand-built run with a `cucm` axis: two endpoints on three CUCM versions, given out of order. */
function versionedResults(): Results {
  return {
    schemaVersion: 2,
    run: { seed: 1, runtime: 'memory', startedAt: '2009-05-12T09:30:00.000Z', durationMs: 1, versions: { cucm: '7.0(2)' }, node: 'v20', tool: 'uc-interop-lab' },
    cells: [
      cell('fwd-7970-sip-7.1', { axes: { endpoint: '7970-sip', cucm: '7.1(2)' }, verdict: 'fix-verified' }),
      cell('fwd-7975-sccp-7.0', { axes: { endpoint: '7975-sccp', cucm: '7.0(2)' } }),
      cell('fwd-7975-sccp-7.1', { axes: { endpoint: '7975-sccp', cucm: '7.1(2)' }, verdict: 'fix-verified' }),
      cell('fwd-7975-sccp-7.10', { axes: { endpoint: '7975-sccp', cucm: '7.10(1)' }, verdict: 'drift' }),
      cell('fwd-7970-sip-7.0', { axes: { endpoint: '7970-sip', cucm: '7.0(2)' } }),
      // one version only: no version table for this claim
      cell('hold-7975-sccp', { claims: ['feature.call-hold-retrieval'], feature: 'Hold', axes: { endpoint: '7975-sccp', cucm: '7.0(2)' }, documented: 'supported', verdict: 'supported', defect: undefined }),
      // no product axis at all
      cell('acl', { claims: ['config.cup.acl'], feature: 'ACL', axes: {}, documented: 'supported', verdict: 'supported', defect: undefined }),
    ],
    untestedClaims: ['feature.video', 'feature.meet-me', 'feature.conference'],
    errors: [],
  };
}

describe('product axes', () => {
  it('names the products of the test bed', () => {
    expect([...PRODUCT_AXES]).toEqual(['cucm', 'cup', 'ocs', 'oc', 'exchange', 'cupE164RccPatch']);
    expect(isProductAxis('cucm')).toBe(true);
    expect(isProductAxis('endpoint')).toBe(false);
  });

  it.each<[string, Pick<CellResult, 'verdict' | 'defect' | 'axes'>, string]>([
    ['no axes', { verdict: 'supported', axes: {} }, '✅ supported'],
    ['endpoint only', { verdict: 'supported', axes: { endpoint: '7975-sccp' } }, '✅ supported'],
    ['cucm', { verdict: 'known-issue', defect: 'CSCsy62620', axes: { endpoint: '7975-sccp', cucm: '7.0(2)' } }, '🐞 known issue CSCsy62620 (cucm 7.0(2))'],
    ['fixed cucm', { verdict: 'fix-verified', defect: 'CSCsy62620', axes: { cucm: '7.1(2)' } }, '✔️ fix verified CSCsy62620 (cucm 7.1(2))'],
    ['two products, non-product axis left out', { verdict: 'drift', axes: { cucm: '7.0(2)', dn: 'e164', cup: '7.0(3)' } }, '⚠️ DRIFT (cucm 7.0(2), cup 7.0(3))'],
  ])('cellLabel: %s', (_name, c, label) => {
    expect(cellLabel(c)).toBe(label);
  });

  it('productAxesText keeps the cell’s axis order', () => {
    expect(productAxesText({ exchange: '2007 SP1', endpoint: 'x', ocs: '2007 R2' })).toBe('exchange 2007 SP1, ocs 2007 R2');
  });

  it('hasProductAxis', () => {
    expect(hasProductAxis(versionedResults())).toBe(true);
    const plain = versionedResults();
    plain.cells = plain.cells.filter((c) => c.id === 'acl');
    expect(hasProductAxis(plain)).toBe(false);
  });
});

describe('buildMatrix', () => {
  it('keeps one row per feature: product axes do not split rows, other axes still do', () => {
    const r = versionedResults();
    r.cells.push(cell('fwd-dn', { axes: { endpoint: '7975-sccp', cucm: '7.0(2)', dn: 'e164' } }));
    const { rows } = buildMatrix(r);
    expect(rows.map((row) => row.label)).toEqual(['Call forward from OC', 'Hold', 'ACL', 'Call forward from OC (dn=e164)']);
    expect(rows[0]!.cells.get('7975-sccp')!.map((c) => c.id)).toEqual(['fwd-7975-sccp-7.0', 'fwd-7975-sccp-7.1', 'fwd-7975-sccp-7.10']);
  });
});

describe('buildVersionTables', () => {
  const tables = buildVersionTables(versionedResults());

  it('makes one table per claim that varies over a product axis', () => {
    expect(tables.map((t) => [t.claim, t.axis])).toEqual([['known-issue.CSCsy62620', 'cucm']]);
  });

  it('orders versions oldest first (numerically) and endpoints in the fixed order', () => {
    const t = tables[0]!;
    expect(t.values).toEqual(['7.0(2)', '7.1(2)', '7.10(1)']);
    expect(t.columns).toEqual(['CUCM 7.0(2)', 'CUCM 7.1(2)', 'CUCM 7.10(1)']);
    expect(t.features).toEqual(['Call forward from OC']);
    expect(t.defects).toEqual([]); // the claim id already names CSCsy62620
    expect(t.rows.map((r) => r.endpoint)).toEqual(['7975-sccp', '7970-sip']);
  });

  it.each<[string, string, string | undefined]>([
    ['7975-sccp', '7.0(2)', 'known-issue'],
    ['7975-sccp', '7.1(2)', 'fix-verified'],
    ['7975-sccp', '7.10(1)', 'drift'],
    ['7970-sip', '7.0(2)', 'known-issue'],
    ['7970-sip', '7.1(2)', 'fix-verified'],
    ['7970-sip', '7.10(1)', undefined],
  ])('%s on CUCM %s → %s', (endpoint, version, verdict) => {
    const row = tables[0]!.rows.find((r) => r.endpoint === endpoint)!;
    expect(row.cells.get(version)?.map((c) => c.verdict)[0]).toBe(verdict);
  });

  it('summarises each version’s verdicts, oldest first', () => {
    expect(versionTransition(tables[0]!)).toBe('CUCM 7.0(2): 2 🐞 known issue → CUCM 7.1(2): 2 ✔️ fix verified → CUCM 7.10(1): 1 ⚠️ DRIFT');
    expect(versionTransition(tables[0]!, false)).toBe('CUCM 7.0(2): 2 known issue → CUCM 7.1(2): 2 fix verified → CUCM 7.10(1): 1 DRIFT');
  });

  it('puts a cell of two claims in both tables, one table per varying product axis, other axes in the row', () => {
    const r = versionedResults();
    r.cells = [
      cell('a', { claims: ['c1', 'c2'], feature: 'F', axes: { cucm: '7.0(2)', cup: '7.0(3)' }, defect: 'CSCxx1' }),
      cell('b', { claims: ['c1', 'c2'], feature: 'F', axes: { cucm: '7.1(2)', cup: '7.0(3)' }, defect: 'CSCxx1' }),
      cell('c', { claims: ['c2'], feature: 'G', axes: { cucm: '7.1(2)', cup: '8.0(1)' }, defect: 'CSCxx1' }),
    ];
    const t = buildVersionTables(r);
    expect(t.map((x) => `${x.claim}/${x.axis}`)).toEqual(['c1/cucm', 'c2/cucm', 'c2/cup']);
    expect(t[0]!.defects).toEqual(['CSCxx1']);
    expect(t[0]!.rows).toHaveLength(1);
    expect(t[0]!.rows[0]!).toMatchObject({ feature: 'F', endpoint: NO_ENDPOINT, otherAxes: 'cup=7.0(3)' });
    expect(t[1]!.features).toEqual(['F', 'G']);
    expect(t[1]!.rows.map((x) => `${x.feature} ${x.otherAxes}`)).toEqual(['F cup=7.0(3)', 'G cup=8.0(1)']);
    expect(t[2]!.columns).toEqual(['CUP 7.0(3)', 'CUP 8.0(1)']);
  });

  it('finds the CUCM table in the shared sample', () => {
    const t = buildVersionTables(sampleResults());
    expect(t.map((x) => x.claim)).toEqual(['known-issue.CSCsy62620']);
    expect(t[0]!.rows.map((r) => [...r.cells.keys()])).toEqual([['7.0(2)', '7.1(2)']]);
  });
});

describe('coverageLine', () => {
  it.each<[string, Results, string]>([
    ['versioned run', versionedResults(), '7 cells over 3 claims; 3 of 6 claims not yet covered'],
    ['sample', sampleResults(), '6 cells over 3 claims; 2 of 5 claims not yet covered'],
    ['empty', { ...sampleResults(), cells: [], untestedClaims: [] }, '0 cells over 0 claims; 0 of 0 claims not yet covered'],
    [
      'one cell, one claim',
      { ...sampleResults(), cells: [cell('x', { claims: ['a'] })], untestedClaims: ['b'] },
      '1 cell over 1 claim; 1 of 2 claims not yet covered',
    ],
  ])('%s', (_name, results, line) => {
    expect(coverageLine(results)).toBe(line);
  });
});

describe('not applicable', () => {
  const results = (): Results => ({
    ...versionedResults(),
    cells: [cell('a', { feature: 'Do Not Disturb', claims: ['feature.do-not-disturb'], axes: { endpoint: '7975-sccp' } }), cell('b', { feature: 'Do Not Disturb', claims: ['feature.do-not-disturb'], axes: { endpoint: '7971-sip' } })],
    notApplicable: [
      { scenario: 'phone-dnd', claim: 'feature.do-not-disturb', statement: 'Do Not Disturb', endpoint: '7970-sip', reason: 'not modelled: dndKey' },
      // Another scenario of the claim ran on the 7971: that column is not n/a.
      { scenario: 'phone-dnd', claim: 'feature.do-not-disturb', statement: 'Do Not Disturb', endpoint: '7971-sip', reason: 'not modelled: dndKey' },
    ],
  });

  it('marks an endpoint a scenario leaves out as n/a with the reason, unless a cell ran there', () => {
    const withColumn = results();
    withColumn.cells.push(cell('c', { feature: 'Other', claims: ['feature.other'], axes: { endpoint: '7970-sip' } }));
    const row = buildMatrix(withColumn).rows.find((r) => r.feature === 'Do Not Disturb');
    expect([...(row?.notApplicable ?? new Map())]).toEqual([['7970-sip', 'phone-dnd: not modelled: dndKey']]);
  });
});
