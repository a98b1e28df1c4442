import {
  Cucm,
  Cup,
  DnsServer,
  MemoryLog,
  MemoryNetwork,
  OcClient,
  OcsFrontEnd,
  SccpPhone,
  SipPhone,
  SocketNetwork,
  VirtualClock,
  WallClock,
  installVirtualGlobals,
  seededRandom,
  USER_GROUPS,
} from '../../simulators';
import type { CaptureSink, EndpointName, UserGroup, LogRecord, Network, NodeEnv, Phone, Random, StartedNode } from '../../simulators';
import type { Lab, LabPhone, LabUser } from './lab-schema';
import type { TimeDriver } from './time-driver';
import { VirtualTimeDriver, WallTimeDriver } from './time-driver';

export type RuntimeKind = 'memory' | 'sockets';

export interface LabRuntimeOptions {
  runtime: RuntimeKind;
  seed: number;
  capture?: CaptureSink;
  /** Sockets: first three octets of the loopback block (default 127.0.1). */
  addressPrefix?: string;
  /** Every log record as it is written (for `uc-lab serve`). */
  echo?: (record: LogRecord) => void;
}

const START_WITHIN_MS = 30_000;

/**
 * The composition root: builds the network of the chosen runtime, gives every host its address,
 * and starts the lab's nodes in dependency order (DNS, CUCM, CUP, OCS pools, phones). OC clients
 * are created but sign in only when a scenario says so. This is the only place that knows which
 * runtime runs.
 */
export class LabRuntime {
  readonly phones = new Map<string, Phone>();
  readonly oc = new Map<string, OcClient>();
  /** Communicator on the user's other PCs (MPOP), by user id. */
  readonly ocElsewhere = new Map<string, OcClient>();
  readonly ocs = new Map<string, OcsFrontEnd>();
  dns!: DnsServer;
  cucm!: Cucm;
  cup!: Cup;
  private readonly nodes: StartedNode[] = [];
  /**
   * DNS listens on 53, except on real sockets without root, where ports below 1024 are refused:
   * there it takes 10053 (every node is told where its resolver should ask).
   */
  readonly dnsPort: number;
  private uninstallGlobals: (() => void) | undefined;

  private constructor(
    readonly lab: Lab,
    readonly network: Network,
    readonly driver: TimeDriver,
    readonly log: MemoryLog,
    private readonly random: Random,
  ) {
    this.dnsPort = network.runtime === 'sockets' && process.getuid?.() !== 0 ? 10053 : 53;
  }

