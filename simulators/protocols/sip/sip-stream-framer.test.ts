import { SipStreamFramer } from './sip-stream-framer';
import type { SipMessage } from './sip-message';

const enc = new TextEncoder();
const msg = (cseq: number, body = ''): string =>
  [
    `INFO sip:b@lab SIP/2.0`,
    'Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK' + cseq,
    'Max-Forwards: 70',
    'From: <sip:a@lab>;tag=1',
    'To: <sip:b@lab>;tag=2',
    'Call-ID: framer',
    `CSeq: ${cseq} INFO`,
    `Content-Length: ${enc.encode(body).length}`,
    '',
    body,
  ].join('\r\n');

const cseqs = (results: ReturnType<SipStreamFramer['push']>): number[] =>
  results.map((r) => {
    if (!r.ok) throw r.error;
    return Number((r.value as SipMessage).headers.get('CSeq')?.split(' ')[0]);
  });

describe('SipStreamFramer', () => {
  const stream = `${msg(1, '<a/>')}\r\n\r\n${msg(2, 'Grüße')}${msg(3)}\r\n`;
  const bytes = enc.encode(stream);

  test.each([1, 2, 3, 7, 50, bytes.length])('chunks of %i bytes give the same three messages', (size) => {
    const framer = new SipStreamFramer();
    const out: ReturnType<SipStreamFramer['push']> = [];
    for (let i = 0; i < bytes.length; i += size) out.push(...framer.push(bytes.subarray(i, i + size)));
    expect(cseqs(out)).toEqual([1, 2, 3]);
    expect(out[1]?.ok && out[1].value.body).toBe('Grüße');
    expect(framer.pending).toBe(0);
  });

  test('a partial message is kept for the next push', () => {
    const framer = new SipStreamFramer();
    const one = enc.encode(msg(1, 'hello'));
    expect(framer.push(one.subarray(0, one.length - 2))).toEqual([]);
    expect(framer.pending).toBe(one.length - 2);
    expect(cseqs(framer.push(one.subarray(one.length - 2)))).toEqual([1]);
  });

  test('the caller may reuse its chunk after a push: neither a partial message nor the chunk itself is touched', () => {
    const framer = new SipStreamFramer();
    const whole = enc.encode(msg(1, 'hello') + msg(2, 'world'));
    const cut = whole.length - 10;
    const chunk = whole.slice(0, cut);
    const before = chunk.slice();
    expect(cseqs(framer.push(chunk))).toEqual([1]);
    expect(chunk).toEqual(before);
    chunk.fill(0x41); // a reader that recycles its buffer
    const out = framer.push(whole.subarray(cut));
    expect(cseqs(out)).toEqual([2]);
    expect(out[0]?.ok && out[0].value.body).toBe('world');
  });

  test('CRLF keep-alives alone produce nothing', () => {
    const framer = new SipStreamFramer();
    expect(framer.push(enc.encode('\r\n\r\n'))).toEqual([]);
    expect(framer.push(enc.encode('\r\n'))).toEqual([]);
    expect(framer.pending).toBe(0);
  });

  test('garbage is reported once, then the framer resynchronises on the next start line', () => {
    const framer = new SipStreamFramer();
    const out = framer.push(enc.encode(`GARBAGE LINE\r\nmore junk\r\n${msg(4)}`));
    expect(out).toHaveLength(2);
    expect(out[0]?.ok).toBe(false);
    if (out[0] && !out[0].ok) expect(out[0].error.where.offset).toBe(0);
    expect(cseqs(out.slice(1))).toEqual([4]);
    expect(framer.unusable).toBe(false);
  });

  test('a bad Content-Length makes the stream unusable', () => {
    const framer = new SipStreamFramer();
    const out = framer.push(enc.encode(msg(5).replace('Content-Length: 0', 'Content-Length: -3')));
    expect(out).toHaveLength(1);
    expect(out[0]?.ok).toBe(false);
    expect(framer.unusable).toBe(true);
    expect(framer.push(enc.encode(msg(6)))).toEqual([]);
  });

  test('a framed but invalid message is an error and the next message still frames', () => {
    const framer = new SipStreamFramer();
    const broken = msg(7).replace('CSeq: 7 INFO\r\n', '');
    const out = framer.push(enc.encode(broken + msg(8)));
    expect(out[0]?.ok).toBe(false);
    expect(cseqs(out.slice(1))).toEqual([8]);
  });

  test('compact l: is used for the length', () => {
    const framer = new SipStreamFramer();
    const out = framer.push(enc.encode(msg(9, 'xyz').replace('Content-Length:', 'l:') + msg(10)));
    expect(cseqs(out)).toEqual([9, 10]);
  });
});

describe('SipStreamFramer limits', () => {
  test('a body larger than the limit is refused as oversized (the node answers 513) and the stream is unusable', () => {
    const framer = new SipStreamFramer();
    const head = msg(9).replace('Content-Length: 0', 'Content-Length: 100000000');
    const out = framer.push(enc.encode(head));
    expect(out).toHaveLength(1);
    expect(out[0]?.ok).toBe(false);
    expect(framer.unusable).toBe(true);
    expect(framer.oversized?.contentLength).toBe(100_000_000);
    expect(framer.oversized?.head).toMatch(/^INFO sip:b@lab SIP\/2\.0\r\n/);
    expect(framer.pending).toBe(0);
  });

  test('a message dribbled one byte at a time, with a body at the limit, comes out whole', () => {
    const framer = new SipStreamFramer();
    const body = 'x'.repeat(64 * 1024);
    const bytes = enc.encode(msg(4, body) + msg(5));
    const out: ReturnType<SipStreamFramer['push']> = [];
    for (let i = 0; i < bytes.length; i++) out.push(...framer.push(bytes.subarray(i, i + 1)));
    expect(cseqs(out)).toEqual([4, 5]);
    expect(out[0]?.ok && out[0].value.body.length).toBe(body.length);
  });

  test('megabytes of junk are reported once and leave the stream usable for the next message', () => {
    const framer = new SipStreamFramer();
    const junk = enc.encode('x\n'.repeat(2 * 1024 * 1024));
    const out: ReturnType<SipStreamFramer['push']> = [];
    for (let i = 0; i < junk.length; i += 4096) out.push(...framer.push(junk.subarray(i, i + 4096)));
    out.push(...framer.push(enc.encode(msg(6))));
    expect(out.filter((r) => !r.ok)).toHaveLength(1);
    expect(cseqs(out.filter((r) => r.ok))).toEqual([6]);
    expect(framer.unusable).toBe(false);
  });
});
