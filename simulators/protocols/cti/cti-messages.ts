/**
 * The CUP <-> CUCM CTI link: messages of the lab's OWN framed protocol.
 *
 * Cisco's real CTI protocol between applications (JTAPI/TSP, CUP's CTI Gateway) and CTIManager is CTIQBE
 * ("Quick Buffer Encoding", TCP 2748). Its wire format was never published and no Wireshark dissector
 * exists (docs/protocols/cup-rcc.md §2), so this lab models the link with a documented protocol of its
 * own: same role (provider open with application-user credentials, device/line monitors, call requests,
 * call and forwarding events), NOT Cisco's bytes. See docs/protocols/cti.md.
 *
 * Each message travels as a JSON object (the frame header carries its type code, see cti-codec.ts);
 * the zod schemas below are the contract for those JSON payloads.
 */
import { z } from 'zod';

const nonEmpty = z.string().min(1);
/** Opaque identifiers chosen by the CTI server (CUCM side). */
const monitorId = nonEmpty;
const callId = nonEmpty;

export const CtiCallState = z.enum(['offHook', 'dialing', 'proceeding', 'ringOut', 'ringIn', 'connected', 'held', 'busy', 'failed', 'remoteInUse', 'idle']);
export type CtiCallState = z.infer<typeof CtiCallState>;

export const CtiEventCause = z.enum(['normal', 'newCall', 'callCancelled', 'busy', 'invalidNumber', 'normalClearing', 'unreachable', 'redirected', 'transferred', 'consultTransferred', 'conferenced']);
export type CtiEventCause = z.infer<typeof CtiEventCause>;

export const CtiErrorCode = z.enum([
  'providerNotOpen',
  'notAuthorized',
  'noSuchDevice',
  'deviceNotControllable',
  'noSuchCall',
  'invalidState',
  'noSuchMonitor',
  'malformed',
  'unsupported',
  'resourceBusy',
]);
export type CtiErrorCode = z.infer<typeof CtiErrorCode>;

/** Modelling choice: why a monitor ended without the client asking. */
export const CtiMonitorEndReason = z.enum(['deviceUnregistered', 'deviceRemoved', 'controlRevoked', 'providerClosed']);
export type CtiMonitorEndReason = z.infer<typeof CtiMonitorEndReason>;

const callRef = z.object({ monitorId, callId });

