import { HttpStreamFramer, headerOf, queryOf, serializeHttp } from './http-message';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('HTTP/1.1 messages', () => {
  it('serializes a request with Content-Length from the body, and frames it back byte by byte', () => {
    const bytes = serializeHttp({ kind: 'request', method: 'GET', target: '/emapp/EMAppServlet?device=SEP00000000A975&userid=dave', headers: [['Host', 'cucm.uc.lab:8080']], body: '' });
    expect(text(bytes)).toBe('GET /emapp/EMAppServlet?device=SEP00000000A975&userid=dave HTTP/1.1\r\nHost: cucm.uc.lab:8080\r\nContent-Length: 0\r\n\r\n');
    const framer = new HttpStreamFramer();
    const out = [...bytes].flatMap((b) => framer.push(Uint8Array.of(b)));
    expect(out).toHaveLength(1);
    const [first] = out;
    expect(first?.ok && first.value.kind === 'request' && queryOf(first.value.target).get('userid')).toBe('dave');
  });

  it('frames two responses in one read, bodies cut by Content-Length', () => {
    const a = serializeHttp({ kind: 'response', status: 200, reason: 'OK', headers: [['Content-Type', 'text/xml']], body: '<CiscoIPPhoneText/>' });
    const b = serializeHttp({ kind: 'response', status: 503, reason: 'Service Unavailable', headers: [], body: '' });
    const joined = new Uint8Array([...a, ...b]);
    const out = new HttpStreamFramer().push(joined);
    expect(out.map((r) => r.ok && r.value.kind === 'response' && r.value.status)).toEqual([200, 503]);
    expect(out[0]?.ok && headerOf(out[0].value, 'content-type')).toBe('text/xml');
    expect(out[0]?.ok && out[0].value.body).toBe('<CiscoIPPhoneText/>');
  });

  it('refuses a malformed start line, a space before the colon, and chunked bodies, then stays unusable', () => {
    for (const bad of ['NOT HTTP\r\n\r\n', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n']) {
      const framer = new HttpStreamFramer();
      const [r] = framer.push(new TextEncoder().encode(bad));
      expect(r?.ok).toBe(false);
      expect(framer.push(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'))[0]?.ok).toBe(false);
    }
  });
});
