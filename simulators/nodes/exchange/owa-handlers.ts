import type { RequestHandler } from 'msw';
import {
  freeBusyDigits,
  parseCalendarSearch,
  parseFreeBusyQuery,
  parseOwaAuthForm,
  parsePropfind,
  serializeFreeBusy,
  serializeMultiStatus,
} from '../../protocols/webdav';
import type { MultiStatus } from '../../protocols/webdav';
import { basicCredentials, cookiesOf } from './owa-auth';
import type { OwaAccount, ReleaseBehaviour } from './owa-auth';
import type { Appointment, Mailbox, MailboxStore } from './mailbox-store';
import { msw } from '../shared/msw-lazy';

const DAV = 'DAV:';
const CAL = 'urn:schemas:calendar:';
const MAIL = 'urn:schemas:httpmail:';

/** What the handlers need from the Exchange node. */
export interface OwaContext {
  readonly store: MailboxStore;
  readonly behaviour: ReleaseBehaviour;
  /** Forms-based authentication is on (read per request: the administrator may change it). */
  formsBased(): boolean;
  /** The OWA virtual directory, `/exchange/`. */
  readonly vdir: string;
  account(name: string): OwaAccount | undefined;
  /** Forms-based sessions: a new one for an account, and the account a cookie pair names (undefined: none or expired). */
  openSession(account: OwaAccount): { sessionid: string; cadata: string };
  sessionAccount(sessionid: string | undefined, cadata: string | undefined): OwaAccount | undefined;
  /** Why a request was refused, for the node's log and observations. */
  refused(method: string, path: string, status: number, why: string): void;
}

type Auth = { ok: true; account: OwaAccount } | { ok: false; response: Response };

/**
 * Exchange's Outlook Web Access surface as msw request handlers (docs/protocols/exchange-webdav.md): forms-based
 * sign-in, the WebDAV verbs on a mailbox's Calendar folder (SEARCH, PROPFIND), and the free/busy page. The node
 * serves these same handlers as bytes on the in-memory network and on sockets.
 */
