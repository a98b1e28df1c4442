import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The real pidgin-sipe (Debian's libsipe.so, the libpurple "Office Communicator" protocol plugin) as a peer of
 * the lab: test/peers/purple/sipe-driver.c signs it in to an OCS pool on real sockets and reports what
 * happened as `STAGE <name> <detail>` lines (README.md lists them), with every libpurple debug message.
 */

export const SIPE_PLUGIN = '/usr/lib/purple-2/libsipe.so';
export const DRIVER_SOURCE = path.join(__dirname, 'sipe-driver.c');

export type PurpleAvailability = { ok: true } | { ok: false; why: string };

export interface DriverStage {
  name: string;
  detail: string;
  /** Milliseconds since the driver was spawned. */
  t: number;
}

export interface DriverResult {
  stages: DriverStage[];
  /** Every libpurple debug message, `category: message` (multi-line messages, such as SIP dumps, as one entry). */
  debug: string[];
  /** The driver's exit status (0: timeout or SIGTERM after a clean quit; 2: no prpl-sipe; 3: connection failed); -1 if killed by a signal. */
  exitCode: number;
  /** What the driver wrote to stderr (GLib warnings). */
  stderr: string;
}

export interface RunDriverOptions {
  /** The SIP server's address (an OCS front end). */
  address: string;
  port: number;
  /** The sign-in address, `sip:alice@uc.lab` (or `alice@uc.lab`). */
  sipUri: string;
  /** SIPE's optional login, e.g. `UC\\alice`. */
  login?: string;
  password: string;
  /** How long the driver runs in total before it quits by itself. */
  timeoutMs: number;
  /** Once the CSTA (remote call control) session is up, make a call to this number. */
  call?: string;
  /** SIPE's `authentication` setting (default `ntlm`). */
  auth?: string;
  /** SIPE's `transport` setting (default `tcp`). */
  transport?: string;
  /**
   * Contacts (`sip:bob@uc.lab`) put in the local buddy list, group `buddyGroup`, before the account connects
   * (`--buddy`). SIPE is not told about them: when it reads the server's contact list at sign-in it removes every
   * local buddy that list does not hold (sipe_buddy_cleanup_local_list), and it subscribes only to the server's.
   */
  buddies?: string[];
  /**
   * Contacts added, as a user would, once SIPE has read the server's contact list (`--add-buddy`): SIPE subscribes
   * to their presence at once and stores them on the server (SOAP setContact, and addGroup for a new group).
   */
  addBuddies?: string[];
  /** The buddy list group for `buddies` and `addBuddies` (default `Contacts`). */
  buddyGroup?: string;
  /** A purple status id (`busy`, `away`, `do-not-disturb`, …) the account is set to after its initial publication. */
  setStatus?: string;
  /** Further account settings (`--set key=value`). */
  settings?: Record<string, string | boolean>;
  /** SIGTERM the driver as soon as a stage satisfies this (it then quits cleanly and reports its last stages). */
  until?: (stage: DriverStage) => boolean;
  /** Every stage as it arrives. */
  onStage?: (stage: DriverStage) => void;
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

function purpleFlags(): string[] | undefined {
  const r = run('pkg-config', ['--cflags', '--libs', 'purple', 'glib-2.0']);
  return r.status === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : undefined;
}

/** Whether the driver can be built and run here: gcc, libpurple's development files, and pidgin-sipe. */
export function purpleAvailable(): PurpleAvailability {
  if (run('gcc', ['--version']).status !== 0) return { ok: false, why: 'gcc is not installed (Debian package gcc)' };
  if (run('pkg-config', ['--version']).status !== 0) return { ok: false, why: 'pkg-config is not installed (Debian package pkg-config)' };
  if (!purpleFlags()) return { ok: false, why: 'pkg-config knows no purple/glib-2.0 (Debian package libpurple-dev)' };
  if (!existsSync(SIPE_PLUGIN)) return { ok: false, why: `${SIPE_PLUGIN} is missing (Debian package pidgin-sipe)` };
  return { ok: true };
}

/** Compiles sipe-driver.c (once per version of the source) into a cache under the system temp dir; returns the binary. */
export function buildDriver(): string {
  const flags = purpleFlags();
  if (!flags) throw new Error('cannot build sipe-driver: pkg-config purple glib-2.0 failed (install libpurple-dev)');
  const source = readFileSync(DRIVER_SOURCE);
  const key = createHash('sha256').update(source).update(flags.join(' ')).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'uc-lab-sipe-driver', key);
  const binary = path.join(dir, 'sipe-driver');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Built under a name of its own, then renamed: parallel Jest workers never run a half-written binary.
  const partial = `${binary}.${process.pid}.${Date.now()}`;
  const gcc = run('gcc', ['-Wall', '-O1', '-o', partial, DRIVER_SOURCE, ...flags, '-ldl']);
  if (gcc.status !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`cannot build sipe-driver:\n${gcc.stderr}`);
  }
  renameSync(partial, binary);
  return binary;
}

