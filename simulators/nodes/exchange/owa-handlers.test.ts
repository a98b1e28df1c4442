import { getResponse } from 'msw';
import { parseFreeBusy, parseMultiStatus, propValue, serializeCalendarSearch, serializeOwaAuthForm } from '../../protocols/webdav';
import { MailboxStore } from './mailbox-store';
import { accountName, releaseBehaviour } from './owa-auth';
import type { OwaAccount } from './owa-auth';
import { owaHandlers } from './owa-handlers';

const EPOCH = Date.UTC(2009, 4, 1, 9, 0, 0);

function owa(release: '2003 SP2' | '2007 SP1', formsBased = false) {
  const store = new MailboxStore([{ userId: 'alice', email: 'alice@uc.lab', displayName: 'Alice Adams', password: 'pw' }, { userId: 'pat', email: 'pat~lee@uc.lab', displayName: 'Pat Lee' }], 2009, EPOCH);
  const sessions = new Map<string, OwaAccount>();
  const service: OwaAccount = { user: 'UC\\cupsvc', password: 'svc', readsAllMailboxes: true };
  const handlers = owaHandlers({
    store,
    behaviour: releaseBehaviour(release, 'mail.uc.lab'),
    formsBased: () => formsBased,
    vdir: '/exchange/',
    account: (name) => (accountName(name) === 'cupsvc' ? service : accountName(name) === 'alice' ? { user: 'alice', password: 'pw', mailboxUser: 'alice', readsAllMailboxes: false } : undefined),
    openSession: (account) => {
      sessions.set('s1', account);
      return { sessionid: 's1', cadata: 'c1' };
    },
    sessionAccount: (id, cadata) => (id && cadata === 'c1' ? sessions.get(id) : undefined),
    refused: () => undefined,
  });
  return { store, ask: (r: Request) => getResponse(handlers, r) };
}

const basic = (user: string, password: string): string => `Basic ${btoa(`${user}:${password}`)}`;
const searchBody = serializeCalendarSearch({
  properties: ['urn:schemas:calendar:busystatus', 'urn:schemas:calendar:dtstart', 'urn:schemas:calendar:dtend', 'urn:schemas:foo:bar'],
  scope: '',
  traversal: 'shallow',
  excludeRecurringMasters: true,
  window: { start: '2009-05-01T00:00:00Z', end: '2009-05-09T00:00:00Z' },
});

