import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { Random } from '../kernel/random';
import type { Endpoint, HostNetwork } from '../transport/network';

/**
 * What every simulated product gets from its environment. A node never learns which runtime it is
 * in: the network may be in memory or real sockets, the clock virtual or wall.
 */
export interface NodeEnv {
  readonly network: HostNetwork;
  readonly clock: Clock;
  readonly log: Logger;
  readonly random: Random;
  /** The lab's DNS server (UDP 53; another port where the socket runtime may not bind 53), which the node's stub resolver queries. */
  readonly dnsServer: Endpoint;
}

/** A started node: stopped with `await using` or `stop()`. */
export interface StartedNode extends AsyncDisposable {
  readonly hostName: string;
  /** Post-scenario invariant: what the node still holds that it should not (transactions, dialogs, calls, monitors). */
  leaks(): string[];
  stop(): Promise<void>;
}

/** Helper so classes can offer Symbol.asyncDispose by delegating to stop(). */
export abstract class NodeBase implements StartedNode {
  abstract readonly hostName: string;
  abstract leaks(): string[];
  abstract stop(): Promise<void>;
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
