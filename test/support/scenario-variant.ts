import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scenariosDir } from './matrix';

/**
 * Copies of scenarios/ with some files rewritten, removed after the test file's last test. An edit that
 * changes nothing throws, so a test never passes against the unedited scenarios by accident.
 */
export function scenarioVariants(): (edits: Record<string, (text: string) => string>) => string {
  const copies: string[] = [];
  afterAll(() => copies.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return (edits) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-variant-'));
    copies.push(dir);
    cpSync(scenariosDir, dir, { recursive: true });
    for (const [file, edit] of Object.entries(edits)) {
      const full = path.join(dir, file);
      const before = readFileSync(full, 'utf8');
      const after = edit(before);
      if (after === before) throw new Error(`edit of ${file} changed nothing`);
      writeFileSync(full, after);
    }
    return dir;
  };
}
