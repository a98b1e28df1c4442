import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import type { OcClient } from '../simulators/nodes/oc-client/oc-client';
import { Baresip, baresipAvailable } from './peers/baresip/baresip';
import { scenariosDir } from './support/matrix';

// An independent SIP user agent — Debian's baresip — stands in for bob's 7971 SIP phone on real sockets
// (loopback block 127.0.14): it registers bob's line with CUCM, is rung by a call alice places from Office
// Communicator (CSTA MakeCall → CUP → CTI → CUCM → SIP INVITE), answers, and hangs up. Communicator's events
// come from the lab's side of that real call. The waits are for what baresip prints or what Communicator
// observes, never for a quiet period.
const available = baresipAvailable();
if (!available.ok) console.warn(`baresip tests skipped: ${available.why}`);

(available.ok ? describe : describe.skip)("baresip as bob's SIP phone line, through CUCM", () => {
  let lab: LabRuntime;
  let baresip: Baresip | undefined;
  /** Waits, on the lab's own driver as a sockets cell does, until `check` holds; else fails saying what was seen. */
  const until = async (check: () => boolean, what: () => string, withinMs = 10_000): Promise<void> => {
    if (!(await lab.driver.runUntil(check, withinMs))) throw new Error(`not within ${withinMs} ms: ${what()}`);
  };
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'sockets', seed: 7, addressPrefix: '127.0.14' });
    // The lab's own 7971 leaves bob's line (and its loopback address) to baresip.
    await (lab.node('phone-7971-sip')?.node as unknown as { stop(): Promise<void> }).stop();
  });
  afterAll(async () => {
    await baresip?.stop();
    await lab.stop();
  });

  it('registers bob’s line, is rung by alice’s Communicator through RCC, answers, and its hang-up clears the call in Communicator', async () => {
    const cucm = lab.network.host('cucm').address;
    baresip = new Baresip({ address: lab.network.host('phone-7971-sip').address, aor: `sip:+14085551002@${cucm};transport=tcp` });
    await baresip.waitFor(/\{0\/TCP\/v4\} 200 OK \(Cisco-CUCM7\.0\)/);

    const alice = lab.node('pc-alice')?.node as unknown as OcClient;
    await alice.signIn();
    await until(() => alice.observe().rccSession === 'active', () => `alice's RCC session is ${alice.observe().rccSession}`);
    await alice.makeCall('+14085551002');
    // CUCM offers the call to baresip with an SDP offer, and baresip answers it with its own.
    await baresip.waitFor(/INVITE sip:\+14085551002[^\n]* SIP\/2\.0[\s\S]*?m=audio \d+ RTP\/AVP/);
    await baresip.waitFor(/Call established: sip:\+14085551001@/);
    const events = (): string => alice.observe().events.map((e) => e.type).join(', ');
    await until(() => alice.observe().events.some((e) => e.type === 'EstablishedEvent'), () => `Communicator saw ${events()}`);
    expect(alice.observe().conversation).toBe('connected');

    // baresip hangs up: its BYE reaches CUCM, which clears the call; Communicator is told.
    await baresip.stop();
    baresip = undefined;
    await until(() => alice.observe().events.some((e) => e.type === 'ConnectionClearedEvent'), () => `Communicator saw ${events()}`);
    await until(() => alice.observe().conversation === 'idle', () => `alice's conversation is ${alice.observe().conversation}`);
  }, 30_000);

  it('as the phone bob controls from Communicator, refuses CUCM’s remotecc REFER (501): the MakeCall ends as a cleared call, not a call that never comes', async () => {
    const cucm = lab.network.host('cucm').address;
    baresip = new Baresip({ address: lab.network.host('phone-7971-sip').address, aor: `sip:+14085551002@${cucm};transport=tcp` });
    await baresip.waitFor(/\{0\/TCP\/v4\} 200 OK \(Cisco-CUCM7\.0\)/);
    const bob = lab.node('pc-bob')?.node as unknown as OcClient;
    await bob.signIn();
    await until(() => bob.observe().rccSession === 'active', () => `bob's RCC session is ${bob.observe().rccSession}`);
    await bob.makeCall('+14085551001');
    // CUCM asks the phone to place the call (docs/decisions/0004); baresip does not implement Cisco's remotecc.
    await baresip.waitFor(/REFER sip:[^\n]* SIP\/2\.0[\s\S]*?SIP\/2\.0 501 /);
    const events = (): string => bob.observe().events.map((e) => e.type).join(', ');
    await until(() => bob.observe().events.some((e) => e.type === 'ConnectionClearedEvent'), () => `Communicator saw ${events()}`);
    expect(bob.observe().events.some((e) => e.type === 'EstablishedEvent')).toBe(false);
    expect(bob.observe().conversation).toBe('idle');
    await baresip.stop();
    baresip = undefined;
  }, 30_000);

  it('two baresips, as bob’s and erin’s SIP lines, call each other through CUCM, which passes their SDP through: the media flows between them', async () => {
    await (lab.node('phone-7970-sip')?.node as unknown as { stop(): Promise<void> }).stop();
    const cucm = lab.network.host('cucm').address;
    const caller = new Baresip({ address: lab.network.host('phone-7971-sip').address, aor: `sip:+14085551002@${cucm};transport=tcp`, control: true });
    const callee = new Baresip({ address: lab.network.host('phone-7970-sip').address, aor: `sip:+14085551005@${cucm};transport=tcp` });
    baresip = caller;
    try {
      await caller.waitFor(/\{0\/TCP\/v4\} 200 OK \(Cisco-CUCM7\.0\)/);
      await callee.waitFor(/\{0\/TCP\/v4\} 200 OK \(Cisco-CUCM7\.0\)/);
      expect(await caller.command('dial', `sip:+14085551005@${cucm}`)).toEqual({ ok: true, data: '' });
      await callee.waitFor(/Call established/);
      await caller.waitFor(/Call established/);
      // RFC 3264 through CUCM (no media resource): the INVITE the callee gets offers the caller's SDP, the 200 the
      // caller gets answers with the callee's, and each then receives RTP from the port the other announced.
      const audioPort = (b: Baresip, startLine: RegExp, cseq?: RegExp): string => {
        const message = b.sipMessages.find((m) => startLine.test(m.split('\n')[0] ?? '') && (cseq === undefined || cseq.test(m)));
        return /^m=audio (\d+) /m.exec(message ?? '')?.[1] ?? `no ${startLine} with SDP`;
      };
      const callerOffer = audioPort(caller, /^INVITE sip:\+14085551005@/);
      const offerReceived = audioPort(callee, /^INVITE sip:\+14085551005-/);
      const calleeAnswer = audioPort(callee, /^SIP\/2\.0 200 /, /^CSeq: \d+ INVITE/m);
      const answerReceived = audioPort(caller, /^SIP\/2\.0 200 /, /^CSeq: \d+ INVITE/m);
      const calleeRtp = (await callee.waitFor(/incoming rtp for 'audio' established, receiving from [\d.]+:(\d+)/))[1];
      const callerRtp = (await caller.waitFor(/incoming rtp for 'audio' established, receiving from [\d.]+:(\d+)/))[1];
      expect({ offerReceived, answerReceived, calleeRtp, callerRtp }).toEqual({ offerReceived: callerOffer, answerReceived: calleeAnswer, calleeRtp: callerOffer, callerRtp: calleeAnswer });
    } finally {
      await callee.stop();
    }
  }, 30_000);
});
