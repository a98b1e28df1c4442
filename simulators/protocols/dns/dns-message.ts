/**
 * DNS message codec (RFC 1035 §4 "MESSAGES"), with the record types the lab needs: A (RFC 1035
 * §3.4.1), PTR (§3.3.12) and SRV (RFC 2782). Other types are carried as opaque RDATA (RFC 3597 §5
 * "TYPE<n>" mnemonics). Pure: no node:* import, no Buffer.
 *
 * Names are written as text without the trailing dot (the root is ''); labels are ASCII/UTF-8 bytes
 * and a '.' inside a label is not representable (modelling choice: the lab's names never need it).
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';

const PROTOCOL = 'DNS';

/** RFC 1035 §3.2.2 TYPE values, §3.2.3 QTYPE (ANY = 255), RFC 3596 (AAAA), RFC 2782 (SRV). */
const TYPE_CODES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, ANY: 255 } as const;
type KnownType = keyof typeof TYPE_CODES;
export type DnsType = KnownType | `TYPE${number}`;

/** RFC 1035 §4.1.1 RCODE 0–5, RFC 2136 §2.2 6–10; others as RCODE<n>. */
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'] as const;
export type DnsRcode = (typeof RCODES)[number] | `RCODE${number}`;

/** RFC 1035 §3.2.4 CLASS IN. */
export const DNS_CLASS_IN = 1;

export interface DnsHeaderFlags {
  /** QR: response (true) or query. */
  qr: boolean;
  /** OPCODE: 0 = QUERY. */
  opcode: number;
  /** AA: authoritative answer. */
  aa: boolean;
  /** TC: truncated. */
  tc: boolean;
  /** RD: recursion desired. */
  rd: boolean;
  /** RA: recursion available. */
  ra: boolean;
  rcode: DnsRcode;
}

export interface DnsQuestion {
  name: string;
  type: DnsType;
  /** QCLASS, 1 (IN) when omitted. */
  class?: number;
}

export type DnsRecordData =
  | { type: 'A'; address: string }
  | { type: 'PTR'; target: string }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: Exclude<DnsType, 'A' | 'PTR' | 'SRV'>; rdata: Uint8Array };

export type DnsResourceRecord = { name: string; ttl: number; class?: number } & DnsRecordData;

export interface DnsMessage {
  id: number;
  flags: DnsHeaderFlags;
  questions: DnsQuestion[];
  answers: DnsResourceRecord[];
  authorities?: DnsResourceRecord[];
  additionals?: DnsResourceRecord[];
}

export interface DnsEncodeOptions {
  /** RFC 1035 §4.1.4 message compression of owner names and PTR targets (default true). */
  compress?: boolean;
}

export function typeCode(type: DnsType): number {
  if (type in TYPE_CODES) return TYPE_CODES[type as KnownType];
  const m = /^TYPE(\d+)$/.exec(type);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 0xffff)) throw new CodecError(PROTOCOL, `unknown record type ${type}`);
  return n;
}

export function typeName(code: number): DnsType {
  for (const [name, value] of Object.entries(TYPE_CODES)) if (value === code) return name as KnownType;
  return `TYPE${code}`;
}

function rcodeValue(rcode: DnsRcode): number {
  const i = (RCODES as readonly string[]).indexOf(rcode);
  if (i >= 0) return i;
  const m = /^RCODE(\d+)$/.exec(rcode);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 15)) throw new CodecError(PROTOCOL, `unknown rcode ${rcode}`);
  return n;
}

function rcodeName(value: number): DnsRcode {
  return RCODES[value] ?? `RCODE${value}`;
}

/** A query (QR=0, RD=1) for one question. */
export function dnsQuery(id: number, name: string, type: DnsType): DnsMessage {
  return {
    id,
    flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 'NOERROR' },
    questions: [{ name, type }],
    answers: [],
  };
}

