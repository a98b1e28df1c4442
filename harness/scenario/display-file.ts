import path from 'node:path';

/** The file name shown in messages: relative to the working directory when it lies below it. */
export function displayFile(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
}
