import type { Clock } from './clock';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  readonly t: number;
  readonly node: string;
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(node: string): Logger;
}

/**
 * Collects records in memory, stamped with the lab clock; the harness writes them per node. With `maxRecords`,
 * only the newest that many are kept (a long run's memory stays bounded; `dropped` counts the others).
 */
export class MemoryLog {
  private kept: LogRecord[] = [];
  dropped = 0;
  constructor(
    private readonly clock: Clock,
    private readonly echo?: (r: LogRecord) => void,
    private readonly maxRecords = Infinity,
    /** Records below this level are not kept (nor echoed): a long-running lab that nobody reads at debug level. */
    private readonly minLevel: LogLevel = 'debug',
  ) {}

  get records(): readonly LogRecord[] {
    if (this.kept.length > this.maxRecords) this.trim();
    return this.kept;
  }

  private trim(): void {
    const excess = this.kept.length - this.maxRecords;
    this.kept = this.kept.slice(excess);
    this.dropped += excess;
  }

  logger(node: string): Logger {
    const write = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
      const record: LogRecord = fields ? { t: this.clock.now(), node, level, msg, fields } : { t: this.clock.now(), node, level, msg };
      this.kept.push(record);
      // Trim in batches, so keeping the newest N costs O(1) per record.
      if (this.kept.length >= 2 * this.maxRecords) this.trim();
      this.echo?.(record);
    };
    const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
    const at = (level: LogLevel) => (rank[level] >= rank[this.minLevel] ? write(level) : () => undefined);
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (name: string) => this.logger(`${node}/${name}`),
    };
  }

  /** Records of one node (and its children), for evidence/<cell>/logs/<node>.log. */
  forNode(node: string): LogRecord[] {
    return [...this.records].filter((r) => r.node === node || r.node.startsWith(`${node}/`));
  }
}

export function formatLogRecord(r: LogRecord): string {
  const fields = r.fields ? ` ${JSON.stringify(r.fields)}` : '';
  return `${(r.t / 1000).toFixed(3).padStart(9)}s ${r.level.padEnd(5)} ${r.node}: ${r.msg}${fields}`;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
