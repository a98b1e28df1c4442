import fc from 'fast-check';
import {
  SipHeaders,
  byteLength,
  createCancel,
  createResponse,
  formatNameAddr,
  formatSipUri,
  getTag,
  parseCSeq,
  parseNameAddr,
  parseSipMessage,
  parseSipUri,
  parseVia,
  reasonPhrase,
  serializeSipMessage,
  type SipMessage,
  type SipRequest,
} from './sip-message';

const crlf = (lines: string[]): string => lines.join('\r\n');

const CSTA_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><extensions><privateData><private><lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">tel:+14085551001;phone-context=dialstring</lcs:line></private></privateData></extensions></RequestSystemStatus>';

const SDP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 16384 RTP/AVP 0\r\n';

interface Fixture {
  name: string;
  wire: string;
  check: (m: SipMessage) => void;
}

const fixtures: Fixture[] = [
  {
    name: 'REGISTER',
    wire: crlf([
      'REGISTER sip:ocs.lab SIP/2.0',
      'Via: SIP/2.0/TCP 10.0.0.21:5060;branch=z9hG4bKreg1;rport',
      'Max-Forwards: 70',
      'From: <sip:alice@ocs.lab>;tag=a1',
      'To: <sip:alice@ocs.lab>',
      'Call-ID: reg-1@10.0.0.21',
      'CSeq: 1 REGISTER',
      'Contact: <sip:alice@10.0.0.21:5060;transport=tcp>;expires=3600',
      'Expires: 3600',
      'Content-Length: 0',
      '',
      '',
    ]),
    check: (m) => {
      expect(m.kind).toBe('request');
      if (m.kind !== 'request') return;
      expect(m.method).toBe('REGISTER');
      expect(m.uri).toBe('sip:ocs.lab');
      expect(m.headers.get('expires')).toBe('3600');
      expect(m.body).toBe('');
    },
  },
  {
    name: 'INVITE with application/csta+xml (TR/87 session set-up)',
    wire: crlf([
      'INVITE sip:6002@cup.lab SIP/2.0',
      'Via: SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKinv1',
      'Max-Forwards: 70',
      'From: "Alice" <sip:alice@ocs.lab>;tag=f1;epid=01010101',
      'To: <sip:6002@cup.lab>',
      'Call-ID: csta-1',
      'CSeq: 1 INVITE',
      'Contact: <sip:alice@10.0.0.30:5060;transport=tcp>',
      'Supported: timer',
      'Content-Disposition: signal;handling=required',
      'Content-Type: application/csta+xml',
      `Content-Length: ${new TextEncoder().encode(CSTA_BODY).length}`,
      '',
      CSTA_BODY,
    ]),
    check: (m) => {
      expect(m.kind).toBe('request');
      expect(m.headers.get('Content-Type')).toBe('application/csta+xml');
      expect(m.headers.get('content-disposition')).toBe('signal;handling=required');
      expect(m.body).toBe(CSTA_BODY);
      expect(getTag(m.headers.get('From'))).toBe('f1');
    },
  },
  {
    name: 'INFO in the CSTA dialog',
    wire: crlf([
      'INFO sip:6002@10.0.0.40:5060;transport=tcp SIP/2.0',
      'Via: SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKinfo2',
      'Max-Forwards: 70',
      'From: <sip:alice@ocs.lab>;tag=f1',
      'To: <sip:6002@cup.lab>;tag=t9',
      'Call-ID: csta-1',
      'CSeq: 2 INFO',
      'Content-Disposition: signal;handling=required',
      'Content-Type: application/csta+xml',
      'Content-Length: 18',
      '',
      '<GetCSTAFeatures/>',
    ]),
    check: (m) => {
      expect(m.kind === 'request' && m.method).toBe('INFO');
      expect(m.body).toBe('<GetCSTAFeatures/>');
    },
  },
  {
    name: '200 OK with an SDP body',
    wire: crlf([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa;received=10.0.0.5',
      'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKb',
      'Record-Route: <sip:10.0.0.1;lr>',
      'From: <sip:1001@cucm.lab>;tag=x',
      'To: <sip:1002@cucm.lab>;tag=y',
      'Call-ID: c2',
      'CSeq: 10 INVITE',
      'Contact: <sip:1002@10.0.0.6:5060>',
      'Content-Type: application/sdp',
      `Content-Length: ${SDP.length}`,
      '',
      SDP,
    ]),
    check: (m) => {
      expect(m.kind === 'response' && m.status).toBe(200);
      expect(m.headers.getAll('Via')).toHaveLength(2);
      expect(m.body).toBe(SDP);
    },
  },
  {
    name: '180 Ringing',
    wire: crlf([
      'SIP/2.0 180 Ringing',
      'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa',
      'From: <sip:1001@cucm.lab>;tag=x',
      'To: <sip:1002@cucm.lab>;tag=y',
      'Call-ID: c2',
      'CSeq: 10 INVITE',
      'Content-Length: 0',
      '',
      '',
    ]),
    check: (m) => {
      expect(m.kind === 'response' && m.reason).toBe('Ringing');
    },
  },
  {
    name: 'compact header forms',
    wire: crlf([
      'OPTIONS sip:cup.lab SIP/2.0',
      'v: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKc',
      'Max-Forwards: 70',
      'f: <sip:a@lab>;tag=1',
      't: <sip:cup.lab>',
      'i: compact-1',
      'CSeq: 1 OPTIONS',
      'm: <sip:a@10.0.0.5>',
      'k: timer, 100rel',
      'o: presence',
      'x: 1800',
      'r: <sip:b@lab>',
      'c: text/plain',
      'l: 2',
      '',
      'hi',
    ]),
    check: (m) => {
      expect(m.headers.get('Call-ID')).toBe('compact-1');
      expect(m.headers.get('From')).toBe('<sip:a@lab>;tag=1');
      expect(m.headers.get('Via')).toBe('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKc');
      expect(m.headers.getAll('Supported')).toEqual(['timer', '100rel']);
      expect(m.headers.get('Event')).toBe('presence');
      expect(m.headers.get('Session-Expires')).toBe('1800');
      expect(m.headers.get('Refer-To')).toBe('<sip:b@lab>');
      expect(m.headers.get('Content-Type')).toBe('text/plain');
      expect([...m.headers].map(([n]) => n)).toContain('Contact');
      expect(m.body).toBe('hi');
    },
  },
  {
    name: 'folded header lines',
    wire: crlf([
      'MESSAGE sip:b@lab SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.5:5060',
      ' ;branch=z9hG4bKfold',
      'Max-Forwards: 70',
      'From: <sip:a@lab>;tag=1',
      'To: <sip:b@lab>',
      'Subject: I know you\'re there,',
      '\tpick up the phone',
      'Call-ID: fold-1',
      'CSeq: 4 MESSAGE',
      'Content-Length: 0',
      '',
      '',
    ]),
    check: (m) => {
      expect(m.headers.get('Subject')).toBe("I know you're there, pick up the phone");
      expect(parseVia(m.headers.get('Via') ?? '')).toMatchObject({ ok: true, value: { params: { branch: 'z9hG4bKfold' } } });
    },
  },
  {
    name: 'multi-value Via and Record-Route on one line',
    wire: crlf([
      'BYE sip:b@10.0.0.6 SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK2;received=1.2.3.4',
      'Via: SIP/2.0/TCP 10.0.0.3;branch=z9hG4bK3',
      'Record-Route: <sip:p1.lab;lr>, "Odd, name" <sip:p2.lab;lr;x=a,b>',
      'Max-Forwards: 69',
      'From: <sip:a@lab>;tag=1',
      'To: <sip:b@lab>;tag=2',
      'Call-ID: mv',
      'CSeq: 7 BYE',
      'Content-Length: 0',
      '',
      '',
    ]),
    check: (m) => {
      expect(m.headers.getAll('Via')).toEqual([
        'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
        'SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK2;received=1.2.3.4',
        'SIP/2.0/TCP 10.0.0.3;branch=z9hG4bK3',
      ]);
      expect(m.headers.getAll('Record-Route')).toEqual(['<sip:p1.lab;lr>', '"Odd, name" <sip:p2.lab;lr;x=a,b>']);
      expect(m.headers.get('Via')).toBe('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1');
    },
  },
  {
    name: 'tel: Request-URI',
    wire: crlf([
      'INVITE tel:+14085551001;phone-context=dialstring SIP/2.0',
      'Via: SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKtel',
      'Max-Forwards: 70',
      'From: <sip:alice@ocs.lab>;tag=f1',
      'To: <tel:+14085551001;phone-context=dialstring>',
      'Call-ID: tel-1',
      'CSeq: 1 INVITE',
      'Content-Length: 0',
      '',
      '',
    ]),
    check: (m) => {
      expect(m.kind === 'request' && m.uri).toBe('tel:+14085551001;phone-context=dialstring');
      const uri = parseSipUri(m.kind === 'request' ? m.uri : '');
      expect(uri).toEqual({ ok: true, value: { scheme: 'tel', user: '+14085551001', host: '', params: { 'phone-context': 'dialstring' }, headers: {} } });
    },
  },
];

