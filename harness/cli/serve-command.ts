import { formatLogRecord } from '../../simulators';
import { LabRuntime } from '../lab/lab-runtime';
import { loadLabById } from '../lab/load-lab';

export interface ServeCommandOptions {
  scenarios: string;
  prefix: string;
  verbose?: boolean;
}

const PORTS: Record<string, string> = {
  cucm: 'tcp/2000 SCCP, udp+tcp/5060 SIP, tcp/2748 CTI (lab framing)',
  cup: 'udp+tcp/5060 SIP (uaCSTA gateway)',
};

/** `uc-lab serve [lab]`: the lab on real sockets, for SIPp, sipsak, baresip or tshark, until Ctrl-C. */
export async function runServeCommand(labId: string, opts: ServeCommandOptions): Promise<number> {
  const lab = loadLabById(labId, opts.scenarios);
  const runtime = await LabRuntime.start(lab, {
    runtime: 'sockets',
    seed: 7,
    addressPrefix: opts.prefix,
    ...(opts.verbose ? { echo: (r) => process.stderr.write(`${formatLogRecord(r)}\n`) } : {}),
  });
  process.stdout.write(`lab ${lab.id} is up on real sockets:\n`);
  for (const host of runtime.network.hosts()) {
    const fqdn = runtime.fqdnOf(host.hostName);
    const role = lab.ocs.pools.some((p) => p.host === host.hostName)
      ? 'udp+tcp/5060 SIP (OCS front end: registrar, proxy)'
      : host.hostName === lab.dns.server
        ? `udp/${runtime.dnsPort} DNS`
        : (PORTS[host.hostName] ?? roleOf(lab, host.hostName));
    process.stdout.write(`  ${host.hostName.padEnd(16)} ${host.address.padEnd(12)} ${fqdn === host.hostName ? '' : fqdn.padEnd(14)} ${role}\n`);
  }
  process.stdout.write('try: sipsak -vv -s sip:' + runtime.network.host(lab.cup.host).address + '\nCtrl-C stops the lab.\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await runtime.stop();
  return 0;
}

function roleOf(lab: ReturnType<typeof loadLabById>, host: string): string {
  if (lab.cucm.phones.some((p) => p.host === host)) return 'phone (registered with CUCM)';
  if (lab.ocs.users.some((u) => u.client.host === host)) return 'Office Communicator PC (signs in when a scenario says so)';
  return 'not simulated yet';
}