/** JSON payload schema of every message type. */
export const CTI_PAYLOAD_SCHEMAS = {
  ProviderOpenRequest: z.object({ applicationUser: nonEmpty, password: z.string(), clientName: nonEmpty }),
  ProviderOpenResponse: z.object({
    result: z.enum(['ok', 'authenticationFailed', 'notCtiEnabled']),
    heartbeatIntervalMs: z.number().int().positive().optional(),
    /** The CUCM release CTIManager runs (as JTAPI's provider reports the CTIManager version). */
    serverVersion: nonEmpty.optional(),
  }),
  ProviderCloseRequest: z.object({}),
  ProviderCloseResponse: z.object({}),
  HeartbeatRequest: z.object({}),
  HeartbeatResponse: z.object({}),
  /** No deviceName: every device the DN appears on (shared lines included). */
  MonitorDeviceRequest: z.object({ deviceName: nonEmpty.optional(), lineDn: nonEmpty, endUser: nonEmpty.optional() }),
  MonitorDeviceResponse: z.object({ monitorId, deviceName: nonEmpty, lineDn: nonEmpty }),
  MonitorStopRequest: z.object({ monitorId }),
  MonitorStopResponse: z.object({}),
  MakeCallRequest: z.object({ monitorId, destination: nonEmpty }),
  AnswerCallRequest: callRef,
  ClearCallRequest: callRef,
  HoldCallRequest: callRef,
  RetrieveCallRequest: callRef,
  RedirectCallRequest: z.object({ monitorId, callId, destination: nonEmpty }),
  SingleStepTransferRequest: z.object({ monitorId, callId, destination: nonEmpty }),
  /** DTMF digits 0-9, *, # sent from the monitored line into its connected call. */
  GenerateDigitsRequest: z.object({ monitorId, callId, digits: z.string().regex(/^[0-9*#]+$/) }),
  /** Consultation transfer: join the line's held call and its connected one; the response names the joined call. */
  TransferCallRequest: z.object({ monitorId, heldCallId: callId, activeCallId: callId }),
  SetForwardingRequest: z
    .object({ monitorId, forwardAll: z.boolean(), destination: nonEmpty.optional() })
    .refine((m) => !m.forwardAll || m.destination !== undefined, {
      path: ['destination'],
      message: 'destination is required when forwardAll is true',
    }),
  CallRequestResponse: z.object({ callId: callId.optional() }),
  ErrorResponse: z.object({ code: CtiErrorCode, message: z.string() }),
  CallEvent: z.object({
    monitorId,
    deviceName: nonEmpty,
    lineDn: nonEmpty,
    callId,
    state: CtiCallState,
    callingParty: nonEmpty.optional(),
    calledParty: nonEmpty.optional(),
    cause: CtiEventCause,
    /** A consultation transfer joined the line's call into this one: the call id it had before. */
    replacesCallId: callId.optional(),
  }),
  ForwardingEvent: z.object({
    monitorId,
    deviceName: nonEmpty,
    lineDn: nonEmpty,
    forwardAll: z.boolean(),
    destination: nonEmpty.optional(),
  }),
  MonitorEndedEvent: z.object({ monitorId, reason: CtiMonitorEndReason }),
} as const;

export type CtiMessageType = keyof typeof CTI_PAYLOAD_SCHEMAS;
/** zod's output for `z.object({})` is an index signature of `never`; a message without fields is `{}`-like instead. */
type FieldsOf<P> = string extends keyof P ? Record<never, never> : P;
export type CtiPayload<T extends CtiMessageType> = FieldsOf<z.output<(typeof CTI_PAYLOAD_SCHEMAS)[T]>>;
/** One message: its JSON payload plus `type`. */
export type CtiMessageOf<T extends CtiMessageType> = { type: T } & CtiPayload<T>;
/** Discriminated union of every CTI message, keyed by `type`. */
export type CtiMessage = { [T in CtiMessageType]: CtiMessageOf<T> }[CtiMessageType];

/**
 * u16 type codes on the wire (lab's own numbering): high byte = family
 * (0x01 provider, 0x02 monitor, 0x03 call control, 0x04 events, 0x0F errors).
 */
export const CTI_TYPE_CODES = {
  ProviderOpenRequest: 0x0101,
  ProviderOpenResponse: 0x0102,
  ProviderCloseRequest: 0x0103,
  ProviderCloseResponse: 0x0104,
  HeartbeatRequest: 0x0105,
  HeartbeatResponse: 0x0106,
  MonitorDeviceRequest: 0x0201,
  MonitorDeviceResponse: 0x0202,
  MonitorStopRequest: 0x0203,
  MonitorStopResponse: 0x0204,
  MakeCallRequest: 0x0301,
  AnswerCallRequest: 0x0302,
  ClearCallRequest: 0x0303,
  HoldCallRequest: 0x0304,
  RetrieveCallRequest: 0x0305,
  SetForwardingRequest: 0x0306,
  RedirectCallRequest: 0x0307,
  SingleStepTransferRequest: 0x0308,
  GenerateDigitsRequest: 0x0309,
  TransferCallRequest: 0x030a,
  CallRequestResponse: 0x0380,
  CallEvent: 0x0401,
  ForwardingEvent: 0x0402,
  MonitorEndedEvent: 0x0403,
  ErrorResponse: 0x0f00,
} as const satisfies Record<CtiMessageType, number>;

const typesByCode = new Map<number, CtiMessageType>(
  (Object.keys(CTI_TYPE_CODES) as CtiMessageType[]).map((t) => [CTI_TYPE_CODES[t], t]),
);

/** The message type for a wire code, or undefined. */
export function ctiMessageType(code: number): CtiMessageType | undefined {
  return typesByCode.get(code);
}

export type CtiMessageKind = 'request' | 'response' | 'event';

/** Requests are sent by the client (CUP); responses answer one request with its invokeId; events are unsolicited (invokeId 0). */
export function ctiMessageKind(type: CtiMessageType): CtiMessageKind {
  if (type.endsWith('Request')) return 'request';
  if (type.endsWith('Event')) return 'event';
  return 'response';
}
