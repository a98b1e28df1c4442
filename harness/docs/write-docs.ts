/** `npm run docs`: writes every generated document (see generated-docs.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatedFiles } from './generated-docs';

const repoRoot = path.resolve(__dirname, '..', '..');
for (const { file, text } of generatedFiles(repoRoot, readFileSync(path.join(repoRoot, 'README.md'), 'utf8'))) {
  let before = '';
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    before = '';
  }
  if (before !== text) {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
  }
}
