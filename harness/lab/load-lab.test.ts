import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LabFileError } from '../scenario/scenario-error';
import { ENDPOINTS } from '../../simulators';
import { loadLab, loadLabById } from './load-lab';

const scenariosDir = path.resolve(__dirname, '..', '..', 'scenarios');
const seedFile = path.join(scenariosDir, 'labs', 'seed-lab.yaml');
const seedText = readFileSync(seedFile, 'utf8');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** The seed lab with `from` replaced by `to` (which must occur exactly once). Returns the file and the 1-based line of the change. */
function mutated(from: string, to: string): { file: string; line: number } {
  const at = seedText.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(seedText.indexOf(from, at + 1)).toBe(-1);
  const file = path.join(tmp, `lab${n++}.yaml`);
  writeFileSync(file, seedText.slice(0, at) + to + seedText.slice(at + from.length));
  return { file, line: seedText.slice(0, at).split('\n').length };
}

function labError(file: string): LabFileError {
  try {
    loadLab(file);
  } catch (e) {
    if (e instanceof LabFileError) {
      expect(e.code).toBe('UC_LAB');
      expect(e.message).toContain(`${path.basename(file)}:${e.line}:${e.column}: `);
      return e;
    }
    throw e;
  }
  throw new Error('expected a LabFileError');
}

describe('seed-lab.yaml', () => {
  const lab = loadLabById('seed-lab', scenariosDir);

  it('holds the interop test bed', () => {
    expect(lab.versions).toMatchObject({ cucm: '7.0(2)', cup: '7.0(3)', cupE164RccPatch: true, ocs: '2007 R2', oc: '2007 R2' });
    expect(lab.domain).toBe('uc.lab');
    expect(lab.ocs.pools.map((p) => [p.name, p.fqdn, lab.hosts[p.host]])).toEqual([
      ['pool1', 'pool1.uc.lab', '192.0.2.11'],
      ['pool2', 'pool2.uc.lab', '192.0.2.12'],
    ]);
    expect(lab.cucm.phones.map((p) => p.endpoint)).toEqual([...ENDPOINTS]);
    expect(lab.ocs.users.map((u) => u.id)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(new Set(lab.ocs.users.map((u) => u.pool))).toEqual(new Set(['pool1', 'pool2']));
    expect(lab.cucm.endUsers.map((u) => u.primaryExtension)).toEqual(['+14085551001', '+14085551002', '+14085551003', '+14085551004', '+14085551005']);
    expect(lab.cup.deskphoneControl.applicationUser).toBe(lab.cucm.applicationUsers[0]?.userId);
    expect(lab.cucm.applicationUsers[0]?.controlledDevices).toHaveLength(5);
    for (const addr of Object.values(lab.hosts)) expect(addr).toMatch(/^192\.0\.2\.\d+$/);
  });

  it('applies defaults', () => {
    expect(lab.dns.srv[0]).toMatchObject({ priority: 0 });
    expect(lab.cucm.endUsers[0]?.controlledProfiles).toEqual([]);
  });
});

describe('lab errors name file:line:column', () => {
  it('a user on a pool that does not exist', () => {
    const { file, line } = mutated('      pool: pool2\n      rcc: { enabled: true, serverUri: sip:cup.uc.lab, lineUri: tel:+14085551003 }', '      pool: pool3\n      rcc: { enabled: true, serverUri: sip:cup.uc.lab, lineUri: tel:+14085551003 }');
    const e = labError(file);
    expect([e.line, e.column]).toEqual([line, 13]);
    expect(e.yamlPath).toBe('ocs.users[2].pool');
    expect(e.message).toContain('pool "pool3" does not exist; expected one of: pool1, pool2');
  });

  it('a phone on a host that does not exist', () => {
    const { file, line } = mutated('host: phone-7931-sccp', 'host: phone-7931');
    const e = labError(file);
    expect([e.line, e.column]).toEqual([line, 13]);
    expect(e.message).toContain('host "phone-7931" does not exist');
    expect(e.suggestion).toBe('phone-7931-sccp');
  });

  it('an end user associated with a device that does not exist', () => {
    const { file, line } = mutated('associatedDevices: [SEP00000000D970]', 'associatedDevices: [SEP00000000D971]');
    const e = labError(file);
    expect([e.line, e.column]).toEqual([line, 27]);
    expect(e.yamlPath).toBe('cucm.endUsers[3].associatedDevices[0]');
    expect(e.expected).toContain('SEP00000000D970');
  });

  it('a CUP application user unknown to CUCM', () => {
    const { file, line } = mutated('    applicationUser: CUPAppUser', '    applicationUser: CupAppUser');
    const e = labError(file);
    expect([e.line, e.column]).toEqual([line, 22]);
    expect(e.message).toContain('CUCM application user "CupAppUser" does not exist; expected one of: CUPAppUser');
  });

  it('a real network address', () => {
    const { file, line } = mutated('cup: 192.0.2.20', 'cup: 10.0.0.20');
    const e = labError(file);
    expect([e.line, e.column]).toEqual([line, 8]);
    expect(e.message).toContain('RFC 5737');
  });

  it('an unknown key, with the allowed keys', () => {
    const { file, line } = mutated('  publisher: cucm', '  publsher: cucm');
    const e = labError(file);
    expect([e.line, e.column]).toEqual([line, 3]);
    expect(e.message).toContain('unknown key "publsher"');
    expect(e.suggestion).toBe('publisher');
  });

  it('two front ends whose hosts are not listed', () => {
    const { file } = mutated('      host: ocs-pool2\n      frontEnds: 1', '      host: ocs-pool2\n      frontEnds: 2');
    const e = labError(file);
    expect(e.yamlPath).toBe('ocs.pools[1].frontEndHosts');
    expect(e.message).toContain('list their hosts in frontEndHosts');
  });

  it('a load balancer needs front ends of other hosts', () => {
    const { file } = mutated('      host: ocs-pool2\n      frontEnds: 1\n      loadBalancer: false', '      host: ocs-pool2\n      frontEnds: 1\n      loadBalancer: true');
    const e = labError(file);
    expect(e.yamlPath).toBe('ocs.pools[1].frontEndHosts');
    expect(e.message).toContain('has a load balancer on ocs-pool2');
  });

  it('a password mismatch is a product misconfiguration, not a lab error', () => {
    const { file } = mutated('    password: Cisco-RCC-1\n    ctiManagers', '    password: wrong\n    ctiManagers');
    expect(loadLab(file).cup.deskphoneControl.password).toBe('wrong');
  });

  it('loadLabById: unknown id', () => {
    expect(() => loadLabById('no-such-lab', scenariosDir)).toThrow(/no lab named "no-such-lab"/);
  });
});
