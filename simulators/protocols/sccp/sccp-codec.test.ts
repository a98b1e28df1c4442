import * as indexApi from './index';
import { decodeSccp, encodeSccp, SCCP_MAX_DATA_LENGTH } from './sccp-codec';
import { SccpFramer } from './sccp-framer';
import { CallState, DeviceType, SccpMessageId } from './sccp-constants';
import type { SccpMessage } from './sccp-messages';
import { SCCP_SAMPLE_LIST } from './sccp-samples';

const hex = (s: string): Uint8Array => Uint8Array.from((s.replace(/\s+/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function mustDecode(frame: Uint8Array): SccpMessage {
  const r = decodeSccp(frame);
  if (!r.ok) throw new Error(`decode failed: ${r.error.message}`);
  return r.value;
}

describe('SCCP codec round trip (every modelled message)', () => {
  it.each(SCCP_SAMPLE_LIST.map((m) => [m.name, m] as const))('%s', (_name, message) => {
    const frame = encodeSccp(message);
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    expect(view.getUint32(0, true)).toBe(frame.length - 8); // data_length = 4 + data
    expect(view.getUint32(4, true)).toBe(0); // header version Basic
    expect(view.getUint32(8, true)).toBe(SccpMessageId[message.name as keyof typeof SccpMessageId]);
    expect(mustDecode(frame)).toEqual(message);
  });

  it('covers every id in the message table', () => {
    expect(new Set(SCCP_SAMPLE_LIST.map((m) => m.name))).toEqual(new Set(Object.keys(SccpMessageId)));
  });

  it.each([
    ['OffHook without line/call (old phones)', { name: 'OffHook' }, 0],
    ['OnHook without line/call', { name: 'OnHook' }, 0],
    ['KeypadButton without line/call', { name: 'KeypadButton', button: 7 }, 4],
    ['OpenReceiveChannelAck without callReference', { name: 'OpenReceiveChannelAck', status: 0, ipAddr: '10.1.2.3', port: 4000, passThruPartyId: 7 }, 16],
    ['Unregister with a reason code', { name: 'Unregister', unRegReasonCode: 3 }, 4],
    ['Unregister empty', { name: 'Unregister' }, 0],
  ] satisfies [string, SccpMessage, number][])('optional tail: %s', (_label, message, dataLength) => {
    const frame = encodeSccp(message);
    expect(frame.length).toBe(12 + dataLength);
    expect(mustDecode(frame)).toEqual(message);
  });
});

describe('SCCP byte-exact fixtures (Wireshark handle_*Message layouts, header version 0)', () => {
  it.each([
    [
      'Register SEP001122334455 7975 (handle_RegisterMessage)',
      { name: 'Register', deviceName: 'SEP001122334455', instance: 1, stationIp: '10.1.2.3', deviceType: DeviceType.Cisco7975, maxStreams: 5 },
      `28000000 00000000 01000000
       53455030 30313132 32333334 34353500
       00000000 01000000 0a010203 b5010000 05000000`,
    ],
    [
      'CallState Connected (handle_CallStateMessage)',
      { name: 'CallState', callState: CallState.Connected, lineInstance: 1, callReference: 0x01000001 },
      `1c000000 00000000 11010000
       05000000 01000000 01000001 00000000 00000000 00000000`,
    ],
    [
      'KeepAlive (no data)',
      { name: 'KeepAlive' },
      '04000000 00000000 00000000',
    ],
    [
      'StartTone InsideDialTone (handle_StartToneMessage)',
      { name: 'StartTone', tone: 0x21, lineInstance: 1, callReference: 2 },
      '14000000 00000000 82000000 21000000 00000000 01000000 02000000',
    ],
    [
      'OpenReceiveChannelAck (handle_OpenReceiveChannelAckMessage, IPv4 big-endian)',
      { name: 'OpenReceiveChannelAck', status: 0, ipAddr: '192.168.1.20', port: 0x4e20, passThruPartyId: 9, callReference: 2 },
      '18000000 00000000 22000000 00000000 c0a80114 204e0000 09000000 02000000',
    ],
    [
      'RegisterAck (handle_RegisterAckMessage)',
      { name: 'RegisterAck', keepAliveInterval: 30, dateTemplate: 'M/D/Y', secondaryKeepAliveInterval: 60 },
      '18000000 00000000 81000000 1e000000 4d2f442f5900 0000 3c000000 00 00 0000',
    ],
  ] satisfies [string, SccpMessage, string][])('%s', (_label, message, wire) => {
    expect(toHex(encodeSccp(message))).toBe(toHex(hex(wire)));
    expect(mustDecode(hex(wire))).toEqual(message);
  });

  it('NUL-pads and Latin-1-encodes char fields, keeping CUCM label escapes', () => {
    const frame = encodeSccp({ name: 'DisplayNotify', timeout: 10, text: '\x80\x25 1234' });
    expect(Array.from(frame.subarray(16, 24))).toEqual([0x80, 0x25, 0x20, 0x31, 0x32, 0x33, 0x34, 0]);
    expect(frame.length).toBe(12 + 4 + 32);
  });

  it('truncates an over-long char field to its size', () => {
    const m = mustDecode(encodeSccp({ name: 'DialedNumber', dialedNumber: '1'.repeat(30), lineInstance: 1, callReference: 1 }));
    expect(m).toEqual({ name: 'DialedNumber', dialedNumber: '1'.repeat(24), lineInstance: 1, callReference: 1 });
  });
});

describe('SCCP decode errors and unknown ids', () => {
  it('decodes an unknown id to an Unknown value', () => {
    const m = mustDecode(hex('08000000 00000000 99010000 deadbeef'));
    expect(m).toEqual({ name: 'Unknown', messageId: 0x199, data: hex('deadbeef') });
    expect(toHex(encodeSccp(m))).toBe('0800000000000000' + '99010000deadbeef');
  });

  it('reports truncated data with the field and byte offset', () => {
    // CallState with only callState + lineInstance (data_length 12).
    const r = decodeSccp(hex('0c000000 00000000 11010000 05000000 01000000'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('UC_CODEC');
      expect(r.error.where.offset).toBe(20);
      expect(r.error.message).toContain('callReference');
    }
  });

  it('reports a frame shorter than its data_length', () => {
    const r = decodeSccp(hex('1c000000 00000000 11010000 05000000'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.where.offset).toBe(16);
  });

  it('rejects data_length < 4, a short header and trailing bytes', () => {
    expect(decodeSccp(hex('03000000 00000000 00000000')).ok).toBe(false);
    expect(decodeSccp(hex('04000000 00000000')).ok).toBe(false);
    expect(decodeSccp(hex('04000000 00000000 00000000 00')).ok).toBe(false);
  });

  it('rejects array counts above the dissector maximum', () => {
    const frame = encodeSccp({ name: 'CapabilitiesRes', caps: [] });
    new DataView(frame.buffer).setUint32(12, 19, true);
    const r = decodeSccp(frame);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('capCount 19');
  });

  it('ignores data beyond what the layout reads (newer protocol versions append fields)', () => {
    const frame = hex('10000000 00000000 16010000 01000000 aabbccdd eeff0011');
    expect(mustDecode(frame)).toEqual({ name: 'ActivateCallPlane', lineInstance: 1 });
  });
});

describe('SccpFramer', () => {
  const messages: SccpMessage[] = [
    SCCP_SAMPLE_LIST[0]!,
    { name: 'CallState', callState: 4, lineInstance: 1, callReference: 7 },
    { name: 'SoftKeySetRes', softKeySetOffset: 0, totalSoftKeySetCount: 1, sets: [{ templateIndexes: [1, 2, 3], infoIndexes: [] }] },
    { name: 'DisplayNotify', timeout: 0, text: 'hi' },
  ];
  const stream = (() => {
    const frames = messages.map(encodeSccp);
    const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      out.set(f, at);
      at += f.length;
    }
    return out;
  })();

  const values = (results: ReturnType<SccpFramer['push']>): SccpMessage[] =>
    results.map((r) => {
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    });

  it('decodes coalesced frames from one chunk', () => {
    expect(values(new SccpFramer().push(stream))).toEqual(messages);
  });

  it.each([1, 2, 3, 5, 7, 13, 64])('decodes frames split into %i-byte chunks', (size) => {
    const framer = new SccpFramer();
    const got: SccpMessage[] = [];
    for (let i = 0; i < stream.length; i += size) got.push(...values(framer.push(stream.subarray(i, i + size))));
    expect(got).toEqual(messages);
    expect(framer.pending).toBe(0);
  });

  it('holds a partial frame until the rest arrives', () => {
    const framer = new SccpFramer();
    const frame = encodeSccp(messages[1]!);
    expect(framer.push(frame.subarray(0, 10))).toEqual([]);
    expect(framer.pending).toBe(10);
    expect(values(framer.push(frame.subarray(10)))).toEqual([messages[1]]);
  });

  it('passes through a truncated-content frame as an error and keeps going', () => {
    const framer = new SccpFramer();
    const bad = hex('0c000000 00000000 11010000 05000000 01000000'); // CallState missing callReference
    const results = framer.push(new Uint8Array([...bad, ...encodeSccp(messages[1]!)]));
    expect(results.map((r) => r.ok)).toEqual([false, true]);
    expect(framer.unusable).toBe(false);
  });

  it.each([
    ['length 3', 3],
    ['length 0', 0],
    [`length ${SCCP_MAX_DATA_LENGTH + 1}`, SCCP_MAX_DATA_LENGTH + 1],
    ['length 0xffffffff', 0xffffffff],
  ])('a %s header makes the stream unusable', (_label, length) => {
    const framer = new SccpFramer();
    const head = new Uint8Array(12);
    new DataView(head.buffer).setUint32(0, length, true);
    const good = encodeSccp(messages[0]!);
    const results = framer.push(new Uint8Array([...good, ...head]));
    expect(results).toHaveLength(2);
    expect(results[0]!.ok).toBe(true);
    expect(results[1]!.ok).toBe(false);
    if (!results[1]!.ok) expect(results[1]!.error.where.offset).toBe(good.length);
    expect(framer.unusable).toBe(true);
    const later = framer.push(good);
    expect(later).toHaveLength(1);
    expect(later[0]!.ok).toBe(false);
  });

  it('accepts the largest allowed data_length', () => {
    const framer = new SccpFramer();
    const frame = new Uint8Array(SCCP_MAX_DATA_LENGTH + 8);
    const v = new DataView(frame.buffer);
    v.setUint32(0, SCCP_MAX_DATA_LENGTH, true);
    v.setUint32(8, 0x7777, true);
    const [r] = framer.push(frame);
    expect(r?.ok && r.value.name).toBe('Unknown');
  });
});

describe('sccp index', () => {
  it('re-exports the public API', () => {
    const api = indexApi;
    expect(typeof api.encodeSccp).toBe('function');
    expect(typeof api.SccpFramer).toBe('function');
    expect(api.SccpMessageId.CallState).toBe(0x111);
  });
});
