import fc from 'fast-check';
import { Grammar } from 'sip.js/lib/grammar/grammar.js';
import * as peg from 'sip.js/lib/grammar/pegjs/dist/grammar.js';

// The patch of sip.js's grammar (patches/sip.js+0.21.2.patch, docs/decisions/0012) parses a header from a cache,
// with a branch, a tag or a challenge's quoted values replaced by fixed ones. Whatever the input, it must give
// what sip.js's own PEG parser gives for it: the same value, or the same rejection (-1).

function pegParse(input: string, startRule: string): unknown {
  const options: { startRule: string; data?: unknown } = { startRule };
  try {
    (peg as unknown as { parse: (i: string, o: object) => void }).parse(input, options);
  } catch {
    options.data = -1;
  }
  return options.data;
}

/** A comparable form: the parse's own fields (NameAddrHeader and URI instances compared by their data). */
const shape = (v: unknown): string => JSON.stringify(v);

const patched = (input: string, rule: string): unknown => (Grammar as unknown as { parse: (i: string, r: string) => unknown }).parse(input, rule);

const RUNS = Number(process.env.FUZZ_RUNS ?? 150) * 2;

/** Characters of header values, the awkward ones often: quotes, backslashes, commas, spaces, controls, non-ASCII. */
const awkward = fc.constantFrom('"', '\\', ',', ' ', '\t', '=', ';', '<', '>', '@', ':', '\u0001', '\u007f', 'é', '\r\n ');
const valueText = fc.array(fc.oneof(fc.stringMatching(/^[A-Za-z0-9+/=._~-]{0,12}$/), awkward), { maxLength: 6 }).map((parts) => parts.join(''));
const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,10}$/);

