import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expandScenario } from './expand-axes';
import { loadClaims } from './load-claims';
import { loadScenario, loadScenarioDir } from './load-scenario';
import { loadLabById } from '../lab/load-lab';
import { LINT_ONLY } from '../lab/lint-only';
import { ScenarioError } from './scenario-error';
import { formatRef, type ActionStep, type AwaitStep } from './scenario-schema';

const repoRoot = path.resolve(__dirname, '..', '..');
const scenariosDir = path.join(repoRoot, 'scenarios');
const claims = loadClaims(path.join(scenariosDir, 'claims.yaml'));
const labs = new Map([['seed-lab', loadLabById('seed-lab', scenariosDir)]]);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'uc-scenario-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A valid scenario; tests break one line of it. Line numbers below are 1-based in this text. */
const BASE = [
  'id: probe', //                                          1
  'title: Probe', //                                       2
  'claims: [feature.basic-call-placement-clearing]', //    3
  'lab: seed-lab', //                                      4
  'axes:', //                                              5
  '  endpoint: [7975-sccp, 7970-sip]', //                  6
  'actors:', //                                            7
  '  alice: { endpoint: "${endpoint}", oc: true }', //     8
  '  bob: { endpoint: "any" }', //                         9
  'steps:', //                                             10
  '  - alice.oc: signIn', //                               11
  '  - alice.oc: { makeCall: bob }', //                    12
  '  - await: { bob.phone: { callState: ringIn }, within: 5s }', // 13
  '  - bob.phone: answer', //                              14
  '  - wait: 2s', //                                       15
].join('\n');

let n = 0;
function write(text: string): string {
  const file = path.join(tmp, `s${n++}.yaml`);
  writeFileSync(file, text);
  return file;
}

function withLine(line: number, text: string): string {
  const lines = BASE.split('\n');
  lines[line - 1] = text;
  return lines.join('\n');
}

