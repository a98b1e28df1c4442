import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { encodeSipMessage, parseSipMessage, parseSipUri, type SipMessage } from '../simulators/protocols/sip';
import { scenariosDir } from './support/matrix';

// RFC 4475 (SIP torture test messages), every message of the RFC as bytes in test/fixtures/rfc4475/ (see its
// README.md): the lab's RFC 3261 parser on each, then the answer of a live node (CUP on the in-memory lab).

const dir = join(__dirname, 'fixtures', 'rfc4475');
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, `${name}.dat`)));
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

function parsed(name: string): SipMessage {
  const r = parseSipMessage(load(name));
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.value;
}

/** §3.1.1 valid messages, §3.2 badbranch, §3.3 messages a parser must take, §3.4 inv2543: they parse. */
const WELL_FORMED = [
  'wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason',
  'badbranch',
  'unkscm', 'novelsc', 'unksm2', 'bext01', 'invut', 'regaut01', 'bcast', 'zeromf', 'cparam01', 'cparam02', 'regescrt', 'sdp01',
  'inv2543',
];

/** §3.1.2 invalid messages and §3.3 insuf, multi01, mcl01: refused, the error naming the problem. */
const MALFORMED: [string, RegExp][] = [
  ['badinv01', /empty parameter \(";;"\) in the Via/],
  ['clerr', /Content-Length 9999 is longer than the 154-byte body/],
  ['ncl', /bad Content-Length "-999"/],
  ['scalar02', /^SIP: bad CSeq "36893488147419103232 REGISTER"/],
  ['scalarlg', /^SIP: bad CSeq "9292394834772304023312 OPTIONS"/],
  ['quotbal', /unterminated quoted string in To/],
  ['ltgtruri', /Request-URI is enclosed in <>/],
  ['lwsruri', /whitespace inside the Request-URI/],
  ['lwsstart', /more than one SP between the elements of the Request-Line/],
  ['trws', /whitespace after the SIP-Version/],
  ['escruri', /URI headers are not allowed in a Request-URI/],
  ['baddate', /bad Date "Fri, 01 Jan 2010 16:00:00 EST".*GMT/],
  ['regbadct', /URI "sip:user@example\.com\?Route=%3Csip:sip\.example\.com%3E" of Contact has headers but is not enclosed in <>/],
  ['badaspec', /whitespace inside the <URI> of To/],
  ['baddn', /display name of (From|To) holds a comma but is not quoted/],
  ['badvers', /unsupported SIP version SIP\/7\.0/],
  ['mismatch01', /CSeq method INVITE does not match OPTIONS/],
  ['mismatch02', /CSeq method INVITE does not match NEWMETHOD/],
  ['bigcode', /bad start line "SIP\/2\.0 4294967301/],
  ['insuf', /missing mandatory header (To|From|Call-ID)/],
  ['multi01', /(To|From|Call-ID|CSeq|Max-Forwards) appears 2 times; it takes a single value/],
  ['mcl01', /Content-Length appears 2 times; it takes a single value/],
];

describe('RFC 4475 torture messages against the SIP parser', () => {
  it('the fixtures hold every message of the RFC, one file each', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.dat')).map((f) => f.slice(0, -4)).sort();
    expect(files).toEqual([...WELL_FORMED, ...MALFORMED.map(([n]) => n)].sort());
    expect(files).toHaveLength(49);
  });

  it.each(WELL_FORMED)('%s parses', (name) => {
    const r = parseSipMessage(load(name));
    expect(r.ok ? 'parsed' : r.error.message).toBe('parsed');
  });

  it.each(MALFORMED)('%s is refused with a CodecError naming the problem', (name, problem) => {
    const r = parseSipMessage(load(name));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('UC_CODEC');
    expect(r.error.message).toMatch(problem);
  });

  it('wsinv: folding, LWS around colons and semicolons, short and long forms, leading zeros, unknown headers (§3.1.1.1)', () => {
    const m = parsed('wsinv');
    expect(m.kind === 'request' && m.uri).toBe('sip:vivekg@chair-dnrc.example.com;unknownparam');
    expect(m.headers.getAll('Via')).toHaveLength(3);
    expect(m.headers.get('Max-Forwards')).toBe('0068');
    expect(m.headers.get('CSeq')).toBe('0009 INVITE');
    expect(m.headers.get('Subject')).toBe('');
    expect(m.headers.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.headers.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(m.body).toHaveLength(150);
  });

  it("intmeth: an unusual method and a Request-URI whose user part holds '?', ';' and ':' (§3.1.1.2)", () => {
    const m = parsed('intmeth');
    expect(m.kind === 'request' && m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    const uri = parseSipUri(m.kind === 'request' ? m.uri : '');
    expect(uri).toEqual({
      ok: true,
      value: {
        scheme: 'sip',
        user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
        password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
        host: 'example.com',
        params: {},
        headers: {},
      },
    });
  });

  it('escnull registers two distinct contacts; dblreq yields only the REGISTER (§3.1.1.4, §3.1.1.8)', () => {
    expect(parsed('escnull').headers.getAll('Contact')).toEqual(['<sip:%00@host5.example.com>', '<sip:%00%00@host5.example.com>']);
    const d = parsed('dblreq');
    expect(d.kind === 'request' && d.method).toBe('REGISTER');
    expect(d.body).toBe('');
  });

  it('longreq keeps its 34 Via values; unreason keeps its UTF-8 reason; noreason has an empty one (§3.1.1.7, 12, 13)', () => {
    expect(parsed('longreq').headers.getAll('Via')).toHaveLength(34);
    const u = parsed('unreason');
    expect(u.kind === 'response' && u.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    const n = parsed('noreason');
    expect(n.kind === 'response' && [n.status, n.reason]).toEqual([100, '']);
  });

  it('mpart01: the binary body part is kept octet for octet, through parse and encode (§3.1.1.11)', () => {
    const wire = load('mpart01');
    const m = parsed('mpart01');
    const bodyStart = latin1(wire).indexOf('\r\n\r\n') + 4;
    const body = wire.subarray(bodyStart);
    expect(body).toHaveLength(553);
    expect(m.rawBody && Buffer.from(m.rawBody).equals(Buffer.from(body))).toBe(true);
    const again = encodeSipMessage(m);
    const againBody = again.subarray(latin1(again).indexOf('\r\n\r\n') + 4);
    expect(Buffer.from(againBody).equals(Buffer.from(body))).toBe(true);
    expect(latin1(again)).toMatch(/\r\nContent-Length: 553\r\n/);
    // A text body is not doubled as bytes.
    expect(parsed('wsinv').rawBody).toBeUndefined();
  });

  it('inv2543: an RFC 2543 INVITE (no branch cookie, no From tag, no Max-Forwards, no Content-Length) is taken (§3.4.1)', () => {
    const m = parsed('inv2543');
    expect(m.headers.has('Max-Forwards')).toBe(false);
    expect(m.body).toMatch(/^v=0\r\n[\s\S]*m=audio 49217 RTP\/AVP 0\r\n$/);
  });

  it('a request that claims RFC 3261 (z9hG4bK branch) still needs Max-Forwards (§8.1.1)', () => {
    const r = parseSipMessage('OPTIONS sip:b@l SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@l>;tag=1\r\nTo: <sip:b@l>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n');
    expect(r.ok || r.error.message).toMatch(/missing mandatory header Max-Forwards/);
  });
});

/**
 * What CUP answers to each request of the RFC, sent raw over UDP from the OCS pool (so CUP's ACL lets it in). The
 * top Via's sent-by is rewritten to the sender, a port per message (the RFC's hosts are not on the lab), nothing else is touched.
 * undefined: no answer (a response, or a message the RFC says to drop).
 */
const LIVE: [string, number | undefined, string][] = [
  ['wsinv', 415, 'well formed; CUP takes only CSTA INVITEs (415 with Accept)'],
  ['intmeth', 405, 'well formed; an unknown method gets 405 with Allow (§8.2.1)'],
  ['esc01', 415, 'well formed INVITE'],
  ['escnull', 405, 'well formed; CUP is no registrar'],
  ['esc02', 405, 'well formed; the escaped method is not REGISTER'],
  ['lwsdisp', 200, 'well formed OPTIONS'],
  ['longreq', 415, 'well formed INVITE'],
  ['dblreq', 405, 'the REGISTER is answered, the INVITE after it in the datagram is discarded (§18.3)'],
  ['semiuri', 200, 'well formed OPTIONS'],
  ['transports', 200, 'well formed OPTIONS'],
  ['mpart01', 405, 'well formed MESSAGE'],
  ['badinv01', 400, 'malformed Via'],
  ['clerr', 400, 'Content-Length beyond the datagram (§18.3)'],
  ['ncl', 400, 'negative Content-Length'],
  ['scalar02', 400, 'CSeq beyond 2**32-1'],
  ['quotbal', 400, 'unterminated quote'],
  ['ltgtruri', 400, 'Request-URI in <>'],
  ['lwsruri', 400, 'LWS in the Request-URI'],
  ['lwsstart', 400, 'extra SP in the Request-Line'],
  ['trws', 400, 'trailing SP in the Request-Line'],
  ['escruri', 400, 'URI headers in the Request-URI'],
  ['baddate', 400, 'non-GMT Date'],
  ['regbadct', 400, 'Contact URI with headers outside <>'],
  ['badaspec', 400, 'spaces in the addr-spec'],
  ['baddn', 400, 'unquoted display names with commas'],
  ['badvers', 505, 'SIP/7.0 (§8.2.2, §21.5.7)'],
  ['mismatch01', 400, 'CSeq method differs'],
  ['mismatch02', 400, 'CSeq method differs (RFC: 501 preferred, 400 acceptable)'],
  ['badbranch', 200, 'branch "z9hG4bK" alone: CUP falls back to the RFC 2543 transaction identifier, as the RFC allows'],
  ['insuf', 400, 'no To, From or Call-ID; the 400 carries the Via and CSeq it has'],
  ['unkscm', 416, 'unknown Request-URI scheme (§8.2.2.1)'],
  ['novelsc', 416, 'unknown Request-URI scheme (§8.2.2.1)'],
  ['unksm2', 405, 'well formed; CUP is no registrar (a registrar would refuse the isbn: To)'],
  ['bext01', 420, 'unknown Require options, listed in Unsupported (§8.2.2.3); Proxy-Require is for proxies'],
  ['invut', 415, 'unknown body type (415 with Accept, §21.4.13)'],
  ['regaut01', 405, 'well formed; CUP is no registrar'],
  ['multi01', 400, 'several values for single-value headers'],
  ['mcl01', 400, 'two Content-Length values'],
  ['zeromf', 200, 'Max-Forwards 0: an endpoint processes it (a proxy would answer 483)'],
  ['cparam01', 405, 'well formed; CUP is no registrar'],
  ['cparam02', 405, 'well formed; CUP is no registrar'],
  ['regescrt', 405, 'well formed; CUP is no registrar'],
  ['sdp01', 415, 'CUP takes no SDP at all: 415 comes before the Accept check (the RFC suggests 406 or 488)'],
  ['inv2543', 415, 'RFC 2543 INVITE taken; CUP takes only CSTA INVITEs'],
  ['bcast', undefined, 'a response matching no transaction: dropped (§18.1.2)'],
  ['unreason', undefined, 'a response matching no transaction: dropped'],
  ['noreason', undefined, 'a response matching no transaction: dropped'],
  ['bigcode', undefined, 'a response with a status code beyond 699: dropped'],
  ['scalarlg', undefined, 'a malformed response: dropped'],
];

/** The top Via's sent-by replaced by the sender (the message's folding and spacing otherwise kept). */
function fromHost(wire: Uint8Array, sentBy: string): Uint8Array {
  const text = latin1(wire).replace(/^((?:via|v)[ \t]*:\s*SIP\s*\/\s*\d+\.\d+\s*\/\s*[A-Za-z]+\s+)([^;\s,]+)/im, `$1${sentBy}`);
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

describe('RFC 4475 torture messages against a live node (CUP)', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('covers every message', () => {
    expect(LIVE.map(([n]) => n).sort()).toEqual([...WELL_FORMED, ...MALFORMED.map(([n]) => n)].sort());
  });

  /** Every datagram `to` sends back within 5 s (virtual), until a final response. */
  async function send(name: string, to = 'cup', from = 'ocs-pool1'): Promise<string[]> {
    const host = lab.network.host(from);
    // A port of its own per message: many RFC messages share a branch (z9hG4bKkdjuw), told apart only by their sent-by (§17.2.3).
    const port = 15100 + LIVE.findIndex(([n]) => n === name);
    const socket = await host.bindUdp(port);
    const answers: string[] = [];
    try {
      // Only answers to this message (by Call-ID, else CSeq): CUP still retransmits its final answers to earlier INVITEs.
      const wire = latin1(load(name));
      const id = /^(?:call-id|i)[ \t]*:[ \t]*(\S+)/im.exec(wire)?.[1];
      const mine = id !== undefined ? `\r\nCall-ID: ${id}\r\n` : `\r\nCSeq: ${/^cseq[ \t]*:[ \t]*(.+?)\s*$/im.exec(wire)?.[1] ?? ''}\r\n`;
      socket.onDatagram((d) => {
        const answer = Buffer.from(d).toString('utf8');
        if (answer.includes(mine)) answers.push(answer);
      });
      socket.send({ address: lab.network.host(to).address, port: 5060 }, fromHost(load(name), `${host.address}:${port}`));
      await lab.driver.runUntil(() => answers.some((a) => !/^SIP\/2\.0 1\d\d /.test(a)), 5000);
      return answers;
    } finally {
      socket.close();
    }
  }

  it.each(LIVE)('%s gets %s (%s)', async (name, status) => {
    const answers = (await send(name)).filter((a) => !/^SIP\/2\.0 1\d\d /.test(a));
    if (status === undefined) {
      expect(answers).toEqual([]);
      return;
    }
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual([expect.stringMatching(new RegExp(`^SIP/2\\.0 ${status} `))]);
    const answer = answers[0] as string;
    if (status === 400 || status === 505) {
      const problem = MALFORMED.find(([n]) => n === name)?.[1];
      const warning = /\r\nWarning: 399 \S+ "([^"]*)"\r\n/.exec(answer)?.[1] ?? '';
      expect(warning).not.toBe('');
      if (problem) expect(warning.replace(/^SIP: /, '')).toMatch(new RegExp(problem.source.replace(/^\^SIP: /, '').replace(/\\"/g, ' ').replace(/"/g, ' ')));
    }
    if (name === 'bext01') expect(answer).toMatch(/\r\nUnsupported: nothingSupportsThis, nothingSupportsThisEither\r\n/);
    if (status === 415) expect(answer).toMatch(/\r\nAccept: application\/csta\+xml\r\n/);
    if (name === 'insuf') expect(answer).toMatch(/\r\nCSeq: 193942 INVITE\r\n/);
  });

  // The same three messages at the pool (a proxy, RFC 3261 §16.3 steps 2 and 5: it checks Proxy-Require, before
  // challenging the sender) and at CUCM's SIP line side (a UAS, §8.2.2: Require); RFC 4475 §3.3.5: the Unsupported
  // header lists the options "from either the Require or Proxy-Require header field, depending on the role".
  it.each([
    ['ocs-pool1', 'cup', 'noProxiesSupportThis, norDoAnyProxiesSupportThis'],
    ['cucm', 'phone-7971-sip', 'nothingSupportsThis, nothingSupportsThisEither'],
  ])('%s (asked from %s) answers unkscm and novelsc 416 and bext01 420 with Unsupported: %s', async (to, from, unsupported) => {
    const finals = async (name: string) => (await send(name, to, from)).filter((a) => !/^SIP\/2\.0 1\d\d /.test(a));
    for (const name of ['unkscm', 'novelsc']) expect((await finals(name)).map((a) => a.split('\r\n')[0])).toEqual(['SIP/2.0 416 Unsupported URI Scheme']);
    const [answer, ...more] = await finals('bext01');
    expect(more).toEqual([]);
    expect(answer?.split('\r\n')[0]).toBe('SIP/2.0 420 Bad Extension');
    expect(answer).toMatch(new RegExp(`\r\nUnsupported: ${unsupported}\r\n`));
  });
});