  static async start(lab: Lab, options: LabRuntimeOptions): Promise<LabRuntime> {
    const random = seededRandom(options.seed);
    let runtime: LabRuntime;
    if (options.runtime === 'memory') {
      const clock = new VirtualClock();
      const log = new MemoryLog(clock, options.echo);
      const network = new MemoryNetwork({ clock, random, log: log.logger('network'), ...(options.capture ? { capture: options.capture } : {}) });
      runtime = new LabRuntime(lab, network, new VirtualTimeDriver(clock), log, random);
      runtime.uninstallGlobals = installVirtualGlobals(clock, seededRandom(options.seed ^ 0x5eed));
    } else {
      const clock = new WallClock();
      const log = new MemoryLog(clock, options.echo);
      const network = new SocketNetwork({ clock, log: log.logger('network'), ...(options.addressPrefix ? { addressPrefix: options.addressPrefix } : {}), ...(options.capture ? { capture: options.capture } : {}) });
      runtime = new LabRuntime(lab, network, new WallTimeDriver(clock), log, random);
    }
    try {
      for (const [host, address] of Object.entries(lab.hosts)) runtime.network.addHost(host, address);
      await runtime.driver.complete(runtime.startNodes(), START_WITHIN_MS, `starting lab ${lab.id}`);
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    return runtime;
  }

  /** The environment a node on `host` gets. */
  env(host: string): NodeEnv {
    return {
      network: this.network.host(host),
      clock: this.driver.clock,
      log: this.log.logger(host),
      random: seededRandom(Math.floor(this.random() * 0x7fffffff)),
      dnsServer: { address: this.network.host(this.lab.dns.server).address, port: this.dnsPort },
    };
  }

  /** The FQDN the lab's DNS gives a host (`cup` → `cup.uc.lab`), or the host name when it has none. */
  fqdnOf(host: string): string {
    return Object.entries(this.lab.dns.a).find(([, h]) => h === host)?.[0] ?? host;
  }

  /** The phone of an endpoint kind, e.g. `7975-sccp`. */
  phoneFor(endpoint: EndpointName): Phone | undefined {
    const lp = this.lab.cucm.phones.find((p) => p.endpoint === endpoint);
    return lp ? this.phones.get(lp.name) : undefined;
  }

  /** The OCS user whose line URI is the phone's first line (the RCC user of that phone). */
  userOfPhone(phone: LabPhone): LabUser | undefined {
    const dn = phone.lines[0]?.dn;
    return this.lab.ocs.users.find((u) => u.rcc.lineUri.replace(/^tel:/, '').split(';')[0] === dn);
  }

  /** Post-scenario invariant: what every node still holds. */
  leaks(): string[] {
    return this.nodes.flatMap((n) => n.leaks());
  }

  async stop(): Promise<void> {
    for (const node of [...this.nodes].reverse()) {
      try {
        await this.driver.complete(node.stop(), 5_000, `stopping ${node.hostName}`);
      } catch (e) {
        this.log.logger('lab').warn(`stopping ${node.hostName} failed`, { error: e instanceof Error ? e.message : String(e) });
      }
    }
    this.nodes.length = 0;
    await this.network.close();
    if (this.driver.clock instanceof WallClock) this.driver.clock.clearAll();
    this.uninstallGlobals?.();
    this.uninstallGlobals = undefined;
  }

  private track<T extends StartedNode>(node: T): T {
    this.nodes.push(node);
    return node;
  }

  private async startNodes(): Promise<void> {
    const lab = this.lab;
    const zone = {
      a: Object.fromEntries(Object.entries(lab.dns.a).map(([fqdn, host]) => [fqdn.toLowerCase(), this.network.host(host).address])),
      ptr: lab.dns.ptr,
      srv: lab.dns.srv,
    };
    this.dns = this.track(await DnsServer.start(this.env(lab.dns.server), zone, this.dnsPort));

    this.cucm = this.track(
      await Cucm.start(this.env(lab.cucm.host), {
        version: lab.versions.cucm,
        phones: lab.cucm.phones.map((p) => ({
          name: p.name,
          model: p.model,
          protocol: p.protocol,
          allowCtiControl: p.allowCtiControl,
          lines: p.lines.map((l) => ({ dn: l.dn, maxCalls: l.maxCalls, busyTrigger: l.busyTrigger, allowCtiControl: l.allowCtiControl })),
        })),
        applicationUsers: lab.cucm.applicationUsers.map((u) => ({ ...u, groups: u.groups.filter(isUserGroup) })),
        endUsers: lab.cucm.endUsers.map((u) => ({
          userId: u.userId,
          ...(u.firstName ? { firstName: u.firstName } : {}),
          ...(u.lastName ? { lastName: u.lastName } : {}),
          ...(u.primaryExtension ? { primaryExtension: u.primaryExtension } : {}),
          groups: u.groups.filter(isUserGroup),
          controlledDevices: u.associatedDevices,
        })),
      }),
    );

    this.cup = this.track(
      await Cup.start(this.env(lab.cup.host), {
        fqdn: this.fqdnOf(lab.cup.host),
        publisher: this.fqdnOf(lab.cup.publisher),
        acl: lab.cup.acl,
        deskphoneControl: { ...lab.cup.deskphoneControl, ctiManagers: lab.cup.deskphoneControl.ctiManagers.map((h) => this.fqdnOf(h)) },
        users: lab.cup.users.map((u) => ({ userId: u.userId, deskphoneControl: u.deskphoneControl })),
        applicationDialRules: lab.cucm.dialRules.application,
      }),
    );

    for (const pool of lab.ocs.pools) {
      const fe = await OcsFrontEnd.start(this.env(pool.host), {
        poolName: pool.name,
        fqdn: pool.fqdn,
        domain: lab.domain,
        users: lab.ocs.users.filter((u) => u.pool === pool.name).map((u) => u.sipUri),
        staticRoutes: pool.staticRoutes.map((r) => ({ ...r, transport: 'TCP' as const })),
        hostAuthorizations: pool.hostAuthorizations,
      });
      this.ocs.set(pool.name, this.track(fe));
    }

    const cucmEndpoint = { address: this.network.host(lab.cucm.host).address, port: 0 };
    for (const p of lab.cucm.phones) {
      const lines = p.lines.map((l) => ({ dn: l.dn }));
      const phone: Phone =
        p.protocol === 'sccp'
          ? await SccpPhone.start(this.env(p.host), { deviceName: p.name, model: sccpModel(p.model), endpoint: p.endpoint, cucm: { ...cucmEndpoint, port: 2000 }, lines })
          : await SipPhone.start(this.env(p.host), { deviceName: p.name, model: sipModel(p.model), endpoint: sipEndpoint(p.endpoint), cucm: { ...cucmEndpoint, port: 5060 }, lines });
      this.phones.set(p.name, this.track(phone));
    }

    for (const user of lab.ocs.users) {
      const pool = lab.ocs.pools.find((x) => x.name === user.pool);
      if (!pool) continue;
      const addressBook = lab.ocs.users.map((u) => ({ displayName: u.displayName, lineUri: u.rcc.lineUri }));
      const config = { userId: user.id, displayName: user.displayName, sipUri: user.sipUri, poolFqdn: pool.fqdn, poolPort: 5060, rcc: user.rcc, addressBook };
      this.oc.set(user.id, this.track(new OcClient(this.env(user.client.host), config)));
      const [elsewhere] = user.client.otherLocations;
      if (elsewhere) this.ocElsewhere.set(user.id, this.track(new OcClient(this.env(elsewhere), config)));
    }
  }
}

function isUserGroup(g: string): g is UserGroup {
  return (USER_GROUPS as readonly string[]).includes(g);
}

function sccpModel(model: LabPhone['model']): '7975' | '7931' | '7970' {
  if (model === '7971') throw new Error('the 7971 runs SIP in the test bed');
  return model;
}

function sipModel(model: LabPhone['model']): '7971' | '7970' {
  if (model !== '7971' && model !== '7970') throw new Error(`the ${model} has no SIP load in the lab`);
  return model;
}

function sipEndpoint(endpoint: EndpointName): '7971-sip' | '7970-sip' {
  if (endpoint !== '7971-sip' && endpoint !== '7970-sip') throw new Error(`${endpoint} is not a SIP endpoint`);
  return endpoint;
}