describe('parseSipMessage / serializeSipMessage', () => {
  test.each(fixtures)('$name', ({ wire, check }) => {
    const parsed = parseSipMessage(new TextEncoder().encode(wire));
    if (!parsed.ok) throw parsed.error;
    check(parsed.value);
    // Round trip: serialize then parse again gives the same message.
    const text = serializeSipMessage(parsed.value);
    const again = parseSipMessage(text);
    if (!again.ok) throw again.error;
    expect(again.value.kind).toBe(parsed.value.kind);
    expect(again.value.body).toBe(parsed.value.body);
    expect([...again.value.headers]).toEqual([...parsed.value.headers].map(([n, v]) => (n === 'Content-Length' ? [n, String(new TextEncoder().encode(parsed.value.body).length)] : [n, v])));
    expect(serializeSipMessage(again.value)).toBe(text);
  });

  test('a wire message without folding or compact forms serializes byte for byte', () => {
    const wire = (fixtures[1] as Fixture).wire;
    const parsed = parseSipMessage(wire);
    expect(parsed.ok && serializeSipMessage(parsed.value)).toBe(wire);
  });

  test('Content-Length counts UTF-8 bytes', () => {
    const req: SipRequest = {
      kind: 'request',
      method: 'MESSAGE',
      uri: 'sip:b@lab',
      headers: new SipHeaders([['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'], ['Max-Forwards', '70'], ['From', '<sip:a@lab>;tag=1'], ['To', '<sip:b@lab>'], ['Call-ID', 'u'], ['CSeq', '1 MESSAGE']]),
      body: 'Grüße',
    };
    const text = serializeSipMessage(req);
    expect(text).toContain('Content-Length: 7\r\n');
    const back = parseSipMessage(text);
    expect(back.ok && back.value.body).toBe('Grüße');
  });

  test('leading CRLFs are skipped and the body is cut at Content-Length', () => {
    const wire = `\r\n\r\n${crlf(['SIP/2.0 100 Trying', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@l>;tag=1', 'To: <sip:b@l>', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: 2', '', 'abEXTRA'])}`;
    const parsed = parseSipMessage(wire);
    expect(parsed.ok && parsed.value.body).toBe('ab');
  });

  const bad = (lines: string[]): string => crlf(lines);
  const base = ['Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Max-Forwards: 70', 'From: <sip:a@l>;tag=1', 'To: <sip:b@l>', 'Call-ID: x'];
  test.each([
    { name: 'bad start line', wire: bad(['INVITE sip:b@l HTTP/1.1', ...base, 'CSeq: 1 INVITE', '', '']), line: 1, msg: /start line/ },
    { name: 'bad start line after leading CRLF', wire: `\r\n${bad(['HELLO', ...base, 'CSeq: 1 INVITE', '', ''])}`, line: 2, msg: /start line/ },
    { name: 'missing CSeq', wire: bad(['INVITE sip:b@l SIP/2.0', ...base, 'Content-Length: 0', '', '']), line: 1, msg: /CSeq/ },
    { name: 'bad CSeq', wire: bad(['INVITE sip:b@l SIP/2.0', ...base, 'CSeq: one INVITE', '', '']), line: 7, msg: /CSeq/ },
    { name: 'CSeq method mismatch', wire: bad(['INVITE sip:b@l SIP/2.0', ...base, 'CSeq: 1 BYE', '', '']), line: 7, msg: /CSeq/ },
    { name: 'negative Content-Length', wire: bad(['INVITE sip:b@l SIP/2.0', ...base, 'CSeq: 1 INVITE', 'Content-Length: -5', '', '']), line: 8, msg: /Content-Length/ },
    { name: 'Content-Length beyond the body', wire: bad(['INVITE sip:b@l SIP/2.0', ...base, 'CSeq: 1 INVITE', 'Content-Length: 10', '', 'short']), line: 8, msg: /longer than/ },
    { name: 'header without colon', wire: bad(['INVITE sip:b@l SIP/2.0', ...base, 'garbage line', 'CSeq: 1 INVITE', '', '']), line: 7, msg: /colon/ },
    { name: 'missing Max-Forwards', wire: bad(['OPTIONS sip:b@l SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@l>;tag=1', 'To: <sip:b@l>', 'Call-ID: x', 'CSeq: 1 OPTIONS', '', '']), line: 1, msg: /Max-Forwards/ },
    { name: 'no end of headers', wire: 'INVITE sip:b@l SIP/2.0\r\nVia: x', line: 1, msg: /empty line/ },
  ])('malformed: $name', ({ wire, line, msg }) => {
    const r = parseSipMessage(wire);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('UC_CODEC');
    expect(r.error.where.line).toBe(line);
    expect(r.error.message).toMatch(msg);
  });
});

