/**
 * OCS 2007 R2's in-band provisioning and roaming data (docs/protocols/sign-in.md §8): the documents an OCS pool
 * sends a signed-in Communicator in the NOTIFYs of its self-subscriptions — vnd-microsoft-roaming-self
 * (categories, containers, subscribers; [MS-PRES]), vnd-microsoft-provisioning-v2 (provisioning groups),
 * vnd-microsoft-roaming-contacts and vnd-microsoft-roaming-ACL — and the `userProperties` category that carries
 * the user's remote-call-control line (`<line lineType="Rcc" lineServer="…">tel:…</line>`, from the AD user of
 * configuration step A3). Element and namespace names are the products'; the documents are built from the lab.
 */
import { CodecError, fail, ok, type Result } from '../../kernel/errors';
import { child, children, el, parseXml, serializeXml } from '../xml';
import type { XmlElement } from '../xml';

export const ROAMING_SELF_EVENT = 'vnd-microsoft-roaming-self';
export const PROVISIONING_V2_EVENT = 'vnd-microsoft-provisioning-v2';
export const ROAMING_CONTACTS_EVENT = 'vnd-microsoft-roaming-contacts';
export const ROAMING_ACL_EVENT = 'vnd-microsoft-roaming-ACL';
export const PROVISIONING_EVENT = 'vnd-microsoft-provisioning';
export const PRESENCE_WPENDING_EVENT = 'presence.wpending';

export const ROAMING_SELF_CONTENT_TYPE = 'application/vnd-microsoft-roaming-self+xml';
export const PROVISIONING_V2_CONTENT_TYPE = 'application/vnd-microsoft-roaming-provisioning-v2+xml';
export const ROAMING_CONTACTS_CONTENT_TYPE = 'application/vnd-microsoft-roaming-contacts+xml';
export const ROAMING_ACL_CONTENT_TYPE = 'application/vnd-microsoft-roaming-acls+xml';
export const PROVISIONING_CONTENT_TYPE = 'application/vnd-microsoft-roaming-provisioning+xml';
export const WPENDING_CONTENT_TYPE = 'text/xml+msrtc.wpending';
export const SET_CONTAINER_MEMBERS_CONTENT_TYPE = 'application/msrtc-setcontainermembers+xml';
export const SET_SUBSCRIBERS_CONTENT_TYPE = 'application/msrtc-presence-setsubscriber+xml';

const ROAMING_SELF_NS = 'http://schemas.microsoft.com/2006/09/sip/roaming-self';
const CATEGORIES_NS = 'http://schemas.microsoft.com/2006/09/sip/categories';
const CONTAINERS_NS = 'http://schemas.microsoft.com/2006/09/sip/container-management';
const SUBSCRIBERS_NS = 'http://schemas.microsoft.com/2006/09/sip/presence-subscribers';
const PROVISION_GROUPS_NS = 'http://schemas.microsoft.com/2006/09/sip/provisiongrouplist-notification';
const CONTACTS_NS = 'http://schemas.microsoft.com/2006/09/sip/roaming-contacts';
const ACLS_NS = 'http://schemas.microsoft.com/2006/09/sip/roaming-acls';
const WPENDING_NS = 'http://schemas.microsoft.com/2006/09/sip/presence-wpending';

/** A phone line of the user (`userProperties/lines/line`): Rcc lines name the server that controls them. */
export interface UserLine {
  lineType: 'Rcc' | 'Uc' | 'Dual';
  /** The line's tel: URI. */
  uri: string;
  /** The remote-call-control server's SIP URI (CUP), for an Rcc or Dual line. */
  lineServer?: string;
}

/** One stored category instance ([MS-PRES] §2.2.2): which container it is in, its version and its element. */
export interface CategoryInstance {
  name: string;
  instance: string;
  container: number;
  version: number;
  publishTime: string;
  expireType?: string;
  /** The category's own element (state, device, userProperties, …). */
  content?: XmlElement;
}

export interface ContainerMember {
  type: string;
  value?: string;
}

export interface Container {
  id: number;
  version: number;
  members: ContainerMember[];
}

export interface Subscriber {
  /** The watcher's address without `sip:`. */
  user: string;
  displayName?: string;
  acknowledged: boolean;
}

/** The `userProperties` category element with the user's lines ([MS-PRES] §7.6). */
export function userPropertiesElement(lines: readonly UserLine[]): XmlElement {
  const lineElements = lines.map((l) => el('line', { lineType: l.lineType, ...(l.lineServer !== undefined ? { lineServer: l.lineServer } : {}) }, l.uri));
  const mode = lines.some((l) => l.lineType === 'Rcc') ? 'Rcc' : lines.some((l) => l.lineType === 'Dual') ? 'Dual' : 'None';
  return el('userProperties', { xmlns: CATEGORIES_NS }, [el('telephonyMode', {}, mode), ...(lineElements.length > 0 ? [el('lines', {}, lineElements)] : [])]);
}

