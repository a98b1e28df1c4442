import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLabById } from '../lab/load-lab';
import { cellFolderName, cellVersions, expandScenario, stepApplies } from './expand-axes';
import { loadClaims } from './load-claims';
import { loadScenario } from './load-scenario';
import { formatRef } from './scenario-schema';
import { ScenarioError } from './scenario-error';

const scenariosDir = path.resolve(__dirname, '..', '..', 'scenarios');
const claims = loadClaims(path.join(scenariosDir, 'claims.yaml'));
const lab = loadLabById('seed-lab', scenariosDir);
const labs = new Map([['seed-lab', lab]]);
const basic = loadScenario(path.join(scenariosDir, 'features', 'basic-call.yaml'), { claims, labs });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'uc-axes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function scenarioFrom(text: string): ReturnType<typeof loadScenario> {
  const file = path.join(tmp, `${Math.abs(text.length)}-${Date.now()}.yaml`);
  writeFileSync(file, text);
  return loadScenario(file, { claims, labs });
}

describe('expandScenario', () => {
  it('makes one cell per endpoint, with ids usable as folder names', () => {
    const cells = expandScenario(basic, lab, claims);
    expect(cells.map((c) => c.id)).toEqual([
      'rcc-basic-call/endpoint=7975-sccp',
      'rcc-basic-call/endpoint=7971-sip',
      'rcc-basic-call/endpoint=7931-sccp',
      'rcc-basic-call/endpoint=7970-sccp',
      'rcc-basic-call/endpoint=7970-sip',
    ]);
    expect(cells[1]?.axes).toEqual({ endpoint: '7971-sip' });
    expect(cells[1]?.actors.alice).toMatchObject({ endpoint: '7971-sip', oc: true });
    expect(cells[1]?.actors.bob?.endpoint).toBe('7975-sccp');
    expect(cells.map((c) => cellFolderName(c.id))).toContain('rcc-basic-call__endpoint-7971-sip');
    for (const c of cells) expect(cellFolderName(c.id)).toMatch(/^[A-Za-z0-9._+-]+$/);
  });

  it('binds actors to distinct lab phones: "any" takes the first phone nobody else uses', () => {
    const cells = expandScenario(basic, lab, claims);
    const first = cells[0];
    expect(first?.actors.alice).toMatchObject({
      endpoint: '7975-sccp',
      device: 'SEP00000000A975',
      dn: '+14085551001',
      userId: 'alice',
      sipUri: 'sip:alice@uc.lab',
      lineUri: 'tel:+14085551001',
    });
    expect(first?.actors.bob).toMatchObject({ endpoint: '7971-sip', device: 'SEP00000000B971', userId: 'bob' });
    // When alice's axis takes the 7975, bob falls to the next free phone.
    expect(cells[1]?.actors.alice?.device).toBe('SEP00000000B971');
    expect(cells[1]?.actors.bob?.device).toBe('SEP00000000A975');
  });

  it('takes the cartesian product of all axes and substitutes placeholders in steps', () => {
    const s = scenarioFrom(
      [
        'id: probe-axes',
        'title: Probe',
        'claims: [known-issue.CSCsy62620]',
        'lab: seed-lab',
        'axes:',
        '  endpoint: [7975-sccp, 7970-sip]',
        "  cucm: ['7.0(2)', '8.0(1)']",
        'actors:',
        '  alice: { endpoint: "${endpoint}", oc: true }',
        'steps:',
        '  - configure: { cucm.lines.setDirectoryNumber: { device: "${alice.device}", line: 1, dn: "+14085559999" } }',
        "    when: { cucm: ['7.0(2)'] }",
        '  - expect: { alice.phone: { display: "${alice.dn}" } }',
        '    shows: symptom',
        '  - expect: { alice.oc: { caller: "${cucm}" } }',
        '    shows: fixed',
      ].join('\n'),
    );
    const cells = expandScenario(s, lab, claims);
    expect(cells.map((c) => c.id)).toEqual([
      'probe-axes/endpoint=7975-sccp,cucm=7.0(2)',
      'probe-axes/endpoint=7975-sccp,cucm=8.0(1)',
      'probe-axes/endpoint=7970-sip,cucm=7.0(2)',
      'probe-axes/endpoint=7970-sip,cucm=8.0(1)',
    ]);
    const c = cells[2];
    const later = cells[3];
    if (!c || !later) throw new Error('missing cell');
    // On 7.0(2), inside CSCsy62620's range: the configure step (when 7.0(2)) and the symptom run.
    expect(c.releases.cucm).toBe('7.0(2)');
    // LAB-CUP-CALENDAR-EMAIL's range (CUP 6.0(1), no fix named) covers the lab's CUP 7.0(3).
    expect([...c.defects]).toEqual(['CSCsy62620', 'LAB-CUP-CALENDAR-EMAIL']);
    expect(c.steps.map((x) => x.kind)).toEqual(['configure', 'expect']);
    expect(c.steps[0]).toMatchObject({ kind: 'configure', args: { device: 'SEP00000000E970', line: 1, dn: '+14085559999' } });
    expect(c.steps[1]).toMatchObject({ kind: 'expect', shows: 'symptom', targets: [{ matcher: { display: '+14085551005' } }] });
    // On 8.0(1), outside it: only the corrected behaviour, with ${cucm} substituted.
    expect([...later.defects]).toEqual(['LAB-CUP-CALENDAR-EMAIL']);
    expect(later.steps).toEqual([expect.objectContaining({ kind: 'expect', shows: 'fixed', targets: [expect.objectContaining({ matcher: { caller: '8.0(1)' } })] })]);
    expect(formatRef(later.steps[0]?.kind === 'expect' ? (later.steps[0].targets[0]?.ref ?? 'wire') : 'wire')).toBe('alice.oc');
    // The scenario itself is not changed.
    expect(s.steps[0]).toMatchObject({ args: { device: '${alice.device}' } });
    const step = s.steps[0];
    if (!step) throw new Error('missing step');
    expect(stepApplies(step, cellVersions(c.axes, lab.versions))).toBe(true);
    expect(stepApplies(step, cellVersions(later.axes, lab.versions))).toBe(false);
    expect(cellFolderName(c.id)).toBe('probe-axes__endpoint-7970-sip__cucm-7.0-2');
  });

  it('a scenario without axes is one cell named after it', () => {
    const s = scenarioFrom(
      ['id: probe-one', 'title: One', 'claims: [feature.dtmf]', 'lab: seed-lab', 'actors:', '  a: { endpoint: 7931-sccp }', 'steps:', '  - a.phone: offHook', '  - expect: { a.phone: { callState: offHook } }'].join('\n'),
    );
    const cells = expandScenario(s, lab, claims);
    expect(cells.map((c) => c.id)).toEqual(['probe-one']);
    expect(cells[0]?.actors.a?.userId).toBe('carol');
  });

  it('two actors on a lab with only one such phone is a located error', () => {
    const s = scenarioFrom(
      ['id: probe-two', 'title: Two', 'claims: [feature.dtmf]', 'lab: seed-lab', 'actors:', '  a: { endpoint: 7931-sccp }', '  b: { endpoint: 7931-sccp }', 'steps:', '  - a.phone: offHook', '  - expect: { a.phone: { callState: offHook } }'].join('\n'),
    );
    let error: unknown;
    try {
      expandScenario(s, lab, claims);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).line).toBe(7);
    expect((error as ScenarioError).message).toContain('has no free phone for endpoint "7931-sccp"');
  });

  it('expands an action on every instance that models it (the SIP load\'s CFwdAll soft key, docs/protocols/sip-phone-features.md §2)', () => {
    const s = scenarioFrom(
      ['id: probe-sip-fwd', 'title: SIP forward', 'claims: [feature.call-forwarding-basic]', 'lab: seed-lab', 'axes:', '  endpoint: [7975-sccp, 7970-sip]', 'actors:', '  a: { endpoint: "${endpoint}" }', '  b: { endpoint: "any" }', 'steps:', '  - a.phone: { forwardAll: b }', '  - expect: { a.phone: { forwardAll: "${b.dn}" } }'].join('\n'),
    );
    expect(expandScenario(s, lab, claims).map((c) => c.id)).toEqual(['probe-sip-fwd/endpoint=7975-sccp', 'probe-sip-fwd/endpoint=7970-sip']);
  });

  it('refuses a cell in which every expectation is left out by when', () => {
    const s = scenarioFrom(
      ['id: probe-when', 'title: When', 'claims: [feature.dtmf]', 'lab: seed-lab', 'axes:', "  cucm: ['7.0(2)', '8.0(1)']", 'actors:', '  a: { endpoint: 7931-sccp }', 'steps:', '  - a.phone: offHook', '  - expect: { a.phone: { callState: offHook } }', "    when: { cucm: ['7.0(2)'] }"].join('\n'),
    );
    expect(() => expandScenario(s, lab, claims)).toThrow(/cell probe-when\/cucm=8\.0\(1\) observes nothing at cucm 8\.0\(1\)/);
  });

  it('refuses bad configuration arguments once placeholders are bound', () => {
    const s = scenarioFrom(
      ['id: probe-conf', 'title: Conf', 'claims: [feature.dtmf]', 'lab: seed-lab', 'actors:', '  a: { endpoint: 7931-sccp }', 'steps:', '  - configure: { cucm.lines.setDirectoryNumber: { device: "${a.device}", line: 0, dn: "1" } }', '  - expect: { a.phone: { callState: idle } }'].join('\n'),
    );
    expect(() => expandScenario(s, lab, claims)).toThrow(/cucm\.lines\.setDirectoryNumber: line: /);
  });
});
