import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { types } from 'node:util';
import v8 from 'node:v8';
import { displayFile } from './display-file';

/**
 * A loaded scenarios folder, kept so that the next load of the same bytes costs a deserialisation instead of
 * parsing every YAML file again (docs/decisions/0024). Loading the 87 files of scenarios/ takes about half a
 * second, more than a one-cell run of the matrix; every `uc-lab matrix`, `repro` and test that plans cells loads
 * the folder.
 *
 * Two levels, both keyed by the SHA-256 of every file below the folder (its path in the folder and its bytes):
 * - in this process, always: a second load of the same folder in one process (the tests plan the matrix many
 *   times) is a copy of the first;
 * - on disk, only when the caller names the running code (`enableDiskCache`: the built CLI names its bundle) and
 *   the installed packages (node_modules/.package-lock.json), which are part of the key, so a rebuilt CLI or
 *   another install never reads an older entry. `UC_LAB_CACHE=0` turns it off.
 *
 * Only a folder that loaded without errors is kept: its value is plain data (objects, arrays, maps), which
 * `v8.serialize` copies exactly. The value names its files (`file` fields) as they are shown, relative to the
 * working directory or absolute; the entry keeps those of the folder's own files relative to the folder, so a
 * copy of the folder elsewhere (the CLI tests copy scenarios/ to a temporary folder) reads the same entry and gets
 * its own paths.
 */

interface DiskCache {
  readonly dir: string;
  /** Hash of the running code and the installed packages. */
  readonly code: string;
}

let disk: DiskCache | undefined;
const inProcess = new Map<string, Buffer>();
/** Entries kept in one process (each about 0.6 MB for scenarios/). */
const IN_PROCESS_ENTRIES = 8;
/** Entries kept on disk; the least recently used go first. */
const DISK_ENTRIES = 32;

/**
 * Lets loads use the on-disk cache in `cacheDir`. `codeFiles` are the files whose bytes decide what a load
 * returns: the running bundle and the installed packages' lock. Does nothing when one of them cannot be read,
 * or with UC_LAB_CACHE=0.
 */
export function enableDiskCache(cacheDir: string, codeFiles: readonly string[]): void {
  if (process.env['UC_LAB_CACHE'] === '0') return;
  const h = createHash('sha256').update(process.version);
  try {
    for (const f of codeFiles) h.update(f).update(readFileSync(f));
  } catch {
    return;
  }
  disk = { dir: cacheDir, code: h.digest('hex') };
}

/** Forgets what this process loaded and stops using the disk (for tests that compare a cached load with a fresh one). */
export function resetScenarioCache(): void {
  inProcess.clear();
  disk = undefined;
}

/** The content key of a folder: every file below it, by its path in the folder and its bytes. */
function folderKey(dir: string): string {
  const h = createHash('sha256');
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = sub === '' ? name : `${sub}/${name}`;
      const full = path.join(dir, rel);
      if (statSync(full).isDirectory()) walk(rel);
      else h.update(`${rel}\0${statSync(full).size}\0`).update(readFileSync(full));
    }
  };
  walk('');
  return h.digest('hex');
}

const FOLDER_MARK = '\u0000';

/** Deep copy of `value` with every `file` field mapped by `f`; not ok when `f` refuses one or a value is not plain data. */
function mapFiles(value: unknown, f: (file: string) => string | undefined): { ok: boolean; value: unknown } {
  let ok = true;
  // The copy is built here (not by the values' own constructors): `v8.deserialize` makes its objects in the
  // process's main realm, and the tests' module sandbox has a realm of its own, whose `instanceof Map` they fail.
  const walk = (v: unknown): unknown => {
    if (!ok || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const x of v) out.push(walk(x));
      return out;
    }
    if (types.isMap(v)) {
      const out = new Map<unknown, unknown>();
      for (const [k, x] of v as Map<unknown, unknown>) out.set(k, walk(x));
      return out;
    }
    if (types.isSet(v)) {
      const out = new Set<unknown>();
      for (const x of v as Set<unknown>) out.add(walk(x));
      return out;
    }
    // Anything but plain data (a Date, a RegExp, a class's instance) would not come back as it was: not kept.
    const proto: unknown = Object.getPrototypeOf(v);
    const plain = proto === null || (Object.prototype.toString.call(v) === '[object Object]' && (proto as { constructor?: { name?: string } }).constructor?.name === 'Object');
    if (!plain) {
      ok = false;
      return v;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'file' && typeof x === 'string') {
        const mapped = f(x);
        if (mapped === undefined) ok = false;
        out[k] = mapped;
      } else out[k] = walk(x);
    }
    return out;
  };
  const mapped = walk(value);
  return { ok, value: mapped };
}

