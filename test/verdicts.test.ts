import path from 'node:path';
import { runCell } from '../harness/run/run-cell';
import { isFailingVerdict } from '../harness/run/results';
import { planMatrix, runMatrix } from '../harness/run/run-matrix';
import type { Lab } from '../simulators';
import { cellWorker, scenariosDir } from './support/matrix';
import { scenarioVariants } from './support/scenario-variant';

// A cell says only what the wire proved. Each case below changes one thing a QA engineer could write or a
// release manager could move, and checks that the verdict follows what was observed, not the metadata.

/** A copy of scenarios/ with some files rewritten. */
const variant = scenarioVariants();

const FORWARD = 'known-issues/cscsy62620-call-forward.yaml';
const releases = (list: string) => (t: string) => t.replace("cucm: ['7.0(2)', '7.1(2)']", `cucm: [${list}]`).replace('endpoint: [7975-sccp, 7971-sip, 7931-sccp, 7970-sccp, 7970-sip]', 'endpoint: [7975-sccp]');

// The cells run on one bundled cell worker (test/support/matrix.ts), at the speed of `uc-lab matrix`.
const runCells = cellWorker();

async function run(dir: string, filter: string[], labOverride?: Lab) {
  const planned = planMatrix({ scenariosDir: dir, filter, ...(labOverride ? { labOverride } : {}) });
  return { planned, outcomes: (await runCells(planned)).map((result) => ({ result })) };
}

/** In this process, for what only the whole outcome holds (the nodes' logs). */
async function runHere(dir: string, filter: string[]) {
  const planned = planMatrix({ scenariosDir: dir, filter });
  const claims = new Map(planned.claims.map((c) => [c.id, c]));
  const outcomes = [];
  for (const { cell, lab } of planned.cells) outcomes.push(await runCell(cell, { runtime: 'memory', seed: 7, lab, claims }));
  return { planned, outcomes };
}

describe('CSCsy62620 and its releases', () => {
  it('a release the simulators do not know fails at load, with file:line:column and the releases', () => {
    const dir = variant({ [FORWARD]: releases("'7.0(2)', banana") });
    const planned = planMatrix({ scenariosDir: dir });
    expect(planned.cells.some((c) => c.cell.scenario.id === 'cscsy62620-call-forward')).toBe(false);
    const error = planned.errors.find((e) => e.file.endsWith('cscsy62620-call-forward.yaml'));
    expect(error?.message).toMatch(/cscsy62620-call-forward\.yaml:\d+:\d+: .*unknown release of cucm "banana"; expected one of: 6\.1\(2\), 6\.1\(3\), 7\.0\(1\), 7\.0\(2\), 7\.1\(2\), 7\.1\(3\), 8\.0\(1\)/);
  });

  it('outside the range it is fix-verified because the corrected forward was observed', async () => {
    const { outcomes } = await run(variant({ [FORWARD]: releases("'6.1(3)', '7.0(1)', '8.0(1)'") }), ['cscsy62620-call-forward']);
    expect(outcomes.map((o) => [o.result.releases.cucm, o.result.verdict])).toEqual([
      ['6.1(3)', 'fix-verified'],
      ['7.0(1)', 'fix-verified'],
      ['8.0(1)', 'fix-verified'],
    ]);
    for (const o of outcomes) expect(o.result.claimVerdicts[0]?.held).toBeGreaterThan(0);
  });

  it('outside the range with no corrected-behaviour expectation run, it is ERROR "nothing observed", never a pass', async () => {
    const onlyOn712 = (t: string) => releases("'8.0(1)'")(t).replace(/\n    shows: fixed/g, "\n    shows: fixed\n    when: { cucm: ['7.1(2)'] }");
    const { outcomes } = await run(variant({ [FORWARD]: onlyOn712 }), ['cscsy62620-call-forward']);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.result.verdict).toBe('error');
    expect(outcomes[0]?.result.observed).toMatch(/^nothing observed for cucm 8\.0\(1\)/);
  });

  it('on 7.0(2) where the symptom cannot occur (the DN first configured non-E.164), it is DRIFT: does not reproduce', async () => {
    const dir = variant({ [FORWARD]: releases("'7.0(2)'") });
    const lab = planMatrix({ scenariosDir: dir, filter: ['cscsy62620-call-forward'] }).cells[0]?.lab;
    if (!lab) throw new Error('no cell');
    const nonE164: Lab = {
      ...lab,
      cucm: {
        ...lab.cucm,
        phones: lab.cucm.phones.map((p) => (p.name === 'SEP00000000A975' ? { ...p, lines: p.lines.map((l) => ({ ...l, dn: '1001' })) } : p)),
        endUsers: lab.cucm.endUsers.map((u) => (u.userId === 'alice' ? { ...u, primaryExtension: '1001' } : u)),
      },
      ocs: { ...lab.ocs, users: lab.ocs.users.map((u) => (u.id === 'alice' ? { ...u, rcc: { ...u.rcc, lineUri: 'tel:1001' } } : u)) },
    };
    const { outcomes } = await run(dir, ['cscsy62620-call-forward'], nonE164);
    expect(outcomes[0]?.result.verdict).toBe('drift');
    expect(outcomes[0]?.result.observed).toMatch(/^does not reproduce: /);
  });

  it('on 7.0(2) with the symptom seen, the cell says what a corrected product does and what was observed', async () => {
    const { outcomes } = await run(scenariosDir, ['cscsy62620-call-forward/endpoint=7975-sccp,cucm=7.0(2)']);
    const r = outcomes[0]?.result;
    expect(r?.verdict).toBe('known-issue');
    expect(r?.expected).toMatch(/takes effect on the IP Phone/);
    expect(r?.observed).toMatch(/alice\.phone \{ callState: ringIn \}.*callState=ringIn/);
  });

  it('moving fixedIn in claims.yaml moves the simulated defect and the grading together', async () => {
    const dir = variant({ 'claims.yaml': (t) => t.replace('affected: { cucm: { introduced: "7.0(2)", fixedIn: "7.1(2)" } }', 'affected: { cucm: { introduced: "7.0(2)", fixedIn: "8.0(1)" } }') });
    const { outcomes } = await runHere(dir, ['cscsy62620-call-forward/endpoint=7975-sccp,cucm=7.1(2)']);
    expect(outcomes[0]?.result.verdict).toBe('known-issue');
    expect(outcomes[0]?.logs.some((l) => /CSCsy62620/.test(l.msg))).toBe(true);
  });
});

