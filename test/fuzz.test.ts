import fc from 'fast-check';
import { runCell } from '../harness/run/run-cell';
import { parseCsta, serializeCsta } from '../simulators/protocols/csta';
import { CtiFramer, decodeCti } from '../simulators/protocols/cti';
import { decodeDnsMessage, encodeDnsMessage } from '../simulators/protocols/dns';
import { HttpStreamFramer } from '../simulators/protocols/http';
import { decodeAuthenticateMessage, decodeChallengeMessage, parseAuthParams } from '../simulators/protocols/ntlm';
import { parseBatchSubscribe, parseCategoryPublish, parsePidf, parseRoamingSelf } from '../simulators/protocols/presence';
import { decodeSccp, SccpFramer } from '../simulators/protocols/sccp';
import { encodeSipMessage, parseSipMessage, SipStreamFramer } from '../simulators/protocols/sip';
import { plan } from './support/matrix';

// Every codec against fuzzed input (issue 11 §5): bytes at random, and real messages of two cells' captures with
// bytes replaced, inserted, cut or repeated. No decoder may throw; each answers with a result (ok or a CodecError);
// a message that decodes encodes again to something that decodes to the same. Seeded and bounded:
// FUZZ_RUNS (default 150 per property) sets the number of inputs per property; `npm run fuzz` runs 40,000.

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 7);
const settings = { seed: SEED, numRuns: RUNS };

interface Corpus {
  sip: Uint8Array[];
  sccp: Uint8Array[];
  cti: Uint8Array[];
  dns: Uint8Array[];
  http: Uint8Array[];
}

const corpus: Corpus = { sip: [], sccp: [], cti: [], dns: [], http: [] };
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

beforeAll(async () => {
  const planned = plan();
  const claims = new Map(planned.claims.map((c) => [c.id, c]));
  const wanted = [planned.cells.find((c) => c.cell.id.startsWith('rcc-basic-call')), planned.cells.find((c) => c.cell.id.startsWith('calendar-busy'))];
  const streams = new Map<string, { port: number; chunks: Buffer[] }>();
  for (const entry of wanted) {
    if (!entry) continue;
    const outcome = await runCell(entry.cell, { runtime: 'memory', seed: 7, lab: entry.lab, claims });
    // The cell's pcap (classic, raw IPv4): each UDP datagram, and each TCP direction's bytes in order.
    const pcap = Buffer.from(outcome.pcap);
    for (let o = 24; o + 16 <= pcap.length; ) {
      const len = pcap.readUInt32LE(o + 8);
      const ip = pcap.subarray(o + 16, o + 16 + len);
      o += 16 + len;
      const ihl = ((ip[0] ?? 0) & 0x0f) * 4;
      const proto = ip[9];
      const src = ip.subarray(12, 16).join('.');
      const dst = ip.subarray(16, 20).join('.');
      if (proto === 17) {
        const sport = ip.readUInt16BE(ihl);
        const dport = ip.readUInt16BE(ihl + 2);
        const payload = new Uint8Array(ip.subarray(ihl + 8));
        if (sport === 53 || dport === 53) corpus.dns.push(payload);
        else if (sport === 5060 || dport === 5060) corpus.sip.push(payload);
      } else if (proto === 6) {
        const sport = ip.readUInt16BE(ihl);
        const dport = ip.readUInt16BE(ihl + 2);
        const payload = ip.subarray(ihl + ((ip[ihl + 12] ?? 0) >> 4) * 4);
        if (payload.length === 0) continue;
        const key = `${entry.cell.id} ${src}:${sport}>${dst}:${dport}`;
        const s = streams.get(key) ?? { port: Math.min(sport, dport), chunks: [] };
        s.chunks.push(Buffer.from(payload));
        streams.set(key, s);
      }
    }
  }
  for (const { port, chunks } of streams.values()) {
    const bytes = Buffer.concat(chunks);
    if (port === 5060) for (const r of new SipStreamFramer().pushFrames(bytes)) if (r.ok) corpus.sip.push(r.value);
    if (port === 2000) corpus.sccp.push(...frames(bytes, 8, (b, o) => b.readUInt32LE(o) + 8));
    if (port === 2748) corpus.cti.push(...frames(bytes, 16, (b, o) => b.readUInt32BE(o + 12) + 16));
    if (port === 80 || port === 8080) corpus.http.push(new Uint8Array(bytes));
  }
}, 60_000);

/** Splits a length-prefixed stream into its frames. */
function frames(bytes: Buffer, header: number, lengthAt: (b: Buffer, offset: number) => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + header <= bytes.length; ) {
    const n = lengthAt(bytes, o);
    if (n <= 0 || o + n > bytes.length) break;
    out.push(new Uint8Array(bytes.subarray(o, o + n)));
    o += n;
  }
  return out;
}

