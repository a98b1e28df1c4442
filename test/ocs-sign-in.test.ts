import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { CONFIG_OPERATIONS } from '../harness/scenario/vocabulary';
import type { Lab } from '../simulators/lab/lab-schema';
import { parseRoamingSelf } from '../simulators/protocols/presence';
import { scenariosDir } from './support/matrix';
import { aliceRegister, connectRaw, ntlmSignIn, sipMessage } from './support/raw-sip-client';
import type { RawSipClient } from './support/raw-sip-client';

// Sign-in as an OCS 2007 R2 pool answers it (docs/protocols/sign-in.md §2, §8), spoken raw over TCP from alice's PC:
// the REGISTER 200's headers, the self-subscriptions the pool answers itself, and the RCC line from the AD user (A3).

const seedLab = loadLabById('seed-lab', scenariosDir);

async function connect(lab: LabRuntime): Promise<RawSipClient> {
  return connectRaw(lab, 'pc-alice', 'ocs-pool1');
}

function subscribe(c: RawSipClient, event: string, accept: string, callId: string, extra: string[] = [], body = ''): string {
  return sipMessage(
    [
      'SUBSCRIBE sip:alice@uc.lab SIP/2.0',
      `Via: SIP/2.0/TCP ${c.address}:15080;branch=z9hG4bK${callId};rport`,
      'Max-Forwards: 70',
      'From: <sip:alice@uc.lab>;tag=si2;epid=01010101',
      'To: <sip:alice@uc.lab>',
      `Call-ID: ${callId}`,
      'CSeq: 1 SUBSCRIBE',
      `Contact: <sip:alice@${c.address}:15080;transport=tcp>`,
      `Event: ${event}`,
      `Accept: ${accept}`,
      'Supported: ms-benotify',
      'Proxy-Require: ms-benotify',
      ...extra,
    ],
    body,
  );
}

async function withLab(lab: Lab, run: (runtime: LabRuntime) => Promise<void>): Promise<void> {
  const runtime = await LabRuntime.start(lab, { runtime: 'memory', seed: 7 });
  try {
    await run(runtime);
  } finally {
    await runtime.stop();
  }
}