/** The vnd-microsoft-roaming-self document: the parts the client asked for. */
export function serializeRoamingSelf(doc: { uri: string; categories?: readonly CategoryInstance[]; containers?: readonly Container[]; subscribers?: readonly Subscriber[] }): string {
  const parts: XmlElement[] = [];
  if (doc.categories) parts.push(...categoriesElements(doc.uri, doc.categories));
  if (doc.containers) {
    parts.push(
      el(
        'containers',
        { xmlns: CONTAINERS_NS },
        doc.containers.map((c) => el('container', { id: String(c.id), version: String(c.version) }, c.members.map((m) => el('member', { type: m.type, ...(m.value !== undefined ? { value: m.value } : {}) })))),
      ),
    );
  }
  if (doc.subscribers) {
    parts.push(
      el(
        'subscribers',
        { xmlns: SUBSCRIBERS_NS },
        doc.subscribers.map((s) => el('subscriber', { user: s.user, ...(s.displayName !== undefined ? { displayName: s.displayName } : {}), acknowledged: String(s.acknowledged), type: 'sameEnterprise' })),
      ),
    );
  }
  return serializeXml(el('roamingData', { xmlns: ROAMING_SELF_NS }, parts), { declaration: true });
}

/** What a roaming-self document says: its categories and the user's lines among them. */
export function parseRoamingSelf(xml: string): Result<{ categories: { name: string; container: number; instance: string; version: number }[]; lines: UserLine[] }> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  if (parsed.value.name !== 'roamingData') return fail(new CodecError('ms-pres', `expected <roamingData>, got <${parsed.value.name}>`));
  const categories = children(child(parsed.value, 'categories'), 'category');
  const lines: UserLine[] = [];
  for (const c of categories) {
    if (c.attributes.name !== 'userProperties') continue;
    for (const line of children(child(child(c, 'userProperties'), 'lines'), 'line')) {
      const type = line.attributes.lineType;
      if (type !== 'Rcc' && type !== 'Uc' && type !== 'Dual') continue;
      lines.push({ lineType: type, uri: line.text, ...(line.attributes.lineServer !== undefined ? { lineServer: line.attributes.lineServer } : {}) });
    }
  }
  return ok({
    categories: categories.map((c) => ({ name: c.attributes.name ?? '', container: Number(c.attributes.container ?? -1), instance: c.attributes.instance ?? '', version: Number(c.attributes.version ?? 0) })),
    lines,
  });
}

export interface ServerConfiguration {
  /** The user's conferencing focus factory. */
  focusFactoryUri: string;
  /** The Address Book Service's internal URL. */
  absInternalServerUrl: string;
  /** The pool's FQDN. */
  serverFqdn: string;
}

/** The provisioning-v2 NOTIFY body: `<provisionGroupList>` with these groups (ServerConfiguration filled; the pool serves its groups whatever the request lists). */
export function serializeProvisioningV2(groups: readonly string[], config: ServerConfiguration): string {
  const content = (name: string): XmlElement[] => {
    if (name === 'ServerConfiguration') {
      return [
        el('focusFactoryUri', {}, config.focusFactoryUri),
        el('absInternalServerUrl', {}, config.absInternalServerUrl),
        el('serverFqdn', {}, config.serverFqdn),
        el('ucPC2PCAVEncryption', {}, 'SupportEncryption'),
      ];
    }
    return [];
  };
  return serializeXml(el('provisionGroupList', { xmlns: PROVISION_GROUPS_NS }, groups.map((g) => el('provisionGroup', { name: g }, content(g)))), { declaration: true });
}

/** The roaming-ACL document (OCS 2005-era clients): no access-control entries. */
export function serializeRoamingAcl(): string {
  return serializeXml(el('acls', { xmlns: ACLS_NS, deltaNum: '1' }), { declaration: true });
}

/** The presence.wpending document (OCS 2005-era clients): no pending watchers. */
export function serializeWpending(): string {
  return serializeXml(el('watchers', { xmlns: WPENDING_NS }), { declaration: true });
}

