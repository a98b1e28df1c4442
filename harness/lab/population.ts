import { ENDPOINTS, CTI_ENABLED, newFaker } from '../../simulators';
import type { EndpointName, Lab, LabEndUser, LabOcsPool, LabPhone, LabUser } from '../../simulators';

/**
 * Builds a lab's `population:`: N users, each with a name and e-mail address from a seeded faker, the next E.164
 * number, a phone by the model mix, a PC with Office Communicator, a mailbox, and everything the seed's
 * configuration sequence says such a user needs (CUCM end user with the phone associated and the CTI group,
 * the CTI application user controlling the phone, OCS user with RCC to CUP, CUP deskphone-control assignment).
 * The users are homed on `pools` generated OCS pools configured like the lab's first pool (static route and host
 * authorization toward CUP), which CUP's ACLs and DNS learn. A function of (lab, population): the same seed
 * gives the same lab.
 *
 * Addresses: generated phones take RFC 2544's benchmarking block 198.18.0.0/15 and generated PCs RFC 6598's
 * shared block 100.64.0.0/10, so even 100,000 users get a host each without naming a real network.
 */

/** The characters the calendaring note says break Exchange calendar integration (seed 000, Troubleshooting Tip). */
export const EMAIL_SPECIAL_CHARACTERS = ['~', '#', '%', '+', '&', '|', '*', '/'] as const;

const PHONE_MODEL: Record<EndpointName, { model: LabPhone['model']; protocol: LabPhone['protocol'] }> = {
  '7975-sccp': { model: '7975', protocol: 'sccp' },
  '7971-sip': { model: '7971', protocol: 'sip' },
  '7931-sccp': { model: '7931', protocol: 'sccp' },
  '7970-sccp': { model: '7970', protocol: 'sccp' },
  '7970-sip': { model: '7970', protocol: 'sip' },
};

/** The i-th address of a block given by its first address as a 32-bit number (skipping .0 and .255). */
function addressIn(base: number, i: number): string {
  const n = base + Math.floor(i / 254) * 256 + (i % 254) + 1;
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}
const PHONE_BLOCK = (198 << 24) | (18 << 16);
const PHONE_BLOCK_SIZE = 2 ** 17;
const PC_BLOCK = (100 << 24) | (64 << 16);

/** A userId the lab accepts (lower-case letters, digits, dots), unique by its index. */
const userIdOf = (first: string, last: string, i: number): string => `${`${first}.${last}`.toLowerCase().replace(/[^a-z0-9.]/g, '') || 'user'}.${i + 1}`;

/** SEP + 12 hex digits, from the index (the lab's own phones use SEP00000000xxxx). */
const deviceNameOf = (i: number): string => `SEP${(0x100000000 + i).toString(16).toUpperCase().padStart(12, '0')}`;

function nextNumber(first: string, i: number): string {
  const digits = first.slice(1);
  const n = BigInt(digits) + BigInt(i);
  return `+${n.toString().padStart(digits.length, '0')}`;
}

