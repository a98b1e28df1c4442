import {
  CtiFramer,
  HttpStreamFramer,
  SccpFramer,
  SipStreamFramer,
  TcpFlowTracker,
  IpIdAllocator,
  buildUdpPacket,
  decodeDnsMessage,
  parseSipMessage,
  serializeSipMessage,
  summarizeCsta,
  summarizeHttp,
  SccpEnums,
} from '../../simulators';
import type { CaptureSink, DnsMessage, Endpoint, SipMessage } from '../../simulators';
import { PcapWriter } from './pcap-writer';
import type { WireEvent, WireProtocol } from './ladder';

const SIP_PORT = 5060;
const SCCP_PORT = 2000;
const CTI_PORT = 2748;
const DNS_PORT = 53;
/** CUCM's phone services (the Services menu, Extension Mobility): HTTP on 8080. */
const HTTP_PORT = 8080;
/** Exchange's Outlook Web Access: HTTP on 80, HTTPS (TLS; decrypt with the cell's tls-keys.log) on 443. */
const OWA_HTTP_PORT = 80;
const HTTPS_PORT = 443;
/** SIP over TLS between CUP and the OCS pools (decrypt with the cell's tls-keys.log). */
const SIP_TLS_PORT = 5061;

interface Flow {
  client: Endpoint;
  server: Endpoint;
  protocol: WireProtocol;
  /** One framer per direction: 0 client→server, 1 server→client. */
  framers: [Framer, Framer];
}

/**
 * A decoded message: the ladder's one-line summary, and the whole decoded message for wire expectations. A SIP
 * message is parsed again only when one of them is asked for: a cell whose ladder is not drawn and whose
 * expectations read no SIP message never re-parses its SIP (the framer still cuts the stream into messages).
 */
interface Decoded {
  summary: string | (() => string);
  full: () => string;
}

/** An event as captured: host addresses, and the summary until it is first read. */
interface RawEvent extends Omit<WireEvent, 'summary'> {
  summary: string | (() => string);
}

type Framer = (bytes: Uint8Array) => Decoded[];

/**
 * Everything that crossed the lab's network during one cell: the pcap (synthetic IPv4/UDP/TCP
 * headers around the exact payload bytes, so tshark dissects SIP, SCCP and DNS) and the message
 * ladder (one event per protocol message, named by decoding the bytes again).
 */
export class CaptureCollector implements CaptureSink {
  readonly pcap = new PcapWriter();
  /** Events with host addresses; names are looked up when read, once every host is known. */
  private readonly raw: RawEvent[] = [];
  /** Per event, the whole decoded message (rendered on first use, then kept). */
  private readonly decoded: (string | (() => string))[] = [];
  private readonly ipIds = new IpIdAllocator();
  private readonly tcp = new TcpFlowTracker({ ipIds: this.ipIds });
  private readonly flows = new Map<string, Flow>();
  /** The step the packets now captured belong to (their pcapng comment). */
  private step = 'lab start-up';

  constructor(
    /** Wall-clock epoch (ms) of virtual time 0, for pcap timestamps. */
    private readonly epochMs: number,
    /** Host name of an address, for the ladder. */
    private readonly hostOf: (address: string) => string,
  ) {}

  udp(t: number, src: Endpoint, dst: Endpoint, payload: Uint8Array): void {
    this.pcap.add(this.epochMs + t, buildUdpPacket({ src, dst, payload, ipId: this.ipIds.allocate(src.address) }), this.step);
    const port = Math.min(src.port, dst.port);
    if (src.port === DNS_PORT || dst.port === DNS_PORT) this.event(t, src, dst, 'DNS', decodeDns(payload));
    else if (port === SIP_PORT || src.port === SIP_PORT || dst.port === SIP_PORT) this.event(t, src, dst, 'SIP', lazySip(payload));
  }

  tcpOpen(t: number, connectionId: string, client: Endpoint, server: Endpoint): void {
    for (const p of this.tcp.open({ id: connectionId, client, server })) this.pcap.add(this.epochMs + t, p, this.step);
    const protocol = protocolOfPort(server.port);
    this.flows.set(connectionId, { client, server, protocol, framers: [framerFor(protocol), framerFor(protocol)] });
  }

  tcpData(t: number, connectionId: string, fromClient: boolean, payload: Uint8Array): void {
    for (const p of this.tcp.data(connectionId, fromClient, payload)) this.pcap.add(this.epochMs + t, p, this.step);
    const flow = this.flows.get(connectionId);
    if (!flow) return;
    const [src, dst] = fromClient ? [flow.client, flow.server] : [flow.server, flow.client];
    for (const decoded of flow.framers[fromClient ? 0 : 1](payload)) this.event(t, src, dst, flow.protocol, decoded);
  }

  tcpClose(t: number, connectionId: string, fromClient: boolean): void {
    for (const p of this.tcp.close(connectionId, fromClient)) this.pcap.add(this.epochMs + t, p, this.step);
  }

  /** How many events were captured so far (the harness notes where the scenario's own steps begin). */
  get eventCount(): number {
    return this.raw.length;
  }

