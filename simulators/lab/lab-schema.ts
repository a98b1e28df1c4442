import { z } from 'zod';
import { ENDPOINTS } from '../nodes/phone/phone';
import { USER_GROUPS } from '../nodes/cucm/cucm-config';
import { CUCM_RELEASES } from '../nodes/cucm/cucm-releases';
import { CUP_RELEASES } from '../nodes/cup/cup-releases';
import { EXCHANGE_RELEASES } from '../nodes/exchange/exchange-releases';
import { OC_RELEASES } from '../nodes/oc-client/oc-releases';
import { OCS_RELEASES } from '../nodes/ocs-pool/ocs-releases';

/**
 * A lab: the product configuration the seed documents walk through (seeds/004 "Configuration Sequence and Tasks"
 * A1–A4, B1–B11, C1–C7), so a misconfiguration scenario can change one item and observe the product's own symptom.
 *
 * The schema checks shape and that every reference names something that exists (a typo in a lab is a lab error).
 * It deliberately does NOT enforce product rules such as "the CUP deskphone-control password matches the CUCM
 * application user" — breaking those is what misconfiguration scenarios do, and the simulated products must show it.
 */

export const PHONE_MODELS = ['7975', '7971', '7931', '7970'] as const;
export const PHONE_PROTOCOLS = ['sccp', 'sip'] as const;

const hostName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a host name: lower-case letters, digits and "-"');
const fqdn = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*$/i, 'a fully qualified domain name');
const e164 = z.string().regex(/^\+[1-9][0-9]{1,14}$/, 'an E.164 number such as +14085551001');
/** A directory number: E.164 (as the seed uses throughout) or a plain internal extension. */
const directoryNumber = z.string().regex(/^\+?[0-9]{1,15}$/, 'a directory number (digits, optionally starting with +)');
const port = z.number().int().min(1).max(65535);

/**
 * Lab addresses come from ranges no real network uses: the documentation ranges of RFC 5737 (192.0.2.0/24
 * TEST-NET-1, 198.51.100.0/24, 203.0.113.0/24) for hand-written labs, and, for generated populations too large
 * for those, RFC 2544's benchmarking block 198.18.0.0/15 and RFC 6598's shared block 100.64.0.0/10. The socket
 * runtime maps every host to a loopback address.
 */
const TEST_NETS = ['192.0.2.', '198.51.100.', '203.0.113.'];
const inReservedBlock = (a: string): boolean => {
  const [o1, o2] = a.split('.').map(Number);
  return (o1 === 198 && (o2 === 18 || o2 === 19)) || (o1 === 100 && o2 !== undefined && o2 >= 64 && o2 <= 127);
};
const labAddress = z
  .ipv4()
  .refine(
    (a) => TEST_NETS.some((n) => a.startsWith(n)) || inReservedBlock(a),
    'an address of a range no real network uses: RFC 5737 (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), RFC 2544 (198.18.0.0/15) or RFC 6598 (100.64.0.0/10)',
  );

/** Releases are closed lists owned by the simulators (simulators/lab/releases.ts): anything else is a lab error. */
export const labVersionsSchema = z.strictObject({
  cucm: z.enum(CUCM_RELEASES).describe('Cisco Unified Communications Manager release, e.g. 7.0(2)'),
  cup: z.enum(CUP_RELEASES).describe('Cisco Unified Presence release, e.g. 7.0(3)'),
  cupE164RccPatch: z.boolean().describe('CUP carries the E.164 patch for RCC (seed 004, Software Requirements)'),
  ocs: z.enum(OCS_RELEASES).describe('Office Communications Server release'),
  oc: z.enum(OC_RELEASES).describe('Office Communicator release'),
  exchange: z.enum(EXCHANGE_RELEASES).optional().describe('Exchange release for calendaring'),
});

export const dnsSrvSchema = z.strictObject({
  name: z.string().regex(/^_[a-z0-9-]+\._(tcp|udp|tls)\.[a-z0-9.-]+$/i, 'an SRV owner name such as _sip._tcp.uc.lab'),
  target: fqdn,
  port,
  priority: z.number().int().min(0).max(65535).default(0),
  weight: z.number().int().min(0).max(65535).default(0),
});

export const dnsSchema = z.strictObject({
  /** The host that answers DNS queries. */
  server: hostName,
  /** A records: FQDN → host name (its address comes from `hosts`). */
  a: z.record(fqdn, hostName),
  /** Derive PTR records from the A records (seed 004: "PTR Records were added for CUP, CUCM and OCS Pools"). */
  ptr: z.boolean(),
  srv: z.array(dnsSrvSchema),
});

