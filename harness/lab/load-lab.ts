import { existsSync } from 'node:fs';
import path from 'node:path';
import { LabFileError } from '../scenario/scenario-error';
import { displayFile, YamlSource } from '../scenario/yaml-source';
import { labSchema, type Lab } from '../../simulators';

/** Load and validate a lab file; problems throw LabFileError (code UC_LAB) with file:line:column. */
export function loadLab(file: string): Lab {
  const source = YamlSource.fromFile(file, 'lab');
  return source.parse(labSchema);
}

/** Load `<scenariosDir>/labs/<id>.yaml` and check that its `id` is `id`. */
export function loadLabById(id: string, scenariosDir: string): Lab {
  const file = path.join(scenariosDir, 'labs', `${id}.yaml`);
  if (!existsSync(file)) {
    throw new LabFileError({ file: displayFile(file), line: 1, column: 1, yamlPath: '', problem: `no lab named "${id}"` });
  }
  const lab = loadLab(file);
  if (lab.id !== id) {
    const source = YamlSource.fromFile(file, 'lab');
    throw source.error(['id'], `lab id "${lab.id}" does not match its file name`, { expected: [id] });
  }
  return lab;
}
