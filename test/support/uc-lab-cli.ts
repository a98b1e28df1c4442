import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './matrix';
import { spawnAsync } from './spawn-async';
import type { ProcessRun } from './spawn-async';

export type CliRun = ProcessRun;

const bundle = path.join(repoRoot, 'dist', 'harness', 'cli', 'uc-lab.js');
const env = (): NodeJS.ProcessEnv => ({ ...process.env, FORCE_COLOR: '0' });

/** The CLI as a user meets it: the bundle in dist/ (Jest's global setup builds it, test/support/build-cli.ts). */
export function ucLab(args: string[]): CliRun {
  const r = spawnSync(process.execPath, [bundle, ...args], { cwd: repoRoot, encoding: 'utf8', env: env() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking: several runs can go side by side. */
export function ucLabAsync(args: string[]): Promise<CliRun> {
  return spawnAsync(process.execPath, [bundle, ...args], { cwd: repoRoot, env: env() });
}
