import * as indexApi from './index';
import { CTI_HEADER_SIZE, CTI_MAX_PAYLOAD, decodeCti, encodeCti, type CtiFrame } from './cti-codec';
import { CtiFramer } from './cti-framer';
import { CTI_TYPE_CODES, ctiMessageKind, ctiMessageType, type CtiMessage, type CtiMessageType } from './cti-messages';

const SAMPLES: { [T in CtiMessageType]: Extract<CtiMessage, { type: T }> } = {
  ProviderOpenRequest: { type: 'ProviderOpenRequest', applicationUser: 'cup-ctigw', password: 's3cret', clientName: 'CUP 7.0(3) CTI Gateway' },
  ProviderOpenResponse: { type: 'ProviderOpenResponse', result: 'ok', heartbeatIntervalMs: 30000 },
  ProviderCloseRequest: { type: 'ProviderCloseRequest' },
  ProviderCloseResponse: { type: 'ProviderCloseResponse' },
  HeartbeatRequest: { type: 'HeartbeatRequest' },
  HeartbeatResponse: { type: 'HeartbeatResponse' },
  MonitorDeviceRequest: { type: 'MonitorDeviceRequest', deviceName: 'SEP001122334455', lineDn: '+14085550101' },
  MonitorDeviceResponse: { type: 'MonitorDeviceResponse', monitorId: 'mon-1', deviceName: 'SEP001122334455', lineDn: '+14085550101' },
  MonitorStopRequest: { type: 'MonitorStopRequest', monitorId: 'mon-1' },
  MonitorStopResponse: { type: 'MonitorStopResponse' },
  MakeCallRequest: { type: 'MakeCallRequest', monitorId: 'mon-1', destination: '+14085550102' },
  AnswerCallRequest: { type: 'AnswerCallRequest', monitorId: 'mon-1', callId: 'call-7' },
  ClearCallRequest: { type: 'ClearCallRequest', monitorId: 'mon-1', callId: 'call-7' },
  HoldCallRequest: { type: 'HoldCallRequest', monitorId: 'mon-1', callId: 'call-7' },
  RetrieveCallRequest: { type: 'RetrieveCallRequest', monitorId: 'mon-1', callId: 'call-7' },
  RedirectCallRequest: { type: 'RedirectCallRequest', monitorId: 'mon-1', callId: 'call-7', destination: '+14085551003' },
  SingleStepTransferRequest: { type: 'SingleStepTransferRequest', monitorId: 'mon-1', callId: 'call-7', destination: '+14085551003' },
  SetForwardingRequest: { type: 'SetForwardingRequest', monitorId: 'mon-1', forwardAll: true, destination: '+14085550199' },
  GenerateDigitsRequest: { type: 'GenerateDigitsRequest', monitorId: 'mon-1', callId: 'call-7', digits: '1234#' },
  TransferCallRequest: { type: 'TransferCallRequest', monitorId: 'mon-1', heldCallId: 'call-7', activeCallId: 'call-8' },
  CallRequestResponse: { type: 'CallRequestResponse', callId: 'call-7' },
  ErrorResponse: { type: 'ErrorResponse', code: 'noSuchCall', message: 'call-9 is not on line +14085550101' },
  CallEvent: {
    type: 'CallEvent',
    monitorId: 'mon-1',
    deviceName: 'SEP001122334455',
    lineDn: '+14085550101',
    callId: 'call-7',
    state: 'ringIn',
    callingParty: '+14085550102',
    calledParty: '+14085550101',
    cause: 'newCall',
  },
  ForwardingEvent: { type: 'ForwardingEvent', monitorId: 'mon-1', deviceName: 'SEP001122334455', lineDn: '+14085550101', forwardAll: false },
  MonitorEndedEvent: { type: 'MonitorEndedEvent', monitorId: 'mon-1', reason: 'deviceUnregistered' },
};

const list = Object.values(SAMPLES) as CtiMessage[];
const invokeFor = (m: CtiMessage, n = 42): number => (ctiMessageKind(m.type) === 'event' ? 0 : n);

function header(code: number, invokeId: number, length: number, magic = 'LCTI', version = 1): Uint8Array {
  const h = new Uint8Array(CTI_HEADER_SIZE);
  h.set(new TextEncoder().encode(magic).subarray(0, 4));
  const v = new DataView(h.buffer);
  v.setUint8(4, version);
  v.setUint16(6, code, false);
  v.setUint32(8, invokeId, false);
  v.setUint32(12, length, false);
  return h;
}
function frameOf(code: number, invokeId: number, json: string): Uint8Array {
  const body = new TextEncoder().encode(json);
  const f = new Uint8Array(CTI_HEADER_SIZE + body.length);
  f.set(header(code, invokeId, body.length));
  f.set(body, CTI_HEADER_SIZE);
  return f;
}
function expectError(r: ReturnType<typeof decodeCti>, text: string, offset?: number): void {
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error.code).toBe('UC_CODEC');
    expect(r.error.message).toContain(text);
    if (offset !== undefined) expect(r.error.where.offset).toBe(offset);
  }
}

