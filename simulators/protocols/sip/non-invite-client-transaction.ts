/**
 * Non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6).
 */
import type { SipRequest, SipResponse } from './sip-message';
import { Transaction, type ClientTransactionDelegate, type TransactionContext } from './transaction';

export type NonInviteClientTransactionState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export class NonInviteClientTransaction extends Transaction<NonInviteClientTransactionState> {
  readonly kind = 'non-invite-client' as const;
  state: NonInviteClientTransactionState = 'Trying';

  constructor(id: string, request: SipRequest, ctx: TransactionContext, private readonly delegate: ClientTransactionDelegate) {
    super(id, request, ctx);
  }

  start(): void {
    // §17.1.2.2: "The "Trying" state is entered when the TU initiates a new client transaction with a
    // request. When entering this state, the client transaction SHOULD set timer F to fire in 64*T1
    // seconds. The request MUST be passed to the transport layer for transmission. If an unreliable
    // transport is in use, the client transaction MUST set timer E to fire in T1 seconds."
    this.startTimer('F', this.ctx.timers.F, () => this.timerF());
    if (!this.send(this.request)) return this.transportError();
    const e = this.ctx.timers.E;
    if (e !== undefined) this.startTimerE(e);
  }

  private startTimerE(interval: number): void {
    this.startTimer('E', interval, () => {
      if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
      // "If timer E fires while still in this state, the timer is reset, but this time with a value
      // of MIN(2*T1, T2). When the timer fires again, it is reset to a MIN(4*T1, T2)." ... "If Timer E
      // fires while in the "Proceeding" state, the request MUST be passed to the transport layer for
      // retransmission, and Timer E MUST be reset with a value of T2 seconds."
      if (!this.send(this.request)) return this.transportError();
      const t2 = this.ctx.timers.settings.t2;
      this.startTimerE(this.state === 'Proceeding' ? t2 : Math.min(interval * 2, t2));
    });
  }

  private timerF(): void {
    // "If Timer F fires while the client transaction is still in the "Trying" state, the client
    // transaction SHOULD inform the TU about the timeout, and then it SHOULD enter the "Terminated"
    // state." (likewise in "Proceeding")
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.terminate();
    this.delegate.onTimeout?.();
  }

  receiveResponse(response: SipResponse): void {
    switch (this.state) {
      case 'Trying':
      case 'Proceeding':
        if (response.status < 200) {
          // "If a provisional response is received while in the "Trying" state, the response MUST be
          // passed to the TU, and then the client transaction SHOULD move to the "Proceeding" state."
          this.transition('Proceeding');
          this.delegate.onProvisional?.(response);
          return;
        }
        // "If a final response (status codes 200-699) is received while in the "Trying" state, the
        // response MUST be passed to the TU, and the client transaction MUST transition to the
        // "Completed" state." ... "Once the client transaction enters the "Completed" state, it MUST
        // set Timer K to fire in T4 seconds for unreliable transports, and zero seconds for reliable
        // transports."
        this.stopTimer('E');
        this.stopTimer('F');
        this.transition('Completed');
        this.startTimer('K', this.ctx.timers.K, () => this.terminate());
        this.delegate.onFinal(response);
        return;
      case 'Completed':
        // "The "Completed" state exists to buffer any additional response retransmissions that may be
        // received (which is why the client transaction remains there only for unreliable transports)."
        return;
      case 'Terminated':
        return;
    }
  }

  transportError(): void {
    // "If a fatal transport error is reported by the transport layer ..., the client transaction
    // SHOULD inform the TU and move to the Terminated state" (§17.1.2.2, as §17.1.1.2).
    if (this.state === 'Terminated') return;
    this.terminate();
    this.delegate.onTransportError?.();
  }
}
