import { serializeCsta } from '../simulators/protocols/csta';
import { LabRuntime } from '../harness/lab/lab-runtime';
import { runCell } from '../harness/run/run-cell';
import { planMatrix } from '../harness/run/run-matrix';
import { loadLabById } from '../harness/lab/load-lab';
import { parseDuration } from '../harness/scenario/vocabulary';
import { scenariosDir } from './support/matrix';
import { connectRaw, ntlmSignIn, sipMessage } from './support/raw-sip-client';

// Standards defects found by outside tools, each with its clause, on the in-memory lab: raw SIP is sent from a lab
// host's own address (so CUP's incoming ACL lets it in) and the answers are read off the wire.

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function request(method: string, uri: string, from: string, opts: { callId: string; contact?: string; body?: string; contentType?: string; toTag?: string }): string {
  const body = opts.body ?? '';
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${from}:15060;branch=z9hG4bK${opts.callId};rport`,
    'Max-Forwards: 70',
    `From: <sip:alice@uc.lab>;tag=conf-${opts.callId}`,
    `To: <${uri}>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    `Call-ID: ${opts.callId}`,
    `CSeq: 1 ${method}`,
    ...(opts.contact ? [`Contact: ${opts.contact}`] : []),
    ...(opts.contentType ? [`Content-Type: ${opts.contentType}`] : []),
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    '',
    body,
  ].join('\r\n');
}

describe('SIP conformance of the simulated products', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
  });
  afterAll(async () => {
    await lab.stop();
  });

  /** Sends a datagram from `fromHost` and returns the first answer. */
  async function ask(fromHost: string, toHost: string, payload: (from: string) => string): Promise<string> {
    const from = lab.network.host(fromHost);
    const socket = await from.bindUdp(15060);
    try {
      const answer = new Promise<string>((resolve) => socket.onDatagram((d) => resolve(text(d))));
      socket.send({ address: lab.network.host(toHost).address, port: 5060 }, new TextEncoder().encode(payload(from.address)));
      return await lab.driver.complete(answer, 5000, `an answer from ${toHost}`);
    } finally {
      socket.close();
    }
  }

  it.each(['REGISTER', 'MESSAGE'])('CUP answers an out-of-dialog %s with 405 and an Allow header, not 481 (RFC 3261 §8.2.1)', async (method) => {
    const answer = await ask('ocs-pool1', 'cup', (from) => request(method, 'sip:cup.uc.lab', from, { callId: `cup-${method}` }));
    expect(answer.split('\r\n')[0]).toBe('SIP/2.0 405 Method Not Allowed');
    expect(answer).toMatch(/\r\nAllow: INVITE, ACK, CANCEL, BYE, INFO, OPTIONS, SUBSCRIBE, NOTIFY, PUBLISH\r\n/);
  });

  it('CUP still answers an in-dialog request of an unknown dialog with 481 (RFC 3261 §12.2.2)', async () => {
    const answer = await ask('ocs-pool1', 'cup', (from) => request('MESSAGE', 'sip:cup.uc.lab', from, { callId: 'cup-481', toTag: 'nosuch' }));
    expect(answer.split('\r\n')[0]).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
  });

  it("CUCM's 405 carries an Allow header (RFC 3261 §8.2.1)", async () => {
    const answer = await ask('phone-7971-sip', 'cucm', (from) => request('MESSAGE', 'sip:cucm.uc.lab', from, { callId: 'cucm-405' }));
    expect(answer.split('\r\n')[0]).toBe('SIP/2.0 405 Method Not Allowed');
    expect(answer).toMatch(/\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, REFER, NOTIFY, PUBLISH\r\n/);
  });

  it("CUP sends in-dialog requests to the remote target (the INVITE's Contact), not to the From URI (RFC 3261 §12.1.1)", async () => {
    const pool = lab.network.host('ocs-pool1');
    const received: string[] = [];
    const catcher = await pool.listenTcp(15070, (c) => c.onData((d) => received.push(text(d))));
    const body = serializeCsta({ type: 'RequestSystemStatus', line: 'tel:+14085551001' });
    const invite = (n: number) => (from: string) =>
      request('INVITE', 'sip:cup.uc.lab', from, { callId: `rcc-${n}`, contact: `<sip:alice@${from}:15070;transport=tcp>`, body, contentType: 'application/csta+xml' });
    expect((await ask('ocs-pool1', 'cup', invite(1))).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    // A second session for the same user takes over (MPOP): CUP ends the first with a BYE in its dialog.
    expect((await ask('ocs-pool1', 'cup', invite(2))).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(2000, resolve)), 5000, 'the BYE');
    catcher.close();
    expect(received.join('')).toMatch(new RegExp(`^BYE sip:alice@${pool.address.replace(/\./g, '\\.')}:15070;transport=tcp SIP/2\\.0\\r\\n[\\s\\S]*Call-ID: rcc-1\\r\\n`));
  });

  it('a scenario duration is at most a day: 600000m is refused, 1440m is taken', () => {
    expect(parseDuration('600000m')).toBeUndefined();
    expect(parseDuration('1440m')).toBe(24 * 3600_000);
  });
});

