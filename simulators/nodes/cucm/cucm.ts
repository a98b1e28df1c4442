import type { NodeEnv } from '../node';
import { NodeBase } from '../node';
import { CallControl } from './call-control';
import type { CallLeg, LegState } from './call-control';
import { CucmConfigStore } from './cucm-config';
import type { CucmConfig } from './cucm-config';
import { CtiManager } from './cti-manager';
import type { CtiProviderObservation, ThirdPartyControl } from './cti-manager';
import { SipLineServer } from './sip-line-server';
import { PhonePresencePublisher } from './presence-publisher';
import { DnsResolver } from '../shared/dns-resolver';
import { ExtensionMobilityService } from './em-service';
import { StationServer } from './station-server';

export interface CucmDeviceObservation {
  readonly deviceName: string;
  readonly model: string;
  readonly protocol: 'sccp' | 'sip';
  readonly address: string;
}

export interface CucmLegObservation {
  readonly deviceName: string;
  readonly line: number;
  readonly dn: string;
  readonly state: LegState;
}

export interface CucmCallObservation {
  readonly callId: string;
  readonly callingParty: string;
  readonly calledParty: string;
  readonly phase: string;
  readonly origin: CucmLegObservation;
  readonly terminating?: CucmLegObservation;
}

export interface CucmObservation {
  readonly release: string;
  readonly devices: readonly CucmDeviceObservation[];
  readonly calls: readonly CucmCallObservation[];
  readonly ctiProviders: readonly CtiProviderObservation[];
  /** Conferences on the bridge: Meet-Me (with its number) and ad hoc, with their participants' devices. */
  readonly conferences: readonly { readonly kind: 'meetMe' | 'adHoc'; readonly number?: string; readonly parties: readonly string[] }[];
}

const legView = (l: CallLeg): CucmLegObservation => ({ deviceName: l.deviceName, line: l.line, dn: l.dn, state: l.state });

/**
 * Cisco Unified Communications Manager 7.0(2) as a lab node: SCCP station server (TCP 2000), SIP
 * line side (UDP/TCP 5060), call control with digit analysis, CTIManager (TCP 2748), and a typed configuration API (`config`)
 * mirroring CUCM Administration.
 */
export class Cucm extends NodeBase {
  readonly hostName: string;
  readonly config: CucmConfigStore;
  private readonly callControl: CallControl;
  private readonly stations: StationServer;
  private readonly cti: CtiManager;
  private readonly sipLines: SipLineServer;
  private readonly em: ExtensionMobilityService;
  private readonly presence: PhonePresencePublisher;

  private constructor(private readonly env: NodeEnv, config: CucmConfig) {
    super();
    this.hostName = env.network.hostName;
    this.config = new CucmConfigStore(config);
    this.callControl = new CallControl(this.config, env.clock, env.log.child('callcontrol'));
    this.stations = new StationServer(this.hostName, this.config, this.callControl, env.clock, env.log.child('sccp'));
    this.sipLines = new SipLineServer(env, this.config, this.callControl);
    this.cti = new CtiManager(this.config, this.callControl, (name) => this.thirdPartyControl(name), env.clock, env.log.child('cti'));
    this.presence = new PhonePresencePublisher({
      sip: () => this.sipLines.endpoint,
      resolver: new DnsResolver(env.network, env.dnsServer, env.clock, env.random),
      clock: env.clock,
      random: env.random,
      log: env.log.child('presence'),
      fqdn: config.fqdn ?? env.network.address,
      trunk: () => {
        const name = this.config.cupPublishTrunk;
        return name === undefined ? undefined : this.config.sipTrunks.get(name);
      },
      legsOfDn: (dn) => this.callControl.legsOfDn(dn),
    });
    this.callControl.addDelegate({ onLegState: (leg) => this.presence.onLegState(leg) });
    this.stations.onForwardingChanged = (device, line) => this.cti.forwardingChanged(device, line);
    this.sipLines.onForwardingChanged = (device, line) => this.cti.forwardingChanged(device, line);
    // Extension Mobility restarts the phone to give it its new lines (SCCP Reset; SIP NOTIFY service-control).
    this.em = new ExtensionMobilityService(this.config, env.network.address, env.log.child('em'), (name) => {
      // The phone's lines change: monitors on it end, as when it unregisters.
      this.cti.endMonitors((m) => m.deviceName === name, 'deviceUnregistered');
      this.stations.resetDevice(name);
      this.sipLines.restartDevice(name);
    });
    this.config.delegate = {
      onPhoneRemoved: (name) => {
        this.cti.deviceRemoved(name);
        this.stations.resetDevice(name);
      },
    };
  }

  static async start(env: NodeEnv, config: CucmConfig): Promise<Cucm> {
    const cucm = new Cucm(env, config);
    await cucm.stations.listen(env.network);
    await cucm.sipLines.listen();
    await cucm.cti.listen(env.network);
    await cucm.em.listen(env.network, env.clock);
    env.log.info('CUCM started', { release: cucm.config.release, address: env.network.address });
    return cucm;
  }

  /** Address phones and CUP use to reach this node. */
  get address(): string {
    return this.env.network.address;
  }

  observe(): CucmObservation {
    return {
      release: this.config.release,
      devices: [...this.stations.observe(), ...this.sipLines.observe()],
      calls: this.callControl.activeCalls().map((c) => ({
        callId: String(c.id),
        callingParty: c.callingParty,
        calledParty: c.calledParty,
        phase: c.phase,
        origin: legView(c.origin),
        ...(c.terminating ? { terminating: legView(c.terminating) } : {}),
      })),
      ctiProviders: this.cti.observe(),
      conferences: this.callControl.conferences().map((c) => ({
        kind: c.kind,
        ...(c.number !== undefined ? { number: c.number } : {}),
        parties: [...c.calls].map((call) => (call.origin.driver.protocol === 'bridge' ? call.terminating?.deviceName ?? '' : call.origin.deviceName)),
      })),
    };
  }

  leaks(): string[] {
    return [...this.callControl.leaks(), ...this.cti.leaks(), ...this.sipLines.leaks()];
  }

  async stop(): Promise<void> {
    this.cti.close();
    this.em.close();
    this.stations.close();
    this.callControl.clearAll();
    await this.sipLines.close();
  }

  private thirdPartyControl(deviceName: string): ThirdPartyControl | undefined {
    const driver = this.callControl.driverOf(deviceName);
    if (!driver) return undefined;
    if (driver.protocol === 'sccp') {
      const stations = this.stations;
      return {
        makeCall: (name, line, destination) => {
          const leg = stations.thirdPartyMakeCall(name, line, destination);
          if (!leg) return 'notRegistered';
          const call = this.callControl.callOf(leg);
          return call ? { callId: String(call.id) } : {};
        },
        answer: (leg) => stations.thirdPartyAnswer(leg),
        forwardingChanged: (name, line) => stations.forwardStat(name, line),
      };
    }
    return this.sipLines.thirdPartyControl(deviceName);
  }
}
