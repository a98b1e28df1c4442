import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Debian's baresip (an independent SIP user agent) as a phone of the lab: one process per line, configured in a
 * folder of its own, listening on the loopback address of the phone it stands in for, answering calls itself
 * (`answermode=auto`), with a 440 Hz tone as its microphone and /dev/null as its speaker. Its console output
 * (`-s` prints every SIP message it sends and receives) is kept so a test can wait for what baresip reports,
 * never for a quiet period.
 */
export function baresipAvailable(): { ok: true } | { ok: false; why: string } {
  if (spawnSync('baresip', ['-h'], { encoding: 'utf8' }).error) return { ok: false, why: 'baresip is not installed (apt-get install baresip)' };
  return { ok: true };
}

export interface BaresipOptions {
  /** The loopback address it listens on (port 5060). */
  address: string;
  /** The account's address of record, e.g. `sip:+14085551002@127.0.14.5;transport=tcp`. */
  aor: string;
  /** Extra account parameters (`answermode=auto` is always set). */
  accountParams?: string;
  /** Whether it takes commands (`dial`) over baresip's ctrl_tcp module, on port 4444 of `address`. */
  control?: boolean;
}

export class Baresip {
  private output = '';
  private readonly waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  private readonly child: ChildProcess;
  private readonly dir: string;
  private exited: Promise<void>;
  private readonly address: string;

  constructor(opts: BaresipOptions) {
    this.address = opts.address;
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-baresip-'));
    writeFileSync(
      path.join(this.dir, 'config'),
      [
        `sip_listen ${opts.address}:5060`,
        'sip_trans_def tcp',
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module ausine.so',
        'module aufile.so',
        'module account.so',
        // ausine makes 48 kHz stereo only; baresip resamples to the 8 kHz mono of G.711.
        'audio_source ausine,440',
        'ausrc_srate 48000',
        'ausrc_channels 2',
        'audio_player aufile,/dev/null',
        'audio_alert aufile,/dev/null',
        // ctrl_tcp takes netstring JSON commands; menu provides them (`dial`).
        ...(opts.control ? ['module menu.so', 'module ctrl_tcp.so', `ctrl_tcp_listen ${opts.address}:4444`] : []),
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(this.dir, 'accounts'), `<${opts.aor}>;regint=600;answermode=auto;audio_codecs=PCMU${opts.accountParams ? `;${opts.accountParams}` : ''}\n`);
    this.child = spawn('baresip', ['-f', this.dir, '-s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (chunk: Buffer): void => {
      // Colour escapes and the trace's `#` separators stripped, so patterns match plain lines.
      this.output += chunk.toString('utf8').replace(/\x1b\[[0-9;]*m/g, '');
      for (const w of [...this.waiters]) {
        const m = this.output.match(w.pattern);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  /** The SIP messages of its trace (`-s` prints each after a `#` line and the transport line), as text. */
  get sipMessages(): string[] {
    return this.output.split(/\n#\r?\n(?:TCP|UDP|TLS) \S+ -> \S+\r?\n/).slice(1).map((m) => m.split(/\r?\n\r?\n(?!v=|o=|s=|c=|t=|m=|a=)/)[0] ?? '');
  }

  /** Everything baresip printed so far. */
  get log(): string {
    return this.output;
  }

  /** Resolves once baresip has printed something matching `pattern`; rejects after `withinMs` with its output. */
  waitFor(pattern: RegExp, withinMs = 10_000): Promise<RegExpMatchArray> {
    const now = this.output.match(pattern);
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`baresip did not print ${pattern} within ${withinMs} ms; it printed:\n${this.output.slice(-4000)}`)), withinMs);
      this.waiters.push({ pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** Runs a command over ctrl_tcp (the instance was made with `control`) and resolves with baresip's answer. */
  command(command: string, params: string): Promise<{ ok: boolean; data: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(4444, this.address);
      const json = JSON.stringify({ command, params, token: 'uc-lab' });
      let received = '';
      socket.on('connect', () => socket.write(`${Buffer.byteLength(json)}:${json},`));
      socket.on('data', (d) => {
        received += d.toString('utf8');
        // Netstrings `<length>:<json>,`; the one with our token is the answer (events come on the same socket).
        for (;;) {
          const colon = received.indexOf(':');
          const length = Number(received.slice(0, colon));
          if (colon < 0 || !Number.isInteger(length) || received.length < colon + 2 + length) return;
          const message = JSON.parse(received.slice(colon + 1, colon + 1 + length)) as { response?: boolean; token?: string; ok?: boolean; data?: string };
          received = received.slice(colon + 2 + length);
          if (message.response && message.token === 'uc-lab') {
            socket.end();
            resolve({ ok: message.ok === true, data: message.data ?? '' });
          }
        }
      });
      socket.on('error', reject);
    });
  }

  /** Hangs up (baresip sends BYE for a call in progress and un-registers), then exits. */
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
