import { ConfigError } from '../../kernel/errors';
import type { CucmDefect, CucmRelease } from './cucm-releases';

/** Phone models of the interop note's test bed. */
export type CucmPhoneModel = '7975' | '7971' | '7970' | '7931';
export type DeviceProtocol = 'sccp' | 'sip';

/** Device > Phone > Directory Number Configuration (the fields the lab models). */
export interface LineConfig {
  /** Directory number: digits, optionally E.164 with a leading '+'. */
  readonly dn: string;
  /** "Display (Internal Caller ID)"; defaults to the DN. */
  readonly display?: string;
  /** "Maximum Number of Calls" (default 4, CUCM 7 admin guide; docs/protocols/cucm-features.md §1). */
  readonly maxCalls?: number;
  /**
   * "Busy Trigger" (default 2, unconfirmed: docs/protocols/cucm-features.md §1); incoming calls beyond it are
   * rejected busy.
   */
  readonly busyTrigger?: number;
  /** "Allow Control of Device from CTI" (default true). */
  readonly allowCtiControl?: boolean;
  /** "Forward All" destination, when set. */
  readonly forwardAll?: string;
  /** "Forward Busy Internal" destination. */
  readonly forwardBusy?: string;
  /** "Forward No Answer Internal" destination. */
  readonly forwardNoAnswer?: string;
  /** "No Answer Ring Duration" (s); else the Forward No Answer Timer service parameter. */
  readonly noAnswerRingDurationS?: number;
}

export interface PhoneConfig {
  /** Device name: SEP + 12 hex digits of the MAC. */
  readonly name: string;
  readonly model: CucmPhoneModel;
  readonly protocol: DeviceProtocol;
  readonly description?: string;
  /** "Allow Control of Device from CTI" at device level (default true). */
  readonly allowCtiControl?: boolean;
  /** "DND Option" (docs/protocols/cucm-features.md §4; default Ringer Off). */
  readonly dndOption?: DndOption;
  /** "Do Not Disturb" active at start (default off). */
  readonly dnd?: boolean;
  /** Phone Configuration "Enable Extension Mobility", and the phone's subscription to the EM IP phone service (B11). */
  readonly extensionMobility?: { readonly enabled: boolean; readonly subscribed: boolean };
  readonly lines: readonly LineConfig[];
}

/** A user device profile (B11): the lines a user's Extension Mobility login lays over a phone. */
export interface DeviceProfileConfig {
  readonly name: string;
  readonly userId: string;
  readonly model: CucmPhoneModel;
  /** The profile is subscribed to the EM IP phone service (so the logged-in phone can log out from Services). */
  readonly subscribed: boolean;
  readonly lines: readonly LineConfig[];
}

/** Extension Mobility (B11; docs/protocols/cucm-features.md §11). */
export interface ExtensionMobilityConfig {
  /** Cisco Extension Mobility activated in Cisco Unified Serviceability. */
  readonly serviceActivated: boolean;
  /** The EM IP phone service added in Device > Device Settings > Phone Services (absent: not added). */
  readonly serviceName?: string;
  readonly deviceProfiles: readonly DeviceProfileConfig[];
}

/** Ringer Off: the call reaches the phone without ringing. Call Reject: the phone is not offered the call. */
export type DndOption = 'ringerOff' | 'callReject';

/** CTI-related user groups of CUCM 7 (docs/protocols/cucm-features.md §7). */
export const USER_GROUPS = [
  'Standard CTI Enabled',
  'Standard CTI Allow Control of All Devices',
  'Standard CTI Allow Control of Phones supporting Connected Xfer and conf',
  'Standard CTI Allow Control of Phones supporting Rollover Mode',
  'Standard CCM End Users',
] as const;
export type UserGroup = (typeof USER_GROUPS)[number];
/** The group every CTI user needs (seed 004 B3, B5; the B5 group is read as this one, see claims.yaml). */
export const CTI_ENABLED: UserGroup = 'Standard CTI Enabled';
/** The group that lets an application user control every device, controlled or not. */
export const CTI_CONTROL_ALL: UserGroup = 'Standard CTI Allow Control of All Devices';