describe('parsing a value seen before', () => {
  // The grammar checks and Via parses are remembered by value: a second sight must give the same answer.
  const message = (from: string, via: string): string =>
    `OPTIONS sip:cup.uc.lab SIP/2.0\r\nVia: ${via}\r\nFrom: ${from}\r\nTo: <sip:cup.uc.lab>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
  test('a refused From is refused again, with the same reason and line', () => {
    const bad = message('Bob <sip:bob@uc.lab;tag=1', 'SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1');
    const first = parseSipMessage(bad);
    const second = parseSipMessage(bad);
    expect(first.ok).toBe(false);
    expect(second).toEqual(first);
  });
  test('a Via parsed twice gives equal, separate values (a caller may add parameters)', () => {
    const a = parseVia('SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK7;rport');
    const b = parseVia('SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK7;rport');
    expect(a).toEqual(b);
    if (!a.ok || !b.ok) throw new Error('unparsed');
    a.value.params.received = '10.0.0.9';
    expect(b.value.params.received).toBeUndefined();
    expect(parseVia('SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK7;rport')).toEqual(b);
    expect(parseVia('SIP/2.0/TCP').ok).toBe(false);
    expect(parseVia('SIP/2.0/TCP').ok).toBe(false);
  });
});

describe('SipHeaders', () => {
  test('case-insensitive access, set/append/prepend/remove, clone and order', () => {
    const h = new SipHeaders([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'], ['Call-ID', 'x']]);
    h.prepend('via', 'SIP/2.0/UDP b;branch=z9hG4bK2');
    h.append('Route', '<sip:p1;lr>, <sip:p2;lr>');
    expect(h.get('VIA')).toBe('SIP/2.0/UDP b;branch=z9hG4bK2');
    expect(h.getAll('route')).toEqual(['<sip:p1;lr>', '<sip:p2;lr>']);
    expect(h.removeFirstValue('Route')).toBe('<sip:p1;lr>');
    expect(h.getAll('Route')).toEqual(['<sip:p2;lr>']);
    const c = h.clone();
    c.set('call-id', 'y').remove('Route');
    expect(h.get('Call-ID')).toBe('x');
    expect(c.has('Route')).toBe(false);
    expect([...c].map(([n]) => n)).toEqual(['via', 'Via', 'Call-ID']); // names keep the caller's spelling
    expect(c.get('i')).toBe('y');
  });

  test('serialize writes what clone().set(Content-Length) holds, and get gives the first element of a list header (property)', () => {
    const name = fc.constantFrom('Via', 'Contact', 'Route', 'Content-Length', 'l', 'From', 'Allow', 'X-Extra');
    const value = fc.stringMatching(/^[a-z0-9 ,;"<>=:\\]{0,24}$/);
    fc.assert(fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), fc.nat(99999), (fields, length) => {
      const h = new SipHeaders(fields);
      let expected = '';
      for (const [n, v] of h.clone().set('Content-Length', String(length))) expected += `${n}: ${v}\r\n`;
      expect(h.serialize(String(length))).toBe(expected);
      for (const n of ['Via', 'Contact', 'Route', 'Allow']) expect(h.get(n)).toBe(h.getAll(n)[0]);
      expect(h.count('Content-Length')).toBe(fields.filter(([n]) => n === 'l' || n === 'Content-Length').length);
    }));
  });

  test('Date and other non-list headers are not split on commas', () => {
    const h = new SipHeaders([['Date', 'Fri, 01 May 2009 09:00:00 GMT']]);
    expect(h.getAll('Date')).toEqual(['Fri, 01 May 2009 09:00:00 GMT']);
  });
});

describe('URI, name-addr, Via, CSeq helpers', () => {
  test.each([
    ['sip:alice@ocs.lab', { scheme: 'sip', user: 'alice', host: 'ocs.lab', params: {}, headers: {} }],
    ['sips:bob:pw@[2001:db8::1]:5061;transport=tcp;lr', { scheme: 'sips', user: 'bob', password: 'pw', host: '[2001:db8::1]', port: 5061, params: { transport: 'tcp', lr: null }, headers: {} }],
    ['sip:fe1.ocs.lab:5060;transport=tls;ms-role-rs-from;lr;ms-route-sig=abc', { scheme: 'sip', host: 'fe1.ocs.lab', port: 5060, params: { transport: 'tls', 'ms-role-rs-from': null, lr: null, 'ms-route-sig': 'abc' }, headers: {} }],
    ['sip:b@lab?Subject=hi&Priority=urgent', { scheme: 'sip', user: 'b', host: 'lab', params: {}, headers: { Subject: 'hi', Priority: 'urgent' } }],
    ['tel:73124;phone-context=dialstring;partition=BE_BRS_INT', { scheme: 'tel', user: '73124', host: '', params: { 'phone-context': 'dialstring', partition: 'BE_BRS_INT' }, headers: {} }],
  ])('parseSipUri %s', (text, expected) => {
    const r = parseSipUri(text);
    expect(r).toEqual({ ok: true, value: expected });
    if (r.ok) expect(formatSipUri(r.value)).toBe(text);
  });

  test('parseSipUri rejects other schemes', () => {
    expect(parseSipUri('http://x').ok).toBe(false);
  });

  test.each([
    ['"Alice Smith" <sip:alice@lab>;tag=88', { displayName: 'Alice Smith', uri: 'sip:alice@lab', params: { tag: '88' } }],
    ['Bob <sip:bob@lab;transport=tcp>', { displayName: 'Bob', uri: 'sip:bob@lab;transport=tcp', params: {} }],
    ['<sip:c@lab>;tag=1;epid=abc', { uri: 'sip:c@lab', params: { tag: '1', epid: 'abc' } }],
    ['sip:d@lab;tag=9', { uri: 'sip:d@lab', params: { tag: '9' } }],
    ['"a \\"q\\" <x>" <sip:e@lab>', { displayName: 'a "q" <x>', uri: 'sip:e@lab', params: {} }],
  ])('parseNameAddr %s', (text, expected) => {
    const r = parseNameAddr(text);
    expect(r).toEqual({ ok: true, value: expected });
    if (r.ok) expect(parseNameAddr(formatNameAddr(r.value))).toEqual(r);
  });

  test('parseVia, parseCSeq, reasonPhrase', () => {
    expect(parseVia('SIP / 2.0 / tcp 10.0.0.1:5061 ;branch=z9hG4bK7;rport;received=1.1.1.1')).toEqual({
      ok: true,
      value: { transport: 'TCP', host: '10.0.0.1', port: 5061, params: { branch: 'z9hG4bK7', rport: null, received: '1.1.1.1' } },
    });
    expect(parseVia('garbage').ok).toBe(false);
    expect(parseCSeq('314159 INVITE')).toEqual({ ok: true, value: { seq: 314159, method: 'INVITE' } });
    expect(parseCSeq('-1 INVITE').ok).toBe(false);
    expect(parseCSeq('99999999999 INVITE').ok).toBe(false);
    expect(reasonPhrase(483)).toBe('Too Many Hops');
    expect(reasonPhrase(487)).toBe('Request Terminated');
    expect(reasonPhrase(499)).toBe('Client Error');
  });
});

describe('createResponse / createCancel', () => {
  const invite = (): SipRequest => {
    const r = parseSipMessage(crlf([
      'INVITE sip:b@lab SIP/2.0',
      'Via: SIP/2.0/UDP p1;branch=z9hG4bKp1',
      'Via: SIP/2.0/UDP a;branch=z9hG4bKa',
      'Record-Route: <sip:p1;lr>',
      'Route: <sip:p2;lr>',
      'Max-Forwards: 69',
      'From: <sip:a@lab>;tag=fa',
      'To: <sip:b@lab>',
      'Call-ID: cr',
      'CSeq: 5 INVITE',
      'Content-Length: 0',
      '',
      '',
    ]));
    if (!r.ok || r.value.kind !== 'request') throw new Error('fixture');
    return r.value;
  };

  test('copies Via in order, From, To (+tag), Call-ID, CSeq; Record-Route for 18x/2xx', () => {
    const ringing = createResponse(invite(), 180, undefined, { toTag: 'tb' });
    expect(ringing.reason).toBe('Ringing');
    expect(ringing.headers.getAll('Via')).toEqual(['SIP/2.0/UDP p1;branch=z9hG4bKp1', 'SIP/2.0/UDP a;branch=z9hG4bKa']);
    expect(ringing.headers.get('To')).toBe('<sip:b@lab>;tag=tb');
    expect(ringing.headers.get('CSeq')).toBe('5 INVITE');
    expect(ringing.headers.get('Record-Route')).toBe('<sip:p1;lr>');
    const busy = createResponse(invite(), 486, undefined, { toTag: 'tb' });
    expect(busy.headers.has('Record-Route')).toBe(false);
    expect(busy.headers.has('Route')).toBe(false);
    const ok200 = createResponse(invite(), 200, 'OK', { toTag: 'tb', body: '<x/>', contentType: 'application/csta+xml', headers: [['Contact', '<sip:b@10.0.0.6>']] });
    expect(ok200.headers.get('Content-Type')).toBe('application/csta+xml');
    expect(ok200.headers.get('Contact')).toBe('<sip:b@10.0.0.6>');
    expect(serializeSipMessage(ok200)).toContain('Content-Length: 4\r\n\r\n<x/>');
  });

  test('createCancel keeps the top Via, Route and CSeq number', () => {
    const c = createCancel(invite());
    expect(c.method).toBe('CANCEL');
    expect(c.headers.getAll('Via')).toEqual(['SIP/2.0/UDP p1;branch=z9hG4bKp1']);
    expect(c.headers.get('Route')).toBe('<sip:p2;lr>');
    expect(c.headers.get('CSeq')).toBe('5 CANCEL');
    expect(parseSipMessage(serializeSipMessage(c)).ok).toBe(true);
  });
});

describe('byteLength (Content-Length, §20.14)', () => {
  const encoder = new TextEncoder();
  it('counts the octets TextEncoder writes, for any UTF-16 string (lone surrogates too)', () => {
    const unit = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0x7ff }), fc.integer({ min: 0x800, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }));
    fc.assert(fc.property(fc.array(unit, { maxLength: 40 }), (units) => {
      const text = String.fromCharCode(...units);
      return byteLength(text) === encoder.encode(text).length;
    }));
    expect(byteLength('')).toBe(0);
    expect(byteLength('é€😀')).toBe(2 + 3 + 4);
  });
});
