import type { SipRequest } from './sip-message';

/**
 * RFC 3261 §8.2.2.1 (a UAS) and §16.3 step 2 (a proxy): "If the Request-URI uses a scheme not supported by the
 * UAS, it SHOULD reject the request with a 416 (Unsupported URI Scheme) response." The lab's elements
 * understand sip, sips and tel.
 */
export function hasSupportedScheme(uri: string): boolean {
  return /^(sips?|tel):/i.test(uri);
}

/**
 * The option tags of `Require` (a UAS, §8.2.2.3) or `Proxy-Require` (a proxy, §16.3 step 5) that the element
 * does not support, in order: a non-empty list is answered 420 (Bad Extension) with an Unsupported header field
 * listing them. §8.2.2.3: "Require ... is not processed for CANCEL or ACK" (an ACK never reaches a request
 * handler; a CANCEL is refused nothing here).
 */
export function unsupportedOptions(request: SipRequest, header: 'Require' | 'Proxy-Require', supported: ReadonlySet<string> = new Set()): string[] {
  if (request.method === 'CANCEL' || request.method === 'ACK') return [];
  return request.headers.getAll(header).map((t) => t.trim()).filter((t) => t !== '' && !supported.has(t.toLowerCase()));
}
