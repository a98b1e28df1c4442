import { CTI_CONTROL_ALL, CTI_ENABLED, normalizeNumber } from '../../simulators';
import type { Lab, LabEndUser, LabOcsPool, LabPhone, LabPhoneLine, LabUser } from '../../simulators';
import { LINT_ONLY, valuesAt } from './lint-only';
import { fqdnOf } from './lab-runtime';

/**
 * `uc-lab doctor`: a static check of a lab against the configuration rules the seeds state (seeds/004
 * "Configuration Sequence and Tasks" A1–A4, B2–B6, C3–C6, and the Introduction's caveats).
 *
 * A lint, never a verdict: misconfiguration scenarios break these rules on purpose and observe the simulated
 * products' symptoms, so the lab schema accepts them; the doctor only tells an engineer editing a lab what will break.
 */

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface Finding {
  severity: FindingSeverity;
  /** The scenarios/claims.yaml id the rule comes from. */
  claim: string;
  /** YAML path in the lab, e.g. `cup.deskphoneControl.password` or `ocs.pools[1].staticRoutes`. */
  path: string;
  message: string;
}

export { CTI_CONTROL_ALL, CTI_ENABLED };

type Rule = (lab: Lab) => Finding[];

/** Every rule of the doctor, in configuration-sequence order (A: OCS, B: CUCM, C: CUP). */
export const DOCTOR_RULES: readonly Rule[] = [
  dnsHostRecords,
  dnsPtrRecords,
  dnsSrvRecords,
  loadBalancerForMultipleFrontEnds,
  staticRouteToCup,
  hostAuthorizationOfCup,
  lineUriOnCtiControllableDn,
  rccServerUriIsCup,
  rccUsersShareOneDomain,
  sipTrunkToCup,
  applicationUserMatchesCup,
  applicationUserControlsRccPhones,
  endUsersOfRccUsers,
  e164Numbering,
  cupAclIncoming,
  cupAclDestination,
  deskphoneControlAssignment,
  cupPublishTrunk,
  cupPublisherIsCucm,
  addressBookNormalization,
  presenceGatewayToExchange,
  calendarEmailCharacters,
  notModelledYet,
];

/** Check a lab against every rule; findings come out errors first, then warnings, then notes, each group in rule order. */
export function diagnoseLab(lab: Lab): Finding[] {
  const findings = DOCTOR_RULES.flatMap((rule) => rule(lab));
  const rank: Record<FindingSeverity, number> = { error: 0, warning: 1, info: 2 };
  return findings.map((f, i) => ({ f, i })).sort((a, b) => rank[a.f.severity] - rank[b.f.severity] || a.i - b.i).map(({ f }) => f);
}

// ---- helpers ---------------------------------------------------------------------------------------------------

function finding(severity: FindingSeverity, claim: string, path: string, message: string): Finding {
  return { severity, claim, path, message };
}

/** CUP's FQDN: the `dns.a` entry whose host is `cup.host` (undefined when DNS has no A record for CUP). */
export function cupFqdnOf(lab: Lab): string | undefined {
  return fqdnOfHost(lab, lab.cup.host);
}