const unescape = (s: string): string => s.replace(/\\([nr\\])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));

/** Runs the driver once against a SIP server, with a fresh private libpurple directory. */
export function runDriver(opts: RunDriverOptions): Promise<DriverResult> {
  const binary = buildDriver();
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-purple-'));
  const args = [
    '--user-dir', userDir,
    '--server', `${opts.address}:${opts.port}`,
    '--address', opts.sipUri,
    '--timeout-ms', String(opts.timeoutMs),
    '--auth', opts.auth ?? 'ntlm',
    '--transport', opts.transport ?? 'tcp',
  ];
  if (opts.login) args.push('--login', opts.login);
  if (opts.call) args.push('--call', opts.call);
  for (const b of opts.buddies ?? []) args.push('--buddy', b);
  for (const b of opts.addBuddies ?? []) args.push('--add-buddy', b);
  if (opts.buddyGroup) args.push('--buddy-group', opts.buddyGroup);
  if (opts.setStatus) args.push('--set-status', opts.setStatus);
  for (const [k, v] of Object.entries(opts.settings ?? {})) args.push('--set', `${k}=${String(v)}`);

  const started = performance.now();
  // The password goes by environment, not argv (ps shows argv).
  const child = spawn(binary, args, { env: { ...process.env, SIPE_DRIVER_PASSWORD: opts.password }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stages: DriverStage[] = [];
  const debug: string[] = [];
  let stderr = '';
  let stopping = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  // The driver quits by itself at timeoutMs; this only catches a driver that hangs on its way out.
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs + 15_000);

  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.startsWith('DEBUG ')) {
      debug.push(unescape(line.slice(6)));
      return;
    }
    const m = /^STAGE (\S+)(?: (.*))?$/.exec(line);
    if (!m) return;
    const stage: DriverStage = { name: m[1] ?? '', detail: m[2] ?? '', t: Math.round(performance.now() - started) };
    stages.push(stage);
    opts.onStage?.(stage);
    if (!stopping && opts.until?.(stage)) {
      stopping = true;
      child.kill('SIGTERM');
    }
  });

  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(killer);
      rmSync(userDir, { recursive: true, force: true });
      reject(e);
    });
    // 'close': stdout fully read as well as the process ended.
    child.on('close', (code) => {
      clearTimeout(killer);
      rmSync(userDir, { recursive: true, force: true });
      resolve({ stages, debug, exitCode: code ?? -1, stderr });
    });
  });
}

/**
 * For readable failures: undefined when the expected stages were all reported, in this order; otherwise a message
 * naming the first one missing, with the stages seen and the last SIPE debug lines. An entry is a stage name, or a
 * name and a text its detail must contain (`'csta-session normal'`).
 */
export function firstMissingStage(result: DriverResult, expected: string[]): string | undefined {
  let from = 0;
  let previous: string | undefined;
  for (const want of expected) {
    const [name, ...rest] = want.split(' ');
    const part = rest.join(' ');
    const at = result.stages.findIndex((s, i) => i >= from && s.name === name && s.detail.includes(part));
    if (at < 0) {
      const seen = result.stages.filter((s) => !s.name.startsWith('sip-')).map((s) => (s.detail ? `${s.name} ${s.detail}` : s.name));
      const sipe = result.debug.filter((d) => d.startsWith('sipe: ') && !d.includes('MESSAGE START')).slice(-15);
      return [
        `missing stage "${want}"${previous ? ` after "${previous}"` : ''} (driver exit ${result.exitCode})`,
        `stages seen (sip-in/sip-out omitted):\n  ${seen.join('\n  ')}`,
        `last SIPE debug lines:\n  ${sipe.map((d) => d.replace(/\n/g, '\\n').slice(0, 300)).join('\n  ')}`,
      ].join('\n');
    }
    from = at + 1;
    previous = want;
  }
  return undefined;
}
