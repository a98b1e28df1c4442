import { z } from 'zod';
import { LabError } from '../../kernel/errors';
import { PRESENCE_STATES } from '../../protocols/presence/ms-category-publish';
import { configOperations, defineNodeKind } from '../surface';
import { netbiosDomain } from '../shared/ad-domain';
import { normalizeAor, OcsFrontEnd } from './ocs-front-end';
import { PoolStore } from './pool-store';
import type { OcsPoolConfig } from './ocs-front-end';

const op = configOperations<OcsFrontEnd>();
const pool = z.string().optional().describe('OCS pool name; every pool when absent');

/** The pools an OCS operation applies to: the named one, or all. */
function pools(nodes: readonly OcsFrontEnd[], name: string | undefined): OcsFrontEnd[] {
  const chosen = nodes.filter((fe) => name === undefined || fe.poolName === name);
  if (chosen.length === 0) throw new LabError('UC_CONFIG', `no OCS pool named ${name ?? '?'}; pools: ${nodes.map((fe) => fe.poolName).join(', ')}`);
  return chosen;
}

const lower = (uri: string): string => uri.toLowerCase();

const frontEndHost = z.string().min(1).describe('the front end server, by lab host');

function frontEnd(nodes: readonly OcsFrontEnd[], host: string): OcsFrontEnd {
  const fe = nodes.find((n) => n.hostName === host);
  if (!fe) throw new LabError('UC_CONFIG', `no OCS front end on host ${host}; front ends: ${nodes.map((n) => n.hostName).join(', ')}`);
  return fe;
}

