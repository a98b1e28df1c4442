/**
 * A thin, safe XML layer over fast-xml-parser 5 for the lab's XML bodies (CSTA, PIDF, WebDAV...).
 *
 * Safety model (modelling choice, after the OWASP XXE / "billion laughs" guidance):
 * - any document containing a DOCTYPE or ENTITY declaration is refused outright, so no internal or external
 *   entity is ever defined, let alone expanded;
 * - fast-xml-parser's own entity processing is switched off and this module decodes only what XML 1.0 itself
 *   predefines: the five entities of XML 1.0 §4.6 (lt, gt, amp, apos, quot) and character references (§4.1);
 *   any other reference is a CodecError;
 * - the document length is capped (default 1 MiB) and fast-xml-parser caps nesting depth (maxNestedTags 100);
 * - fast-xml-parser refuses element/attribute names that are JavaScript prototype keys (`__proto__`, `constructor`):
 *   such documents are a CodecError here (no protocol the lab speaks uses those names).
 *
 * Serialization is written here rather than with fast-xml-parser's XMLBuilder: it is a dozen lines, and owning
 * it keeps escaping and namespace declarations exact.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CodecError, fail, ok, type Result } from '../../kernel/errors';

export interface XmlElement {
  /** Local name (without prefix). */
  name: string;
  prefix?: string;
  /** Namespace URI resolved from the xmlns declarations in scope (undefined when none applies). */
  namespace?: string;
  /** Attributes as written (qualified names as keys, xmlns declarations included), values entity-decoded. */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own character data (CDATA included), concatenated, leading/trailing whitespace trimmed. */
  text: string;
}

export interface ParseXmlOptions {
  /** Largest document accepted, in UTF-16 code units. Default 1 MiB. */
  maxLength?: number;
}

const PROTOCOL = 'xml';
const DEFAULT_MAX_LENGTH = 1024 * 1024;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** XML 1.0 §4.6 Predefined Entities. */
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  commentPropName: false,
});

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

class DecodeFailure {
  constructor(readonly reference: string) {}
}

/**
 * XML 1.0 §4.1 Character and Entity References: `&#N;`, `&#xH;` and the five predefined entities only.
 * Returns a DecodeFailure naming the first reference it refuses.
 */
function decodeReferences(raw: string): string | DecodeFailure {
  if (!raw.includes('&')) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const amp = raw.indexOf('&', i);
    if (amp < 0) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, amp);
    const semi = raw.indexOf(';', amp);
    if (semi < 0) return new DecodeFailure(raw.slice(amp, amp + 12));
    const body = raw.slice(amp + 1, semi);
    const reference = raw.slice(amp, semi + 1);
    if (body.startsWith('#')) {
      const hex = body[1] === 'x';
      const digits = hex ? body.slice(2) : body.slice(1);
      if (!(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) return new DecodeFailure(reference);
      const code = Number.parseInt(digits, hex ? 16 : 10);
      // XML 1.0 §2.2 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
      const legal =
        code === 0x9 || code === 0xa || code === 0xd ||
        (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
      if (!legal) return new DecodeFailure(reference);
      out += String.fromCodePoint(code);
    } else {
      const value = PREDEFINED[body];
      if (value === undefined) return new DecodeFailure(reference);
      out += value;
    }
    i = semi + 1;
  }
  return out;
}

/** XML 1.0 §3.3.3 Attribute-Value Normalization (CDATA attributes): literal white space becomes a space. */
function normalizeAttribute(raw: string): string {
  return raw.replace(/[\t\n\r]/g, ' ');
}

