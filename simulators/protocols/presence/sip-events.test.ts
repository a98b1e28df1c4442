import fc from 'fast-check';
import {
  MAX_DELTA_SECONDS,
  PRESENCE_EVENT_PACKAGE,
  SIP_ETAG,
  SIP_IF_MATCH,
  SUBSCRIPTION_REASONS,
  SUBSCRIPTION_STATES,
  eventHeadersMatch,
  formatEventHeader,
  formatSubscriptionState,
  isKnownReason,
  parseEntityTag,
  parseEventHeader,
  parseExpires,
  parseSubscriptionState,
  type EventHeader,
  type SubscriptionState,
} from './sip-events';

function failure<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; protocol: string; message: string } }): string {
  if (r.ok) throw new Error(`expected failure, got ${JSON.stringify(r.value)}`);
  expect(r.error.code).toBe('UC_CODEC');
  expect(r.error.protocol).toBe('sip-events');
  return r.error.message;
}

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const lowerToken = fc.stringMatching(/^[a-z0-9\-.!%*_+`'~]{1,12}$/);
const tokenNodot = fc.stringMatching(/^[A-Za-z0-9\-!%*_+`'~]{1,10}$/);
const delta = fc.integer({ min: 0, max: MAX_DELTA_SECONDS });

describe('Subscription-State', () => {
  const stateArb: fc.Arbitrary<SubscriptionState> = fc.record(
    {
      state: fc.constantFrom(...SUBSCRIPTION_STATES),
      expires: delta,
      reason: fc.oneof(fc.constantFrom(...SUBSCRIPTION_REASONS), lowerToken),
      retryAfter: delta,
    },
    { requiredKeys: ['state'] },
  );

  it('round-trips every value', () => {
    fc.assert(
      fc.property(stateArb, (s) => {
        const parsed = parseSubscriptionState(formatSubscriptionState(s));
        expect(parsed.ok && parsed.value).toEqual(s);
      }),
    );
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parseSubscriptionState(s).ok).toBe('boolean')));
  });

  it.each([
    ['active;expires=599', { state: 'active', expires: 599 }],
    ['pending', { state: 'pending' }],
    ['terminated;reason=noresource', { state: 'terminated', reason: 'noresource' }],
    ['terminated;reason=probation;retry-after=30', { state: 'terminated', reason: 'probation', retryAfter: 30 }],
    ['terminated;reason=invariant', { state: 'terminated', reason: 'invariant' }],
    ['Terminated ; Reason = Timeout', { state: 'terminated', reason: 'timeout' }],
    ['active;expires=3600;x-vendor="a;b";flag', { state: 'active', expires: 3600 }],
    ['terminated;reason=x-moved', { state: 'terminated', reason: 'x-moved' }],
    [' active;expires=0 ', { state: 'active', expires: 0 }],
  ])('reads %j', (value, expected) => {
    const parsed = parseSubscriptionState(value);
    expect(parsed.ok && parsed.value).toEqual(expected);
  });

  it.each([
    ['', /names no state/],
    ['waiting', /not active, pending or terminated/],
    ['act ive', /not a token/],
    ['active;expires=abc', /not delta-seconds/],
    ['active;expires=-1', /not delta-seconds/],
    ['active;expires', /needs a value/],
    ['active;expires=4294967296', /exceeds/],
    ['active;expires=1;expires=2', /given twice/],
    ['terminated;reason="timeout"', /reason '"timeout"' is not a token/],
    ['terminated;retry-after=1.5', /not delta-seconds/],
    ['active;', /empty parameter/],
    ['active;=5', /not a token/],
    ['active;x=a b', /malformed value/],
  ])('rejects %j', (value, message) => {
    expect(failure(parseSubscriptionState(value))).toMatch(message);
  });

  it('writes reason, expires and retry-after in that order', () => {
    expect(formatSubscriptionState({ state: 'terminated', retryAfter: 60, reason: 'giveup' })).toBe('terminated;reason=giveup;retry-after=60');
    expect(formatSubscriptionState({ state: 'active', expires: 3600 })).toBe('active;expires=3600');
  });

  it('knows the RFC 6665 reasons', () => {
    expect(SUBSCRIPTION_REASONS.every(isKnownReason)).toBe(true);
    expect(isKnownReason('x-moved')).toBe(false);
  });
});

