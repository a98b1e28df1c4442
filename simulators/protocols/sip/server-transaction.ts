/**
 * What the TU sees of a server transaction (RFC 3261 §17.2): the request and a way to answer it.
 */
import type { SipRequest, SipResponse } from './sip-message';

export interface ServerTransaction {
  readonly id: string;
  readonly kind: 'invite-server' | 'non-invite-server';
  readonly request: SipRequest;
  readonly state: string;
  /** The last response sent (re-sent when the request is retransmitted). */
  readonly lastResponse: SipResponse | undefined;
  /**
   * Sends a response through the transaction. Returns false when the state does not allow it
   * (e.g. a second final response) or the transport failed.
   */
  respond(response: SipResponse): boolean;
}
