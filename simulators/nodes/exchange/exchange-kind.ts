import { z } from 'zod';
import { configOperations, defineNodeKind } from '../surface';
import { Exchange } from './exchange';
import type { ExchangeConfig } from './exchange';
import { BUSY_STATUS_VALUES } from './mailbox-store';
import type { BusyStatusValue } from './mailbox-store';

const op = configOperations<Exchange>();
const isBusyStatus = (v: unknown): v is BusyStatusValue => typeof v === 'string' && (BUSY_STATUS_VALUES as readonly string[]).includes(v);
const mailboxSelector = { kind: 'actor', property: ['userId'], literal: { pattern: /^[A-Za-z0-9._-]+$/, name: 'user id' }, description: 'whose mailbox (an actor, or a user id)' } as const;

/** Microsoft Exchange 2003 SP2 / 2007 SP1 (seed 000): mailboxes, calendars, and OWA's WebDAV surface. */
export const exchangeKind = defineNodeKind<ExchangeConfig, Exchange>({
  kind: 'exchange',
  title: 'Microsoft Exchange Server',
  dependsOn: ['dns'],
  ports: (c) => (c.tls ? `tcp/${c.ports.http} HTTP, tcp/${c.ports.https} HTTPS (Outlook Web Access, WebDAV)` : `tcp/${c.ports.http} HTTP (Outlook Web Access, WebDAV)`),
  instances: (lab, ctx) => {
    const ex = lab.exchange;
    const release = lab.versions.exchange;
    if (!ex || !release) return [];
    const people = new Map(lab.cucm.endUsers.map((u) => [u.userId, u]));
    return [
      {
        host: ex.host,
        config: {
          release,
          fqdn: ex.fqdn,
          owaUrl: ex.owaUrl,
          formsBasedAuth: ex.formsBasedAuth,
          calendarSeed: ex.calendarSeed,
          ports: { ...ctx.httpPorts },
          serviceAccounts: ex.serviceAccounts.map((a) => ({ user: a.user, password: a.password })),
          mailboxes: ex.mailboxes.map((m) => {
            const person = people.get(m.userId);
            const name = m.displayName ?? [person?.firstName, person?.lastName].filter((x) => x !== undefined).join(' ');
            return { userId: m.userId, email: m.email, displayName: name || m.userId, ...(m.password !== undefined ? { password: m.password } : {}) };
          }),
          ...(ex.certificate !== 'none' ? { tls: ctx.pki.server(ex.fqdn, ex.certificate) } : {}),
        },
      },
    ];
  },
  start: (env, config) => Exchange.start(env, config),
  surface: {
    actions: {
      addAppointment: {
        summary: "Outlook: a new appointment in a user's calendar, starting now unless `startsIn` minutes are given",
        arg: {
          kind: 'fields',
          description: 'the appointment',
          fields: {
            mailbox: mailboxSelector,
            busyStatus: { kind: 'enum', values: BUSY_STATUS_VALUES, description: 'Show time as: FREE, TENTATIVE, BUSY or OOF' },
            minutes: { kind: 'integer', min: 1, max: 1440, description: 'how long it lasts' },
            startsIn: { kind: 'integer', min: 0, max: 1440, description: 'minutes from now', optional: true },
          },
        },
        run: async (ex, arg) => {
          const a = typeof arg === 'object' ? arg : {};
          if (!isBusyStatus(a.busyStatus)) throw new RangeError(`not a busy status: ${String(a.busyStatus)}`);
          ex.outlook.addAppointment(String(a.mailbox), {
            busyStatus: a.busyStatus,
            minutes: Number(a.minutes),
            ...(a.startsIn !== undefined ? { startsInMinutes: Number(a.startsIn) } : {}),
          });
        },
      },
      setBusyStatus: {
        summary: 'Outlook: "Show time as" of the appointments in progress changes',
        arg: { kind: 'fields', description: 'whose and to what', fields: { mailbox: mailboxSelector, busyStatus: { kind: 'enum', values: BUSY_STATUS_VALUES, description: 'FREE, TENTATIVE, BUSY or OOF' } } },
        run: async (ex, arg) => {
          const a = typeof arg === 'object' ? arg : {};
          if (!isBusyStatus(a.busyStatus)) throw new RangeError(`not a busy status: ${String(a.busyStatus)}`);
          if (ex.outlook.setBusyStatus(String(a.mailbox), a.busyStatus) === 0) throw new RangeError(`${String(a.mailbox)} has no appointment in progress`);
        },
      },
      cancelAppointment: {
        summary: 'Outlook: the appointments in progress are deleted',
        arg: mailboxSelector,
        run: async (ex, arg) => ex.outlook.cancelCurrent(String(arg)),
      },
    },
    selectors: { mailbox: { spec: mailboxSelector } },
    observations: {
      busyStatus: {
        summary: "the strongest busy status in the mailbox's calendar now (FREE when nothing is scheduled)",
        value: { kind: 'enum', values: BUSY_STATUS_VALUES, description: 'a busy status' },
        read: (ex, s) => ex.busyStatusNow(String(s.mailbox ?? '')),
      },
      refusal: {
        summary: 'a request OWA or IIS refused since the last match, as "<status> <method>" (e.g. 401 SEARCH)',
        value: { kind: 'text', description: '"<status> <method>"' },
        match: 'seen',
        anyWord: 'any',
        read: (ex) => ex.observe().refusals.map((r) => `${r.status} ${r.method}`),
      },
    },
    describe: (ex) => {
      const o = ex.observe();
      return `{ requests=${o.requests} refusals=[${o.refusals.slice(-3).map((r) => `${r.status} ${r.method} ${r.path}: ${r.why}`).join(', ')}] }`;
    },
  },
  configure: {
    'authentication.setFormsBased': op({
      summary: 'Exchange System Manager / EMC: forms-based authentication on the OWA virtual directories on or off',
      args: z.strictObject({ enabled: z.boolean() }),
      run: (nodes, a) => nodes.forEach((ex) => ex.admin.setFormsBased(a.enabled)),
    }),
    'webSite.setRunning': op({
      summary: 'IIS Manager: the web site hosting OWA stopped (connections end, new ones are refused) or started',
      args: z.strictObject({ running: z.boolean() }),
      run: (nodes, a) => Promise.all(nodes.map((ex) => ex.admin.setWebSiteRunning(a.running))),
    }),
    'accounts.setPassword': op({
      summary: "Active Directory Users and Computers: an account's password changes",
      args: z.strictObject({ user: z.string().min(1), password: z.string().min(1) }),
      run: (nodes, a) => nodes.forEach((ex) => ex.admin.setPassword(a.user, a.password)),
    }),
  },
});