/** User Management > Application User. */
export interface ApplicationUserConfig {
  readonly userId: string;
  readonly password: string;
  readonly groups: readonly UserGroup[];
  /** "Device Information > Controlled Devices". */
  readonly controlledDevices: readonly string[];
}

/** User Management > End User. */
export interface EndUserConfig {
  readonly userId: string;
  readonly password?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly telephoneNumber?: string;
  readonly primaryExtension?: string;
  readonly groups: readonly UserGroup[];
  readonly controlledDevices: readonly string[];
  /** The PIN for Extension Mobility login. */
  readonly pin?: string;
  /** End User > Extension Mobility > Controlled Profiles. */
  readonly controlledProfiles?: readonly string[];
  /** End User > "Mail ID". */
  readonly email?: string;
  /** System > Licensing > Capabilities Assignment (B6): "Enable CUP", "Enable CUPC". */
  readonly licenseCapabilities?: readonly ('CUP' | 'CUPC')[];
}

/** Device > Trunk: a SIP trunk (seed 004 B2), and which one the "CUP PUBLISH Trunk" service parameter names. */
export interface SipTrunk {
  readonly name: string;
  /** The far end: the CUP FQDN (seed 004 B2 "CUP FQDN"). */
  readonly destination: string;
  readonly port: number;
  readonly transport: 'TCP' | 'UDP';
}

/** The whole configuration a CUCM node starts with. */
export interface CucmConfig {
  readonly release: CucmRelease;
  /** Modelled defects active at this release (their ranges are stated in scenarios/claims.yaml). */
  readonly defects: ReadonlySet<CucmDefect>;
  /** Service parameter "Station KeepAlive Interval" in seconds (default 30). */
  readonly keepAliveIntervalS?: number;
  /** Service parameter "T302 Timer" (inter-digit timeout) in ms (default 15000). */
  readonly interDigitTimeoutMs?: number;
  /** Service parameter "Forward No Answer Timer" in seconds (default 12). */
  readonly forwardNoAnswerTimerS?: number;
  /** Call Routing > Meet-Me Number/Pattern (B7): the numbers that reach the conference bridge. */
  readonly meetMeNumbers?: readonly string[];
  readonly extensionMobility?: ExtensionMobilityConfig;
  /** CUCM's FQDN (the entity of the phone presence it publishes). */
  readonly fqdn?: string;
  /** Device > Trunk (seed 004 B2). */
  readonly sipTrunks?: readonly SipTrunk[];
  /** Service parameter "CUP PUBLISH Trunk": the trunk phone presence is published over (docs/protocols/cup-presence.md §3). */
  readonly cupPublishTrunk?: string;
  readonly phones: readonly PhoneConfig[];
  readonly applicationUsers: readonly ApplicationUserConfig[];
  readonly endUsers: readonly EndUserConfig[];
}

/**
 * Model facts: line/button positions per model. SCCPB gives the 7970/7971/7975 eight line or
 * speed-dial positions (docs/protocols/sccp.md §11); the 7931 has 24 programmable buttons (Cisco 7931 data
 * sheet) — the lab allows up to 24 lines on it [model].
 */
export const MODEL_FACTS: Readonly<Record<CucmPhoneModel, { lineButtons: number; protocols: readonly DeviceProtocol[]; sccpDeviceType: number }>> = {
  '7975': { lineButtons: 8, protocols: ['sccp', 'sip'], sccpDeviceType: 437 },
  '7971': { lineButtons: 8, protocols: ['sccp', 'sip'], sccpDeviceType: 119 },
  '7970': { lineButtons: 8, protocols: ['sccp', 'sip'], sccpDeviceType: 30006 },
  '7931': { lineButtons: 24, protocols: ['sccp'], sccpDeviceType: 348 },
};

