import {
  MemoryLog,
  MemoryNetwork,
  NODE_KINDS,
  SocketNetwork,
  VirtualClock,
  WallClock,
  installVirtualGlobals,
  seededRandom,
  startOrder,
  LabPki,
} from '../../simulators';
import type { CaptureSink, Lab, LabContext, LogLevel, LogRecord, Network, NodeEnv, Random, RegisteredKind, StartedNode } from '../../simulators';
import type { TimeDriver } from './time-driver';
import { VirtualTimeDriver, WallTimeDriver } from './time-driver';

export type RuntimeKind = 'memory' | 'sockets';

export interface LabRuntimeOptions {
  runtime: RuntimeKind;
  seed: number;
  capture?: CaptureSink;
  /** Receives the TLS key log lines (NSS SSLKEYLOGFILE format) of every handshake in the lab. */
  keylog?: (line: string) => void;
  /** Sockets: the loopback block, 127.a.b or 127.a (default 127.0.1). */
  addressPrefix?: string;
  /** Every log record as it is written (for `uc-lab serve`). */
  echo?: (record: LogRecord) => void;
  /** Defects active at the lab's releases (from the claims' defect ranges in scenarios/claims.yaml). */
  defects?: ReadonlySet<string>;
  /** Keep only the newest this many log records (long runs: `uc-lab load`, `uc-lab serve`). */
  maxLogRecords?: number;
  /** Drop log records below this level (default: keep every record). */
  minLogLevel?: LogLevel;
}

/** A started node with the kind and configuration it was started from. */
export interface RunningNode {
  readonly host: string;
  readonly kind: RegisteredKind;
  readonly config: unknown;
  readonly node: StartedNode;
}

/** Virtual (or wall) time a lab may take to start: 30 s, and 5 s more per thousand nodes of a generated population. */
const startWithinMs = (nodes: number): number => 30_000 + Math.ceil(nodes / 1000) * 5_000;

/**
 * A kind with more instances than this starts them in batches of this many side by side (a generated population's
 * thousands of phones register at once, as after a power cut); fewer start one after another, as the seed lab's do.
 */
export const START_BATCH = 64;

/**
 * DNS listens on 53, except on real sockets without root, where ports below 1024 are refused: there it
 * takes 10053 (every node is told where its resolver should ask).
 */
/** Where HTTP (80) and HTTPS (443) listen: the same rule as DNS. */
export function httpPortsFor(runtime: RuntimeKind): { http: number; https: number } {
  return runtime === 'sockets' && process.getuid?.() !== 0 ? { http: 10080, https: 10443 } : { http: 80, https: 443 };
}

export function dnsPortFor(runtime: RuntimeKind): number {
  return runtime === 'sockets' && process.getuid?.() !== 0 ? 10053 : 53;
}

/** The FQDN the lab's DNS gives a host (`cup` → `cup.uc.lab`), or the host name when it has none. */
export function fqdnOf(lab: Lab, host: string): string {
  return Object.entries(lab.dns.a).find(([, h]) => h === host)?.[0] ?? host;
}

/** What each kind's instances are, without starting anything (for the scenario loader: host → kind). */
export function plannedInstances(lab: Lab, defects: ReadonlySet<string> = new Set()): { host: string; kind: RegisteredKind; config: unknown }[] {
  const ctx: LabContext = { fqdnOf: (h) => fqdnOf(lab, h), addressOf: (h) => lab.hosts[h] ?? h, dnsPort: 53, httpPorts: { http: 80, https: 443 }, defects, pki: new LabPki(lab.id) };
  return startOrder(NODE_KINDS).flatMap((kind) => kind.instances(lab, ctx).map((i) => ({ host: i.host, kind, config: i.config })));
}

/**
 * The composition root: builds the network of the chosen runtime, gives every host its address, and
 * starts every node kind of the registry (simulators/nodes/registry.ts) in dependency order. This is the
 * only place that knows which runtime runs; it names no product.
 */
export class LabRuntime {
  /** Started nodes by host name, in start order. */
  readonly nodes = new Map<string, RunningNode>();
  readonly dnsPort: number;
  private uninstallGlobals: (() => void) | undefined;

  private constructor(
    readonly lab: Lab,
    readonly network: Network,
    readonly driver: TimeDriver,
    readonly log: MemoryLog,
    private readonly random: Random,
    private readonly defects: ReadonlySet<string>,
    /** The lab's certificates and TLS key log: one per running lab. */
    readonly pki: LabPki,
  ) {
    this.dnsPort = dnsPortFor(network.runtime);
  }

