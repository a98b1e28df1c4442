import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { labFieldProblems, labFieldTable, measuredLab } from '../lab/lab-fields';
import { loadLabById } from '../lab/load-lab';
import { README_WORDS, generatedFiles } from './generated-docs';

const repoRoot = path.resolve(__dirname, '..', '..');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('generated documents', () => {
  it.each(generatedFiles(repoRoot, readme).map((f) => [path.relative(repoRoot, f.file), f] as const))('%s is up to date (npm run docs)', (_name, { file, text }) => {
    expect(existsSync(file)).toBe(true);
    if (readFileSync(file, 'utf8') !== text) throw new Error(`${path.relative(repoRoot, file)} is stale: run npm run docs`);
  });

  it('README has the generated word lists', () => {
    expect(readme).toMatch(README_WORDS);
  });
});

describe('lab fields', () => {
  const rows = labFieldTable(measuredLab(loadLabById('seed-lab', path.join(repoRoot, 'scenarios'))));

  it('every field of the lab schema has a consumer (a simulator, the composition, or lint-only)', () => {
    expect(labFieldProblems(rows)).toEqual([]);
  });

  it('the measurement is real: the doctor and the simulators are seen reading', () => {
    const by = (field: string) => rows.find((r) => r.field === field)?.consumers ?? [];
    expect(by('cucm.phones[].lines[].maxCalls')).toEqual(['cucm']);
    expect(by('cup.deskphoneControl.password')).toEqual(['cup', 'doctor']);
    expect(by('versions.oc')).toEqual(['oc']);
    expect(by('ocs.pools[].loadBalancer')).toContain('load-balancer');
    expect(by('ocs.pools[].frontEndHosts')).toContain('ocs');
    expect(by('ocs.pools[].normalizationRules[].pattern')).toEqual(['oc', 'doctor']);
    expect(by('cucm.endUsers[].licenseCapabilities')).toEqual(['cucm', 'cup', 'doctor']);
    expect(by('cucm.meetMeNumbers[].number')).toContain('cucm');
  });
});