export function owaHandlers(ctx: OwaContext): RequestHandler[] {
  const { HttpHandler, HttpResponse, http } = msw();
  const { behaviour } = ctx;
  const vdir = ctx.vdir.endsWith('/') ? ctx.vdir : `${ctx.vdir}/`;

  const authenticate = (request: Request): Auth => {
    const url = new URL(request.url);
    if (ctx.formsBased()) {
      if (behaviour.formsNeedTls && url.protocol !== 'https:') {
        return { ok: false, response: html(403, 'Forbidden', '<h1>HTTP Error 403.4 - Forbidden: SSL is required to view this resource.</h1>') };
      }
      const cookies = cookiesOf(request.headers.get('cookie'));
      const account = ctx.sessionAccount(cookies.get('sessionid'), cookies.get('cadata'));
      if (account) return { ok: true, account };
      if (request.method === 'GET') {
        const location = `${url.origin}${behaviour.logonPage}?url=${encodeURIComponent(url.href)}&reason=0`;
        return { ok: false, response: new HttpResponse(null, { status: 302, statusText: 'Found', headers: { Location: location } }) };
      }
      // Every other WebDAV verb without a valid session: 440 (not an IANA code; OWA's own).
      return { ok: false, response: html(440, 'Login Timeout', '<h1>440 Login Timeout</h1>') };
    }
    const credentials = basicCredentials(request.headers.get('authorization'));
    const account = credentials ? ctx.account(credentials.user) : undefined;
    if (!credentials || !account || account.password !== credentials.password) {
      const headers = new Headers({ 'Content-Type': 'text/html' });
      for (const challenge of behaviour.wwwAuthenticate) headers.append('WWW-Authenticate', challenge);
      return { ok: false, response: new HttpResponse(behaviour.unauthorizedBody, { status: 401, statusText: 'Unauthorized', headers }) };
    }
    return { ok: true, account };
  };

  /** The mailbox and the rest of the path, from the raw (still percent-encoded) path. */
  const locate = (request: Request): { mailbox: Mailbox | undefined; rest: string[]; segment: string } => {
    const path = new URL(request.url).pathname.slice(vdir.length);
    const [raw = '', ...rest] = path.split('/');
    let segment = decodePath(raw);
    if (behaviour.plusIsSpace) segment = segment.replace(/\+/g, ' ');
    return { mailbox: ctx.store.byName(segment), rest: rest.filter((p, i) => p !== '' || i < rest.length - 1).map(decodePath), segment };
  };

  /** Authenticated, authorized, and naming a mailbox's Calendar folder (or an item in it). */
  const calendarOf = (request: Request): { ok: true; mailbox: Mailbox; item?: string } | { ok: false; response: Response } => {
    const auth = authenticate(request);
    if (!auth.ok) {
      ctx.refused(request.method, new URL(request.url).pathname, auth.response.status, 'not signed in');
      return auth;
    }
    const { mailbox, rest, segment } = locate(request);
    const pathname = new URL(request.url).pathname;
    if (!mailbox) {
      ctx.refused(request.method, pathname, 404, `no mailbox named "${segment}"`);
      return { ok: false, response: html(404, 'Not Found', '<h1>The page cannot be found</h1>') };
    }
    if (!auth.account.readsAllMailboxes && auth.account.mailboxUser?.toLowerCase() !== mailbox.userId.toLowerCase()) {
      ctx.refused(request.method, pathname, 403, `${auth.account.user} may not open ${mailbox.storeName}`);
      return { ok: false, response: html(403, 'Forbidden', '<h1>HTTP Error 403 - Access denied</h1>') };
    }
    const [folder, item, ...more] = rest.filter((p) => p !== '');
    if (folder?.toLowerCase() !== 'calendar' || more.length > 0) {
      ctx.refused(request.method, pathname, 404, `no folder ${rest.join('/')} in ${mailbox.storeName}`);
      return { ok: false, response: html(404, 'Not Found', '<h1>The page cannot be found</h1>') };
    }
    return item === undefined ? { ok: true, mailbox } : { ok: true, mailbox, item };
  };

  const folderHref = (request: Request, m: Mailbox): string => `${new URL(request.url).origin}${vdir}${encodeURIComponent(m.storeName)}/Calendar/`;

  return [
    http.post(`*${behaviour.loginPost}`, async ({ request }) => {
      const form = parseOwaAuthForm(await request.text());
      const url = new URL(request.url);
      if (behaviour.formsNeedTls && url.protocol !== 'https:') return html(403, 'Forbidden', '<h1>HTTP Error 403.4 - Forbidden: SSL is required to view this resource.</h1>');
      const logon = (reason: number, destination: string): Response =>
        new HttpResponse(null, { status: 302, statusText: 'Found', headers: { Location: `${url.origin}${behaviour.logonPage}?url=${encodeURIComponent(destination)}&reason=${reason}` } });
      if (!form.ok || !ctx.formsBased()) return logon(0, `${url.origin}${vdir}`);
      const account = ctx.account(form.value.username);
      if (!account || account.password !== form.value.password) {
        ctx.refused('POST', url.pathname, 302, `sign-in refused for ${form.value.username}`);
        return logon(2, form.value.destination);
      }
      const session = ctx.openSession(account);
      const headers = new Headers({ Location: form.value.destination });
      headers.append('Set-Cookie', `sessionid=${session.sessionid}; path=/`);
      headers.append('Set-Cookie', `cadata=${session.cadata}; path=/; secure`);
      return new HttpResponse(null, { status: 302, statusText: 'Found', headers });
    }),
    ...(behaviour.staleLoginPost
      ? [http.post(`*${behaviour.staleLoginPost}`, () => html(200, 'OK', '<html><body><form action="owaauth.dll" method="POST">Outlook Web Access</form></body></html>'))]
      : []),
    http.get(`*${behaviour.logonPage}`, () => html(200, 'OK', '<html><head><title>Microsoft Outlook Web Access</title></head><body><form method="POST">Outlook Web Access</form></body></html>')),

    new HttpHandler('SEARCH', `*${vdir}*`, async ({ request }) => {
      const target = calendarOf(request);
      if (!target.ok) return target.response;
      const search = parseCalendarSearch(await request.text());
      if (!search.ok) {
        ctx.refused('SEARCH', new URL(request.url).pathname, 400, search.error.message);
        return html(400, 'Bad Request', '<h1>Bad Request</h1>');
      }
      const window = search.value.window;
      const from = window ? Date.parse(window.start) : Number.NEGATIVE_INFINITY;
      const to = window ? Date.parse(window.end) : Number.POSITIVE_INFINITY;
      const items = ctx.store.itemsBetween(target.mailbox, from, to);
      const href = folderHref(request, target.mailbox);
      return multiStatus({
        responses: items.map((a) => ({ href: `${href}${encodeURIComponent(a.name)}`, propstats: propstats(a, search.value.properties.map(splitProperty)) })),
      });
    }),

    new HttpHandler('PROPFIND', `*${vdir}*`, async ({ request }) => {
      const target = calendarOf(request);
      if (!target.ok) return target.response;
      const body = await request.text();
      const asked = parsePropfind(body);
      if (!asked.ok) return html(400, 'Bad Request', '<h1>Bad Request</h1>');
      const props = asked.value.kind === 'allprop' ? ALL_PROPS : asked.value.props;
      const href = folderHref(request, target.mailbox);
      if (target.item !== undefined) {
        const a = target.mailbox.calendar.find((x) => x.name.toLowerCase() === target.item?.toLowerCase());
        if (!a) return html(404, 'Not Found', '<h1>The page cannot be found</h1>');
        return multiStatus({ responses: [{ href: `${href}${encodeURIComponent(a.name)}`, propstats: propstats(a, props) }] });
      }
      const depth = request.headers.get('depth') ?? 'infinity';
      const folder = { href, propstats: folderPropstats(target.mailbox, props) };
      const children = depth === '0' ? [] : target.mailbox.calendar.map((a) => ({ href: `${href}${encodeURIComponent(a.name)}`, propstats: propstats(a, props) }));
      return multiStatus({ responses: [folder, ...children] });
    }),

    http.get('*/public/', ({ request }) => {
      const auth = authenticate(request);
      if (!auth.ok) return auth.response;
      const url = new URL(request.url);
      if (url.searchParams.get('Cmd')?.toLowerCase() !== 'freebusy') return html(200, 'OK', '<html><body>Public Folders</body></html>');
      // OWA answers the XML form only to a browser it knows (an Internet Explorer User-Agent); others get its HTML page.
      if (!/MSIE/.test(request.headers.get('user-agent') ?? '')) return html(200, 'OK', '<html><head><title>Microsoft Outlook Web Access</title></head><body></body></html>');
      const query = parseFreeBusyQuery(url.search);
      if (!query.ok) return html(400, 'Bad Request', '<h1>Bad Request</h1>');
      const start = Date.parse(query.value.start);
      const end = Date.parse(query.value.end);
      const people = query.value.recipients.map((email) => {
        const m = [...ctx.store.all()].find((x) => x.email.toLowerCase() === email.toLowerCase());
        const digits = m
          ? freeBusyDigits({
              start: query.value.start,
              end: query.value.end,
              intervalMinutes: query.value.intervalMinutes,
              items: ctx.store.itemsBetween(m, start, end).map((a) => ({ start: iso(a.start), end: iso(a.end), busyStatus: a.busyStatus })),
            })
          : '4'.repeat(Math.max(0, Math.ceil((end - start) / (query.value.intervalMinutes * 60_000))));
        return { displayName: m?.displayName ?? email, email, fbdata: digits };
      });
      return new HttpResponse(serializeFreeBusy({ recipients: people }), { status: 200, headers: { 'Content-Type': 'text/xml' } });
    }),

    http.get(`*${vdir}*`, ({ request }) => {
      const auth = authenticate(request);
      if (!auth.ok) return auth.response;
      const { mailbox } = locate(request);
      return mailbox ? html(200, 'OK', `<html><head><title>Microsoft Outlook Web Access</title></head><body>${escapeHtml(mailbox.displayName)}</body></html>`) : html(404, 'Not Found', '<h1>The page cannot be found</h1>');
    }),
  ];
}

