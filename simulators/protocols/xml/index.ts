export {
  parseXml,
  serializeXml,
  escapeText,
  escapeAttribute,
  el,
  child,
  children,
  childText,
  type XmlElement,
  type ParseXmlOptions,
  type SerializeXmlOptions,
} from './xml';