function loadError(text: string): ScenarioError {
  const file = write(text);
  try {
    loadScenario(file, { claims, labs });
  } catch (e) {
    if (e instanceof ScenarioError) {
      expect(e.code).toBe('UC_SCENARIO');
      expect(e.message).toContain(`${path.basename(file)}:${e.line}:${e.column}: `);
      expect(e.message).not.toMatch(/\n\s+at /);
      return e;
    }
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('loadScenario: the committed scenarios', () => {
  it('loads features/basic-call.yaml into typed steps with locations', () => {
    const s = loadScenario(path.join(scenariosDir, 'features', 'basic-call.yaml'), { claims, labs });
    expect(s.id).toBe('rcc-basic-call');
    expect(s.claims).toEqual(['feature.basic-call-placement-clearing']);
    expect(s.axes.endpoint).toEqual(['7975-sccp', '7971-sip', '7931-sccp', '7970-sccp', '7970-sip']);
    expect(s.actors.alice).toMatchObject({ endpoint: '${endpoint}', oc: true });
    const first = s.steps[0] as ActionStep;
    expect(first).toMatchObject({ kind: 'action', ref: { kind: 'actor', actor: 'alice', surface: 'oc' }, action: 'signIn' });
    expect(first.loc).toMatchObject({ path: 'steps[0]', column: 5 });
    expect(first.loc.file).toMatch(/basic-call\.yaml$/);
    const call = s.steps.find((st): st is ActionStep => st.kind === 'action' && st.action === 'makeCall');
    expect(call?.arg).toBe('bob');
    const ring = s.steps.find((st): st is AwaitStep => st.kind === 'await' && st.targets.some((t) => t.matcher.callState === 'ringIn'));
    expect(ring?.withinMs).toBe(5000);
    expect(ring?.targets.map((t) => formatRef(t.ref))).toEqual(['bob.phone', 'alice.phone']);
    expect(ring?.targets[0]?.loc.path).toMatch(/^steps\[\d+\]\.await\.bob\.phone$/);
    const events = s.steps.flatMap((st) => (st.kind === 'await' ? st.targets.map((t) => t.matcher.event) : [])).filter(Boolean);
    expect(events).toEqual(['DeliveredEvent', 'EstablishedEvent', 'ConnectionClearedEvent']);
  });

  it('loads features/incoming-call-answer.yaml', () => {
    const s = loadScenario(path.join(scenariosDir, 'features', 'incoming-call-answer.yaml'), { claims, labs });
    expect(s.id).toBe('rcc-incoming-call-answer');
    const actions = s.steps.filter((st): st is ActionStep => st.kind === 'action').map((a) => `${formatRef(a.ref)}:${a.action}${a.arg !== undefined ? `(${String(a.arg)})` : ''}`);
    expect(actions).toEqual(['alice.oc:signIn', 'bob.phone:offHook', 'bob.phone:dial(alice)', 'alice.oc:answerCall', 'bob.phone:hangUp']);
  });

  it('loads the whole scenarios folder', () => {
    const set = loadScenarioDir(scenariosDir);
    expect(set.scenarios.map((s) => s.id).sort()).toEqual(expect.arrayContaining(['rcc-basic-call', 'rcc-incoming-call-answer']));
    expect([...set.labs.keys()]).toContain('seed-lab');
    expect(set.claims.length).toBeGreaterThan(100);
    expect(set.errors).toEqual([]);
    for (const s of set.scenarios) {
      const lab = set.labs.get(s.lab);
      if (!lab) throw new Error(`no lab ${s.lab}`);
      const cells = expandScenario(s, lab, set.claims);
      const product = Object.values(s.axes).reduce((n, values) => n * values.length, 1);
      expect(cells).toHaveLength(product);
      for (const c of cells) expect(Object.values(c.actors).every((a) => a.device !== undefined)).toBe(true);
    }
  });

  it('accepts the base fixture, configure steps with placeholders, and when', () => {
    const text = `${BASE}\n  - configure: { cucm.lines.setDirectoryNumber: { device: "\${alice.device}", line: 1, dn: "+14085559999" } }\n    when: { cucm: ['7.0(2)'] }\n  - expect: { alice.phone: { display: "\${bob.dn}", line: 1 } }\n`;
    const s = loadScenario(write(text), { claims, labs });
    const conf = s.steps[5];
    expect(conf).toMatchObject({ kind: 'configure', target: 'cucm.lines.setDirectoryNumber', when: { cucm: ['7.0(2)'] } });
    expect(conf?.loc.line).toBe(16);
    expect(s.steps[4]).toMatchObject({ kind: 'wait', ms: 2000 });
  });
});

describe('loadScenario: network faults', () => {
  const memoryOnly = (steps: string) => `${withLine(4, 'lab: seed-lab\nruntimes: [memory]')}\n${steps}\n`;

  it('takes loss on every link, a partition between two hosts and its heal, in memory', () => {
    const s = loadScenario(write(memoryOnly('  - network: { loss: 5% }\n  - network: { partition: [ocs-pool1, cup] }\n  - network: { heal: [ocs-pool1, cup] }\n  - network: { loss: 0 }')), { claims, labs });
    expect(s.steps.slice(5).map((step) => (step.kind === 'network' ? step.fault : step.kind))).toEqual([{ loss: 0.05 }, { partition: ['ocs-pool1', 'cup'] }, { heal: ['ocs-pool1', 'cup'] }, { loss: 0 }]);
  });

  it('refuses a fault in a scenario that also runs on real sockets (not modelled there)', () => {
    const e = loadError(`${BASE}\n  - network: { partition: [ocs-pool1, cup] }\n`);
    expect(e.message).toContain('not modelled: network faults are simulated only in memory');
  });

  it('refuses an unknown host, one host twice and a loss rate of 1 or more', () => {
    expect(loadError(memoryOnly('  - network: { partition: [ocs-pool1, nosuch] }')).message).toContain('expected two different lab hosts');
    expect(loadError(memoryOnly('  - network: { heal: [cup, cup] }')).message).toContain('expected two different lab hosts');
    expect(loadError(memoryOnly('  - network: { loss: 100% }')).message).toContain('bad loss rate');
  });
});

describe('loadScenario: errors name file:line:column and the allowed words', () => {
  it('misspelled action', () => {
    const e = loadError(withLine(11, '  - alice.oc: signIm'));
    expect([e.line, e.column]).toEqual([11, 15]);
    expect(e.yamlPath).toBe('steps[0].alice.oc');
    expect(e.message).toContain(':11:15: steps[0]: unknown action "signIm" for alice.oc; expected one of: signIn, signOut, makeCall');
    expect(e.message).toContain('(did you mean signIn?)');
    expect(e.expected).toContain('clearConnection');
  });

  it('misspelled action with an argument points at the action word', () => {
    const e = loadError(withLine(12, '  - alice.oc: { makeCal: bob }'));
    expect([e.line, e.column]).toEqual([12, 17]);
    expect(e.message).toContain('unknown action "makeCal" for alice.oc');
    expect(e.suggestion).toBe('makeCall');
  });

  it('unknown actor', () => {
    const e = loadError(withLine(14, '  - carol.phone: answer'));
    expect([e.line, e.column]).toEqual([14, 5]);
    expect(e.message).toContain('unknown actor "carol"');
    expect(e.expected).toEqual(['alice', 'bob']);
  });

  it('unknown actor as a call target', () => {
    const e = loadError(withLine(12, '  - alice.oc: { makeCall: bbo }'));
    expect([e.line, e.column]).toEqual([12, 27]);
    expect(e.message).toContain('"bbo" is neither an actor nor a dial string');
    expect(e.suggestion).toBe('bob');
  });

  it('OC action for an actor without OC', () => {
    const e = loadError(withLine(14, '  - bob.oc: signIn'));
    expect(e.line).toBe(14);
    expect(e.message).toContain('actor "bob" has no Office Communicator');
  });

  it('unknown matcher value', () => {
    const e = loadError(withLine(13, '  - await: { bob.phone: { callState: ringing }, within: 5s }'));
    expect([e.line, e.column]).toEqual([13, 38]);
    expect(e.yamlPath).toBe('steps[2].await.bob.phone.callState');
    expect(e.message).toContain('"ringing" is not a value of callState; expected one of: idle, offHook, dialing, ringOut, ringIn, connected, hold, busy');
  });

  it('unknown matcher key', () => {
    const e = loadError(withLine(13, '  - await: { bob.phone: { calState: ringIn }, within: 5s }'));
    expect([e.line, e.column]).toEqual([13, 27]);
    expect(e.message).toContain('unknown observation "calState" of bob.phone');
    expect(e.message).toContain('(did you mean callState?)');
    expect(e.expected).toEqual(['callState', 'ringer', 'lamp', 'display', 'forwardAll', 'digits', 'registered', 'screen', 'dnd', 'line', 'dn']);
  });

  it('bad duration', () => {
    const e = loadError(withLine(13, '  - await: { bob.phone: { callState: ringIn }, within: 5 seconds }'));
    expect([e.line, e.column]).toEqual([13, 56]);
    expect(e.message).toContain('bad duration "5 seconds"');
    expect(e.expected.join(' ')).toContain('5s');
    const w = loadError(withLine(15, '  - wait: 2'));
    expect([w.line, w.column]).toEqual([15, 11]);
  });

  it('unknown step kind', () => {
    const e = loadError(withLine(15, '  - wiat: 2s'));
    expect([e.line, e.column]).toEqual([15, 5]);
    expect(e.message).toContain('unknown step "wiat"');
    expect(e.expected).toEqual(expect.arrayContaining(['await', 'expect', 'configure', 'wait', 'alice.oc', 'alice.phone', 'bob.phone']));
    expect(e.suggestion).toBe('wait');
  });

  it('YAML syntax error', () => {
    const e = loadError(withLine(12, '  - alice.oc: { makeCall: bob'));
    expect(e.line).toBeGreaterThanOrEqual(12);
    expect(e.message).toMatch(/YAML syntax error/);
    expect(e.message).toMatch(/s\d+\.yaml:\d+:\d+: /);
  });

  it('unknown top-level key, with the allowed keys', () => {
    const e = loadError(withLine(4, 'labb: seed-lab'));
    expect([e.line, e.column]).toEqual([4, 1]);
    expect(e.message).toContain('unknown key "labb"');
    expect(e.expected).toEqual(expect.arrayContaining(['id', 'title', 'claims', 'lab', 'axes', 'actors', 'steps']));
  });

  it('unknown claim and unknown lab', () => {
    const c = loadError(withLine(3, 'claims: [feature.basic-call-placement]'));
    expect([c.line, c.column]).toEqual([3, 10]);
    expect(c.suggestion).toBe('feature.basic-call-placement-clearing');
    const l = loadError(withLine(4, 'lab: seed-lba'));
    expect([l.line, l.column]).toEqual([4, 6]);
    expect(l.expected).toEqual(['seed-lab']);
  });

  it('unknown endpoint and undefined axis', () => {
    const e = loadError(withLine(6, '  endpoint: [7975-sccp, 7960-sccp]'));
    expect([e.line, e.column]).toEqual([6, 25]);
    expect(e.message).toContain('unknown endpoint "7960-sccp"');
    const a = loadError(withLine(8, '  alice: { endpoint: "${phone}", oc: true }'));
    expect(a.line).toBe(8);
    expect(a.message).toContain('${phone} names no axis');
  });
});

describe('loadScenario: wire expectations', () => {
  it('parses a wire target beside actor targets', () => {
    const file = write(withLine(15, "  - expect: { wire: { from: cup, to: alice.phone, protocol: CTI, message: '^MakeCall' }, bob.phone: { callState: idle } }"));
    const scenario = loadScenario(file, { claims, labs });
    const step = scenario.steps[4];
    expect(step?.kind).toBe('expect');
    if (step?.kind !== 'expect') return;
    expect(step.targets[0]).toMatchObject({ ref: 'wire', matcher: { from: 'cup', to: 'alice.phone', protocol: 'CTI', message: '^MakeCall' } });
  });

  it('rejects a message that is not a regular expression, at its line and column', () => {
    const e = loadError(withLine(15, "  - expect: { wire: { message: 'INVITE (' } }"));
    expect(e.line).toBe(15);
    expect(e.message).toMatch(/not a regular expression/);
  });

  it('rejects an unknown wire field and an unknown actor reference with the allowed words', () => {
    const field = loadError(withLine(15, '  - expect: { wire: { form: cup } }'));
    expect(field.expected).toEqual(['from', 'to', 'protocol', 'message']);
    const actor = loadError(withLine(15, '  - expect: { wire: { to: carol.phone } }'));
    expect(actor.expected).toContain('alice.phone');
  });
});

describe('loadScenario: what a cell may claim', () => {
  it('refuses a scenario that only acts and observes nothing', () => {
    const text = BASE.split('\n').filter((_l, i) => i + 1 !== 13).join('\n');
    const e = loadError(text);
    expect(e.message).toMatch(/no expectation evidences "feature.basic-call-placement-clearing"/);
  });

  it('refuses a listed claim that no expectation evidences, at the claim', () => {
    const e = loadError(withLine(3, 'claims: [feature.basic-call-placement-clearing, feature.call-hold-retrieval]'));
    expect([e.line, e.column]).toEqual([3, 49]);
    expect(e.message).toContain('no expectation evidences "feature.call-hold-retrieval"');
  });

  it('accepts it once an expectation names it', () => {
    const text = `${withLine(3, 'claims: [feature.basic-call-placement-clearing, feature.call-hold-retrieval]')}\n  - expect: { bob.phone: { callState: connected } }\n    claims: [feature.call-hold-retrieval]\n`;
    const s = loadScenario(write(text), { claims, labs });
    const last = s.steps.at(-1);
    expect(last).toMatchObject({ kind: 'expect', claims: ['feature.call-hold-retrieval'] });
    expect(s.steps[2]).toMatchObject({ kind: 'await', claims: ['feature.basic-call-placement-clearing'] });
  });

  it('refuses an expectation naming a claim the scenario does not list', () => {
    const e = loadError(`${BASE}\n  - expect: { bob.phone: { callState: connected } }\n    claims: [feature.dtmf]\n`);
    expect(e.message).toContain('"feature.dtmf" is not one of the scenario\'s claims');
  });

  it('refuses "shows" on a claim that names no defect range, and "claims" on an action', () => {
    const e = loadError(`${BASE}\n  - expect: { bob.phone: { callState: connected } }\n    shows: symptom\n`);
    expect(e.message).toMatch(/names no defect range/);
    const a = loadError(`${BASE}\n  - bob.phone: hangUp\n    claims: [feature.basic-call-placement-clearing]\n`);
    expect(a.message).toMatch(/"claims" belongs to an await or expect step/);
  });

  it('refuses a known issue whose expectations do not say which side they show', () => {
    const e = loadError(withLine(3, 'claims: [known-issue.CSCsy62620]'));
    expect(e.message).toMatch(/tag its expectations "shows: symptom" or "shows: fixed"/);
  });

  it('refuses an unknown release in an axis and in when, with the releases', () => {
    const axis = loadError(`${withLine(6, "  cucm: ['7.0(2)', banana]")}\n`);
    expect(axis.message).toContain('unknown release of cucm "banana"');
    expect(axis.expected).toEqual(['6.1(2)', '6.1(3)', '7.0(1)', '7.0(2)', '7.1(2)', '7.1(3)', '8.0(1)']);
    const when = loadError(`${BASE}\n  - expect: { bob.phone: { callState: connected } }\n    when: { cucm: ['7.2(1)'] }\n`);
    expect(when.message).toContain('"7.2(1)" is not a release of cucm');
  });

  it('refuses matchers that cannot fail', () => {
    const wire = loadError(withLine(15, "  - expect: { wire: { message: '.*' } }"));
    expect(wire.message).toContain('matches every message, so it cannot fail');
    const display = loadError(withLine(15, "  - expect: { bob.phone: { display: '' } }"));
    expect(display.message).toContain('cannot fail');
    const selectorOnly = loadError(withLine(15, '  - expect: { bob.phone: { line: 1 } }'));
    expect(selectorOnly.message).toContain('nothing to observe');
  });

  it('refuses a claim resting on lab fields no simulator reads, as not modelled', () => {
    // No claim rests on a lint-only field today: one is made to, for this test.
    const field = 'ocs.pools[].hostAuthorizations[].throttleAsServer';
    const entries = LINT_ONLY as Record<string, { claims: readonly string[]; why: string }>;
    const saved = entries[field];
    entries[field] = { claims: ['caveat.load-balancer-multiple-front-ends'], why: 'throttling is not modelled' };
    try {
      const e = loadError(`${withLine(3, 'claims: [feature.basic-call-placement-clearing, caveat.load-balancer-multiple-front-ends]')}\n  - expect: { bob.phone: { callState: connected } }\n    claims: [caveat.load-balancer-multiple-front-ends]\n`);
      expect(e.message).toContain(`not modelled: "caveat.load-balancer-multiple-front-ends" rests on lab fields no simulator reads yet (${field})`);
    } finally {
      if (saved) entries[field] = saved;
    }
  });

  it('refuses an unknown configuration operation at load, with the operations there are', () => {
    const e = loadError(withLine(15, '  - configure: { cucm.phones.explode: { device: SEP00000000A975 } }'));
    expect(e.message).toContain('"cucm.phones.explode" is not a configuration operation of the lab');
    expect(e.expected).toContain('cucm.lines.setDirectoryNumber');
  });

  it('observes a lab host by name (CUP, a pool front end)', () => {
    const s = loadScenario(write(withLine(15, '  - expect: { cup: { user: alice, rccSession: active }, ocs-pool1: { user: alice, registrations: 1 } }')), { claims, labs });
    const step = s.steps[4];
    expect(step?.kind === 'expect' && step.targets.map((t) => formatRef(t.ref))).toEqual(['cup', 'ocs-pool1']);
    const e = loadError(withLine(15, '  - expect: { cup: { registrations: 1 } }'));
    expect(e.message).toContain('unknown observation "registrations" of cup');
  });
});

describe('loadScenarioDir: one bad file', () => {
  it('is listed with file:line:column; every other file still loads', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-dir-'));
    const { cpSync } = jest.requireActual<typeof import('node:fs')>('node:fs');
    cpSync(scenariosDir, dir, { recursive: true });
    writeFileSync(path.join(dir, 'features', 'zz-bad.yaml'), withLine(11, '  - alice.oc: dance'));
    const good = loadScenarioDir(scenariosDir);
    const set = loadScenarioDir(dir);
    expect(set.scenarios).toHaveLength(good.scenarios.length);
    expect(set.errors).toHaveLength(1);
    expect(set.errors[0]).toMatchObject({ line: 11, column: 15 });
    expect(set.errors[0]?.message).toMatch(/zz-bad\.yaml:11:15: .*unknown action "dance"/);
    rmSync(dir, { recursive: true, force: true });
  });
});
