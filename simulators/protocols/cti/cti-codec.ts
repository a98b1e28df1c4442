/**
 * Codec of the lab's OWN CUP <-> CUCM CTI framing. This is NOT Cisco's CTIQBE, whose wire format was
 * never published; it is a documented stand-in (docs/protocols/cti.md) so the link can be captured,
 * cut and faulted like the real TCP 2748 connection.
 *
 * Frame (all integers big-endian, modelling choice):
 *   0  4  magic "LCTI" (ASCII)
 *   4  1  version = 1
 *   5  1  reserved = 0
 *   6  2  message type code (CTI_TYPE_CODES)
 *   8  4  invokeId: pairs a response with its request; 0 for unsolicited events
 *  12  4  payload length in bytes
 *  16  n  payload: UTF-8 JSON object, validated by the type's zod schema
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import {
  CTI_PAYLOAD_SCHEMAS,
  CTI_TYPE_CODES,
  ctiMessageKind,
  ctiMessageType,
  type CtiMessage,
} from './cti-messages';

const PROTOCOL = 'cti';
export const CTI_MAGIC = Uint8Array.of(0x4c, 0x43, 0x54, 0x49); // "LCTI"
export const CTI_VERSION = 1;
export const CTI_HEADER_SIZE = 16;
/** Largest payload accepted (modelling choice: far above any message here; more means a broken peer). */
export const CTI_MAX_PAYLOAD = 64 * 1024;

export interface CtiFrame {
  invokeId: number;
  message: CtiMessage;
}

const encoder = new TextEncoder();

/** Encode one message as a whole frame. `invokeId` must be a u32 (0 for events). */
export function encodeCti(message: CtiMessage, invokeId: number): Uint8Array {
  if (!Number.isInteger(invokeId) || invokeId < 0 || invokeId > 0xffffffff) {
    throw new CodecError(PROTOCOL, `cannot encode invokeId ${invokeId}: not a u32`);
  }
  const { type, ...payload } = message;
  const body = encoder.encode(JSON.stringify(payload));
  const frame = new Uint8Array(CTI_HEADER_SIZE + body.length);
  const view = new DataView(frame.buffer);
  frame.set(CTI_MAGIC, 0);
  view.setUint8(4, CTI_VERSION);
  view.setUint8(5, 0);
  view.setUint16(6, CTI_TYPE_CODES[type], false);
  view.setUint32(8, invokeId, false);
  view.setUint32(12, body.length, false);
  frame.set(body, CTI_HEADER_SIZE);
  return frame;
}

/** True when the first bytes (up to 4) match the magic. */
export function hasCtiMagic(bytes: Uint8Array): boolean {
  for (let i = 0; i < Math.min(4, bytes.length); i++) if (bytes[i] !== CTI_MAGIC[i]) return false;
  return true;
}

/** Decode exactly one whole frame. */
export function decodeCti(frame: Uint8Array): Result<CtiFrame> {
  if (!hasCtiMagic(frame)) return fail(new CodecError(PROTOCOL, 'bad magic: expected "LCTI"', { offset: 0 }));
  if (frame.length < CTI_HEADER_SIZE) {
    return fail(new CodecError(PROTOCOL, `truncated header: ${frame.length} of ${CTI_HEADER_SIZE} bytes`, { offset: frame.length }));
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = view.getUint8(4);
  if (version !== CTI_VERSION) return fail(new CodecError(PROTOCOL, `unsupported version ${version}`, { offset: 4 }));
  if (view.getUint8(5) !== 0) return fail(new CodecError(PROTOCOL, 'reserved byte is not 0', { offset: 5 }));
  const code = view.getUint16(6, false);
  const invokeId = view.getUint32(8, false);
  const length = view.getUint32(12, false);
  if (frame.length < CTI_HEADER_SIZE + length) {
    return fail(
      new CodecError(PROTOCOL, `truncated payload: ${frame.length - CTI_HEADER_SIZE} of ${length} bytes`, { offset: frame.length }),
    );
  }
  if (frame.length > CTI_HEADER_SIZE + length) {
    return fail(new CodecError(PROTOCOL, `${frame.length - CTI_HEADER_SIZE - length} bytes after the frame end`, { offset: CTI_HEADER_SIZE + length }));
  }
  const type = ctiMessageType(code);
  if (type === undefined) {
    return fail(new CodecError(PROTOCOL, `unknown message type code 0x${code.toString(16).padStart(4, '0')}`, { offset: 6 }));
  }
  // Protocol rule (lab's own): events are unsolicited and carry invokeId 0; requests and responses do not.
  const kind = ctiMessageKind(type);
  if (kind === 'event' && invokeId !== 0) return fail(new CodecError(PROTOCOL, `${type}: invokeId must be 0 for an event`, { offset: 8 }));
  if (kind !== 'event' && invokeId === 0) return fail(new CodecError(PROTOCOL, `${type}: invokeId 0 is reserved for events`, { offset: 8 }));

  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(CTI_HEADER_SIZE));
    json = text.length === 0 ? {} : JSON.parse(text);
  } catch (e) {
    return fail(new CodecError(PROTOCOL, `${type}: payload is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`, { offset: CTI_HEADER_SIZE }));
  }
  const parsed = CTI_PAYLOAD_SCHEMAS[type].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(payload)';
    return fail(new CodecError(PROTOCOL, `${type}: field ${field}: ${issue?.message ?? 'invalid'}`, { offset: CTI_HEADER_SIZE }));
  }
  // The schema for `type` produced this payload, so the pair is a CtiMessage of that type.
  const message = { type, ...parsed.data } as CtiMessage;
  return ok({ invokeId, message });
}

/** The real CTIQBE port; the lab's CTI link listens on it too. */
export const CTI_TCP_PORT = 2748;