/** RFC 1035 §3.5: "the address 10.2.0.52 … 52.0.2.10.IN-ADDR.ARPA". */
export function reverseName(ipv4: string): string {
  const parts = ipv4.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new CodecError(PROTOCOL, `not an IPv4 address: ${ipv4}`);
  }
  return `${parts.map(Number).reverse().join('.')}.in-addr.arpa`;
}

/** The IPv4 address an `x.y.z.w.in-addr.arpa` name stands for, or undefined. */
export function addressFromReverseName(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (!m) return undefined;
  const octets = [m[4], m[3], m[2], m[1]].map(Number);
  return octets.every((o) => o <= 255) ? octets.join('.') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

class ByteWriter {
  private bytes = new Uint8Array(512);
  length = 0;
  /** Offsets of names already written, for §4.1.4 compression. */
  readonly names = new Map<string, number>();

  private ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
  }
  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u16((v >>> 16) & 0xffff);
    this.u16(v & 0xffff);
  }
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }
  setU16(offset: number, v: number): void {
    this.bytes[offset] = (v >>> 8) & 0xff;
    this.bytes[offset + 1] = v & 0xff;
  }
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function labelsOf(name: string): Uint8Array[] {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return [];
  const labels = trimmed.split('.').map((l) => textEncoder.encode(l));
  // RFC 1035 §2.3.4 Size limits: labels 63 octets or less, names 255 octets or less.
  let wire = 1;
  for (const l of labels) {
    if (l.length === 0 || l.length > 63) throw new CodecError(PROTOCOL, `bad label length ${l.length} in ${name}`);
    wire += 1 + l.length;
  }
  if (wire > 255) throw new CodecError(PROTOCOL, `name longer than 255 octets: ${name}`);
  return labels;
}

/**
 * RFC 1035 §3.1 Name space definitions (length-prefixed labels, terminated by the zero-length root
 * label) and §4.1.4 Message compression: "an entire domain name or a list of labels at the end of a
 * domain name is replaced with a pointer to a prior occurance of the same name" (11 + 14-bit offset).
 */
function writeName(w: ByteWriter, name: string, compress: boolean, register = compress): void {
  const labels = labelsOf(name);
  const texts = (name.endsWith('.') ? name.slice(0, -1) : name).split('.');
  for (let i = 0; i < labels.length; i++) {
    const suffix = texts.slice(i).join('.');
    const prior = compress ? w.names.get(suffix) : undefined;
    if (prior !== undefined) {
      w.u16(0xc000 | prior);
      return;
    }
    if (register && w.length <= 0x3fff && !w.names.has(suffix)) w.names.set(suffix, w.length);
    const label = labels[i] as Uint8Array;
    w.u8(label.length);
    w.raw(label);
  }
  w.u8(0);
}

function writeRecord(w: ByteWriter, rr: DnsResourceRecord, compress: boolean): void {
  writeName(w, rr.name, compress);
  w.u16(typeCode(rr.type));
  w.u16(rr.class ?? DNS_CLASS_IN);
  w.u32(rr.ttl >>> 0);
  const lengthAt = w.length;
  w.u16(0);
  const start = w.length;
  if ('address' in rr) {
    // RFC 1035 §3.4.1 A RDATA: "A 32 bit Internet address".
    const parts = rr.address.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      throw new CodecError(PROTOCOL, `not an IPv4 address: ${rr.address}`);
    }
    parts.forEach((p) => w.u8(p));
  } else if (rr.type === 'PTR') {
    // RFC 1035 §3.3.12 PTR RDATA: PTRDNAME, a <domain-name> (compressible, §4.1.4).
    writeName(w, rr.target, compress);
  } else if (rr.type === 'SRV') {
    // RFC 2782 "The format of the SRV RR": Priority, Weight, Port (16 bits each), Target;
    // "name compression is not to be used for this field" (later names may still point at it).
    w.u16(rr.priority);
    w.u16(rr.weight);
    w.u16(rr.port);
    writeName(w, rr.target, false, compress);
  } else if ('rdata' in rr) {
    w.raw(rr.rdata);
  }
  w.setU16(lengthAt, w.length - start);
}

