import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import { CtiFramer, encodeCti } from '../../protocols/cti';
import type { CtiMessage } from '../../protocols/cti';
import type { Endpoint, HostNetwork, TcpConnection } from '../../transport/network';

export type ProviderState = 'closed' | 'opening' | 'open' | 'failed';

export interface CtiClientDelegate {
  onEvent(message: CtiMessage): void;
  /** An open provider's link ended without CUP closing it (CTIManager or the network ended it). */
  onProviderClosed(): void;
}

const REQUEST_TIMEOUT_MS = 5000;

/**
 * CUP's side of the CTI link to CTIManager (TCP 2748) — in the lab's own framing (docs/protocols/cti.md),
 * since Cisco never published CTIQBE. Opens the provider with the deskphone-control application user,
 * matches responses to requests by invokeId, and hands unsolicited events to its delegate.
 */
export class CtiClient {
  private connection: TcpConnection | undefined;
  private nextInvokeId = 1;
  private readonly waiting = new Map<number, { resolve: (m: CtiMessage) => void; timer: TimerHandle }>();
  private heartbeat: TimerHandle | undefined;
  state: ProviderState = 'closed';
  lastError: string | undefined;
  /** CUP itself is closing the provider: no delegate call follows. */
  private closing = false;

  constructor(
    private readonly network: HostNetwork,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly delegate: CtiClientDelegate,
  ) {}

  async open(ctiManager: Endpoint, applicationUser: string, password: string, clientName: string): Promise<ProviderState> {
    this.state = 'opening';
    this.closing = false;
    try {
      const connection = await this.network.connectTcp(ctiManager);
      this.connection = connection;
      const framer = new CtiFramer();
      connection.onData((bytes) => {
        for (const frame of framer.push(bytes)) {
          if (!frame.ok) {
            this.log.warn('malformed CTI frame from CTIManager', { error: frame.error.message });
            continue;
          }
          this.receive(frame.value.invokeId, frame.value.message);
        }
      });
      connection.onClose(() => this.closed());
    } catch (e) {
      this.state = 'failed';
      this.lastError = e instanceof Error ? e.message : String(e);
      return this.state;
    }
    const response = await this.request({ type: 'ProviderOpenRequest', applicationUser, password, clientName });
    if (response.type === 'ProviderOpenResponse' && response.result === 'ok') {
      this.state = 'open';
      if (response.heartbeatIntervalMs) this.scheduleHeartbeat(response.heartbeatIntervalMs);
    } else {
      this.state = 'failed';
      this.lastError = response.type === 'ProviderOpenResponse' ? response.result : describe(response);
      this.log.warn('CTI provider open refused', { applicationUser, result: this.lastError });
      this.connection?.end();
    }
    return this.state;
  }

  /** Sends a request and resolves with its response (or an ErrorResponse on timeout or loss of the link). */
  request(message: CtiMessage): Promise<CtiMessage> {
    const connection = this.connection;
    if (!connection || connection.closed) {
      return Promise.resolve({ type: 'ErrorResponse', code: 'providerNotOpen', message: 'no CTI connection' });
    }
    const invokeId = this.nextInvokeId++;
    return new Promise<CtiMessage>((resolve) => {
      const timer = this.clock.setTimer(REQUEST_TIMEOUT_MS, () => {
        this.waiting.delete(invokeId);
        this.log.warn('CTI request unanswered', { request: message.type, invokeId, withinMs: REQUEST_TIMEOUT_MS });
        resolve({ type: 'ErrorResponse', code: 'resourceBusy', message: `no answer to ${message.type} within ${REQUEST_TIMEOUT_MS} ms` });
      });
      this.waiting.set(invokeId, { resolve, timer });
      connection.write(encodeCti(message, invokeId));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.clock.clearTimer(this.heartbeat);
    this.heartbeat = undefined;
    if (this.state === 'open') await this.request({ type: 'ProviderCloseRequest' });
    this.connection?.end();
    this.closed();
  }

  /** The process ends: the connection resets with no ProviderClose, and CUP starts no reconnection of its own. */
  reset(): void {
    this.closing = true;
    this.clock.clearTimer(this.heartbeat);
    this.connection?.end();
    this.closed();
  }

  private receive(invokeId: number, message: CtiMessage): void {
    const waiter = invokeId !== 0 ? this.waiting.get(invokeId) : undefined;
    if (waiter) {
      this.waiting.delete(invokeId);
      this.clock.clearTimer(waiter.timer);
      waiter.resolve(message);
      return;
    }
    if (message.type === 'HeartbeatRequest') {
      this.connection?.write(encodeCti({ type: 'HeartbeatResponse' }, invokeId));
      return;
    }
    this.delegate.onEvent(message);
  }

  private scheduleHeartbeat(intervalMs: number): void {
    this.heartbeat = this.clock.setTimer(intervalMs, () => {
      if (this.state !== 'open') return;
      void this.request({ type: 'HeartbeatRequest' });
      this.scheduleHeartbeat(intervalMs);
    });
  }

  private closed(): void {
    const wasOpen = this.state === 'open';
    if (this.state !== 'failed') this.state = 'closed';
    this.clock.clearTimer(this.heartbeat);
    for (const [id, w] of this.waiting) {
      this.clock.clearTimer(w.timer);
      w.resolve({ type: 'ErrorResponse', code: 'providerNotOpen', message: 'CTI connection closed' });
      this.waiting.delete(id);
    }
    if (wasOpen && !this.closing) this.delegate.onProviderClosed();
  }
}

function describe(m: CtiMessage): string {
  return m.type === 'ErrorResponse' ? `${m.code}: ${m.message}` : m.type;
}
