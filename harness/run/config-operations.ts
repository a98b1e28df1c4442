import { z } from 'zod';
import { LabError, USER_GROUPS } from '../../simulators';
import type { LabRuntime } from '../lab/lab-runtime';

/**
 * The configuration operations a scenario's `configure` step may call, each mapped onto a node's
 * configuration API (the product's admin pages) with its arguments checked by name. A scenario that
 * changes one item of the seed's configuration sequence and observes the product's own symptom goes
 * through here.
 */
interface Operation<S extends z.ZodType> {
  readonly summary: string;
  readonly args: S;
  run(lab: LabRuntime, args: z.output<S>): unknown;
}

const op = <S extends z.ZodType>(o: Operation<S>): Operation<S> => o;

const device = z.string().min(1);
const userGroups = z.array(z.enum(USER_GROUPS));
const line = z.number().int().min(1).default(1);
const pool = z.string().optional().describe('OCS pool name; every pool when absent');

/** The pools an OCS operation applies to. */
function pools(lab: LabRuntime, name: string | undefined) {
  const all = [...lab.ocs.entries()].filter(([n]) => name === undefined || n === name).map(([, fe]) => fe);
  if (all.length === 0) throw new LabError('UC_CONFIG', `no OCS pool named ${name}; pools: ${[...lab.ocs.keys()].join(', ')}`);
  return all;
}

export const CONFIG_OPERATIONS = {
  'cucm.lines.setDirectoryNumber': op({
    summary: 'Device > Phone > Directory Number: change a line\'s DN',
    args: z.strictObject({ device, line, dn: z.string().min(1) }),
    run: (lab, a) => lab.cucm.config.lines.setDirectoryNumber(a.device, a.line, a.dn),
  }),
  'cucm.lines.setAllowCtiControl': op({
    summary: 'Directory Number: "Allow Control of Device from CTI"',
    args: z.strictObject({ device, line, allow: z.boolean() }),
    run: (lab, a) => lab.cucm.config.lines.setAllowCtiControl(a.device, a.line, a.allow),
  }),
  'cucm.applicationUsers.update': op({
    summary: 'User Management > Application User: password, groups, controlled devices',
    args: z.strictObject({
      userId: z.string().min(1),
      password: z.string().min(1).optional(),
      groups: userGroups.optional(),
      controlledDevices: z.array(device).optional(),
    }),
    run: (lab, { userId, ...changes }) =>
      lab.cucm.config.applicationUsers.update(userId, {
        ...(changes.password !== undefined ? { password: changes.password } : {}),
        ...(changes.groups !== undefined ? { groups: changes.groups } : {}),
        ...(changes.controlledDevices !== undefined ? { controlledDevices: changes.controlledDevices } : {}),
      }),
  }),
  'cucm.endUsers.update': op({
    summary: 'User Management > End User: associated devices and user groups',
    args: z.strictObject({
      userId: z.string().min(1),
      associatedDevices: z.array(device).optional(),
      groups: userGroups.optional(),
    }),
    run: (lab, { userId, ...changes }) =>
      lab.cucm.config.endUsers.update(userId, {
        ...(changes.associatedDevices !== undefined ? { controlledDevices: changes.associatedDevices } : {}),
        ...(changes.groups !== undefined ? { groups: changes.groups } : {}),
      }),
  }),
  'cup.acl.addIncoming': op({
    summary: 'Incoming ACL: allow a host to send SIP to CUP',
    args: z.strictObject({ host: z.string().min(1) }),
    run: (lab, a) => lab.cup.admin.acl.addIncoming(a.host),
  }),
  'cup.acl.removeIncoming': op({
    summary: 'Incoming ACL: remove a host',
    args: z.strictObject({ host: z.string().min(1) }),
    run: (lab, a) => lab.cup.admin.acl.removeIncoming(a.host),
  }),
  'cup.deskphoneControl.set': op({
    summary: 'Deskphone Control Settings: application user name and password CUP uses toward CTIManager',
    args: z.strictObject({ applicationUser: z.string().min(1).optional(), password: z.string().min(1).optional() }),
    run: (lab, a) =>
      lab.cup.admin.deskphoneControl.set({
        ...(a.applicationUser !== undefined ? { applicationUser: a.applicationUser } : {}),
        ...(a.password !== undefined ? { password: a.password } : {}),
      }),
  }),
  'cup.users.assignDeskphoneControl': op({
    summary: 'Deskphone Control User Assignment: enable or disable RCC for an end user',
    args: z.strictObject({ userId: z.string().min(1), enabled: z.boolean() }),
    run: (lab, a) => lab.cup.admin.users.assignDeskphoneControl(a.userId, a.enabled),
  }),
  'ocs.pool.removeStaticRoute': op({
    summary: 'Front End properties > Routing: remove the static route for a domain',
    args: z.strictObject({ pool, matchUri: z.string().min(1) }),
    run: (lab, a) => pools(lab, a.pool).forEach((fe) => fe.pool.removeStaticRoute(a.matchUri)),
  }),
  'ocs.pool.addStaticRoute': op({
    summary: 'Front End properties > Routing: add a static route (TCP)',
    args: z.strictObject({ pool, matchUri: z.string().min(1), nextHop: z.string().min(1), port: z.number().int().default(5060) }),
    run: (lab, a) => pools(lab, a.pool).forEach((fe) => fe.pool.addStaticRoute({ matchUri: a.matchUri, nextHop: a.nextHop, port: a.port, transport: 'TCP' })),
  }),
  'ocs.pool.removeHostAuthorization': op({
    summary: 'Front End properties > Host Authorization: remove a host',
    args: z.strictObject({ pool, fqdn: z.string().min(1) }),
    run: (lab, a) => Promise.all(pools(lab, a.pool).map((fe) => fe.pool.removeHostAuthorization(a.fqdn))),
  }),
  'dns.removeHost': op({
    summary: 'Forward lookup zone: delete a host record',
    args: z.strictObject({ fqdn: z.string().min(1) }),
    run: (lab, a) => lab.dns.config.removeHost(a.fqdn),
  }),
} as const;

export type ConfigTarget = keyof typeof CONFIG_OPERATIONS;
export const CONFIG_TARGETS = Object.keys(CONFIG_OPERATIONS) as ConfigTarget[];

const isTarget = (t: string): t is ConfigTarget => t in CONFIG_OPERATIONS;

/** Runs one configuration operation; unknown targets and bad arguments are scenario errors. */
export async function runConfigOperation(lab: LabRuntime, target: string, args: Record<string, unknown>, where: string): Promise<void> {
  if (!isTarget(target)) {
    throw new LabError('UC_SCENARIO', `${where}: ${target} is not a configuration operation; expected one of: ${CONFIG_TARGETS.join(', ')}`);
  }
  const operation: Operation<z.ZodType> = CONFIG_OPERATIONS[target];
  const parsed = operation.args.safeParse(args);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
    throw new LabError('UC_SCENARIO', `${where}: ${target}: ${problems}`);
  }
  await operation.run(lab, parsed.data);
}
