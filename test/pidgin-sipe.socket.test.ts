import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { observationsOf } from '../harness/scenario/vocabulary';
import type { Lab } from '../simulators/lab/lab-schema';
import { firstMissingStage, purpleAvailable, runDriver } from './peers/purple/purple-driver';
import type { DriverResult } from './peers/purple/purple-driver';
import { scenariosDir } from './support/matrix';

// An independent implementation of Office Communicator's protocol — Debian's pidgin-sipe, driven headless through
// libpurple (test/peers/purple/) — signs in to the lab's OCS pool on sockets: REGISTER, the self-subscriptions,
// its phone line from roaming-self, the CSTA session to the line's server (CUP, through the pool's static route),
// then a call. Each test names the first stage that did not happen.
const purple = purpleAvailable();
if (!purple.ok) console.warn(`pidgin-sipe tests skipped: ${purple.why}`);

const seedLab = loadLabById('seed-lab', scenariosDir);

function withAlice(change: (alice: Lab['ocs']['users'][number]) => void): Lab {
  const lab = structuredClone(seedLab);
  const alice = lab.ocs.users.find((u) => u.id === 'alice');
  if (!alice) throw new Error('the seed lab has no alice');
  change(alice);
  return lab;
}

function expectStages(result: DriverResult, expected: string[]): void {
  const missing = firstMissingStage(result, expected);
  if (missing !== undefined) throw new Error(missing);
}

/** The run is over: a failure, or the call alerting at the far end (CSTA DeliveredEvent, ECMA-269 §17.2.5). */
const ended = (s: { name: string; detail: string }): boolean =>
  ['error', 'call-failed', 'call-skipped'].includes(s.name) || (s.name === 'csta-event' && s.detail.includes('DeliveredEvent'));

(purple.ok ? describe : describe.skip)('pidgin-sipe (a real Communicator-protocol client) against the OCS pool', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(seedLab, { runtime: 'sockets', seed: 7, addressPrefix: '127.0.9' });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it("signs in, takes its RCC line from roaming-self, publishes, opens the CSTA session to CUP, and its call rings bob's phone", async () => {
    const alice = seedLab.ocs.users.find((u) => u.id === 'alice');
    const bob = seedLab.ocs.users.find((u) => u.id === 'bob');
    const result = await runDriver({
      address: lab.network.host('ocs-pool1').address,
      port: 5060,
      sipUri: alice?.sipUri ?? '',
      login: 'UC\\alice',
      password: alice?.password ?? '',
      timeoutMs: 20_000,
      call: (bob?.rcc.lineUri ?? '').replace(/^tel:/, ''),
      until: ended,
    });
    expectStages(result, [
      'register-response expires=7200',
      'connected',
      'subscribed vnd-microsoft-roaming-self',
      `rcc-line ${alice?.rcc.lineUri ?? ''} server=${alice?.rcc.serverUri ?? ''}`,
      'initial-publish',
      'csta-session normal',
      'csta-monitor',
      'call-response 200',
      'call-success',
      'csta-event DeliveredEvent',
    ]);
    expect(result.exitCode).toBe(0);
    // It signed in by NTLM ([MS-SIPAE]), and every message the pool sent it afterwards carried a signature it checked.
    expect(result.debug.some((d) => /Auth header: NTLM .*gssapi-data="TlRMTVNTUAAC/.test(d))).toBe(true);
    expect(result.debug.some((d) => /signature of incoming message validated/.test(d))).toBe(true);
    expect(result.debug.filter((d) => /signature of incoming message is invalid|message without authentication data - ignoring/.test(d))).toEqual([]);
    const phone = lab.node('phone-7971-sip');
    expect(phone && observationsOf(phone.kind).callState?.read(phone.node, { line: 1 })).toBe('ringIn');
  });
});

(purple.ok ? describe : describe.skip)('pidgin-sipe with a broken A3 (Active Directory: RCC not enabled for alice)', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    const broken = withAlice((alice) => (alice.rcc.enabled = false));
    lab = await LabRuntime.start(broken, { runtime: 'sockets', seed: 7, addressPrefix: '127.0.10' });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('signs in but gets no RCC line in roaming-self, so it never opens a CSTA session (no phone integration)', async () => {
    const result = await runDriver({
      address: lab.network.host('ocs-pool1').address,
      port: 5060,
      sipUri: 'sip:alice@uc.lab',
      login: 'UC\\alice',
      password: 'Pass@word1',
      timeoutMs: 20_000,
      // SIPE publishes its initial state once it has processed roaming-self, where it would have found the line.
      until: (s) => s.name === 'error' || s.name === 'csta-invite' || s.name === 'initial-publish',
    });
    expectStages(result, ['connected', 'roaming-self', 'initial-publish']);
    const names = result.stages.map((s) => s.name);
    expect(names).not.toContain('rcc-line');
    expect(names).not.toContain('csta-invite');
  });
});