/** A setContainerMembers SERVICE body: container changes (`<container id version><member action type value/>`). */
export function parseSetContainerMembers(xml: string): Result<{ id: number; version: number; members: { action: 'add' | 'remove'; type: string; value?: string }[] }[]> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  if (parsed.value.name !== 'setContainerMembers') return fail(new CodecError('ms-pres', `expected <setContainerMembers>, got <${parsed.value.name}>`));
  return ok(
    children(parsed.value, 'container').map((c) => ({
      id: Number(c.attributes.id ?? -1),
      version: Number(c.attributes.version ?? 0),
      members: children(c, 'member').map((m) => ({ action: m.attributes.action === 'remove' ? ('remove' as const) : ('add' as const), type: m.attributes.type ?? '', ...(m.attributes.value !== undefined ? { value: m.attributes.value } : {}) })),
    })),
  );
}

// ------------------------------------------------------------------ presence of others ([MS-PRES] §2.2.2, §3.7)

export const EVENT_CATEGORIES_CONTENT_TYPE = 'application/msrtc-event-categories+xml';
export const BATCH_SUBSCRIBE_CONTENT_TYPE = 'application/msrtc-adrl-categorylist+xml';
export const RLMI_CONTENT_TYPE = 'application/rlmi+xml';
const BATCH_NS = 'http://schemas.microsoft.com/2006/01/sip/batch-subscribe';
const RLMI_NS = 'urn:ietf:params:xml:ns:rlmi';

/** The categories of one presentity a watcher may see (`<categories uri=…>`, [MS-PRES] §2.2.2.3). */
export function serializeEventCategories(uri: string, categories: readonly CategoryInstance[]): string {
  const [doc] = categoriesElements(uri, categories);
  return serializeXml(doc ?? el('categories'), { declaration: true });
}

function categoriesElements(uri: string, categories: readonly CategoryInstance[]): XmlElement[] {
  return [
    el(
      'categories',
      { xmlns: CATEGORIES_NS, uri },
      categories.map((c) =>
        el(
          'category',
          {
            name: c.name,
            instance: c.instance,
            publishTime: c.publishTime,
            container: String(c.container),
            version: String(c.version),
            ...(c.expireType !== undefined ? { expireType: c.expireType } : {}),
          },
          c.content ? [c.content] : [],
        ),
      ),
    ),
  ];
}

/** What a `<categories>` document says of its presentity: each category, and the state's availability. */
export function parseEventCategories(xml: string): Result<{ uri: string; categories: { name: string; container: number; availability?: number; stateType?: string }[] }> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  if (parsed.value.name !== 'categories') return fail(new CodecError('ms-pres', `expected <categories>, got <${parsed.value.name}>`));
  return ok({
    uri: parsed.value.attributes.uri ?? '',
    categories: children(parsed.value, 'category').map((c) => {
      const state = child(c, 'state');
      const availability = child(state, 'availability')?.text;
      return {
        name: c.attributes.name ?? '',
        container: Number(c.attributes.container ?? -1),
        ...(availability !== undefined ? { availability: Number(availability) } : {}),
        ...(state?.attributes['xsi:type'] !== undefined ? { stateType: state.attributes['xsi:type'] } : {}),
      };
    }),
  });
}

/** A batched presence SUBSCRIBE's resources and the categories asked for (`<batchSub>`, [MS-PRES] §2.2.1.1.1). */
export function parseBatchSubscribe(xml: string): Result<{ resources: string[]; categories: string[] }> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  if (parsed.value.name !== 'batchSub') return fail(new CodecError('ms-pres', `expected <batchSub>, got <${parsed.value.name}>`));
  const action = child(parsed.value, 'action');
  return ok({
    resources: children(child(action, 'adhocList'), 'resource').map((r) => r.attributes.uri ?? '').filter((u) => u !== ''),
    categories: children(child(action, 'categoryList'), 'category').map((c) => c.attributes.name ?? '').filter((n) => n !== ''),
  });
}

/** A batched subscription's `<batchSub>` body, as a client sends it. */
export function serializeBatchSubscribe(uri: string, resources: readonly string[], categories: readonly string[]): string {
  return serializeXml(
    el('batchSub', { xmlns: BATCH_NS, uri, name: '' }, [
      el('action', { name: 'subscribe', id: '1' }, [
        el('adhocList', {}, resources.map((r) => el('resource', { uri: r }))),
        el('categoryList', { xmlns: 'http://schemas.microsoft.com/2006/09/sip/categorylist' }, categories.map((c) => el('category', { name: c }))),
      ]),
    ]),
    { declaration: false },
  );
}

/** The Content-Type of a batched subscription's NOTIFY body with this boundary. */
export function batchContentType(boundary: string): string {
  return `multipart/related; type="${RLMI_CONTENT_TYPE}"; start="<list@${boundary}>"; boundary=${boundary}`;
}