describe('CUCM after a SIP phone hangs up', () => {
  it('answers the phone\'s BYE and sends no BYE of its own in the ended dialog (RFC 3261 §15.1.2)', async () => {
    const planned = planMatrix({ scenariosDir, filter: ['phone-presence/endpoint=7971-sip'] });
    const first = planned.cells[0];
    if (!first) throw new Error('no cell');
    const outcome = await runCell(first.cell, { runtime: 'memory', seed: 7, lab: first.lab, claims: new Map(planned.claims.map((c) => [c.id, c])) });
    expect(outcome.result.verdict).toBe('supported');
    const events = outcome.events;
    const phoneBye = events.findIndex((e) => e.from === 'phone-7971-sip' && e.to === 'cucm' && /^BYE /.test(e.summary));
    expect(phoneBye).toBeGreaterThan(0);
    const after = events.slice(phoneBye + 1).filter((e) => e.from === 'cucm' && e.to === 'phone-7971-sip' && /^BYE /.test(e.summary));
    expect(after).toEqual([]);
  });
});

describe('the OCS registrar and closed connections', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('a binding ends with the TCP connection it was registered over: a request for the user then gets 480, not a send into the void (RFC 5626 §3, RFC 3261 §21.4.18)', async () => {
    const pool = lab.network.host('ocs-pool1');
    const client = await connectRaw(lab, 'pc-alice', 'ocs-pool1');
    expect((await ntlmSignIn(client)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    client.end();
    await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(1000, resolve)), 5000, 'the close');
    const cup = lab.network.host('cup');
    const socket = await cup.bindUdp(15090);
    try {
      const answers: string[] = [];
      socket.onDatagram((d) => answers.push(text(d)));
      const options = request('OPTIONS', 'sip:alice@uc.lab', cup.address, { callId: 'after-close' }).replace(':15060;', ':15090;');
      socket.send({ address: pool.address, port: 5060 }, new TextEncoder().encode(options));
      await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(2000, resolve)), 5000, 'the answer');
      expect(answers.map((a) => a.split('\r\n')[0])).toContain('SIP/2.0 480 Temporarily Unavailable');
    } finally {
      socket.close();
    }
  });
});

