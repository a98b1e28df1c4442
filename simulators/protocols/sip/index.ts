/** SIP (RFC 3261) for the simulated OCS front end, CUP and CUCM: messages, framing, transactions, dialogs, proxy helpers. */
export {
  SipHeaders,
  COMPACT_HEADER_NAMES,
  expandHeaderName,
  splitHeaderValues,
  parseSipMessage,
  serializeSipMessage,
  encodeSipMessage,
  byteLength,
  parseParams,
  formatParams,
  parseSipUri,
  formatSipUri,
  parseNameAddr,
  formatNameAddr,
  getTag,
  withTag,
  uriOf,
  parseVia,
  formatVia,
  parseCSeq,
  createResponse,
  createCancel,
  cloneSipMessage,
  reasonPhrase,
} from './sip-message';
export type { SipRequest, SipResponse, SipMessage, SipUri, NameAddr, Via, CSeq, CreateResponseOptions } from './sip-message';
export { SipStreamFramer } from './sip-stream-framer';
export { hasSupportedScheme, unsupportedOptions } from './request-checks';
export { DEFAULT_TIMER_SETTINGS, transactionTimers } from './timers';
export type { TimerSettings, TransactionTimers } from './timers';
export type { ClientTransactionDelegate, TransactionKind } from './transaction';
export type { ServerTransaction } from './server-transaction';
export { InviteClientTransaction, buildAckForNon2xx } from './invite-client-transaction';
export type { InviteClientTransactionState } from './invite-client-transaction';
export { NonInviteClientTransaction } from './non-invite-client-transaction';
export type { NonInviteClientTransactionState } from './non-invite-client-transaction';
export { InviteServerTransaction, AUTO_TRYING_MS } from './invite-server-transaction';
export type { InviteServerTransactionState } from './invite-server-transaction';
export { NonInviteServerTransaction } from './non-invite-server-transaction';
export type { NonInviteServerTransactionState } from './non-invite-server-transaction';
export { SipTransactionLayer, MAGIC_COOKIE } from './transaction-layer';
export type { SipTarget, SipTransport, SipTransactionLayerDelegate, SipTransactionLayerOptions, ClientTransaction } from './transaction-layer';
export { SipDialog, DialogStore, dialogKey } from './dialog';
export type { DialogState, DialogRequestOptions, SipDialogInit } from './dialog';
export { prepareForwardedRequest, stripTopVia, nextHopUri } from './stateful-proxy';
export type { ForwardOptions, ProxyRejection } from './stateful-proxy';
export { REMOTECC_REQUEST_TYPE, CFWDALL_SERVICE_URI, MEETME_SERVICE_URI, softKeyEventBody, dndUpdateBody, cfwdAllUpdateBody } from './cisco-remotecc';
export type { RemoteccDialog } from './cisco-remotecc';
