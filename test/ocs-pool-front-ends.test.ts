import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import type { OcsFrontEnd } from '../simulators/nodes/ocs-pool/ocs-front-end';
import { parseEventCategories } from '../simulators/protocols/presence';
import { scenariosDir } from './support/matrix';
import { connectRaw, ntlmSignIn, request } from './support/raw-sip-client';
import type { RawSipClient } from './support/raw-sip-client';

// A pool of three front ends behind a load balancer (lb-pool-lab; docs/protocols/load-balancing.md §1–§2), spoken raw
// by two clients through the virtual IP: alice lands on fe1, bob on fe2. The front ends share the pool's back end
// (what bob publishes at fe2 is what fe1 serves alice, and fe1 hears when it changes), and a request for a user
// connected to another front end is routed there.

const lbLab = loadLabById('lb-pool-lab', scenariosDir);


const publish = (uri: string, availability: number): string =>
  `<publish xmlns="http://schemas.microsoft.com/2006/09/sip/rich-presence"><publications uri="${uri}"><publication categoryName="state" instance="1" container="2" version="0" expireType="static"><state xmlns="http://schemas.microsoft.com/2006/09/sip/state" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" manual="true" xsi:type="userState"><availability>${availability}</availability></state></publication></publications></publish>`;

const bodyOf = (message: string): string => message.slice(message.indexOf('\r\n\r\n') + 4);
const availabilityIn = (message: string): string | undefined => /<availability>(\d+)<\/availability>/.exec(bodyOf(message))?.[1];

describe('the front ends of a load-balanced pool', () => {
  let lab: LabRuntime;
  let alice: RawSipClient;
  let bob: RawSipClient;
  const frontEnd = (host: string): OcsFrontEnd => lab.node(host)?.node as OcsFrontEnd;
  const address = (host: string): string => lab.network.host(host).address;
  beforeAll(async () => {
    lab = await LabRuntime.start(lbLab, { runtime: 'memory', seed: 7 });
    alice = await connectRaw(lab, 'pc-alice', 'ocs-pool1');
    bob = await connectRaw(lab, 'pc-bob', 'ocs-pool1', { logon: 'bob', domain: 'UC', password: 'Pass@word1' });
    expect((await ntlmSignIn(alice)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect((await ntlmSignIn(bob, [], 'bob')).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('each hold the registrations of the endpoints connected to them', () => {
    expect(frontEnd('ocs-pool1-fe1').observe().registrations).toEqual(['sip:alice@uc.lab']);
    expect(frontEnd('ocs-pool1-fe2').observe().registrations).toEqual(['sip:bob@uc.lab']);
    expect(frontEnd('ocs-pool1-fe3').observe().registrations).toEqual([]);
  });

  it("serve a user's presence published at another front end, and tell their watchers when it changes", async () => {
    bob.send(request(bob, 'bob', 'SERVICE', 'sip:bob@uc.lab', 'pub1', ['Content-Type: application/msrtc-category-publish+xml'], publish('sip:bob@uc.lab', 6500)), { signed: true });
    expect((await bob.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    alice.send(request(alice, 'alice', 'SUBSCRIBE', 'sip:bob@uc.lab', 'sub1', ['Event: presence', 'Accept: application/msrtc-event-categories+xml', 'Supported: ms-piggyback-first-notify']), { signed: true });
    const ok = await alice.next(/^SIP\/2.0 /);
    expect(ok.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect(parseEventCategories(bodyOf(ok)).ok).toBe(true);
    expect(availabilityIn(ok)).toBe('6500');
    // fe1 answered it (its Contact), from the store fe2 wrote.
    expect(ok).toMatch(new RegExp(`\\r\\nContact: <sip:pool1\\.uc\\.lab@${address('ocs-pool1-fe1').replace(/\./g, '\\.')}:5060;transport=tcp>`));
    bob.send(request(bob, 'bob', 'SERVICE', 'sip:bob@uc.lab', 'pub2', ['Content-Type: application/msrtc-category-publish+xml'], publish('sip:bob@uc.lab', 3500)), { signed: true });
    expect((await bob.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    const notify = await alice.next(/^(BENOTIFY|NOTIFY) /);
    expect(availabilityIn(notify)).toBe('3500');
  });

  it('route a request for a user connected to another front end through that front end (FE→FE)', async () => {
    bob.send(request(bob, 'bob', 'MESSAGE', 'sip:alice@uc.lab', 'im1', ['Content-Type: text/plain'], 'hello'), { signed: true });
    const message = await alice.next(/^MESSAGE /);
    const vias = message.split('\r\n').filter((l) => /^Via:/i.test(l));
    // fe1 delivers it (top Via), after fe2, bob's front end, forwarded it; then bob's own Via.
    expect(vias.map((v) => /SIP\/2\.0\/TCP ([0-9.]+)/.exec(v)?.[1])).toEqual([address('ocs-pool1-fe1'), address('ocs-pool1-fe2'), bob.address]);
    expect(bodyOf(message)).toBe('hello');
  });
});

describe('CUP and a front end that is gone (docs/protocols/cup-rcc.md §6a)', () => {
  it("ends an RCC session whose front end cannot be reached: the next event's INFO fails, CUP stops the monitor", async () => {
    const lab = await LabRuntime.start(lbLab, { runtime: 'memory', seed: 7 });
    try {
      type Oc = { signIn(): Promise<void>; observe(): { rccSession: string } };
      const alice = lab.node('pc-alice')?.node as unknown as Oc;
      const bob = lab.node('pc-bob')?.node as unknown as Oc;
      const cup = lab.node('cup')?.node as unknown as { observe(): { sessions: { userId: string; state: string; monitored: boolean }[] } };
      const bobsSession = (): string => cup.observe().sessions.filter((s) => s.userId === 'bob').map((s) => `${s.state}${s.monitored ? ' monitored' : ''}`).join(', ') || 'none';
      // The balancer spreads sign-ins over its front ends: alice's lands on fe1, bob's on fe2.
      await lab.driver.complete(alice.signIn(), 10_000, 'alice signs in');
      await lab.driver.complete(bob.signIn(), 10_000, 'bob signs in');
      await lab.driver.runUntil(() => bob.observe().rccSession === 'active', 10_000);
      expect(bobsSession()).toBe('active monitored');
      // Bob's front end stops; before his Communicator is back, a call rings his phone and CUP's DeliveredEvent
      // cannot reach him (the front end that Record-Routed his session no longer listens).
      await lab.driver.complete((lab.node('ocs-pool1-fe2')?.node as unknown as OcsFrontEnd).stopFrontEnd(), 5_000, 'stop fe2');
      const alicePhone = lab.node('phone-7975-sccp')?.node as unknown as { dial(n: string): Promise<void> };
      await lab.driver.complete(alicePhone.dial('+14085551002'), 5_000, 'alice dials bob');
      await lab.driver.runUntil(() => bobsSession() === 'none', 5_000);
      expect(bobsSession()).toBe('none');
    } finally {
      await lab.stop();
    }
  });
});