describe('CTI codec round trip (every message type)', () => {
  it('has a sample for every type code', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(CTI_TYPE_CODES).sort());
  });

  it.each(list.map((m) => [m.type, m] as const))('%s', (_type, message) => {
    const invokeId = invokeFor(message, 0x01020304);
    const frame = encodeCti(message, invokeId);
    expect(decodeCti(frame)).toEqual({ ok: true, value: { invokeId, message } });
  });

  it('lays out the header as documented', () => {
    const frame = encodeCti({ type: 'HeartbeatRequest' }, 0x0a0b0c0d);
    expect(Array.from(frame)).toEqual([0x4c, 0x43, 0x54, 0x49, 1, 0, 0x01, 0x05, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 2, 0x7b, 0x7d]);
  });

  it('carries UTF-8 in JSON strings', () => {
    const m: CtiMessage = { type: 'ErrorResponse', code: 'malformed', message: 'Gerät “Zürich” ☎' };
    expect(decodeCti(encodeCti(m, 9))).toEqual({ ok: true, value: { invokeId: 9, message: m } });
  });

  it('accepts monitoring by DN alone (any device the DN appears on)', () => {
    const m: CtiMessage = { type: 'MonitorDeviceRequest', lineDn: '1001' };
    expect(decodeCti(encodeCti(m, 1))).toEqual({ ok: true, value: { invokeId: 1, message: m } });
  });
});

describe('CTI decode errors', () => {
  it('rejects bad magic at offset 0', () => {
    const f = encodeCti({ type: 'HeartbeatRequest' }, 1);
    f[0] = 0x58;
    expectError(decodeCti(f), 'bad magic', 0);
  });

  it('rejects a truncated header and a truncated payload', () => {
    const f = encodeCti(SAMPLES.MakeCallRequest, 3);
    expectError(decodeCti(f.subarray(0, 10)), 'truncated header', 10);
    expectError(decodeCti(f.subarray(0, f.length - 1)), 'truncated payload', f.length - 1);
  });

  it('rejects an unsupported version and a non-zero reserved byte', () => {
    const f = encodeCti({ type: 'HeartbeatRequest' }, 1);
    f[4] = 2;
    expectError(decodeCti(f), 'unsupported version 2', 4);
    const g = encodeCti({ type: 'HeartbeatRequest' }, 1);
    g[5] = 1;
    expectError(decodeCti(g), 'reserved', 5);
  });

  it('rejects an unknown type code', () => {
    expectError(decodeCti(frameOf(0x0999, 1, '{}')), 'unknown message type code 0x0999', 6);
  });

  it.each([
    ['missing field', CTI_TYPE_CODES.MakeCallRequest, '{"monitorId":"mon-1"}', 'field destination'],
    ['wrong type', CTI_TYPE_CODES.MakeCallRequest, '{"monitorId":"mon-1","destination":42}', 'field destination'],
    ['empty string', CTI_TYPE_CODES.AnswerCallRequest, '{"monitorId":"","callId":"c"}', 'field monitorId'],
    ['bad enum', CTI_TYPE_CODES.ErrorResponse, '{"code":"oops","message":"x"}', 'field code'],
    ['bad call state', CTI_TYPE_CODES.CallEvent, JSON.stringify({ ...SAMPLES.CallEvent, type: undefined, state: 'ringing' }), 'field state'],
    ['forwardAll without destination', CTI_TYPE_CODES.SetForwardingRequest, '{"monitorId":"m","forwardAll":true}', 'field destination'],
    ['not an object', CTI_TYPE_CODES.HeartbeatRequest, '[1,2]', 'field (payload)'],
    ['not JSON', CTI_TYPE_CODES.HeartbeatRequest, '{oops', 'not UTF-8 JSON'],
  ])('rejects a payload failing validation: %s', (_label, code, json, text) => {
    const invokeId = ctiMessageKind(ctiMessageType(code)!) === 'event' ? 0 : 5;
    expectError(decodeCti(frameOf(code, invokeId, json)), text, CTI_HEADER_SIZE);
  });

  it('rejects invalid UTF-8', () => {
    const f = frameOf(CTI_TYPE_CODES.HeartbeatRequest, 5, '{}');
    f[CTI_HEADER_SIZE] = 0xff;
    expectError(decodeCti(f), 'not UTF-8 JSON');
  });

  it('enforces invokeId 0 for events and non-zero for requests and responses', () => {
    expectError(decodeCti(encodeCti(SAMPLES.CallEvent, 7)), 'invokeId must be 0', 8);
    expectError(decodeCti(encodeCti(SAMPLES.MakeCallRequest, 0)), 'invokeId 0 is reserved', 8);
    expectError(decodeCti(encodeCti(SAMPLES.ProviderOpenResponse, 0)), 'invokeId 0 is reserved', 8);
  });

  it('refuses to encode an invokeId that is not a u32', () => {
    expect(() => encodeCti({ type: 'HeartbeatRequest' }, -1)).toThrow(/invokeId/);
    expect(() => encodeCti({ type: 'HeartbeatRequest' }, 2 ** 32)).toThrow(/invokeId/);
  });
});