describe('one sender cannot stall a product (issue-11 defect 9)', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it("answers a 100 MB body with 513 Message Too Large and closes that stream, takes 4 MiB of junk, and still answers another host's OPTIONS (RFC 3261 §21.5.11)", async () => {
    const cup = lab.network.host('cup');
    const sender = lab.network.host('pc-erin');
    const conn = await lab.driver.complete(sender.connectTcp({ address: cup.address, port: 5060 }), 5000, 'connect');
    const received: string[] = [];
    let closed = false;
    conn.onData((d) => received.push(text(d)));
    conn.onClose(() => (closed = true));
    const junk = new TextEncoder().encode('x\n'.repeat(2 * 1024 * 1024));
    for (let i = 0; i < junk.length; i += 64 * 1024) conn.write(junk.subarray(i, i + 64 * 1024));
    const huge = request('INVITE', 'sip:cup.uc.lab', sender.address, { callId: 'huge-1' }).replace(/Content-Length: 0/, 'Content-Length: 100000000').replace('SIP/2.0/UDP', 'SIP/2.0/TCP');
    conn.write(new TextEncoder().encode(huge));
    await lab.driver.complete(new Promise<void>((resolve) => lab.driver.clock.setTimer(500, resolve)), 5000, 'the answer');
    expect(received.join('').split('\r\n')[0]).toBe('SIP/2.0 513 Message Too Large');
    expect(closed).toBe(true);
    const socket = await lab.network.host('ocs-pool1').bindUdp(15070);
    try {
      const answer = new Promise<string>((resolve) => socket.onDatagram((d) => resolve(text(d))));
      socket.send({ address: cup.address, port: 5060 }, new TextEncoder().encode(request('OPTIONS', 'sip:cup.uc.lab', lab.network.host('ocs-pool1').address, { callId: 'after-junk' }).replace(':15060;', ':15070;')));
      expect((await lab.driver.complete(answer, 5000, 'OPTIONS')).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    } finally {
      socket.close();
    }
  });
});

describe('MakeCall on a SIP-phone line (issue-11 defects 3 and 4)', () => {
  const dec = new TextDecoder();
  type Oc = { signIn(): Promise<void>; makeCall(d: string): Promise<void>; observe(): { events: { type: string; callID?: string }[]; conversation: string } };

  it("answers with the call's id, the same the events carry (ECMA-323 MakeCallResponse identifies the call)", async () => {
    const payloads: string[] = [];
    const lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), {
      runtime: 'memory',
      seed: 7,
      capture: { udp: () => undefined, tcpOpen: () => undefined, tcpClose: () => undefined, tcpData: (_t, _c, _f, p) => payloads.push(dec.decode(p)) },
    });
    try {
      const bob = lab.node('pc-bob')?.node as unknown as Oc;
      await lab.driver.complete(bob.signIn(), 10_000, 'sign-in');
      await lab.driver.complete(bob.makeCall('+14085551001'), 10_000, 'MakeCall');
      await lab.driver.complete(new Promise<void>((r) => lab.driver.clock.setTimer(3000, r)), 5000, 'the events');
      const response = payloads.find((p) => p.includes('<MakeCallResponse')) ?? '';
      const callID = /<MakeCallResponse[\s\S]*?<callID>([^<]+)<\/callID>/.exec(response)?.[1];
      expect(callID).toBeDefined();
      const events = bob.observe().events.filter((e) => e.type === 'OriginatedEvent' || e.type === 'DeliveredEvent');
      expect(events.length).toBeGreaterThan(0);
      expect(events.every((e) => e.callID === callID)).toBe(true);
    } finally {
      await lab.stop();
    }
  });

  it('a phone that refuses the remotecc REFER (501, as baresip does) ends the call: Communicator sees it cleared, not a call that never comes (RFC 3515 §2.4.2)', async () => {
    const lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
    try {
      // Bob's 7971 is replaced by a raw SIP phone that registers the same device and answers REFER with 501.
      await lab.driver.complete((lab.node('phone-7971-sip')?.node as unknown as { stop(): Promise<void> }).stop(), 5000, 'stop the phone');
      const host = lab.network.host('phone-7971-sip');
      const cucm = lab.network.host('cucm');
      const conn = await lab.driver.complete(host.connectTcp({ address: cucm.address, port: 5060 }), 5000, 'connect');
      const seen: string[] = [];
      conn.onData((d) => {
        const t = dec.decode(d);
        seen.push(t.split('\r\n')[0] ?? '');
        if (!t.startsWith('REFER ')) return;
        const h = (n: string): string => new RegExp(`\\r\\n${n}: ([^\\r]*)`, 'i').exec(t)?.[1] ?? '';
        conn.write(new TextEncoder().encode(sipMessage(['SIP/2.0 501 Not Implemented', `Via: ${h('Via')}`, `From: ${h('From')}`, `To: ${h('To')};tag=r501`, `Call-ID: ${h('Call-ID')}`, `CSeq: ${h('CSeq')}`])));
      });
      const register = sipMessage([
        `REGISTER sip:${cucm.address} SIP/2.0`,
        `Via: SIP/2.0/TCP ${host.address}:5060;branch=z9hG4bKraw1`,
        'Max-Forwards: 70',
        `From: <sip:+14085551002@${cucm.address}>;tag=raw1`,
        `To: <sip:+14085551002@${cucm.address}>`,
        'Call-ID: raw-phone-1',
        'CSeq: 1 REGISTER',
        `Contact: <sip:+14085551002@${host.address}:5060;transport=tcp>;+u.sip!devicename.ccm.cisco.com="SEP00000000B971"`,
        'Expires: 3600',
      ]);
      conn.write(new TextEncoder().encode(register));
      await lab.driver.complete(new Promise<void>((r) => lab.driver.clock.setTimer(500, r)), 5000, 'the registration');
      expect(seen).toEqual(['SIP/2.0 200 OK']);
      const bob = lab.node('pc-bob')?.node as unknown as Oc;
      await lab.driver.complete(bob.signIn(), 10_000, 'sign-in');
      await lab.driver.complete(bob.makeCall('+14085551001'), 10_000, 'MakeCall');
      await lab.driver.complete(new Promise<void>((r) => lab.driver.clock.setTimer(3000, r)), 5000, 'the outcome');
      expect(seen.some((s) => s.startsWith('REFER '))).toBe(true);
      expect(bob.observe().events.map((e) => e.type)).toEqual(['ServiceInitiatedEvent', 'ConnectionClearedEvent']);
      expect(bob.observe().conversation).toBe('idle');
    } finally {
      await lab.stop();
    }
  });
});