/** A line as held by the running configuration (defaults applied, plus the CSCsy62620 history). */
export interface LineRecord {
  dn: string;
  display: string;
  maxCalls: number;
  busyTrigger: number;
  allowCtiControl: boolean;
  forwardAll: string | undefined;
  forwardBusy: string | undefined;
  forwardNoAnswer: string | undefined;
  noAnswerRingDurationS: number | undefined;
  /**
   * CSCsy62620 model (interop note, seeds/004): the DN was E.164 when the line was first configured
   * and has not since been changed to a non-E.164 DN. In 7.0(2) call forward set through CTI then
   * fails for this line.
   */
  e164SinceCreation: boolean;
}

export interface PhoneRecord {
  name: string;
  model: CucmPhoneModel;
  protocol: DeviceProtocol;
  description: string;
  allowCtiControl: boolean;
  dndOption: DndOption;
  /** Do Not Disturb on (the phone's DND soft key toggles it). */
  dnd: boolean;
  extensionMobility: { enabled: boolean; subscribed: boolean };
  lines: LineRecord[];
  /** An Extension Mobility login: who, with which profile, and the phone's own lines to restore on logout. */
  emLogin?: { userId: string; profile: string; ownLines: LineRecord[] };
}

export interface ApplicationUserRecord {
  userId: string;
  password: string;
  groups: UserGroup[];
  controlledDevices: string[];
}

export interface EndUserRecord {
  userId: string;
  password: string;
  firstName: string;
  lastName: string;
  telephoneNumber: string;
  primaryExtension: string;
  groups: UserGroup[];
  controlledDevices: string[];
  pin: string;
  controlledProfiles: string[];
  email: string;
  licenseCapabilities: ('CUP' | 'CUPC')[];
}