describe('CtiFramer', () => {
  const frames = list.map((m, i) => encodeCti(m, invokeFor(m, i + 1)));
  const expected: CtiFrame[] = list.map((m, i) => ({ invokeId: invokeFor(m, i + 1), message: m }));
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (stream.set(f, at), at + f.length), 0);

  const values = (rs: ReturnType<CtiFramer['push']>): CtiFrame[] =>
    rs.map((r) => {
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    });

  it('decodes coalesced frames from one chunk', () => {
    expect(values(new CtiFramer().push(stream))).toEqual(expected);
  });

  it.each([1, 3, 7, 16, 100])('decodes frames split into %i-byte chunks', (size) => {
    const framer = new CtiFramer();
    const got: CtiFrame[] = [];
    for (let i = 0; i < stream.length; i += size) got.push(...values(framer.push(stream.subarray(i, i + size))));
    expect(got).toEqual(expected);
    expect(framer.pending).toBe(0);
  });

  it('reports a bad payload and stays in sync', () => {
    const framer = new CtiFramer();
    const bad = frameOf(CTI_TYPE_CODES.MakeCallRequest, 4, '{}');
    const rs = framer.push(new Uint8Array([...bad, ...frames[0]!]));
    expect(rs.map((r) => r.ok)).toEqual([false, true]);
    expect(framer.unusable).toBe(false);
  });

  it('makes the stream unusable on bad magic, even mid-stream and split', () => {
    const framer = new CtiFramer();
    const f = frames[0]!;
    const first = framer.push(new Uint8Array([...f, 0x4c, 0x43])); // a good frame, then "LC" (could still be magic)
    expect(first.map((r) => r.ok)).toEqual([true]);
    expect(framer.unusable).toBe(false);
    const second = framer.push(Uint8Array.of(0x48, 0x54)); // "LCHT": not the magic
    expect(second).toHaveLength(1);
    expect(second[0]!.ok).toBe(false);
    if (!second[0]!.ok) {
      expect(second[0]!.error.message).toContain('bad magic');
      expect(second[0]!.error.where.offset).toBe(f.length);
    }
    expect(framer.unusable).toBe(true);
    const later = framer.push(frames[0]!);
    expect(later.map((r) => r.ok)).toEqual([false]);
  });

  it('makes the stream unusable on an oversized payload length', () => {
    const framer = new CtiFramer();
    const rs = framer.push(header(CTI_TYPE_CODES.HeartbeatRequest, 1, CTI_MAX_PAYLOAD + 1));
    expect(rs.map((r) => r.ok)).toEqual([false]);
    expect(framer.unusable).toBe(true);
  });

  it('waits for a truncated frame to complete', () => {
    const framer = new CtiFramer();
    const f = frames[0]!;
    expect(framer.push(f.subarray(0, f.length - 2))).toEqual([]);
    expect(framer.pending).toBe(f.length - 2);
    expect(values(framer.push(f.subarray(f.length - 2)))).toEqual([expected[0]]);
  });
});

describe('docs/protocols/cti.md example', () => {
  it('matches the encoder', () => {
    const f = encodeCti({ type: 'MakeCallRequest', monitorId: 'mon-1', destination: '+14085550102' }, 7);
    expect(Array.from(f.subarray(0, CTI_HEADER_SIZE))).toEqual([0x4c, 0x43, 0x54, 0x49, 1, 0, 3, 1, 0, 0, 0, 7, 0, 0, 0, 0x32]);
    expect(new TextDecoder().decode(f.subarray(CTI_HEADER_SIZE))).toBe('{"monitorId":"mon-1","destination":"+14085550102"}');
  });
});

describe('cti index', () => {
  it('re-exports the public API', () => {
    const api = indexApi;
    expect(typeof api.encodeCti).toBe('function');
    expect(typeof api.CtiFramer).toBe('function');
    expect(api.CTI_TCP_PORT).toBe(2748);
  });
});