/** An OCS 2007 (R2) Enterprise pool's front end (seed 004 A1–A4): registrar and proxy. */
export const ocsKind = defineNodeKind<OcsPoolConfig, OcsFrontEnd>({
  kind: 'ocs',
  title: 'Office Communications Server pool front end',
  dependsOn: ['cup'],
  ports: () => 'udp+tcp/5060 SIP, tcp/5061 SIP over TLS (OCS front end: registrar, proxy)',
  instances: (lab, ctx) =>
    lab.ocs.pools.flatMap((p) => {
      const users = lab.ocs.users
        .filter((u) => u.pool === p.name)
        .map((u) => ({ userId: u.id, sipUri: u.sipUri, displayName: u.displayName, password: u.password, rcc: { enabled: u.rcc.enabled, serverUri: u.rcc.serverUri, lineUri: u.rcc.lineUri } }));
      // One back end per pool, shared by its front ends (docs/protocols/load-balancing.md §2).
      const store = new PoolStore(users, normalizeAor);
      // A pool of one front end is that host under the pool's FQDN; several are listed, each under its own FQDN.
      const frontEnds = p.frontEndHosts.length > 0 ? p.frontEndHosts.map((h) => ({ host: h, fqdn: ctx.fqdnOf(h) })) : [{ host: p.host, fqdn: p.fqdn }];
      return frontEnds.map((fe) => ({
        host: fe.host,
        config: {
          release: lab.versions.ocs,
          poolName: p.name,
          fqdn: p.fqdn,
          frontEndFqdn: fe.fqdn,
          store,
          domain: lab.domain,
          netbiosDomain: netbiosDomain(lab.domain),
          users,
          staticRoutes: p.staticRoutes.map((r) => ({ matchUri: r.matchUri, nextHop: r.nextHop, port: r.port, transport: r.transport })),
          hostAuthorizations: p.hostAuthorizations.map((h) => ({ fqdn: h.fqdn, treatAsAuthenticated: h.treatAsAuthenticated, outboundOnly: h.outboundOnly })),
          // The pool's certificate from the lab's certificate server; servers it calls must present one from it too.
          tls: { port: 5061, server: ctx.pki.server(p.fqdn, 'lab-ca'), client: ctx.pki.client(() => true) },
          ...(p.loadBalancer ? { balancerAddress: ctx.addressOf(p.host) } : {}),
        },
      }));
    }),
  start: (env, config) => OcsFrontEnd.start(env, config),
  surface: {
    actions: {},
    selectors: {
      user: { spec: { kind: 'actor', property: ['sipUri'], literal: { pattern: /^sip:\S+@\S+$/, name: 'SIP URI' }, description: 'the user the other keys look at (an actor, or a SIP URI)' } },
    },
    observations: {
      registrations: {
        summary: "how many endpoints of the user are registered at this front end (every user's when none is named)",
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (fe, s) => fe.observe().registrations.filter((aor) => s.user === undefined || aor === lower(String(s.user))).length,
      },
      presence: {
        summary: "the state category the user last published to the pool ([MS-PRES]); offline when none",
        value: { kind: 'enum', values: PRESENCE_STATES, description: 'a Communicator status' },
        read: (fe, s) => fe.observe().presence[lower(String(s.user ?? ''))] ?? 'offline',
      },
      conferenceAudio: {
        summary: "how many users are connected to the audio of the pool's focus conferences",
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (fe) => fe.observe().conferenceAudio,
      },
    },
    describe: (fe) => {
      const o = fe.observe();
      return `{ registrations=[${o.registrations.join(', ')}] presence=${JSON.stringify(o.presence)} staticRoutes=[${o.staticRoutes.join(', ')}] }`;
    },
  },
  configure: {
    'activeDirectory.setRemoteCallControl': op({
      summary:
        "Active Directory Users and Computers > Communications: the user's remote call control settings (A3), which the user's pool serves in-band and Communicator receives at its next sign-in",
      args: z.strictObject({
        userId: z.string().min(1),
        enabled: z.boolean().optional(),
        serverUri: z.string().regex(/^sip:\S+$/).optional(),
        lineUri: z.string().regex(/^tel:\+?[0-9]+(;\S*)?$/).optional(),
      }),
      run: (nodes, { userId, ...a }) => {
        const homes = nodes.filter((fe) => fe.activeDirectory.homes(userId));
        if (homes.length === 0) throw new LabError('UC_CONFIG', `no OCS pool homes a user ${userId}`);
        for (const fe of homes) {
          fe.activeDirectory.setRemoteCallControl(userId, {
            ...(a.enabled !== undefined ? { enabled: a.enabled } : {}),
            ...(a.serverUri !== undefined ? { serverUri: a.serverUri } : {}),
            ...(a.lineUri !== undefined ? { lineUri: a.lineUri } : {}),
          });
        }
      },
    }),
    'activeDirectory.setPassword': op({
      summary:
        "Active Directory Users and Computers > Reset Password (A3: \"Select a Password for user login\"): the account's new password, which the pool checks in the NTLM sign-in from then on",
      args: z.strictObject({ userId: z.string().min(1), password: z.string().min(1) }),
      run: (nodes, { userId, password }) => {
        const homes = nodes.filter((fe) => fe.activeDirectory.homes(userId));
        if (homes.length === 0) throw new LabError('UC_CONFIG', `no OCS pool homes a user ${userId}`);
        for (const fe of homes) fe.activeDirectory.setPassword(userId, password);
      },
    }),
    'pool.removeStaticRoute': op({
      summary: 'Front End properties > Routing: remove the static route for a domain',
      args: z.strictObject({ pool, matchUri: z.string().min(1) }),
      run: (nodes, a) => pools(nodes, a.pool).forEach((fe) => fe.pool.removeStaticRoute(a.matchUri)),
    }),
    'pool.addStaticRoute': op({
      summary: 'Front End properties > Routing: add a static route (TCP, or TLS: then normally port 5061)',
      args: z.strictObject({ pool, matchUri: z.string().min(1), nextHop: z.string().min(1), port: z.number().int().default(5060), transport: z.enum(['TCP', 'TLS']).default('TCP') }),
      run: (nodes, a) => pools(nodes, a.pool).forEach((fe) => fe.pool.addStaticRoute({ matchUri: a.matchUri, nextHop: a.nextHop, port: a.port, transport: a.transport })),
    }),
    'pool.addHostAuthorization': op({
      summary: 'Front End properties > Host Authorization: add a host (by default treated as authenticated, inbound and outbound)',
      args: z.strictObject({ pool, fqdn: z.string().min(1), treatAsAuthenticated: z.boolean().default(true), outboundOnly: z.boolean().default(false) }),
      run: (nodes, a) =>
        Promise.all(pools(nodes, a.pool).map((fe) => fe.pool.addHostAuthorization({ fqdn: a.fqdn, treatAsAuthenticated: a.treatAsAuthenticated, outboundOnly: a.outboundOnly }))),
    }),
    'frontEnd.stop': op({
      summary:
        'Services > Office Communications Server Front-End > Stop, on one front end server: its connections close and its endpoints sign in again through the pool (docs/protocols/load-balancing.md §1)',
      args: z.strictObject({ host: frontEndHost }),
      run: (nodes, { host }) => frontEnd(nodes, host).stopFrontEnd(),
    }),
    'frontEnd.start': op({
      summary: 'Services > Office Communications Server Front-End > Start, on a stopped front end server: it listens again and serves the pool',
      args: z.strictObject({ host: frontEndHost }),
      run: (nodes, { host }) => frontEnd(nodes, host).startFrontEnd(),
    }),
    'pool.removeHostAuthorization': op({
      summary: 'Front End properties > Host Authorization: remove a host',
      args: z.strictObject({ pool, fqdn: z.string().min(1) }),
      run: (nodes, a) => Promise.all(pools(nodes, a.pool).map((fe) => fe.pool.removeHostAuthorization(a.fqdn))),
    }),
  },
});