const DEVICE_NAME = /^SEP[0-9A-F]{12}$/;
const DIRECTORY_NUMBER = /^\+?[0-9*#]{1,24}$/;
const MAX_CALLS_LIMIT = 200;

/** Listener for changes that running services must act on (a line's DN changed, a phone was removed). */
export interface CucmConfigDelegate {
  onPhoneRemoved?(name: string): void;
  onLineChanged?(deviceName: string, line: number): void;
}

/**
 * The running configuration and its typed API, mirroring CUCM Administration pages. Every change
 * is validated; a product rule violation throws ConfigError and leaves the configuration unchanged.
 */
export class CucmConfigStore {
  readonly release: CucmRelease;
  readonly defects: ReadonlySet<CucmDefect>;
  readonly keepAliveIntervalS: number;
  readonly interDigitTimeoutMs: number;
  readonly forwardNoAnswerTimerS: number;
  /** Meet-Me numbers (B7; docs/protocols/cucm-features.md §9). */
  readonly meetMeNumbers: ReadonlySet<string>;
  /** SIP trunks by name, and the CUP PUBLISH Trunk service parameter (changed by the administration pages). */
  sipTrunks: Map<string, SipTrunk>;
  cupPublishTrunk: string | undefined;
  private readonly phoneMap = new Map<string, PhoneRecord>();
  /** Every line appearance by DN (digit analysis and CTI look DNs up on every call), in configuration order. */
  private readonly dnIndex = new Map<string, { phone: PhoneRecord; line: number }[]>();
  private readonly phoneOrder = new Map<string, number>();
  private nextPhoneOrder = 0;
  /** The DNs in sorted order, for prefix questions; rebuilt after a change. */
  private sortedDns: string[] | undefined;
  private readonly appUsers = new Map<string, ApplicationUserRecord>();
  private readonly endUserMap = new Map<string, EndUserRecord>();
  delegate: CucmConfigDelegate = {};
  /** Extension Mobility: the service's state and the user device profiles (B11). */
  private emService: { activated: boolean; serviceName: string | undefined } = { activated: false, serviceName: undefined };
  private readonly emProfiles = new Map<string, DeviceProfileConfig & { subscribed: boolean }>();

  constructor(config: CucmConfig) {
    this.release = config.release;
    this.defects = config.defects;
    this.keepAliveIntervalS = config.keepAliveIntervalS ?? 30;
    this.interDigitTimeoutMs = config.interDigitTimeoutMs ?? 15_000;
    this.forwardNoAnswerTimerS = config.forwardNoAnswerTimerS ?? 12;
    this.meetMeNumbers = new Set(config.meetMeNumbers ?? []);
    this.sipTrunks = new Map((config.sipTrunks ?? []).map((t) => [t.name, t]));
    this.cupPublishTrunk = config.cupPublishTrunk;
    if (config.extensionMobility) {
      this.emService = { activated: config.extensionMobility.serviceActivated, serviceName: config.extensionMobility.serviceName };
      for (const p of config.extensionMobility.deviceProfiles) this.emProfiles.set(p.name, { ...p });
    }
    for (const p of config.phones) this.phones.add(p);
    for (const u of config.applicationUsers) this.applicationUsers.add(u.userId, u);
    for (const u of config.endUsers) this.endUsers.add(u.userId, u);
  }

  // ------------------------------------------------------------------ queries

  phone(name: string): PhoneRecord | undefined {
    return this.phoneMap.get(name);
  }

  allPhones(): readonly PhoneRecord[] {
    return [...this.phoneMap.values()];
  }

  applicationUser(userId: string): ApplicationUserRecord | undefined {
    return this.appUsers.get(userId);
  }

  endUser(userId: string): EndUserRecord | undefined {
    return this.endUserMap.get(userId);
  }

  /** Every end user, in the order they were added. */
  allEndUsers(): readonly EndUserRecord[] {
    return [...this.endUserMap.values()];
  }

  /** Every line appearance carrying `dn`, in configuration order. */
  appearancesOf(dn: string): { phone: PhoneRecord; line: number; record: LineRecord }[] {
    const entries = this.dnIndex.get(dn) ?? [];
    return entries
      .map(({ phone, line }) => ({ phone, line, record: phone.lines[line - 1] as LineRecord }))
      .sort((a, b) => (this.phoneOrder.get(a.phone.name) ?? 0) - (this.phoneOrder.get(b.phone.name) ?? 0) || a.line - b.line);
  }

  /** Whether some line carries `dn` (digit analysis). */
  /** Whether some Meet-Me number begins with `digits` and is longer. */
  hasLongerMeetMeNumber(digits: string): boolean {
    for (const n of this.meetMeNumbers) if (n.length > digits.length && n.startsWith(digits)) return true;
    return false;
  }

  hasDirectoryNumber(dn: string): boolean {
    return (this.dnIndex.get(dn)?.length ?? 0) > 0;
  }

  /** All configured DNs. */
  directoryNumbers(): ReadonlySet<string> {
    return new Set(this.dnIndex.keys());
  }

  /** Whether some DN is longer than `digits` and starts with them (digit analysis waits for more digits then). */
  hasLongerDirectoryNumber(digits: string): boolean {
    this.sortedDns ??= [...this.dnIndex.keys()].sort();
    const sorted = this.sortedDns;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as string) < digits) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length; i++) {
      const dn = sorted[i] as string;
      if (!dn.startsWith(digits)) return false;
      if (dn.length > digits.length) return true;
    }
    return false;
  }

  private indexLine(phone: PhoneRecord, line: number): void {
    const dn = phone.lines[line - 1]?.dn;
    if (dn === undefined) return;
    this.sortedDns = undefined;
    const list = this.dnIndex.get(dn) ?? [];
    list.push({ phone, line });
    this.dnIndex.set(dn, list);
  }

  private unindexLine(phone: PhoneRecord, line: number, dn: string): void {
    this.sortedDns = undefined;
    const list = this.dnIndex.get(dn)?.filter((e) => !(e.phone.name === phone.name && e.line === line));
    if (!list || list.length === 0) this.dnIndex.delete(dn);
    else this.dnIndex.set(dn, list);
  }

  // ------------------------------------------------------------------ admin pages

  readonly phones = {
    /** Device > Phone > Add New. */
    add: (phone: PhoneConfig): void => {
      if (!DEVICE_NAME.test(phone.name)) throw new ConfigError(`phone name "${phone.name}" must be SEP followed by 12 upper-case hex digits of the MAC address`);
      if (this.phoneMap.has(phone.name)) throw new ConfigError(`a device named ${phone.name} already exists`);
      const facts = MODEL_FACTS[phone.model];
      if (!facts) throw new ConfigError(`unknown phone model "${String(phone.model)}"`);
      if (!facts.protocols.includes(phone.protocol)) throw new ConfigError(`Cisco ${phone.model} does not support device protocol ${phone.protocol}`);
      if (phone.lines.length === 0) throw new ConfigError(`phone ${phone.name} needs at least one line`);
      if (phone.lines.length > facts.lineButtons) throw new ConfigError(`Cisco ${phone.model} has ${facts.lineButtons} line buttons; ${phone.lines.length} lines configured on ${phone.name}`);
      const lines = phone.lines.map((l, i) => lineRecord(phone.name, i + 1, l));
      const seen = new Set<string>();
      for (const l of lines) {
        if (seen.has(l.dn)) throw new ConfigError(`DN ${l.dn} appears twice on ${phone.name}`);
        seen.add(l.dn);
      }
      const record: PhoneRecord = {
        name: phone.name,
        model: phone.model,
        protocol: phone.protocol,
        description: phone.description ?? `${phone.model} ${phone.protocol.toUpperCase()}`,
        allowCtiControl: phone.allowCtiControl ?? true,
        dndOption: phone.dndOption ?? 'ringerOff',
        dnd: phone.dnd ?? false,
        extensionMobility: { enabled: phone.extensionMobility?.enabled ?? false, subscribed: phone.extensionMobility?.subscribed ?? false },
        lines,
      };
      this.phoneMap.set(phone.name, record);
      this.phoneOrder.set(phone.name, this.nextPhoneOrder++);
      lines.forEach((_l, i) => this.indexLine(record, i + 1));
    },
    /** Device > Phone > Delete: also removes the device from every user's controlled devices. */
    remove: (name: string): void => {
      const phone = this.phoneMap.get(name);
      if (!phone) throw new ConfigError(`no device named ${name}`);
      phone.lines.forEach((l, i) => this.unindexLine(phone, i + 1, l.dn));
      this.phoneMap.delete(name);
      this.phoneOrder.delete(name);
      for (const u of this.appUsers.values()) u.controlledDevices = u.controlledDevices.filter((d) => d !== name);
      for (const u of this.endUserMap.values()) u.controlledDevices = u.controlledDevices.filter((d) => d !== name);
      this.delegate.onPhoneRemoved?.(name);
    },
    /** Device > Phone > "Allow Control of Device from CTI". */
    setAllowCtiControl: (name: string, allow: boolean): void => {
      this.requirePhone(name).allowCtiControl = allow;
    },
    /** Device > Phone > "Do Not Disturb" and "DND Option". */
    setDnd: (name: string, d: { active?: boolean; option?: DndOption }): void => {
      const phone = this.requirePhone(name);
      if (d.option !== undefined) phone.dndOption = d.option;
      if (d.active !== undefined) phone.dnd = d.active;
    },
  };

  readonly lines = {
    /** Directory Number Configuration > Directory Number (line is 1-based). */
    setDirectoryNumber: (deviceName: string, line: number, dn: string): void => {
      const record = this.requireLine(deviceName, line);
      if (!DIRECTORY_NUMBER.test(dn)) throw new ConfigError(`"${dn}" is not a valid directory number (digits, *, #, optional leading +)`);
      const phone = this.requirePhone(deviceName);
      if (phone.lines.some((l, i) => i + 1 !== line && l.dn === dn)) throw new ConfigError(`DN ${dn} is already on another line of ${deviceName}`);
      this.unindexLine(phone, line, record.dn);
      record.dn = dn;
      this.indexLine(phone, line);
      if (!dn.startsWith('+')) record.e164SinceCreation = false;
      this.delegate.onLineChanged?.(deviceName, line);
    },
    /** Directory Number Configuration > "Allow Control of Device from CTI". */
    setAllowCtiControl: (deviceName: string, line: number, allow: boolean): void => {
      this.requireLine(deviceName, line).allowCtiControl = allow;
    },
    /** Directory Number Configuration > Maximum Number of Calls / Busy Trigger. */
    setCallLimits: (deviceName: string, line: number, maxCalls: number, busyTrigger: number): void => {
      const record = this.requireLine(deviceName, line);
      checkLimits(deviceName, line, maxCalls, busyTrigger);
      record.maxCalls = maxCalls;
      record.busyTrigger = busyTrigger;
    },
    /** Directory Number Configuration > Forward Busy Internal / Forward No Answer Internal (undefined clears each). */
    setForwardBusyNoAnswer: (deviceName: string, line: number, f: { busy?: string | undefined; noAnswer?: string | undefined; noAnswerRingDurationS?: number | undefined }): void => {
      const record = this.requireLine(deviceName, line);
      for (const value of [f.busy, f.noAnswer]) {
        if (value !== undefined && !DIRECTORY_NUMBER.test(value)) throw new ConfigError(`forward destination "${value}" is not a valid number`);
      }
      if ('busy' in f) record.forwardBusy = f.busy;
      if ('noAnswer' in f) record.forwardNoAnswer = f.noAnswer;
      if ('noAnswerRingDurationS' in f) record.noAnswerRingDurationS = f.noAnswerRingDurationS;
    },
    /** Directory Number Configuration > Call Forward All (undefined clears it). */
    setForwardAll: (deviceName: string, line: number, destination: string | undefined): void => {
      const record = this.requireLine(deviceName, line);
      if (destination !== undefined && !DIRECTORY_NUMBER.test(destination)) throw new ConfigError(`forward destination "${destination}" is not a valid number`);
      record.forwardAll = destination;
      this.delegate.onLineChanged?.(deviceName, line);
    },
  };

  readonly applicationUsers = {
    add: (userId: string, user: { password: string; groups?: readonly UserGroup[]; controlledDevices?: readonly string[] }): void => {
      if (!userId.trim()) throw new ConfigError('application user id must not be empty');
      if (this.appUsers.has(userId) || this.endUserMap.has(userId)) throw new ConfigError(`a user with id ${userId} already exists`);
      const record: ApplicationUserRecord = { userId, password: user.password, groups: [], controlledDevices: [] };
      this.applyUser(record, user);
      this.appUsers.set(userId, record);
    },
    update: (userId: string, changes: { password?: string; groups?: readonly UserGroup[]; controlledDevices?: readonly string[] }): void => {
      const record = this.appUsers.get(userId);
      if (!record) throw new ConfigError(`no application user ${userId}`);
      const next = { ...record, groups: [...record.groups], controlledDevices: [...record.controlledDevices] };
      this.applyUser(next, changes);
      Object.assign(record, next);
    },
    remove: (userId: string): void => {
      if (!this.appUsers.delete(userId)) throw new ConfigError(`no application user ${userId}`);
    },
  };

  /** Extension Mobility (B11; docs/protocols/cucm-features.md §11). */
  readonly extensionMobility = {
    /** Serviceability (activate the service) and Phone Services (the EM IP phone service; null removes it). */
    configure: (changes: { serviceActivated?: boolean; serviceName?: string | null }): void => {
      if (changes.serviceActivated !== undefined) this.emService.activated = changes.serviceActivated;
      if (changes.serviceName !== undefined) this.emService.serviceName = changes.serviceName ?? undefined;
    },
    service: (): { activated: boolean; serviceName: string | undefined } => ({ ...this.emService }),
    profile: (name: string): (DeviceProfileConfig & { subscribed: boolean }) | undefined => this.emProfiles.get(name),
    /** Device Settings > Device Profile: subscription to the EM service, and the profile's lines. */
    setProfile: (name: string, changes: { subscribed?: boolean; lines?: readonly LineConfig[] }): void => {
      const p = this.emProfiles.get(name);
      if (!p) throw new ConfigError(`no device profile ${name}`);
      if (changes.lines) changes.lines.forEach((l, i) => lineRecord(name, i + 1, l));
      this.emProfiles.set(name, { ...p, ...(changes.subscribed !== undefined ? { subscribed: changes.subscribed } : {}), ...(changes.lines ? { lines: changes.lines } : {}) });
    },
    /** Phone Configuration: "Enable Extension Mobility" and the phone's subscription to the EM service. */
    setPhone: (deviceName: string, changes: { enabled?: boolean; subscribed?: boolean }): void => {
      const phone = this.phoneMap.get(deviceName);
      if (!phone) throw new ConfigError(`no device named ${deviceName}`);
      phone.extensionMobility = { ...phone.extensionMobility, ...changes };
    },
    /** A login: the phone takes the profile's lines (its own are kept for the logout). */
    login: (deviceName: string, userId: string, profileName: string): void => {
      const phone = this.phoneMap.get(deviceName);
      const profile = this.emProfiles.get(profileName);
      if (!phone || !profile) throw new ConfigError(`no device ${deviceName} or profile ${profileName}`);
      const ownLines = phone.emLogin?.ownLines ?? phone.lines;
      this.replaceLines(phone, profile.lines.map((l, i) => lineRecord(deviceName, i + 1, l)));
      phone.emLogin = { userId, profile: profileName, ownLines };
    },
    logout: (deviceName: string): void => {
      const phone = this.phoneMap.get(deviceName);
      if (!phone?.emLogin) return;
      const own = phone.emLogin.ownLines;
      phone.emLogin = undefined;
      this.replaceLines(phone, own);
    },
  };

  private replaceLines(phone: PhoneRecord, lines: LineRecord[]): void {
    phone.lines.forEach((l, i) => this.unindexLine(phone, i + 1, l.dn));
    phone.lines = lines;
    lines.forEach((_l, i) => this.indexLine(phone, i + 1));
  }

  readonly endUsers = {
    add: (userId: string, user: Partial<Omit<EndUserConfig, 'userId'>>): void => {
      if (!userId.trim()) throw new ConfigError('end user id must not be empty');
      if (this.appUsers.has(userId) || this.endUserMap.has(userId)) throw new ConfigError(`a user with id ${userId} already exists`);
      const record: EndUserRecord = {
        userId,
        password: '',
        firstName: '',
        lastName: '',
        telephoneNumber: '',
        primaryExtension: '',
        groups: ['Standard CCM End Users'],
        controlledDevices: [],
        pin: '',
        controlledProfiles: [],
        email: '',
        licenseCapabilities: [],
      };
      this.applyEndUser(record, user);
      this.endUserMap.set(userId, record);
    },
    update: (userId: string, changes: Partial<Omit<EndUserConfig, 'userId'>>): void => {
      const record = this.endUserMap.get(userId);
      if (!record) throw new ConfigError(`no end user ${userId}`);
      const next = { ...record, groups: [...record.groups], controlledDevices: [...record.controlledDevices] };
      this.applyEndUser(next, changes);
      Object.assign(record, next);
    },
    remove: (userId: string): void => {
      if (!this.endUserMap.delete(userId)) throw new ConfigError(`no end user ${userId}`);
    },
  };

  private applyUser(record: ApplicationUserRecord, changes: { password?: string; groups?: readonly UserGroup[]; controlledDevices?: readonly string[] }): void {
    if (changes.password !== undefined) {
      if (!changes.password) throw new ConfigError(`application user ${record.userId}: password must not be empty`);
      record.password = changes.password;
    }
    if (changes.groups) record.groups = this.checkGroups(record.userId, changes.groups);
    if (changes.controlledDevices) record.controlledDevices = this.checkDevices(record.userId, changes.controlledDevices);
  }

  private applyEndUser(record: EndUserRecord, changes: Partial<Omit<EndUserConfig, 'userId'>>): void {
    if (changes.pin !== undefined) record.pin = changes.pin;
    if (changes.email !== undefined) record.email = changes.email;
    if (changes.licenseCapabilities !== undefined) record.licenseCapabilities = [...changes.licenseCapabilities];
    if (changes.controlledProfiles) {
      const unknown = changes.controlledProfiles.filter((p) => !this.emProfiles.has(p));
      if (unknown.length > 0) throw new ConfigError(`end user ${record.userId}: no device profile ${unknown.join(', ')}`);
      record.controlledProfiles = [...changes.controlledProfiles];
    }
    if (changes.password !== undefined) record.password = changes.password;
    if (changes.firstName !== undefined) record.firstName = changes.firstName;
    if (changes.lastName !== undefined) record.lastName = changes.lastName;
    if (changes.telephoneNumber !== undefined) record.telephoneNumber = changes.telephoneNumber;
    if (changes.groups) record.groups = this.checkGroups(record.userId, changes.groups);
    if (changes.controlledDevices) record.controlledDevices = this.checkDevices(record.userId, changes.controlledDevices);
    if (changes.primaryExtension !== undefined) {
      // End User Configuration: the Primary Extension list offers only lines of the user's controlled devices.
      const dn = changes.primaryExtension;
      if (dn && !record.controlledDevices.some((d) => this.phoneMap.get(d)?.lines.some((l) => l.dn === dn))) {
        throw new ConfigError(`end user ${record.userId}: primary extension ${dn} is not a line of a controlled device`);
      }
      record.primaryExtension = dn;
    }
  }

  private checkGroups(userId: string, groups: readonly UserGroup[]): UserGroup[] {
    for (const g of groups) if (!(USER_GROUPS as readonly string[]).includes(g)) throw new ConfigError(`user ${userId}: unknown user group "${g}"`);
    return [...new Set(groups)];
  }

  private checkDevices(userId: string, devices: readonly string[]): string[] {
    for (const d of devices) if (!this.phoneMap.has(d)) throw new ConfigError(`user ${userId}: controlled device ${d} does not exist`);
    return [...new Set(devices)];
  }

  private requirePhone(name: string): PhoneRecord {
    const phone = this.phoneMap.get(name);
    if (!phone) throw new ConfigError(`no device named ${name}`);
    return phone;
  }

  private requireLine(deviceName: string, line: number): LineRecord {
    const record = this.requirePhone(deviceName).lines[line - 1];
    if (!record) throw new ConfigError(`${deviceName} has no line ${line}`);
    return record;
  }
}