  static async start(lab: Lab, options: LabRuntimeOptions): Promise<LabRuntime> {
    const random = seededRandom(options.seed);
    const defects = options.defects ?? new Set<string>();
    // TLS draws from a generator of its own, so a TLS connection never shifts the seeded SIP tags and branches.
    const pki = new LabPki(`${lab.id} certificate server`, options.keylog, seededRandom(options.seed ^ 0x7151));
    let runtime: LabRuntime;
    if (options.runtime === 'memory') {
      const clock = new VirtualClock();
      const log = new MemoryLog(clock, options.echo, options.maxLogRecords, options.minLogLevel);
      const network = new MemoryNetwork({ clock, random, log: log.logger('network'), ...(options.capture ? { capture: options.capture } : {}) });
      runtime = new LabRuntime(lab, network, new VirtualTimeDriver(clock), log, random, defects, pki);
      runtime.uninstallGlobals = installVirtualGlobals(clock, seededRandom(options.seed ^ 0x5eed));
    } else {
      const clock = new WallClock();
      const log = new MemoryLog(clock, options.echo, options.maxLogRecords, options.minLogLevel);
      const network = new SocketNetwork({ clock, log: log.logger('network'), onActivity: () => clock.nudge(), ...(options.addressPrefix ? { addressPrefix: options.addressPrefix } : {}), ...(options.capture ? { capture: options.capture } : {}) });
      runtime = new LabRuntime(lab, network, new WallTimeDriver(clock), log, random, defects, pki);
    }
    try {
      for (const [host, address] of Object.entries(lab.hosts)) runtime.network.addHost(host, address);
      await runtime.driver.complete(runtime.startNodes(), startWithinMs(Object.keys(lab.hosts).length), `starting lab ${lab.id}`);
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    return runtime;
  }

  /** What the composition root tells node kinds about this lab. */
  get context(): LabContext {
    return {
      fqdnOf: (h) => fqdnOf(this.lab, h),
      addressOf: (h) => this.network.host(h).address,
      dnsPort: this.dnsPort,
      httpPorts: httpPortsFor(this.network.runtime),
      defects: this.defects,
      pki: this.pki,
    };
  }

  /** The environment a node on `host` gets. */
  env(host: string): NodeEnv {
    return {
      network: this.network.host(host),
      clock: this.driver.clock,
      log: this.log.logger(host),
      random: seededRandom(Math.floor(this.random() * 0x7fffffff)),
      dnsServer: { address: this.network.host(this.lab.dns.server).address, port: this.dnsPort },
    };
  }

  /** The node on a host, if the lab runs one there. */
  node(host: string): RunningNode | undefined {
    return this.nodes.get(host);
  }

  /** Every started node of a kind (e.g. every OCS front end for `ocs.pool.addStaticRoute`). */
  nodesOf(kind: string): RunningNode[] {
    return [...this.nodes.values()].filter((n) => n.kind.kind === kind);
  }

  /** Post-scenario invariant: what every node still holds. */
  leaks(): string[] {
    return [...this.nodes.values()].flatMap((n) => n.node.leaks());
  }

  async stop(): Promise<void> {
    for (const { node } of [...this.nodes.values()].reverse()) {
      try {
        await this.driver.complete(node.stop(), 5_000, `stopping ${node.hostName}`);
      } catch (e) {
        this.log.logger('lab').warn(`stopping ${node.hostName} failed`, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    this.nodes.clear();
    await this.network.close();
    if (this.driver.clock instanceof WallClock) this.driver.clock.clearAll();
    this.uninstallGlobals?.();
    this.uninstallGlobals = undefined;
  }

  private async startNodes(): Promise<void> {
    const ctx = this.context;
    for (const kind of startOrder(NODE_KINDS)) {
      const instances = kind.instances(this.lab, ctx);
      if (instances.length <= START_BATCH) {
        for (const { host, config } of instances) {
          const node = await kind.start(this.env(host), config);
          this.nodes.set(host, { host, kind, config, node });
        }
        continue;
      }
      for (let i = 0; i < instances.length; i += START_BATCH) {
        // Environments are made in instance order (each draws from the lab's seeded random), then started together.
        const batch = instances.slice(i, i + START_BATCH).map(({ host, config }) => ({ host, config, env: this.env(host) }));
        const started = await Promise.allSettled(batch.map(({ env, config }) => kind.start(env, config)));
        let failure: unknown;
        batch.forEach(({ host, config }, j) => {
          const s = started[j];
          if (s?.status === 'fulfilled') this.nodes.set(host, { host, kind, config, node: s.value });
          else if (s) failure ??= s.reason;
        });
        if (failure !== undefined) throw failure;
      }
    }
  }
}
