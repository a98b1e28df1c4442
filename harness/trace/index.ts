export { lastEvents, renderLadderMarkdown, renderLadderMermaid, renderLadderText } from './ladder';
export type { WireEvent, WireProtocol } from './ladder';
export { LINKTYPE_RAW, PCAP_MAGIC_MICROSECONDS, PCAP_SNAPLEN, PcapWriter } from './pcap-writer';
