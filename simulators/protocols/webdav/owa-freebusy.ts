/**
 * OWA's XML free/busy interface (Exchange 2003, and Exchange 2007 public folders):
 * `GET /public/?Cmd=freebusy&start=…&end=…&interval=30&u=SMTP:a@x&u=SMTP:b@x` answered by
 * `<a:response xmlns:a="WM"><a:recipients><a:item>…<a:fbdata>00222</a:fbdata></a:item>…`, one fbdata digit per
 * interval. docs/protocols/exchange-webdav.md §1, §11.
 */
import { ok, type Result } from '../../kernel/errors';
import { el, parseXml, serializeXml, type XmlElement } from '../xml/xml';
import { FREEBUSY_NS, fromXmlError, isIsoInstant, webdavError, type BusyStatus } from './webdav-vocabulary';

/** fbdata digit of each busy status (Connector docs: 0 free, 1 tentative, 2 busy, 3 out of office). */
export const FREEBUSY_DIGITS: Readonly<Record<BusyStatus, string>> = { FREE: '0', TENTATIVE: '1', BUSY: '2', OOF: '3' };
/** fbdata digit for a slot with no information (docs/protocols/exchange-webdav.md §11: unconfirmed). */
export const FREEBUSY_NO_DATA = '4';
/** Display name of the merged first item of an answer. */
export const ALL_ATTENDEES = 'All Attendees';
/** Most slots a query may ask for (lab's bound, docs/protocols/exchange-webdav.md §11). */
export const MAX_FREEBUSY_SLOTS = 10_000;

/** One calendar item as free/busy sees it. */
export interface FreeBusyItem {
  /** ISO instants; the item covers [start, end). */
  readonly start: string;
  readonly end: string;
  readonly busyStatus: BusyStatus;
}

/** What freeBusyDigits reads: the query's range and interval, and the items of one mailbox. */
export interface FreeBusyRange {
  readonly start: string;
  readonly end: string;
  readonly intervalMinutes: number;
  readonly items: readonly FreeBusyItem[];
}

/** One `<a:item>` of the answer. */
export interface FreeBusyRecipient {
  readonly displayName: string;
  /** The SMTP address of `<a:email type="SMTP">alice@uc.lab</a:email>`; absent on the "All Attendees" item. */
  readonly email?: string;
  /** `<a:type>`: 1 in every published sample (its meaning is not documented); 1 when omitted. */
  readonly type?: number;
  /** One digit 0–4 per interval. */
  readonly fbdata: string;
}

/** The whole free/busy answer. */
export interface FreeBusyResponse {
  readonly recipients: readonly FreeBusyRecipient[];
}

/** The query of `GET /public/?Cmd=freebusy&…`. */
export interface FreeBusyQuery {
  /** ISO instants as written. */
  readonly start: string;
  readonly end: string;
  readonly intervalMinutes: number;
  /** SMTP addresses, without the `SMTP:` prefix. */
  readonly recipients: readonly string[];
}

const MINUTE = 60_000;
const RANK: Readonly<Record<BusyStatus, number>> = { FREE: 0, TENTATIVE: 1, BUSY: 2, OOF: 3 };

/** Number of intervals in [start, end): the last one may be partial. */
function slotCount(startMs: number, endMs: number, intervalMinutes: number): number {
  return Math.ceil((endMs - startMs) / (intervalMinutes * MINUTE));
}

/**
 * The fbdata string of one mailbox: slot i covers [start + i·interval, start + (i+1)·interval) and takes the
 * strongest status of the items overlapping it (OOF > BUSY > TENTATIVE > FREE); a slot no item touches is free.
 * An empty range, a non-positive interval or an unreadable instant gives ''; at most MAX_FREEBUSY_SLOTS digits.
 */
