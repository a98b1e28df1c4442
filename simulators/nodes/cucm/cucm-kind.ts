import { z } from 'zod';
import { configOperations, defineNodeKind } from '../surface';
import { Cucm } from './cucm';
import type { LabPhone } from '../../lab/lab-schema';
import type { CucmConfig, LineConfig } from './cucm-config';
import { USER_GROUPS } from './cucm-config';
import { CUCM_DEFECTS } from './cucm-releases';
import type { CucmDefect } from './cucm-releases';

const op = configOperations<Cucm>();
const device = z.string().min(1);
const line = z.number().int().min(1).default(1);
const userGroups = z.array(z.enum(USER_GROUPS));

/** A lab line (a phone's or a device profile's) as CUCM's Directory Number configuration. */
const lineConfig = (l: LabPhone['lines'][number]): LineConfig => ({
  dn: l.dn,
  maxCalls: l.maxCalls,
  busyTrigger: l.busyTrigger,
  allowCtiControl: l.allowCtiControl,
  ...(l.forwardBusy !== undefined ? { forwardBusy: l.forwardBusy } : {}),
  ...(l.forwardNoAnswer !== undefined ? { forwardNoAnswer: l.forwardNoAnswer } : {}),
  ...(l.noAnswerRingDurationS !== undefined ? { noAnswerRingDurationS: l.noAnswerRingDurationS } : {}),
});

const isCucmDefect = (d: string): d is CucmDefect => (CUCM_DEFECTS as readonly string[]).includes(d);