export const staticRouteSchema = z.strictObject({
  matchUri: fqdn.describe('the domain in the request URI that this route matches (the CUP FQDN)'),
  nextHop: fqdn,
  port,
  transport: z.enum(['TCP', 'TLS']),
});

export const hostAuthorizationSchema = z.strictObject({
  fqdn,
  outboundOnly: z.boolean().default(false),
  throttleAsServer: z.boolean(),
  treatAsAuthenticated: z.boolean(),
});

export const normalizationRuleSchema = z.strictObject({
  name: z.string().min(1),
  pattern: z.string().min(1).describe('a .NET-style regular expression over the dialed string'),
  translation: z.string().min(1).describe('the replacement, with $1..$9 back-references'),
});

export const ocsPoolSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  fqdn,
  /** The host the pool's FQDN points at: its one front end, or the load balancer's virtual IP. */
  host: hostName,
  /** Front End Servers in the pool; more than one requires a load balancer (seed 004, lines 16–18). */
  frontEnds: z.number().int().min(1).default(1),
  /** The front end servers' hosts, each with an FQDN of its own, when they are not the pool's `host` (several, or behind a balancer). */
  frontEndHosts: z.array(hostName).default([]),
  /** A load balancer (the seed's CSS 11501) on `host`, in front of `frontEndHosts` (docs/protocols/load-balancing.md §1). */
  loadBalancer: z.boolean().default(false),
  staticRoutes: z.array(staticRouteSchema).default([]),
  hostAuthorizations: z.array(hostAuthorizationSchema).default([]),
  normalizationRules: z.array(normalizationRuleSchema).default([]),
});

export const ocsUserSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9._-]*$/),
  displayName: z.string().min(1),
  sipUri: z.string().regex(/^sip:[^@\s]+@[^@\s]+$/, 'a SIP URI such as sip:alice@uc.lab'),
  pool: z.string(),
  /**
   * Active Directory "Telephone Number" (A3: "Usually matches the Line URI number"), in whatever form it was entered;
   * the Address Book Service normalizes it with the pool's normalization rules. Absent: the line URI's number.
   */
  telephoneNumber: z.string().regex(/^[0-9+()\-. ]+$/, 'a telephone number such as 1004 or +14085551004').optional(),
  /**
   * The AD account's password, which the pool checks in the NTLM sign-in ([MS-SIPAE]; docs/protocols/sign-in.md §2).
   * The account's logon name is the user's `id`, in the NetBIOS domain named by the lab's domain's first label.
   */
  password: z.string().min(1).default('Pass@word1'),
  rcc: z.strictObject({
    enabled: z.boolean(),
    serverUri: z.string().regex(/^sip:\S+$/, 'a SIP URI naming CUP, such as sip:cup.uc.lab'),
    lineUri: z.string().regex(/^tel:\+?[0-9]+(;\S*)?$/, 'a tel URI such as tel:+14085551001'),
  }),
  client: z.strictObject({
    host: hostName,
    /** PCs the user also signs in from (Multiple Points of Presence, seed 004 "MPOP"). */
    otherLocations: z.array(hostName).default([]),
    /** CUP's Phone Selection plug-in installed in Communicator (seed 004 B10: multi-device remote call control). */
    phoneSelectionPlugin: z.boolean().default(false),
    /** Advanced connection settings: the pool name entered by hand (A4, the default) or automatic configuration by DNS SRV. */
    connection: z.enum(['manual', 'automatic']).default('manual'),
  }),
});

export const ocsSchema = z.strictObject({
  pools: z.array(ocsPoolSchema).min(1),
  users: z.array(ocsUserSchema),
});

export const phoneLineSchema = z.strictObject({
  dn: directoryNumber,
  partition: z.string().optional(),
  allowCtiControl: z.boolean().default(true),
  /** Maximum number of calls (seed 004 B8, "Allowed Calls per Line"). */
  maxCalls: z.number().int().min(1).max(200).default(4),
  busyTrigger: z.number().int().min(1).max(200).default(2),
  /** "Forward Busy Internal": where an incoming call past the Busy Trigger goes (docs/protocols/cucm-features.md §3). */
  forwardBusy: directoryNumber.optional(),
  /** "Forward No Answer Internal": where a call nobody answers goes after the no-answer time. */
  forwardNoAnswer: directoryNumber.optional(),
  /** "No Answer Ring Duration" in seconds; without it the service parameter Forward No Answer Timer applies. */
  noAnswerRingDurationS: z.number().int().min(1).max(300).optional(),
  label: z.string().optional(),
});