/**
 * RFC 1035 §4.1.1 Header section format: ID, QR|Opcode|AA|TC|RD|RA|Z|RCODE, QDCOUNT, ANCOUNT,
 * NSCOUNT, ARCOUNT; then §4.1.2 questions and §4.1.3 resource records. Throws CodecError only when
 * the message given is not encodable (our own data, never a peer's).
 */
export function encodeDnsMessage(msg: DnsMessage, options: DnsEncodeOptions = {}): Uint8Array {
  const compress = options.compress ?? true;
  const w = new ByteWriter();
  const f = msg.flags;
  const authorities = msg.authorities ?? [];
  const additionals = msg.additionals ?? [];
  w.u16(msg.id & 0xffff);
  w.u16(
    (f.qr ? 0x8000 : 0) |
      ((f.opcode & 0xf) << 11) |
      (f.aa ? 0x0400 : 0) |
      (f.tc ? 0x0200 : 0) |
      (f.rd ? 0x0100 : 0) |
      (f.ra ? 0x0080 : 0) |
      rcodeValue(f.rcode),
  );
  w.u16(msg.questions.length);
  w.u16(msg.answers.length);
  w.u16(authorities.length);
  w.u16(additionals.length);
  for (const q of msg.questions) {
    writeName(w, q.name, compress);
    w.u16(typeCode(q.type));
    w.u16(q.class ?? DNS_CLASS_IN);
  }
  for (const rr of [...msg.answers, ...authorities, ...additionals]) writeRecord(w, rr, compress);
  return w.result();
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

type Decoded<T> = Result<{ value: T; next: number }>;

const truncated = (what: string, offset: number) => fail(new CodecError(PROTOCOL, `truncated ${what}`, { offset }));

/**
 * RFC 1035 §4.1.4: a label's two high bits 00 mean a length, 11 a pointer; 01/10 are reserved
 * (RFC 6891 §5 retired extended label types). Loop protection: a pointer must point strictly before
 * the pointer itself ("a prior occurance"), so every jump moves backwards and the walk terminates.
 */
function readName(bytes: Uint8Array, start: number): Decoded<string> {
  const labels: string[] = [];
  let offset = start;
  let next: number | undefined;
  let wireLength = 1;
  for (;;) {
    if (offset >= bytes.length) return truncated('name', offset);
    const len = bytes[offset] as number;
    if ((len & 0xc0) === 0xc0) {
      if (offset + 1 >= bytes.length) return truncated('name pointer', offset);
      const target = ((len & 0x3f) << 8) | (bytes[offset + 1] as number);
      if (target >= offset) return fail(new CodecError(PROTOCOL, `compression pointer to ${target} does not point backwards (loop)`, { offset }));
      next ??= offset + 2;
      offset = target;
      continue;
    }
    if ((len & 0xc0) !== 0) return fail(new CodecError(PROTOCOL, `reserved label type 0x${len.toString(16)}`, { offset }));
    if (len === 0) {
      next ??= offset + 1;
      return ok({ value: labels.join('.'), next });
    }
    if (offset + 1 + len > bytes.length) return truncated('label', offset);
    wireLength += 1 + len;
    if (wireLength > 255) return fail(new CodecError(PROTOCOL, 'name longer than 255 octets', { offset: start }));
    labels.push(textDecoder.decode(bytes.subarray(offset + 1, offset + 1 + len)));
    offset += 1 + len;
  }
}

function u16(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] as number) << 8) | (bytes[offset + 1] as number)) >>> 0;
}

