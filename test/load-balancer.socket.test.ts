import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import type { OcsFrontEnd } from '../simulators/nodes/ocs-pool/ocs-front-end';
import { scenariosDir } from './support/matrix';
import { connectRaw, ntlmSignIn, sipMessage } from './support/raw-sip-client';

// The load-balanced pool (lb-pool-lab) on real sockets, 127.0.41.x: the balancer's relay and the front ends'
// routing to each other are the code the memory runtime runs (test/ocs-pool-front-ends.test.ts), over real TCP.

describe('a load-balanced pool on real sockets', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('lb-pool-lab', scenariosDir), { runtime: 'sockets', seed: 7, addressPrefix: '127.0.41' });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('signs two PCs in through the virtual IP onto two front ends, which route a request from one to the other', async () => {
    const alice = await connectRaw(lab, 'pc-alice', 'ocs-pool1');
    const bob = await connectRaw(lab, 'pc-bob', 'ocs-pool1', { logon: 'bob', domain: 'UC', password: 'Pass@word1' });
    expect((await ntlmSignIn(alice)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect((await ntlmSignIn(bob, [], 'bob')).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    const registrations = (host: string): string[] => (lab.node(host)?.node as OcsFrontEnd).observe().registrations;
    expect([registrations('ocs-pool1-fe1'), registrations('ocs-pool1-fe2')]).toEqual([['sip:alice@uc.lab'], ['sip:bob@uc.lab']]);
    bob.send(
      sipMessage(
        [
          'MESSAGE sip:alice@uc.lab SIP/2.0',
          `Via: SIP/2.0/TCP ${bob.address}:15080;branch=z9hG4bKim1;rport`,
          'Max-Forwards: 70',
          'From: <sip:bob@uc.lab>;tag=im1t;epid=0202',
          'To: <sip:alice@uc.lab>',
          'Call-ID: im1',
          'CSeq: 1 MESSAGE',
          `Contact: <sip:bob@${bob.address}:15080;transport=tcp>`,
          'Content-Type: text/plain',
        ],
        'hello',
      ),
      { signed: true },
    );
    const message = await alice.next(/^MESSAGE /);
    const vias = message.split('\r\n').filter((l) => /^Via:/i.test(l)).map((v) => /SIP\/2\.0\/TCP ([0-9.]+)/.exec(v)?.[1]);
    expect(vias).toEqual([lab.network.host('ocs-pool1-fe1').address, lab.network.host('ocs-pool1-fe2').address, bob.address]);
    alice.end();
    bob.end();
  });
});
