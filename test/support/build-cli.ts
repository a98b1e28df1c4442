import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
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
/**
 * The tests' scratch folders (every mkdtemp under os.tmpdir(): CLI runs' reports and evidence, copies of
 * scenarios/, captures for tshark) go to memory when the machine has a tmpfs at /dev/shm and TMPDIR is not set:
 * on this machine's disk, writing a matrix run's 118 MB of evidence costs 1.8 s of CPU, on tmpfs 0.1 s
 * (docs/decisions/0023). The folder is the same from run to run, so what a test caches there (the compiled
 * pidgin-sipe driver) is kept; each test still makes and removes its own folder inside it. The workers and every
 * process a test starts inherit TMPDIR.
 */
function scratchInMemory(): void {
  if (process.env.TMPDIR !== undefined || process.platform !== 'linux') return;
  const shm = '/dev/shm';
  try {
    if (!statSync(shm).isDirectory()) return;
    accessSync(shm, constants.W_OK);
    const dir = path.join(shm, `uc-lab-tests-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true });
    process.env.TMPDIR = dir;
  } catch {
    // No tmpfs: the tests use the system's temporary folder.
  }
}

export default async function buildCli(): Promise<void> {
  scratchInMemory();
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.env.UC_LAB_CELL_WORKER = path.join(root, 'dist', 'harness', 'run', 'cell-worker.js');
  process.env.DOCKER_AVAILABLE = (await dockerPing()) ? '1' : '0';
  process.env.UC_LAB_TSHARK = tsharkRuns() ? '1' : '0';
}
