/**
 * SIP dialogs, RFC 3261 §12: "A dialog represents a peer-to-peer SIP relationship between two user
 * agents that persists for some time." §12: "A dialog is identified at each UA with a dialog ID, which
 * consists of a Call-ID value, a local tag and a remote tag."
 */
import {
  SipHeaders,
  formatNameAddr,
  getTag,
  parseCSeq,
  parseNameAddr,
  parseSipUri,
  uriOf,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './sip-message';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export interface DialogRequestOptions {
  body?: string;
  contentType?: string;
  headers?: [string, string][];
}

export interface SipDialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteUri: string;
  localDisplayName?: string;
  remoteDisplayName?: string;
  localSeq?: number;
  remoteSeq?: number;
  remoteTarget: string;
  routeSet: string[];
  state: DialogState;
  /** Our Contact header value, put on requests that carry one. */
  localContact?: string;
}

/** Methods that refresh the remote target (§12.2: re-INVITE; RFC 3311 UPDATE; RFC 6665 SUBSCRIBE/NOTIFY; RFC 3515 REFER). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);
/** RFC 3261 Table 3 marks Contact "-" (not applicable) for these. */
const NO_CONTACT = new Set(['BYE', 'CANCEL', 'ACK']);

export class SipDialog {
  readonly callId: string;
  readonly localTag: string;
  remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  readonly localDisplayName: string | undefined;
  readonly remoteDisplayName: string | undefined;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routeSet: string[];
  readonly secure = false;
  state: DialogState;
  localContact: string | undefined;

  constructor(init: SipDialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localDisplayName = init.localDisplayName;
    this.remoteDisplayName = init.remoteDisplayName;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = [...init.routeSet];
    this.state = init.state;
    this.localContact = init.localContact;
  }