  /** Marks the start of a scenario step in the ladder. */
  mark(t: number, text: string): void {
    this.step = text;
    this.raw.push({ t, from: '', to: '', protocol: 'STEP', summary: text });
    this.decoded.push(text);
  }

  /**
   * The whole decoded message of event `index` (what a wire expectation's `message` is matched against): a SIP
   * message's text with every header and the body; an SCCP, CTI or DNS message's name and every decoded field.
   */
  decodedAt(index: number): string {
    const d = this.decoded[index];
    if (d === undefined) return '';
    if (typeof d === 'string') return d;
    const text = d();
    this.decoded[index] = text;
    return text;
  }

  /** The sender and receiver (host names) and protocol of event `index`, without making its summary. */
  endsOf(index: number): { from: string; to: string; protocol: WireProtocol } | undefined {
    const e = this.raw[index];
    if (!e) return undefined;
    return e.protocol === 'STEP' ? { from: e.from, to: e.to, protocol: e.protocol } : { from: this.hostOf(e.from), to: this.hostOf(e.to), protocol: e.protocol };
  }

  /** The ladder's one-line summary of event `index`. */
  summaryAt(index: number): string {
    const e = this.raw[index];
    if (!e) return '';
    if (typeof e.summary !== 'string') e.summary = e.summary();
    return e.summary;
  }

  /** The events with host names; each summary is made when first read (a spread of an event reads it). */
  get events(): WireEvent[] {
    return this.raw.map((e, index) => {
      const out = { t: e.t, ...this.endsOf(index) } as WireEvent;
      if (typeof e.summary === 'string') out.summary = e.summary;
      else Object.defineProperty(out, 'summary', { enumerable: true, configurable: true, get: () => this.summaryAt(index) });
      return out;
    });
  }

  private event(t: number, src: Endpoint, dst: Endpoint, protocol: WireProtocol, decoded: Decoded): void {
    this.raw.push({ t, from: src.address, to: dst.address, protocol, summary: decoded.summary });
    this.decoded.push(decoded.full);
  }
}

function protocolOfPort(port: number): WireProtocol {
  if (port === SIP_PORT) return 'SIP';
  if (port === SCCP_PORT) return 'SCCP';
  if (port === CTI_PORT) return 'CTI';
  if (port === HTTP_PORT || port === OWA_HTTP_PORT) return 'HTTP';
  if (port === HTTPS_PORT || port === SIP_TLS_PORT) return 'TLS';
  return 'TCP';
}

function framerFor(protocol: WireProtocol): Framer {
  switch (protocol) {
    case 'SIP': {
      const framer = new SipStreamFramer();
      return (bytes) => framer.pushFrames(bytes).map((r) => (r.ok ? lazySip(r.value) : malformed('SIP', r.error.message)));
    }
    case 'SCCP': {
      const framer = new SccpFramer();
      return (bytes) => framer.push(bytes).map((r) => (r.ok ? { summary: summarizeSccp(r.value), full: () => fullSccp(r.value) } : malformed('SCCP', r.error.message)));
    }
    case 'CTI': {
      const framer = new CtiFramer();
      return (bytes) => framer.push(bytes).map((r) => (r.ok ? { summary: summarizeCti(r.value.message), full: () => fullFields(r.value.message.type, r.value.message) } : malformed('CTI', r.error.message)));
    }
    case 'HTTP': {
      const framer = new HttpStreamFramer();
      return (bytes) =>
        framer.push(bytes).map((r) => {
          if (!r.ok) return malformed('HTTP', r.error.message);
          const m = r.value;
          const full = (): string => `${summarizeHttp(m)}\r\n${m.headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n${m.body}`;
          return { summary: summarizeHttp(m), full };
        });
    }
    case 'TLS': {
      const framer = new TlsRecordFramer();
      return (bytes) => framer.push(bytes);
    }
    default:
      return (bytes) => [{ summary: `${bytes.length} bytes`, full: () => `${bytes.length} bytes` }];
  }
}

/** RFC 8446 §5.1 / RFC 5246 §6.2.1 record content types. */
const TLS_CONTENT_TYPES: Readonly<Record<number, string>> = { 20: 'ChangeCipherSpec', 21: 'Alert', 22: 'Handshake', 23: 'Application Data' };

/**
 * Cuts a TLS byte stream into records (5-byte header: type, version, length) and names each: the ladder shows
 * that a TLS conversation took place; its content is in the pcap, decrypted with the cell's key log.
 */
class TlsRecordFramer {
  private buffer = new Uint8Array(0);

  push(bytes: Uint8Array): Decoded[] {
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer, 0);
    joined.set(bytes, this.buffer.length);
    const out: Decoded[] = [];
    let at = 0;
    while (joined.length - at >= 5) {
      const type = joined[at] as number;
      const length = ((joined[at + 3] as number) << 8) | (joined[at + 4] as number);
      if (joined.length - at < 5 + length) break;
      const name = TLS_CONTENT_TYPES[type];
      const text = name ? `TLS ${name} (${length} bytes)` : `malformed TLS (record type ${type})`;
      out.push({ summary: text, full: () => text });
      at += 5 + length;
    }
    this.buffer = joined.slice(at);
    return out;
  }
}