describe('every listed claim on its own evidence', () => {
  it('a failing expectation drifts only the claims it names', async () => {
    const dir = variant({
      'features/hold-retrieve.yaml': (t) =>
        `${t.replace('claims: [feature.call-hold-retrieval]', 'claims: [feature.call-hold-retrieval, feature.call-deflect]')}  - expect: { alice.oc: { conversation: held } }\n    claims: [feature.call-deflect]\n`,
    });
    const { outcomes } = await run(dir, ['rcc-hold-retrieve/endpoint=7975-sccp']);
    const r = outcomes[0]?.result;
    expect(r?.claimVerdicts.map((v) => [v.claim, v.verdict])).toEqual([
      ['feature.call-hold-retrieval', 'supported'],
      ['feature.call-deflect', 'drift'],
    ]);
    expect(r?.verdict).toBe('drift');
  });

  it('a claim counts as covered only when a cell graded it on evidence', async () => {
    const dir = variant({});
    const planned = planMatrix({ scenariosDir: dir, filter: ['rcc-basic-call/endpoint=7975-sccp'] });
    const lab = planned.cells[0]?.lab;
    if (!lab) throw new Error('no cell');
    const broken: Lab = { ...lab, ocs: { ...lab.ocs, users: lab.ocs.users.map((u) => (u.id === 'alice' ? { ...u, rcc: { ...u.rcc, lineUri: 'tel:+14085559999' } } : u)) } };
    const out = path.join(dir, 'out');
    const results = await runMatrix({ scenariosDir: dir, outDir: out, runtime: 'memory', seed: 7, filter: ['rcc-basic-call/endpoint=7975-sccp'], labOverride: broken });
    expect(results.cells.map((c) => c.verdict)).toEqual(['drift']);
    expect(results.untestedClaims).toContain('feature.basic-call-placement-clearing');
  });
});

describe('"not tested by the vendor"', () => {
  const dir = variant({
    'claims.yaml': (t) =>
      t.replace(
        /(- id: feature\.basic-call-placement-clearing\n {4}kind: feature\n {4}documented: )supported/,
        '$1not-tested',
      ),
  });

  it('reports what was observed, works or fails, and neither fails npm test', async () => {
    const works = (await run(dir, ['rcc-basic-call/endpoint=7975-sccp'])).outcomes[0]?.result;
    expect(works?.verdict).toBe('observed-works');
    const lab = planMatrix({ scenariosDir: dir, filter: ['rcc-basic-call/endpoint=7975-sccp'] }).cells[0]?.lab;
    if (!lab) throw new Error('no cell');
    const broken: Lab = { ...lab, ocs: { ...lab.ocs, users: lab.ocs.users.map((u) => (u.id === 'alice' ? { ...u, rcc: { ...u.rcc, lineUri: 'tel:+14085559999' } } : u)) } };
    const fails = (await run(dir, ['rcc-basic-call/endpoint=7975-sccp'], broken)).outcomes[0]?.result;
    expect(fails?.verdict).toBe('observed-fails');
    expect(fails?.observed).toBeTruthy();
    expect([works?.verdict, fails?.verdict].some((v) => v !== undefined && isFailingVerdict(v))).toBe(false);
  });
});
