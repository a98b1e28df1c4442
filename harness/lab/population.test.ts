import path from 'node:path';
import { labSchema } from '../../simulators';
import { loadLab, loadLabById } from './load-lab';
import { EMAIL_SPECIAL_CHARACTERS, expandPopulation } from './population';

const scenariosDir = path.resolve(__dirname, '..', '..', 'scenarios');
const seed = loadLabById('seed-lab', scenariosDir);
const withPopulation = (users: number, s: number, extra: Record<string, unknown> = {}) =>
  expandPopulation({ ...seed, population: { users, seed: s, pools: 2, emailSpecialCharacterRate: 0.25, firstNumber: '+14085560000', ...extra } });

describe('a generated population', () => {
  it('is a function of the seed: the same seed gives the same lab, another seed another', () => {
    expect(withPopulation(300, 7)).toEqual(withPopulation(300, 7));
    expect(withPopulation(300, 8).ocs.users.map((u) => u.displayName)).not.toEqual(withPopulation(300, 7).ocs.users.map((u) => u.displayName));
  });

  it('is a valid lab: every reference the schema checks holds, every user is configured as the seed says', () => {
    const lab = withPopulation(300, 7);
    const parsed = labSchema.safeParse(lab);
    expect(parsed.success ? [] : parsed.error.issues.slice(0, 3)).toEqual([]);
    expect(lab.ocs.users).toHaveLength(seed.ocs.users.length + 300);
    const last = lab.ocs.users.at(-1);
    expect(last).toMatchObject({ pool: 'gen-pool2', rcc: { enabled: true, serverUri: 'sip:cup.uc.lab', lineUri: 'tel:+14085560299' } });
    const endUser = lab.cucm.endUsers.find((u) => u.userId === last?.id);
    expect(endUser?.groups).toContain('Standard CTI Enabled');
    expect(lab.cucm.applicationUsers[0]?.controlledDevices).toContain(endUser?.associatedDevices[0]);
    expect(lab.cup.acl.incoming).toEqual(expect.arrayContaining(['gen-pool1.uc.lab', 'gen-pool2.uc.lab']));
    expect(lab.cup.users.find((u) => u.userId === last?.id)).toMatchObject({ deskphoneControl: true });
  });

  it('follows the model mix, and puts the calendaring note’s characters in the share of e-mail addresses asked for', () => {
    const lab = withPopulation(400, 7, { models: { '7975-sccp': 3, '7970-sip': 1 } });
    const generated = lab.cucm.phones.slice(seed.cucm.phones.length);
    expect(new Set(generated.map((p) => p.endpoint))).toEqual(new Set(['7975-sccp', '7970-sip']));
    expect(generated.filter((p) => p.endpoint === '7975-sccp').length).toBeGreaterThan(250);
    const special = lab.cucm.endUsers.slice(seed.cucm.endUsers.length).filter((u) => EMAIL_SPECIAL_CHARACTERS.some((c) => (u.email ?? '').split('@')[0]?.includes(c)));
    expect(special.length).toBeGreaterThan(60);
    expect(special.length).toBeLessThan(140);
  });

  it('loads from a lab file that extends the seed lab', () => {
    const lab = loadLab(path.join(scenariosDir, 'labs', 'scale', 'population-1k.yaml'));
    expect(lab.id).toBe('population-1k');
    expect(lab.cucm.phones).toHaveLength(1005);
    expect(Object.keys(lab.hosts)).toHaveLength(Object.keys(seed.hosts).length + 2 * 1000 + 1);
  });
});
