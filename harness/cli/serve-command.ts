import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatLogRecord } from '../../simulators';
import { fqdnOf, LabRuntime } from '../lab/lab-runtime';
import { loadLabById } from '../lab/load-lab';
import type { Lab } from '../../simulators';
import { LogSpill } from './log-spill';

export interface ServeCommandOptions {
  scenarios: string;
  prefix: string;
  verbose?: boolean;
  /** One JSON line with the hosts, for programs that drive the lab (the sockets benchmark). */
  json?: boolean;
  /**
   * Addresses every pool trusts as a server (Front End properties > Host Authorization, "treat as authenticated"):
   * a tool that plays Communicator without NTLM, such as SIPp, signs in from one of them.
   */
  trust?: string[];
  /** Where every node's log is written in full (default: a new folder under the system's temporary folder). */
  logs?: string;
}

/** How many log records a served lab keeps in memory; every record is also written to its node's file. */
const SERVED_LOG_RING = 10_000;

/**
 * The lab of `uc-lab serve`, on real sockets in this process: its log a bounded ring in memory, spilled in full to
 * one file per node, so memory stays flat however long it runs.
 */
export async function startServedLab(lab: Lab, opts: { prefix: string; verbose?: boolean; logs?: string }): Promise<{ runtime: LabRuntime; spill: LogSpill; stop(): Promise<void> }> {
  const spill = new LogSpill(opts.logs ?? mkdtempSync(path.join(tmpdir(), 'uc-lab-serve-')));
  const runtime = await LabRuntime.start(lab, {
    runtime: 'sockets',
    seed: 7,
    addressPrefix: opts.prefix,
    maxLogRecords: SERVED_LOG_RING,
    // Debug records only when they are shown.
    minLogLevel: opts.verbose ? 'debug' : 'info',
    echo: (r) => {
      spill.write(r);
      if (opts.verbose) process.stderr.write(`${formatLogRecord(r)}\n`);
    },
  });
  return {
    runtime,
    spill,
    stop: async () => {
      await runtime.stop();
      spill.close();
    },
  };
}

/** The lab with these addresses in every pool's host authorizations. */
export function withTrustedAddresses(lab: Lab, addresses: readonly string[]): Lab {
  if (addresses.length === 0) return lab;
  const copy = structuredClone(lab);
  for (const pool of copy.ocs.pools) {
    for (const address of addresses) pool.hostAuthorizations.push({ fqdn: address, outboundOnly: false, throttleAsServer: true, treatAsAuthenticated: true });
  }
  return copy;
}

/** `uc-lab serve [lab]`: the lab on real sockets, for SIPp, sipsak, baresip or tshark, until Ctrl-C. */
export async function runServeCommand(labId: string, opts: ServeCommandOptions): Promise<number> {
  const lab = withTrustedAddresses(loadLabById(labId, opts.scenarios), opts.trust ?? []);
  const served = await startServedLab(lab, opts);
  const runtime = served.runtime;
  const ctx = runtime.context;
  if (opts.json) {
    const hosts = runtime.network.hosts().map((h) => ({ host: h.hostName, address: h.address, fqdn: fqdnOf(lab, h.hostName), simulated: runtime.node(h.hostName) !== undefined }));
    process.stdout.write(`${JSON.stringify({ lab: lab.id, hosts })}\n`);
  } else process.stdout.write(`lab ${lab.id} is up on real sockets:\n`);
  for (const host of opts.json ? [] : runtime.network.hosts()) {
    const fqdn = fqdnOf(lab, host.hostName);
    const node = runtime.node(host.hostName);
    const role = node ? (node.kind.ports?.(node.config, ctx) ?? node.kind.title) : 'not simulated';
    process.stdout.write(`  ${host.hostName.padEnd(16)} ${host.address.padEnd(12)} ${fqdn === host.hostName ? ''.padEnd(14) : fqdn.padEnd(14)} ${role}\n`);
  }
  if (!opts.json) {
    const tries = [`sipsak -vv -s sip:${runtime.network.host(lab.cup.host).address}`];
    const mailbox = lab.exchange?.mailboxes.find((m) => m.password !== undefined);
    if (lab.exchange && mailbox) {
      // A WebDAV client against OWA: the mailbox owner's own calendar (docs/protocols/cup-presence.md §7).
      const at = `${runtime.network.host(lab.exchange.host).address}:${ctx.httpPorts.http}`;
      const lhs = mailbox.email.slice(0, mailbox.email.lastIndexOf('@'));
      tries.push(`curl -i -u ${mailbox.userId}:${mailbox.password ?? ''} -X PROPFIND -H 'Depth: 1' http://${at}/exchange/${encodeURIComponent(lhs)}/Calendar/`);
    }
    process.stdout.write(`${tries.map((t) => `try: ${t}`).join('\n')}\nlogs: ${served.spill.dir}\nCtrl-C stops the lab.\n`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await served.stop();
  return 0;
}