describe('OWA handlers', () => {
  it('SEARCH returns the seeded appointments in the window as 207 Multi-Status, unknown properties in a 404 propstat', async () => {
    const { ask } = owa('2007 SP1');
    const r = await ask(new Request('https://mail.uc.lab/exchange/alice/Calendar/', { method: 'SEARCH', headers: { Authorization: basic('UC\\cupsvc', 'svc') }, body: searchBody }));
    expect(r?.status).toBe(207);
    const ms = parseMultiStatus((await r?.text()) ?? '');
    if (!ms.ok) throw ms.error;
    expect(ms.value.responses).toHaveLength(6);
    const first = ms.value.responses[0];
    if (!first) throw new Error('no response');
    expect(propValue(first, { namespace: 'urn:schemas:calendar:', name: 'busystatus' })).toMatch(/^(FREE|TENTATIVE|BUSY|OOF)$/);
    expect(first.propstats.map((p) => p.status)).toEqual([200, 404]);
  });

  it('the same seed gives the same population; another seed another', () => {
    const a = new MailboxStore([{ userId: 'a', email: 'a@x', displayName: 'A' }], 1, EPOCH).byUserId('a')?.calendar;
    const b = new MailboxStore([{ userId: 'a', email: 'a@x', displayName: 'A' }], 1, EPOCH).byUserId('a')?.calendar;
    const c = new MailboxStore([{ userId: 'a', email: 'a@x', displayName: 'A' }], 2, EPOCH).byUserId('a')?.calendar;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
    // Nothing is scheduled on the lab's first day: "now" is free until a scenario says otherwise.
    expect(a?.every((x) => x.start >= EPOCH + 15 * 3600_000)).toBe(true);
  });

  it("a mailbox is found by its store name (pat_x007E_lee), not by the raw address's left-hand side", async () => {
    const { ask } = owa('2003 SP2');
    const auth = { Authorization: basic('cupsvc', 'svc') };
    expect((await ask(new Request('https://mail.uc.lab/exchange/pat_x007E_lee/Calendar/', { method: 'SEARCH', headers: auth, body: searchBody })))?.status).toBe(207);
    expect((await ask(new Request('https://mail.uc.lab/exchange/pat~lee/Calendar/', { method: 'SEARCH', headers: auth, body: searchBody })))?.status).toBe(404);
  });

  it('a wrong password gets 401 with three challenges; an owner may not open another mailbox (403)', async () => {
    const { ask } = owa('2003 SP2');
    const bad = await ask(new Request('https://mail.uc.lab/exchange/alice/Calendar/', { method: 'SEARCH', headers: { Authorization: basic('alice', 'nope') }, body: searchBody }));
    expect(bad?.status).toBe(401);
    expect(bad?.headers.get('www-authenticate')).toBe('Negotiate, NTLM, Basic realm="mail.uc.lab"');
    expect(await bad?.text()).toContain('You are not authorized to view this page');
    const other = await ask(new Request('https://mail.uc.lab/exchange/pat_x007E_lee/Calendar/', { method: 'SEARCH', headers: { Authorization: basic('alice', 'pw') }, body: searchBody }));
    expect(other?.status).toBe(403);
  });

  it('a body that is not the SEARCH SQL dialect is 400', async () => {
    const { ask } = owa('2007 SP1');
    const r = await ask(new Request('https://mail.uc.lab/exchange/alice/Calendar/', { method: 'SEARCH', headers: { Authorization: basic('alice', 'pw') }, body: '<a:searchrequest xmlns:a="DAV:"><a:sql>SELECT * FROM x</a:sql></a:searchrequest>' }));
    expect(r?.status).toBe(400);
  });

  describe.each([
    ['2003 SP2', '/exchweb/bin/auth/owaauth.dll', '/exchweb/bin/auth/owalogon.asp'],
    ['2007 SP1', '/owa/auth/owaauth.dll', '/owa/auth/logon.aspx'],
  ] as const)('forms-based authentication on Exchange %s', (release, login, logon) => {
    it('GET is sent to the logon page, WebDAV gets 440, a sign-in sets sessionid and cadata, then SEARCH works', async () => {
      const { ask } = owa(release, true);
      const get = await ask(new Request('https://mail.uc.lab/exchange/alice/'));
      expect(get?.status).toBe(302);
      expect(get?.headers.get('location')).toContain(`${logon}?url=`);
      const dav = await ask(new Request('https://mail.uc.lab/exchange/alice/Calendar/', { method: 'SEARCH', body: searchBody }));
      expect(dav?.status).toBe(440);
      expect(dav?.statusText).toBe('Login Timeout');
      const form = serializeOwaAuthForm({ destination: 'https://mail.uc.lab/exchange/alice/', username: 'alice', password: 'pw', flags: 4, trusted: 4 });
      const signIn = await ask(new Request(`https://mail.uc.lab${login}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form }));
      expect(signIn?.status).toBe(302);
      expect(signIn?.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['sessionid', 'cadata']);
      const again = await ask(new Request('https://mail.uc.lab/exchange/alice/Calendar/', { method: 'SEARCH', headers: { Cookie: 'sessionid=s1; cadata=c1' }, body: searchBody }));
      expect(again?.status).toBe(207);
    });

    it('forms-based authentication over plain HTTP is 403 (SSL required)', async () => {
      const { ask } = owa(release, true);
      expect((await ask(new Request('http://mail.uc.lab/exchange/alice/Calendar/', { method: 'SEARCH', body: searchBody })))?.status).toBe(403);
    });
  });

  it('the free/busy page answers an Internet Explorer client with fbdata digits, and others with HTML', async () => {
    const { ask, store } = owa('2007 SP1');
    store.addAppointment('alice', { subject: 'x', location: '', start: EPOCH, end: EPOCH + 3600_000, busyStatus: 'OOF', instanceType: 0, allDay: false });
    const url = 'https://mail.uc.lab/public/?Cmd=freebusy&start=2009-05-01T09:00:00Z&end=2009-05-01T11:00:00Z&interval=30&u=SMTP:alice@uc.lab';
    const ie = await ask(new Request(url, { headers: { Authorization: basic('alice', 'pw'), 'User-Agent': 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1)' } }));
    const fb = parseFreeBusy((await ie?.text()) ?? '');
    if (!fb.ok) throw fb.error;
    expect(fb.value.recipients.find((r) => r.email === 'alice@uc.lab')?.fbdata).toBe('3300');
    const other = await ask(new Request(url, { headers: { Authorization: basic('alice', 'pw'), 'User-Agent': 'curl/8' } }));
    expect(other?.headers.get('content-type')).toBe('text/html');
  });
});