export function expandPopulation(lab: Lab): Lab {
  const p = lab.population;
  if (!p || p.users === 0) return lab;
  const faker = newFaker();
  faker.seed(p.seed);
  const weights = ENDPOINTS.map((e) => ({ endpoint: e, weight: p.models ? (p.models[e] ?? 0) : 1 })).filter((w) => w.weight > 0);
  const template = lab.ocs.pools[0];
  if (!template) throw new RangeError('a population needs the lab to have an OCS pool to copy');
  const cupFqdn = Object.entries(lab.dns.a).find(([, h]) => h === lab.cup.host)?.[0] ?? lab.cup.host;

  const hosts: Record<string, string> = { ...lab.hosts };
  const a: Record<string, string> = { ...lab.dns.a };
  const pools: LabOcsPool[] = [...lab.ocs.pools];
  const newPools: string[] = [];
  for (let k = 0; k < p.pools; k++) {
    const name = `gen-pool${k + 1}`;
    const host = `gen-ocs-pool${k + 1}`;
    const fqdn = `${name}.${lab.domain}`;
    hosts[host] = addressIn(PHONE_BLOCK + PHONE_BLOCK_SIZE - 256 * 2, k);
    a[fqdn] = host;
    pools.push({ ...template, name, fqdn, host, frontEnds: 1, frontEndHosts: [], loadBalancer: false });
    newPools.push(fqdn);
  }

  const phones: LabPhone[] = [...lab.cucm.phones];
  const endUsers: LabEndUser[] = [...lab.cucm.endUsers];
  const users: LabUser[] = [...lab.ocs.users];
  const cupUsers = [...lab.cup.users];
  const mailboxes = [...(lab.exchange?.mailboxes ?? [])];
  const controlled: string[] = [];
  for (let i = 0; i < p.users; i++) {
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const endpoint = faker.helpers.weightedArrayElement(weights.map((w) => ({ value: w.endpoint, weight: w.weight })));
    const special = faker.number.float({ min: 0, max: 1 }) < p.emailSpecialCharacterRate ? faker.helpers.arrayElement(EMAIL_SPECIAL_CHARACTERS) : '';
    const userId = userIdOf(first, last, i);
    const dn = nextNumber(p.firstNumber, i);
    const phoneHost = `gen-phone${i + 1}`;
    const pcHost = `gen-pc${i + 1}`;
    hosts[phoneHost] = addressIn(PHONE_BLOCK, i);
    hosts[pcHost] = addressIn(PC_BLOCK, i);
    const device = deviceNameOf(i);
    const { model, protocol } = PHONE_MODEL[endpoint];
    phones.push({
      name: device,
      model,
      protocol,
      endpoint,
      host: phoneHost,
      allowCtiControl: true,
      dndOption: 'ringerOff',
      dnd: false,
      lines: [{ dn, allowCtiControl: true, maxCalls: 4, busyTrigger: 2 }],
    });
    controlled.push(device);
    const email = `${first.toLowerCase().replace(/[^a-z]/g, '')}${special}${last.toLowerCase().replace(/[^a-z]/g, '')}${i + 1}@${lab.domain}`;
    endUsers.push({
      userId,
      firstName: first,
      lastName: last,
      email,
      pin: String(10000 + (i % 90000)),
      associatedDevices: [device],
      primaryExtension: dn,
      groups: ['Standard CCM End Users', CTI_ENABLED],
      licenseCapabilities: ['CUP', 'CUPC'],
      controlledProfiles: [],
    });
    users.push({
      id: userId,
      displayName: `${first} ${last}`,
      sipUri: `sip:${userId}@${lab.domain}`,
      pool: `gen-pool${(i % p.pools) + 1}`,
      password: 'Pass@word1',
      rcc: { enabled: true, serverUri: `sip:${cupFqdn}`, lineUri: `tel:${dn}` },
      client: { host: pcHost, otherLocations: [], phoneSelectionPlugin: false, connection: 'manual' },
    });
    cupUsers.push({ userId, deskphoneControl: true, calendar: true });
    mailboxes.push({ userId, email });
  }

  const [appUser, ...otherAppUsers] = lab.cucm.applicationUsers;
  return {
    ...lab,
    hosts,
    dns: { ...lab.dns, a, srv: [...lab.dns.srv, ...newPools.map((fqdn) => ({ name: `_sipinternal._tcp.${lab.domain}`, target: fqdn, port: 5060, priority: 0, weight: 50 }))] },
    ocs: { pools, users },
    cucm: {
      ...lab.cucm,
      phones,
      endUsers,
      applicationUsers: appUser ? [{ ...appUser, controlledDevices: [...appUser.controlledDevices, ...controlled] }, ...otherAppUsers] : [],
    },
    cup: { ...lab.cup, acl: { incoming: [...lab.cup.acl.incoming, ...newPools], destination: [...lab.cup.acl.destination, ...newPools] }, users: cupUsers },
    ...(lab.exchange ? { exchange: { ...lab.exchange, mailboxes } } : {}),
  };
}
