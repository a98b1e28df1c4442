/**
 * INVITE server transaction, RFC 3261 §17.2.1 (Figure 7), with the Accepted state of RFC 6026 §7.1
 * (RFC 3261 sends 2xx and terminates; RFC 6026 keeps the transaction to absorb INVITE retransmissions).
 */
import { createResponse, type SipRequest, type SipResponse } from './sip-message';
import type { ServerTransaction } from './server-transaction';
import { Transaction, type TransactionContext } from './transaction';

export type InviteServerTransactionState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

export interface InviteServerTransactionHooks {
  /** An ACK matched the transaction while Accepted (RFC 6026 §8.7: "passed to the TU"). */
  onAck?(ack: SipRequest): void;
  /** Timer H fired: no ACK arrived for the non-2xx final response. */
  onTimeout?(): void;
  onTransportError?(): void;
}

/**
 * Modelling choice: 100 (Trying) goes out after this delay unless the TU answered first; §17.2.1
 * allows leaving it out only when the TU "will generate a provisional or final response within 200 ms".
 */
export const AUTO_TRYING_MS = 200;

export class InviteServerTransaction extends Transaction<InviteServerTransactionState> implements ServerTransaction {
  readonly kind = 'invite-server' as const;
  state: InviteServerTransactionState = 'Proceeding';
  lastResponse: SipResponse | undefined;

  constructor(id: string, request: SipRequest, ctx: TransactionContext, private readonly hooks: InviteServerTransactionHooks = {}) {
    super(id, request, ctx);
  }

  start(): void {
    // §17.2.1: "When a server transaction is constructed for a request, it enters the "Proceeding"
    // state. The server transaction MUST generate a 100 (Trying) response unless it knows that the TU
    // will generate a provisional or final response within 200 ms, in which case it MAY generate a
    // 100 (Trying) response."
    this.startTimer('Trying', AUTO_TRYING_MS, () => {
      if (this.state === 'Proceeding' && this.lastResponse === undefined) this.respond(createResponse(this.request, 100));
    });
  }

  respond(response: SipResponse): boolean {
    this.stopTimer('Trying');
    const status = response.status;
    if (this.state === 'Proceeding') {
      this.lastResponse = response;
      if (!this.send(response)) return this.transportError();
      if (status < 200) {
        // "The TU passes any number of provisional responses to the server transaction. So long as the
        // server transaction is in the "Proceeding" state, each of these MUST be passed to the
        // transport layer for transmission."
        return true;
      }
      if (status < 300) {
        // RFC 6026 §7.1: "If, while in the "Proceeding" state, the TU passes a 2xx response to the
        // server transaction, the server transaction MUST pass this response to the transport layer
        // for transmission ... The server transaction MUST then transition to the "Accepted" state"
        // and §8.7 "Timer L ... set to fire in 64*T1".
        this.transition('Accepted');
        this.startTimer('L', this.ctx.timers.L, () => this.terminate());
        return true;
      }
      // §17.2.1: "While in the "Proceeding" state, if the TU passes a response with status code from
      // 300 to 699 to the server transaction, the response MUST be passed to the transport layer for
      // transmission, and the state machine MUST enter the "Completed" state. For unreliable
      // transports, timer G is set to fire in T1 seconds, and is not set to fire for reliable
      // transports." ... "When the "Completed" state is entered, timer H MUST be set to fire in 64*T1
      // seconds for all transports."
      this.transition('Completed');
      const g = this.ctx.timers.G;
      if (g !== undefined) this.startTimerG(g);
      this.startTimer('H', this.ctx.timers.H, () => this.timerH());
      return true;
    }
    if (this.state === 'Accepted' && status >= 200 && status < 300) {
      // RFC 6026 §8.7: "While in the "Accepted" state, if the TU passes a 2xx response, the server
      // transaction MUST pass the response to the transport layer for transmission."
      this.lastResponse = response;
      return this.send(response) || this.transportError();
    }
    this.ctx.log?.warn(`invite server transaction ${this.id}: response ${status} ignored in state ${this.state}`);
    return false;
  }

  private startTimerG(interval: number): void {
    this.startTimer('G', interval, () => {
      if (this.state !== 'Completed' || !this.lastResponse) return;
      // "If timer G fires, the response is passed to the transport layer once more for
      // retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds. From then on, when timer
      // G fires, the response is passed to the transport again for transmission, and timer G is reset
      // with a value that doubles, unless that value exceeds T2, in which case it is reset with the
      // value of T2."
      if (!this.send(this.lastResponse)) {
        this.transportError();
        return;
      }
      this.startTimerG(Math.min(interval * 2, this.ctx.timers.settings.t2));
    });
  }

  private timerH(): void {
    // "If timer H fires while in the "Completed" state, it implies that the ACK was never received.
    // In this case, the server transaction MUST transition to the "Terminated" state, and MUST
    // indicate to the TU that a transaction failure has occurred."
    if (this.state !== 'Completed') return;
    this.terminate();
    this.hooks.onTimeout?.();
  }

  /** A request matched this transaction: an INVITE retransmission or an ACK. */
  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      switch (this.state) {
        case 'Completed':
          // "If an ACK is received while the server transaction is in the "Completed" state, the
          // server transaction MUST transition to the "Confirmed" state. As Timer G is ignored in this
          // state, any retransmissions of the response will cease." "When this state is entered,
          // timer I is set to fire in T4 seconds for unreliable transports, and zero seconds for
          // reliable transports."
          this.stopTimer('G');
          this.stopTimer('H');
          this.transition('Confirmed');
          this.startTimer('I', this.ctx.timers.I, () => this.terminate());
          return;
        case 'Accepted':
          this.hooks.onAck?.(request);
          return;
        default:
          // "The purpose of the "Confirmed" state is to absorb any additional ACK messages that
          // arrive, triggered from retransmissions of the final response."
          return;
      }
    }
    switch (this.state) {
      case 'Proceeding':
        // "If a request retransmission is received while in the "Proceeding" state, the most recent
        // provisional response that was received from the TU MUST be passed to the transport layer
        // for retransmission."
        if (this.lastResponse) this.send(this.lastResponse);
        return;
      case 'Completed':
        // "while in the "Completed" state, if a request retransmission is received, the server SHOULD
        // pass the response to the transport for retransmission."
        if (this.lastResponse) this.send(this.lastResponse);
        return;
      default:
        // RFC 6026 §8.7: in "Accepted", "Any retransmissions of the INVITE received ... MUST be
        // absorbed by the server transaction" (not passed to the TU). Confirmed absorbs likewise.
        return;
    }
  }

  transportError(): false {
    // §17.2.4: "If the transport layer indicates a failure ... the server transaction ... inform the TU".
    if (this.state !== 'Terminated') {
      this.terminate();
      this.hooks.onTransportError?.();
    }
    return false;
  }
}
