export * from './sccp-constants';
export type * from './sccp-messages';
export {
  encodeSccp,
  decodeSccp,
  SCCP_HEADER_VERSION_BASIC,
  SCCP_HEADER_SIZE,
  SCCP_MAX_DATA_LENGTH,
} from './sccp-codec';
export { SccpFramer } from './sccp-framer';
export { SCCP_SAMPLES, SCCP_SAMPLE_LIST } from './sccp-samples';