/** A decoded message whose summary is made already. */
type Summarised = Decoded & { summary: string };

function malformed(protocol: string, why: string): Summarised {
  const text = `malformed ${protocol} (${why})`;
  return { summary: text, full: () => text };
}

/** A SIP message's bytes, parsed when its summary or its whole text is first asked for. */
function lazySip(bytes: Uint8Array): Decoded {
  let decoded: Summarised | undefined;
  const decode = (): Summarised => {
    if (decoded) return decoded;
    const parsed = parseSipMessage(bytes);
    if (parsed.ok) {
      const m = parsed.value;
      decoded = { summary: summarizeSip(m), full: () => serializeSipMessage(m) };
    } else decoded = malformed('SIP', parsed.error.message);
    return decoded;
  };
  return { summary: () => decode().summary, full: () => decode().full() };
}

/** `Name {"field":value,…}` with every decoded field (binary fields as their length). */
function fullFields(name: string, message: object, show: (key: string, value: unknown) => unknown = (_k, v) => v): string {
  const fields = Object.fromEntries(
    Object.entries(message)
      .filter(([k]) => k !== 'name' && k !== 'type')
      .map(([k, v]) => [k, v instanceof Uint8Array ? `${v.length} bytes` : show(k, v)]),
  );
  return `${name} ${JSON.stringify(fields)}`;
}

/** An SCCP message with every field, enumerations by their Wireshark names. */
function fullSccp(m: { name: string }): string {
  return fullFields(m.name, m, (key, value) => {
    const names = SCCP_NAMES[key];
    return names && typeof value === 'number' ? (Object.keys(names).find((n) => names[n] === value) ?? value) : value;
  });
}

export function summarizeSip(m: SipMessage): string {
  const first = m.kind === 'request' ? `${m.method} ${m.uri}` : `${m.status} ${m.reason}`;
  const cseq = m.kind === 'response' ? ` (${m.headers.get('CSeq') ?? ''})` : '';
  const type = m.headers.get('Content-Type') ?? '';
  const body = /csta\+xml/i.test(type) && m.body ? ` [${summarizeCsta(m.body)}]` : '';
  return `${first}${cseq}${body}`;
}

const SCCP_DETAIL = ['callState', 'lineInstance', 'ringMode', 'lampMode', 'speakerMode', 'kpButton', 'button', 'deviceName', 'dialedNumber', 'softKeyEvent', 'tone', 'text'];

/** Enumerated SCCP fields shown by name in the ladder (Wireshark's value strings). */
const SCCP_NAMES: Record<string, Readonly<Record<string, number>>> = {
  callState: SccpEnums.CallState,
  ringMode: SccpEnums.RingMode,
  lampMode: SccpEnums.LampMode,
  speakerMode: SccpEnums.SpeakerMode,
  softKeyEvent: SccpEnums.SoftKeyEvent,
  tone: SccpEnums.Tone,
  deviceType: SccpEnums.DeviceType,
};
const CTI_DETAIL = ['result', 'code', 'lineDn', 'destination', 'callId', 'state', 'cause'];

function summarizeSccp(m: { name: string }): string {
  return withDetail(m.name, m, SCCP_DETAIL, (key, value) => {
    const names = SCCP_NAMES[key];
    const name = names && typeof value === 'number' ? Object.keys(names).find((n) => names[n] === value) : undefined;
    return name ?? String(value);
  });
}

function summarizeCti(m: { type: string }): string {
  return withDetail(m.type, m, CTI_DETAIL);
}

/** `Name key=value …` for the listed scalar fields a message has. */
function withDetail(name: string, message: object, keys: readonly string[], show: (key: string, value: string | number) => string = (_k, v) => String(v)): string {
  const fields = new Map(Object.entries(message));
  const detail = keys.flatMap((k) => {
    const v: unknown = fields.get(k);
    if (typeof v === 'string') return v === '' ? [] : [`${k}="${v.replace(/[\x00-\x1f\x80-\x9f]/g, '·')}"`];
    return typeof v === 'number' ? [`${k}=${show(k, v)}`] : [];
  });
  return detail.length > 0 ? `${name} ${detail.join(' ')}` : name;
}

function decodeDns(payload: Uint8Array): Decoded {
  const d = decodeDnsMessage(payload);
  if (!d.ok) return malformed('DNS', d.error.message);
  return { summary: summarizeDns(d.value), full: () => fullFields('DNS', d.value) };
}

function summarizeDns(d: DnsMessage): string {
  const q = d.questions.map((x) => `${x.type} ${x.name}`).join(', ');
  if (!d.flags.qr) return `query ${q}`;
  const a = d.answers.map((r) => (r.type === 'A' ? r.address : r.type === 'PTR' || r.type === 'SRV' ? r.target : r.type)).join(', ');
  return `${d.flags.rcode} ${q}${a ? ` → ${a}` : ''}`;
}
