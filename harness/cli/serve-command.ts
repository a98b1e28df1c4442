import { formatLogRecord } from '../../simulators';
import { fqdnOf, LabRuntime } from '../lab/lab-runtime';
import { loadLabById } from '../lab/load-lab';

export interface ServeCommandOptions {
  scenarios: string;
  prefix: string;
  verbose?: boolean;
}

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
  const ctx = runtime.context;
  for (const host of runtime.network.hosts()) {
    const fqdn = fqdnOf(lab, host.hostName);
    const node = runtime.node(host.hostName);
    const role = node ? (node.kind.ports?.(node.config, ctx) ?? node.kind.title) : 'not simulated';
    process.stdout.write(`  ${host.hostName.padEnd(16)} ${host.address.padEnd(12)} ${fqdn === host.hostName ? ''.padEnd(14) : fqdn.padEnd(14)} ${role}\n`);
  }
  process.stdout.write('try: sipsak -vv -s sip:' + runtime.network.host(lab.cup.host).address + '\nCtrl-C stops the lab.\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await runtime.stop();
  return 0;
}
