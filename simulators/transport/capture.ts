import type { Endpoint } from './network';

/**
 * What a network reports as bytes cross it. The in-memory network calls it for every datagram and
 * every TCP open/segment/close it delivers; the socket network for every one it sends or receives.
 * The harness turns these into pcap frames (synthetic IPv4/UDP/TCP headers) and the message ladder.
 */
export interface CaptureSink {
  udp(t: number, src: Endpoint, dst: Endpoint, payload: Uint8Array): void;
  tcpOpen(t: number, connectionId: string, client: Endpoint, server: Endpoint): void;
  tcpData(t: number, connectionId: string, fromClient: boolean, payload: Uint8Array): void;
  tcpClose(t: number, connectionId: string, fromClient: boolean): void;
}

/** Fans one capture out to several sinks (pcap, ladder). */
export function teeCapture(...sinks: CaptureSink[]): CaptureSink {
  return {
    udp: (...a) => sinks.forEach((s) => s.udp(...a)),
    tcpOpen: (...a) => sinks.forEach((s) => s.tcpOpen(...a)),
    tcpData: (...a) => sinks.forEach((s) => s.tcpData(...a)),
    tcpClose: (...a) => sinks.forEach((s) => s.tcpClose(...a)),
  };
}
