/**
 * Names shared by the Exchange 2003/2007 WebDAV codecs: namespaces, the calendar properties the lab reads, the
 * busy-status and instance-type vocabularies, and the Exchange store's "namespace + local name" property naming.
 * docs/protocols/exchange-webdav.md §3, §12.
 */
import { CodecError, fail } from '../../kernel/errors';

/** Error `protocol` of every codec in this folder. */
export const WEBDAV_PROTOCOL = 'webdav';

/** Content type of every WebDAV request and response body here (SEARCH, PROPFIND, 207, free/busy). */
export const WEBDAV_CONTENT_TYPE = 'text/xml';

/** RFC 4918 §21: the WebDAV namespace. */
export const DAV_NS = 'DAV:';
/** Exchange store schema: calendar properties (dtstart, dtend, busystatus, instancetype...). */
export const CALENDAR_NS = 'urn:schemas:calendar:';
/** Exchange store schema: message properties (subject...). */
export const HTTPMAIL_NS = 'urn:schemas:httpmail:';
/** The XML-Data "datatypes" namespace of the `dt` attribute Exchange puts on typed values. */
export const DATATYPES_NS = 'urn:uuid:c2f41010-65b3-11d1-a29f-00aa00c14882/';
/** Exchange's multi-value namespace (`<c:v>` items), declared as `xmlns:c="xml:"` in its responses. */
export const XML_VALUES_NS = 'xml:';
/** Namespace of the OWA free/busy XML answer (`<a:response xmlns:a="WM">`). */
export const FREEBUSY_NS = 'WM';

/** `DAV:contentclass` of an appointment. */
export const APPOINTMENT_CONTENT_CLASS = 'urn:content-classes:appointment';

/** The six properties of the calendar SEARCH in docs/protocols/exchange-webdav.md §2, in that order. */
export const CALENDAR_SEARCH_PROPERTIES = [
  'urn:schemas:calendar:location',
  'urn:schemas:httpmail:subject',
  'urn:schemas:calendar:dtstart',
  'urn:schemas:calendar:dtend',
  'urn:schemas:calendar:busystatus',
  'urn:schemas:calendar:instancetype',
] as const;

/** `urn:schemas:calendar:busystatus` values (CDO CdoBusyStatusValues), weakest first. */
export const BUSY_STATUSES = ['FREE', 'TENTATIVE', 'BUSY', 'OOF'] as const;
export type BusyStatus = (typeof BUSY_STATUSES)[number];

/** Whether a string is one of BUSY_STATUSES (exact, upper case as Exchange writes them). */
export function isBusyStatus(value: string): value is BusyStatus {
  return (BUSY_STATUSES as readonly string[]).includes(value);
}

/**
 * `urn:schemas:calendar:instancetype` values (CDO CdoInstanceType): the index is the wire value, so
 * `INSTANCE_TYPES[1] === 'master'` and `INSTANCE_TYPES.indexOf('exception') === 3`.
 */
export const INSTANCE_TYPES = ['single', 'master', 'instance', 'exception'] as const;
export type InstanceType = (typeof INSTANCE_TYPES)[number];

/** The name of an instancetype wire value, or undefined when it is not 0–3. */
export function instanceTypeName(value: number): InstanceType | undefined {
  return Number.isInteger(value) ? INSTANCE_TYPES[value] : undefined;
}

/** A property as WebDAV puts it in XML: namespace URI ('' for none) and local name. */
export interface PropertyName {
  readonly namespace: string;
  readonly name: string;
}

/**
 * Splits a full Exchange property name (`urn:schemas:calendar:dtstart`) into namespace and local name at the last
 * `/`, `:` or `#` (evolution-exchange `e2k_prop_namespace_name` splits at the last `/`, else the last `:`).
 */
export function splitPropertyName(full: string): PropertyName {
  const at = Math.max(full.lastIndexOf('/'), full.lastIndexOf(':'), full.lastIndexOf('#'));
  return { namespace: full.slice(0, at + 1), name: full.slice(at + 1) };
}

/** The full property name of a namespace and local name (their concatenation). */
export function joinPropertyName(p: PropertyName): string {
  return p.namespace + p.name;
}

/**
 * The `b:dt` datatype Exchange writes on a property's value in a 207 answer (a modelling choice for which
 * properties carry one: docs/protocols/exchange-webdav.md §9).
 */
export const PROPERTY_DATATYPES: Readonly<Record<string, string>> = {
  'urn:schemas:calendar:dtstart': 'dateTime.tz',
  'urn:schemas:calendar:dtend': 'dateTime.tz',
  'urn:schemas:calendar:instancetype': 'int',
  'urn:schemas:calendar:alldayevent': 'boolean',
  'DAV:creationdate': 'dateTime.tz',
  'DAV:getlastmodified': 'dateTime.rfc1123',
  'DAV:getcontentlength': 'int',
  'DAV:iscollection': 'boolean',
  'DAV:isfolder': 'boolean',
  'DAV:ishidden': 'boolean',
};

/** Prefixes the lab writes for well-known namespaces (Exchange picks its own; any prefix parses). */
export const NAMESPACE_PREFIXES: Readonly<Record<string, string>> = {
  [DAV_NS]: 'a',
  [DATATYPES_NS]: 'b',
  [XML_VALUES_NS]: 'c',
  [CALENDAR_NS]: 'd',
  [HTTPMAIL_NS]: 'e',
};

/**
 * Assigns XML prefixes to namespaces for one document: the well-known ones get NAMESPACE_PREFIXES, any other the
 * next free letter from `f` on (then `n26`, `n27`...). The empty namespace has no prefix.
 */
export class PrefixAllocator {
  private readonly assigned = new Map<string, string>();
  private next = 5;

  /** The prefix of a namespace, assigning one on first use; undefined for the empty namespace. */
  prefixOf(namespace: string): string | undefined {
    if (namespace === '') return undefined;
    const known = this.assigned.get(namespace) ?? NAMESPACE_PREFIXES[namespace];
    if (known !== undefined) {
      this.assigned.set(namespace, known);
      return known;
    }
    const prefix = this.next < 26 ? String.fromCharCode(97 + this.next) : `n${this.next}`;
    this.next++;
    this.assigned.set(namespace, prefix);
    return prefix;
  }

  /** `xmlns:p` declarations for every namespace assigned so far, in assignment order. */
  declarations(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [namespace, prefix] of this.assigned) out[`xmlns:${prefix}`] = namespace;
    return out;
  }
}

/** `{ ok: false, error: CodecError('webdav', message) }`. */
export function webdavError(message: string): { ok: false; error: CodecError } {
  return fail(new CodecError(WEBDAV_PROTOCOL, message));
}

/** Re-labels an XML-layer failure as a webdav one (message and position kept). */
export function fromXmlError(error: CodecError): { ok: false; error: CodecError } {
  return fail(new CodecError(WEBDAV_PROTOCOL, error.message, error.where));
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;

/**
 * Whether a string is an ISO 8601 UTC instant as Exchange and OWA write them (`2009-05-01T09:00:00Z`, optionally
 * with milliseconds) and names a real date.
 */
export function isIsoInstant(text: string): boolean {
  const m = ISO_INSTANT.exec(text);
  if (!m) return false;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return false;
  // Date.parse rolls 2009-02-30 over to March: compare the calendar fields back.
  return new Date(ms).toISOString().slice(0, 19) === text.slice(0, 19);
}
