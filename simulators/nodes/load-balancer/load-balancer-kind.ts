import { defineNodeKind } from '../surface';
import { LoadBalancer } from './load-balancer';
import type { LoadBalancerConfig } from './load-balancer';

const SERVER_STATES = ['in-service', 'out-of-service'] as const;

/** The load balancer of an OCS pool with several front ends (seed 004 Introduction: the CSS 11501 the test bed did without). */
export const loadBalancerKind = defineNodeKind<LoadBalancerConfig, LoadBalancer>({
  kind: 'load-balancer',
  title: 'Hardware load balancer (CSS 11501) of an OCS pool',
  dependsOn: ['ocs'],
  ports: (c) => `${c.ports.map((p) => `tcp/${p}`).join(', ')} virtual IP of ${c.name}, relayed to ${c.servers.map((s) => s.host).join(', ')}`,
  instances: (lab, ctx) =>
    lab.ocs.pools
      .filter((p) => p.loadBalancer)
      .map((p) => ({
        host: p.host,
        config: {
          name: p.fqdn,
          // SIP over TCP and over TLS (docs/protocols/load-balancing.md §1); TLS is relayed as it is, end to end.
          ports: [5060, 5061],
          servers: p.frontEndHosts.map((h) => ({ host: h, address: ctx.addressOf(h) })),
          // The CSS defaults: a TCP keepalive every 5 s, out of service after 3 misses (docs/protocols/load-balancing.md §3).
          keepalive: { port: 5060, intervalMs: 5_000, retries: 3 },
        },
      })),
  start: (env, config) => LoadBalancer.start(env, config),
  surface: {
    actions: {},
    selectors: {
      server: { spec: { kind: 'text', description: 'a front end behind the balancer, by lab host' } },
    },
    observations: {
      serverState: {
        summary: "whether the balancer sends new flows to the server (its keepalive's verdict)",
        value: { kind: 'enum', values: SERVER_STATES, description: 'a service state' },
        read: (lb, s) => lb.observe().servers.find((x) => x.host === s.server)?.state,
      },
      flows: {
        summary: 'how many client connections the balancer relays to the server now',
        value: { kind: 'integer', min: 0, description: 'a count' },
        read: (lb, s) => lb.observe().servers.find((x) => x.host === s.server)?.flows,
      },
    },
    describe: (lb) => {
      const o = lb.observe();
      return `{ servers=[${o.servers.map((s) => `${s.host} ${s.state} flows=${s.flows}`).join(', ')}] sticky=${JSON.stringify(o.sticky)} }`;
    },
  },
});
