/**
 * INVITE client transaction, RFC 3261 §17.1.1 (Figure 5), with the Accepted state of RFC 6026 §8.4.
 */
import { SipHeaders, parseCSeq, type SipMessage, type SipRequest, type SipResponse } from './sip-message';
import { Transaction, type ClientTransactionDelegate, type TransactionContext } from './transaction';

export type InviteClientTransactionState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

export class InviteClientTransaction extends Transaction<InviteClientTransactionState> {
  readonly kind = 'invite-client' as const;
  state: InviteClientTransactionState = 'Calling';
  private ack: SipRequest | undefined;
  /** The ACK for a 2xx the TU sent (recorded by the layer), re-sent on 2xx retransmissions. */
  ackFor2xx: { toTag: string | undefined; send: () => void } | undefined;

  constructor(id: string, request: SipRequest, ctx: TransactionContext, private readonly delegate: ClientTransactionDelegate) {
    super(id, request, ctx);
  }

  /** Sends the INVITE and starts Timers A and B. */
  start(): void {
    // §17.1.1.2: "The initial state, "calling", MUST be entered when the TU initiates a new client
    // transaction with an INVITE request. The client transaction MUST pass the request to the
    // transport layer for transmission".
    if (!this.send(this.request)) return this.transportError();
    // "If an unreliable transport is being used, the client transaction MUST start timer A with a
    // value of T1. If a reliable transport is being used, the client transaction SHOULD NOT start
    // timer A (Timer A controls request retransmissions)."
    const a = this.ctx.timers.A;
    if (a !== undefined) this.startTimerA(a);
    // "For any transport, the client transaction MUST start timer B with a value of 64*T1 seconds
    // (Timer B controls transaction timeouts)."
    this.startTimer('B', this.ctx.timers.B, () => this.timerB());
  }

  private startTimerA(interval: number): void {
    this.startTimer('A', interval, () => {
      if (this.state !== 'Calling') return;
      // "When timer A fires, the client transaction MUST retransmit the request by passing it to the
      // transport layer, and MUST reset the timer with a value of 2*T1."
      if (!this.send(this.request)) return this.transportError();
      this.startTimerA(interval * 2);
    });
  }

  private timerB(): void {
    // "If the client transaction is still in the "Calling" state when timer B fires, the client
    // transaction SHOULD inform the TU that a timeout has occurred. The client transaction MUST NOT
    // generate an ACK."
    if (this.state !== 'Calling') return;
    this.terminate();
    this.delegate.onTimeout?.();
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        if (status < 200) {
          // "If the client transaction receives a provisional response while in the "Calling" state,
          // it transitions to the "Proceeding" state. In the "Proceeding" state, the client
          // transaction SHOULD NOT retransmit the request any longer. Furthermore, the provisional
          // response MUST be passed to the TU."
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition('Proceeding');
          this.delegate.onProvisional?.(response);
        } else if (status < 300) {
          // RFC 6026 §8.4: "If, while in the "Calling" or "Proceeding" state, a 2xx response is received,
          // the client transaction MUST transition to the "Accepted" state, and Timer M MUST be started
          // with a value of 64*T1." ... "a 2xx response received while in the "Calling" or
          // "Proceeding" states MUST be passed to the TU" (RFC 3261 §17.1.1.2).
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition('Accepted');
          this.startTimer('M', this.ctx.timers.M, () => this.terminate());
          this.delegate.onFinal(response);
        } else {
          // §17.1.1.2: "When in either the "Calling" or "Proceeding" states, reception of a response
          // with status code from 300-699 MUST cause the client transaction to transition to
          // "Completed". The client transaction MUST pass the received response up to the TU, and
          // the client transaction MUST generate an ACK request, even if the transport is reliable".
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition('Completed');
          this.ack = buildAckForNon2xx(this.request, response);
          if (!this.send(this.ack)) return this.transportError();
          // "The client transaction SHOULD start timer D when it enters the "Completed" state, with a
          // value of at least 32 seconds for unreliable transports, and a value of zero seconds for
          // reliable transports."
          this.startTimer('D', this.ctx.timers.D, () => this.terminate());
          this.delegate.onFinal(response);
        }
        return;
      case 'Completed':
        // "Any retransmissions of the final response that are received while in the "Completed"
        // state MUST cause the ACK to be re-passed to the transport layer for retransmission, but the
        // newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack) this.send(this.ack);
        return;
      case 'Accepted':
        // RFC 6026 §8.4: "The client transaction MUST pass any 2xx response received while in the
        // "Accepted" state to the TU". Other responses are discarded.
        if (status >= 200 && status < 300) this.additional2xx(response);
        return;
      case 'Terminated':
        return;
    }
  }

  private additional2xx(response: SipResponse): void {
    if (this.delegate.onAdditional2xx) return this.delegate.onAdditional2xx(response);
    const toTag = tagOf(response);
    if (this.ackFor2xx && this.ackFor2xx.toTag === toTag) this.ackFor2xx.send();
  }

  transportError(): void {
    // §17.1.1.2: "If a fatal transport error is reported by the transport layer (generally, due to
    // fatal ICMP errors in UDP or connection failures in TCP), the client transaction SHOULD inform
    // the TU and move to the Terminated state".
    if (this.state === 'Terminated') return;
    this.terminate();
    this.delegate.onTransportError?.();
  }
}

function tagOf(m: SipMessage): string | undefined {
  const to = m.headers.get('To') ?? '';
  const match = /;\s*tag\s*=\s*([^;\s>]+)/i.exec(to.slice(to.lastIndexOf('>') + 1));
  return match?.[1];
}

/**
 * §17.1.1.3 Construction of the ACK Request: "The ACK request constructed by the client transaction
 * MUST contain values for the Call-ID, From, and Request-URI that are equal to the values of those
 * header fields in the request passed to the transport by the client transaction (call this the
 * "original request"). The To header field in the ACK MUST equal the To header field in the response
 * being acknowledged ... The ACK MUST contain a single Via header field, and this MUST be equal to the
 * top Via header field of the original request. The CSeq header field in the ACK MUST contain the same
 * value for the sequence number as was present in the original request, but the method parameter MUST
 * be equal to "ACK"." "If the INVITE request whose response is being acknowledged had Route header
 * fields, those header fields MUST appear in the ACK."
 */
export function buildAckForNon2xx(request: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders();
  headers.append('Via', request.headers.get('Via') ?? '');
  for (const route of request.headers.getAll('Route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', request.headers.get('From') ?? '');
  headers.append('To', response.headers.get('To') ?? request.headers.get('To') ?? '');
  headers.append('Call-ID', request.headers.get('Call-ID') ?? '');
  const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
  headers.append('CSeq', `${cseq.ok ? cseq.value.seq : 0} ACK`);
  return { kind: 'request', method: 'ACK', uri: request.uri, headers, body: '' };
}
