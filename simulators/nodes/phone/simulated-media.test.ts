import type { Session } from 'sip.js';
import {
  SimulatedMediaHandler,
  answerDirection,
  buildSdp,
  holdModifier,
  inactiveModifier,
  sdpDirection,
  simulatedMediaFactory,
  unholdModifier,
  withDirection,
} from './simulated-media';
import type { MediaDirection } from './simulated-media';

const PHONE = '192.0.2.102';
const offer = (direction: MediaDirection): string =>
  buildSdp({ address: '192.0.2.30', port: 24580, sessionId: 7, version: 1, direction });

describe('buildSdp', () => {
  it('writes the RFC 4566 lines in order', () => {
    expect(buildSdp({ address: PHONE, port: 16384, sessionId: 1001, version: 0, direction: 'sendrecv' })).toBe(
      [
        'v=0',
        `o=Cisco-SIPUA 1001 0 IN IP4 ${PHONE}`,
        's=SIP Call',
        `c=IN IP4 ${PHONE}`,
        't=0 0',
        'm=audio 16384 RTP/AVP 0 8 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  it.each<MediaDirection>(['sendrecv', 'sendonly', 'recvonly', 'inactive'])('round-trips direction %s', (direction) => {
    expect(sdpDirection(offer(direction))).toBe(direction);
    expect(sdpDirection(withDirection(offer('sendrecv'), direction))).toBe(direction);
  });

  it('defaults to sendrecv and adds a direction when there is none', () => {
    const bare = 'v=0\r\nm=audio 1 RTP/AVP 0\r\n';
    expect(sdpDirection(bare)).toBe('sendrecv');
    expect(withDirection(bare, 'inactive')).toBe('v=0\r\nm=audio 1 RTP/AVP 0\r\na=inactive\r\n');
  });
});

describe('answerDirection (RFC 3264 §6.1)', () => {
  it.each<[MediaDirection, boolean, MediaDirection]>([
    ['sendrecv', false, 'sendrecv'],
    ['sendrecv', true, 'sendonly'],
    ['sendonly', false, 'recvonly'],
    ['sendonly', true, 'inactive'],
    ['recvonly', false, 'sendonly'],
    ['inactive', false, 'inactive'],
  ])('offer %s, local hold %s -> %s', (offered, hold, answered) => {
    expect(answerDirection(offered, hold)).toBe(answered);
  });
});

describe('SimulatedMediaHandler', () => {
  it('offers sendrecv, takes the answer, and offers sendonly on hold with a new version', async () => {
    const h = new SimulatedMediaHandler(PHONE, 16384, 1001);
    const first = await h.getDescription();
    expect(first.contentType).toBe('application/sdp');
    expect(first.body).toContain('o=Cisco-SIPUA 1001 0 IN IP4 192.0.2.102');
    expect(sdpDirection(first.body)).toBe('sendrecv');
    await h.setDescription(offer('sendrecv'));
    expect(h.remoteDescription).toBe(offer('sendrecv'));
    const held = await h.getDescription({ hold: true });
    expect(sdpDirection(held.body)).toBe('sendonly');
    expect(held.body).toContain('o=Cisco-SIPUA 1001 1 IN IP4');
  });

  it('answers a peer offer following RFC 3264 §6.1', async () => {
    const h = new SimulatedMediaHandler(PHONE, 16386, 1002);
    await h.setDescription(offer('sendonly'));
    const answer = await h.getDescription();
    expect(sdpDirection(answer.body)).toBe('recvonly');
    expect(answer.body).toContain('m=audio 16386 RTP/AVP 0 8 101');
  });

  it.each([
    [holdModifier, 'sendonly'],
    [inactiveModifier, 'inactive'],
    [unholdModifier, 'sendrecv'],
  ] as const)('applies modifiers (%#)', async (modifier, direction) => {
    const h = new SimulatedMediaHandler(PHONE, 16384, 1);
    const d = await h.getDescription(undefined, [modifier]);
    expect(sdpDirection(d.body)).toBe(direction);
    expect(h.localDirection).toBe(direction);
  });

  it('accepts only application/sdp and refuses work once closed', async () => {
    const h = new SimulatedMediaHandler(PHONE, 16384, 1);
    expect(h.hasDescription('application/sdp')).toBe(true);
    expect(h.hasDescription('Application/SDP; charset=utf-8')).toBe(true);
    expect(h.hasDescription('application/x-cisco-remotecc-request+xml')).toBe(false);
    expect(h.sendDtmf()).toBe(false);
    h.close();
    await expect(h.getDescription()).rejects.toThrow(/closed/);
    await expect(h.setDescription('v=0')).rejects.toThrow(/closed/);
  });
});

describe('simulatedMediaFactory', () => {
  it('hands each session the next even RTP port from 16384', () => {
    const factory = simulatedMediaFactory({ address: PHONE });
    const session = {} as Session;
    const ports = [factory(session), factory(session), factory(session)].map((h) => (h as SimulatedMediaHandler).port);
    expect(ports).toEqual([16384, 16386, 16388]);
  });
});