describe("sip.js's grammar with the lab's cache in front of it", () => {
  it('parses challenges (NTLM, Kerberos, Digest, anything) as the PEG parser does', () => {
    const param = fc
      .tuple(fc.constantFrom('realm', 'targetname', 'version', 'opaque', 'gssapi-data', 'qop', 'nonce', 'stale', 'algorithm', 'domain', 'x-foo'), fc.oneof(token, valueText.map((t) => `"${t}"`)))
      .map(([k, v]) => `${k}=${v}`);
    const challenge = fc
      .tuple(fc.constantFrom('NTLM', 'Kerberos', 'TLS-DSK', 'Negotiate', 'Digest', 'digest', ' NTLM', 'NTLM\\'), fc.array(param, { maxLength: 5 }), fc.constantFrom(', ', ',', ' ,', ' '))
      .map(([scheme, params, sep]) => `${scheme} ${params.join(sep)}`);
    fc.assert(
      fc.property(challenge, fc.constantFrom('WWW_Authenticate', 'Proxy_Authenticate'), (input, rule) => {
        expect(shape(patched(input, rule))).toBe(shape(pegParse(input, rule)));
        // Twice: the second comes from the cache.
        expect(shape(patched(input, rule))).toBe(shape(pegParse(input, rule)));
      }),
      { numRuns: RUNS },
    );
  });

  it('parses From, To and Via with their tags and branches as the PEG parser does', () => {
    const nameAddr = fc
      .tuple(fc.option(valueText.map((t) => `"${t}" `), { nil: '' }), token, fc.constantFrom('uc.lab', '192.0.2.30:5061', 'cup.uc.lab;transport=tcp'), fc.option(fc.oneof(token, valueText), { nil: undefined }))
      .map(([display, user, host, tag]) => `${display}<sip:${user}@${host}>${tag === undefined ? '' : `;tag=${tag}`}`);
    const via = fc
      .tuple(fc.constantFrom('SIP/2.0/TCP 192.0.2.30:5060', 'SIP/2.0/TLS gen-pool1.uc.lab:5061', 'SIP/2.0/UDP 198.19.254.1'), fc.oneof(token, valueText), fc.option(fc.constantFrom(';rport', ';received=192.0.2.1', ';ms-received-port=5060'), { nil: '' }))
      .map(([sent, branch, more]) => `${sent};branch=${branch}${more}`);
    fc.assert(
      fc.property(fc.oneof(nameAddr.map((v) => ['From', v] as const), nameAddr.map((v) => ['To', v] as const), via.map((v) => ['Via', v] as const)), ([rule, input]) => {
        expect(shape(patched(input, rule))).toBe(shape(pegParse(input, rule)));
        expect(shape(patched(input, rule))).toBe(shape(pegParse(input, rule)));
      }),
      { numRuns: RUNS },
    );
  });

  it('parses Call-IDs and UUIDs, well formed or not, as the PEG parser does', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~()<>:\\"/[\]?{}-]{1,16}$/);
    const callId = fc.oneof(word, fc.tuple(word, word).map(([a, b]) => `${a}@${b}`), fc.tuple(word, valueText, fc.option(word, { nil: '' })).map((parts) => parts.join('')));
    const hex = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9A-Fa-f]{${n}}$`));
    const uuid = fc.oneof(
      fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((g) => g.join('-')),
      fc.tuple(hex(8), hex(4), fc.stringMatching(/^[0-9A-Za-z]{3,5}$/), hex(4), hex(12), fc.constantFrom('', '-', 'x', ' ')).map((g) => g.slice(0, 5).join('-') + g[5]),
      valueText,
    );
    fc.assert(
      fc.property(fc.oneof(callId.map((v) => ['Call_ID', v] as const), uuid.map((v) => ['uuid', v] as const)), ([rule, input]) => {
        expect(shape(patched(input, rule))).toBe(shape(pegParse(input, rule)));
        expect(shape(patched(input, rule))).toBe(shape(pegParse(input, rule)));
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe("sip.js's PEG parser, built once and run on reused stacks", () => {
  // The patch builds the parser (its constants and action functions) once, and its rule interpreter reuses one
  // value stack per nesting depth (docs/decisions/0012, seventh change); `parseUnshared` is sip.js's own peg$parse,
  // kept beside it. Both must give the same value in options.data, the same result, or the same SyntaxError.
  type Parse = (input: string, options: { startRule: string; data?: unknown }) => unknown;
  const { parse: shared, parseUnshared } = peg as unknown as { parse: Parse; parseUnshared: Parse };
  const outcome = (parse: Parse, input: string, startRule: string): string => {
    const options: { startRule: string; data?: unknown } = { startRule };
    try {
      const result = parse(input, options);
      return shape({ result, data: options.data });
    } catch (e) {
      const { message, expected, found, location } = e as { message: string; expected?: unknown; found?: unknown; location?: unknown };
      return shape({ threw: message, expected, found, location, data: options.data });
    }
  };
  // A real value or two for every start rule sip.js uses; the property below also cuts, repeats and replaces their characters.
  const corpus: Record<string, string[]> = {
    Contact: ['<sip:alice@192.0.2.101:5060;transport=tcp>;expires=3600;+sip.instance="<urn:uuid:7f3c0d6e-1b2a-4c5d-8e9f-0a1b2c3d4e5f>"', '*', '"Bob B" <sip:bob@uc.lab>;q=0.5, <sips:carol@uc.lab>'],
    Name_Addr_Header: ['"Alice" <sip:alice@uc.lab>;tag=abc123', '<sip:+14085551001@cucm.uc.lab;user=phone>'],
    Record_Route: ['<sip:pool1.uc.lab:5061;transport=tls;lr>, <sip:192.0.2.20;lr;ms-route-sig=aa>'],
    Request_Response: ['INVITE sip:cup.uc.lab@192.0.2.20:5060;transport=tcp SIP/2.0', 'SIP/2.0 200 OK', 'SIP/2.0 401 Unauthorized'],
    SIP_URI: ['sip:alice@uc.lab;transport=tcp?Subject=hi&Priority=urgent', 'sips:[2001:db8::1]:5061;maddr=239.1.1.1;ttl=15;method=INVITE;lr'],
    Subscription_State: ['active;expires=3600', 'terminated;reason=timeout;retry-after=30'],
    Supported: ['timer, 100rel, ms-benotify', ''],
    Require: ['100rel'],
    Via: ['SIP/2.0/TCP 192.0.2.101:5060;branch=z9hG4bK776asdhds;rport;received=192.0.2.1', 'SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKx;ttl=16;maddr=224.2.0.1, SIP/2.0/TLS pool1.uc.lab'],
    absoluteURI: ['http://owa.uc.lab/exchange/alice/Calendar?x=1', 'urn:uuid:7f3c0d6e'],
    Call_ID: ['a84b4c76e66710@pc33.uc.lab', 'f81d4fae7dec11d0a76500a0c91e6bf6'],
    Content_Disposition: ['session;handling=required', 'render'],
    Content_Length: ['0', '1234'],
    Content_Type: ['application/csta+xml', 'multipart/mixed; boundary="=-=-="; charset=UTF-8'],
    CSeq: ['1 INVITE', '314159 REGISTER'],
    displayName: ['"Alice \\"A\\" Smith"', 'Bob Smith'],
    Event: ['presence;id=7', 'vnd-microsoft-roaming-self', 'refer'],
    From: ['"Alice" <sip:alice@uc.lab>;tag=9fxced76sl', 'sip:+14085551001@uc.lab;tag=1'],
    host: ['pool1.uc.lab', '192.0.2.20', '[2001:db8::1]'],
    Max_Forwards: ['70'],
    Min_SE: ['90;lr'],
    Proxy_Authenticate: ['Digest realm="uc.lab", nonce="abc", qop="auth,auth-int", algorithm=MD5, stale=FALSE, opaque="x"'],
    quoted_string: ['"a \\"quoted\\" string"', '""'],
    Refer_To: ['<sip:bob@uc.lab?Replaces=abc%40pc%3Bto-tag%3D1%3Bfrom-tag%3D2>', 'sip:carol@uc.lab'],
    Replaces: ['abc@pc;to-tag=1;from-tag=2;early-only'],
    Session_Expires: ['1800;refresher=uac'],
    stun_URI: ['stun:stun.uc.lab:3478', 'stuns:[2001:db8::1]'],
    To: ['<sip:bob@uc.lab>', '"Bob" <sip:bob@uc.lab>;tag=x9'],
    turn_URI: ['turn:turn.uc.lab:3478?transport=udp', 'turns:turn.uc.lab'],
    uuid: ['7f3c0d6e-1b2a-4c5d-8e9f-0a1b2c3d4e5f'],
    WWW_Authenticate: ['NTLM realm="SIP Communications Service", targetname="pool1.uc.lab", version=3, gssapi-data="TlRMTVNTUAACAAAA"', 'Digest realm="uc.lab", nonce="n", qop="auth"'],
    challenge: ['Kerberos realm="SIP Communications Service", targetname="sip/pool1.uc.lab"'],
    sipfrag: ['SIP/2.0 200 OK', 'SIP/2.0 100 Trying'],
    Referred_By: ['<sip:alice@uc.lab>;cid="abc@uc.lab"', 'sip:alice@uc.lab'],
  };
  const rules = Object.keys(corpus);

  it('knows the same start rules, and refuses the same unknown one', () => {
    for (const rule of [...rules, 'no_such_rule']) expect([rule, outcome(shared, 'x', rule)]).toEqual([rule, outcome(parseUnshared, 'x', rule)]);
  });

  it('gives what sip.js\'s own parser gives for every start rule: real values, and the same values cut, repeated and altered', () => {
    const edit = fc.oneof(
      fc.tuple(fc.constant('cut' as const), fc.nat(), fc.nat({ max: 8 })),
      fc.tuple(fc.constant('repeat' as const), fc.nat(), fc.nat({ max: 8 })),
      fc.tuple(fc.constant('put' as const), fc.nat(), fc.oneof(awkward, token, fc.constantFrom('sip:', '@', ';tag=', '"', '[', ']', '%4', '0', 'z9hG4bK'))),
    );
    const apply = (text: string, edits: (readonly ['cut' | 'repeat', number, number] | readonly ['put', number, string])[]): string => {
      let t = text;
      for (const e of edits) {
        const at = t.length === 0 ? 0 : e[1] % (t.length + 1);
        if (e[0] === 'cut') t = t.slice(0, at) + t.slice(at + e[2]);
        else if (e[0] === 'repeat') t = t.slice(0, at + e[2]) + t.slice(at, at + e[2]) + t.slice(at + e[2]);
        else t = t.slice(0, at) + e[2] + t.slice(at);
      }
      return t;
    };
    for (const rule of rules) for (const text of corpus[rule] ?? []) expect([rule, text, outcome(shared, text, rule)]).toEqual([rule, text, outcome(parseUnshared, text, rule)]);
    fc.assert(
      fc.property(fc.constantFrom(...rules), fc.nat(), fc.array(edit, { maxLength: 4 }), (rule, pick, edits) => {
        const texts = corpus[rule] ?? [''];
        const input = apply(texts[pick % texts.length] ?? '', edits);
        expect(outcome(shared, input, rule)).toBe(outcome(parseUnshared, input, rule));
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('sip.js headerize, patched to keep its answers', () => {
  // sip.js's own algorithm, as it is without the patch: lower case, `_` → `-`, each part capitalised, six exceptions.
  const exceptions: Record<string, string> = { 'Call-Id': 'Call-ID', Cseq: 'CSeq', 'Min-Se': 'Min-SE', Rack: 'RAck', Rseq: 'RSeq', 'Www-Authenticate': 'WWW-Authenticate' };
  const original = (str: string): string => {
    const name = str
      .toLowerCase()
      .replace(/_/g, '-')
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.substring(1))
      .join('-');
    return exceptions[name] ?? name;
  };
  it('gives what the unpatched function gives, asked once or again', async () => {
    const { headerize } = (await import('sip.js/lib/core/messages/utils.js')) as unknown as { headerize: (s: string) => string };
    const name = fc.oneof(
      fc.constantFrom('call-id', 'CSEQ', 'www_authenticate', 'min-se', 'rack', 'Via', 'content-LENGTH', 'x--y', '-', '', 'toString', '__proto__'),
      fc.stringMatching(/^[A-Za-z_-]{0,16}$/),
    );
    fc.assert(
      fc.property(fc.array(name, { maxLength: 20 }), (names) => {
        for (const n of [...names, ...names]) expect(headerize(n)).toBe(original(n));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('sip.js utf8Length, patched to count as it goes', () => {
  // sip.js's own expression: percent-encode, then each escape counts as one byte (URIError on a lone surrogate).
  const original = (str: unknown): number | string => {
    try {
      return encodeURIComponent(str as string).replace(/%[A-F\d]{2}/g, 'U').length;
    } catch (e) {
      return e instanceof Error ? `${e.name}` : 'thrown';
    }
  };
  it('gives what the unpatched function gives: the UTF-8 length, or the same error', async () => {
    const { utf8Length } = (await import('sip.js/lib/core/messages/utils.js')) as unknown as { utf8Length: (s: unknown) => number };
    const patched = (str: unknown): number | string => {
      try {
        return utf8Length(str);
      } catch (e) {
        return e instanceof Error ? `${e.name}` : 'thrown';
      }
    };
    // Every width of UTF-8, and surrogates alone, in pairs, and in the wrong order.
    const unit = fc.oneof(
      fc.constantFrom('a', '%', ' ', '\r\n', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '€', '\uffff', '\ud83d\ude00', '\ud800', '\udc00', '\udbff\udfff', '\udc00\ud800'),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.string({ unit: 'grapheme-composite', maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 12 }), (parts) => {
        const s = parts.join('');
        expect(patched(s)).toBe(original(s));
        const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
        if (!loneSurrogate) expect(patched(s)).toBe(new TextEncoder().encode(s).length);
      }),
      { numRuns: RUNS * 5 },
    );
    for (const v of [undefined, null, 42, { toString: () => 'é' }]) expect(patched(v)).toBe(original(v));
  });
});