function fqdnOfHost(lab: Lab, host: string): string | undefined {
  return Object.entries(lab.dns.a).find(([, h]) => h === host)?.[0];
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The host part of a SIP URI: `sip:cup.uc.lab`, `sip:user@cup.uc.lab:5060;transport=tcp` → `cup.uc.lab`. */
function sipUriHost(uri: string): string {
  const rest = uri.replace(/^sips?:/i, '');
  const host = rest.slice(rest.lastIndexOf('@') + 1);
  return host.split(/[;:?>]/)[0] ?? '';
}

/** The user part of a SIP URI (`sip:alice@uc.lab` → `alice`), which CUP matches against its users (simulators/nodes/cup). */
function sipUriUser(uri: string): string | undefined {
  const rest = uri.replace(/^sips?:/i, '');
  const at = rest.lastIndexOf('@');
  return at < 0 ? undefined : rest.slice(0, at);
}

/** The number of a tel URI: `tel:+14085551001;ext=1` → `+14085551001`. */
function telNumber(uri: string): string {
  return uri.replace(/^tel:/i, '').split(';')[0] ?? '';
}

interface Indexed<T> {
  item: T;
  index: number;
}

interface LineAppearance {
  phone: LabPhone;
  phoneIndex: number;
  line: LabPhoneLine;
  lineIndex: number;
}

function rccUsers(lab: Lab): Indexed<LabUser>[] {
  return lab.ocs.users.map((item, index) => ({ item, index })).filter(({ item }) => item.rcc.enabled);
}

/** Indexes built once per lab, so every rule stays linear in the lab's size (thousands of generated users). */
const indexes = new WeakMap<Lab, { appearances: Map<string, LineAppearance[]>; endUsers: Map<string, number>; cupUsers: Map<string, number> }>();

function indexOf(lab: Lab): { appearances: Map<string, LineAppearance[]>; endUsers: Map<string, number>; cupUsers: Map<string, number> } {
  let ix = indexes.get(lab);
  if (!ix) {
    const appearances = new Map<string, LineAppearance[]>();
    lab.cucm.phones.forEach((phone, phoneIndex) =>
      phone.lines.forEach((line, lineIndex) => appearances.set(line.dn, [...(appearances.get(line.dn) ?? []), { phone, phoneIndex, line, lineIndex }])),
    );
    const firstBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, number> => {
      const m = new Map<string, number>();
      items.forEach((t, i) => {
        const k = key(t).toLowerCase();
        if (!m.has(k)) m.set(k, i);
      });
      return m;
    };
    ix = { appearances, endUsers: firstBy(lab.cucm.endUsers, (u) => u.userId), cupUsers: firstBy(lab.cup.users, (u) => u.userId) };
    indexes.set(lab, ix);
  }
  return ix;
}

function appearancesOf(lab: Lab, dn: string): LineAppearance[] {
  return indexOf(lab).appearances.get(dn) ?? [];
}

/** Phones with a line whose DN is some RCC user's line URI: the phones CUP must control (seed 004 B3). */
function rccPhones(lab: Lab): LabPhone[] {
  const dns = new Set(rccUsers(lab).map(({ item }) => telNumber(item.rcc.lineUri)));
  return lab.cucm.phones.filter((p) => p.lines.some((l) => dns.has(l.dn)));
}

/** The CUCM end user behind an OCS user: CUP takes the user part of the OC's SIP URI as the CUP/CUCM user id. */
function endUserOf(lab: Lab, user: LabUser): Indexed<LabEndUser> | undefined {
  const id = sipUriUser(user.sipUri) ?? user.id;
  const index = indexOf(lab).endUsers.get(id.toLowerCase()) ?? -1;
  const item = lab.cucm.endUsers[index];
  return item ? { item, index } : undefined;
}

function poolPath(i: number, rest: string): string {
  return `ocs.pools[${i}].${rest}`;
}

// ---- A1: DNS ---------------------------------------------------------------------------------------------------

/** seed 004 line 179: "Host Records added for CUP, CUCM, OCS Pools". */
function dnsHostRecords(lab: Lab): Finding[] {
  const out: Finding[] = [];
  const claim = 'config.ocs.dns-host-records';
  if (!fqdnOfHost(lab, lab.cup.host)) {
    out.push(finding('error', claim, 'dns.a', `no A record names CUP's host "${lab.cup.host}"; add e.g. "cup.${lab.domain}: ${lab.cup.host}" (OCS routes to CUP by that FQDN)`));
  }
  if (!fqdnOfHost(lab, lab.cucm.host)) {
    out.push(finding('error', claim, 'dns.a', `no A record names CUCM's host "${lab.cucm.host}"; add e.g. "cucm.${lab.domain}: ${lab.cucm.host}"`));
  }
  lab.ocs.pools.forEach((pool) => {
    const host = Object.entries(lab.dns.a).find(([fqdn]) => same(fqdn, pool.fqdn))?.[1];
    if (host === undefined) {
      out.push(finding('error', claim, 'dns.a', `pool ${pool.name}'s FQDN ${pool.fqdn} has no A record; add "${pool.fqdn}: ${pool.host}"`));
    } else if (host !== pool.host) {
      out.push(finding('error', claim, `dns.a.${pool.fqdn}`, `${pool.fqdn} points at host "${host}" but pool ${pool.name} runs on "${pool.host}"; change it to ${pool.host}`));
    }
  });
  return out;
}

/** seed 004 line 181: "PTR Records were added for CUP, CUCM and OCS Pools." */
function dnsPtrRecords(lab: Lab): Finding[] {
  if (lab.dns.ptr) return [];
  return [finding('warning', 'config.ocs.dns-ptr-records', 'dns.ptr', 'reverse lookup is off, so CUP, CUCM and the OCS pools have no PTR records; set dns.ptr: true')];
}

/**
 * seed 004 line 186: "SRV Records added for the OCS Front End Pools". Which owner names is a modelling choice:
 * the names Office Communicator's automatic configuration queries in the SIP domain.
 */
function dnsSrvRecords(lab: Lab): Finding[] {
  const names = ['_sipinternaltls._tcp', '_sipinternal._tcp', '_sip._tls', '_sip._tcp'].map((n) => `${n}.${lab.domain}`);
  return lab.ocs.pools.flatMap((pool) =>
    lab.dns.srv.some((s) => same(s.target, pool.fqdn) && names.some((n) => same(n, s.name)))
      ? []
      : [
          finding(
            'warning',
            'config.ocs.dns-srv-records',
            'dns.srv',
            `no SRV record points at pool ${pool.name} (${pool.fqdn}); add e.g. { name: _sipinternal._tcp.${lab.domain}, target: ${pool.fqdn}, port: 5060 }`,
          ),
        ],
  );
}

// ---- A2: front end ---------------------------------------------------------------------------------------------

/** seed 004 line 17: "Multiple Front End Servers installed for performance or redundancy, per pool, will still require a load balancer." */
function loadBalancerForMultipleFrontEnds(lab: Lab): Finding[] {
  return lab.ocs.pools.flatMap((pool, i) =>
    pool.frontEnds > 1 && !pool.loadBalancer
      ? [finding('error', 'caveat.load-balancer-multiple-front-ends', poolPath(i, 'loadBalancer'), `pool ${pool.name} has ${pool.frontEnds} front ends and no load balancer: its FQDN reaches one of them, and the others serve nobody; set loadBalancer: true on a host of its own, or frontEnds: 1`)]
      : [],
  );
}

/**
 * seed 004 line 193 "CUP Server static Route" and line 213 "CUP FQDN used in the URI": each pool routes requests for
 * CUP's FQDN to CUP's FQDN. A route "to CUP" is one whose matchUri or nextHop is CUP's FQDN.
 */
function staticRouteToCup(lab: Lab): Finding[] {
  const cup = cupFqdnOf(lab);
  if (!cup) return [];
  return lab.ocs.pools.flatMap((pool, i) => {
    const routes = pool.staticRoutes.map((item, index) => ({ item, index })).filter(({ item }) => same(item.matchUri, cup) || same(item.nextHop, cup));
    if (routes.length === 0) {
      return [
        finding(
          'error',
          'config.ocs.static-route-to-cup',
          poolPath(i, 'staticRoutes'),
          `pool ${pool.name} has no static route to CUP; add { matchUri: ${cup}, nextHop: ${cup}, port: 5060, transport: TCP }`,
        ),
      ];
    }
    return routes.flatMap(({ item, index }) => [
      ...(same(item.matchUri, cup)
        ? []
        : [finding('error', 'config.ocs.static-route-cup-fqdn', poolPath(i, `staticRoutes[${index}].matchUri`), `pool ${pool.name}'s route to CUP matches ${item.matchUri}, not CUP's FQDN; change matchUri to ${cup}`)]),
      ...(same(item.nextHop, cup)
        ? []
        : [finding('error', 'config.ocs.static-route-cup-fqdn', poolPath(i, `staticRoutes[${index}].nextHop`), `pool ${pool.name}'s route for ${cup} goes to ${item.nextHop}, not CUP; change nextHop to ${cup}`)]),
    ]);
  });
}

/** seed 004 line 216: "CUP Host Authorization". */
function hostAuthorizationOfCup(lab: Lab): Finding[] {
  const cup = cupFqdnOf(lab);
  if (!cup) return [];
  return lab.ocs.pools.flatMap((pool: LabOcsPool, i) =>
    pool.hostAuthorizations.some((h) => same(h.fqdn, cup))
      ? []
      : [
          finding(
            'error',
            'config.ocs.host-authorization-cup',
            poolPath(i, 'hostAuthorizations'),
            `pool ${pool.name} does not authorize CUP; add { fqdn: ${cup}, throttleAsServer: true, treatAsAuthenticated: true }`,
          ),
        ],
  );
}

// ---- A3: Active Directory users -----------------------------------------------------------------------------------

/**
 * seed 004 line 224: the user's telephone number "Usually matches the Line URI number in the Communications Tab".
 * The line URI's number must be a DN CUP can control: on a CUCM phone line, with CTI control allowed on the phone and
 * the line (what CUCM's CTI Manager checks on MonitorStart, simulators/nodes/cucm/cti-manager.ts).
 */
function lineUriOnCtiControllableDn(lab: Lab): Finding[] {
  const claim = 'config.ocs.ad-telephone-matches-line-uri';
  return rccUsers(lab).flatMap(({ item: user, index }) => {
    const dn = telNumber(user.rcc.lineUri);
    const appearances = appearancesOf(lab, dn);
    if (appearances.length === 0) {
      return [finding('error', claim, `ocs.users[${index}].rcc.lineUri`, `${user.id}'s line URI ${user.rcc.lineUri} is not a DN on any CUCM phone; set it to the DN of ${user.id}'s phone line or add that DN to the phone`)];
    }
    if (appearances.some((a) => a.phone.allowCtiControl && a.line.allowCtiControl)) return [];
    return appearances.map((a) =>
      a.phone.allowCtiControl
        ? finding('error', claim, `cucm.phones[${a.phoneIndex}].lines[${a.lineIndex}].allowCtiControl`, `line ${dn} of ${a.phone.name} (${user.id}'s line URI) does not allow CTI control; set allowCtiControl: true`)
        : finding('error', claim, `cucm.phones[${a.phoneIndex}].allowCtiControl`, `${a.phone.name}, which carries ${user.id}'s line ${dn}, does not allow CTI control; set allowCtiControl: true`),
    );
  });
}

/** seed 004 line 258: "Enable Remote call control. Enter the FQDN of the CUP in the Server URI section." */
function rccServerUriIsCup(lab: Lab): Finding[] {
  const cup = cupFqdnOf(lab);
  if (!cup) return [];
  return rccUsers(lab).flatMap(({ item: user, index }) =>
    same(sipUriHost(user.rcc.serverUri), cup)
      ? []
      : [finding('error', 'config.ocs.user-rcc-server-uri', `ocs.users[${index}].rcc.serverUri`, `${user.id}'s RCC server URI ${user.rcc.serverUri} does not name CUP; set it to sip:${cup}`)],
  );
}

/**
 * seed 004 line 262: "All RCC clients MUST have the same configuration for the Domain name." The lab's `domain` is
 * the one every RCC user's SIP URI must be in.
 */
function rccUsersShareOneDomain(lab: Lab): Finding[] {
  return rccUsers(lab).flatMap(({ item: user, index }) => {
    const domain = sipUriHost(user.sipUri);
    return same(domain, lab.domain)
      ? []
      : [finding('error', 'config.ocs.rcc-same-domain-name', `ocs.users[${index}].sipUri`, `${user.id}'s SIP URI is in ${domain}, but RCC users must all be in the lab's domain ${lab.domain}; change it to sip:${sipUriUser(user.sipUri) ?? user.id}@${lab.domain}`)];
  });
}

// ---- B2–B6: CUCM ------------------------------------------------------------------------------------------------

/** seed 004 line 280: the SIP trunk's destination is the "CUP FQDN". */
function sipTrunkToCup(lab: Lab): Finding[] {
  const cup = cupFqdnOf(lab);
  if (!cup || lab.cucm.sipTrunks.some((t) => same(t.destination, cup))) return [];
  const claim = 'config.cucm.sip-trunk-cup-fqdn';
  const only = lab.cucm.sipTrunks.length === 1 ? lab.cucm.sipTrunks[0] : undefined;
  if (only) return [finding('error', claim, 'cucm.sipTrunks[0].destination', `SIP trunk ${only.name} goes to ${only.destination}, not CUP; change destination to ${cup}`)];
  return [finding('error', claim, 'cucm.sipTrunks', `no SIP trunk goes to CUP; add { name: CUP-Trunk, destination: ${cup}, port: 5060, transport: TCP }`)];
}

/**
 * seed 004 line 301 (CUCM) and line 414 (CUP): the application user ID and password of CUP's Deskphone Control
 * Settings match a CUCM application user.
 */
function applicationUserMatchesCup(lab: Lab): Finding[] {
  const dc = lab.cup.deskphoneControl;
  const index = lab.cucm.applicationUsers.findIndex((u) => u.userId === dc.applicationUser);
  const appUser = lab.cucm.applicationUsers[index];
  if (!appUser) {
    const known = lab.cucm.applicationUsers.map((u) => u.userId);
    return [
      finding(
        'error',
        'config.cucm.app-user-matches-cup-deskphone-control',
        'cup.deskphoneControl.applicationUser',
        `CUCM has no application user "${dc.applicationUser}"; ${known.length ? `set it to one of ${known.join(', ')}` : 'add it under cucm.applicationUsers'}`,
      ),
    ];
  }
  if (appUser.password === dc.password) return [];
  return [
    finding(
      'error',
      'config.cup.deskphone-control-matches-cucm-app-user',
      'cup.deskphoneControl.password',
      `the deskphone control password differs from CUCM application user ${appUser.userId}'s (cucm.applicationUsers[${index}].password); make them the same`,
    ),
  ];
}

/**
 * seed 004 line 297: "Verify that all RCC Phones are in this group." Read (claims.yaml note) as: the CTI application
 * user is CTI-enabled and controls every RCC phone, directly or through "Standard CTI Allow Control of All Devices".
 */
function applicationUserControlsRccPhones(lab: Lab): Finding[] {
  const index = lab.cucm.applicationUsers.findIndex((u) => u.userId === lab.cup.deskphoneControl.applicationUser);
  const appUser = lab.cucm.applicationUsers[index];
  if (!appUser) return [];
  const claim = 'config.cucm.app-user-controls-rcc-phones';
  const out: Finding[] = [];
  if (!appUser.groups.includes(CTI_ENABLED)) {
    out.push(finding('error', claim, `cucm.applicationUsers[${index}].groups`, `application user ${appUser.userId} is not in "${CTI_ENABLED}", so CUCM refuses CUP's CTI provider; add that group`));
  }
  if (!appUser.groups.includes(CTI_CONTROL_ALL)) {
    const missing = rccPhones(lab).filter((p) => !appUser.controlledDevices.includes(p.name)).map((p) => p.name);
    if (missing.length > 0) {
      out.push(
        finding(
          'error',
          claim,
          `cucm.applicationUsers[${index}].controlledDevices`,
          `application user ${appUser.userId} does not control RCC phone${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; add ${missing.length > 1 ? 'them' : 'it'} to controlledDevices or add the group "${CTI_CONTROL_ALL}"`,
        ),
      );
    }
  }
  return out;
}

/**
 * seed 004 B5 line 309 "Make sure the appropriate device(s) is (are) associated to this end user.", line 315 "Make sure
 * to add to this user group for RCC to work." and B6 "License Capabilities Assignment" (line 152), for the CUCM end
 * user of every RCC user.
 */
function endUsersOfRccUsers(lab: Lab): Finding[] {
  return rccUsers(lab).flatMap(({ item: user }) => {
    const endUser = endUserOf(lab, user);
    const id = sipUriUser(user.sipUri) ?? user.id;
    if (!endUser) {
      return [finding('error', 'config.cucm.end-users', 'cucm.endUsers', `RCC user ${user.id} has no CUCM end user "${id}"; add one with the phone of ${user.rcc.lineUri} associated`)];
    }
    const { item: u, index: i } = endUser;
    const out: Finding[] = [];
    const dn = telNumber(user.rcc.lineUri);
    const phones = appearancesOf(lab, dn).map((a) => a.phone.name);
    if (phones.length > 0 && !phones.some((p) => u.associatedDevices.includes(p))) {
      out.push(finding('error', 'config.cucm.end-user-device-association', `cucm.endUsers[${i}].associatedDevices`, `end user ${u.userId} is not associated with ${phones.join(' or ')}, which carries ${dn}; add it to associatedDevices`));
    }
    if (!u.groups.includes(CTI_ENABLED)) {
      out.push(finding('error', 'config.cucm.end-user-rcc-group', `cucm.endUsers[${i}].groups`, `end user ${u.userId} is not in "${CTI_ENABLED}"; add that group for RCC to work`));
    }
    const licenses = (['CUP', 'CUPC'] as const).filter((c) => !u.licenseCapabilities.includes(c));
    if (licenses.length > 0) {
      out.push(finding('error', 'config.cucm.license-capabilities', `cucm.endUsers[${i}].licenseCapabilities`, `end user ${u.userId} lacks the ${licenses.join(' and ')} license capabilit${licenses.length > 1 ? 'ies' : 'y'}; add ${licenses.join(', ')}`));
    }
    return out;
  });
}

/** seed 004 line 20: "E.164 numbering throughout". A note, not an error: non-E.164 DNs work, the note tested E.164. */
function e164Numbering(lab: Lab): Finding[] {
  const e164 = /^\+[1-9][0-9]{1,14}$/;
  const claim = 'caveat.e164-numbering';
  return [
    ...lab.cucm.phones.flatMap((phone, i) =>
      phone.lines.flatMap((line, j) =>
        e164.test(line.dn) ? [] : [finding('info', claim, `cucm.phones[${i}].lines[${j}].dn`, `${phone.name} line ${line.dn} is not E.164; the interop note tested E.164 numbering throughout (+ country code and number)`)],
      ),
    ),
    ...rccUsers(lab).flatMap(({ item: user, index }) =>
      e164.test(telNumber(user.rcc.lineUri)) ? [] : [finding('info', claim, `ocs.users[${index}].rcc.lineUri`, `${user.id}'s line URI ${user.rcc.lineUri} is not tel:+E.164; the interop note tested E.164 numbering throughout`)],
    ),
  ];
}

// ---- C3–C6: CUP -------------------------------------------------------------------------------------------------

/** The FQDNs a pool's front ends talk to CUP from: the pool's own with one front end, else each front end's. */
function frontEndFqdns(lab: Lab, pool: LabOcsPool): { fqdn: string; what: string }[] {
  if (pool.frontEndHosts.length === 0) return [{ fqdn: pool.fqdn, what: `pool ${pool.name}'s requests` }];
  return pool.frontEndHosts.map((h) => ({ fqdn: fqdnOf(lab, h), what: `the requests of pool ${pool.name}'s front end ${h}, so the users signed in behind it get no RCC session` }));
}

function missingFrontEnds(lab: Lab, entries: readonly string[]): { fqdn: string; what: string }[] {
  return lab.ocs.pools.flatMap((p) => frontEndFqdns(lab, p)).filter((fe) => !entries.some((e) => same(e, fe.fqdn)));
}

/** seed 004 line 407: incoming ACL, "Add entries for the OCS Front End servers." (CUP answers 403 otherwise): every front end. */
function cupAclIncoming(lab: Lab): Finding[] {
  return missingFrontEnds(lab, lab.cup.acl.incoming).map((fe) =>
    finding('error', 'config.cup.acl-incoming-ocs-front-ends', 'cup.acl.incoming', `${fe.fqdn} is missing, so CUP refuses ${fe.what}; add ${fe.fqdn}`),
  );
}

/**
 * seed 004 line 410: destination ACL, "Add entries for the OCS Front End Servers". A warning: the simulated CUP
 * enforces only the incoming ACL (simulators/nodes/cup/cup.ts), so RCC still works in the lab without it.
 */
function cupAclDestination(lab: Lab): Finding[] {
  return missingFrontEnds(lab, lab.cup.acl.destination).map((fe) =>
    finding('warning', 'config.cup.acl-destination-ocs-front-ends', 'cup.acl.destination', `${fe.fqdn} is missing; add ${fe.fqdn}`),
  );
}

/** seed 004 C6 line 166: "Deskphone Control User Assignment" for every RCC user (CUP answers 403 otherwise). */
function deskphoneControlAssignment(lab: Lab): Finding[] {
  const claim = 'config.cup.deskphone-control-user-assignment';
  return rccUsers(lab).flatMap(({ item: user }) => {
    const id = sipUriUser(user.sipUri) ?? user.id;
    const i = indexOf(lab).cupUsers.get(id.toLowerCase()) ?? -1;
    const cupUser = lab.cup.users[i];
    if (!cupUser) return [finding('error', claim, 'cup.users', `RCC user ${id} is not a CUP user; add { userId: ${id}, deskphoneControl: true }`)];
    return cupUser.deskphoneControl ? [] : [finding('error', claim, `cup.users[${i}].deskphoneControl`, `${id} is not assigned deskphone control; set deskphoneControl: true`)];
  });
}

// ---- presence, calendars, licences, address book ----------------------------------------------------------------

/** docs/protocols/cup-presence.md §3: phone presence goes over the trunk the "CUP PUBLISH Trunk" service parameter names. */
function cupPublishTrunk(lab: Lab): Finding[] {
  const name = lab.cucm.serviceParameters.cupPublishTrunk;
  const cup = cupFqdnOf(lab);
  if (name === undefined) {
    return [finding('warning', 'config.cucm.sip-trunk', 'cucm.serviceParameters.cupPublishTrunk', 'not set: CUCM publishes no phone presence to CUP, so watchers never see "on the phone"')];
  }
  const trunk = lab.cucm.sipTrunks.find((t) => t.name === name);
  // With no trunk to CUP at all, sipTrunkToCup already says so.
  const anyToCup = cup !== undefined && lab.cucm.sipTrunks.some((t) => same(t.destination, cup));
  if (trunk && cup && anyToCup && !same(trunk.destination, cup)) {
    return [finding('warning', 'config.cucm.sip-trunk-cup-fqdn', 'cucm.serviceParameters.cupPublishTrunk', `names trunk ${name}, which goes to ${trunk.destination}, not CUP (${cup}): phone presence never reaches CUP`)];
  }
  return [];
}

/** seed 004 C2: CUP accepts phone presence only from the CUCM it names as its publisher. */
function cupPublisherIsCucm(lab: Lab): Finding[] {
  if (lab.cup.publisher === lab.cucm.host) return [];
  return [finding('error', 'config.cup.cucm-publisher', 'cup.publisher', `is ${lab.cup.publisher}, not CUCM (${lab.cucm.host}): CUP refuses CUCM's PUBLISH (403) and reads its end users from nowhere`)];
}

/** seed 004 A2: the Address Book Service normalizes AD telephone numbers; one no rule turns into E.164 is dialled as entered. */
function addressBookNormalization(lab: Lab): Finding[] {
  return lab.ocs.users.flatMap((u, i) => {
    if (u.telephoneNumber === undefined) return [];
    const pool = lab.ocs.pools.find((p) => p.name === u.pool);
    const normalized = normalizeNumber(pool?.normalizationRules ?? [], u.telephoneNumber);
    if (/^\+[1-9][0-9]{6,14}$/.test(normalized)) return [];
    return [finding('warning', 'config.ocs.normalization-rules', `ocs.users[${i}].telephoneNumber`, `${u.telephoneNumber} is not normalized to E.164 by ${u.pool}'s rules: contacts calling ${u.id} from the address book dial ${normalized}`)];
  });
}

/** seed 000: the Presence Gateway reads Exchange's OWA over HTTPS with a certificate CUP trusts, and Basic authentication. */
function presenceGatewayToExchange(lab: Lab): Finding[] {
  const gw = lab.cup.presenceGateway;
  const ex = lab.exchange;
  if (!gw) return ex ? [finding('info', 'config.cup.presence-gateway-for-calendar', 'cup.presenceGateway', 'not configured: calendars never drive presence')] : [];
  if (!ex) return [finding('error', 'config.cup.presence-gateway-for-calendar', 'cup.presenceGateway.server', `${gw.server}: the lab has no Exchange server`)];
  const out: Finding[] = [];
  if (!same(new URL(gw.owaUrl).hostname, ex.fqdn)) out.push(finding('error', 'config.cup.presence-gateway-for-calendar', 'cup.presenceGateway.owaUrl', `${gw.owaUrl} is not the Exchange server ${ex.fqdn}`));
  const https = gw.owaUrl.startsWith('https:');
  if (https && ex.certificate === 'none') out.push(finding('error', 'prereq.calendar-certificate', 'exchange.certificate', 'none, but the gateway reads OWA over HTTPS: no TLS session, no calendar presence'));
  if (https && ex.certificate !== 'none' && (!gw.certificateTrusted || ex.certificate === 'self-signed')) {
    out.push(finding('error', 'prereq.calendar-certificate', 'cup.presenceGateway.certificateTrusted', "CUP does not trust the Exchange certificate's issuer: the TLS handshake fails"));
  }
  if (ex.formsBasedAuth) out.push(finding('warning', 'config.cup.presence-gateway-for-calendar', 'exchange.formsBasedAuth', 'on: the gateway authenticates with Basic and gets 440 Login Timeout'));
  const account = ex.serviceAccounts.find((a) => same(a.user.split('\\').pop() ?? a.user, gw.account.split('\\').pop() ?? gw.account));
  if (!account) out.push(finding('error', 'config.cup.presence-gateway-for-calendar', 'cup.presenceGateway.account', `${gw.account} is not an Exchange service account: every calendar read gets 401`));
  else if (account.password !== gw.password) out.push(finding('error', 'config.cup.presence-gateway-for-calendar', 'cup.presenceGateway.password', `does not match ${gw.account}'s password: every calendar read gets 401`));
  const mailboxes = new Set(ex.mailboxes.map((m) => m.userId));
  lab.cup.users.forEach((u, i) => {
    if (u.calendar && !mailboxes.has(u.userId)) out.push(finding('warning', 'config.cup.user-options-calendar-states', `cup.users[${i}].calendar`, `${u.userId} has calendar states on but no mailbox`));
  });
  return out;
}

/** seed 000, Troubleshooting Tip: the characters that stop calendar integration for a user (LAB-CUP-CALENDAR-EMAIL). */
function calendarEmailCharacters(lab: Lab): Finding[] {
  const calendar = new Set(lab.cup.users.filter((u) => u.calendar).map((u) => u.userId));
  return lab.cucm.endUsers.flatMap((u, i) => {
    const lhs = (u.email ?? '').split('@')[0] ?? '';
    const bad = [...lhs].filter((c) => '~#%+&|*/'.includes(c));
    if (!calendar.has(u.userId) || bad.length === 0) return [];
    return [finding('info', 'calendar.email-characters', `cucm.endUsers[${i}].email`, `${u.email ?? ''} holds ${[...new Set(bad)].join(' ')}: on the CUP releases of the known issue, ${u.userId}'s calendar never drives presence`)];
  });
}

/**
 * Fields the lab file sets that no simulated product reads yet (harness/lab/lint-only.ts), in one note, so an
 * engineer is not misled by a setting the lab ignores; docs/lab-fields.md says what each lacks and which
 * claims cannot be graded until it is modelled.
 */
function notModelledYet(lab: Lab): Finding[] {
  const set = Object.keys(LINT_ONLY).filter((field) => valuesAt(lab, field).length > 0);
  if (set.length === 0) return [];
  return [finding('info', 'not-modelled', `${set.length} field${set.length === 1 ? '' : 's'}`, `set, but no simulated product reads them yet (docs/lab-fields.md): ${set.join(', ')}`)];
}
