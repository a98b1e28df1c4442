/**
 * Helpers for a stateful proxy, RFC 3261 §16 (used by the OCS front end): build the copy of a request
 * to forward (§16.6) and strip our Via from a response before relaying it upstream (§16.7).
 */
import { fail, ok, type Result } from '../../kernel/errors';
import { cloneSipMessage, parseSipUri, uriOf, type SipRequest, type SipResponse, type SipUri } from './sip-message';

/** Why a request cannot be forwarded: the status the proxy answers with. */
export interface ProxyRejection {
  status: number;
  reason: string;
}

export interface ForwardOptions {
  /** §16.6 step 2: the target's URI becomes the Request-URI of the copy. */
  requestUri?: string;
  /** §16.6 step 8: our full Via value, with a branch (e.g. SipTransactionLayer.createVia). */
  via: string;
  /** §16.6 step 4: our Record-Route value (e.g. `<sip:fe1.ocs.lab;transport=tcp;lr>`), when we stay on the path. */
  recordRoute?: string;
  /** §16.6 step 7: Route values from local policy (a static route), pushed in front of the existing ones. */
  route?: string[];
  /** Whether a URI names this proxy (§16.4); without it the top Route is never popped. */
  isLocal?: (uri: SipUri) => boolean;
}

/** The copy of `request` to forward, or the rejection (483) the proxy answers with. */
export function prepareForwardedRequest(request: SipRequest, opts: ForwardOptions): Result<SipRequest, ProxyRejection> {
  // §16.3 step 3: "If the request contains a Max-Forwards header field with a field value of zero (0),
  // the element MUST NOT forward the request. If the request was for OPTIONS, the element MAY act as
  // the final recipient and respond per Section 11. Otherwise, the element MUST return a 483 (Too many
  // hops) response."
  const mf = request.headers.get('Max-Forwards');
  const maxForwards = mf !== undefined && /^\d+$/.test(mf.trim()) ? Number(mf.trim()) : undefined;
  if (maxForwards === 0) return fail({ status: 483, reason: 'Too Many Hops' });

  // §16.6 step 1: "The proxy starts with a copy of the received request."
  const copy = cloneSipMessage(request);
  // Step 2: "The proxy MUST place the URI into the Request-URI of the copy."
  if (opts.requestUri !== undefined) copy.uri = opts.requestUri;
  // Step 3: "If the copy contains a Max-Forwards header field, the proxy MUST decrement its value by
  // one (1). If the copy does not contain a Max-Forwards header field, the proxy MUST add one with a
  // field value, which SHOULD be 70."
  copy.headers.set('Max-Forwards', String(maxForwards === undefined ? 70 : maxForwards - 1));
  // Step 4: "If this proxy wishes to remain on the path of future requests in a dialog created by this
  // request ... it MUST insert a Record-Route header field value into the copy before any existing
  // Record-Route header field values".
  if (opts.recordRoute !== undefined) copy.headers.prepend('Record-Route', opts.recordRoute);
  // §16.4: "If the first value in the Route header field indicates this proxy, the proxy MUST remove
  // that value from the request."
  const top = copy.headers.get('Route');
  if (top !== undefined && opts.isLocal) {
    const uri = parseSipUri(uriOf(top));
    if (uri.ok && opts.isLocal(uri.value)) copy.headers.removeFirstValue('Route');
  }
  // Step 7: "If the proxy has a local policy that mandates that a request visit a specific set of
  // proxies, a proxy MAY impose that policy by inserting a pre-loaded Route header field".
  for (const r of [...(opts.route ?? [])].reverse()) copy.headers.prepend('Route', r);
  // Step 8: "The proxy MUST insert a Via header field value into the copy before the existing Via
  // header field values."
  copy.headers.prepend('Via', opts.via);
  return ok(copy);
}

/**
 * §16.7 step 3: "The proxy removes the topmost Via header field value from the response. If no Via
 * header field values remain in the response, the response was meant for this element and MUST NOT be
 * forwarded." Returns undefined in that case.
 */
export function stripTopVia(response: SipResponse): SipResponse | undefined {
  const copy = cloneSipMessage(response);
  copy.headers.removeFirstValue('Via');
  return copy.headers.has('Via') ? copy : undefined;
}

/**
 * The next hop of a forwarded request (§16.6 step 6-7, §16.12): the top Route URI when there is one,
 * else the Request-URI.
 */
export function nextHopUri(request: SipRequest): Result<SipUri> {
  const route = request.headers.get('Route');
  return parseSipUri(route !== undefined ? uriOf(route) : request.uri);
}