export const phoneSchema = z.strictObject({
  name: z.string().regex(/^SEP[0-9A-F]{12}$/, 'a device name such as SEP00000000A975 (SEP + 12 hex digits)'),
  model: z.enum(PHONE_MODELS),
  protocol: z.enum(PHONE_PROTOCOLS),
  endpoint: z.enum(ENDPOINTS),
  host: hostName,
  allowCtiControl: z.boolean().default(true),
  /** Device > Phone > "DND Option" (docs/protocols/cucm-features.md §4) and "Do Not Disturb" at start. */
  dndOption: z.enum(['ringerOff', 'callReject']).default('ringerOff'),
  dnd: z.boolean().default(false),
  /** Extension Mobility enabled on the phone and subscribed to the EM service (seed 004 B11). */
  extensionMobility: z.strictObject({ enabled: z.boolean(), subscribed: z.boolean() }).optional(),
  lines: z.array(phoneLineSchema).min(1),
});

export const applicationUserSchema = z.strictObject({
  userId: z.string().min(1),
  password: z.string().min(1),
  groups: z.array(z.enum(USER_GROUPS)),
  controlledDevices: z.array(z.string()),
});

export const endUserSchema = z.strictObject({
  userId: z.string().min(1),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  email: z.string().optional(),
  pin: z.string().regex(/^[0-9]+$/).optional(),
  associatedDevices: z.array(z.string()),
  primaryExtension: directoryNumber.optional(),
  groups: z.array(z.enum(USER_GROUPS)),
  licenseCapabilities: z.array(z.enum(['CUP', 'CUPC'])),
  /** Extension Mobility device profiles this user controls (seed 004 B11). */
  controlledProfiles: z.array(z.string()).default([]),
});

export const meetMeNumberSchema = z.strictObject({
  number: directoryNumber,
  description: z.string().optional(),
  minimumSecurityLevel: z.enum(['non-secure', 'authenticated', 'encrypted']).default('non-secure'),
});

/** CUCM Application Dial Rules / Directory Lookup Dial Rules (Call Routing > Dial Rules). */
export const dialRuleSchema = z.strictObject({
  name: z.string().min(1),
  numberBeginsWith: z.string().regex(/^\+?[0-9]*$/),
  numberOfDigits: z.number().int().min(1).max(32),
  digitsToRemove: z.number().int().min(0).max(32).default(0),
  prefix: z.string().regex(/^\+?[0-9]*$/).default(''),
});

export const deviceProfileSchema = z.strictObject({
  name: z.string().min(1),
  userId: z.string().min(1),
  model: z.enum(PHONE_MODELS),
  subscribed: z.boolean().describe('the profile is subscribed to the Extension Mobility service'),
  lines: z.array(phoneLineSchema).min(1),
});

export const cucmSchema = z.strictObject({
  host: hostName,
  sipTrunks: z.array(
    z.strictObject({ name: z.string().min(1), destination: fqdn, port, transport: z.enum(['TCP', 'UDP']).default('TCP') }),
  ),
  applicationUsers: z.array(applicationUserSchema),
  phones: z.array(phoneSchema),
  endUsers: z.array(endUserSchema),
  meetMeNumbers: z.array(meetMeNumberSchema).default([]),
  /** Service parameters (System > Service Parameters > Cisco CallManager) the simulated CUCM reads. */
  serviceParameters: z
    .strictObject({
      /** "Forward No Answer Timer" in seconds (default 12, docs/protocols/cucm-features.md §3). */
      forwardNoAnswerTimerS: z.number().int().min(1).max(300).default(12),
      /** "CUP PUBLISH Trunk": the SIP trunk (by name) CUCM publishes phone presence to CUP over; absent: none. */
      cupPublishTrunk: z.string().min(1).optional(),
    })
    .default({ forwardNoAnswerTimerS: 12 }),
  dialRules: z
    .strictObject({ application: z.array(dialRuleSchema).default([]), directoryLookup: z.array(dialRuleSchema).default([]) })
    .default({ application: [], directoryLookup: [] }),
  extensionMobility: z
    .strictObject({
      serviceActivated: z.boolean(),
      serviceName: z.string().default('Extension Mobility'),
      deviceProfiles: z.array(deviceProfileSchema).default([]),
    })
    .optional(),
});

