import type { Clock, TimerHandle } from '../../kernel/clock';
import { NetworkError } from '../../kernel/errors';
import type { Random } from '../../kernel/random';
import { decodeDnsMessage, dnsQuery, encodeDnsMessage, reverseName } from '../../protocols/dns/dns-message';
import type { DnsResourceRecord, DnsType } from '../../protocols/dns/dns-message';
import type { Endpoint, HostNetwork } from '../../transport/network';

/**
 * A query unanswered for a second is sent again, three times in all (RFC 1035 §4.2.1: "The retransmission interval
 * should be based on prior statistics if possible"; the interval and count are the lab's modelling choice, near the
 * Windows resolver's first retries); the lookup fails when the last has gone unanswered for a second.
 */
const DNS_RETRANSMIT_MS = 1000;
const DNS_ATTEMPTS = 3;

/**
 * A stub resolver: lookups are real RFC 1035 queries over UDP to the lab's DNS server, so name
 * resolution shows on the wire and a missing record is a product symptom, not a lab shortcut.
 * Answers are cached for their TTL (RFC 1035 §7.4) and concurrent lookups of one name share a query,
 * as the Windows and Cisco resolvers of the test bed do.
 */
export class DnsResolver {
  private readonly cache = new Map<string, { answers: DnsResourceRecord[]; expiresAt: number }>();
  private readonly inFlight = new Map<string, Promise<DnsResourceRecord[]>>();

  constructor(
    private readonly network: HostNetwork,
    private readonly server: Endpoint,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** The IPv4 address of `name`; an address passes through unchanged. */
  async resolveA(name: string): Promise<string> {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return name;
    const answers = await this.query(name, 'A');
    const a = answers.find((r) => r.type === 'A');
    if (!a || a.type !== 'A') throw new NetworkError(`DNS: no A record for ${name}`);
    return a.address;
  }

  async resolvePtr(address: string): Promise<string | undefined> {
    const answers = await this.query(reverseName(address), 'PTR');
    const p = answers.find((r) => r.type === 'PTR');
    return p && p.type === 'PTR' ? p.target : undefined;
  }

  async resolveSrv(name: string): Promise<{ target: string; port: number }[]> {
    const answers = await this.query(name, 'SRV');
    return answers
      .flatMap((r) => (r.type === 'SRV' ? [r] : []))
      .sort((x, y) => x.priority - y.priority || y.weight - x.weight)
      .map((r) => ({ target: r.target, port: r.port }));
  }

  private query(name: string, type: DnsType): Promise<DnsResourceRecord[]> {
    const key = `${type} ${name.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.clock.now()) return Promise.resolve(cached.answers);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.ask(name, type).then(
      (answers) => {
        this.inFlight.delete(key);
        const ttl = Math.min(...answers.map((a) => a.ttl));
        if (answers.length > 0 && ttl > 0) this.cache.set(key, { answers, expiresAt: this.clock.now() + ttl * 1000 });
        return answers;
      },
      (error: unknown) => {
        this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, lookup);
    return lookup;
  }

  private async ask(name: string, type: DnsType): Promise<DnsResourceRecord[]> {
    const socket = await this.network.bindUdp(0);
    const id = Math.floor(this.random() * 0xffff);
    try {
      return await new Promise<DnsResourceRecord[]>((resolve, reject) => {
        const query = encodeDnsMessage(dnsQuery(id, name, type));
        let attempts = 0;
        let timer: TimerHandle | undefined;
        const send = (): void => {
          if (attempts++ === DNS_ATTEMPTS) return reject(new NetworkError(`DNS: no answer for ${name} ${type} from ${this.server}`));
          socket.send(this.server, query);
          timer = this.clock.setTimer(DNS_RETRANSMIT_MS, send);
        };
        socket.onDatagram((data) => {
          const decoded = decodeDnsMessage(data);
          if (!decoded.ok || decoded.value.id !== id) return;
          this.clock.clearTimer(timer);
          resolve(decoded.value.answers);
        });
        send();
      });
    } finally {
      socket.close();
    }
  }
}