function checkLimits(deviceName: string, line: number, maxCalls: number, busyTrigger: number): void {
  if (!Number.isInteger(maxCalls) || maxCalls < 1 || maxCalls > MAX_CALLS_LIMIT) {
    throw new ConfigError(`${deviceName} line ${line}: Maximum Number of Calls must be 1..${MAX_CALLS_LIMIT}`);
  }
  if (!Number.isInteger(busyTrigger) || busyTrigger < 1 || busyTrigger > maxCalls) {
    throw new ConfigError(`${deviceName} line ${line}: Busy Trigger must be 1..Maximum Number of Calls (${maxCalls})`);
  }
}

function lineRecord(deviceName: string, line: number, l: LineConfig): LineRecord {
  if (!DIRECTORY_NUMBER.test(l.dn)) throw new ConfigError(`${deviceName} line ${line}: "${l.dn}" is not a valid directory number (digits, *, #, optional leading +)`);
  const maxCalls = l.maxCalls ?? 4;
  const busyTrigger = l.busyTrigger ?? Math.min(2, maxCalls);
  checkLimits(deviceName, line, maxCalls, busyTrigger);
  for (const [field, value] of [['forward all', l.forwardAll], ['forward busy', l.forwardBusy], ['forward no answer', l.forwardNoAnswer]] as const) {
    if (value !== undefined && !DIRECTORY_NUMBER.test(value)) throw new ConfigError(`${deviceName} line ${line}: ${field} destination "${value}" is not a valid number`);
  }
  return {
    dn: l.dn,
    display: l.display ?? l.dn,
    maxCalls,
    busyTrigger,
    allowCtiControl: l.allowCtiControl ?? true,
    forwardAll: l.forwardAll,
    forwardBusy: l.forwardBusy,
    forwardNoAnswer: l.forwardNoAnswer,
    noAnswerRingDurationS: l.noAnswerRingDurationS,
    e164SinceCreation: l.dn.startsWith('+'),
  };
}
