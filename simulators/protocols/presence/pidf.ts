/**
 * PIDF (RFC 3863) with RPID activities (RFC 4480) and the RFC 4479 `<dm:person>`: the `application/pidf+xml`
 * bodies of the lab's SIMPLE paths (CUCM → CUP PUBLISH, CUP ↔ OCS federation NOTIFY). docs/protocols/presence.md §9–§10.
 *
 * Parsing matches PIDF, RPID and data-model elements by namespace and local name, ignores extension elements it
 * does not model (the RFC 3863 schema admits other namespaces there), and reads activities from `<dm:person>` (RFC 4480 §3)
 * and from a tuple or its `<status>` (as Cisco products and early RPID drafts placed them). Serialization writes
 * schema order, compact, with an XML declaration, activities in one `<dm:person>`.
 *
 * XML safety (no DOCTYPE, no entities, size cap) is the xml layer's (simulators/protocols/xml/xml.ts).
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { el, parseXml, serializeXml, type XmlElement } from '../xml';
import { availabilityOf, stateOfAvailability } from './ms-category-publish';

const PROTOCOL = 'pidf';

export const PIDF_CONTENT_TYPE = 'application/pidf+xml';
/** RFC 3863 PIDF namespace. */
export const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';
/** RFC 4480 RPID namespace. */
export const RPID_NS = 'urn:ietf:params:xml:ns:pidf:rpid';
/** RFC 4479 data-model namespace (`<dm:person>`). */
export const DATA_MODEL_NS = 'urn:ietf:params:xml:ns:pidf:data-model';

/**
 * RFC 4480 §3.2 activity elements. `unknown` also stands for what the lab cannot name: `<rpid:other>` text,
 * RPID names not in this list and activity elements of other namespaces.
 */
export const RPID_ACTIVITIES = [
  'appointment',
  'away',
  'breakfast',
  'busy',
  'dinner',
  'holiday',
  'in-transit',
  'looking-for-work',
  'lunch',
  'meal',
  'meeting',
  'on-the-phone',
  'performance',
  'permanent-absence',
  'playing',
  'presentation',
  'shopping',
  'sleeping',
  'spectator',
  'steering',
  'travel',
  'tv',
  'unknown',
  'vacation',
  'working',
  'worship',
] as const;
export type RpidActivity = (typeof RPID_ACTIVITIES)[number];

/** One PIDF `<tuple>` (RFC 3863 §4.1.2). */
export interface PresenceTuple {
  /** `id` attribute, an xs:ID (NCName), unique in the document. */
  id: string;
  /** `<status><basic>` (RFC 3863 §4.1.4). */
  basic: 'open' | 'closed';
  /** `<contact>` URI (RFC 3863 §4.1.5); its `priority` is not modelled. */
  contact?: string;
  /** The first `<note>` of the tuple (RFC 3863 §4.1.6); `xml:lang` is not modelled. */
  note?: string;
  /** `<timestamp>`, an RFC 3339 date-time (RFC 3863 §4.1.7), kept as written. */
  timestamp?: string;
}

/** A PIDF document as the lab reads and writes it. */
export interface PresenceDocument {
  /** The presentity's URI (RFC 3863 §4.1.1): `pres:`, or the `sip:` / `sips:` URI SIMPLE servers write. */
  entity: string;
  tuples: PresenceTuple[];
  /** RPID activities, deduplicated: known activities, or `['unknown']` alone, or none (see normalizeActivities). */
  activities: RpidActivity[];
  /** The first presence-level `<note>` (else the person's `<dm:note>`). */
  note?: string;
}

const KNOWN_ACTIVITIES: ReadonlySet<string> = new Set(RPID_ACTIVITIES);
/** XML Schema xs:ID is an NCName; the lab accepts its ASCII subset. */
const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;
/** RFC 3339 §5.6 date-time (T and Z in either case, §5.6 NOTE). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const ENTITY = /^(?:sips?|pres):[^\s<>"]+$/i;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"]+$/;

/**
 * The activity list the lab keeps: known activities in first-seen order without repeats; `unknown` only when
 * nothing known is present (RFC 4480 §3.2 makes `<unknown/>` exclusive of the others).
 */