  /** Dialog ID as seen from this side: Call-ID, local tag, remote tag. */
  get id(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * §12.1.2 UAC behavior: "The route set MUST be set to the list of URIs in the Record-Route header
   * field from the response, taken in reverse order and preserving all URI parameters. If no
   * Record-Route header field is present in the response, the route set MUST be set to the empty set.
   * ... The remote target MUST be set to the URI from the Contact header field of the response. The
   * local sequence number MUST be set to the value of the sequence number in the CSeq header field of
   * the request. The remote sequence number MUST be empty ... The call identifier component of the
   * dialog ID MUST be set to the value of the Call-ID in the request. The local tag component of the
   * dialog ID MUST be set to the tag in the From field in the request, and the remote tag component of
   * the dialog ID MUST be set to the tag in the To field of the response. A UAC MUST be prepared to
   * receive a response without a tag in the To field, in which case the tag is considered to have a
   * value of null." "The remote URI MUST be set to the URI in the To field, and the local URI MUST be
   * set to the URI in the From field."
   */
  static fromUacResponse(request: SipRequest, response: SipResponse, opts: { localContact?: string } = {}): SipDialog {
    const from = parseNameAddr(request.headers.get('From') ?? '');
    const to = parseNameAddr(response.headers.get('To') ?? request.headers.get('To') ?? '');
    const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
    const contact = response.headers.get('Contact');
    const init: SipDialogInit = {
      callId: request.headers.get('Call-ID') ?? '',
      localTag: getTag(request.headers.get('From')) ?? '',
      remoteTag: getTag(response.headers.get('To')) ?? '',
      localUri: from.ok ? from.value.uri : '',
      remoteUri: to.ok ? to.value.uri : '',
      localSeq: cseq.ok ? cseq.value.seq : 0,
      // Modelling choice: without a Contact in the response, the remote target falls back to the To URI.
      remoteTarget: contact !== undefined ? uriOf(contact) : to.ok ? to.value.uri : request.uri,
      routeSet: response.headers.getAll('Record-Route').reverse(),
      // §12.1: "A dialog established by a non-final response to a request is in the "early" state".
      state: response.status < 200 ? 'early' : 'confirmed',
    };
    if (from.ok && from.value.displayName !== undefined) init.localDisplayName = from.value.displayName;
    if (to.ok && to.value.displayName !== undefined) init.remoteDisplayName = to.value.displayName;
    const localContact = opts.localContact ?? request.headers.get('Contact');
    if (localContact !== undefined) init.localContact = localContact;
    return new SipDialog(init);
  }

  /**
   * §12.1.1 UAS behavior: "The route set MUST be set to the list of URIs in the Record-Route header
   * field from the request, taken in order and preserving all URI parameters. ... The remote target
   * MUST be set to the URI from the Contact header field of the request. The remote sequence number
   * MUST be set to the value of the sequence number in the CSeq header field of the request. The local
   * sequence number MUST be empty. The call identifier component of the dialog ID MUST be set to the
   * value of the Call-ID in the request. The local tag component of the dialog ID MUST be set to the
   * tag in the To field in the response to the request (which always includes a tag), and the remote
   * tag component of the dialog ID MUST be set to the tag from the From field in the request."
   */
  static fromUasRequest(request: SipRequest, localTag: string, opts: { localContact?: string; state?: DialogState } = {}): SipDialog {
    const from = parseNameAddr(request.headers.get('From') ?? '');
    const to = parseNameAddr(request.headers.get('To') ?? '');
    const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
    const contact = request.headers.get('Contact');
    const init: SipDialogInit = {
      callId: request.headers.get('Call-ID') ?? '',
      localTag,
      remoteTag: getTag(request.headers.get('From')) ?? '',
      localUri: to.ok ? to.value.uri : request.uri,
      remoteUri: from.ok ? from.value.uri : '',
      remoteSeq: cseq.ok ? cseq.value.seq : 0,
      remoteTarget: contact !== undefined ? uriOf(contact) : from.ok ? from.value.uri : '',
      routeSet: request.headers.getAll('Record-Route'),
      // Modelling choice: the common case in the lab answers 2xx at once; pass 'early' when sending 1xx first.
      state: opts.state ?? 'confirmed',
    };
    if (to.ok && to.value.displayName !== undefined) init.localDisplayName = to.value.displayName;
    if (from.ok && from.value.displayName !== undefined) init.remoteDisplayName = from.value.displayName;
    if (opts.localContact !== undefined) init.localContact = opts.localContact;
    return new SipDialog(init);
  }

  /** §12.2.1.1 Generating the Request (no Via: the transaction layer adds it). */
  createRequest(method: string, opts: DialogRequestOptions = {}): SipRequest {
    const m = method.toUpperCase();
    // "Requests within a dialog MUST contain strictly monotonically increasing and contiguous CSeq
    // sequence numbers (increasing-by-one) in each direction (excepting ACK and CANCEL of course, whose
    // numbers equal the requests being acknowledged or cancelled)." "If the local sequence number is
    // empty, an initial value MUST be chosen" (modelling choice: 1, so runs are reproducible).
    if (m !== 'ACK' && m !== 'CANCEL') this.localSeq = (this.localSeq ?? 0) + 1;
    const seq = this.localSeq ?? 1;

    const headers = new SipHeaders();
    let uri = this.remoteTarget;
    const first = this.routeSet[0];
    if (first !== undefined) {
      const firstUri = parseSipUri(uriOf(first));
      const loose = firstUri.ok && Object.keys(firstUri.value.params).some((k) => k.toLowerCase() === 'lr');
      if (loose) {
        // "If the route set is not empty, and the first URI in the route set contains the lr parameter
        // (see Section 19.1.1), the UAC MUST place the remote target URI into the Request-URI and MUST
        // include a Route header field containing the route set values in order, including all
        // parameters."
        for (const r of this.routeSet) headers.append('Route', r);
      } else {
        // "If the route set is not empty, and its first URI does not contain the lr parameter, the UAC
        // MUST place the first URI from the route set into the Request-URI, stripping any parameters
        // that are not allowed in a Request-URI. The UAC MUST add a Route header field containing the
        // remainder of the route set values in order, including all parameters. The UAC MUST then
        // place the remote target URI into the Route header field as the last value."
        uri = uriOf(first);
        for (const r of this.routeSet.slice(1)) headers.append('Route', r);
        headers.append('Route', `<${this.remoteTarget}>`);
      }
    }
    headers.append('Max-Forwards', '70');
    // "The URI in the To field of the request MUST be set to the remote URI from the dialog state. The
    // tag in the To header field of the request MUST be set to the remote tag of the dialog ID. The
    // From URI of the request MUST be set to the local URI from the dialog state. The tag in the From
    // header field of the request MUST be set to the local tag of the dialog ID."
    headers.append('From', formatNameAddr(nameAddr(this.localUri, this.localDisplayName, this.localTag)));
    headers.append('To', formatNameAddr(nameAddr(this.remoteUri, this.remoteDisplayName, this.remoteTag)));
    // "The Call-ID of the request MUST be set to the Call-ID of the dialog."
    headers.append('Call-ID', this.callId);
    headers.append('CSeq', `${seq} ${m}`);
    if (this.localContact !== undefined && !NO_CONTACT.has(m)) headers.append('Contact', this.localContact);
    for (const [n, v] of opts.headers ?? []) headers.append(n, v);
    if (opts.contentType !== undefined) headers.set('Content-Type', opts.contentType);
    return { kind: 'request', method: m, uri, headers, body: opts.body ?? '' };
  }

  /**
   * §12.2.2 UAS Behavior: "If the remote sequence number is empty, it MUST be set to the value of the
   * sequence number in the CSeq header field value in the request. If the remote sequence number was
   * not empty, but the sequence number of the request is lower than the remote sequence number, the
   * request is out of order and MUST be rejected with a 500 (Server Internal Error) response."
   * Returns false for out-of-order (the caller answers 500). ACK and CANCEL do not move the number.
   */
  receiveRequest(request: SipRequest): boolean {
    const cseq = parseCSeq(request.headers.get('CSeq') ?? '');
    if (!cseq.ok) return false;
    if (request.method === 'ACK' || request.method === 'CANCEL') return true;
    if (this.remoteSeq !== undefined && cseq.value.seq < this.remoteSeq) return false;
    this.remoteSeq = cseq.value.seq;
    // "When a UAS receives a target refresh request, it MUST replace the dialog's remote target URI
    // with the URI from the Contact header field in that request, if present."
    const contact = request.headers.get('Contact');
    if (TARGET_REFRESH.has(request.method) && contact !== undefined && contact !== '*') this.remoteTarget = uriOf(contact);
    return true;
  }

  /**
   * A response within the dialog reached the UAC: §12.2.1.2 "When a UAC receives a 2xx response to a
   * target refresh request, it MUST replace the dialog's remote target URI with the URI from the
   * Contact header field in that response, if present." A 2xx to the INVITE confirms an early dialog
   * (§12.1: "when a final response arrives, the dialog transitions to the "confirmed" state").
   */
  receiveResponse(response: SipResponse, method: string): void {
    if (response.status < 200 || response.status >= 300) return;
    const contact = response.headers.get('Contact');
    if (TARGET_REFRESH.has(method.toUpperCase()) && contact !== undefined) this.remoteTarget = uriOf(contact);
    if (this.state === 'early' && method.toUpperCase() === 'INVITE') this.state = 'confirmed';
  }

  confirm(): void {
    if (this.state === 'early') this.state = 'confirmed';
  }

  terminate(): void {
    this.state = 'terminated';
  }
}

function nameAddr(uri: string, displayName: string | undefined, tag: string): { displayName?: string; uri: string; params: Record<string, string | null> } {
  const out: { displayName?: string; uri: string; params: Record<string, string | null> } = { uri, params: tag ? { tag } : {} };
  if (displayName !== undefined) out.displayName = displayName;
  return out;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/** The dialogs of one UA, found by Call-ID and tags as seen from this side. */
export class DialogStore<D extends SipDialog = SipDialog> {
  private readonly dialogs = new Map<string, D>();

  add(dialog: D): void {
    this.dialogs.set(dialog.id, dialog);
  }

  remove(dialog: D | string): boolean {
    return this.dialogs.delete(typeof dialog === 'string' ? dialog : dialog.id);
  }

  /**
   * The dialog a received message belongs to. §12.2.2: for a request, the local tag is the To tag
   * and the remote tag the From tag; for a response (we were the UAC), local = From tag, remote = To tag.
   */
  match(message: SipMessage): D | undefined {
    const callId = message.headers.get('Call-ID') ?? '';
    const fromTag = getTag(message.headers.get('From')) ?? '';
    const toTag = getTag(message.headers.get('To')) ?? '';
    return message.kind === 'request'
      ? this.dialogs.get(dialogKey(callId, toTag, fromTag))
      : this.dialogs.get(dialogKey(callId, fromTag, toTag));
  }

  get size(): number {
    return this.dialogs.size;
  }

  all(): D[] {
    return [...this.dialogs.values()];
  }
}
