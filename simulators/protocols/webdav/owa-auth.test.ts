import fc from 'fast-check';
import {
  CALENDAR_UNSAFE_EMAIL_CHARACTERS,
  OWA_AUTH_PATHS,
  OWA_TRUSTED,
  decodeMailboxSegment,
  encodeMailboxSegment,
  parseOwaAuthForm,
  serializeOwaAuthForm,
  type OwaAuthForm,
} from './owa-auth';

function failure<T>(r: { ok: true; value: T } | { ok: false; error: { message: string; protocol: string } }): string {
  if (r.ok) throw new Error(`expected a CodecError, got ${JSON.stringify(r.value)}`);
  expect(r.error.protocol).toBe('webdav');
  return r.error.message;
}

describe('mailbox URL segment', () => {
  it('leaves RFC 3986 unreserved characters alone and percent-encodes the rest as UTF-8', () => {
    expect(encodeMailboxSegment('alice')).toBe('alice');
    expect(encodeMailboxSegment('a.b-c_d~e')).toBe('a.b-c_d~e');
    expect(encodeMailboxSegment("o'brien smith")).toBe('o%27brien%20smith');
    expect(encodeMailboxSegment('josé')).toBe('jos%C3%A9');
    expect(encodeMailboxSegment('\uD800')).toBe('%EF%BF%BD');
  });

  it('encodes every character of the CUP note except ~, which RFC 3986 leaves unreserved', () => {
    expect(CALENDAR_UNSAFE_EMAIL_CHARACTERS).toEqual(['~', '#', '%', '+', '&', '|', '*', '/']);
    expect(CALENDAR_UNSAFE_EMAIL_CHARACTERS.map(encodeMailboxSegment)).toEqual(['~', '%23', '%25', '%2B', '%26', '%7C', '%2A', '%2F']);
  });

  it('decodes, refusing bad escapes and invalid UTF-8', () => {
    expect(decodeMailboxSegment('jos%C3%a9')).toEqual({ ok: true, value: 'josé' });
    expect(decodeMailboxSegment('a+b')).toEqual({ ok: true, value: 'a+b' });
    expect(failure(decodeMailboxSegment('100%'))).toMatch(/bad percent-escape '%' at character 4/);
    expect(failure(decodeMailboxSegment('a%zzb'))).toMatch(/bad percent-escape '%zz'/);
    expect(failure(decodeMailboxSegment('a%C3'))).toMatch(/does not decode to UTF-8/);
  });

  it('round-trips every name, and the encoding is one path segment of unreserved characters and escapes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (name) => {
        const segment = encodeMailboxSegment(name);
        expect(segment).toMatch(/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
        expect(decodeMailboxSegment(segment)).toEqual({ ok: true, value: name });
      }),
    );
  });

  it('never throws decoding arbitrary input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => expect(typeof decodeMailboxSegment(s).ok).toBe('boolean')));
  });
});

describe('forms-based authentication log-on body', () => {
  const connectorBody = 'destination=https%3A%2F%2Fex2k3.xcs.ximian.com%2Fexchange%2F&flags=0&username=danw&password=foobar&SubmitCreds=Log+On&trusted=0';
  const connectorForm: OwaAuthForm = { destination: 'https://ex2k3.xcs.ximian.com/exchange/', username: 'danw', password: 'foobar', flags: 0, trusted: 0 };

  it("parses and writes the Connector's POST body byte for byte", () => {
    expect(parseOwaAuthForm(connectorBody)).toEqual({ ok: true, value: connectorForm });
    expect(serializeOwaAuthForm(connectorForm)).toBe(connectorBody);
  });

  it('ignores the Exchange 2007 extras and defaults absent flags and trusted to 0', () => {
    expect(parseOwaAuthForm('destination=https%3A%2F%2Fmail.uc.lab%2Fowa%2F&flags=4&forcedownlevel=0&trusted=4&username=UC%5Calice&password=p%26ss+word&isUtf8=1')).toEqual({
      ok: true,
      value: { destination: 'https://mail.uc.lab/owa/', username: 'UC\\alice', password: 'p&ss word', flags: 4, trusted: OWA_TRUSTED.privateComputer },
    });
    expect(parseOwaAuthForm('destination=x&username=u&password=')).toEqual({ ok: true, value: { destination: 'x', username: 'u', password: '', flags: 0, trusted: 0 } });
    expect(OWA_AUTH_PATHS).toEqual({ exchange2003: '/exchweb/bin/auth/owaauth.dll', exchange2007: '/owa/auth/owaauth.dll' });
  });

  it.each<[string, string, RegExp]>([
    ['no password', 'destination=x&username=u', /without 'password'/],
    ['no destination', 'username=u&password=p', /without 'destination'/],
    ['two usernames', 'destination=x&username=u&username=v&password=p', /2 'username' fields/],
    ['flags that are no number', 'destination=x&username=u&password=p&flags=on', /'flags' 'on' is not a number/],
    ['a negative trusted', 'destination=x&username=u&password=p&trusted=-4', /'trusted' '-4'/],
    ['an empty body', '', /without 'destination'/],
  ])('refuses %s', (_name, body, message) => {
    expect(failure(parseOwaAuthForm(body))).toMatch(message);
  });

  it('round-trips every form through serializeOwaAuthForm / parseOwaAuthForm', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 30 });
    const form: fc.Arbitrary<OwaAuthForm> = fc.record({
      destination: text,
      username: text,
      password: text,
      flags: fc.integer({ min: 0, max: 7 }),
      trusted: fc.constantFrom(OWA_TRUSTED.publicComputer, OWA_TRUSTED.privateComputer),
    });
    fc.assert(fc.property(form, (f) => expect(parseOwaAuthForm(serializeOwaAuthForm(f))).toEqual({ ok: true, value: f })));
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => expect(typeof parseOwaAuthForm(s).ok).toBe('boolean')));
  });
});