/**
 * The NOTIFY body of a batched subscription: `multipart/related` (RFC 2387) of an RLMI list (RFC 4662 §5) naming each
 * resource and its state, then one `<categories>` part per resource that has an active instance.
 */
export function serializeBatchNotify(
  listUri: string,
  version: number,
  resources: readonly { uri: string; state: 'active' | 'terminated'; reason?: string; categories?: readonly CategoryInstance[] }[],
  boundary: string,
): { contentType: string; body: string } {
  const cid = (i: number): string => `r${i}@${boundary}`;
  const rlmi = serializeXml(
    el(
      'list',
      { xmlns: RLMI_NS, uri: listUri, version: String(version), fullState: 'true' },
      resources.map((r, i) =>
        el('resource', { uri: r.uri }, [el('instance', { id: `i${i}`, state: r.state, ...(r.state === 'active' ? { cid: cid(i) } : { reason: r.reason ?? 'noresource' }) })]),
      ),
    ),
    { declaration: true },
  );
  const parts = [`Content-Type: ${RLMI_CONTENT_TYPE}\r\nContent-ID: <list@${boundary}>\r\n\r\n${rlmi}`];
  resources.forEach((r, i) => {
    if (r.state === 'active') parts.push(`Content-Type: ${EVENT_CATEGORIES_CONTENT_TYPE}\r\nContent-ID: <${cid(i)}>\r\n\r\n${serializeEventCategories(r.uri, r.categories ?? [])}`);
  });
  return {
    contentType: batchContentType(boundary),
    // Each part ends with an empty line before the next delimiter, as OCS wrote it: libpurple's MIME reader (pidgin-sipe)
    // drops the last four bytes of every part, and a MIME reader that keeps them sees only trailing white space.
    body: `${parts.map((p) => `--${boundary}\r\n${p}\r\n\r\n`).join('')}--${boundary}--\r\n`,
  };
}

/** A setSubscribers SERVICE body: the watchers the user acknowledged (`<subscriber user=… acknowledged="true"/>`). */
export function parseSetSubscribers(xml: string): Result<{ user: string; acknowledged: boolean }[]> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  if (parsed.value.name !== 'setSubscribers') return fail(new CodecError('ms-pres', `expected <setSubscribers>, got <${parsed.value.name}>`));
  return ok(children(parsed.value, 'subscriber').map((s) => ({ user: s.attributes.user ?? '', acknowledged: s.attributes.acknowledged === 'true' })));
}

// ------------------------------------------------------------------ the contact list ([MS-SIP] contact management)

export const SOAP_CONTENT_TYPE = 'application/soap+xml';
const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const WINRTC_NS = 'http://schemas.microsoft.com/winrtc/2002/11/sip';

/** A contact-management request (SERVICE with a SOAP body): its method (addGroup, setContact, …) and fields. */
export function parseContactSoap(xml: string): Result<{ method: string; fields: Record<string, string> }> {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  if (parsed.value.name !== 'Envelope') return fail(new CodecError('soap', `expected <Envelope>, got <${parsed.value.name}>`));
  const call = child(parsed.value, 'Body')?.children[0];
  if (!call) return fail(new CodecError('soap', 'a SOAP Body without a method'));
  return ok({ method: call.name, fields: Object.fromEntries(call.children.map((c) => [c.name, c.text])) });
}

/** A contact-management answer: `<m:method>` with the fields (addGroup answers its groupID). */
export function serializeContactSoapResponse(method: string, fields: Readonly<Record<string, string>>): string {
  return serializeXml(
    el('SOAP-ENV:Envelope', { 'xmlns:SOAP-ENV': SOAP_ENV_NS }, [
      el('SOAP-ENV:Body', {}, [el(`m:${method}`, { 'xmlns:m': WINRTC_NS }, Object.entries(fields).map(([k, v]) => el(`m:${k}`, {}, v)))]),
    ]),
    { declaration: false },
  );
}

export interface ContactListState {
  deltaNum: number;
  groups: { id: string; name: string }[];
  /** By URI without `sip:`. */
  contacts: Map<string, { name: string; groups: string; subscribed: boolean }>;
}

/** The roaming-contacts document of a contact list (`uri` without `sip:`, as the products wrote it). */
export function serializeContactList(list: ContactListState): string {
  return serializeXml(
    el('contactList', { xmlns: CONTACTS_NS, deltaNum: String(list.deltaNum) }, [
      ...list.groups.map((g) => el('group', { id: g.id, name: g.name, externalURI: '' })),
      ...[...list.contacts].map(([uri, c]) => el('contact', { uri, name: c.name, groups: c.groups, subscribed: String(c.subscribed), externalURI: '' })),
    ]),
    { declaration: true },
  );
}
