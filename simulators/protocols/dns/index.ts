export {
  addressFromReverseName,
  decodeDnsMessage,
  dnsQuery,
  DNS_CLASS_IN,
  encodeDnsMessage,
  reverseName,
  typeCode,
  typeName,
} from './dns-message';
export type {
  DnsEncodeOptions,
  DnsHeaderFlags,
  DnsMessage,
  DnsQuestion,
  DnsRcode,
  DnsRecordData,
  DnsResourceRecord,
  DnsType,
} from './dns-message';