describe("CUCM's SIP line side and other hosts (issue-11 defect 11)", () => {
  it("refuses a de-registration of a registered SIP phone from another host, and the phone's line keeps working", async () => {
    const lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
    try {
      const cucm = lab.network.host('cucm');
      const attacker = lab.network.host('pc-erin');
      const socket = await attacker.bindUdp(15099);
      const answers: string[] = [];
      socket.onDatagram((d) => answers.push(new TextDecoder().decode(d)));
      const deregister = sipMessage([
        `REGISTER sip:${cucm.address} SIP/2.0`,
        `Via: SIP/2.0/UDP ${attacker.address}:15099;branch=z9hG4bKdereg1;rport`,
        'Max-Forwards: 70',
        `From: <sip:+14085551002@${cucm.address}>;tag=d1`,
        `To: <sip:+14085551002@${cucm.address}>`,
        'Call-ID: dereg-1',
        'CSeq: 1 REGISTER',
        `Contact: <sip:+14085551002@${attacker.address}:15099>;+u.sip!devicename.ccm.cisco.com="SEP00000000B971"`,
        'Expires: 0',
      ]);
      socket.send({ address: cucm.address, port: 5060 }, new TextEncoder().encode(deregister));
      await lab.driver.complete(new Promise<void>((r) => lab.driver.clock.setTimer(1000, r)), 5000, 'the answer');
      socket.close();
      expect(answers.map((a) => a.split('\r\n')[0])).toEqual(['SIP/2.0 403 Forbidden']);
      // Bob's phone is still registered: Communicator's MakeCall from its line rings alice.
      const bob = lab.node('pc-bob')?.node as unknown as { signIn(): Promise<void>; makeCall(d: string): Promise<void>; observe(): { events: { type: string }[] } };
      await lab.driver.complete(bob.signIn(), 10_000, 'sign-in');
      await lab.driver.complete(bob.makeCall('+14085551001'), 10_000, 'MakeCall');
      await lab.driver.complete(new Promise<void>((r) => lab.driver.clock.setTimer(3000, r)), 5000, 'the events');
      expect(bob.observe().events.map((e) => e.type)).toContain('DeliveredEvent');
    } finally {
      await lab.stop();
    }
  });
});
