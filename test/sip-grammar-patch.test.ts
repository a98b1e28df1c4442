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
