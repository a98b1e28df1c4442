/**
 * What the four transaction state machines of RFC 3261 §17 share: timers on the injected Clock, a
 * transport bound to one target, and a callback when the transaction terminates.
 */
import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { SipMessage, SipRequest, SipResponse } from './sip-message';
import type { TransactionTimers } from './timers';

/** The transport a transaction sends on: bound to one target. `send` returns false on a transport error. */
export interface TransactionTransport {
  readonly reliable: boolean;
  send(message: SipMessage): boolean;
}

export interface TransactionContext {
  clock: Clock;
  transport: TransactionTransport;
  timers: TransactionTimers;
  log?: Logger;
  /** Called once, when the transaction enters Terminated. */
  onTerminated: () => void;
}

export interface ClientTransactionDelegate {
  onProvisional?(response: SipResponse): void;
  onFinal(response: SipResponse): void;
  /** Timer B / Timer F fired. */
  onTimeout?(): void;
  onTransportError?(): void;
  /**
   * INVITE only: a further 2xx arrived in the Accepted state (a retransmission, or a 2xx from another
   * fork). RFC 3261 §13.2.2.4: the UAC core re-sends its ACK. When absent, the transaction layer
   * re-sends the last ACK given to `sendAck` for this INVITE if the To tag matches.
   */
  onAdditional2xx?(response: SipResponse): void;
}

export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

export abstract class Transaction<S extends string> {
  abstract readonly kind: TransactionKind;
  abstract state: S;
  private readonly handles = new Map<string, TimerHandle>();
  private terminatedNotified = false;

  protected constructor(
    readonly id: string,
    readonly request: SipRequest,
    protected readonly ctx: TransactionContext,
  ) {}

  get method(): string {
    return this.request.method;
  }

  get reliable(): boolean {
    return this.ctx.transport.reliable;
  }

  describe(): string {
    return `${this.kind} ${this.request.method} ${this.id} ${this.state} (Call-ID ${this.request.headers.get('Call-ID') ?? '?'})`;
  }

  /** Clears every timer; the transaction is forgotten without further callbacks. */
  dispose(): void {
    for (const h of this.handles.values()) this.ctx.clock.clearTimer(h);
    this.handles.clear();
  }

  protected startTimer(name: string, ms: number, fn: () => void): void {
    this.stopTimer(name);
    const handle = this.ctx.clock.setTimer(ms, () => {
      this.handles.delete(name);
      fn();
    });
    this.handles.set(name, handle);
  }

  protected stopTimer(name: string): void {
    const h = this.handles.get(name);
    if (h) this.ctx.clock.clearTimer(h);
    this.handles.delete(name);
  }

  protected send(message: SipMessage): boolean {
    return this.ctx.transport.send(message);
  }

  protected transition(next: S): void {
    if (this.state === next) return;
    this.ctx.log?.debug(`transaction ${this.id} ${this.kind} ${this.state} -> ${next}`);
    this.state = next;
  }

  /** Enters Terminated: clears timers and tells the layer (once). */
  protected terminate(): void {
    this.transition('Terminated' as S);
    this.dispose();
    if (!this.terminatedNotified) {
      this.terminatedNotified = true;
      this.ctx.onTerminated();
    }
  }
}
