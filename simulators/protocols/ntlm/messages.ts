/**
 * NTLM CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE bytes ([MS-NLMP] 2.2.1.2, 2.2.1.3), with their AV_PAIR
 * target information (2.2.2.1), VERSION (2.2.2.10) and the NTLMv2_RESPONSE inside the NT response (2.2.2.8,
 * 2.2.2.7). Connectionless SIP NTLM ([MS-SIPAE]) has no NEGOTIATE_MESSAGE, so none is modelled. Decoders
 * never throw: malformed bytes come back as a CodecError.
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { NTLMSSP_NEGOTIATE_TARGET_INFO, NTLMSSP_NEGOTIATE_UNICODE, NTLMSSP_NEGOTIATE_VERSION, hasFlag } from './flags';
import { concatBytes } from '../bytes';

export const NTLM_PROTOCOL = 'ntlm';

/** `{ ok: false, error: CodecError('ntlm', message) }`. */
export function ntlmError(message: string, offset?: number): { ok: false; error: CodecError } {
  return fail(new CodecError(NTLM_PROTOCOL, message, offset === undefined ? {} : { offset }));
}

/** 2.2.1: every message starts with "NTLMSSP\0" and a 32-bit message type. */
const SIGNATURE = Uint8Array.from([0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00]);
export const NTLM_MESSAGE_TYPE = { negotiate: 1, challenge: 2, authenticate: 3 } as const;