describe('the OCS 2007 R2 pool signs a client in as the product did', () => {
  it("answers REGISTER with Expires, ms-keep-alive, the self-subscription events and one Supported option per header ([MS-SIPREGE])", async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      const ok = await ntlmSignIn(c);
      expect(ok.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      expect(ok).toMatch(/\r\nExpires: 7200\r\n/);
      expect(ok).toMatch(/\r\nms-keep-alive: UAS; tcp=no; hop-hop=yes; end-end=no; timeout=300\r\n/);
      expect(ok).toMatch(/\r\nAllow-Events: vnd-microsoft-provisioning,vnd-microsoft-roaming-contacts,vnd-microsoft-roaming-ACL,presence,presence\.wpending,vnd-microsoft-roaming-self,vnd-microsoft-provisioning-v2\r\n/);
      expect(ok).toMatch(/\r\nSupported: adhoclist\r\n/);
      expect(ok).toMatch(/\r\nSupported: msrtc-event-categories\r\n/);
      expect(ok).toMatch(/\r\nServer: RTC\/3\.5\r\n/);
    });
  });

  it('answers the roaming-self subscription itself, with the RCC line and server URI of the AD user (A3), in the 200 when the client allows piggybacking', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      expect((await ntlmSignIn(c)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      c.send(subscribe(c, 'vnd-microsoft-roaming-self', 'application/vnd-microsoft-roaming-self+xml', 'si-rs', ['Supported: ms-piggyback-first-notify']), { signed: true });
      const ok = await c.next(/^SIP\/2.0 /);
      expect(ok.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      expect(ok).toMatch(/\r\nms-piggyback-cseq: 1\r\n/);
      const doc = parseRoamingSelf(ok.slice(ok.indexOf('\r\n\r\n') + 4));
      expect(doc.ok && doc.value.lines).toEqual([{ lineType: 'Rcc', uri: 'tel:+14085551001', lineServer: 'sip:cup.uc.lab' }]);
    });
  });

  it('without piggybacking the document comes in a NOTIFY; a one-time fetch (Expires: 0) ends the subscription (RFC 6665 §4.4.3)', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      expect((await ntlmSignIn(c)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      c.send(subscribe(c, 'vnd-microsoft-provisioning-v2', 'application/vnd-microsoft-roaming-provisioning-v2+xml', 'si-pv', ['Expires: 0']), { signed: true });
      expect((await c.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      const notify = await c.next(/^NOTIFY /);
      expect(notify).toMatch(/\r\nSubscription-State: terminated;reason=timeout\r\n/);
      expect(notify).toMatch(/<provisionGroup name="ServerConfiguration">/);
    });
  });

  it('serves what AD says: with RCC disabled for alice, roaming-self carries no line; a changed line URI is served at the next subscription', async () => {
    const op = CONFIG_OPERATIONS.get('ocs.activeDirectory.setRemoteCallControl');
    expect(CONFIG_OPERATIONS.get('oc.activeDirectory.setRemoteCallControl')).toBe(op);
    const disabled = structuredClone(seedLab);
    const alice = disabled.ocs.users.find((u) => u.id === 'alice');
    if (alice) alice.rcc.enabled = false;
    await withLab(disabled, async (lab) => {
      const c = await connect(lab);
      expect((await ntlmSignIn(c)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      c.send(subscribe(c, 'vnd-microsoft-roaming-self', 'application/vnd-microsoft-roaming-self+xml', 'si-rs2', ['Supported: ms-piggyback-first-notify']), { signed: true });
      const ok = await c.next(/^SIP\/2.0 /);
      const doc = parseRoamingSelf(ok.slice(ok.indexOf('\r\n\r\n') + 4));
      expect(doc.ok && doc.value.lines).toEqual([]);
      const pools = lab.nodesOf('ocs').map((n) => n.node);
      await op?.op.run(pools, { userId: 'alice', enabled: true, lineUri: 'tel:+14085559999' });
      c.send(subscribe(c, 'vnd-microsoft-roaming-self', 'application/vnd-microsoft-roaming-self+xml', 'si-rs3', ['Supported: ms-piggyback-first-notify']), { signed: true });
      const again = await c.next(/^SIP\/2.0 /);
      const doc2 = parseRoamingSelf(again.slice(again.indexOf('\r\n\r\n') + 4));
      expect(doc2.ok && doc2.value.lines).toEqual([{ lineType: 'Rcc', uri: 'tel:+14085559999', lineServer: 'sip:cup.uc.lab' }]);
    });
  });

  it('refuses a Proxy-Require it does not support with 420 and Unsupported (RFC 3261 §16.3 step 5), but takes ms-benotify', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      expect((await ntlmSignIn(c)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      c.send(subscribe(c, 'vnd-microsoft-roaming-contacts', 'application/vnd-microsoft-roaming-contacts+xml', 'si-px', ['Proxy-Require: com.example.nothing']), { signed: true });
      const refused = await c.next(/^SIP\/2.0 /);
      expect(refused.split('\r\n')[0]).toBe('SIP/2.0 420 Bad Extension');
      expect(refused).toMatch(/\r\nUnsupported: com\.example\.nothing\r\n/);
    });
  });

  it('challenges a REGISTER without credentials with 401, NTLM only, the realm, the pool as target and version 4 ([MS-SIPAE] §3.3.5.1)', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      c.send(aliceRegister(c, 1));
      const challenge = await c.next(/^SIP\/2.0 /);
      expect(challenge.split('\r\n')[0]).toBe('SIP/2.0 401 Unauthorized');
      expect(challenge).toMatch(/\r\nWWW-Authenticate: NTLM realm="SIP Communications Service", targetname="pool1\.uc\.lab", version=4\r\n/);
      expect(challenge).toMatch(/\r\nDate: /);
      expect(challenge).not.toMatch(/Kerberos/);
    });
  });

  it('signs its 200 OK and every later message to the signed-in client (Authentication-Info with rspauth, srand, snum), which the client verifies', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      const ok = await ntlmSignIn(c);
      expect(ok).toMatch(/\r\nAuthentication-Info: NTLM rspauth="[0-9A-F]{32}", srand="[0-9A-F]{8}", snum="1", opaque="[0-9A-F]{8}", qop="auth", targetname="pool1\.uc\.lab", realm="SIP Communications Service"\r\n/);
      // connectRaw passes a message on only when its signature checks out, so the 200 arriving proves it.
      expect(c.ntlm.ready).toBe(true);
    });
  });

  it('refuses a wrong password and an unknown account with the same answer: the first challenge again', async () => {
    const answers: string[] = [];
    for (const account of [{ logon: 'alice', domain: 'UC', password: 'wrong' }, { logon: 'mallory', domain: 'UC', password: 'Pass@word1' }]) {
      await withLab(seedLab, async (lab) => {
        const c = await connectRaw(lab, 'pc-alice', 'ocs-pool1', account);
        const last = await ntlmSignIn(c);
        answers.push(last.split('\r\n').filter((l) => /^(SIP\/2\.0|WWW-Authenticate)/.test(l)).join('\n'));
      });
    }
    expect(answers[0]).toBe('SIP/2.0 401 Unauthorized\nWWW-Authenticate: NTLM realm="SIP Communications Service", targetname="pool1.uc.lab", version=4');
    expect(answers[1]).toBe(answers[0]);
  });

  it('challenges an unsigned request from a signed-in client (the client signs in again), and acts on a signed one', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      await ntlmSignIn(c);
      c.send(subscribe(c, 'vnd-microsoft-roaming-contacts', 'application/vnd-microsoft-roaming-contacts+xml', 'si-us'));
      expect((await c.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 401 Unauthorized');
      c.send(subscribe(c, 'vnd-microsoft-roaming-contacts', 'application/vnd-microsoft-roaming-contacts+xml', 'si-s'), { signed: true });
      expect((await c.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    });
  });

  it('ends a registration that is not refreshed in time (RFC 3261 §10.3): the user is signed out there', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      const ok = await ntlmSignIn(c, ['Expires: 120']);
      expect(ok).toMatch(/\r\nExpires: 120\r\n/);
      const pool = lab.nodesOf('ocs')[0];
      const registrations = (): number => (pool ? (pool.node as unknown as { observe(): { registrations: string[] } }).observe().registrations.filter((a) => a === 'sip:alice@uc.lab').length : -1);
      expect(registrations()).toBe(1);
      await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(119_000, resolve)), 120_000, '119 s');
      expect(registrations()).toBe(1);
      await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(2_000, resolve)), 5_000, '2 s more');
      expect(registrations()).toBe(0);
    });
  });

  it("keeps the lab's Communicator registered through a long day: it refreshes its signed REGISTER before it expires", async () => {
    await withLab(seedLab, async (lab) => {
      const oc = lab.node('pc-alice');
      const client = oc?.node as unknown as { signIn(): Promise<void> } | undefined;
      await lab.driver.complete(client?.signIn() ?? Promise.resolve(), 10_000, 'sign-in');
      await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(5 * 3600_000, resolve)), 6 * 3600_000, 'five hours');
      const pool = lab.nodesOf('ocs').find((n) => n.host === 'ocs-pool1');
      expect((pool?.node as unknown as { observe(): { registrations: string[] } }).observe().registrations).toContain('sip:alice@uc.lab');
    });
  });

  it('answers an unauthenticated REGISTER for an unknown user exactly as for a known one: no enumeration of the pool\'s users (issue-11 defect 11)', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      const answers: string[] = [];
      for (const user of ['alice', 'nobody']) {
        c.send(aliceRegister(c, 1, undefined, [], user));
        const answer = await c.next(/^SIP\/2.0 /);
        answers.push(answer.split('\r\n').filter((l) => /^(SIP\/2\.0|WWW-Authenticate)/.test(l)).join('\n'));
      }
      expect(answers[0]).toMatch(/^SIP\/2\.0 401 Unauthorized\n/);
      expect(answers[1]).toBe(answers[0]);
    });
  });

  it('gives an unauthenticated connection no remote call control: its RCC INVITE to CUP is challenged, never forwarded (issue-11 defect 11)', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      const body = '<?xml version="1.0"?><RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"><extensions><privateData><private><lcs:line xmlns:lcs="http://schemas.microsoft.com/Lcs/2005/04/RCCExtension">tel:+14085551001</lcs:line></private></privateData></extensions></RequestSystemStatus>';
      c.send(
        sipMessage(
          [
            'INVITE sip:cup.uc.lab SIP/2.0',
            `Via: SIP/2.0/TCP ${c.address}:15080;branch=z9hG4bKrcc1;rport`,
            'Max-Forwards: 70',
            'From: <sip:alice@uc.lab>;tag=rcc1',
            'To: <sip:cup.uc.lab>',
            'Call-ID: rcc-1',
            'CSeq: 1 INVITE',
            `Contact: <sip:alice@${c.address}:15080;transport=tcp>`,
            'Content-Type: application/csta+xml',
            'Content-Disposition: signal;handling=required',
          ],
          body,
        ),
      );
      expect((await c.next(/^SIP\/2.0 [2-6]/)).split('\r\n')[0]).toBe('SIP/2.0 401 Unauthorized');
      const cup = lab.nodesOf('cup')[0];
      expect(cup && (cup.kind.surface?.observations?.rccSession?.read(cup.node, { user: 'alice' }) as string)).toBe('none');
    });
  });

  it("keeps its connection alive as the pool's ms-keep-alive asks: a CRLF ping every 300 s with nothing else sent", async () => {
    const pings: number[] = [];
    const lab = await LabRuntime.start(seedLab, {
      runtime: 'memory',
      seed: 7,
      capture: { udp: () => undefined, tcpOpen: () => undefined, tcpClose: () => undefined, tcpData: (t, _c, _f, p) => void (new TextDecoder().decode(p) === '\r\n\r\n' && pings.push(t)) },
    });
    try {
      const client = lab.node('pc-alice')?.node as unknown as { signIn(): Promise<void> };
      await lab.driver.complete(client.signIn(), 10_000, 'sign-in');
      const from = lab.driver.clock.now();
      await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(1000_000, resolve)), 1100_000, 'a quiet 1000 s');
      // The first period had sign-in traffic (no ping needed); then one ping per quiet period.
      expect(pings.length).toBe(2);
      expect(pings.every((t) => t > from)).toBe(true);
      expect((pings[1] ?? 0) - (pings[0] ?? 0)).toBe(300_000);
    } finally {
      await lab.stop();
    }
  });
});
