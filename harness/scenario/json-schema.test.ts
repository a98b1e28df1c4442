import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labJsonSchema, scenarioJsonSchema, schemaFileText } from './json-schema';

const scenariosDir = path.resolve(__dirname, '..', '..', 'scenarios');
const files = [
  { file: path.join(scenariosDir, 'scenario.schema.json'), make: scenarioJsonSchema },
  { file: path.join(scenariosDir, 'lab.schema.json'), make: labJsonSchema },
];

describe('published JSON Schemas', () => {
  // Regenerate with: UPDATE_SCHEMAS=1 npx jest harness/scenario/json-schema
  it.each(files)('$file is up to date', ({ file, make }) => {
    const text = schemaFileText(make());
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(file, text);
    expect(existsSync(file)).toBe(true);
    const committed = readFileSync(file, 'utf8');
    if (committed !== text) {
      throw new Error(`${path.basename(file)} is stale: run UPDATE_SCHEMAS=1 npx jest harness/scenario/json-schema`);
    }
  });

  it('describes steps with actor-keyed patternProperties', () => {
    const json = JSON.stringify(scenarioJsonSchema());
    expect(json).toContain('"^[A-Za-z][A-Za-z0-9_]*\\\\.oc$"');
    expect(json).toContain('"makeCall"');
    expect(json).toContain('"EstablishedEvent"');
    expect(json).toContain('"ringIn"');
  });

  it('the committed scenarios point editors at the schema', () => {
    for (const f of ['features/basic-call.yaml', 'features/incoming-call-answer.yaml']) {
      expect(readFileSync(path.join(scenariosDir, f), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/scenario\.schema\.json/);
    }
    expect(readFileSync(path.join(scenariosDir, 'labs', 'seed-lab.yaml'), 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/lab\.schema\.json/);
  });
});
