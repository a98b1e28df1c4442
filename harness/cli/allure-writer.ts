import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { renderAllure } from '../../reports';
import type { Results } from '../run/results';
import { writeAtomic } from '../run/run-matrix';

/** What an earlier `--allure` run left in the folder (and nothing else of what may be there). */
const OURS = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-.*(result\.json|attachment\.\w+)|categories\.json|environment\.properties)$/;

/**
 * `uc-lab matrix --allure DIR`: the run as an Allure results folder (reports/allure.ts), its attachments copied from
 * the cells' evidence under `outDir`; `allure generate DIR` makes the report. Returns the number of results written.
 */
export function writeAllure(dir: string, results: Results, outDir: string): number {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (OURS.test(name)) rmSync(path.join(dir, name), { force: true });
  const { files, attachments } = renderAllure(results);
  for (const [name, text] of files) writeAtomic(path.join(dir, name), text);
  for (const a of attachments) {
    const from = path.join(outDir, a.from);
    if (existsSync(from)) copyFileSync(from, path.join(dir, a.source));
  }
  return results.cells.length;
}