function readRecord(bytes: Uint8Array, start: number): Decoded<DnsResourceRecord> {
  const name = readName(bytes, start);
  if (!name.ok) return name;
  let offset = name.value.next;
  // RFC 1035 §4.1.3: TYPE, CLASS (16 bits), TTL (32 bits), RDLENGTH (16 bits), RDATA.
  if (offset + 10 > bytes.length) return truncated('resource record', offset);
  const code = u16(bytes, offset);
  const rrClass = u16(bytes, offset + 2);
  const ttl = ((u16(bytes, offset + 4) << 16) >>> 0) + u16(bytes, offset + 6);
  const rdlength = u16(bytes, offset + 8);
  offset += 10;
  const end = offset + rdlength;
  if (end > bytes.length) return truncated('RDATA', offset);
  const base = { name: name.value.value, ttl, class: rrClass };
  const type = typeName(code);
  const nameInRdata = (at: number): Result<string> => {
    const n = readName(bytes, at);
    if (!n.ok) return n;
    if (n.value.next !== end) return fail(new CodecError(PROTOCOL, `RDATA length ${rdlength} does not match its ${type} name`, { offset: at }));
    return ok(n.value.value);
  };
  switch (type) {
    case 'A': {
      if (rdlength !== 4) return fail(new CodecError(PROTOCOL, `A RDATA of ${rdlength} octets (expected 4)`, { offset }));
      const address = Array.from(bytes.subarray(offset, end)).join('.');
      return ok({ value: { ...base, type, address }, next: end });
    }
    case 'PTR': {
      const target = nameInRdata(offset);
      if (!target.ok) return target;
      return ok({ value: { ...base, type, target: target.value }, next: end });
    }
    case 'SRV': {
      if (rdlength < 7) return fail(new CodecError(PROTOCOL, `SRV RDATA of ${rdlength} octets`, { offset }));
      // RFC 2782 forbids compressing Target, but RFC 3597 §4 lets receivers decompress it: accept both.
      const target = nameInRdata(offset + 6);
      if (!target.ok) return target;
      return ok({
        value: { ...base, type, priority: u16(bytes, offset), weight: u16(bytes, offset + 2), port: u16(bytes, offset + 4), target: target.value },
        next: end,
      });
    }
    default:
      return ok({ value: { ...base, type, rdata: bytes.slice(offset, end) }, next: end });
  }
}

/** Decodes a DNS message (RFC 1035 §4.1); malformed input yields `{ ok: false }`, never a throw. */
export function decodeDnsMessage(bytes: Uint8Array): Result<DnsMessage> {
  // RFC 1035 §4.1.1: the header is 12 octets.
  if (bytes.length < 12) return truncated('header', bytes.length);
  const id = u16(bytes, 0);
  const bits = u16(bytes, 2);
  const flags: DnsHeaderFlags = {
    qr: (bits & 0x8000) !== 0,
    opcode: (bits >>> 11) & 0xf,
    aa: (bits & 0x0400) !== 0,
    tc: (bits & 0x0200) !== 0,
    rd: (bits & 0x0100) !== 0,
    ra: (bits & 0x0080) !== 0,
    rcode: rcodeName(bits & 0xf),
  };
  const counts = [u16(bytes, 4), u16(bytes, 6), u16(bytes, 8), u16(bytes, 10)] as const;
  let offset = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    // RFC 1035 §4.1.2: QNAME, QTYPE, QCLASS.
    const name = readName(bytes, offset);
    if (!name.ok) return name;
    offset = name.value.next;
    if (offset + 4 > bytes.length) return truncated('question', offset);
    questions.push({ name: name.value.value, type: typeName(u16(bytes, offset)), class: u16(bytes, offset + 2) });
    offset += 4;
  }
  const sections: DnsResourceRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    const section = sections[s] as DnsResourceRecord[];
    for (let i = 0; i < counts[s + 1]!; i++) {
      const rr = readRecord(bytes, offset);
      if (!rr.ok) return rr;
      section.push(rr.value.value);
      offset = rr.value.next;
    }
  }
  const [answers, authorities, additionals] = sections as [DnsResourceRecord[], DnsResourceRecord[], DnsResourceRecord[]];
  return ok({ id, flags, questions, answers, authorities, additionals });
}
