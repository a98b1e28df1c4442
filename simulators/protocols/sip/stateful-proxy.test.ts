import { SipHeaders, createResponse, parseSipMessage, serializeSipMessage, type SipRequest } from './sip-message';
import { nextHopUri, prepareForwardedRequest, stripTopVia } from './stateful-proxy';

const OWN_VIA = 'SIP/2.0/TCP 10.0.0.50:5060;branch=z9hG4bKfe1;rport';
const isLocal = (u: { host: string }): boolean => u.host === 'fe1.ocs.lab' || u.host === '10.0.0.50';

function req(maxForwards: string | undefined, routes: string[] = []): SipRequest {
  const headers = new SipHeaders([['Via', 'SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKoc1']]);
  for (const r of routes) headers.append('Route', r);
  if (maxForwards !== undefined) headers.append('Max-Forwards', maxForwards);
  headers.append('From', '<sip:alice@ocs.lab>;tag=a').append('To', '<sip:6002@cup.lab>').append('Call-ID', 'p1').append('CSeq', '1 INVITE');
  return { kind: 'request', method: 'INVITE', uri: 'sip:6002@cup.lab', headers, body: '' };
}

describe('prepareForwardedRequest', () => {
  test.each([
    { maxForwards: '0', expected: { ok: false, error: { status: 483, reason: 'Too Many Hops' } } },
    { maxForwards: '1', expected: '0' },
    { maxForwards: '70', expected: '69' },
    { maxForwards: undefined, expected: '70' },
  ])('Max-Forwards $maxForwards', ({ maxForwards, expected }) => {
    const r = prepareForwardedRequest(req(maxForwards), { via: OWN_VIA });
    if (typeof expected === 'string') expect(r.ok && r.value.headers.get('Max-Forwards')).toBe(expected);
    else expect(r).toEqual(expected);
  });

  test('prepends Via and Record-Route, rewrites the Request-URI, leaves the original alone', () => {
    const original = req('70');
    original.headers.append('Record-Route', '<sip:edge.ocs.lab;lr>');
    const r = prepareForwardedRequest(original, { via: OWN_VIA, recordRoute: '<sip:fe1.ocs.lab;transport=tcp;lr>', requestUri: 'sip:6002@10.0.0.40:5060;transport=tcp' });
    if (!r.ok) throw new Error('rejected');
    expect(r.value.uri).toBe('sip:6002@10.0.0.40:5060;transport=tcp');
    expect(r.value.headers.getAll('Via')).toEqual([OWN_VIA, 'SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKoc1']);
    expect(r.value.headers.getAll('Record-Route')).toEqual(['<sip:fe1.ocs.lab;transport=tcp;lr>', '<sip:edge.ocs.lab;lr>']);
    expect(original.headers.getAll('Via')).toHaveLength(1);
    expect(original.uri).toBe('sip:6002@cup.lab');
    expect(parseSipMessage(serializeSipMessage(r.value)).ok).toBe(true);
  });

  test('loose routing: pops the top Route naming this proxy, keeps the others, adds policy routes', () => {
    const r = prepareForwardedRequest(req('70', ['<sip:fe1.ocs.lab;lr>, <sip:cup.lab;lr>']), { via: OWN_VIA, isLocal });
    expect(r.ok && r.value.headers.getAll('Route')).toEqual(['<sip:cup.lab;lr>']);
    const notUs = prepareForwardedRequest(req('70', ['<sip:other.lab;lr>']), { via: OWN_VIA, isLocal });
    expect(notUs.ok && notUs.value.headers.getAll('Route')).toEqual(['<sip:other.lab;lr>']);
    const staticRoute = prepareForwardedRequest(req('70', ['<sip:10.0.0.50;lr>']), { via: OWN_VIA, isLocal, route: ['<sip:cup.lab:5060;transport=tcp;lr>', '<sip:x.lab;lr>'] });
    if (!staticRoute.ok) throw new Error('rejected');
    expect(staticRoute.value.headers.getAll('Route')).toEqual(['<sip:cup.lab:5060;transport=tcp;lr>', '<sip:x.lab;lr>']);
    expect(nextHopUri(staticRoute.value)).toMatchObject({ ok: true, value: { host: 'cup.lab', port: 5060 } });
  });
});

test('stripTopVia removes our Via, and returns undefined when none would remain', () => {
  const forwarded = prepareForwardedRequest(req('70'), { via: OWN_VIA });
  if (!forwarded.ok) throw new Error('rejected');
  const downstream = createResponse(forwarded.value, 180, undefined, { toTag: 't' });
  const upstream = stripTopVia(downstream);
  expect(upstream?.headers.getAll('Via')).toEqual(['SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKoc1']);
  expect(downstream.headers.getAll('Via')).toHaveLength(2);
  expect(upstream && stripTopVia(upstream)).toBeUndefined();
});