/** 2.2.2.1 AvId values. */
export const AV_ID = {
  MsvAvEOL: 0,
  MsvAvNbComputerName: 1,
  MsvAvNbDomainName: 2,
  MsvAvDnsComputerName: 3,
  MsvAvDnsDomainName: 4,
  MsvAvDnsTreeName: 5,
  MsvAvFlags: 6,
  MsvAvTimestamp: 7,
  MsvAvSingleHost: 8,
  MsvAvTargetName: 9,
  MsvAvChannelBindings: 10,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Time, strings, version

/** FILETIME ticks (100 ns since 1601-01-01 UTC) at the Unix epoch. */
const FILETIME_UNIX_EPOCH = 116444736000000000n;

/** A Date as a FILETIME (the 64-bit time of MsvAvTimestamp and NTLMv2_CLIENT_CHALLENGE.TimeStamp). */
export function dateToFiletime(date: Date): bigint {
  return BigInt(date.getTime()) * 10000n + FILETIME_UNIX_EPOCH;
}

/** A FILETIME as a Date (sub-millisecond ticks are dropped). */
export function filetimeToDate(filetime: bigint): Date {
  return new Date(Number((filetime - FILETIME_UNIX_EPOCH) / 10000n));
}

/** A time either as a Date or as raw FILETIME ticks (recorded messages carry times finer than a millisecond). */
export type NtlmTime = Date | bigint;
const toFiletime = (t: NtlmTime): bigint => (typeof t === 'bigint' ? t : dateToFiletime(t));

const utf16 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf16le'));
/** OEM strings: the lab's names are ASCII, so Latin-1 stands in for the OEM code page. */
const oem = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
/** A payload string in the negotiated encoding (2.2.2.5 flags A and B). */
export const encodeNtlmString = (s: string, flags: number): Uint8Array => (hasFlag(flags, NTLMSSP_NEGOTIATE_UNICODE) ? utf16(s) : oem(s));

/** 2.2.2.10 VERSION: Windows product version and NTLM revision (15 = NTLMSSP_REVISION_W2K3). */
export interface NtlmVersion {
  major: number;
  minor: number;
  build: number;
  /** NTLMRevisionCurrent; 15 when not given. */
  revision?: number;
}

/** Windows Server 2003 (5.2.3790), the version both ends of the recorded OCS 2007 R2 exchange sent. */
export const WINDOWS_SERVER_2003_VERSION: NtlmVersion = { major: 5, minor: 2, build: 3790, revision: 15 };

function writeVersion(view: DataView, at: number, v: NtlmVersion | undefined): void {
  if (!v) return;
  view.setUint8(at, v.major);
  view.setUint8(at + 1, v.minor);
  view.setUint16(at + 2, v.build, true);
  view.setUint8(at + 7, v.revision ?? 15);
}

function readVersion(view: DataView, at: number): NtlmVersion {
  return { major: view.getUint8(at), minor: view.getUint8(at + 1), build: view.getUint16(at + 2, true), revision: view.getUint8(at + 7) };
}

const concat = concatBytes;

// ---------------------------------------------------------------------------------------------------------------
// Payload fields (Len, MaxLen, BufferOffset)

/** Lays out a message: fixed header, then payload fields in order, each referenced by an 8-byte field descriptor. */
class MessageWriter {
  private readonly payload: Uint8Array[] = [];
  private payloadLength = 0;
  readonly descriptors: Array<{ at: number; length: number; offset: number }> = [];

  constructor(readonly headerLength: number) {}

  /** Appends `bytes` to the payload, describing it at header position `at`. */
  field(at: number, bytes: Uint8Array): void {
    this.descriptors.push({ at, length: bytes.length, offset: this.headerLength + this.payloadLength });
    this.payload.push(bytes);
    this.payloadLength += bytes.length;
  }

  finish(fillHeader: (view: DataView) => void): Uint8Array {
    const out = new Uint8Array(this.headerLength + this.payloadLength);
    const view = new DataView(out.buffer);
    out.set(SIGNATURE, 0);
    for (const d of this.descriptors) {
      view.setUint16(d.at, d.length, true);
      view.setUint16(d.at + 2, d.length, true);
      view.setUint32(d.at + 4, d.offset, true);
    }
    let at = this.headerLength;
    for (const p of this.payload) {
      out.set(p, at);
      at += p.length;
    }
    fillHeader(view);
    return out;
  }
}

/** Reads the payload field described at `at`; out-of-bounds fields are a CodecError. */
function readField(bytes: Uint8Array, view: DataView, at: number, name: string): Result<{ value: Uint8Array; offset: number }> {
  const length = view.getUint16(at, true);
  const offset = view.getUint32(at + 4, true);
  if (length === 0) return ok({ value: new Uint8Array(0), offset });
  if (offset + length > bytes.length) return ntlmError(`${name} (${length} bytes at ${offset}) runs past the end of the ${bytes.length}-byte message`, at);
  return ok({ value: bytes.slice(offset, offset + length), offset });
}

function decodeNtlmString(value: Uint8Array, flags: number, name: string, at: number): Result<string> {
  if (!hasFlag(flags, NTLMSSP_NEGOTIATE_UNICODE)) return ok(Buffer.from(value).toString('latin1'));
  if (value.length % 2 !== 0) return ntlmError(`${name} has an odd length (${value.length}) for a Unicode string`, at);
  return ok(Buffer.from(value).toString('utf16le'));
}

function checkHeader(bytes: Uint8Array, type: number, minLength: number): Result<DataView> {
  if (bytes.length < minLength) return ntlmError(`message is ${bytes.length} bytes, shorter than the ${minLength}-byte header`);
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return ntlmError('missing the "NTLMSSP\\0" signature', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(8, true);
  if (got !== type) return ntlmError(`expected MessageType ${type}, got ${got}`, 8);
  return ok(view);
}

// ---------------------------------------------------------------------------------------------------------------
// AV pairs (2.2.2.1)

export interface AvPair {
  id: number;
  value: Uint8Array;
}

/** The AV pairs a CHALLENGE_MESSAGE's TargetInfo carries, as far as the lab uses them. */
export interface TargetInfo {
  nbDomainName?: string;
  nbComputerName?: string;
  dnsDomainName?: string;
  dnsComputerName?: string;
  dnsTreeName?: string;
  /** MsvAvTimestamp (Windows Vista and later servers; the recorded Windows 2003 OCS sent none). */
  timestamp?: bigint;
  /** MsvAvFlags. */
  flags?: number;
  /** Every pair in wire order, MsvAvEOL excluded. */
  pairs: AvPair[];
}

/** Encodes AV pairs followed by MsvAvEOL. */
export function encodeAvPairs(pairs: readonly AvPair[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const p of [...pairs, { id: AV_ID.MsvAvEOL, value: new Uint8Array(0) }]) {
    const head = new Uint8Array(4);
    const view = new DataView(head.buffer);
    view.setUint16(0, p.id, true);
    view.setUint16(2, p.value.length, true);
    parts.push(head, p.value);
  }
  return concat(...parts);
}

/** Decodes an AV_PAIR list; it MUST end with MsvAvEOL (2.2.2.1). Bytes after MsvAvEOL are ignored. */
export function decodeAvPairs(bytes: Uint8Array, baseOffset = 0): Result<TargetInfo> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const info: TargetInfo = { pairs: [] };
  const text = (v: Uint8Array): string => Buffer.from(v).toString('utf16le');
  for (let at = 0; ; ) {
    if (at + 4 > bytes.length) return ntlmError('AV_PAIR list ends without MsvAvEOL', baseOffset + at);
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    if (id === AV_ID.MsvAvEOL) return ok(info);
    if (at + 4 + length > bytes.length) return ntlmError(`AV_PAIR ${id} (${length} bytes) runs past the end of TargetInfo`, baseOffset + at);
    const value = bytes.slice(at + 4, at + 4 + length);
    info.pairs.push({ id, value });
    const valueView = new DataView(value.buffer);
    switch (id) {
      case AV_ID.MsvAvNbComputerName:
        info.nbComputerName = text(value);
        break;
      case AV_ID.MsvAvNbDomainName:
        info.nbDomainName = text(value);
        break;
      case AV_ID.MsvAvDnsComputerName:
        info.dnsComputerName = text(value);
        break;
      case AV_ID.MsvAvDnsDomainName:
        info.dnsDomainName = text(value);
        break;
      case AV_ID.MsvAvDnsTreeName:
        info.dnsTreeName = text(value);
        break;
      case AV_ID.MsvAvFlags:
        if (length !== 4) return ntlmError(`MsvAvFlags is ${length} bytes, not 4`, baseOffset + at);
        info.flags = valueView.getUint32(0, true);
        break;
      case AV_ID.MsvAvTimestamp:
        if (length !== 8) return ntlmError(`MsvAvTimestamp is ${length} bytes, not 8`, baseOffset + at);
        info.timestamp = valueView.getBigUint64(0, true);
        break;
    }
    at += 4 + length;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CHALLENGE_MESSAGE (2.2.1.2)

/**
 * What a server puts into TargetInfo (2.2.2.1), written in the order Windows sends them: NetBIOS domain,
 * NetBIOS computer, DNS domain, DNS computer, DNS tree, timestamp. A server in a domain sends all the names
 * (the recorded OCS 2007 R2 did); the DNS ones may be left out (the [MS-NLMP] 4.2.4 example has none).
 */
export interface TargetInfoInput {
  nbDomainName: string;
  nbComputerName: string;
  dnsDomainName?: string;
  dnsComputerName?: string;
  dnsTreeName?: string;
  /** MsvAvTimestamp; omitted when not given (as a Windows Server 2003 OCS did). */
  timestamp?: NtlmTime;
}

export interface ChallengeMessageInput {
  flags: number;
  /** 8 random bytes. */
  serverChallenge: Uint8Array;
  /** TargetName in the negotiated encoding; the recorded OCS 2007 R2 sent an empty one. */
  targetName: string;
  targetInfo: TargetInfoInput;
  /** VERSION, written when NTLMSSP_NEGOTIATE_VERSION is set; Windows Server 2003 when not given. */
  version?: NtlmVersion;
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Uint8Array;
  targetName: string;
  targetInfo: TargetInfo;
  /** TargetInfo exactly as received: the NTLMv2 client copies it into its response (3.3.2 "ServerName"). */
  targetInfoBytes: Uint8Array;
  version?: NtlmVersion;
}

/** Header of a CHALLENGE_MESSAGE: Signature, MessageType, TargetNameFields, NegotiateFlags, ServerChallenge, Reserved, TargetInfoFields, Version. */
const CHALLENGE_HEADER = 56;
const CHALLENGE_MIN = 48;

function targetInfoPairs(t: TargetInfoInput): AvPair[] {
  const pairs: AvPair[] = [
    { id: AV_ID.MsvAvNbDomainName, value: utf16(t.nbDomainName) },
    { id: AV_ID.MsvAvNbComputerName, value: utf16(t.nbComputerName) },
  ];
  if (t.dnsDomainName !== undefined) pairs.push({ id: AV_ID.MsvAvDnsDomainName, value: utf16(t.dnsDomainName) });
  if (t.dnsComputerName !== undefined) pairs.push({ id: AV_ID.MsvAvDnsComputerName, value: utf16(t.dnsComputerName) });
  if (t.dnsTreeName !== undefined) pairs.push({ id: AV_ID.MsvAvDnsTreeName, value: utf16(t.dnsTreeName) });
  if (t.timestamp !== undefined) {
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigUint64(0, toFiletime(t.timestamp), true);
    pairs.push({ id: AV_ID.MsvAvTimestamp, value });
  }
  return pairs;
}

/** Encodes a CHALLENGE_MESSAGE (2.2.1.2); TargetInfo is sent when NTLMSSP_NEGOTIATE_TARGET_INFO is set. */
export function encodeChallengeMessage(o: ChallengeMessageInput): Uint8Array {
  if (o.serverChallenge.length !== 8) throw new RangeError(`serverChallenge must be 8 bytes, got ${o.serverChallenge.length}`);
  const w = new MessageWriter(CHALLENGE_HEADER);
  w.field(12, encodeNtlmString(o.targetName, o.flags));
  w.field(40, hasFlag(o.flags, NTLMSSP_NEGOTIATE_TARGET_INFO) ? encodeAvPairs(targetInfoPairs(o.targetInfo)) : new Uint8Array(0));
  return w.finish((view) => {
    view.setUint32(8, NTLM_MESSAGE_TYPE.challenge, true);
    view.setUint32(20, o.flags >>> 0, true);
    new Uint8Array(view.buffer).set(o.serverChallenge, 24);
    if (hasFlag(o.flags, NTLMSSP_NEGOTIATE_VERSION)) writeVersion(view, 48, o.version ?? WINDOWS_SERVER_2003_VERSION);
  });
}

/** Decodes a CHALLENGE_MESSAGE (2.2.1.2). */
export function decodeChallengeMessage(bytes: Uint8Array): Result<ChallengeMessage> {
  const header = checkHeader(bytes, NTLM_MESSAGE_TYPE.challenge, CHALLENGE_MIN);
  if (!header.ok) return header;
  const view = header.value;
  const flags = view.getUint32(20, true);
  const name = readField(bytes, view, 12, 'TargetName');
  if (!name.ok) return name;
  const targetName = decodeNtlmString(name.value.value, flags, 'TargetName', 12);
  if (!targetName.ok) return targetName;
  const info = readField(bytes, view, 40, 'TargetInfo');
  if (!info.ok) return info;
  let targetInfo: TargetInfo = { pairs: [] };
  if (info.value.value.length > 0) {
    const decoded = decodeAvPairs(info.value.value, info.value.offset);
    if (!decoded.ok) return decoded;
    targetInfo = decoded.value;
  }
  const payloadStart = Math.min(...[name.value, info.value].filter((f) => f.value.length > 0).map((f) => f.offset), bytes.length);
  const message: ChallengeMessage = {
    flags,
    serverChallenge: bytes.slice(24, 32),
    targetName: targetName.value,
    targetInfo,
    targetInfoBytes: info.value.value,
  };
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_VERSION) && payloadStart >= CHALLENGE_HEADER) message.version = readVersion(view, 48);
  return ok(message);
}

// ---------------------------------------------------------------------------------------------------------------
// AUTHENTICATE_MESSAGE (2.2.1.3)

/** The fields of an AUTHENTICATE_MESSAGE, before any cryptography. */
export interface AuthenticateFields {
  flags: number;
  lmChallengeResponse: Uint8Array;
  ntChallengeResponse: Uint8Array;
  domain: string;
  user: string;
  workstation: string;
  /** Empty unless NTLMSSP_NEGOTIATE_KEY_EXCH. */
  encryptedRandomSessionKey: Uint8Array;
  version?: NtlmVersion;
  /** MIC (16 bytes), written after Version; OC 2007 R2 sent none. */
  mic?: Uint8Array;
}

/** 2.2.2.7 NTLMv2_CLIENT_CHALLENGE, as carried after the 16-byte NTProofStr of an NTLMv2_RESPONSE (2.2.2.8). */
export interface Ntlmv2Response {
  ntProofStr: Uint8Array;
  respType: number;
  hiRespType: number;
  /** FILETIME ticks. */
  timestamp: bigint;
  clientChallenge: Uint8Array;
  /** The AV pairs the client echoed (the server's TargetInfo, possibly extended). */
  avPairs: TargetInfo;
}

export interface AuthenticateMessage extends AuthenticateFields {
  /** Present when NtChallengeResponse is an NTLMv2_RESPONSE (longer than the 24 bytes of NTLM v1). */
  ntlmv2?: Ntlmv2Response;
}

/** Signature, MessageType, six payload fields, NegotiateFlags, Version. */
const AUTHENTICATE_HEADER = 72;
const AUTHENTICATE_MIN = 64;
const NTLMV2_RESPONSE_MIN = 16 + 28;

/**
 * Encodes an AUTHENTICATE_MESSAGE (2.2.1.3). The payload order is that of Windows and of the recorded
 * Communicator message: DomainName, UserName, Workstation, LmChallengeResponse, NtChallengeResponse,
 * EncryptedRandomSessionKey.
 */
export function encodeAuthenticateFields(f: AuthenticateFields): Uint8Array {
  const headerLength = AUTHENTICATE_HEADER + (f.mic ? 16 : 0);
  const w = new MessageWriter(headerLength);
  w.field(28, encodeNtlmString(f.domain, f.flags));
  w.field(36, encodeNtlmString(f.user, f.flags));
  w.field(44, encodeNtlmString(f.workstation, f.flags));
  w.field(12, f.lmChallengeResponse);
  w.field(20, f.ntChallengeResponse);
  w.field(52, f.encryptedRandomSessionKey);
  return w.finish((view) => {
    view.setUint32(8, NTLM_MESSAGE_TYPE.authenticate, true);
    view.setUint32(60, f.flags >>> 0, true);
    if (hasFlag(f.flags, NTLMSSP_NEGOTIATE_VERSION)) writeVersion(view, 64, f.version ?? WINDOWS_SERVER_2003_VERSION);
    if (f.mic) new Uint8Array(view.buffer).set(f.mic, AUTHENTICATE_HEADER);
  });
}

/** Splits an NTLMv2_RESPONSE (2.2.2.8) into NTProofStr and the NTLMv2_CLIENT_CHALLENGE fields. */
export function decodeNtlmv2Response(nt: Uint8Array, baseOffset = 0): Result<Ntlmv2Response> {
  if (nt.length < NTLMV2_RESPONSE_MIN) return ntlmError(`NTLMv2_RESPONSE is ${nt.length} bytes, shorter than ${NTLMV2_RESPONSE_MIN}`, baseOffset);
  const view = new DataView(nt.buffer, nt.byteOffset, nt.byteLength);
  const avPairs = decodeAvPairs(nt.subarray(44), baseOffset + 44);
  if (!avPairs.ok) return avPairs;
  return ok({
    ntProofStr: nt.slice(0, 16),
    respType: view.getUint8(16),
    hiRespType: view.getUint8(17),
    timestamp: view.getBigUint64(24, true),
    clientChallenge: nt.slice(32, 40),
    avPairs: avPairs.value,
  });
}

/** Decodes an AUTHENTICATE_MESSAGE (2.2.1.3), and its NTLMv2_RESPONSE when the NT response is longer than 24 bytes. */
export function decodeAuthenticateMessage(bytes: Uint8Array): Result<AuthenticateMessage> {
  const header = checkHeader(bytes, NTLM_MESSAGE_TYPE.authenticate, AUTHENTICATE_MIN);
  if (!header.ok) return header;
  const view = header.value;
  const flags = view.getUint32(60, true);
  const fields: Record<string, { value: Uint8Array; offset: number }> = {};
  const layout = [
    ['lm', 12, 'LmChallengeResponse'],
    ['nt', 20, 'NtChallengeResponse'],
    ['domain', 28, 'DomainName'],
    ['user', 36, 'UserName'],
    ['workstation', 44, 'Workstation'],
    ['key', 52, 'EncryptedRandomSessionKey'],
  ] as const;
  for (const [key, at, name] of layout) {
    const field = readField(bytes, view, at, name);
    if (!field.ok) return field;
    fields[key] = field.value;
  }
  const text: Record<string, string> = {};
  for (const [key, at, name] of layout.slice(2, 5)) {
    const s = decodeNtlmString(fields[key]!.value, flags, name, at);
    if (!s.ok) return s;
    text[key] = s.value;
  }
  const payloadStart = Math.min(...Object.values(fields).filter((f) => f.value.length > 0).map((f) => f.offset), bytes.length);
  const message: AuthenticateMessage = {
    flags,
    lmChallengeResponse: fields.lm!.value,
    ntChallengeResponse: fields.nt!.value,
    domain: text.domain!,
    user: text.user!,
    workstation: text.workstation!,
    encryptedRandomSessionKey: fields.key!.value,
  };
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_VERSION) && payloadStart >= AUTHENTICATE_HEADER) message.version = readVersion(view, 64);
  if (message.ntChallengeResponse.length > 24) {
    const v2 = decodeNtlmv2Response(message.ntChallengeResponse, fields.nt!.offset);
    if (!v2.ok) return v2;
    message.ntlmv2 = v2.value;
    // 2.2.2.1 MsvAvFlags bit 0x2: the client provides a MIC, which sits after Version (2.2.1.3).
    const micFlag = ((v2.value.avPairs.flags ?? 0) & 0x2) !== 0;
    if (micFlag && payloadStart >= AUTHENTICATE_HEADER + 16) message.mic = bytes.slice(AUTHENTICATE_HEADER, AUTHENTICATE_HEADER + 16);
  }
  return ok(message);
}
