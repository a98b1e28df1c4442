/**
 * The project's own codecs run over captured bytes: every message decoded and encoded again (SIP with its CSTA
 * body, SCCP, CTI, DNS). `uc-lab bench` times this over the very messages of a run, to compare a cell's cost with
 * the cost of its messages' bytes.
 */
import { parseCsta, serializeCsta } from './csta';
import { CtiFramer, encodeCti } from './cti';
import { decodeDnsMessage, encodeDnsMessage } from './dns/dns-message';
import { SccpFramer, encodeSccp } from './sccp';
import { SipStreamFramer, parseSipMessage, encodeSipMessage } from './sip';
import type { SipMessage } from './sip';

export type StreamProtocol = 'SIP' | 'SCCP' | 'CTI';
export type DatagramProtocol = 'SIP' | 'DNS';

function sipRoundTrip(m: SipMessage): void {
  encodeSipMessage(m);
  const type = m.headers.get('Content-Type') ?? '';
  if (m.body && /csta\+xml/i.test(type)) {
    const csta = parseCsta(m.body);
    if (csta.ok) serializeCsta(csta.value);
  }
}

/** Decodes and re-encodes every message of one direction of a TCP stream; returns how many there were. */
export function roundTripStream(protocol: StreamProtocol, bytes: Uint8Array): number {
  let n = 0;
  if (protocol === 'SIP') {
    for (const r of new SipStreamFramer().push(bytes)) {
      if (!r.ok) continue;
      sipRoundTrip(r.value);
      n++;
    }
  } else if (protocol === 'SCCP') {
    for (const r of new SccpFramer().push(bytes)) {
      if (!r.ok) continue;
      encodeSccp(r.value);
      n++;
    }
  } else {
    for (const r of new CtiFramer().push(bytes)) {
      if (!r.ok) continue;
      encodeCti(r.value.message, r.value.invokeId);
      n++;
    }
  }
  return n;
}

/** Decodes and re-encodes one datagram; returns 1 when it decoded. */
export function roundTripDatagram(protocol: DatagramProtocol, bytes: Uint8Array): number {
  if (protocol === 'DNS') {
    const d = decodeDnsMessage(bytes);
    if (!d.ok) return 0;
    encodeDnsMessage(d.value);
    return 1;
  }
  const m = parseSipMessage(bytes);
  if (!m.ok) return 0;
  sipRoundTrip(m.value);
  return 1;
}

