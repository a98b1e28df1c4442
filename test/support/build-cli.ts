import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { dockerPing } from './docker';
import { tsharkRuns } from './tshark-evidence';

/**
 * Jest global setup: builds dist/ once (the project's own `npm run build`), so the CLI tests run the bundle
 * a user runs, and start in a fraction of the time a source run through esbuild-register takes; and asks once
 * whether a Docker engine answers (`DOCKER_AVAILABLE` for the container peer tests, which the workers inherit)
 * and whether tshark runs (`UC_LAB_TSHARK`, for every file that hands captures to it).
 * `UC_LAB_CELL_WORKER` names the bundled cell worker: the scenario tests and every matrix run on worker threads
 * start it rather than the TypeScript sources, and run the cells at the speed of `uc-lab matrix`.
 */
export default async function buildCli(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.env.UC_LAB_CELL_WORKER = path.join(root, 'dist', 'harness', 'run', 'cell-worker.js');
  process.env.DOCKER_AVAILABLE = (await dockerPing()) ? '1' : '0';
  process.env.UC_LAB_TSHARK = tsharkRuns() ? '1' : '0';
}
