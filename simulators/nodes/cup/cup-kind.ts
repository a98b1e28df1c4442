import { z } from 'zod';
import { configOperations, defineNodeKind } from '../surface';
import type { CupDefect } from './cup-releases';
import { CALENDAR_STATES, GATEWAY_STATUSES } from './calendar-gateway';
import { CUP_PRESENCE_STATES } from '../../protocols/presence';
import { Cup } from './cup';
import type { CupConfig } from './cup';

const op = configOperations<Cup>();

/** The calendaring note's troubleshooting tip, by its mechanism (simulators/nodes/cup/cup-releases.ts). */
const CALENDAR_EMAIL_DEFECT: CupDefect = 'LAB-CUP-CALENDAR-EMAIL';

const PROVIDER_STATES = ['closed', 'opening', 'open', 'failed'] as const;

/** Cisco Unified Presence (seed 004 C1–C7) as the uaCSTA gateway of remote call control. */
export const cupKind = defineNodeKind<CupConfig, Cup>({
  kind: 'cup',
  title: 'Cisco Unified Presence',
  dependsOn: ['cucm', 'exchange'],
  ports: () => 'udp+tcp/5060 SIP, tcp/5061 SIP over TLS (uaCSTA gateway, SIMPLE presence)',
  instances: (lab, ctx) => {
    // CUCM's end users by user id (the first of an id), for CUP's copy of them below.
    const endUsers = new Map<string, (typeof lab.cucm.endUsers)[number]>();
    for (const e of lab.cucm.endUsers) if (!endUsers.has(e.userId)) endUsers.set(e.userId, e);
    return [
      {
        host: lab.cup.host,
        config: {
          release: lab.versions.cup,
          e164RccPatch: lab.versions.cupE164RccPatch,
          fqdn: ctx.fqdnOf(lab.cup.host),
          acl: { incoming: [...lab.cup.acl.incoming], destination: [...lab.cup.acl.destination] },
          ocsDomain: lab.domain,
          deskphoneControl: { ...lab.cup.deskphoneControl, ctiManagers: lab.cup.deskphoneControl.ctiManagers.map((h) => ctx.fqdnOf(h)) },
          // CUP's copy of CUCM's end users (the sync agent's): primary extension and e-mail address.
          users: lab.cup.users.map((u) => {
            const person = endUsers.get(u.userId);
            return {
              userId: u.userId,
              deskphoneControl: u.deskphoneControl,
              calendar: u.calendar,
              licensed: person?.licenseCapabilities.includes('CUP') ?? false,
              ...(person?.primaryExtension !== undefined ? { dn: person.primaryExtension } : {}),
              ...(person?.email !== undefined ? { email: person.email } : {}),
            };
          }),
          presenceSettings: { ...lab.cup.presenceSettings },
          publisher: ctx.fqdnOf(lab.cup.publisher),
          ...(lab.cup.presenceGateway?.type === 'exchange'
            ? {
                calendarGateway: {
                  server: lab.cup.presenceGateway.server,
                  owaUrl: lab.cup.presenceGateway.owaUrl,
                  account: lab.cup.presenceGateway.account,
                  password: lab.cup.presenceGateway.password,
                  pollIntervalS: lab.cup.presenceGateway.pollIntervalS,
                  certificateTrusted: lab.cup.presenceGateway.certificateTrusted,
                },
              }
            : {}),
          rawMailboxUrls: ctx.defects.has(CALENDAR_EMAIL_DEFECT),
          tlsClient: (trusts: () => boolean) => ctx.pki.client(trusts),
          httpPorts: { ...ctx.httpPorts },
          sipTls: { port: 5061, server: ctx.pki.server(ctx.fqdnOf(lab.cup.host), 'lab-ca'), client: ctx.pki.client(() => true) },
          applicationDialRules: lab.cucm.dialRules.application.map((r) => ({
            name: r.name,
            numberBeginsWith: r.numberBeginsWith,
            numberOfDigits: r.numberOfDigits,
            digitsToRemove: r.digitsToRemove,
            prefix: r.prefix,
          })),
        },
      },
    ];
  },
  start: (env, config) => Cup.start(env, config),
  surface: {
    actions: {},
    selectors: {
      user: { spec: { kind: 'actor', property: ['userId'], literal: { pattern: /^[A-Za-z0-9._-]+$/, name: 'user id' }, description: 'the end user the other keys look at (an actor, or a user id)' } },
    },
    observations: {
      rccSession: {
        summary: "the user's remote-call-control session with CUP (none, or active)",
        value: { kind: 'enum', values: ['none', 'active'], description: 'session state' },
        read: (cup, s) => (cup.observe().sessions.some((x) => x.userId === s.user && x.state === 'active') ? 'active' : 'none'),
      },
      monitored: {
        summary: "CUP holds a CTI monitor on the user's line",
        value: { kind: 'boolean', description: 'monitored' },
        read: (cup, s) => cup.observe().sessions.some((x) => x.userId === s.user && x.monitored),
      },
      rccSessions: {
        summary: 'how many RCC sessions CUP holds',
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (cup) => cup.observe().sessions.length,
      },
      presence: {
        summary: "the user's presence as CUP composes it: phone, then calendar, then available",
        value: { kind: 'enum', values: CUP_PRESENCE_STATES, description: 'a CUP presence state' },
        read: (cup, s) => cup.presenceOf(String(s.user)).presence,
      },
      phonePresence: {
        summary: "the phone state CUCM last published for the user's line (none: nothing published)",
        value: { kind: 'enum', values: ['none', ...CUP_PRESENCE_STATES], description: 'a phone state' },
        read: (cup, s) => cup.presenceOf(String(s.user)).phone,
      },
      clientPresence: {
        summary: "the user's own client state as their OCS pool tells CUP (unknown: no subscription, or no NOTIFY yet)",
        value: { kind: 'enum', values: ['unknown', ...CUP_PRESENCE_STATES], description: 'a client state' },
        read: (cup, s) => cup.presenceOf(String(s.user)).client,
      },
      calendar: {
        summary: "what the Presence Gateway read from the user's Exchange calendar (unknown: not read, or the read failed)",
        value: { kind: 'enum', values: CALENDAR_STATES, description: 'a calendar state' },
        read: (cup, s) => cup.presenceOf(String(s.user)).calendar,
      },
      calendarError: {
        summary: "why the gateway could not read the user's calendar, as its log says (empty when it could)",
        value: { kind: 'text', description: 'part of the log line' },
        match: 'contains',
        read: (cup, s) => cup.presenceOf(String(s.user)).calendarError ?? '',
      },
      presenceGateway: {
        summary: "the Exchange Presence Gateway's status",
        value: { kind: 'enum', values: GATEWAY_STATUSES, description: 'a gateway status' },
        read: (cup) => cup.presenceGatewayStatus,
      },
      watchers: {
        summary: "how many presence subscriptions CUP holds to the user",
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (cup, s) => cup.presenceOf(String(s.user)).watchers,
      },
      ctiProvider: {
        summary: "state of CUP's CTI provider toward CTIManager",
        value: { kind: 'enum', values: PROVIDER_STATES, description: 'provider state' },
        read: (cup) => cup.observe().provider,
      },
    },
    describe: (cup) => {
      const o = cup.observe();
      const watched = cup.watchedUsers().map((u) => {
        const p = cup.presenceOf(u);
        return `${u}:${p.presence} (phone ${p.phone}, calendar ${p.calendar}${p.calendarError ? `: ${p.calendarError}` : ''})`;
      });
      return `{ ctiProvider=${o.provider}${o.providerError ? ` (${o.providerError})` : ''} sessions=[${o.sessions.map((s) => `${s.userId}:${s.state}${s.monitored ? '+monitor' : ''}`).join(', ')}] presenceGateway=${cup.presenceGatewayStatus} watched=[${watched.join(', ')}] }`;
    },
  },
  configure: {
    'acl.addIncoming': op({
      summary: 'Incoming ACL: allow a host to send SIP to CUP',
      args: z.strictObject({ host: z.string().min(1) }),
      run: ([cup], a) => cup?.admin.acl.addIncoming(a.host),
    }),
    'acl.removeIncoming': op({
      summary: 'Incoming ACL: remove a host',
      args: z.strictObject({ host: z.string().min(1) }),
      run: ([cup], a) => cup?.admin.acl.removeIncoming(a.host),
    }),
    'acl.addDestination': op({
      summary: 'Destination ACL: a host CUP may send its own SIP requests to (an OCS front end)',
      args: z.strictObject({ host: z.string().min(1) }),
      run: ([cup], a) => cup?.admin.acl.addDestination(a.host),
    }),
    'acl.removeDestination': op({
      summary: 'Destination ACL: remove a host',
      args: z.strictObject({ host: z.string().min(1) }),
      run: ([cup], a) => cup?.admin.acl.removeDestination(a.host),
    }),
    'deskphoneControl.set': op({
      summary: 'Deskphone Control Settings: application user name and password CUP uses toward CTIManager',
      args: z.strictObject({ applicationUser: z.string().min(1).optional(), password: z.string().min(1).optional() }),
      run: ([cup], a) =>
        cup?.admin.deskphoneControl.set({
          ...(a.applicationUser !== undefined ? { applicationUser: a.applicationUser } : {}),
          ...(a.password !== undefined ? { password: a.password } : {}),
        }),
    }),
    'serviceability.restart': op({
      summary: 'Serviceability > Control Center: restart the SIP proxy and CTI Gateway (RCC sessions, SIP and CTI connections are lost; the provider opens again)',
      args: z.strictObject({}),
      run: ([cup]) => cup?.admin.serviceability.restart(),
    }),
    'syncAgent.sync': op({
      summary: "Sync Agent: read CUCM's end users now (Mail ID, primary extension, licence capabilities)",
      args: z.strictObject({}),
      run: ([cup]) => cup?.admin.syncAgent.sync(),
    }),
    'publisher.set': op({
      summary: 'Cisco Unified Communications Manager Publisher Information (C2): the CUCM whose phone presence CUP accepts',
      args: z.strictObject({ fqdn: z.string().min(1) }),
      run: ([cup], a) => cup?.admin.publisher.set(a.fqdn),
    }),
    'users.setCalendar': op({
      summary: 'User Options > Preferences: calendar states drive the user\'s presence, or not (seed 000)',
      args: z.strictObject({ userId: z.string().min(1), enabled: z.boolean() }),
      run: ([cup], a) => cup?.admin.users.setCalendar(a.userId, a.enabled),
    }),
    'users.remove': op({
      summary: 'End user deleted in CUCM and removed by the sync agent: subscriptions to the user end',
      args: z.strictObject({ userId: z.string().min(1) }),
      run: ([cup], a) => cup?.admin.users.remove(a.userId),
    }),
    'presenceSettings.set': op({
      summary: 'Presence > Settings (C7): availability sharing, maximum watchers, longest subscription',
      args: z.strictObject({ availabilitySharing: z.boolean().optional(), maxWatchers: z.number().int().min(1).optional(), maxSubscriptionExpiresS: z.number().int().min(60).optional() }),
      run: ([cup], a) =>
        cup?.admin.presenceSettings.set({
          ...(a.availabilitySharing !== undefined ? { availabilitySharing: a.availabilitySharing } : {}),
          ...(a.maxWatchers !== undefined ? { maxWatchers: a.maxWatchers } : {}),
          ...(a.maxSubscriptionExpiresS !== undefined ? { maxSubscriptionExpiresS: a.maxSubscriptionExpiresS } : {}),
        }),
    }),
    'presenceGateway.set': op({
      summary: 'Presence > Gateways: the Outlook gateway to Exchange (server, OWA URL, account, password, certificate in the trust store)',
      args: z.strictObject({
        server: z.string().min(1).optional(),
        owaUrl: z.string().url().optional(),
        account: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        certificateTrusted: z.boolean().optional(),
        pollIntervalS: z.number().int().min(5).max(3600).optional(),
      }),
      run: ([cup], a) =>
        cup?.admin.presenceGateway.set(Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined))),
    }),
    'presenceGateway.remove': op({
      summary: 'Presence > Gateways: delete the Exchange gateway',
      args: z.strictObject({}),
      run: ([cup]) => cup?.admin.presenceGateway.remove(),
    }),
    'users.assignDeskphoneControl': op({
      summary: 'Deskphone Control User Assignment: enable or disable RCC for an end user',
      args: z.strictObject({ userId: z.string().min(1), enabled: z.boolean() }),
      run: ([cup], a) => cup?.admin.users.assignDeskphoneControl(a.userId, a.enabled),
    }),
  },
});
