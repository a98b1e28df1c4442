import type { TimerHandle } from '../../kernel/clock';
import type { TcpConnection, TcpServer } from '../../transport/network';
import type { NodeEnv } from '../node';
import { NodeBase } from '../node';

export interface LoadBalancerServer {
  /** The lab host of the server (a pool's front end). */
  readonly host: string;
  readonly address: string;
}

export interface LoadBalancerConfig {
  /** The name the virtual IP answers for (the pool's FQDN), for the logs. */
  readonly name: string;
  /** The ports the virtual IP carries, each relayed to the same port of the chosen server. */
  readonly ports: readonly number[];
  readonly servers: readonly LoadBalancerServer[];
  /**
   * The keepalive of each server (docs/protocols/load-balancing.md §3, the CSS defaults): a TCP connect to
   * `port` every `intervalMs`; `retries` misses in a row take the server out of service, one success brings it back.
   */
  readonly keepalive: { readonly port: number; readonly intervalMs: number; readonly retries: number };
}

export type ServerState = 'in-service' | 'out-of-service';

interface Service {
  readonly server: LoadBalancerServer;
  state: ServerState;
  misses: number;
  /** Relayed connections open to the server now. */
  flows: number;
}

/**
 * A layer-4 load balancer in front of an OCS pool, as the seed's CSS 11501 would be (docs/protocols/load-balancing.md
 * §1, §3): the virtual IP accepts TCP on each of its ports and relays the stream to one server, opening the server
 * side from its own address (source NAT, as Microsoft recommends for OCS 2007 R2; docs/decisions/0020). Stickiness
 * is by source IP: a client address keeps the server it first got while that server is in service (a TCP flow stays
 * on its server for its whole life); a new client address gets the next server in service, in turn. A server that
 * misses its keepalives is taken out of service and its sticky entries forgotten; the flows it had end when the
 * server closes them. Not modelled: the sticky table's inactivity timeout and the TCP idle timeout.
 */
export class LoadBalancer extends NodeBase {
  readonly hostName: string;
  private readonly services: Service[];
  /** Source IP → the service it sticks to. */
  private readonly sticky = new Map<string, Service>();
  private readonly listeners: TcpServer[] = [];
  private readonly relays = new Set<TcpConnection>();
  private next = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;

  private constructor(
    private readonly env: NodeEnv,
    private readonly config: LoadBalancerConfig,
  ) {
    super();
    this.hostName = env.network.hostName;
    this.services = config.servers.map((server) => ({ server, state: 'in-service', misses: 0, flows: 0 }));
  }

  static async start(env: NodeEnv, config: LoadBalancerConfig): Promise<LoadBalancer> {
    const lb = new LoadBalancer(env, config);
    for (const port of config.ports) lb.listeners.push(await env.network.listenTcp(port, (client) => void lb.accept(client, port)));
    lb.scheduleKeepalive();
    return lb;
  }

  /** Observation API: each server's state and open flows, and which server a client address sticks to. */
  observe(): { servers: { host: string; state: ServerState; flows: number }[]; sticky: Record<string, string> } {
    return {
      servers: this.services.map((s) => ({ host: s.server.host, state: s.state, flows: s.flows })),
      sticky: Object.fromEntries([...this.sticky].map(([source, s]) => [source, s.server.host])),
    };
  }

  /** The service a new flow from `source` goes to: its sticky one while in service, else the next one in service. */
  private choose(source: string): Service | undefined {
    const stuck = this.sticky.get(source);
    if (stuck?.state === 'in-service') return stuck;
    const inService = this.services.filter((s) => s.state === 'in-service');
    if (inService.length === 0) return undefined;
    const chosen = inService[this.next++ % inService.length] as Service;
    this.sticky.set(source, chosen);
    return chosen;
  }

  private async accept(client: TcpConnection, port: number): Promise<void> {
    const service = this.choose(client.remote.address);
    if (!service) {
      this.env.log.warn('no server in service: connection closed', { vip: this.config.name, client: client.remote.address });
      client.end();
      return;
    }
    let server: TcpConnection;
    try {
      server = await this.env.network.connectTcp({ address: service.server.address, port });
    } catch (e) {
      // The server refused before its keepalive noticed: the client's connection is closed and it tries again.
      this.env.log.info('server refused a relayed connection', { server: service.server.host, error: e instanceof Error ? e.message : String(e) });
      client.end();
      return;
    }
    if (client.closed || this.stopped) {
      server.end();
      return;
    }
    this.env.log.debug('flow relayed', { client: client.remote.address, server: service.server.host, port });
    service.flows++;
    this.relays.add(client).add(server);
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      service.flows--;
      this.relays.delete(client);
      this.relays.delete(server);
      if (!client.closed) client.end();
      if (!server.closed) server.end();
    };
    client.onData((data) => {
      if (!server.closed) server.write(data);
    });
    server.onData((data) => {
      if (!client.closed) client.write(data);
    });
    client.onClose(close);
    server.onClose(close);
  }

  private scheduleKeepalive(): void {
    this.timer = this.env.clock.setTimer(this.config.keepalive.intervalMs, () => {
      for (const s of this.services) void this.probe(s);
      if (!this.stopped) this.scheduleKeepalive();
    });
  }

  /** One keepalive: a TCP connect to the server's keepalive port, closed at once. */
  private async probe(service: Service): Promise<void> {
    const { port, retries } = this.config.keepalive;
    try {
      const probe = await this.env.network.connectTcp({ address: service.server.address, port });
      probe.end();
      service.misses = 0;
      if (service.state === 'out-of-service') {
        service.state = 'in-service';
        this.env.log.info('server back in service', { server: service.server.host });
      }
    } catch {
      service.misses++;
      if (service.state === 'in-service' && service.misses >= retries) {
        service.state = 'out-of-service';
        for (const [source, s] of this.sticky) if (s === service) this.sticky.delete(source);
        this.env.log.warn('server out of service: keepalive failed', { server: service.server.host, misses: service.misses });
      }
    }
  }

  leaks(): string[] {
    return [];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.env.clock.clearTimer(this.timer);
    for (const l of this.listeners) l.close();
    for (const c of this.relays) if (!c.closed) c.end();
    this.relays.clear();
  }
}
