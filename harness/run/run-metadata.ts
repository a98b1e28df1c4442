import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The project's package.json, found upward from this file (works from the sources and from the dist/ bundle). */
function packageJson(): { name?: string; version?: string } | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null) return parsed as { name?: string; version?: string };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `uc-interop-lab 0.1.0`. */
export function toolVersion(): string {
  const pkg = packageJson();
  return `${pkg?.name ?? 'uc-interop-lab'} ${pkg?.version ?? '0.0.0'}`;
}

/** The git commit of the checkout that holds `dir` (with "+changes" when the tree differs from it), if any. */
export function gitCommit(dir: string): string | undefined {
  try {
    const run = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run('rev-parse', 'HEAD');
    return run('status', '--porcelain', '--untracked-files=no') === '' ? commit : `${commit}+changes`;
  } catch {
    return undefined;
  }
}
