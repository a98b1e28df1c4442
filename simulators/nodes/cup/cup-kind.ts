import { z } from 'zod';
import { configOperations, defineNodeKind } from '../surface';
import { Cup } from './cup';
import type { CupConfig } from './cup';

const op = configOperations<Cup>();
const PROVIDER_STATES = ['closed', 'opening', 'open', 'failed'] as const;

/** Cisco Unified Presence (seed 004 C1–C7) as the uaCSTA gateway of remote call control. */
export const cupKind = defineNodeKind<CupConfig, Cup>({
  kind: 'cup',
  title: 'Cisco Unified Presence',
  dependsOn: ['cucm'],
  ports: () => 'udp+tcp/5060 SIP (uaCSTA gateway)',
  instances: (lab, ctx) => [
    {
      host: lab.cup.host,
      config: {
        release: lab.versions.cup,
        e164RccPatch: lab.versions.cupE164RccPatch,
        fqdn: ctx.fqdnOf(lab.cup.host),
        acl: { incoming: [...lab.cup.acl.incoming] },
        deskphoneControl: { ...lab.cup.deskphoneControl, ctiManagers: lab.cup.deskphoneControl.ctiManagers.map((h) => ctx.fqdnOf(h)) },
        users: lab.cup.users.map((u) => ({ userId: u.userId, deskphoneControl: u.deskphoneControl })),
        applicationDialRules: lab.cucm.dialRules.application.map((r) => ({
          name: r.name,
          numberBeginsWith: r.numberBeginsWith,
          numberOfDigits: r.numberOfDigits,
          digitsToRemove: r.digitsToRemove,
          prefix: r.prefix,
        })),
      },
    },
  ],
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
      ctiProvider: {
        summary: "state of CUP's CTI provider toward CTIManager",
        value: { kind: 'enum', values: PROVIDER_STATES, description: 'provider state' },
        read: (cup) => cup.observe().provider,
      },
    },
    describe: (cup) => {
      const o = cup.observe();
      return `{ ctiProvider=${o.provider}${o.providerError ? ` (${o.providerError})` : ''} sessions=[${o.sessions.map((s) => `${s.userId}:${s.state}${s.monitored ? '+monitor' : ''}`).join(', ')}] }`;
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
    'deskphoneControl.set': op({
      summary: 'Deskphone Control Settings: application user name and password CUP uses toward CTIManager',
      args: z.strictObject({ applicationUser: z.string().min(1).optional(), password: z.string().min(1).optional() }),
      run: ([cup], a) =>
        cup?.admin.deskphoneControl.set({
          ...(a.applicationUser !== undefined ? { applicationUser: a.applicationUser } : {}),
          ...(a.password !== undefined ? { password: a.password } : {}),
        }),
    }),
    'users.assignDeskphoneControl': op({
      summary: 'Deskphone Control User Assignment: enable or disable RCC for an end user',
      args: z.strictObject({ userId: z.string().min(1), enabled: z.boolean() }),
      run: ([cup], a) => cup?.admin.users.assignDeskphoneControl(a.userId, a.enabled),
    }),
  },
});
