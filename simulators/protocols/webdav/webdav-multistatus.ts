/**
 * WebDAV 207 Multi-Status bodies (RFC 4918 §13, §14.16) and PROPFIND request bodies (RFC 4918 §9.1, §14.20) as
 * Exchange 2003/2007 write and read them. docs/protocols/exchange-webdav.md §9, §10.
 *
 * Elements are matched by namespace and local name, so any prefix parses. Serialization writes Exchange's style:
 * prefixes declared once on the root (`a:` DAV:, `b:` datatypes, `d:` calendar, `e:` httpmail…), `<a:status>`
 * before `<a:prop>` in a propstat, and a `b:dt` datatype on the typed calendar values; parsing ignores `b:dt`.
 */
import { ok, type Result } from '../../kernel/errors';
import { el, parseXml, serializeXml, type XmlElement } from '../xml/xml';
import {
  DATATYPES_NS,
  DAV_NS,
  PROPERTY_DATATYPES,
  PrefixAllocator,
  fromXmlError,
  joinPropertyName,
  webdavError,
  type PropertyName,
} from './webdav-vocabulary';

/** One property value: namespace URI ('' for none), local name, and the element's text. */
export interface DavProperty extends PropertyName {
  readonly value: string;
}

/** RFC 4918 §14.22 propstat: the properties that share one status. */
export interface DavPropstat {
  readonly status: number;
  readonly reason: string;
  readonly props: readonly DavProperty[];
}

/** RFC 4918 §14.24 response: one resource and its propstats. */
export interface DavResponse {
  readonly href: string;
  readonly propstats: readonly DavPropstat[];
  /**
   * The response-level status of the form `<href/><status/>` with no propstat (RFC 4918 §14.24; Exchange's
   * BPROPFIND uses it for a missing item). An addition to the lab's model; absent in SEARCH and PROPFIND answers.
   */
  readonly status?: { readonly status: number; readonly reason: string };
}

/** RFC 4918 §14.16 multistatus. */
export interface MultiStatus {
  readonly responses: readonly DavResponse[];
}

/** A PROPFIND body (RFC 4918 §9.1): all properties, or the listed ones. */
export type PropfindRequest = { readonly kind: 'allprop' } | { readonly kind: 'prop'; readonly props: readonly PropertyName[] };

const MAX_REQUEST = 64 * 1024;

function davElement(name: string, content: string | XmlElement[] = []): XmlElement {
  return { ...el(`a:${name}`, {}, content), namespace: DAV_NS };
}

function davChildren(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name && c.namespace === DAV_NS);
}

function davChild(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && c.namespace === DAV_NS);
}

function propertyElement(p: PropertyName, prefixes: PrefixAllocator, attributes: Record<string, string> = {}, value = ''): XmlElement {
  const prefix = prefixes.prefixOf(p.namespace);
  const element = el(prefix === undefined ? p.name : `${prefix}:${p.name}`, attributes, value);
  return p.namespace === '' ? element : { ...element, namespace: p.namespace };
}

function nameOf(element: XmlElement): PropertyName {
  return { namespace: element.namespace ?? '', name: element.name };
}

// ---------------------------------------------------------------------------------------------------------------
// Status lines

/** `HTTP/1.1 200 OK` (RFC 4918 §14.28 status: an RFC 2616 Status-Line). */
function statusLine(status: number, reason: string): string {
  return `HTTP/1.1 ${status} ${reason}`;
}

const STATUS_LINE = /^HTTP\/[0-9]+\.[0-9]+[ \t]+([1-5][0-9]{2})(?:[ \t]+([^]*))?$/;

function parseStatusLine(text: string, path: string): Result<{ status: number; reason: string }> {
  const m = STATUS_LINE.exec(text);
  if (!m) return webdavError(`<${path}> '${text}' is not an HTTP status line`);
  return ok({ status: Number(m[1]), reason: m[2] ?? '' });
}

// ---------------------------------------------------------------------------------------------------------------
// 207 Multi-Status

/**
 * Serializes a 207 body: `<?xml version="1.0"?><a:multistatus xmlns:a="DAV:" xmlns:b="…" xmlns:d="…">…`. Values of
 * the properties in PROPERTY_DATATYPES get their `b:dt` attribute.
 */
export function serializeMultiStatus(ms: MultiStatus): string {
  const prefixes = new PrefixAllocator();
  prefixes.prefixOf(DAV_NS);
  const typed = ms.responses.some((r) => r.propstats.some((ps) => ps.props.some((p) => PROPERTY_DATATYPES[joinPropertyName(p)] !== undefined)));
  const dt = typed ? `${prefixes.prefixOf(DATATYPES_NS) ?? 'b'}:dt` : undefined;
  const responses = ms.responses.map((r) => {
    const parts: XmlElement[] = [davElement('href', r.href)];
    if (r.status) parts.push(davElement('status', statusLine(r.status.status, r.status.reason)));
    for (const ps of r.propstats) {
      const props = ps.props.map((p) => {
        const datatype = PROPERTY_DATATYPES[joinPropertyName(p)];
        return propertyElement(p, prefixes, datatype !== undefined && dt !== undefined ? { [dt]: datatype } : {}, p.value);
      });
      parts.push(davElement('propstat', [davElement('status', statusLine(ps.status, ps.reason)), davElement('prop', props)]));
    }
    return davElement('response', parts);
  });
  return `<?xml version="1.0"?>${serializeXml({ ...el('a:multistatus', prefixes.declarations(), responses), namespace: DAV_NS })}`;
}

