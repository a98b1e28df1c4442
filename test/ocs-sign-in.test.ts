import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { CONFIG_OPERATIONS } from '../harness/scenario/vocabulary';
import type { Lab } from '../simulators/lab/lab-schema';
import { parseRoamingSelf } from '../simulators/protocols/presence';
import { scenariosDir } from './support/matrix';

// Sign-in as an OCS 2007 R2 pool answers it (docs/protocols/sign-in.md §2, §8), spoken raw over TCP from alice's PC:
// the REGISTER 200's headers, the self-subscriptions the pool answers itself, and the RCC line from the AD user (A3).

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const seedLab = loadLabById('seed-lab', scenariosDir);

interface Client {
  send(message: string): void;
  /** The next message whose start line matches. */
  next(startLine: RegExp): Promise<string>;
  address: string;
}

async function connect(lab: LabRuntime): Promise<Client> {
  const pc = lab.network.host('pc-alice');
  const conn = await lab.driver.complete(pc.connectTcp({ address: lab.network.host('ocs-pool1').address, port: 5060 }), 5000, 'connect');
  const seen: string[] = [];
  let buffer = '';
  const waiters: { re: RegExp; resolve: (m: string) => void }[] = [];
  conn.onData((d) => {
    buffer += text(d);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\nContent-Length: *(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const message = buffer.slice(0, end + 4 + length);
      buffer = buffer.slice(end + 4 + length);
      const w = waiters.findIndex((x) => x.re.test(message.split('\r\n')[0] ?? ''));
      if (w >= 0) waiters.splice(w, 1)[0]?.resolve(message);
      else seen.push(message);
    }
  });
  return {
    address: pc.address,
    send: (m) => conn.write(new TextEncoder().encode(m)),
    next: (re) => {
      const i = seen.findIndex((m) => re.test(m.split('\r\n')[0] ?? ''));
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0] ?? '');
      return lab.driver.complete(new Promise<string>((resolve) => waiters.push({ re, resolve })), 5000, `a message like ${re}`);
    },
  };
}

function message(lines: string[], body = ''): string {
  return [...lines, `Content-Length: ${new TextEncoder().encode(body).length}`, '', body].join('\r\n');
}

function register(c: Client): string {
  return message([
    'REGISTER sip:uc.lab SIP/2.0',
    `Via: SIP/2.0/TCP ${c.address}:15080;branch=z9hG4bKsi1;rport`,
    'Max-Forwards: 70',
    'From: <sip:alice@uc.lab>;tag=si1;epid=01010101',
    'To: <sip:alice@uc.lab>',
    'Call-ID: si-reg',
    'CSeq: 1 REGISTER',
    `Contact: <sip:alice@${c.address}:15080;transport=tcp>`,
    'Supported: gruu-10, adhoclist, msrtc-event-categories',
    'ms-keep-alive: UAC;hop-hop=yes',
    '',
  ].slice(0, -1));
}

function subscribe(c: Client, event: string, accept: string, callId: string, extra: string[] = [], body = ''): string {
  return message(
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
      c.send(register(c));
      const ok = await c.next(/^SIP\/2.0 /);
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
      c.send(register(c));
      await c.next(/^SIP\/2.0 200/);
      c.send(subscribe(c, 'vnd-microsoft-roaming-self', 'application/vnd-microsoft-roaming-self+xml', 'si-rs', ['Supported: ms-piggyback-first-notify']));
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
      c.send(register(c));
      await c.next(/^SIP\/2.0 200/);
      c.send(subscribe(c, 'vnd-microsoft-provisioning-v2', 'application/vnd-microsoft-roaming-provisioning-v2+xml', 'si-pv', ['Expires: 0']));
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
      c.send(register(c));
      await c.next(/^SIP\/2.0 200/);
      c.send(subscribe(c, 'vnd-microsoft-roaming-self', 'application/vnd-microsoft-roaming-self+xml', 'si-rs2', ['Supported: ms-piggyback-first-notify']));
      const ok = await c.next(/^SIP\/2.0 /);
      const doc = parseRoamingSelf(ok.slice(ok.indexOf('\r\n\r\n') + 4));
      expect(doc.ok && doc.value.lines).toEqual([]);
      const pools = lab.nodesOf('ocs').map((n) => n.node);
      await op?.op.run(pools, { userId: 'alice', enabled: true, lineUri: 'tel:+14085559999' });
      c.send(subscribe(c, 'vnd-microsoft-roaming-self', 'application/vnd-microsoft-roaming-self+xml', 'si-rs3', ['Supported: ms-piggyback-first-notify']));
      const again = await c.next(/^SIP\/2.0 /);
      const doc2 = parseRoamingSelf(again.slice(again.indexOf('\r\n\r\n') + 4));
      expect(doc2.ok && doc2.value.lines).toEqual([{ lineType: 'Rcc', uri: 'tel:+14085559999', lineServer: 'sip:cup.uc.lab' }]);
    });
  });

  it('refuses a Proxy-Require it does not support with 420 and Unsupported (RFC 3261 §16.3 step 5), but takes ms-benotify', async () => {
    await withLab(seedLab, async (lab) => {
      const c = await connect(lab);
      c.send(register(c));
      await c.next(/^SIP\/2.0 200/);
      c.send(subscribe(c, 'vnd-microsoft-roaming-contacts', 'application/vnd-microsoft-roaming-contacts+xml', 'si-px', ['Proxy-Require: com.example.nothing']));
      const refused = await c.next(/^SIP\/2.0 /);
      expect(refused.split('\r\n')[0]).toBe('SIP/2.0 420 Bad Extension');
      expect(refused).toMatch(/\r\nUnsupported: com\.example\.nothing\r\n/);
    });
  });
});
