import { decodeDnsMessage, encodeDnsMessage, reverseName } from '../../protocols/dns/dns-message';
import type { DnsMessage, DnsResourceRecord } from '../../protocols/dns/dns-message';
import type { UdpSocket } from '../../transport/network';
import type { NodeEnv } from '../node';
import { NodeBase } from '../node';
import { appendBounded } from '../../kernel/bounded-list';

export interface DnsZoneConfig {
  /** Forward lookup zone: FQDN → IPv4. */
  a: Record<string, string>;
  /** Reverse lookup zone: when true, a PTR record is derived for every A record. */
  ptr: boolean;
  srv: { name: string; target: string; port: number; priority: number; weight: number }[];
}

const TTL = 3600;

/**
 * The lab's Active Directory DNS (the seed's "Domain Name Server Configuration": host records for
 * CUP, CUCM and the OCS pools, PTR records in the reverse zone, SRV records for the front-end
 * pools). Answers RFC 1035 queries on UDP 53; a query it cannot decode gets FORMERR.
 */
export class DnsServer extends NodeBase {
  readonly hostName: string;
  private socket: UdpSocket | undefined;
  private zone: DnsZoneConfig;
  /** The zone as the lab configured it, for restoring records an administrator deleted. */
  private readonly configured: DnsZoneConfig;
  readonly queries: { name: string; type: string; rcode: string }[] = [];

  private constructor(private readonly env: NodeEnv, zone: DnsZoneConfig) {
    super();
    this.hostName = env.network.hostName;
    this.zone = zone;
    this.configured = zone;
  }

  static async start(env: NodeEnv, zone: DnsZoneConfig, port = 53): Promise<DnsServer> {
    const server = new DnsServer(env, zone);
    server.socket = await env.network.bindUdp(port);
    server.socket.onDatagram((data, from) => server.socket?.send(from, server.answer(data)));
    return server;
  }

  /** Configuration API (the DNS manager's zone editor). */
  readonly config = {
    setHost: (fqdn: string, address: string): void => {
      this.zone = { ...this.zone, a: { ...this.zone.a, [fqdn.toLowerCase()]: address } };
    },
    removeHost: (fqdn: string): void => {
      const a = { ...this.zone.a };
      delete a[fqdn.toLowerCase()];
      this.zone = { ...this.zone, a };
    },
    /** Puts back a host record of the lab's zone. */
    restoreHost: (fqdn: string): void => {
      const address = this.configured.a[fqdn.toLowerCase()];
      if (address === undefined) throw new RangeError(`the lab's zone has no host record ${fqdn}`);
      this.zone = { ...this.zone, a: { ...this.zone.a, [fqdn.toLowerCase()]: address } };
    },
    /** The reverse lookup zone's PTR records, on or off. */
    setPtr: (enabled: boolean): void => {
      this.zone = { ...this.zone, ptr: enabled };
    },
    /** Deletes the SRV records of a name, or puts back the lab's. */
    removeSrv: (name: string): void => {
      this.zone = { ...this.zone, srv: this.zone.srv.filter((r) => r.name.toLowerCase() !== name.toLowerCase()) };
    },
    restoreSrv: (name: string): void => {
      const mine = this.configured.srv.filter((r) => r.name.toLowerCase() === name.toLowerCase());
      this.zone = { ...this.zone, srv: [...this.zone.srv.filter((r) => r.name.toLowerCase() !== name.toLowerCase()), ...mine] };
    },
  };

  private answer(data: Uint8Array): Uint8Array {
    const decoded = decodeDnsMessage(data);
    if (!decoded.ok) {
      this.env.log.warn('malformed DNS query', { error: decoded.error.message });
      // RFC 1035 §4.1.1 RCODE 1 "Format error - The name server was unable to interpret the query."
      const id = data.length >= 2 ? ((data[0] as number) << 8) | (data[1] as number) : 0;
      return encodeDnsMessage({ id, flags: responseFlags('FORMERR'), questions: [], answers: [] });
    }
    const query = decoded.value;
    const answers: DnsResourceRecord[] = [];
    for (const q of query.questions) answers.push(...this.lookup(q.name.toLowerCase(), q.type));
    const rcode = answers.length > 0 ? 'NOERROR' : 'NXDOMAIN';
    for (const q of query.questions) appendBounded(this.queries, { name: q.name, type: q.type, rcode });
    const reply: DnsMessage = { id: query.id, flags: responseFlags(rcode), questions: query.questions, answers };
    return encodeDnsMessage(reply);
  }

  private lookup(name: string, type: string): DnsResourceRecord[] {
    if (type === 'A') {
      const address = this.zone.a[name];
      return address ? [{ name, ttl: TTL, type: 'A', address }] : [];
    }
    if (type === 'PTR' && this.zone.ptr) {
      return Object.entries(this.zone.a)
        .filter(([, address]) => reverseName(address) === name)
        .map(([fqdn]) => ({ name, ttl: TTL, type: 'PTR' as const, target: fqdn }));
    }
    if (type === 'SRV') {
      return this.zone.srv
        .filter((s) => s.name.toLowerCase() === name)
        .map((s) => ({ name, ttl: TTL, type: 'SRV' as const, priority: s.priority, weight: s.weight, port: s.port, target: s.target }));
    }
    return [];
  }

  leaks(): string[] {
    return [];
  }

  async stop(): Promise<void> {
    this.socket?.close();
  }
}

function responseFlags(rcode: 'NOERROR' | 'NXDOMAIN' | 'FORMERR'): DnsMessage['flags'] {
  return { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false, rcode };
}
