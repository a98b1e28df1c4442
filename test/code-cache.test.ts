import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './support/matrix';

// dist/'s entry runs the bundle beside it with V8's code cache (harness/launch/launcher.ts, docs/decisions/0026):
// a copy of the built CLI in a folder of its own keeps its cache in that folder's node_modules/.cache/uc-lab/.
describe('the code cache of the built CLI', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-code-cache-'));
  const cli = path.join(dir, 'dist', 'harness', 'cli');
  const cache = path.join(dir, 'node_modules', '.cache', 'uc-lab');
  beforeAll(() => {
    mkdirSync(cli, { recursive: true });
    for (const f of ['uc-lab.js', 'uc-lab.bundle.js']) cpSync(path.join(repoRoot, 'dist', 'harness', 'cli', f), path.join(cli, f));
    cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const run = (env: NodeJS.ProcessEnv = {}): string => {
    const r = spawnSync(process.execPath, [path.join(cli, 'uc-lab.js'), '--version'], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect([r.status, r.stderr]).toEqual([0, '']);
    return r.stdout.trim();
  };
  const files = (): string[] => readdirSync(cache).filter((f) => f.startsWith('code-uc-lab-'));

  it('writes none with UC_LAB_CACHE=0, one on the first run, and runs the same from it', () => {
    expect(run({ UC_LAB_CACHE: '0' })).toBe(version);
    expect(() => files()).toThrow();
    expect(run()).toBe(version);
    expect(files()).toHaveLength(1);
    expect(run()).toBe(version);
    expect(files()).toHaveLength(1);
  });

  it('runs as if there were none when the cache is damaged, and writes it again', () => {
    const [file] = files();
    if (!file) throw new Error('no cache file');
    writeFileSync(path.join(cache, file), Buffer.alloc(4096, 7));
    expect(run()).toBe(version);
    expect(readFileSync(path.join(cache, file)).subarray(8, 16).equals(Buffer.alloc(8, 7))).toBe(false);
  });

  it("leaves no import() in the bundles, which the entry's vm.Script could not resolve", () => {
    // `uc-lab bench --sockets` once loaded node:net with `await import('node:net')` and failed under the entry.
    for (const bundle of ['harness/cli/uc-lab.bundle.js', 'harness/run/cell-worker.bundle.js']) {
      const calls = readFileSync(path.join(repoRoot, 'dist', bundle), 'utf8')
        .split('\n')
        .map((line, i) => [i + 1, line] as const)
        .filter(([, line]) => !/^\s*(\*|\/\/)/.test(line) && /(^|[^\w.$])import\(\s*["'`]/.test(line));
      expect([bundle, calls]).toEqual([bundle, []]);
    }
  });

  it('drops the files of an earlier build of the bundle', () => {
    writeFileSync(path.join(cache, 'code-uc-lab-1-2-v0.0.0-x64.bin'), 'old');
    writeFileSync(path.join(cli, 'uc-lab.bundle.js'), readFileSync(path.join(cli, 'uc-lab.bundle.js'), 'utf8') + '\n');
    expect(run()).toBe(version);
    expect(files()).toHaveLength(1);
  });
});
