/**
 * The simulators' public surface: the node registry and contract, the two runtimes' building blocks,
 * and the codecs the harness needs to read captures. The harness imports nothing deeper than this.
 */
import { parseCsta } from './protocols/csta';

export { VirtualClock, WallClock, settle, parseDuration, whileRealWork } from './kernel/clock';
export type { Clock, TimerHandle } from './kernel/clock';
export { LabError, CodecError, NetworkError, ConfigError, ok, fail } from './kernel/errors';
export type { LabErrorCode, Result } from './kernel/errors';
export { MemoryLog, formatLogRecord, silentLogger } from './kernel/logger';
export { newFaker } from './kernel/seeded-faker';
export type { Logger, LogLevel, LogRecord } from './kernel/logger';
export { seededRandom, randomToken } from './kernel/random';
export type { Random } from './kernel/random';
export { installVirtualGlobals } from './kernel/virtual-globals';

export type { Endpoint, HostNetwork, Network, LinkConditions, TcpConnection, UdpSocket } from './transport/network';
export type { CaptureSink } from './transport/capture';
export { teeCapture } from './transport/capture';
export { MemoryNetwork } from './transport/memory-network';
export { SocketNetwork } from './transport/socket-network';
export { TcpFlowTracker, IpIdAllocator, buildUdpPacket, buildTcpPacket } from './transport/ip-packet';

export type { NodeEnv, StartedNode } from './nodes/node';
export { NODE_KINDS, LADDER_ORDER, startOrder } from './nodes/registry';
export { ACTOR_PROPERTIES, DIAL_STRING } from './nodes/surface';
export type {
  ActionDecl,
  ActorIdentity,
  ActorProperty,
  ActorSurface,
  ArgSpec,
  ArgValue,
  ConfigOperation,
  LabContext,
  NodeInstance,
  ObservationDecl,
  RegisteredKind,
  Scalar,
  SelectorDecl,
  Surface,
  ValueSpec,
} from './nodes/surface';
export * from './lab/lab-schema';
export { PRODUCT_RELEASES, PRODUCTS, VERSION_KEYS, MODELLED_DEFECTS, isRelease, compareReleases, releaseInRange } from './lab/releases';
export type { Product, VersionKey } from './lab/releases';
export type { ReleaseRange } from './kernel/releases';
export { DnsServer } from './nodes/dns/dns-server';
export type { DnsZoneConfig } from './nodes/dns/dns-server';
export { OcsFrontEnd } from './nodes/ocs-pool/ocs-front-end';
export type { OcsPoolConfig } from './nodes/ocs-pool/ocs-front-end';
export { Cup } from './nodes/cup/cup';
export type { CupConfig } from './nodes/cup/cup';
export { OcClient } from './nodes/oc-client/oc-client';
export type { OcClientConfig, OcObservation } from './nodes/oc-client/oc-client';
export { ENDPOINTS } from './nodes/phone/phone';
export type { Phone, PhoneObservation, PhoneLineObservation, EndpointName } from './nodes/phone/phone';
export { Cucm } from './nodes/cucm/cucm';
export { USER_GROUPS, CTI_ENABLED, CTI_CONTROL_ALL } from './nodes/cucm/cucm-config';
export type { CucmConfig, UserGroup } from './nodes/cucm/cucm-config';
export { SccpPhone } from './nodes/phone/sccp-phone';
export { SipPhone } from './nodes/phone/sip-phone';

export { SipStreamFramer, parseSipMessage, serializeSipMessage } from './protocols/sip';
export type { SipMessage } from './protocols/sip';
export { HttpStreamFramer, summarizeHttp } from './protocols/http';
export { SccpFramer, encodeSccp } from './protocols/sccp';
export { CSTA_EVENT_TYPES, CSTA_ERROR_VALUES } from './protocols/csta';
export * as SccpEnums from './protocols/sccp/sccp-constants';
export { CtiFramer, encodeCti } from './protocols/cti';
export { decodeDnsMessage } from './protocols/dns/dns-message';
export { roundTripStream, roundTripDatagram } from './protocols/codec-roundtrip';
export type { StreamProtocol, DatagramProtocol } from './protocols/codec-roundtrip';
export type { DnsMessage } from './protocols/dns/dns-message';
export { PRESENCE_STATES } from './protocols/presence/ms-category-publish';
export type { PresenceState } from './protocols/presence/ms-category-publish';

/** The CSTA message an XML body carries, for ladders: its element name, or why it does not parse. */
export function summarizeCsta(xml: string): string {
  const parsed = parseCsta(xml);
  if (!parsed.ok) return 'malformed CSTA';
  const m = parsed.value;
  if (m.type === 'CSTAErrorCode') return `CSTAErrorCode ${m.category}/${m.value}`;
  return m.type;
}

export { LabPki } from './transport/tls/lab-pki';
export { normalizeNumber } from './nodes/oc-client/address-book';
export { concatBytes } from './protocols/bytes';
