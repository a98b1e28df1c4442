import { addressFromReverseName, decodeDnsMessage, dnsQuery, encodeDnsMessage, reverseName, type DnsMessage } from './dns-message';

const hex = (s: string) => new Uint8Array((s.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const response = { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false } as const;

/** Fills the defaults the decoder makes explicit (class IN, empty sections). */
function normalized(m: DnsMessage): DnsMessage {
  const rr = (list: DnsMessage['answers'] = []) => list.map((r) => ({ ...r, class: r.class ?? 1 }));
  return {
    ...m,
    questions: m.questions.map((q) => ({ ...q, class: q.class ?? 1 })),
    answers: rr(m.answers),
    authorities: rr(m.authorities),
    additionals: rr(m.additionals),
  };
}

// Wire fixtures written by hand from RFC 1035 §4.1 (checked with tshark's DNS dissector).
const fixtures: { name: string; wire: string; message: DnsMessage; compress: boolean }[] = [
  {
    name: 'A query for cup.uc.lab',
    compress: true,
    wire: '1234 0100 0001 0000 0000 0000 03637570 0275 63 036c6162 00 0001 0001',
    message: dnsQuery(0x1234, 'cup.uc.lab', 'A'),
  },
  {
    name: 'A answer, owner name compressed to the question',
    compress: true,
    wire: '1234 8500 0001 0001 0000 0000 03637570 027563 036c6162 00 0001 0001 c00c 0001 0001 00000e10 0004 0a01011e',
    message: {
      id: 0x1234,
      flags: { ...response, rcode: 'NOERROR' },
      questions: [{ name: 'cup.uc.lab', type: 'A' }],
      answers: [{ name: 'cup.uc.lab', type: 'A', ttl: 3600, address: '10.1.1.30' }],
    },
  },
  {
    name: 'PTR answer, uncompressed',
    compress: false,
    wire:
      '0007 8500 0001 0001 0000 0000 ' +
      '023330 0131 0131 023130 07696e2d61646472 046172706100 000c 0001 ' +
      '023330 0131 0131 023130 07696e2d61646472 046172706100 000c 0001 0000012c 000c 03637570 027563 036c6162 00',
    message: {
      id: 7,
      flags: { ...response, rcode: 'NOERROR' },
      questions: [{ name: '30.1.1.10.in-addr.arpa', type: 'PTR' }],
      answers: [{ name: '30.1.1.10.in-addr.arpa', type: 'PTR', ttl: 300, target: 'cup.uc.lab' }],
    },
  },
  {
    name: 'SRV answer (RFC 2782) with A in the additional section',
    compress: true,
    wire:
      '0009 8500 0001 0001 0000 0001 ' +
      '045f736970 045f746370 0575636c6162 00 0021 0001 ' +
      'c00c 0021 0001 00000e10 0013 000a 0064 13c4 05706f6f6c31 0575636c6162 00 ' +
      'c033 0001 0001 00000e10 0004 0a010128',
    message: {
      id: 9,
      flags: { ...response, rcode: 'NOERROR' },
      questions: [{ name: '_sip._tcp.uclab', type: 'SRV' }],
      answers: [{ name: '_sip._tcp.uclab', type: 'SRV', ttl: 3600, priority: 10, weight: 100, port: 5060, target: 'pool1.uclab' }],
      additionals: [{ name: 'pool1.uclab', type: 'A', ttl: 3600, address: '10.1.1.40' }],
    },
  },
  {
    name: 'NXDOMAIN',
    compress: true,
    wire: '0042 8503 0001 0000 0000 0000 046e6f6e65 027563 036c6162 00 0001 0001',
    message: {
      id: 0x42,
      flags: { ...response, rcode: 'NXDOMAIN' },
      questions: [{ name: 'none.uc.lab', type: 'A' }],
      answers: [],
    },
  },
  {
    name: 'FORMERR with no question',
    compress: true,
    wire: '0043 8001 0000 0000 0000 0000',
    message: { id: 0x43, flags: { ...response, aa: false, rd: false, rcode: 'FORMERR' }, questions: [], answers: [] },
  },
  {
    name: 'unknown type carried as opaque RDATA (RFC 3597)',
    compress: true,
    wire: '0044 8400 0000 0001 0000 0000 01780000630001 0000003c 0002 abcd',
    message: {
      id: 0x44,
      flags: { ...response, rd: false, rcode: 'NOERROR' },
      questions: [],
      answers: [{ name: 'x', type: 'TYPE99', ttl: 60, rdata: hex('abcd') }],
    },
  },
];

describe('DNS message codec', () => {
  it.each(fixtures)('decodes and re-encodes: $name', ({ wire, message, compress }) => {
    const bytes = hex(wire);
    const decoded = decodeDnsMessage(bytes);
    expect(decoded).toEqual({ ok: true, value: normalized(message) });
    expect(toHex(encodeDnsMessage(message, { compress }))).toBe(toHex(bytes));
  });

  it('round-trips with and without compression, and compression shrinks repeated names', () => {
    const message: DnsMessage = {
      id: 1,
      flags: { ...response, rcode: 'NOERROR' },
      questions: [{ name: '_sipinternaltls._tcp.uc.lab', type: 'SRV' }],
      answers: [
        { name: '_sipinternaltls._tcp.uc.lab', type: 'SRV', ttl: 10, priority: 0, weight: 0, port: 5061, target: 'pool1.uc.lab' },
        { name: '_sipinternaltls._tcp.uc.lab', type: 'SRV', ttl: 10, priority: 0, weight: 0, port: 5061, target: 'pool2.uc.lab' },
      ],
      additionals: [
        { name: 'pool1.uc.lab', type: 'A', ttl: 10, address: '10.1.1.41' },
        { name: '41.1.1.10.in-addr.arpa', type: 'PTR', ttl: 10, target: 'pool1.uc.lab' },
      ],
    };
    const plain = encodeDnsMessage(message, { compress: false });
    const small = encodeDnsMessage(message, { compress: true });
    expect(small.length).toBeLessThan(plain.length);
    expect(decodeDnsMessage(plain)).toEqual({ ok: true, value: normalized(message) });
    expect(decodeDnsMessage(small)).toEqual({ ok: true, value: normalized(message) });
  });

  it('accepts a compressed SRV target', () => {
    // SRV target pointing at the question name (offset 12).
    const wire = hex('0001 8400 0001 0001 0000 0000 0178 00 0021 0001 c00c 0021 0001 00000001 0008 0001 0002 0003 c00c');
    const decoded = decodeDnsMessage(wire);
    expect(decoded.ok && decoded.value.answers[0]).toMatchObject({ type: 'SRV', priority: 1, weight: 2, port: 3, target: 'x' });
  });

  it.each([
    ['empty', ''],
    ['short header', '1234 0100 0001'],
    ['question count beyond the data', '1234 0100 0001 0000 0000 0000'],
    ['truncated label', '1234 0100 0001 0000 0000 0000 05616263'],
    ['truncated question type', '1234 0100 0001 0000 0000 0000 0161 00 00'],
    ['truncated resource record', '1234 8400 0000 0001 0000 0000 0161 00 0001 0001 0000'],
    ['RDATA beyond the data', '1234 8400 0000 0001 0000 0000 0161 00 0001 0001 00000001 0004 0a01'],
    ['A with 3 octets', '1234 8400 0000 0001 0000 0000 0161 00 0001 0001 00000001 0003 0a0101'],
    ['PTR name overruns RDLENGTH', '1234 8400 0000 0001 0000 0000 0161 00 000c 0001 00000001 0002 016200'],
    ['SRV too short', '1234 8400 0000 0001 0000 0000 0161 00 0021 0001 00000001 0004 00010002'],
    ['pointer to itself', '1234 0100 0001 0000 0000 0000 c00c 0001 0001'],
    ['pointer forward', '1234 0100 0001 0000 0000 0000 c00e 0001 0001 0161 00'],
    ['pointer loop between two names', '1234 8400 0001 0001 0000 0000 0161 c012 0001 0001 0162 c00c 0001 0001 00000001 0000'],
    ['truncated pointer', '1234 0100 0001 0000 0000 0000 c0'],
    ['reserved label type', '1234 0100 0001 0000 0000 0000 4161 00 0001 0001'],
    ['name longer than 255 octets', `1234 0100 0001 0000 0000 0000 ${'3f' + '61'.repeat(63)}${'3f' + '61'.repeat(63)}${'3f' + '61'.repeat(63)}${'3f' + '61'.repeat(63)} 00 0001 0001`],
  ])('rejects malformed input without throwing: %s', (_name, wire) => {
    const decoded = decodeDnsMessage(hex(wire));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.code).toBe('UC_CODEC');
  });

  it('refuses to encode an invalid name or address', () => {
    expect(() => encodeDnsMessage(dnsQuery(1, `${'a'.repeat(64)}.lab`, 'A'))).toThrow(/label length/);
    expect(() => encodeDnsMessage(dnsQuery(1, 'a..lab', 'A'))).toThrow(/label length/);
    expect(() =>
      encodeDnsMessage({ ...dnsQuery(1, 'a', 'A'), answers: [{ name: 'a', type: 'A', ttl: 1, address: '1.2.3' }] }),
    ).toThrow(/IPv4/);
  });
});

describe('reverseName', () => {
  it.each([
    ['10.1.1.30', '30.1.1.10.in-addr.arpa'],
    ['127.0.0.1', '1.0.0.127.in-addr.arpa'],
  ])('%s → %s and back', (ip, name) => {
    expect(reverseName(ip)).toBe(name);
    expect(addressFromReverseName(name)).toBe(ip);
    expect(addressFromReverseName(name.toUpperCase() + '.')).toBe(ip);
  });

  it('rejects what is not an IPv4 address', () => {
    expect(() => reverseName('10.1.1')).toThrow();
    expect(() => reverseName('10.1.1.300')).toThrow();
    expect(addressFromReverseName('cup.uc.lab')).toBeUndefined();
    expect(addressFromReverseName('1.1.1.300.in-addr.arpa')).toBeUndefined();
  });
});
