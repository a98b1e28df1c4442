import type { Clock, TimerHandle } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { HostNetwork, TcpConnection, TcpServer } from './network';
import { formatEndpoint } from './network';

/**
 * What a server holds for one peer on a stream port (docs/protocols/stream-limits.md): the product's idle
 * timeout and the lab's limit of connections per source address.
 */
export interface StreamLimits {
  /**
   * An accepted connection on which nothing has come from the peer for this long is closed: a half-open
   * connection (the peer gone without a FIN) or a peer that stopped its keep-alives.
   */
  readonly idleMs: number;
  /** Accepted connections open at once from one source address; the next one is closed as it is accepted. */
  readonly perPeer: number;
  /**
   * Source addresses not held to `perPeer`: a load balancer that source-NATs opens one connection per client from
   * its own address (docs/protocols/stream-limits.md).
   */
  readonly unlimited?: ReadonlySet<string>;
}

/** The lab's limit of connections from one address, on every stream port (docs/protocols/stream-limits.md). */
export const CONNECTIONS_PER_PEER = 32;

/**
 * `listenTcp` with the limits applied. The idle timer runs on the node's clock, so the same code times out in
 * virtual time in memory and in wall time on sockets. Only bytes from the peer count as life: writing to a
 * vanished peer proves nothing.
 */
export async function listenLimited(
  network: HostNetwork,
  clock: Clock,
  log: Logger,
  port: number,
  limits: StreamLimits,
  onConnection: (connection: TcpConnection) => void,
): Promise<TcpServer> {
  const open = new Map<string, number>();
  return network.listenTcp(port, (raw) => {
    const peer = raw.remote.address;
    const count = open.get(peer) ?? 0;
    if (count >= limits.perPeer && !limits.unlimited?.has(peer)) {
      log.warn('connection refused: too many from one address', { port, from: formatEndpoint(raw.remote), open: count });
      raw.end();
      return;
    }
    open.set(peer, count + 1);
    let heard = clock.now();
    let timer: TimerHandle | undefined;
    const watch = (delayMs: number): void => {
      timer = clock.setTimer(delayMs, () => {
        const quiet = clock.now() - heard;
        // Whole milliseconds: with fractional virtual times (a busy hour's Poisson arrivals), `idleMs - quiet` can
        // be a rounding error that never moves the clock past the deadline, and the timer would re-arm forever.
        if (quiet < limits.idleMs) return watch(Math.ceil(limits.idleMs - quiet));
        log.info('idle connection closed', { port, from: formatEndpoint(raw.remote), idleMs: quiet });
        raw.end();
      });
    };
    watch(limits.idleMs);
    onConnection(
      watched(raw, () => (heard = clock.now()), () => {
        clock.clearTimer(timer);
        const left = (open.get(peer) ?? 1) - 1;
        if (left > 0) open.set(peer, left);
        else open.delete(peer);
      }),
    );
  });
}

/** The connection as its owner sees it: every chunk from the peer is noted, and the close is seen first here. */
function watched(raw: TcpConnection, heard: () => void, closed: () => void): TcpConnection {
  let onClose: (() => void) | undefined;
  let ended = false;
  raw.onClose(() => {
    if (ended) return;
    ended = true;
    closed();
    onClose?.();
  });
  return {
    id: raw.id,
    local: raw.local,
    remote: raw.remote,
    get closed() {
      return raw.closed;
    },
    write: (data) => raw.write(data),
    end: () => raw.end(),
    onData: (handler) =>
      raw.onData((data) => {
        heard();
        handler(data);
      }),
    onClose: (handler) => {
      onClose = handler;
      if (ended) handler();
    },
  };
}
