import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { concatPcaps } from './pcap-concat';
import { spawnAsync } from './spawn-async';

export interface TsharkFrame {
  protocols: string;
  flags: string;
  malformed: boolean;
}

async function tsharkLines(file: string, args: string[]): Promise<string[]> {
  const r = await spawnAsync('tshark', ['-r', file, ...args]);
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/**
 * Whether tshark runs here. The global setup asks once for the whole run (`UC_LAB_TSHARK`, which the workers
 * inherit); a file run without it asks itself. Asking costs a tshark start, about 0.15 s of CPU, and some
 * twenty test files want to know.
 */
export const tsharkInstalled = process.env['UC_LAB_TSHARK'] !== undefined ? process.env['UC_LAB_TSHARK'] === '1' : tsharkRuns();

export function tsharkRuns(): boolean {
  return spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
}

/**
 * tshark's reading of cells' trace.pcap, frame by frame, keyed by cell id. The captures are joined into one file
 * (each cell on its own addresses and hour, so no two share a flow) and read by one tshark process,
 * with every cell's TLS key log, as an engineer would point Wireshark at a cell's tls-keys.log.
 */
let batches = 0;

export async function readFrames(ids: readonly string[], evidenceOf: (id: string) => string): Promise<Map<string, TsharkFrame[]>> {
  const present = ids.filter((id) => existsSync(path.join(evidenceOf(id), 'trace.pcap')));
  const { bytes, firstFrame } = concatPcaps(present.map((id) => readFileSync(path.join(evidenceOf(id), 'trace.pcap'))));
  const dir = path.dirname(evidenceOf(ids[0] ?? 'x'));
  const batch = ++batches;
  const file = path.join(dir, `cells-${batch}.pcap`);
  writeFileSync(file, bytes);
  const keys = path.join(dir, `cells-${batch}-tls-keys.log`);
  writeFileSync(keys, present.map((id) => {
    const log = path.join(evidenceOf(id), 'tls-keys.log');
    return existsSync(log) ? readFileSync(log, 'utf8') : '';
  }).join(''));
  // One dissection pass: `_ws.malformed`, last, is empty unless tshark's dissectors flagged the frame malformed.
  const rows = await tsharkLines(file, ['-o', `tls.keylog_file:${keys}`, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'frame.protocols', '-e', 'tcp.analysis.flags', '-e', '_ws.malformed']);
  const byFrame = new Map(rows.map((r) => {
    const [n, protocols = '', flags = '', ...malformed] = r.split('|');
    return [Number(n), { protocols, flags, malformed: malformed.join('|') !== '' }] as const;
  }));
  const frames = new Map<string, TsharkFrame[]>();
  present.forEach((id, i) => {
    const from = firstFrame[i] ?? 0;
    const to = firstFrame[i + 1] ?? byFrame.size + 1;
    const list: TsharkFrame[] = [];
    for (let n = from; n < to; n++) {
      const f = byFrame.get(n);
      if (f) list.push(f);
    }
    frames.set(id, list);
  });
  return frames;
}
