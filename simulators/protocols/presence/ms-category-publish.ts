/**
 * Microsoft enhanced presence category publication, as Office Communicator 2007 / R2 sends it to its
 * OCS pool: a SIP SERVICE request to the user's own URI with `Content-Type:
 * application/msrtc-category-publish+xml` and a `<publish>` document of the rich-presence namespace
 * ([MS-PRES]; the request shape as public OC clones send it, pidgin-sipe `sipe-ocs2007.c`). Only the
 * `state` category's `<availability>` is read; every other category is stored as published.
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { child, childText, children, el, parseXml, serializeXml } from '../xml';
import type { XmlElement } from '../xml';

export const CATEGORY_PUBLISH_CONTENT_TYPE = 'application/msrtc-category-publish+xml';
const RICH_PRESENCE_NS = 'http://schemas.microsoft.com/2006/09/sip/rich-presence';
const STATE_NS = 'http://schemas.microsoft.com/2006/09/sip/state';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** What a user picks in Communicator's status menu. */
export type PresenceState = 'available' | 'busy' | 'doNotDisturb' | 'beRightBack' | 'away' | 'offline';
export const PRESENCE_STATES: readonly PresenceState[] = ['available', 'busy', 'doNotDisturb', 'beRightBack', 'away', 'offline'];

/**
 * [MS-PRES] state/availability ranges (docs/protocols/presence.md §5): 0–4499 available, 4500–5999 available-idle,
 * 6000–7499 busy, 7500–8999 busy-idle, 9000–11999 do not disturb, 12000–14999 be right back,
 * 15000–17999 away, ≥ 18000 offline. The value published is the one Communicator uses in each range
 * (pidgin-sipe sipe-ocs2007.c; docs/protocols/presence.md §5).
 */
const AVAILABILITY: Record<PresenceState, number> = {
  available: 3500,
  busy: 6500,
  doNotDisturb: 9500,
  beRightBack: 12500,
  away: 15500,
  offline: 18500,
};

export function availabilityOf(state: PresenceState): number {
  return AVAILABILITY[state];
}

export function stateOfAvailability(availability: number): PresenceState {
  if (availability < 6000) return 'available';
  if (availability < 9000) return 'busy';
  if (availability < 12000) return 'doNotDisturb';
  if (availability < 15000) return 'beRightBack';
  if (availability < 18000) return 'away';
  return 'offline';
}

export interface StatePublication {
  /** The publishing user's SIP URI (`publications uri`). */
  uri: string;
  availability: number;
  /** Publication version: 0 for a first publication, incremented by each later one. */
  version: number;
}

/** The `<publish>` document for a manual user state (container 2 = the state everyone may see). */
export function serializeStatePublication(p: StatePublication): string {
  const state = el('state', { xmlns: STATE_NS, 'xmlns:xsi': XSI_NS, manual: 'true', 'xsi:type': 'userState' }, [el('availability', {}, String(p.availability))]);
  const publication = el('publication', { categoryName: 'state', instance: '0', container: '2', version: String(p.version), expireType: 'user' }, [state]);
  return serializeXml(el('publish', { xmlns: RICH_PRESENCE_NS }, [el('publications', { uri: p.uri }, [publication])]), { declaration: false });
}

/** One `<publication>` of a `<publish>` document ([MS-PRES] §2.2.2.1). */
export interface CategoryPublication {
  categoryName: string;
  instance: string;
  container: number;
  version: number;
  expireType?: string;
  /** `expires="0"`: the publication removes the instance. */
  remove: boolean;
  /** The category's own element (state, device, note, calendarData, …). */
  content?: XmlElement;
  /** A `state` category's xsi:type (userState, machineState, phoneState, calendarState) and availability. */
  stateType?: string;
  availability?: number;
}

/** Every publication of a `<publish>` document, with the publishing URI. */
export function parsePublications(xml: string): Result<{ uri: string; publications: CategoryPublication[] }> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  const root = parsed.value;
  if (root.name !== 'publish') return fail(new CodecError('ms-pres', `expected <publish>, got <${root.name}>`));
  const publications = child(root, 'publications');
  const uri = publications?.attributes.uri;
  if (!publications || !uri) return fail(new CodecError('ms-pres', 'missing <publications uri=…>'));
  const out: CategoryPublication[] = [];
  for (const p of children(publications, 'publication')) {
    const categoryName = p.attributes.categoryName;
    const container = Number(p.attributes.container);
    if (!categoryName || !Number.isInteger(container)) return fail(new CodecError('ms-pres', 'a <publication> without categoryName or a numeric container'));
    const remove = p.attributes.expires === '0';
    const content = p.children[0];
    const publication: CategoryPublication = { categoryName, instance: p.attributes.instance ?? '0', container, version: Number(p.attributes.version ?? 0), remove };
    if (p.attributes.expireType !== undefined) publication.expireType = p.attributes.expireType;
    if (content) publication.content = content;
    if (categoryName === 'state' && !remove) {
      const text = childText(p, 'state', 'availability');
      const availability = Number(text);
      const stateType = content?.attributes['xsi:type'];
      if (stateType !== undefined) publication.stateType = stateType;
      if (text !== undefined) {
        if (!Number.isInteger(availability) || availability < 0) return fail(new CodecError('ms-pres', `state publication without a valid <availability> (${text})`));
        publication.availability = availability;
      } else if (stateType === undefined || stateType === 'userState') {
        return fail(new CodecError('ms-pres', 'state publication without a valid <availability> (missing)'));
      }
    }
    out.push(publication);
  }
  return ok({ uri, publications: out });
}

/** The state publications of a `<publish>` document (those with an availability). */
export function parseCategoryPublish(xml: string): Result<StatePublication[]> {
  const parsed = parsePublications(xml);
  if (!parsed.ok) return parsed;
  return ok(
    parsed.value.publications.flatMap((p) =>
      p.categoryName === 'state' && p.availability !== undefined ? [{ uri: parsed.value.uri, availability: p.availability, version: p.version }] : [],
    ),
  );
}
