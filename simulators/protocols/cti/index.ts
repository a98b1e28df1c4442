// The lab's OWN model of the CUP <-> CUCM CTI link (Cisco's CTIQBE wire format is not public).
export {
  CTI_PAYLOAD_SCHEMAS,
  CTI_TYPE_CODES,
  CtiCallState,
  CtiEventCause,
  CtiErrorCode,
  CtiMonitorEndReason,
  ctiMessageType,
  ctiMessageKind,
} from './cti-messages';
export type { CtiMessage, CtiMessageOf, CtiMessageType, CtiPayload, CtiMessageKind } from './cti-messages';
export { encodeCti, decodeCti, hasCtiMagic, CTI_TCP_PORT, CTI_MAGIC, CTI_VERSION, CTI_HEADER_SIZE, CTI_MAX_PAYLOAD } from './cti-codec';
export type { CtiFrame } from './cti-codec';
export { CtiFramer } from './cti-framer';