type Scope = ReadonlyMap<string, string>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts one preserveOrder node list entry (`{ tag: [...], ':@': {...} }`) to an XmlElement. */
function convertElement(node: Record<string, unknown>, scope: Scope, source: string): Result<XmlElement | undefined> {
  const qname = Object.keys(node).find((k) => k !== ':@');
  if (qname === undefined || qname === '#text' || qname === '#cdata') return ok(undefined);
  const rawAttributes = isRecord(node[':@']) ? node[':@'] : {};
  const attributes = Object.create(null) as Record<string, string>; // an attribute named `__proto__` stays an attribute
  const declared = new Map(scope);
  for (const [key, value] of Object.entries(rawAttributes)) {
    const decoded = decodeReferences(normalizeAttribute(typeof value === 'string' ? value : String(value)));
    if (decoded instanceof DecodeFailure) return referenceError(decoded, source);
    attributes[key] = decoded;
    // Namespaces in XML 1.0 §3: xmlns="URI" sets the default namespace, xmlns:p="URI" binds prefix p.
    if (key === 'xmlns') declared.set('', decoded);
    else if (key.startsWith('xmlns:')) declared.set(key.slice(6), decoded);
  }
  const colon = qname.indexOf(':');
  const prefix = colon >= 0 ? qname.slice(0, colon) : undefined;
  const name = colon >= 0 ? qname.slice(colon + 1) : qname;
  let namespace: string | undefined;
  if (prefix === 'xml') namespace = XML_NS;
  else if (prefix !== undefined) {
    namespace = declared.get(prefix);
    // Namespaces in XML 1.0 §5 (Namespace constraint: Prefix Declared).
    if (namespace === undefined) return fail(new CodecError(PROTOCOL, `undeclared namespace prefix '${prefix}' on <${qname}>`));
  } else {
    const dflt = declared.get('');
    namespace = dflt === undefined || dflt === '' ? undefined : dflt;
  }
  const content = node[qname];
  const children: XmlElement[] = [];
  let text = '';
  if (Array.isArray(content)) {
    for (const item of content) {
      if (!isRecord(item)) continue;
      if ('#text' in item) {
        const decoded = decodeReferences(String(item['#text']));
        if (decoded instanceof DecodeFailure) return referenceError(decoded, source);
        text += decoded;
      } else if ('#cdata' in item) {
        // XML 1.0 §2.7 CDATA Sections: content is character data, no references are recognised.
        const inner = item['#cdata'];
        if (Array.isArray(inner)) for (const part of inner) if (isRecord(part) && '#text' in part) text += String(part['#text']);
      } else {
        const child = convertElement(item, declared, source);
        if (!child.ok) return child;
        if (child.value !== undefined) children.push(child.value);
      }
    }
  }
  const element: XmlElement = { name, attributes, children, text: text.trim() };
  if (prefix !== undefined) element.prefix = prefix;
  if (namespace !== undefined) element.namespace = namespace;
  return ok(element);
}

function referenceError(failure: DecodeFailure, source: string): { ok: false; error: CodecError } {
  const index = source.indexOf(failure.reference);
  const where = index >= 0 ? { line: lineAt(source, index) } : {};
  return fail(new CodecError(PROTOCOL, `reference '${failure.reference}' is not a predefined entity or character reference`, where));
}

/** Parses one XML document into its root element. Never throws; never expands user-defined entities. */
export function parseXml(text: string, options: ParseXmlOptions = {}): Result<XmlElement> {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (text.length > maxLength) return fail(new CodecError(PROTOCOL, `document of ${text.length} characters exceeds the ${maxLength} limit`));
  // Refuse DTDs outright (XML 1.0 §2.8 doctypedecl, §4.2 EntityDecl): no entity can then be declared or expanded.
  const dtd = /<!\s*(DOCTYPE|ENTITY)/i.exec(text);
  if (dtd) {
    return fail(new CodecError(PROTOCOL, `${dtd[1]!.toUpperCase()} declarations are not accepted`, { line: lineAt(text, dtd.index) }));
  }
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let validation: ReturnType<typeof XMLValidator.validate>;
  try {
    validation = XMLValidator.validate(source, { allowBooleanAttributes: false });
  } catch (cause) {
    return fail(new CodecError(PROTOCOL, `malformed XML: ${cause instanceof Error ? cause.message : String(cause)}`));
  }
  if (validation !== true) {
    return fail(new CodecError(PROTOCOL, `malformed XML: ${validation.err.msg}`, { line: validation.err.line }));
  }
  let tree: unknown;
  try {
    tree = parser.parse(source);
  } catch (cause) {
    return fail(new CodecError(PROTOCOL, `malformed XML: ${cause instanceof Error ? cause.message : String(cause)}`));
  }
  if (!Array.isArray(tree)) return fail(new CodecError(PROTOCOL, 'malformed XML: no root element'));
  const roots: XmlElement[] = [];
  for (const item of tree) {
    if (!isRecord(item)) continue;
    if ('#text' in item) {
      if (String(item['#text']).trim() !== '') return fail(new CodecError(PROTOCOL, 'malformed XML: text outside the root element'));
      continue;
    }
    const converted = convertElement(item, new Map(), source);
    if (!converted.ok) return converted;
    if (converted.value !== undefined) roots.push(converted.value);
  }
  // XML 1.0 §2.1: document ::= prolog element Misc* (exactly one root element).
  if (roots.length !== 1) return fail(new CodecError(PROTOCOL, `malformed XML: expected one root element, found ${roots.length}`));
  return ok(roots[0]!);
}

