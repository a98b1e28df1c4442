export {
  CSTA_NS_ED3,
  CSTA_NS_ED4,
  CSTA_NS_ED5,
  CSTA_NS_DEFAULT,
  MS_RCC_EXTENSION_NS,
  isCstaNamespace,
  cstaEdition,
} from './csta-namespaces';
export * from './csta-messages';
export {
  parseCsta,
  parseCstaEnvelope,
  serializeCsta,
  cstaToXmlElement,
  type CstaEnvelope,
  type SerializeCstaOptions,
} from './csta-codec';
