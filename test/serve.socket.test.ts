import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { communicatorCycleUsers } from '../harness/cli/bench-sockets-command';
import { withTrustedAddresses } from '../harness/cli/serve-command';
import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { observationsOf } from '../harness/scenario/vocabulary';
import { scenariosDir } from './support/matrix';
import { sendUdp } from './support/udp-probe';

// `uc-lab serve`: the lab on real sockets answers an outside SIP tool at the addresses it prints.
const execFileAsync = promisify(execFile);
const sipsak = spawnSync('sipsak', ['-V'], { encoding: 'utf8' }).status === 0;
// `sipp -v` exits 99 even when SIPp is there (docs/tools.md): look at what it prints instead.
const sipp = /SIPp v/.test(spawnSync('sipp', ['-v'], { encoding: 'utf8' }).stdout ?? '');
const curl = spawnSync('curl', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * SIPp answers the call's CSTA events with -aa as they come (bench/sipp/communicator-rcc-cycle.xml says why), so
 * they are checked in its message trace: each cycle's call was initiated, originated, delivered and cleared.
 */
function expectEveryCallEvent(trace: string, cycles: number): void {
  const received = (event: string): number => trace.split(`<${event} xmlns=`).length - 1;
  for (const event of ['ServiceInitiatedEvent', 'OriginatedEvent', 'DeliveredEvent', 'ConnectionClearedEvent']) expect([event, received(event)]).toEqual([event, cycles]);
}

/**
 * Runs `calls` RCC cycles of a SIPp scenario from `from` against `target` with the seed lab's RCC users (one TCP
 * connection, `-aa` for the call's events), checks SIPp counted every one successful and the events in its
 * message trace, and cleans up.
 */
async function runRccCycles(scenario: string, target: string, from: string, callsPerUser: number): Promise<void> {
  const cycle = communicatorCycleUsers(loadLabById('seed-lab', scenariosDir));
  if (!cycle) throw new Error('the seed lab has no RCC users');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-sipp-'));
  try {
    const csv = path.join(dir, 'users.csv');
    writeFileSync(csv, `SEQUENTIAL\n${cycle.rows.join('\n')}\n`);
    const calls = cycle.rows.length * callsPerUser;
    const messages = path.join(dir, 'messages.log');
    const { stdout } = await execFileAsync(
      'sipp',
      [target, '-sf', scenario, '-inf', csv, '-t', 't1', '-aa', '-i', from, '-p', '5060', '-m', String(calls), '-l', '1', '-nostdin', '-timeout', '20s', '-timeout_error', '-trace_msg', '-message_file', messages],
      { cwd: dir, timeout: 30_000 },
    );
    expect(stdout).toMatch(new RegExp(`Successful call\\s*\\|\\s*\\d+\\s*\\|\\s*${calls}\\b`));
    expectEveryCallEvent(readFileSync(messages, 'utf8'), calls);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the lab on real sockets', () => {
  let lab: LabRuntime;
  const seedLab = loadLabById('seed-lab', scenariosDir);
  beforeAll(async () => {
    // SIPp plays Communicator from 127.0.3.250 without NTLM: the pools trust that address, as `uc-lab serve --trust` does.
    // SIPp also plays a host that CUP's ACLs list (127.0.3.251), sending the RCC session straight to CUP.
    const lab0 = withTrustedAddresses(seedLab, ['127.0.3.250']);
    const acl = { incoming: [...lab0.cup.acl.incoming, '127.0.3.251'], destination: [...lab0.cup.acl.destination, '127.0.3.251'] };
    lab = await LabRuntime.start({ ...lab0, cup: { ...lab0.cup, acl } }, { runtime: 'sockets', seed: 7, addressPrefix: '127.0.3' });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('answers SIP OPTIONS at the CUP and OCS front-end addresses', async () => {
    for (const host of ['cup', 'ocs-pool1', 'ocs-pool2']) {
      const address = lab.network.host(host).address;
      expect(address).toMatch(/^127\.0\.3\.\d+$/);
      const answer = await sendUdp(address, 5060, optionsRequest(`sip:${address}`));
      expect(answer.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      expect(answer).toMatch(/Call-ID: serve-test-1/);
    }
  });

  (sipsak ? it : it.skip)('answers sipsak (an outside tool) at CUP and OCS', async () => {
    for (const host of ['cup', 'ocs-pool1']) {
      const address = lab.network.host(host).address;
      // Asynchronous on purpose: the lab answers from this very process.
      const { stdout } = await execFileAsync('sipsak', ['-v', '-s', `sip:${address}`], { timeout: 10_000 });
      expect(stdout).toMatch(/200 OK/);
    }
  });

  (sipp ? it : it.skip)('answers SIPp (an outside tool) at CUP and OCS', async () => {
    const scenario = path.join(__dirname, 'fixtures', 'sipp-options.xml');
    for (const host of ['cup', 'ocs-pool2']) {
      const address = lab.network.host(host).address;
      // SIPp exits 0 when every call of the scenario succeeded.
      await execFileAsync('sipp', ['-sf', scenario, '-m', '1', '-i', '127.0.0.1', '-p', '0', '-nostdin', '-timeout', '10s', '-timeout_error', `${address}:5060`], { timeout: 15_000 });
    }
  });

  (sipp ? it : it.skip)('serves SIPp playing Office Communicator: remote call control cycles of the sockets benchmark', async () => {
    // bench/sipp/communicator-rcc-cycle.xml, as `npm run bench:sockets` runs it: REGISTER, RCC session,
    // MonitorStart, MakeCall (its response must carry a call id), ClearConnection, BYE, un-REGISTER.
    const pool = communicatorCycleUsers(seedLab)?.pool.host ?? 'ocs-pool1';
    await runRccCycles(path.join(__dirname, '..', 'bench', 'sipp', 'communicator-rcc-cycle.xml'), `${lab.network.host(pool).address}:5060`, '127.0.3.250', 3);
    // Every phone is idle again: the cycles cleared what they made (waiting on the lab's own driver until
    // nothing is left in progress, as a sockets cell does).
    await lab.driver.runUntil(() => lab.leaks().length === 0, 5_000);
    expect(lab.leaks()).toEqual([]);
    const phones = [...lab.nodes.values()].filter((n) => n.kind.kind === 'phone');
    expect(phones.map((n) => observationsOf(n.kind).callState?.read(n.node, { line: 1 }))).toEqual(phones.map(() => 'idle'));
  });

  (sipp ? it : it.skip)('serves SIPp playing a host of CUP\'s ACL: the RCC cycle sent straight to CUP, every event of the call', async () => {
    await runRccCycles(path.join(__dirname, 'fixtures', 'sipp-rcc-direct.xml'), `${lab.network.host('cup').address}:5060`, '127.0.3.251', 1);
    await lab.driver.runUntil(() => lab.leaks().length === 0, 5_000);
    expect(lab.leaks()).toEqual([]);
  });

  (curl ? it : it.skip)('serves curl (an outside tool) the phone services: the Services menu and the Extension Mobility login', async () => {
    const cucm = lab.network.host('cucm').address;
    const get = async (target: string): Promise<string> => (await execFileAsync('curl', ['-s', '-i', '--max-time', '10', `http://${cucm}:8080${target}`], { timeout: 15_000 })).stdout;
    const menu = await get('/ccmcip/getservicesmenu.jsp?name=SEP00000000A975');
    expect(menu.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(menu).toContain(`<URL>http://${cucm}:8080/emapp/EMAppServlet?device=SEP00000000A975</URL>`);
    expect(await get('/emapp/EMAppServlet?device=SEP00000000A975&userid=erin&pin=0')).toContain('Authentication Error(201)');
    expect((await get('/nowhere')).split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
  });

  it('answers a malformed request with 400 Bad Request', async () => {
    const address = lab.network.host('cup').address;
    const garbage = 'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5098;branch=z9hG4bKbad;rport\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x>\r\nCall-ID: bad-1\r\nCSeq: one OPTIONS\r\nContent-Length: 0\r\n\r\n';
    const answer = await sendUdp(address, 5060, garbage);
    expect(answer.split('\r\n')[0]).toBe('SIP/2.0 400 Bad Request');
  });
});

function optionsRequest(uri: string): string {
  return [
    `OPTIONS ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKtest1;rport',
    'Max-Forwards: 70',
    'From: <sip:tester@127.0.0.1>;tag=t1',
    `To: <${uri}>`,
    'Call-ID: serve-test-1',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