/**
 * `load(dir)` through the cache. `hasErrors` says whether a loaded value is one to keep (a folder with load
 * errors is loaded again each time: its messages are the point of running it).
 */
export function cachedLoad<T>(dir: string, load: (dir: string) => T, hasErrors: (value: T) => boolean): T {
  const abs = path.resolve(dir);
  let key: string;
  try {
    key = folderKey(abs);
  } catch {
    return load(dir);
  }
  const relocate = (stored: unknown): T =>
    mapFiles(stored, (f) => (f.startsWith(FOLDER_MARK) ? displayFile(path.join(abs, f.slice(1))) : f)).value as T;

  const held = inProcess.get(key);
  if (held) return relocate(v8.deserialize(held));
  const file = disk ? path.join(disk.dir, `scenarios-${createHash('sha256').update(disk.code).update(key).digest('hex').slice(0, 32)}.bin`) : undefined;
  if (file) {
    try {
      const bytes = readFileSync(file);
      const value = relocate(v8.deserialize(bytes));
      remember(key, bytes);
      touch(file);
      return value;
    } catch {
      // No entry yet, or one this Node cannot read: load the folder.
    }
  }

  const value = load(dir);
  if (hasErrors(value)) return value;
  // A `file` that names a file of the folder as shown from here is kept relative to the folder; any other (a
  // claim's source document, "seeds/…") is text that does not depend on where the folder is, kept as it is.
  // Hundreds of `file` fields name the same few dozen files: each is looked up once.
  const shown = new Map<string, string | undefined>();
  const portable = mapFiles(value, (f) => {
    if (shown.has(f)) return shown.get(f);
    let mapped: string | undefined;
    if (!f.startsWith(FOLDER_MARK)) {
      const rel = path.relative(abs, path.resolve(f));
      const inFolder = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && displayFile(path.join(abs, rel)) === f && existsSync(path.join(abs, rel));
      mapped = inFolder ? FOLDER_MARK + rel : f;
    }
    shown.set(f, mapped);
    return mapped;
  });
  if (!portable.ok) return value;
  let bytes: Buffer;
  try {
    bytes = v8.serialize(portable.value);
  } catch {
    return value;
  }
  remember(key, bytes);
  if (file && disk) writeEntry(disk.dir, file, bytes);
  return value;
}

function remember(key: string, bytes: Buffer): void {
  if (inProcess.size >= IN_PROCESS_ENTRIES) inProcess.delete(inProcess.keys().next().value as string);
  inProcess.set(key, bytes);
}

/** Marks an entry as just used: the newest DISK_ENTRIES by use are kept, so a folder read every run is not pushed out by ones written once. */
function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Another process removed it: the next load writes it again.
  }
}

/** Writes the entry by rename (a reader never sees half of it) and keeps the newest DISK_ENTRIES. */
function writeEntry(dir: string, file: string, bytes: Buffer): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    const entries = readdirSync(dir)
      .filter((n) => /^scenarios-[0-9a-f]+\.bin$/.test(n))
      .map((n) => ({ n, t: statSync(path.join(dir, n)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { n } of entries.slice(DISK_ENTRIES)) rmSync(path.join(dir, n), { force: true });
  } catch {
    // A cache that cannot be written is only slower.
  }
}
