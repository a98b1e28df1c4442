import type {
  BodyAndContentType,
  Session,
  SessionDescriptionHandler,
  SessionDescriptionHandlerFactory,
  SessionDescriptionHandlerModifier,
  SessionDescriptionHandlerOptions,
} from 'sip.js';

/**
 * Simulated media for the lab's SIP phones: a sip.js `SessionDescriptionHandler` that offers and
 * answers a static, valid RFC 4566 SDP for one G.711 audio stream, and accepts any
 * `application/sdp` from the peer. No RTP ever flows: the lab checks signalling only, so the
 * port in `m=` is announced but never bound (modelling choice). No WebRTC is involved.
 */

/** RFC 3264 §5.1 / RFC 4566 §6: the four stream directions. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpOptions {
  /** The phone's IPv4 address (o= and c=). */
  readonly address: string;
  /** The RTP port announced in m=. */
  readonly port: number;
  readonly sessionId: number;
  readonly version: number;
  readonly direction: MediaDirection;
}

export interface SimulatedMediaOptions {
  /** The phone's IPv4 address. */
  readonly address: string;
  /**
   * First RTP port handed out; each new session takes the next even port (RFC 3550 §11: "RTP
   * SHOULD use an even destination port number"). Default 16384, the bottom of the Cisco phones'
   * default RTP range 16384–32766 (CUCM SIP Profile "Start Media Port").
   */
  readonly firstRtpPort?: number;
}

/** sip.js passes these options through `Session.invite({ sessionDescriptionHandlerOptions })`. */
export interface SimulatedMediaHandlerOptions extends SessionDescriptionHandlerOptions {
  /** When true the phone holds the call: it offers a=sendonly (RFC 3264 §8.4). */
  hold?: boolean;
}

const RTP_PORT_FIRST = 16384;
const RTP_PORT_LAST = 32766;

/**
 * RFC 4566 §5: "v=, o=, s=, c= (not required if included in all media), t=, m=" in that order.
 * Payload types (RFC 3551 §6 Table 4): 0 = PCMU/8000, 8 = PCMA/8000; 101 is the dynamic type the
 * Cisco phones use for RFC 2833 telephone-event (modelling choice from Cisco phone captures).
 */