export function normalizeActivities(activities: readonly RpidActivity[]): RpidActivity[] {
  const known = [...new Set(activities.filter((a) => a !== 'unknown'))];
  if (known.length > 0) return known;
  return activities.includes('unknown') ? ['unknown'] : [];
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

const err = (message: string): { ok: false; error: CodecError } => fail(new CodecError(PROTOCOL, message));

function kids(element: XmlElement, namespace: string, localName: string): XmlElement[] {
  return element.children.filter((c) => c.name === localName && c.namespace === namespace);
}

function firstText(element: XmlElement, namespace: string, localName: string): string | undefined {
  for (const c of kids(element, namespace, localName)) if (c.text !== '') return c.text;
  return undefined;
}

/** Appends the activities of one `<rpid:activities>`; what the lab cannot name becomes `unknown`. */
function readActivities(activities: XmlElement, into: RpidActivity[]): void {
  for (const a of activities.children) {
    if (a.namespace === RPID_NS && a.name === 'note') continue; // RFC 4480 §3.2: free-text note, not an activity
    if (a.namespace === RPID_NS && KNOWN_ACTIVITIES.has(a.name)) into.push(a.name as RpidActivity);
    else into.push('unknown'); // <rpid:other>, unlisted RPID names, foreign extension activities
  }
}

function readTuple(t: XmlElement, activities: RpidActivity[]): Result<PresenceTuple> {
  const id = t.attributes.id;
  if (id === undefined || id === '') return err('<tuple> without an id attribute');
  if (!NCNAME.test(id)) return err(`tuple id '${id}' is not an XML name`);
  const statuses = kids(t, PIDF_NS, 'status');
  const status = statuses[0];
  if (status === undefined) return err(`tuple '${id}' has no <status>`);
  if (statuses.length > 1) return err(`tuple '${id}' has more than one <status>`);
  const basics = kids(status, PIDF_NS, 'basic');
  const basic = basics[0];
  // Lab's modelling choice: RFC 3863 §4.1.4 lets <basic> be absent; the lab's model needs it.
  if (basic === undefined) return err(`tuple '${id}' has no <basic> status`);
  if (basics.length > 1) return err(`tuple '${id}' has more than one <basic>`);
  if (basic.text !== 'open' && basic.text !== 'closed') return err(`tuple '${id}': unknown <basic> value '${basic.text}'`);
  const tuple: PresenceTuple = { id, basic: basic.text };
  const contact = firstText(t, PIDF_NS, 'contact');
  if (contact !== undefined) {
    if (!URI.test(contact)) return err(`tuple '${id}': <contact> '${contact}' is not a URI`);
    tuple.contact = contact;
  }
  const note = firstText(t, PIDF_NS, 'note');
  if (note !== undefined) tuple.note = note;
  const timestamp = firstText(t, PIDF_NS, 'timestamp');
  if (timestamp !== undefined) {
    if (!DATE_TIME.test(timestamp)) return err(`tuple '${id}': <timestamp> '${timestamp}' is not an RFC 3339 date-time`);
    tuple.timestamp = timestamp;
  }
  // Cisco-style: <rpid:activities> in the tuple, or inside its <status> (early RPID drafts).
  for (const a of [...kids(t, RPID_NS, 'activities'), ...kids(status, RPID_NS, 'activities')]) readActivities(a, activities);
  return ok(tuple);
}

/** Parses an `application/pidf+xml` body. Never throws; a malformed document is a CodecError('pidf'). */
export function parsePidf(text: string): Result<PresenceDocument> {
  const parsed = parseXml(text);
  if (!parsed.ok) {
    const inner = parsed.error;
    return fail(new CodecError(PROTOCOL, inner.message.replace(/(?: \((?:line|byte) \d+\))+$/, ''), inner.where));
  }
  const root = parsed.value;
  if (root.name !== 'presence') return err(`expected <presence>, got <${root.name}>`);
  if (root.namespace !== PIDF_NS) return err(`<presence> is in namespace '${root.namespace ?? '(none)'}', not ${PIDF_NS}`);
  const entity = root.attributes.entity;
  if (entity === undefined || entity === '') return err('<presence> without an entity attribute');
  if (!ENTITY.test(entity)) return err(`entity '${entity}' is not a sip:, sips: or pres: URI`);

  const activities: RpidActivity[] = [];
  const tuples: PresenceTuple[] = [];
  const ids = new Set<string>();
  for (const t of kids(root, PIDF_NS, 'tuple')) {
    const tuple = readTuple(t, activities);
    if (!tuple.ok) return tuple;
    if (ids.has(tuple.value.id)) return err(`duplicate tuple id '${tuple.value.id}'`);
    ids.add(tuple.value.id);
    tuples.push(tuple.value);
  }
  let personNote: string | undefined;
  for (const person of kids(root, DATA_MODEL_NS, 'person')) {
    for (const a of kids(person, RPID_NS, 'activities')) readActivities(a, activities);
    personNote ??= firstText(person, DATA_MODEL_NS, 'note');
  }
  const doc: PresenceDocument = { entity, tuples, activities: normalizeActivities(activities) };
  const note = firstText(root, PIDF_NS, 'note') ?? personNote;
  if (note !== undefined) doc.note = note;
  return ok(doc);
}

// ---------------------------------------------------------------------------------------------------------------
// Serialization

function personId(tuples: readonly PresenceTuple[]): string {
  const taken = new Set(tuples.map((t) => t.id));
  let n = 1;
  while (taken.has(`p${n}`)) n++;
  return `p${n}`;
}

/**
 * Writes a PIDF document (RFC 3863 §4.1 element order): tuples, the presence note, then a `<dm:person>` with
 * `<rpid:activities>` when there are activities. Empty strings are left out. For a document of valid values,
 * `parsePidf(serializePidf(d))` gives `d` with its activities normalized.
 */
export function serializePidf(doc: PresenceDocument): string {
  const children: XmlElement[] = doc.tuples.map((t) => {
    const parts: XmlElement[] = [el('status', {}, [el('basic', {}, t.basic)])];
    if (t.contact) parts.push(el('contact', {}, t.contact));
    if (t.note) parts.push(el('note', {}, t.note));
    if (t.timestamp) parts.push(el('timestamp', {}, t.timestamp));
    return el('tuple', { id: t.id }, parts);
  });
  if (doc.note) children.push(el('note', {}, doc.note));
  const activities = normalizeActivities(doc.activities);
  const attributes: Record<string, string> = { xmlns: PIDF_NS };
  if (activities.length > 0) {
    attributes['xmlns:dm'] = DATA_MODEL_NS;
    attributes['xmlns:rpid'] = RPID_NS;
    const list = el('rpid:activities', {}, activities.map((a) => el(`rpid:${a}`)));
    children.push(el('dm:person', { id: personId(doc.tuples) }, [list]));
  }
  attributes.entity = doc.entity;
  return serializeXml(el('presence', attributes, children), { declaration: true });
}

// ---------------------------------------------------------------------------------------------------------------
// The lab's presence vocabulary

/** CUP's composed user status (Available, Busy, Away, On the phone, Unavailable), as the lab names it. */
export const CUP_PRESENCE_STATES = ['available', 'busy', 'away', 'on-the-phone', 'offline'] as const;
export type CupPresenceState = (typeof CUP_PRESENCE_STATES)[number];

export interface PidfOfStateOptions {
  /** Tuple id (default `t1`). */
  tupleId?: string;
  contact?: string;
  note?: string;
  timestamp?: string;
  /**
   * `user` (default): the person is reachable for IM while on the phone or busy, so the tuple stays open.
   * `phone`: a line in use is published closed, as CUCM's PUBLISH to CUP does (docs/protocols/presence.md §2, §10).
   */
  publisher?: 'user' | 'phone';
}

/**
 * A one-tuple document for a CUP state (docs/protocols/presence.md §10): available = open; busy, away,
 * on-the-phone = open plus that activity (`phone` publisher: busy = closed + busy, on-the-phone = closed +
 * on-the-phone + busy); offline = closed, no activity.
 */
export function pidfOfState(entity: string, state: CupPresenceState, opts: PidfOfStateOptions = {}): PresenceDocument {
  const phone = opts.publisher === 'phone';
  let basic: 'open' | 'closed' = 'open';
  let activities: RpidActivity[] = [];
  switch (state) {
    case 'available':
      break;
    case 'busy':
      activities = ['busy'];
      if (phone) basic = 'closed';
      break;
    case 'on-the-phone':
      activities = phone ? ['on-the-phone', 'busy'] : ['on-the-phone'];
      if (phone) basic = 'closed';
      break;
    case 'away':
      activities = ['away'];
      break;
    case 'offline':
      basic = 'closed';
      break;
  }
  const tuple: PresenceTuple = { id: opts.tupleId ?? 't1', basic };
  if (opts.contact !== undefined) tuple.contact = opts.contact;
  if (opts.note !== undefined) tuple.note = opts.note;
  if (opts.timestamp !== undefined) tuple.timestamp = opts.timestamp;
  return { entity, tuples: [tuple], activities };
}

/** Lab's modelling choice: which RPID activities count toward which CUP state; the others do not change it. */
const ACTIVITY_STATE: Partial<Record<RpidActivity, CupPresenceState>> = {
  'on-the-phone': 'on-the-phone',
  busy: 'busy',
  meeting: 'busy',
  appointment: 'busy',
  presentation: 'busy',
  performance: 'busy',
  away: 'away',
  vacation: 'away',
  holiday: 'away',
  'permanent-absence': 'away',
};
const PRECEDENCE: readonly CupPresenceState[] = ['on-the-phone', 'busy', 'away'];

/**
 * The CUP state a document shows: a mapped activity wins (on-the-phone > busy/meeting > away/vacation); else
 * available when any tuple is open, offline when every tuple is closed (or there is none).
 */
export function stateOfPidf(doc: PresenceDocument): CupPresenceState {
  const shown = new Set(doc.activities.map((a) => ACTIVITY_STATE[a]));
  for (const state of PRECEDENCE) if (shown.has(state)) return state;
  return doc.tuples.some((t) => t.basic === 'open') ? 'available' : 'offline';
}

/** A Microsoft `state` category value: the availability number and, for a call, the activity token. */
export interface MsAvailability {
  availability: number;
  activity?: 'on-the-phone';
}

/**
 * The availability Communicator is shown for a CUP state, with ms-category-publish's numbers ([MS-PRES] bands,
 * docs/protocols/presence.md §5): available 3500, busy 6500, on-the-phone 6500 + token `on-the-phone`,
 * away 15500, offline 18500.
 */
export function availabilityOfCupState(state: CupPresenceState): MsAvailability {
  switch (state) {
    case 'available':
      return { availability: availabilityOf('available') };
    case 'busy':
      return { availability: availabilityOf('busy') };
    case 'on-the-phone':
      return { availability: availabilityOf('busy'), activity: 'on-the-phone' };
    case 'away':
      return { availability: availabilityOf('away') };
    case 'offline':
      return { availability: availabilityOf('offline') };
  }
}

/**
 * The CUP state for a Microsoft availability (lab's modelling choice): do-not-disturb counts as busy and
 * be-right-back as away; a busy band with the `on-the-phone` token is on-the-phone.
 */
export function cupStateOfAvailability(availability: number, activity?: string): CupPresenceState {
  switch (stateOfAvailability(availability)) {
    case 'available':
      return 'available';
    case 'busy':
      return activity === 'on-the-phone' ? 'on-the-phone' : 'busy';
    case 'doNotDisturb':
      return 'busy';
    case 'beRightBack':
    case 'away':
      return 'away';
    case 'offline':
      return 'offline';
  }
}