export function freeBusyDigits(range: FreeBusyRange): string {
  const start = Date.parse(range.start);
  const end = Date.parse(range.end);
  const interval = range.intervalMinutes;
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start || !Number.isInteger(interval) || interval <= 0) return '';
  const slots = Math.min(slotCount(start, end, interval), MAX_FREEBUSY_SLOTS);
  const ranks = new Array<number>(slots).fill(0);
  const width = interval * MINUTE;
  for (const item of range.items) {
    const itemStart = Date.parse(item.start);
    const itemEnd = Date.parse(item.end);
    if (!Number.isFinite(itemStart) || !Number.isFinite(itemEnd) || itemEnd <= itemStart) continue;
    const first = Math.max(0, Math.floor((itemStart - start) / width));
    const last = Math.min(slots - 1, Math.ceil((itemEnd - start) / width) - 1);
    const rank = RANK[item.busyStatus];
    for (let i = first; i <= last; i++) if (rank > ranks[i]!) ranks[i] = rank;
  }
  return ranks.map(String).join('');
}

/**
 * The "All Attendees" fbdata: per slot the highest digit other than 4, and 4 only where every recipient has 4
 * (a shorter string counts as 4 beyond its end).
 */
export function mergeFreeBusy(fbdata: readonly string[]): string {
  const length = fbdata.reduce((longest, f) => Math.max(longest, f.length), 0);
  let out = '';
  for (let i = 0; i < length; i++) {
    let best = -1;
    for (const f of fbdata) {
      const digit = f[i];
      if (digit !== undefined && digit !== FREEBUSY_NO_DATA && Number(digit) > best) best = Number(digit);
    }
    out += best < 0 ? FREEBUSY_NO_DATA : String(best);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Answer body

function wm(name: string, content: string | XmlElement[], attributes: Record<string, string> = {}): XmlElement {
  return { ...el(`a:${name}`, attributes, content), namespace: FREEBUSY_NS };
}

/** Serializes the answer body (no XML declaration, as in the Connector's sample). */
export function serializeFreeBusy(response: FreeBusyResponse): string {
  const items = response.recipients.map((r) => {
    const parts = [wm('displayname', r.displayName)];
    if (r.email !== undefined) parts.push(wm('email', r.email, { type: 'SMTP' }));
    parts.push(wm('type', String(r.type ?? 1)), wm('fbdata', r.fbdata));
    return wm('item', parts);
  });
  return serializeXml(wm('response', [wm('recipients', items)]));
}

function wmChild(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name && c.namespace === FREEBUSY_NS);
}

/**
 * Parses the answer body (namespace WM, any prefix). The email's `type` attribute is not kept: OWA answers only
 * for the `SMTP:` recipients it was asked about. Never throws.
 */
export function parseFreeBusy(xmlText: string): Result<FreeBusyResponse> {
  const parsed = parseXml(xmlText);
  if (!parsed.ok) return fromXmlError(parsed.error);
  const root = parsed.value;
  if (root.name !== 'response' || root.namespace !== FREEBUSY_NS) return webdavError(`expected <WM:response>, found <${root.name}> in namespace '${root.namespace ?? ''}'`);
  const list = wmChild(root, 'recipients');
  if (!list) return webdavError('missing <response/recipients>');
  const recipients: FreeBusyRecipient[] = [];
  for (const [i, item] of list.children.filter((c) => c.name === 'item' && c.namespace === FREEBUSY_NS).entries()) {
    const path = `response/recipients/item[${i}]`;
    const typeText = wmChild(item, 'type')?.text;
    if (typeText === undefined) return webdavError(`missing <${path}/type>`);
    if (!/^[0-9]{1,9}$/.test(typeText)) return webdavError(`<${path}/type> '${typeText}' is not a number`);
    const fbdata = wmChild(item, 'fbdata')?.text;
    if (fbdata === undefined) return webdavError(`missing <${path}/fbdata>`);
    const bad = /[^0-4]/.exec(fbdata);
    if (bad) return webdavError(`<${path}/fbdata> has '${bad[0]}' at position ${bad.index + 1}; digits are 0–4`);
    const recipient: { -readonly [K in keyof FreeBusyRecipient]: FreeBusyRecipient[K] } = {
      displayName: wmChild(item, 'displayname')?.text ?? '',
      type: Number(typeText),
      fbdata,
    };
    const email = wmChild(item, 'email');
    if (email) recipient.email = email.text;
    recipients.push(recipient);
  }
  return ok({ recipients });
}

// ---------------------------------------------------------------------------------------------------------------
// Query string

const UNRESERVED = /[A-Za-z0-9\-._~:@]/;
const encoder = new TextEncoder();

/** Percent-encodes a query value, leaving RFC 3986 unreserved characters and `:` `@` as they are. */
function encodeQueryValue(value: string): string {
  let out = '';
  for (const ch of value) {
    if (UNRESERVED.test(ch)) out += ch;
    else for (const byte of encoder.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `Cmd=freebusy&start=…&end=…&interval=30&u=SMTP:a@x&…` (append to `/public/?`). */
export function serializeFreeBusyQuery(q: FreeBusyQuery): string {
  return [
    'Cmd=freebusy',
    `start=${encodeQueryValue(q.start)}`,
    `end=${encodeQueryValue(q.end)}`,
    `interval=${q.intervalMinutes}`,
    ...q.recipients.map((r) => `u=${encodeQueryValue(`SMTP:${r}`)}`),
  ].join('&');
}

/**
 * Parses the query of a free/busy GET: a query string, `?…`, or a whole request target. Parameter names match
 * case-insensitively; start and end must be ISO instants with end after start, interval a positive number of
 * minutes, and every `u` an `SMTP:` address. Never throws.
 */
export function parseFreeBusyQuery(query: string): Result<FreeBusyQuery> {
  const q = query.indexOf('?');
  const params = new URLSearchParams(q < 0 ? query : query.slice(q + 1));
  const values = new Map<string, string[]>();
  for (const [name, value] of params) {
    const key = name.toLowerCase();
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  const single = (name: string): Result<string> => {
    const found = values.get(name.toLowerCase()) ?? [];
    if (found.length === 0) return webdavError(`free/busy query without '${name}'`);
    if (found.length > 1) return webdavError(`free/busy query with ${found.length} '${name}' parameters`);
    return ok(found[0]!);
  };
  const cmd = single('Cmd');
  if (!cmd.ok) return cmd;
  if (cmd.value.toLowerCase() !== 'freebusy') return webdavError(`Cmd '${cmd.value}' is not freebusy`);
  const start = single('start');
  if (!start.ok) return start;
  if (!isIsoInstant(start.value)) return webdavError(`start '${start.value}' is not an ISO 8601 UTC instant`);
  const end = single('end');
  if (!end.ok) return end;
  if (!isIsoInstant(end.value)) return webdavError(`end '${end.value}' is not an ISO 8601 UTC instant`);
  const startMs = Date.parse(start.value);
  const endMs = Date.parse(end.value);
  if (endMs <= startMs) return webdavError(`end '${end.value}' is not after start '${start.value}'`);
  const interval = single('interval');
  if (!interval.ok) return interval;
  if (!/^[0-9]{1,6}$/.test(interval.value) || Number(interval.value) === 0) return webdavError(`interval '${interval.value}' is not a positive number of minutes`);
  const intervalMinutes = Number(interval.value);
  const slots = slotCount(startMs, endMs, intervalMinutes);
  if (slots > MAX_FREEBUSY_SLOTS) return webdavError(`the range asks for ${slots} intervals, more than ${MAX_FREEBUSY_SLOTS}`);
  const users = values.get('u') ?? [];
  if (users.length === 0) return webdavError("free/busy query without 'u'");
  const recipients: string[] = [];
  for (const u of users) {
    if (!/^SMTP:/i.test(u) || u.length === 5) return webdavError(`recipient '${u}' is not of the form SMTP:address`);
    recipients.push(u.slice(5));
  }
  return ok({ start: start.value, end: end.value, intervalMinutes, recipients });
}