(purple.ok ? describe : describe.skip)('pidgin-sipe with a wrong password', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(seedLab, { runtime: 'sockets', seed: 7, addressPrefix: '127.0.11' });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('is refused by the NTLM handshake: the pool challenges again and the client gives up (authentication failed)', async () => {
    const result = await runDriver({
      address: lab.network.host('ocs-pool1').address,
      port: 5060,
      sipUri: 'sip:alice@uc.lab',
      login: 'UC\\alice',
      password: 'not-the-password',
      timeoutMs: 20_000,
      until: (s) => s.name === 'error' || s.name === 'connected',
    });
    expectStages(result, ['error']);
    expect(result.stages.map((s) => s.name)).not.toContain('connected');
    expect(result.debug.some((d) => /authentication handshake failed/.test(d))).toBe(true);
  });
});

(purple.ok ? describe : describe.skip)("pidgin-sipe watching bob's presence through the pool (enhanced presence)", () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(seedLab, { runtime: 'sockets', seed: 7, addressPrefix: '127.0.13' });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it("sees bob busy once it adds him (a batched subscription), and keeps him on the server's contact list for its next sign-in", async () => {
    const bob = lab.node('pc-bob')?.node as unknown as { signIn(): Promise<void>; setPresence(state: string): Promise<void> };
    await bob.signIn();
    await bob.setPresence('busy');
    const options = { address: lab.network.host('ocs-pool1').address, port: 5060, sipUri: 'sip:alice@uc.lab', login: 'UC\\alice', password: 'Pass@word1', timeoutMs: 20_000 };
    // The first run ends once bob shows busy and the pool has stored him: its roaming-contacts NOTIFY after the add
    // (ending at the busy status alone could stop pidgin-sipe before its setContact reached the pool).
    let added = false;
    let stored = false;
    let busy = false;
    const first = await runDriver({
      ...options,
      addBuddies: ['sip:bob@uc.lab'],
      until: (s) => {
        if (s.name === 'buddy-add') added = true;
        if (added && s.name === 'sip-in' && s.detail.startsWith('NOTIFY') && s.detail.includes('Event: vnd-microsoft-roaming-contacts')) stored = true;
        if (s.name === 'buddy-status' && s.detail.startsWith('sip:bob@uc.lab busy')) busy = true;
        return s.name === 'error' || (busy && stored);
      },
    });
    expectStages(first, ['connected', 'buddy-add', 'buddy-subscribe', 'buddy-status sip:bob@uc.lab busy']);
    expect(stored).toBe(true);
    // Signed in again with bob only in the local list: the server's list has him, so pidgin-sipe keeps and watches him.
    const second = await runDriver({
      ...options,
      buddies: ['sip:bob@uc.lab'],
      until: (s) => s.name === 'error' || s.name === 'buddy-removed' || (s.name === 'buddy-status' && s.detail.startsWith('sip:bob@uc.lab busy')),
    });
    expectStages(second, ['connected', 'buddy-status sip:bob@uc.lab busy']);
    expect(second.stages.map((s) => s.name)).not.toContain('buddy-removed');
  });
});
