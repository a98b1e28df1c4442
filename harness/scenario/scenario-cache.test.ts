import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadScenarioDir } from './load-scenario';
import { cachedLoad, enableDiskCache, resetScenarioCache } from './scenario-cache';

const scenariosDir = path.resolve(__dirname, '..', '..', 'scenarios');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'uc-scenario-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A folder of two files, and a loader that counts its calls and names each file as it is shown. */
function folder(name: string): { dir: string; load: (dir: string) => { files: { file: string; text: string }[]; source: string }; calls: () => number } {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'a.yaml'), 'a: 1\n');
  writeFileSync(path.join(dir, 'sub', 'b.yaml'), 'b: 2\n');
  let n = 0;
  return {
    dir,
    calls: () => n,
    load: (d) => {
      n++;
      return {
        files: ['a.yaml', 'sub/b.yaml'].map((f) => ({ file: path.join(d, f), text: `${f} as loaded` })),
        // Text in a `file` field that names no file of the folder stays as it is.
        source: 'seeds/000.txt',
      };
    },
  };
}

beforeEach(() => resetScenarioCache());

describe('scenario cache', () => {
  it('loads a folder once per content: a second load is an equal copy, a changed byte loads again', () => {
    const f = folder('once');
    const first = cachedLoad(f.dir, f.load, () => false);
    const second = cachedLoad(f.dir, f.load, () => false);
    expect(f.calls()).toBe(1);
    expect(second).toEqual(first);
    second.files[0]!.text = 'changed by a caller';
    expect(cachedLoad(f.dir, f.load, () => false).files[0]!.text).toBe('a.yaml as loaded');
    writeFileSync(path.join(f.dir, 'sub', 'b.yaml'), 'b: 3\n');
    cachedLoad(f.dir, f.load, () => false);
    expect(f.calls()).toBe(2);
  });

  it('gives a copy of the folder elsewhere its own file paths, and keeps other text as it is', () => {
    const f = folder('here');
    cachedLoad(f.dir, f.load, () => false);
    const copy = path.join(tmp, 'there');
    cpSync(f.dir, copy, { recursive: true });
    const moved = cachedLoad(copy, f.load, () => false);
    expect(f.calls()).toBe(1);
    expect(moved.files.map((x) => x.file)).toEqual([path.join(copy, 'a.yaml'), path.join(copy, 'sub', 'b.yaml')]);
    expect(moved.source).toBe('seeds/000.txt');
  });

  it('keeps nothing of a folder with load errors or of a value that is not plain data', () => {
    const f = folder('errors');
    cachedLoad(f.dir, f.load, () => true);
    cachedLoad(f.dir, f.load, () => true);
    expect(f.calls()).toBe(2);
    let n = 0;
    const dated = (): { at: Date } => (n++, { at: new Date(0) });
    cachedLoad(f.dir, dated, () => false);
    expect(cachedLoad(f.dir, dated, () => false).at).toBeInstanceOf(Date);
    expect(n).toBe(2);
  });

  it('on disk: a new process reads the entry; another code identity does not', () => {
    const f = folder('disk');
    const cache = path.join(tmp, 'cache');
    const code = path.join(tmp, 'code.js');
    writeFileSync(code, 'one build');
    enableDiskCache(cache, [code]);
    cachedLoad(f.dir, f.load, () => false);
    expect(readdirSync(cache).filter((n) => n.endsWith('.bin'))).toHaveLength(1);
    resetScenarioCache(); // as a new process
    enableDiskCache(cache, [code]);
    expect(cachedLoad(f.dir, f.load, () => false)).toEqual(f.load(f.dir));
    expect(f.calls()).toBe(2); // the first load and the comparison above
    resetScenarioCache();
    writeFileSync(code, 'another build');
    enableDiskCache(cache, [code]);
    cachedLoad(f.dir, f.load, () => false);
    expect(f.calls()).toBe(3);
    expect(readdirSync(cache).filter((n) => n.endsWith('.bin'))).toHaveLength(2);
    resetScenarioCache();
    enableDiskCache(path.join(tmp, 'unused'), [path.join(tmp, 'no-such-code.js')]);
    cachedLoad(f.dir, f.load, () => false);
    expect(existsSync(path.join(tmp, 'unused'))).toBe(false);
  });

  it('the scenarios folder, and a copy of it elsewhere, load through the cache exactly as they load afresh', () => {
    const fresh = loadScenarioDir(scenariosDir);
    expect(fresh.errors).toEqual([]);
    expect(isDeepStrictEqual(loadScenarioDir(scenariosDir), fresh)).toBe(true);
    const copy = path.join(tmp, 'scenarios-copy');
    cpSync(scenariosDir, copy, { recursive: true });
    const cached = loadScenarioDir(copy);
    resetScenarioCache();
    const copyFresh = loadScenarioDir(copy);
    expect(isDeepStrictEqual(cached, copyFresh)).toBe(true);
    expect(cached.scenarios[0]?.file.startsWith(copy)).toBe(true);
  });
});