/** XML 1.0 §2.4 Character Data: `<` and `&` must be escaped; `>` too, to avoid `]]>`. */
export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** XML 1.0 §3.1 AttValue plus §3.3.3: quote, markup and literal white space that normalization would eat. */
export function escapeAttribute(value: string): string {
  return escapeText(value)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

export interface SerializeXmlOptions {
  /** Prefix `<?xml version="1.0" encoding="UTF-8"?>`. */
  declaration?: boolean;
}

/**
 * Serializes an element tree (text first, then children; no indentation). An element whose `namespace` is not the
 * one in scope for its prefix gets the xmlns declaration it needs, so trees built by hand need not carry them.
 */
export function serializeXml(element: XmlElement, options: SerializeXmlOptions = {}): string {
  const head = options.declaration ? '<?xml version="1.0" encoding="UTF-8"?>' : '';
  return head + serializeElement(element, new Map());
}

function serializeElement(element: XmlElement, scope: Scope): string {
  const declared = new Map(scope);
  const qname = element.prefix ? `${element.prefix}:${element.name}` : element.name;
  let attrs = '';
  for (const [key, value] of Object.entries(element.attributes)) {
    if (key === 'xmlns') declared.set('', value);
    else if (key.startsWith('xmlns:')) declared.set(key.slice(6), value);
    attrs += ` ${key}="${escapeAttribute(value)}"`;
  }
  const prefixKey = element.prefix ?? '';
  if (element.namespace !== undefined && element.prefix !== 'xml' && declared.get(prefixKey) !== element.namespace) {
    const declName = element.prefix ? `xmlns:${element.prefix}` : 'xmlns';
    attrs = ` ${declName}="${escapeAttribute(element.namespace)}"` + attrs;
    declared.set(prefixKey, element.namespace);
  }
  if (element.text === '' && element.children.length === 0) return `<${qname}${attrs}/>`;
  let body = escapeText(element.text);
  for (const child of element.children) body += serializeElement(child, declared);
  return `<${qname}${attrs}>${body}</${qname}>`;
}

/** Builds an element: `el('callID', {}, '0_99f261b4')`, `el('connection', {}, [el(...), el(...)])`. */
export function el(name: string, attributes: Record<string, string> = {}, content: string | XmlElement[] = []): XmlElement {
  const colon = name.indexOf(':');
  const element: XmlElement = {
    name: colon >= 0 ? name.slice(colon + 1) : name,
    attributes,
    children: typeof content === 'string' ? [] : content,
    text: typeof content === 'string' ? content : '',
  };
  if (colon >= 0) element.prefix = name.slice(0, colon);
  return element;
}

/** The first child with this local name (any namespace). */
export function child(element: XmlElement | undefined, localName: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === localName);
}

/** Every child with this local name (any namespace), in document order. */
export function children(element: XmlElement | undefined, localName: string): XmlElement[] {
  return element ? element.children.filter((c) => c.name === localName) : [];
}

/** The text of the descendant reached by following local names; undefined when any step is missing. */
export function childText(element: XmlElement | undefined, ...path: string[]): string | undefined {
  let current = element;
  for (const step of path) current = child(current, step);
  return current?.text;
}