describe('Event', () => {
  const paramValue = fc.oneof(
    fc.constant(''),
    token,
    fc.stringMatching(/^[ -!#-[\]-~]{0,8}$/).map((s) => `"${s}"`),
    fc.constant('[2001:db8::1]'),
  );
  const eventArb: fc.Arbitrary<EventHeader> = fc.record(
    {
      package: fc.array(tokenNodot, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.')),
      id: token,
      params: fc.dictionary(lowerToken.filter((n) => n !== 'id'), paramValue, { maxKeys: 3 }),
    },
    { requiredKeys: ['package', 'params'] },
  );

  it('round-trips every value', () => {
    fc.assert(
      fc.property(eventArb, (e) => {
        const parsed = parseEventHeader(formatEventHeader(e));
        expect(parsed.ok && parsed.value).toEqual(e);
      }),
    );
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => expect(typeof parseEventHeader(s).ok).toBe('boolean')));
  });

  it.each([
    ['presence', { package: 'presence', params: {} }],
    ['presence;id=1234', { package: 'presence', id: '1234', params: {} }],
    ['presence.winfo', { package: 'presence.winfo', params: {} }],
    ['dialog ; ID=a7 ; call-id="x@y" ; sla', { package: 'dialog', id: 'a7', params: { 'call-id': '"x@y"', sla: '' } }],
    ['vnd.microsoft.provisioning-v2', { package: 'vnd.microsoft.provisioning-v2', params: {} }],
  ])('reads %j', (value, expected) => {
    const parsed = parseEventHeader(value);
    expect(parsed.ok && parsed.value).toEqual(expected);
  });

  it.each([
    ['', /names no event type/],
    ['pres ence', /malformed/],
    ['.presence', /malformed/],
    ['presence..winfo', /malformed/],
    ['presence;id', /id '' is not a token/],
    ['presence;id="quoted"', /is not a token/],
    ['presence;id=1;id=2', /given twice/],
    ['presence;a=<x>', /malformed value/],
  ])('rejects %j', (value, message) => {
    expect(failure(parseEventHeader(value))).toMatch(message);
  });

  it('matches on the event type and id only, byte by byte (RFC 6665 §8.2.1)', () => {
    const a = { package: PRESENCE_EVENT_PACKAGE, id: 'x', params: { foo: '' } };
    expect(eventHeadersMatch(a, { package: 'presence', id: 'x', params: {} })).toBe(true);
    expect(eventHeadersMatch(a, { package: 'presence', params: {} })).toBe(false);
    expect(eventHeadersMatch(a, { package: 'Presence', id: 'x', params: {} })).toBe(false);
    expect(eventHeadersMatch({ package: 'presence', params: {} }, { package: 'presence', params: { a: 'b' } })).toBe(true);
  });
});

describe('PUBLISH headers and Expires', () => {
  it('names the RFC 3903 headers', () => {
    expect(SIP_ETAG).toBe('SIP-ETag');
    expect(SIP_IF_MATCH).toBe('SIP-If-Match');
  });

  it('round-trips every delta-seconds value', () => {
    fc.assert(fc.property(delta, (n) => expect(parseExpires(String(n))).toEqual({ ok: true, value: n })));
  });

  it.each([
    ['3600', 3600],
    [' 0 ', 0],
    ['4294967295', MAX_DELTA_SECONDS],
    ['007', 7],
  ])('reads Expires %j', (value, n) => {
    expect(parseExpires(value)).toEqual({ ok: true, value: n });
  });

  it.each(['', '-1', '1.5', '4294967296', '3600;x', 'Thu, 01 Dec 1994 16:00:00 GMT', '1e3'])('rejects Expires %j', (value) => {
    expect(failure(parseExpires(value))).toMatch(/Expires/);
  });

  it('reads entity-tags as tokens', () => {
    expect(parseEntityTag(' dx200xyz ')).toEqual({ ok: true, value: 'dx200xyz' });
    expect(failure(parseEntityTag('a b'))).toMatch(/not a token/);
    expect(failure(parseEntityTag('"quoted"'))).toMatch(/not a token/);
  });
});
