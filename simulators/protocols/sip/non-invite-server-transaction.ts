/**
 * Non-INVITE server transaction, RFC 3261 §17.2.2 (Figure 8).
 */
import type { SipRequest, SipResponse } from './sip-message';
import type { ServerTransaction } from './server-transaction';
import { Transaction, type TransactionContext } from './transaction';

export type NonInviteServerTransactionState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export interface NonInviteServerTransactionHooks {
  onTransportError?(): void;
}

export class NonInviteServerTransaction extends Transaction<NonInviteServerTransactionState> implements ServerTransaction {
  readonly kind = 'non-invite-server' as const;
  state: NonInviteServerTransactionState = 'Trying';
  lastResponse: SipResponse | undefined;

  constructor(id: string, request: SipRequest, ctx: TransactionContext, private readonly hooks: NonInviteServerTransactionHooks = {}) {
    super(id, request, ctx);
  }

  respond(response: SipResponse): boolean {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') {
      this.ctx.log?.warn(`non-invite server transaction ${this.id}: response ${response.status} ignored in state ${this.state}`);
      return false;
    }
    this.lastResponse = response;
    if (!this.send(response)) return this.transportError();
    if (response.status < 200) {
      // §17.2.2: "While in the "Trying" state, if the TU passes a provisional response to the server
      // transaction, the server transaction MUST enter the "Proceeding" state."
      this.transition('Proceeding');
      return true;
    }
    // "If the TU passes a final response (status codes 200-699) to the server while in the
    // "Proceeding" state, the transaction MUST enter the "Completed" state, and the response MUST be
    // passed to the transport layer for transmission." "When the server transaction enters the
    // "Completed" state, it MUST set Timer J to fire in 64*T1 seconds for unreliable transports, and
    // zero seconds for reliable transports."
    this.transition('Completed');
    this.startTimer('J', this.ctx.timers.J, () => this.terminate());
    return true;
  }

  /** A retransmission of the request arrived. */
  receiveRequest(_request: SipRequest): void {
    switch (this.state) {
      case 'Trying':
        // "Once in the "Trying" state, any further request retransmissions are discarded."
        return;
      case 'Proceeding':
        // "If a retransmission of the request is received while in the "Proceeding" state, the most
        // recently sent provisional response MUST be passed to the transport layer for retransmission."
        if (this.lastResponse) this.send(this.lastResponse);
        return;
      case 'Completed':
        // "While in the "Completed" state, the server transaction MUST pass the final response to the
        // transport layer for retransmission whenever a retransmission of the request is received."
        if (this.lastResponse) this.send(this.lastResponse);
        return;
      case 'Terminated':
        return;
    }
  }

  transportError(): false {
    if (this.state !== 'Terminated') {
      this.terminate();
      this.hooks.onTransportError?.();
    }
    return false;
  }
}