export const cupSchema = z.strictObject({
  host: hostName,
  /** The CUCM publisher host (seed 004 C2). */
  publisher: hostName,
  acl: z.strictObject({ incoming: z.array(z.string().min(1)), destination: z.array(z.string().min(1)) }),
  deskphoneControl: z.strictObject({
    applicationUser: z.string().min(1),
    password: z.string().min(1),
    ctiManagers: z.array(hostName).min(1),
  }),
  users: z.array(
    z.strictObject({
      userId: z.string().min(1),
      deskphoneControl: z.boolean(),
      /** User Options > Preferences: calendar states drive the user's presence (seed 000: "configure the calendar states in the ... User Options window"). */
      calendar: z.boolean().default(false),
    }),
  ),
  /** Presence > Gateways: the Outlook (Exchange) presence gateway of the calendaring note (seed 000). */
  presenceGateway: z
    .strictObject({
      type: z.literal('exchange'),
      server: fqdn,
      /** The OWA virtual directory CUP's gateway queries, https://<server>/exchange/ (HTTPS: TLS with the server's certificate). */
      owaUrl: z.url(),
      /** The Windows account the gateway signs in with: it needs "Receive As" on every mailbox. */
      account: z.string().min(1),
      password: z.string().min(1),
      /** The Exchange server's certificate, or the CA that issued it, is uploaded to CUP's trust store (seed 000 prerequisite). */
      certificateTrusted: z.boolean().default(true),
      /** How often the gateway reads each enabled user's calendar, in seconds (a modelling choice: docs/protocols/cup-presence.md). */
      pollIntervalS: z.number().int().min(5).max(3600).default(60),
    })
    .optional(),
  /** Presence > Settings (seed 004 C7): the CUP 7 presence settings the simulated CUP reads. */
  presenceSettings: z
    .strictObject({
      /** "Enable availability sharing": when off, watchers see every CUP user as unavailable. */
      availabilitySharing: z.boolean().default(true),
      /** "Maximum Watchers": subscriptions CUP accepts per presentity. */
      maxWatchers: z.number().int().min(1).max(1000).default(200),
      /** Longest subscription CUP grants, in seconds (RFC 3856 §6.4 "Expires"; a modelling choice). */
      maxSubscriptionExpiresS: z.number().int().min(60).max(86400).default(3600),
    })
    .default({ availabilitySharing: true, maxWatchers: 200, maxSubscriptionExpiresS: 3600 }),
});

export const exchangeSchema = z.strictObject({
  host: hostName,
  fqdn,
  owaUrl: z.url(),
  /** Forms-based authentication on the OWA virtual directories (otherwise Basic/Integrated). */
  formsBasedAuth: z.boolean().default(false),
  /** Windows accounts with "Receive As" on every mailbox store (the Presence Gateway's account). */
  serviceAccounts: z.array(z.strictObject({ user: z.string().min(1), password: z.string().min(1) })).default([]),
  /** The certificate OWA's HTTPS binding presents: issued by the lab's certificate server, self-signed, or none (HTTP only). */
  certificate: z.enum(['lab-ca', 'self-signed', 'none']).default('lab-ca'),
  /** Seed of the mailboxes' appointment population (faker). */
  calendarSeed: z.number().int().default(2009),
  mailboxes: z
    .array(
      z.strictObject({
        userId: z.string().min(1),
        email: z.string().min(3),
        displayName: z.string().min(1).optional(),
        /** The owner's Windows password, for signing in to OWA (curl, a browser). */
        password: z.string().min(1).optional(),
      }),
    )
    .default([]),
});

/**
 * A generated population added to the lab's own people (harness/lab/population.ts): users with names and e-mail
 * addresses from a seeded faker, consecutive E.164 numbers, a phone each by the model mix, a Communicator each,
 * OCS pools to home them and Exchange mailboxes. Same seed, same lab, byte for byte.
 */
export const populationSchema = z.strictObject({
  users: z.number().int().min(0).max(100_000),
  seed: z.number().int(),
  /** Relative weights of the endpoints the users' phones are (default: the five of the test bed equally). */
  models: z.partialRecord(z.enum(ENDPOINTS), z.number().min(0)).optional(),
  /** How many OCS pools the generated users are spread over (each with one front end, configured like the lab's first pool). */
  pools: z.number().int().min(1).max(64).default(1),
  /** The share of users whose e-mail address holds one of the characters the calendaring note warns about (~ # % + & | * /). */
  emailSpecialCharacterRate: z.number().min(0).max(1).default(0),
  /** The first generated directory number; the others follow it. */
  firstNumber: z.string().regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 number such as +14085560000').default('+14085560000'),
});

const labObjectSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Another lab (by id) this file starts from; its own top-level sections replace the other lab's. */
  extends: z.string().optional(),
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a kebab-case lab id'),
  description: z.string().min(1),
  versions: labVersionsSchema,
  /** SIP domain of the OCS users. */
  domain: fqdn,
  hosts: z.record(hostName, labAddress),
  dns: dnsSchema,
  ocs: ocsSchema,
  cucm: cucmSchema,
  cup: cupSchema,
  exchange: exchangeSchema.optional(),
  population: populationSchema.optional(),
});

type LabShape = z.output<typeof labObjectSchema>;

type Ctx = z.core.$RefinementCtx<LabShape>;

function missing(ctx: Ctx, p: (string | number)[], what: string, name: string, known: readonly string[]): void {
  ctx.addIssue({ code: 'custom', path: p, message: `${what} "${name}" does not exist`, params: { expected: [...known], given: name } });
}

function duplicates(ctx: Ctx, items: readonly string[], p: (i: number) => (string | number)[], what: string): void {
  const seen = new Set<string>();
  items.forEach((name, i) => {
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path: p(i), message: `duplicate ${what} "${name}"` });
    seen.add(name);
  });
}

/** Cross-reference checks: every name a lab item points at must exist. */
function checkReferences(lab: LabShape, ctx: Ctx): void {
  const hosts = Object.keys(lab.hosts);
  const checkHost = (p: (string | number)[], name: string): void => {
    if (!(name in lab.hosts)) missing(ctx, p, 'host', name, hosts);
  };
  const fqdns = Object.keys(lab.dns.a);

  checkHost(['dns', 'server'], lab.dns.server);
  for (const [name, host] of Object.entries(lab.dns.a)) checkHost(['dns', 'a', name], host);
  lab.dns.srv.forEach((srv, i) => {
    if (!(srv.target in lab.dns.a)) missing(ctx, ['dns', 'srv', i, 'target'], 'A record for', srv.target, fqdns);
  });

  const pools = lab.ocs.pools.map((p) => p.name);
  duplicates(ctx, pools, (i) => ['ocs', 'pools', i, 'name'], 'pool');
  lab.ocs.pools.forEach((pool, i) => {
    checkHost(['ocs', 'pools', i, 'host'], pool.host);
    pool.frontEndHosts.forEach((h, j) => checkHost(['ocs', 'pools', i, 'frontEndHosts', j], h));
    const listed = pool.frontEndHosts.length > 0 ? pool.frontEndHosts.length : 1;
    if (pool.frontEnds !== listed) {
      ctx.addIssue({ code: 'custom', path: ['ocs', 'pools', i, 'frontEndHosts'], message: `pool "${pool.name}" has ${pool.frontEnds} front ends: list their hosts in frontEndHosts` });
    }
    if (pool.loadBalancer && (pool.frontEndHosts.length === 0 || pool.frontEndHosts.includes(pool.host))) {
      ctx.addIssue({ code: 'custom', path: ['ocs', 'pools', i, 'frontEndHosts'], message: `pool "${pool.name}" has a load balancer on ${pool.host}: list its front ends, other hosts, in frontEndHosts` });
    }
  });
  duplicates(ctx, lab.ocs.users.map((u) => u.id), (i) => ['ocs', 'users', i, 'id'], 'OCS user');
  lab.ocs.users.forEach((u, i) => {
    if (!pools.includes(u.pool)) missing(ctx, ['ocs', 'users', i, 'pool'], 'pool', u.pool, pools);
    checkHost(['ocs', 'users', i, 'client', 'host'], u.client.host);
    u.client.otherLocations.forEach((h, j) => checkHost(['ocs', 'users', i, 'client', 'otherLocations', j], h));
  });

  checkHost(['cucm', 'host'], lab.cucm.host);
  const phones = lab.cucm.phones.map((p) => p.name);
  duplicates(ctx, phones, (i) => ['cucm', 'phones', i, 'name'], 'phone');
  lab.cucm.phones.forEach((ph, i) => {
    checkHost(['cucm', 'phones', i, 'host'], ph.host);
    const endpoint = `${ph.model}-${ph.protocol}`;
    if (endpoint !== ph.endpoint) {
      ctx.addIssue({
        code: 'custom',
        path: ['cucm', 'phones', i, 'endpoint'],
        message: `endpoint "${ph.endpoint}" does not match model ${ph.model} over ${ph.protocol}`,
        params: { expected: [endpoint] },
      });
    }
  });
  const appUsers = lab.cucm.applicationUsers.map((a) => a.userId);
  lab.cucm.applicationUsers.forEach((a, i) => {
    a.controlledDevices.forEach((d, j) => {
      if (!phones.includes(d)) missing(ctx, ['cucm', 'applicationUsers', i, 'controlledDevices', j], 'device', d, phones);
    });
  });
  const profiles = lab.cucm.extensionMobility?.deviceProfiles.map((p) => p.name) ?? [];
  const endUsers = lab.cucm.endUsers.map((u) => u.userId);
  duplicates(ctx, endUsers, (i) => ['cucm', 'endUsers', i, 'userId'], 'end user');
  lab.cucm.endUsers.forEach((u, i) => {
    u.associatedDevices.forEach((d, j) => {
      if (!phones.includes(d)) missing(ctx, ['cucm', 'endUsers', i, 'associatedDevices', j], 'device', d, phones);
    });
    u.controlledProfiles.forEach((d, j) => {
      if (!profiles.includes(d)) missing(ctx, ['cucm', 'endUsers', i, 'controlledProfiles', j], 'device profile', d, profiles);
    });
  });
  lab.cucm.extensionMobility?.deviceProfiles.forEach((dp, i) => {
    if (!endUsers.includes(dp.userId)) {
      missing(ctx, ['cucm', 'extensionMobility', 'deviceProfiles', i, 'userId'], 'end user', dp.userId, endUsers);
    }
  });

  checkHost(['cup', 'host'], lab.cup.host);
  checkHost(['cup', 'publisher'], lab.cup.publisher);
  lab.cup.deskphoneControl.ctiManagers.forEach((h, i) => checkHost(['cup', 'deskphoneControl', 'ctiManagers', i], h));
  const appUser = lab.cup.deskphoneControl.applicationUser;
  if (!appUsers.includes(appUser)) {
    missing(ctx, ['cup', 'deskphoneControl', 'applicationUser'], 'CUCM application user', appUser, appUsers);
  }
  lab.cup.users.forEach((u, i) => {
    if (!endUsers.includes(u.userId)) missing(ctx, ['cup', 'users', i, 'userId'], 'CUCM end user', u.userId, endUsers);
  });

  const trunks = lab.cucm.sipTrunks.map((t) => t.name);
  const publishTrunk = lab.cucm.serviceParameters.cupPublishTrunk;
  if (publishTrunk !== undefined && !trunks.includes(publishTrunk)) missing(ctx, ['cucm', 'serviceParameters', 'cupPublishTrunk'], 'SIP trunk', publishTrunk, trunks);
  if (lab.exchange) {
    checkHost(['exchange', 'host'], lab.exchange.host);
    lab.exchange.mailboxes.forEach((m, i) => {
      if (!endUsers.includes(m.userId)) missing(ctx, ['exchange', 'mailboxes', i, 'userId'], 'CUCM end user', m.userId, endUsers);
    });
  }
  if (lab.versions.exchange === undefined && lab.exchange) {
    ctx.addIssue({ code: 'custom', path: ['versions'], message: 'an exchange section needs versions.exchange' });
  }
}

export const labSchema = labObjectSchema.superRefine(checkReferences);

export type Lab = z.output<typeof labSchema>;
/** What a lab file may say (defaults not yet applied). */
export type LabInput = z.input<typeof labSchema>;
export type LabVersions = Lab['versions'];
export type LabDns = Lab['dns'];
export type LabOcsPool = Lab['ocs']['pools'][number];
export type LabUser = Lab['ocs']['users'][number];
export type LabCucm = Lab['cucm'];
export type LabPhone = Lab['cucm']['phones'][number];
export type LabPhoneLine = LabPhone['lines'][number];
export type LabApplicationUser = Lab['cucm']['applicationUsers'][number];
export type LabEndUser = Lab['cucm']['endUsers'][number];
export type LabDialRule = Lab['cucm']['dialRules']['application'][number];
export type LabDeviceProfile = z.output<typeof deviceProfileSchema>;
export type LabCup = Lab['cup'];
export type LabCupUser = Lab['cup']['users'][number];
export type LabExchange = z.output<typeof exchangeSchema>;
