import { VirtualClock } from '../../simulators/kernel/clock';
import { MemoryLog } from '../../simulators/kernel/logger';
import { seededRandom } from '../../simulators/kernel/random';
import { CtiFramer, encodeCti } from '../../simulators/protocols/cti';
import type { CtiMessage } from '../../simulators/protocols/cti';
import { MemoryNetwork } from '../../simulators/transport/memory-network';
import type { CaptureSink } from '../../simulators/transport/capture';
import type { TcpConnection } from '../../simulators/transport/network';
import type { NodeEnv } from '../../simulators/nodes/node';
import { SccpPhone } from '../../simulators/nodes/phone/sccp-phone';
import type { SccpPhoneModel } from '../../simulators/nodes/phone/sccp-phone';
import { SipPhone } from '../../simulators/nodes/phone/sip-phone';
import { Cucm } from '../../simulators/nodes/cucm/cucm';
import type { CucmConfig } from '../../simulators/nodes/cucm/cucm-config';

export const CUCM_ADDRESS = '10.1.1.10';

/** A small lab for CUCM tests: memory network, virtual clock, CUCM and phones. Test support only. */
export class CucmTestLab {
  readonly clock = new VirtualClock();
  readonly log = new MemoryLog(this.clock);
  readonly net: MemoryNetwork;
  private nextHost = 20;

  constructor(capture?: CaptureSink) {
    this.net = new MemoryNetwork({ clock: this.clock, random: seededRandom(7), capture });
  }

  env(hostName: string, address: string): NodeEnv {
    return {
      network: this.net.addHost(hostName, address),
      clock: this.clock,
      log: this.log.logger(hostName),
      random: seededRandom(this.nextHost),
      dnsServer: { address: '10.1.1.2', port: 53 },
    };
  }

  startCucm(config: CucmConfig): Promise<Cucm> {
    return this.drive(Cucm.start(this.env('cucm', CUCM_ADDRESS), config));
  }

  startPhone(deviceName: string, model: SccpPhoneModel, dns: string[]): Promise<SccpPhone> {
    const n = this.nextHost++;
    return this.drive(SccpPhone.start(this.env(`phone-${n}`, `10.1.2.${n}`), {
      deviceName,
      model,
      endpoint: `${model}-sccp`,
      cucm: { address: CUCM_ADDRESS, port: 2000 },
      lines: dns.map((dn) => ({ dn })),
    }));
  }

  startSipPhone(deviceName: string, dn: string, ...moreLines: string[]): Promise<SipPhone> {
    const n = this.nextHost++;
    return this.drive(SipPhone.start(this.env(`phone-${n}`, `10.1.2.${n}`), {
      deviceName,
      model: '7971',
      endpoint: '7971-sip',
      cucm: { address: CUCM_ADDRESS, port: 5060 },
      lines: [{ dn }, ...moreLines.map((d) => ({ dn: d }))],
    }));
  }

  /** Runs virtual time until `promise` settles (a TCP connect waits for the link latency on the clock). */
  async drive<T>(promise: Promise<T>, withinMs = 5_000): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    await this.clock.runUntil(() => done, this.clock.now() + withinMs);
    return tracked;
  }

  async until(cond: () => boolean, withinMs = 5_000): Promise<void> {
    const ok = await this.clock.runUntil(cond, this.clock.now() + withinMs);
    if (!ok) throw new Error(`condition not met within ${withinMs} ms of virtual time`);
  }

  async ctiClient(): Promise<CtiTestClient> {
    const host = this.net.addHost('cup', '10.1.1.20');
    const connection = await this.drive(host.connectTcp({ address: CUCM_ADDRESS, port: 2748 }));
    return new CtiTestClient(connection);
  }
}

/** A bare CTI client (what CUP's CTI gateway would be) that records every frame it receives. */
export class CtiTestClient {
  private readonly framer = new CtiFramer();
  private invokeId = 1;
  readonly responses = new Map<number, CtiMessage>();
  readonly events: CtiMessage[] = [];

  constructor(readonly connection: TcpConnection) {
    connection.onData((data) => {
      for (const r of this.framer.push(data)) {
        if (!r.ok) throw r.error;
        if (r.value.invokeId === 0) this.events.push(r.value.message);
        else this.responses.set(r.value.invokeId, r.value.message);
      }
    });
  }

  send(message: CtiMessage): number {
    const id = this.invokeId++;
    this.connection.write(encodeCti(message, id));
    return id;
  }
}
