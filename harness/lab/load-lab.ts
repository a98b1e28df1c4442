import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LabFileError } from '../scenario/scenario-error';
import { displayFile, YamlSource } from '../scenario/yaml-source';
import { labSchema, type Lab } from '../../simulators';
import { expandPopulation } from './population';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A lab file's value with `extends: <lab id>` resolved: the named lab (in the same folder, else the folder above)
 * with this file's top-level sections in place of its own.
 */
function resolvedValue(source: YamlSource, seen: readonly string[]): unknown {
  const value = source.value;
  if (!isRecord(value) || value.extends === undefined) return value;
  const base = value.extends;
  const dir = path.dirname(source.file);
  const candidates = typeof base === 'string' ? [path.join(dir, `${base}.yaml`), path.join(dir, '..', `${base}.yaml`)] : [];
  const file = candidates.find((f) => existsSync(f));
  if (typeof base !== 'string' || !file) throw source.error(['extends'], `extends names no lab in ${dir} or the folder above`, { ...(typeof base === 'string' ? { given: base } : {}) });
  if (seen.includes(file)) throw source.error(['extends'], `labs extend each other in a circle: ${[...seen, file].join(' → ')}`);
  const parent = resolvedValue(YamlSource.fromFile(file, 'lab'), [...seen, file]);
  const { extends: _base, ...own } = value;
  return isRecord(parent) ? { ...parent, ...own } : own;
}

/**
 * Load and validate a lab file (following `extends`), then build its generated population, if it has one;
 * problems throw LabFileError (code UC_LAB) with file:line:column.
 */
export function loadLab(file: string): Lab {
  const source = YamlSource.fromFile(file, 'lab');
  return expandPopulation(source.parseValue(labSchema, resolvedValue(source, [path.resolve(file)])));
}

/** Load `<scenariosDir>/labs/<id>.yaml` and check that its `id` is `id`. */
export function loadLabById(id: string, scenariosDir: string): Lab {
  const labs = path.join(scenariosDir, 'labs');
  // scenarios/labs/<id>.yaml, else a lab in one of its folders (labs/scale/ holds the generated populations).
  const nested = existsSync(labs) ? readdirSync(labs, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(labs, e.name, `${id}.yaml`)) : [];
  const file = [path.join(labs, `${id}.yaml`), ...nested].find((f) => existsSync(f)) ?? path.join(labs, `${id}.yaml`);
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