function multiStatus(ms: MultiStatus): Response {
  const { HttpResponse } = msw();
  return new HttpResponse(serializeMultiStatus(ms), { status: 207, statusText: 'Multi-Status', headers: { 'Content-Type': 'text/xml' } });
}

function html(status: number, statusText: string, body: string): Response {
  const { HttpResponse } = msw();
  return new HttpResponse(body, { status, statusText, headers: { 'Content-Type': 'text/html' } });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Percent-decoding of a path segment; a malformed escape was refused before the handlers ran. */
function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `urn:schemas:calendar:dtstart` → namespace `urn:schemas:calendar:` and name `dtstart`; `DAV:href` → `DAV:` and `href`. */
function splitProperty(full: string): { namespace: string; name: string } {
  const cut = full.lastIndexOf(':');
  return { namespace: full.slice(0, cut + 1), name: full.slice(cut + 1) };
}

const ALL_PROPS: { namespace: string; name: string }[] = [
  { namespace: DAV, name: 'displayname' },
  { namespace: DAV, name: 'contentclass' },
  { namespace: MAIL, name: 'subject' },
  { namespace: CAL, name: 'location' },
  { namespace: CAL, name: 'dtstart' },
  { namespace: CAL, name: 'dtend' },
  { namespace: CAL, name: 'busystatus' },
  { namespace: CAL, name: 'instancetype' },
  { namespace: CAL, name: 'alldayevent' },
];

/** An appointment's value of a property, or undefined when the item has no such property. */
function valueOf(a: Appointment, p: { namespace: string; name: string }): string | undefined {
  const key = `${p.namespace}${p.name}`;
  switch (key) {
    case `${DAV}displayname`:
      return a.name;
    case `${DAV}contentclass`:
      return 'urn:content-classes:appointment';
    case `${MAIL}subject`:
      return a.subject;
    case `${CAL}location`:
      return a.location;
    case `${CAL}dtstart`:
      return iso(a.start);
    case `${CAL}dtend`:
      return iso(a.end);
    case `${CAL}busystatus`:
      return a.busyStatus;
    case `${CAL}instancetype`:
      return String(a.instanceType);
    case `${CAL}alldayevent`:
      return a.allDay ? '1' : '0';
    default:
      return undefined;
  }
}

function propstats(a: Appointment, props: readonly { namespace: string; name: string }[]): MultiStatus['responses'][number]['propstats'] {
  const found = props.flatMap((p) => {
    const value = valueOf(a, p);
    return value === undefined ? [] : [{ ...p, value }];
  });
  const missing = props.filter((p) => valueOf(a, p) === undefined).map((p) => ({ ...p, value: '' }));
  return [
    ...(found.length > 0 ? [{ status: 200, reason: 'OK', props: found }] : []),
    ...(missing.length > 0 ? [{ status: 404, reason: 'Resource Not Found', props: missing }] : []),
  ];
}

function folderPropstats(m: Mailbox, props: readonly { namespace: string; name: string }[]): MultiStatus['responses'][number]['propstats'] {
  const folder: Record<string, string> = {
    [`${DAV}displayname`]: 'Calendar',
    [`${DAV}contentclass`]: 'urn:content-classes:calendarfolder',
    [`${DAV}childcount`]: String(m.calendar.length),
  };
  const found = props.filter((p) => `${p.namespace}${p.name}` in folder).map((p) => ({ ...p, value: folder[`${p.namespace}${p.name}`] ?? '' }));
  const missing = props.filter((p) => !(`${p.namespace}${p.name}` in folder)).map((p) => ({ ...p, value: '' }));
  return [
    ...(found.length > 0 ? [{ status: 200, reason: 'OK', props: found }] : []),
    ...(missing.length > 0 ? [{ status: 404, reason: 'Resource Not Found', props: missing }] : []),
  ];
}

