import { z } from 'zod';
import { configOperations, defineNodeKind } from '../surface';
import { DnsServer } from './dns-server';
import type { DnsZoneConfig } from './dns-server';

const op = configOperations<DnsServer>();

interface DnsNodeConfig {
  readonly zone: DnsZoneConfig;
  readonly port: number;
}

/** The lab's DNS (seed 004 A1): host records, PTR records derived from them, and SRV records. */
export const dnsKind = defineNodeKind<DnsNodeConfig, DnsServer>({
  kind: 'dns',
  title: 'Active Directory DNS',
  dependsOn: [],
  ports: (c) => `udp/${c.port} DNS`,
  instances: (lab, ctx) => [
    {
      host: lab.dns.server,
      config: {
        zone: {
          a: Object.fromEntries(Object.entries(lab.dns.a).map(([fqdn, host]) => [fqdn.toLowerCase(), ctx.addressOf(host)])),
          ptr: lab.dns.ptr,
          srv: lab.dns.srv.map((s) => ({ name: s.name, target: s.target, port: s.port, priority: s.priority, weight: s.weight })),
        },
        port: ctx.dnsPort,
      },
    },
  ],
  start: (env, c) => DnsServer.start(env, c.zone, c.port),
  configure: {
    removeHost: op({
      summary: 'Forward lookup zone: delete a host record',
      args: z.strictObject({ fqdn: z.string().min(1) }),
      run: (nodes, a) => nodes.forEach((dns) => dns.config.removeHost(a.fqdn)),
    }),
    restoreHost: op({
      summary: "Forward lookup zone: add back a host record of the lab's zone",
      args: z.strictObject({ fqdn: z.string().min(1) }),
      run: (nodes, a) => nodes.forEach((dns) => dns.config.restoreHost(a.fqdn)),
    }),
    setPtr: op({
      summary: 'Reverse lookup zone: the PTR records of the hosts, present or deleted (A1)',
      args: z.strictObject({ enabled: z.boolean() }),
      run: (nodes, a) => nodes.forEach((dns) => dns.config.setPtr(a.enabled)),
    }),
    removeSrv: op({
      summary: 'Forward lookup zone: delete the SRV records of a name (e.g. _sipinternal._tcp.uc.lab)',
      args: z.strictObject({ name: z.string().min(1) }),
      run: (nodes, a) => nodes.forEach((dns) => dns.config.removeSrv(a.name)),
    }),
    restoreSrv: op({
      summary: "Forward lookup zone: add back the lab's SRV records of a name",
      args: z.strictObject({ name: z.string().min(1) }),
      run: (nodes, a) => nodes.forEach((dns) => dns.config.restoreSrv(a.name)),
    }),
  },
});
