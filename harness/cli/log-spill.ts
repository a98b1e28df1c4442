import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { formatLogRecord } from '../../simulators';
import type { LogRecord } from '../../simulators';

/**
 * Every log record of a long-running lab written as it is made to `<dir>/<node>.log` (one file per simulated product),
 * so the lab's in-memory log can stay a small ring and nothing is lost. Writes are synchronous: a slow disk slows the
 * lab rather than queueing records in memory.
 */
export class LogSpill {
  private readonly files = new Map<string, number>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(record: LogRecord): void {
    const node = record.node.split('/')[0] ?? record.node;
    let fd = this.files.get(node);
    if (fd === undefined) {
      fd = openSync(path.join(this.dir, `${node.replace(/[^A-Za-z0-9._-]/g, '_')}.log`), 'a');
      this.files.set(node, fd);
    }
    writeSync(fd, `${formatLogRecord(record)}\n`);
  }

  close(): void {
    for (const fd of this.files.values()) closeSync(fd);
    this.files.clear();
  }
}
