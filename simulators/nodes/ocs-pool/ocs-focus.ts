import { createResponse, parseSipUri } from '../../protocols/sip';
import type { ServerTransaction, SipRequest, SipResponse } from '../../protocols/sip';
import { escapeAttribute } from '../../protocols/xml';

/** C3P bodies (docs/protocols/conferencing.md §2). */
export const C3P_CONTENT_TYPE = 'application/cccp+xml';
const CCCP_NS = 'urn:ietf:params:xml:ns:cccp';
const CONF_INFO_NS = 'urn:ietf:params:xml:ns:conference-info';

/** What kind of conferencing URI a Request-URI is (its `opaque` parameter), if any. */
export function conferencingTarget(uri: string): { kind: 'factory' | 'focus' | 'audio-video'; organizer: string; id?: string } | undefined {
  const parsed = parseSipUri(uri);
  if (!parsed.ok) return undefined;
  const opaque = parsed.value.params.opaque;
  if (!opaque?.startsWith('app:conf:')) return undefined;
  const organizer = `sip:${(parsed.value.user ?? '').toLowerCase()}@${parsed.value.host.toLowerCase()}`;
  if (opaque === 'app:conf:focusfactory') return { kind: 'factory', organizer };
  const m = /^app:conf:(focus|audio-video):id:([A-Za-z0-9]+)$/.exec(opaque);
  if (!m) return undefined;
  return { kind: m[1] as 'focus' | 'audio-video', organizer, id: m[2] ?? '' };
}

interface Conference {
  readonly id: string;
  readonly organizer: string;
  readonly focusUri: string;
  /** Users joined to the focus (addUser), by AOR. */
  readonly users: Set<string>;
  /** Users connected to the audio/video MCU, by Call-ID. */
  readonly audio: Map<string, string>;
}

/**
 * The pool's conferencing focus and its audio/video MCU, as a modelled stand-in (docs/protocols/conferencing.md
 * §5, lab's modelling choice): SERVICE addConference to the focus factory creates a conference and returns its
 * focus URI; an addUser INVITE to the focus joins a user (the organizer as presenter); an INVITE with SDP to
 * the conference's audio-video URI is answered with SDP (no media flows in the lab); BYE leaves.
 */
export class ConferencingFocus {
  private readonly conferences = new Map<string, Conference>();

  constructor(
    private readonly own: (request: SipRequest, status: number, reason?: string, opts?: Parameters<typeof createResponse>[3]) => SipResponse,
    private readonly tag: () => string,
    private readonly address: string,
  ) {}

  /** Users on the audio/video MCU of the pool's conferences. */
  audioParticipants(): number {
    let n = 0;
    for (const c of this.conferences.values()) n += c.audio.size;
    return n;
  }

  handle(request: SipRequest, tx: ServerTransaction, from: string): void {
    const target = conferencingTarget(request.uri);
    if (!target) return;
    const toTag = this.tag();
    const c3p = (): [string, string][] => [['Content-Type', C3P_CONTENT_TYPE]];
    if (target.kind === 'factory') {
      if (request.method !== 'SERVICE' || !/<addConference\b/.test(request.body)) {
        tx.respond(this.own(request, 501, 'Not Implemented', { toTag }));
        return;
      }
      const id = /conference-id>\s*([A-Za-z0-9]+)\s*</.exec(request.body)?.[1];
      if (!id || this.conferences.has(id)) {
        tx.respond(this.own(request, 400, 'Bad Request', { toTag }));
        return;
      }
      const focusUri = `${target.organizer};gruu;opaque=app:conf:focus:id:${id}`;
      this.conferences.set(id, { id, organizer: target.organizer, focusUri, users: new Set(), audio: new Map() });
      const body = this.response(request, 'addConference', `<conference-info xmlns="${CONF_INFO_NS}" entity="${escapeAttribute(focusUri)}"/>`);
      tx.respond({ ...this.own(request, 200, 'OK', { toTag, headers: c3p() }), body });
      return;
    }
    const conference = this.conferences.get(target.id ?? '');
    if (!conference) {
      tx.respond(this.own(request, 404, 'Not Found', { toTag }));
      return;
    }
    const callId = request.headers.get('Call-ID') ?? '';
    if (request.method === 'BYE') {
      if (target.kind === 'focus') conference.users.delete(from);
      else conference.audio.delete(callId);
      tx.respond(this.own(request, 200, 'OK'));
      return;
    }
    if (request.method !== 'INVITE') {
      tx.respond(this.own(request, 200, 'OK'));
      return;
    }
    const contact: [string, string] = ['Contact', `<${target.kind === 'focus' ? conference.focusUri : conference.focusUri.replace(':focus:', ':audio-video:')}>`];
    if (target.kind === 'focus') {
      if (!/<addUser\b/.test(request.body)) {
        tx.respond(this.own(request, 488, 'Not Acceptable Here', { toTag }));
        return;
      }
      conference.users.add(from);
      const role = from === conference.organizer ? 'presenter' : 'attendee';
      const body = this.response(
        request,
        'addUser',
        `<conferenceKeys confEntity="${escapeAttribute(conference.focusUri)}"/><user xmlns="${CONF_INFO_NS}" entity="${escapeAttribute(from)}"><roles><entry>${role}</entry></roles></user>`,
      );
      tx.respond({ ...this.own(request, 200, 'OK', { toTag, headers: [contact, ...c3p()] }), body });
      return;
    }
    // The A/V MCU: only a user joined to the focus may connect; the answer names no real media.
    if (!conference.users.has(from) || !/^application\/sdp/i.test(request.headers.get('Content-Type') ?? '')) {
      tx.respond(this.own(request, 403, 'Forbidden', { toTag }));
      return;
    }
    conference.audio.set(callId, from);
    const sdp = ['v=0', `o=- 0 0 IN IP4 ${this.address}`, 's=session', `c=IN IP4 ${this.address}`, 't=0 0', 'm=audio 49152 RTP/AVP 0 8', 'a=sendrecv', ''].join('\r\n');
    tx.respond({ ...this.own(request, 200, 'OK', { toTag, headers: [contact, ['Content-Type', 'application/sdp']] }), body: sdp });
  }

  private response(request: SipRequest, name: string, inner: string): string {
    const requestId = /requestId="([^"]*)"/.exec(request.body)?.[1] ?? '0';
    const from = /\bfrom="([^"]*)"/.exec(request.body)?.[1] ?? '';
    const to = /\bto="([^"]*)"/.exec(request.body)?.[1] ?? '';
    return `<?xml version="1.0"?><response xmlns="${CCCP_NS}" xmlns:mscp="http://schemas.microsoft.com/rtc/2005/08/cccpextensions" requestId="${escapeAttribute(requestId)}" C3PVersion="1" from="${escapeAttribute(to)}" to="${escapeAttribute(from)}" code="success"><${name}>${inner}</${name}></response>`;
  }
}
