#!/usr/bin/env node
/**
 * The entry of `uc-lab` and of its cell worker threads in dist/: it runs the bundle beside it (uc-lab.bundle.js,
 * cell-worker.bundle.js) with V8's code cache, so a process starts with the functions an earlier run compiled
 * instead of parsing and compiling 5 MB of JavaScript again (docs/decisions/0026). The cache is a file under
 * node_modules/.cache/uc-lab/, one per bundle build, Node version and V8 flags; V8 refuses data that does not
 * match its source or flags, and the bundle then runs as if there were none. `UC_LAB_CACHE=0` turns it off.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

const bundle = __filename.replace(/\.js$/, '.bundle.js');
const name = path.basename(bundle, '.bundle.js');
const cacheDir = path.join(__dirname, '..', '..', '..', 'node_modules', '.cache', 'uc-lab');
const enabled = process.env.UC_LAB_CACHE !== '0';
const started = Date.now();

/** The start of the cache files' names of this build of the bundle (its size and modification time). */
function buildPrefix(): string {
  const { size, mtimeMs } = statSync(bundle);
  return `code-${name}-${size}-${Math.floor(mtimeMs)}-`;
}

/** The cache file of this build, for this Node and these V8 flags (`uc-lab` respawns itself with heap flags). */
function cacheFile(build: string): string {
  const flags = process.execArgv.join(' ').replace(/[^A-Za-z0-9=.-]+/g, '_').slice(0, 80);
  return path.join(cacheDir, `${build}${process.version}-${process.arch}${flags ? `-${flags}` : ''}.bin`);
}

/** The cached code and how long the run that made it had run (a longer run compiled more of the bundle). */
function readCache(file: string): { data: Buffer; ranMs: number } | undefined {
  try {
    const bytes = readFileSync(file);
    return bytes.length > 8 ? { ranMs: bytes.readDoubleLE(0), data: bytes.subarray(8) } : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the code V8 compiled in this run, in one rename (processes of one run write side by side), and drops earlier builds' files. */
function writeCache(file: string, build: string, script: vm.Script): void {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const header = Buffer.alloc(8);
    header.writeDoubleLE(Date.now() - started, 0);
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(temporary, Buffer.concat([header, script.createCachedData()]));
    renameSync(temporary, file);
    // Earlier builds' files go; this build's, for other flags, stay.
    for (const other of readdirSync(cacheDir)) {
      if (other.startsWith(`code-${name}-`) && !other.startsWith(build) && other.endsWith('.bin')) unlinkSync(path.join(cacheDir, other));
    }
  } catch {
    // A read-only or full disk: the next run compiles again.
  }
}

const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
const build = enabled ? buildPrefix() : undefined;
const file = build !== undefined ? cacheFile(build) : undefined;
const cached = file ? readCache(file) : undefined;
// The bundle must not call `import()`: a vm.Script has no loader for it (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING),
// and the two ways to give it one on Node 20 print an ExperimentalWarning or need --experimental-vm-modules. The
// bundle's own imports are inlined by esbuild; Node's modules are imported statically (test/code-cache.test.ts).
const script = new vm.Script(Module.wrap(source), { filename: bundle, ...(cached ? { cachedData: cached.data } : {}) });
if (file !== undefined && build !== undefined) {
  // Kept when none was there, V8 refused it, or this run went on at least twice as long as the one that made it.
  const keep = (): void => {
    const ranMs = Date.now() - started;
    if (!cached || script.cachedDataRejected === true || ranMs >= 2 * cached.ranMs) writeCache(file, build, script);
  };
  process.once('exit', keep);
  // A worker thread that is terminated sees no exit event: it keeps its code after its first seconds of work too.
  // (The timer is the process's own, taken before the bundle runs: a lab in this thread replaces the global one.)
  if (!isMainThread) setTimeout(keep, 3_000).unref();
}
const bundleModule = new Module(bundle);
bundleModule.filename = bundle;
bundleModule.paths = (Module as unknown as { _nodeModulePaths: (dir: string) => string[] })._nodeModulePaths(path.dirname(bundle));
const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
run.call(bundleModule.exports, bundleModule.exports, createRequire(bundle), bundleModule, bundle, path.dirname(bundle));
