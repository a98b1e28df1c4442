import { Chalk, supportsColor, supportsColorStderr } from 'chalk';
import type { ChalkInstance } from 'chalk';

/**
 * The colour level for one output stream, as the best CLIs decide it: `FORCE_COLOR` (0–3; empty = 1) wins, then
 * `NO_COLOR` (any non-empty value: none, https://no-color.org), then chalk's own detection of the stream
 * (a terminal, TERM, CI), which is none for a pipe or a file.
 */
export function colourLevel(stream: 'stdout' | 'stderr', env: NodeJS.ProcessEnv = process.env, isTTY = process[stream].isTTY === true): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '' || force === 'true') return 1;
    const n = Number(force);
    return n >= 3 ? 3 : n === 2 ? 2 : n === 1 ? 1 : 0;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY) return 0;
  const detected = stream === 'stdout' ? supportsColor : supportsColorStderr;
  return detected ? detected.level : 1;
}

export function chalkFor(stream: 'stdout' | 'stderr'): ChalkInstance {
  return new Chalk({ level: colourLevel(stream) });
}