/** Cisco Unified Communications Manager (seed 004 B1–B11): SCCP station server, SIP line side, call control, CTIManager. */
export const cucmKind = defineNodeKind<CucmConfig, Cucm>({
  kind: 'cucm',
  title: 'Cisco Unified Communications Manager',
  dependsOn: ['dns'],
  ports: () => 'tcp/2000 SCCP, udp+tcp/5060 SIP, tcp/2748 CTI (lab framing)',
  instances: (lab, ctx) => [
    {
      host: lab.cucm.host,
      config: {
        release: lab.versions.cucm,
        forwardNoAnswerTimerS: lab.cucm.serviceParameters.forwardNoAnswerTimerS,
        fqdn: ctx.fqdnOf(lab.cucm.host),
        sipTrunks: lab.cucm.sipTrunks.map((t) => ({ name: t.name, destination: t.destination, port: t.port, transport: t.transport })),
        ...(lab.cucm.serviceParameters.cupPublishTrunk !== undefined ? { cupPublishTrunk: lab.cucm.serviceParameters.cupPublishTrunk } : {}),
        meetMeNumbers: lab.cucm.meetMeNumbers.map((m) => m.number),
        ...(lab.cucm.extensionMobility
          ? {
              extensionMobility: {
                serviceActivated: lab.cucm.extensionMobility.serviceActivated,
                serviceName: lab.cucm.extensionMobility.serviceName,
                deviceProfiles: lab.cucm.extensionMobility.deviceProfiles.map((p) => ({
                  name: p.name,
                  userId: p.userId,
                  model: p.model,
                  subscribed: p.subscribed,
                  lines: p.lines.map(lineConfig),
                })),
              },
            }
          : {}),
        defects: new Set([...ctx.defects].filter(isCucmDefect)),
        phones: lab.cucm.phones.map((p) => ({
          name: p.name,
          model: p.model,
          protocol: p.protocol,
          allowCtiControl: p.allowCtiControl,
          dndOption: p.dndOption,
          dnd: p.dnd,
          ...(p.extensionMobility ? { extensionMobility: { enabled: p.extensionMobility.enabled, subscribed: p.extensionMobility.subscribed } } : {}),
          lines: p.lines.map(lineConfig),
        })),
        applicationUsers: lab.cucm.applicationUsers.map((u) => ({ userId: u.userId, password: u.password, groups: u.groups, controlledDevices: u.controlledDevices })),
        endUsers: lab.cucm.endUsers.map((u) => ({
          userId: u.userId,
          ...(u.firstName ? { firstName: u.firstName } : {}),
          ...(u.lastName ? { lastName: u.lastName } : {}),
          ...(u.primaryExtension ? { primaryExtension: u.primaryExtension } : {}),
          groups: u.groups,
          controlledDevices: u.associatedDevices,
          ...(u.pin !== undefined ? { pin: u.pin } : {}),
          controlledProfiles: u.controlledProfiles,
          ...(u.email !== undefined ? { email: u.email } : {}),
          licenseCapabilities: u.licenseCapabilities,
        })),
      },
    },
  ],
  start: (env, config) => Cucm.start(env, config),
  surface: {
    actions: {},
    selectors: {
      device: { spec: { kind: 'actor', property: ['device'], literal: { pattern: /^SEP[0-9A-F]{12}$/, name: 'device name' }, description: 'the device the other keys look at (an actor, or a device name)' } },
    },
    observations: {
      registered: {
        summary: 'the device is registered with CUCM (SCCP station or SIP line)',
        value: { kind: 'boolean', description: 'registered' },
        read: (cucm, s) => cucm.observe().devices.some((d) => d.deviceName === s.device),
      },
      ctiMonitors: {
        summary: 'how many CTI monitors are open on the device (all devices when none is named)',
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (cucm, s) => cucm.observe().ctiProviders.flatMap((p) => p.monitors).filter((m) => s.device === undefined || m.deviceName === s.device).length,
      },
      ctiProviders: {
        summary: 'how many CTI providers (applications such as CUP) are open',
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (cucm) => cucm.observe().ctiProviders.length,
      },
      conferenceParties: {
        summary: 'how many parties the conference bridge holds (Meet-Me and ad hoc), those of the device when one is named',
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (cucm, s) => cucm.observe().conferences.flatMap((c) => c.parties).filter((d) => s.device === undefined || d === s.device).length,
      },
      calls: {
        summary: 'how many calls CUCM holds, on the device when one is named',
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (cucm, s) => cucm.observe().calls.filter((c) => s.device === undefined || c.origin.deviceName === s.device || c.terminating?.deviceName === s.device).length,
      },
    },
    describe: (cucm) => {
      const o = cucm.observe();
      const monitors = o.ctiProviders.flatMap((p) => p.monitors.map((m) => `${m.deviceName}/${m.lineDn}`));
      return `{ release=${o.release} devices=${o.devices.length} calls=${o.calls.length} ctiProviders=${o.ctiProviders.length} monitors=[${monitors.join(', ')}] }`;
    },
  },
  configure: {
    'lines.setDirectoryNumber': op({
      summary: "Device > Phone > Directory Number: change a line's DN",
      args: z.strictObject({ device, line, dn: z.string().min(1) }),
      run: ([cucm], a) => cucm?.config.lines.setDirectoryNumber(a.device, a.line, a.dn),
    }),
    'phones.setDnd': op({
      summary: 'Device > Phone: "Do Not Disturb" on or off and the "DND Option" (ringerOff: offered without ringing; callReject: refused busy)',
      args: z.strictObject({ device, active: z.boolean().optional(), option: z.enum(['ringerOff', 'callReject']).optional() }),
      run: ([cucm], a) => cucm?.config.phones.setDnd(a.device, { ...(a.active !== undefined ? { active: a.active } : {}), ...(a.option !== undefined ? { option: a.option } : {}) }),
    }),
    'lines.setCallLimits': op({
      summary: 'Directory Number: "Maximum Number of Calls" and "Busy Trigger" (seed 004 B8)',
      args: z.strictObject({ device, line, maxCalls: z.number().int().min(1).max(200), busyTrigger: z.number().int().min(1).max(200) }),
      run: ([cucm], a) => cucm?.config.lines.setCallLimits(a.device, a.line, a.maxCalls, a.busyTrigger),
    }),
    'lines.setForwarding': op({
      summary: 'Directory Number: "Forward Busy Internal", "Forward No Answer Internal" and "No Answer Ring Duration" (a field left out is unchanged; null clears it)',
      args: z.strictObject({
        device,
        line,
        busy: z.string().min(1).nullable().optional(),
        noAnswer: z.string().min(1).nullable().optional(),
        noAnswerRingDurationS: z.number().int().min(1).max(300).nullable().optional(),
      }),
      run: ([cucm], a) =>
        cucm?.config.lines.setForwardBusyNoAnswer(a.device, a.line, {
          ...(a.busy !== undefined ? { busy: a.busy ?? undefined } : {}),
          ...(a.noAnswer !== undefined ? { noAnswer: a.noAnswer ?? undefined } : {}),
          ...(a.noAnswerRingDurationS !== undefined ? { noAnswerRingDurationS: a.noAnswerRingDurationS ?? undefined } : {}),
        }),
    }),
    'phones.setAllowCtiControl': op({
      summary: 'Device > Phone: "Allow Control of Device from CTI" (B4)',
      args: z.strictObject({ device, allow: z.boolean() }),
      run: ([cucm], a) => cucm?.config.phones.setAllowCtiControl(a.device, a.allow),
    }),
    'lines.setAllowCtiControl': op({
      summary: 'Directory Number: "Allow Control of Device from CTI"',
      args: z.strictObject({ device, line, allow: z.boolean() }),
      run: ([cucm], a) => cucm?.config.lines.setAllowCtiControl(a.device, a.line, a.allow),
    }),
    'applicationUsers.update': op({
      summary: 'User Management > Application User: password, groups, controlled devices',
      args: z.strictObject({
        userId: z.string().min(1),
        password: z.string().min(1).optional(),
        groups: userGroups.optional(),
        controlledDevices: z.array(device).optional(),
      }),
      run: ([cucm], { userId, ...changes }) =>
        cucm?.config.applicationUsers.update(userId, {
          ...(changes.password !== undefined ? { password: changes.password } : {}),
          ...(changes.groups !== undefined ? { groups: changes.groups } : {}),
          ...(changes.controlledDevices !== undefined ? { controlledDevices: changes.controlledDevices } : {}),
        }),
    }),
    'endUsers.update': op({
      summary: 'User Management > End User: associated devices, user groups, the Extension Mobility PIN and Controlled Profiles, Mail ID; Licensing > Capabilities Assignment',
      args: z.strictObject({
        userId: z.string().min(1),
        associatedDevices: z.array(device).optional(),
        groups: userGroups.optional(),
        pin: z.string().regex(/^[0-9]*$/).optional(),
        controlledProfiles: z.array(z.string().min(1)).optional(),
        email: z.string().min(3).optional(),
        licenseCapabilities: z.array(z.enum(['CUP', 'CUPC'])).optional(),
      }),
      run: ([cucm], { userId, ...changes }) =>
        cucm?.config.endUsers.update(userId, {
          ...(changes.email !== undefined ? { email: changes.email } : {}),
          ...(changes.licenseCapabilities !== undefined ? { licenseCapabilities: changes.licenseCapabilities } : {}),
          ...(changes.associatedDevices !== undefined ? { controlledDevices: changes.associatedDevices } : {}),
          ...(changes.groups !== undefined ? { groups: changes.groups } : {}),
          ...(changes.pin !== undefined ? { pin: changes.pin } : {}),
          ...(changes.controlledProfiles !== undefined ? { controlledProfiles: changes.controlledProfiles } : {}),
        }),
    }),
    'extensionMobility.configure': op({
      summary: 'Serviceability: activate the Cisco Extension Mobility service; Phone Services: the EM IP phone service (serviceName null removes it) (B11)',
      args: z.strictObject({ serviceActivated: z.boolean().optional(), serviceName: z.string().min(1).nullable().optional() }),
      run: ([cucm], a) =>
        cucm?.config.extensionMobility.configure({
          ...(a.serviceActivated !== undefined ? { serviceActivated: a.serviceActivated } : {}),
          ...(a.serviceName !== undefined ? { serviceName: a.serviceName } : {}),
        }),
    }),
    'extensionMobility.setDeviceProfile': op({
      summary: "Device Settings > Device Profile: the profile's subscription to the EM service and its lines (B11)",
      args: z.strictObject({ name: z.string().min(1), subscribed: z.boolean().optional(), lines: z.array(z.strictObject({ dn: z.string().min(1) })).min(1).optional() }),
      run: ([cucm], a) =>
        cucm?.config.extensionMobility.setProfile(a.name, { ...(a.subscribed !== undefined ? { subscribed: a.subscribed } : {}), ...(a.lines ? { lines: a.lines } : {}) }),
    }),
    'sipTrunks.remove': op({
      summary: 'Device > Trunk: delete a SIP trunk (B2)',
      args: z.strictObject({ name: z.string().min(1) }),
      run: ([cucm], a) => cucm?.config.sipTrunks.delete(a.name),
    }),
    'sipTrunks.set': op({
      summary: "Device > Trunk: a SIP trunk's destination address and port (B2: the CUP FQDN)",
      args: z.strictObject({ name: z.string().min(1), destination: z.string().min(1), port: z.number().int().min(1).max(65535).default(5060), transport: z.enum(['TCP', 'UDP']).default('TCP') }),
      run: ([cucm], a) => cucm?.config.sipTrunks.set(a.name, { name: a.name, destination: a.destination, port: a.port, transport: a.transport }),
    }),
    'serviceParameters.setCupPublishTrunk': op({
      summary: 'Service parameter "CUP PUBLISH Trunk": the SIP trunk phone presence goes over (null: none)',
      args: z.strictObject({ trunk: z.string().min(1).nullable() }),
      run: ([cucm], a) => {
        if (cucm) cucm.config.cupPublishTrunk = a.trunk ?? undefined;
      },
    }),
    'phones.setExtensionMobility': op({
      summary: 'Device > Phone: "Enable Extension Mobility" and the phone\'s subscription to the EM service (B11)',
      args: z.strictObject({ device, enabled: z.boolean().optional(), subscribed: z.boolean().optional() }),
      run: ([cucm], { device: name, ...a }) =>
        cucm?.config.extensionMobility.setPhone(name, { ...(a.enabled !== undefined ? { enabled: a.enabled } : {}), ...(a.subscribed !== undefined ? { subscribed: a.subscribed } : {}) }),
    }),
  },
});