/** A real message with some bytes replaced, a run inserted, the tail cut, or a slice repeated. */
function mutated(pick: () => Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat()), fc.uint8Array({ maxLength: 16 }), fc.boolean())
    .map(([which, flips, cut, insert, repeat]) => {
      const all = pick();
      const base = all.length > 0 ? (all[which % all.length] ?? new Uint8Array()) : new Uint8Array();
      let b = Buffer.from(base);
      for (const [i, v] of flips) if (b.length > 0) b[i % b.length] = v;
      if (insert.length > 0) {
        const at = b.length === 0 ? 0 : (flips[0]?.[0] ?? 0) % b.length;
        b = Buffer.concat([b.subarray(0, at), Buffer.from(insert), b.subarray(at)]);
      }
      if (repeat && b.length > 0) b = Buffer.concat([b, b.subarray(0, Math.min(b.length, 64))]);
      if (cut !== null && b.length > 0) b = b.subarray(0, cut % (b.length + 1));
      return new Uint8Array(b);
    });
}

const inputs = (pick: () => Uint8Array[]): fc.Arbitrary<Uint8Array> => fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated(pick));
const noThrow = (decode: (b: Uint8Array) => unknown) => (b: Uint8Array): void => void decode(b);

describe('fuzzing the codecs', () => {
  it('has real traffic of every stream and datagram protocol to mutate', () => {
    expect(Object.fromEntries(Object.entries(corpus).map(([k, v]) => [k, v.length > 0]))).toEqual({ sip: true, sccp: true, cti: true, dns: true, http: true });
  });

  it('SIP: parsing never throws, and a parsed message encodes to one that parses the same (RFC 3261 §7)', () => {
    fc.assert(
      fc.property(inputs(() => corpus.sip), (b) => {
        const first = parseSipMessage(b);
        if (!first.ok) return;
        const again = parseSipMessage(encodeSipMessage(first.value));
        expect(again.ok).toBe(true);
        if (again.ok) expect(encodeSipMessage(again.value)).toEqual(encodeSipMessage(first.value));
      }),
      settings,
    );
  });

  it('the SIP stream framer never throws, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(inputs(() => corpus.sip), { maxLength: 4 }), fc.integer({ min: 1, max: 300 }), (parts, size) => {
        const framer = new SipStreamFramer();
        const bytes = Buffer.concat(parts);
        for (let i = 0; i < bytes.length; i += size) framer.push(bytes.subarray(i, i + size));
      }),
      settings,
    );
  });

  it('CSTA, PIDF, the category publication, roaming-self and batchSub XML never throw', () => {
    const bodies = (): Uint8Array[] => corpus.sip.map((m) => new TextEncoder().encode(text(m).split('\r\n\r\n').slice(1).join('\r\n\r\n')));
    fc.assert(
      fc.property(inputs(bodies), (b) => {
        const xml = text(b);
        const csta = parseCsta(xml);
        if (csta.ok) expect(parseCsta(serializeCsta(csta.value)).ok).toBe(true);
        parsePidf(xml);
        parseCategoryPublish(xml);
        parseRoamingSelf(xml);
        parseBatchSubscribe(xml);
      }),
      settings,
    );
  });

  it('SCCP: decoding never throws, nor does the framer', () => {
    fc.assert(
      fc.property(inputs(() => corpus.sccp), (b) => {
        decodeSccp(b);
        new SccpFramer().push(b);
      }),
      settings,
    );
  });

  it("CTI (the lab's framing): decoding never throws, nor does the framer", () => {
    fc.assert(
      fc.property(inputs(() => corpus.cti), (b) => {
        decodeCti(b);
        new CtiFramer().push(b);
      }),
      settings,
    );
  });

  it('DNS: decoding never throws, and a decoded message encodes to one that decodes the same', () => {
    fc.assert(
      fc.property(inputs(() => corpus.dns), (b) => {
        const first = decodeDnsMessage(b);
        if (!first.ok) return;
        let encoded: Uint8Array;
        try {
          encoded = encodeDnsMessage(first.value);
        } catch {
          return; // a decoded message the encoder does not model (e.g. a label over 63 bytes): refused, not crashed
        }
        const again = decodeDnsMessage(encoded);
        expect(again.ok).toBe(true);
      }),
      settings,
    );
  });

  it('HTTP (phone services, OWA): the stream framer never throws', () => {
    fc.assert(fc.property(inputs(() => corpus.http), noThrow((b) => new HttpStreamFramer().push(b))), settings);
  });

  it('NTLM messages and SIP authentication headers never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.string({ maxLength: 200 }), (b, s) => {
        decodeChallengeMessage(b);
        decodeAuthenticateMessage(b);
        parseAuthParams(s);
        parseAuthParams(`NTLM ${s}`);
      }),
      settings,
    );
  });
});