function parsePropstat(element: XmlElement, path: string): Result<DavPropstat> {
  const statusElement = davChild(element, 'status');
  if (!statusElement) return webdavError(`missing <${path}/status>`);
  const status = parseStatusLine(statusElement.text, `${path}/status`);
  if (!status.ok) return status;
  const prop = davChild(element, 'prop');
  if (!prop) return webdavError(`missing <${path}/prop>`);
  // A property's value is its text; nested elements (multi-valued, resourcetype) are not modelled.
  const props = prop.children.map((p) => ({ ...nameOf(p), value: p.text }));
  return ok({ ...status.value, props });
}

/** Parses a 207 Multi-Status body (any prefixes; `b:dt` attributes ignored). Never throws. */
export function parseMultiStatus(xmlText: string): Result<MultiStatus> {
  const parsed = parseXml(xmlText);
  if (!parsed.ok) return fromXmlError(parsed.error);
  const root = parsed.value;
  if (root.name !== 'multistatus' || root.namespace !== DAV_NS) return webdavError(`expected <DAV:multistatus>, found <${root.name}> in namespace '${root.namespace ?? ''}'`);
  const responses: DavResponse[] = [];
  for (const [i, response] of davChildren(root, 'response').entries()) {
    const path = `multistatus/response[${i}]`;
    const hrefs = davChildren(response, 'href');
    if (hrefs.length === 0) return webdavError(`missing <${path}/href>`);
    const propstats: DavPropstat[] = [];
    for (const [j, ps] of davChildren(response, 'propstat').entries()) {
      const propstat = parsePropstat(ps, `${path}/propstat[${j}]`);
      if (!propstat.ok) return propstat;
      propstats.push(propstat.value);
    }
    const statusElement = davChild(response, 'status');
    if (!statusElement) {
      if (propstats.length === 0) return webdavError(`<${path}> has neither <propstat> nor <status>`);
      if (hrefs.length > 1) return webdavError(`<${path}> with propstats has ${hrefs.length} <href> elements`);
      responses.push({ href: hrefs[0]!.text, propstats });
      continue;
    }
    const status = parseStatusLine(statusElement.text, `${path}/status`);
    if (!status.ok) return status;
    if (hrefs.length > 1 && propstats.length > 0) return webdavError(`<${path}> with propstats has ${hrefs.length} <href> elements`);
    // RFC 4918 §14.24: several hrefs sharing one status are one response each.
    for (const href of hrefs) responses.push({ href: href.text, propstats, status: status.value });
  }
  return ok({ responses });
}

/** The value of a property in a response's 200 propstat, or undefined. */
export function propValue(response: DavResponse, p: PropertyName): string | undefined {
  for (const ps of response.propstats) {
    if (ps.status !== 200) continue;
    const found = ps.props.find((x) => x.namespace === p.namespace && x.name === p.name);
    if (found) return found.value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// PROPFIND

/**
 * Serializes a PROPFIND body: `<?xml version="1.0"?><a:propfind xmlns:a="DAV:"><a:prop><d:busystatus
 * xmlns:d="urn:schemas:calendar:"/>…</a:prop></a:propfind>` (each property's namespace declared on it), or
 * `<a:propfind xmlns:a="DAV:"><a:allprop/></a:propfind>`.
 */
export function serializePropfind(req: PropfindRequest): string {
  let body: XmlElement;
  if (req.kind === 'prop') {
    const prefixes = new PrefixAllocator();
    prefixes.prefixOf(DAV_NS);
    body = davElement('prop', req.props.map((p) => propertyElement(p, prefixes)));
  } else {
    body = davElement('allprop');
  }
  return `<?xml version="1.0"?>${serializeXml(davElement('propfind', [body]))}`;
}

/**
 * Parses a PROPFIND body. An empty body is allprop (RFC 4918 §9.1); `<include>` after allprop (RFC 4918, later
 * than Exchange's RFC 2518) and unknown children are ignored (RFC 2518 §23, RFC 4918 §17). `<propname/>` is valid
 * WebDAV but outside the lab's model: a CodecError. Never throws.
 */
export function parsePropfind(text: string): Result<PropfindRequest> {
  if (text.trim() === '') return ok({ kind: 'allprop' });
  const parsed = parseXml(text, { maxLength: MAX_REQUEST });
  if (!parsed.ok) return fromXmlError(parsed.error);
  const root = parsed.value;
  if (root.name !== 'propfind' || root.namespace !== DAV_NS) return webdavError(`expected <DAV:propfind>, found <${root.name}> in namespace '${root.namespace ?? ''}'`);
  const choices = root.children.filter((c) => c.namespace === DAV_NS && (c.name === 'prop' || c.name === 'allprop' || c.name === 'propname'));
  if (choices.length !== 1) return webdavError(`<propfind> needs exactly one of <prop>, <allprop>, <propname>; found ${choices.length}`);
  const choice = choices[0]!;
  if (choice.name === 'allprop') return ok({ kind: 'allprop' });
  if (choice.name === 'propname') return webdavError('<propname/> is not modelled (only <prop> and <allprop>)');
  return ok({ kind: 'prop', props: choice.children.map(nameOf) });
}
