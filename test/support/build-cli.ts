import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Jest global setup: builds dist/ once (the project's own `npm run build`), so the CLI tests run the bundle
 * a user runs, and start in a fraction of the time a source run through esbuild-register takes.
 */
export default function buildCli(): void {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}