export function buildSdp(o: SdpOptions): string {
  return [
    'v=0',
    // RFC 4566 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
    `o=Cisco-SIPUA ${o.sessionId} ${o.version} IN IP4 ${o.address}`,
    's=SIP Call',
    `c=IN IP4 ${o.address}`,
    't=0 0',
    `m=audio ${o.port} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    `a=${o.direction}`,
    '',
  ].join('\r\n');
}

/** The direction attribute of the first audio stream (or the session level), default sendrecv (RFC 3264 §5.1). */
export function sdpDirection(sdp: string): MediaDirection {
  const match = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp);
  return (match?.[1] as MediaDirection | undefined) ?? 'sendrecv';
}

/** Replaces the direction attribute(s) of an SDP (adds one when absent). */
export function withDirection(sdp: string, direction: MediaDirection): string {
  if (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.test(sdp)) {
    return sdp.replace(/^a=(sendrecv|sendonly|recvonly|inactive)(\s*)$/gm, `a=${direction}$2`);
  }
  return `${sdp.replace(/(\r\n)?$/, '')}\r\na=${direction}\r\n`;
}

const modifierTo =
  (direction: MediaDirection): SessionDescriptionHandlerModifier =>
  async (description) => {
    const d: unknown = description;
    if (typeof d === 'object' && d !== null && 'sdp' in d && typeof d.sdp === 'string') {
      return { ...d, sdp: withDirection(d.sdp, direction) };
    }
    return description;
  };

/** RFC 3264 §8.4: a hold offer marks the stream sendonly (or inactive when it was recvonly). */
export const holdModifier: SessionDescriptionHandlerModifier = modifierTo('sendonly');
export const inactiveModifier: SessionDescriptionHandlerModifier = modifierTo('inactive');
export const unholdModifier: SessionDescriptionHandlerModifier = modifierTo('sendrecv');

/**
 * RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding stream MUST be marked as
 * recvonly or inactive in the answer. If a media stream is listed as recvonly in the offer, the
 * answer MUST be marked as sendonly or inactive in the answer. If an offered media stream is listed
 * as sendrecv (or if there is no direction attribute at the media or session level ...), the
 * corresponding stream in the answer MAY be marked as sendonly, recvonly, sendrecv, or inactive.
 * If an offered media stream is listed as inactive, it MUST be marked as inactive in the answer."
 */
export function answerDirection(offered: MediaDirection, localHold: boolean): MediaDirection {
  switch (offered) {
    case 'sendonly':
      return localHold ? 'inactive' : 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'inactive':
      return 'inactive';
    case 'sendrecv':
      return localHold ? 'sendonly' : 'sendrecv';
  }
}

export class SimulatedMediaHandler implements SessionDescriptionHandler {
  private closed = false;
  private version = 0;
  private lastDirection: MediaDirection | undefined;
  /** The peer's offer waiting for our answer (set by setDescription when we have no offer out). */
  private remoteOffer: string | undefined;
  private localOfferOut = false;
  private remote: string | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly sessionId: number,
  ) {}

  /** The last SDP the peer sent (offer or answer). */
  get remoteDescription(): string | undefined {
    return this.remote;
  }

  /** The direction the phone last put in its own SDP. */
  get localDirection(): MediaDirection | undefined {
    return this.lastDirection;
  }

  close(): void {
    this.closed = true;
  }

  async getDescription(
    options?: SimulatedMediaHandlerOptions,
    modifiers: readonly SessionDescriptionHandlerModifier[] = [],
  ): Promise<BodyAndContentType> {
    if (this.closed) throw new Error('simulated media: session description handler is closed');
    const hold = options?.hold === true;
    const answering = this.remoteOffer !== undefined;
    const direction: MediaDirection = answering
      ? answerDirection(sdpDirection(this.remoteOffer ?? ''), hold)
      : hold
        ? 'sendonly'
        : 'sendrecv';
    // RFC 4566 §5.2: <sess-version> "is increased when a modification is made to the session data".
    if (this.lastDirection !== undefined && this.lastDirection !== direction) this.version += 1;
    this.lastDirection = direction;
    let sdp = buildSdp({ address: this.address, port: this.port, sessionId: this.sessionId, version: this.version, direction });
    for (const modify of modifiers) {
      const out: unknown = await modify({ type: answering ? 'answer' : 'offer', sdp });
      if (typeof out === 'object' && out !== null && 'sdp' in out && typeof out.sdp === 'string') sdp = out.sdp;
    }
    if (answering) this.remoteOffer = undefined;
    else this.localOfferOut = true;
    this.lastDirection = sdpDirection(sdp);
    return { body: sdp, contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]?.trim().toLowerCase() === 'application/sdp';
  }

  async rollbackDescription(): Promise<void> {
    this.remoteOffer = undefined;
    this.localOfferOut = false;
  }

  /** Accepts any SDP the peer sends: nothing is checked, since no media flows. */
  async setDescription(sdp: string): Promise<void> {
    if (this.closed) throw new Error('simulated media: session description handler is closed');
    this.remote = sdp;
    if (this.localOfferOut) this.localOfferOut = false;
    else this.remoteOffer = sdp;
  }

  /** No RTP flows, so no RFC 4733 digits can be sent. */
  sendDtmf(): boolean {
    return false;
  }
}

/** The factory to pass as `UserAgentOptions.sessionDescriptionHandlerFactory`. */
export function simulatedMediaFactory(options: SimulatedMediaOptions): SessionDescriptionHandlerFactory {
  const first = options.firstRtpPort ?? RTP_PORT_FIRST;
  let next = 0;
  return (_session: Session) => {
    const span = Math.floor((RTP_PORT_LAST - first) / 2) + 1;
    const port = first + 2 * (next % span);
    next += 1;
    return new SimulatedMediaHandler(options.address, port, 1000 + next);
  };
}
