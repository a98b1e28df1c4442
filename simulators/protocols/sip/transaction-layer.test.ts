import { VirtualClock } from '../../kernel/clock';
import { seededRandom } from '../../kernel/random';
import { SipHeaders, createCancel, createResponse, parseSipMessage, parseVia, serializeSipMessage, type SipMessage, type SipRequest, type SipResponse } from './sip-message';
import type { ServerTransaction } from './server-transaction';
import { SipTransactionLayer, type SipTarget, type SipTransactionLayerDelegate } from './transaction-layer';
import type { ClientTransactionDelegate } from './transaction';

const UDP_PEER: SipTarget = { address: '10.0.0.20', port: 5060, transport: 'UDP' };
const TCP_PEER: SipTarget = { address: '10.0.0.20', port: 5060, transport: 'TCP', connectionId: 'c1' };

interface Sent {
  at: number;
  message: SipMessage;
  target: SipTarget;
}

function setup(delegateOverrides: Partial<SipTransactionLayerDelegate> = {}) {
  const clock = new VirtualClock();
  const sent: Sent[] = [];
  const events: string[] = [];
  const requests: { request: SipRequest; tx: ServerTransaction; source: SipTarget }[] = [];
  let failSend = false;
  const layer = new SipTransactionLayer({
    clock,
    random: seededRandom(7),
    sentBy: { host: '10.0.0.10', port: 5060 },
    send: (message, target) => {
      if (failSend) throw new Error('connection refused');
      // Every message goes through the wire format, as it would on a socket.
      const wire = parseSipMessage(serializeSipMessage(message));
      if (!wire.ok) throw wire.error;
      sent.push({ at: clock.now(), message: wire.value, target });
    },
    delegate: {
      onRequest: (request, tx, source) => {
        events.push(`request ${request.method}`);
        requests.push({ request, tx, source });
      },
      onAck: (ack) => events.push(`ack ${ack.headers.get('CSeq')}`),
      onCancel: (invite) => events.push(`cancel ${invite.request.method}`),
      onStrayResponse: (r) => events.push(`stray ${r.status}`),
      onServerTransactionTimeout: (tx) => events.push(`server timeout ${tx.request.method}`),
      ...delegateOverrides,
    },
  });
  return { clock, sent, events, requests, layer, breakTransport: () => (failSend = true) };
}

function request(method: string, opts: { branch?: string; via?: string; cseq?: number } = {}): SipRequest {
  const headers = new SipHeaders();
  if (opts.via ?? opts.branch) headers.append('Via', opts.via ?? `SIP/2.0/UDP 10.0.0.20:5060;branch=${opts.branch};rport`);
  headers.append('Max-Forwards', '70');
  headers.append('From', '<sip:1001@cucm.lab>;tag=from1');
  headers.append('To', '<sip:1002@cucm.lab>');
  headers.append('Call-ID', 'call-1@10.0.0.20');
  headers.append('CSeq', `${opts.cseq ?? 1} ${method}`);
  headers.append('Contact', '<sip:1001@10.0.0.20:5060>');
  return { kind: 'request', method, uri: 'sip:1002@cucm.lab', headers, body: '' };
}

function recorder() {
  const log: string[] = [];
  const delegate: ClientTransactionDelegate = {
    onProvisional: (r) => log.push(`provisional ${r.status}`),
    onFinal: (r) => log.push(`final ${r.status}`),
    onTimeout: () => log.push('timeout'),
    onTransportError: () => log.push('transport error'),
  };
  return { log, delegate };
}

const times = (sent: Sent[], method: string): number[] =>
  sent.filter((s) => s.message.kind === 'request' && s.message.method === method).map((s) => s.at);

describe('INVITE client transaction', () => {
  test('UDP: retransmits at T1 doubling (0.5, 1, 2, 4 ... s) and Timer B times out at 64*T1 = 32 s', async () => {
    const { clock, sent, layer } = setup();
    const { log, delegate } = recorder();
    const tx = layer.sendRequest(request('INVITE'), UDP_PEER, delegate);
    expect(tx.state).toBe('Calling');
    await clock.advance(31_999);
    expect(times(sent, 'INVITE')).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual(['timeout']);
    expect(tx.state).toBe('Terminated');
    expect(layer.liveTransactions()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  test('sendRequest prepends our Via with a z9hG4bK branch and rport', () => {
    const { sent, layer } = setup();
    const tx = layer.sendRequest(request('INVITE'), UDP_PEER, recorder().delegate);
    const via = parseVia(sent[0]?.message.headers.get('Via') ?? '');
    expect(via.ok && via.value).toMatchObject({ transport: 'UDP', host: '10.0.0.10', port: 5060, params: { rport: null } });
    expect(via.ok && String(via.value.params.branch)).toMatch(/^z9hG4bK[0-9a-z]{16}$/);
    expect(tx.id).toBe(via.ok ? via.value.params.branch : '');
    layer.dispose();
  });

  test('TCP: no retransmission, Timer B still applies', async () => {
    const { clock, sent, layer } = setup();
    const { log, delegate } = recorder();
    layer.sendRequest(request('INVITE'), TCP_PEER, delegate);
    await clock.advance(32_000);
    expect(times(sent, 'INVITE')).toEqual([0]);
    expect(log).toEqual(['timeout']);
  });

  test('non-2xx: provisional stops retransmission, final is ACKed, Completed then Terminated after Timer D', async () => {
    const { clock, sent, layer } = setup();
    const { log, delegate } = recorder();
    const tx = layer.sendRequest(request('INVITE'), UDP_PEER, delegate);
    const invite = tx.request;
    await clock.advance(600);
    layer.receive(createResponse(invite, 100), UDP_PEER);
    layer.receive(createResponse(invite, 180, undefined, { toTag: 'to9' }), UDP_PEER);
    expect(tx.state).toBe('Proceeding');
    await clock.advance(10_000);
    expect(times(sent, 'INVITE')).toEqual([0, 500]);

    const busy = createResponse(invite, 486, undefined, { toTag: 'to9' });
    layer.receive(busy, UDP_PEER);
    expect(tx.state).toBe('Completed');
    expect(log).toEqual(['provisional 100', 'provisional 180', 'final 486']);
    const ack = sent[sent.length - 1]?.message as SipRequest;
    // §17.1.1.3: same Request-URI, Call-ID, From, top Via; To from the response; CSeq number with ACK.
    expect(ack.method).toBe('ACK');
    expect(ack.uri).toBe(invite.uri);
    expect(ack.headers.getAll('Via')).toEqual([invite.headers.get('Via')]);
    expect(ack.headers.get('To')).toBe('<sip:1002@cucm.lab>;tag=to9');
    expect(ack.headers.get('From')).toBe(invite.headers.get('From'));
    expect(ack.headers.get('CSeq')).toBe('1 ACK');

    // A retransmitted 486 gets the ACK again and is not passed up.
    layer.receive(busy, UDP_PEER);
    expect(times(sent, 'ACK')).toHaveLength(2);
    expect(log).toHaveLength(3);

    await clock.advance(31_999);
    expect(tx.state).toBe('Completed');
    await clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(layer.liveTransactions()).toBe(0);
  });

  test('non-2xx over TCP: Timer D is zero', async () => {
    const { clock, layer } = setup();
    const tx = layer.sendRequest(request('INVITE'), TCP_PEER, recorder().delegate);
    layer.receive(createResponse(tx.request, 404, undefined, { toTag: 'x' }), TCP_PEER);
    expect(tx.state).toBe('Completed');
    await clock.advance(0);
    expect(tx.state).toBe('Terminated');
  });

  test('2xx: Accepted (RFC 6026), retransmitted 2xx re-sends the ACK given to sendAck, Timer M ends it', async () => {
    const { clock, sent, layer } = setup();
    const { log, delegate } = recorder();
    const tx = layer.sendRequest(request('INVITE'), UDP_PEER, delegate);
    const ok = createResponse(tx.request, 200, undefined, { toTag: 'to2', headers: [['Contact', '<sip:1002@10.0.0.20>']] });
    layer.receive(ok, UDP_PEER);
    expect(tx.state).toBe('Accepted');
    expect(log).toEqual(['final 200']);

    const ack = request('ACK');
    ack.headers.set('To', '<sip:1002@cucm.lab>;tag=to2');
    const sentAck = layer.sendAck(ack, UDP_PEER);
    const ackBranch = parseVia(sentAck.headers.get('Via') ?? '');
    expect(ackBranch.ok && ackBranch.value.params.branch).not.toBe(tx.id);
    layer.receive(ok, UDP_PEER);
    expect(times(sent, 'ACK')).toHaveLength(2);
    expect(log).toEqual(['final 200']);
    await clock.advance(32_000);
    expect(tx.state).toBe('Terminated');
    expect(layer.liveTransactions()).toBe(0);
  });

  test('a transport error is reported and ends the transaction', () => {
    const { layer, breakTransport } = setup();
    breakTransport();
    const { log, delegate } = recorder();
    const tx = layer.sendRequest(request('INVITE'), TCP_PEER, delegate);
    expect(log).toEqual(['transport error']);
    expect(tx.state).toBe('Terminated');
    expect(layer.liveTransactions()).toBe(0);
  });

  test('a response for no transaction is stray', () => {
    const { layer, events } = setup();
    layer.receive(createResponse(request('INVITE', { branch: 'z9hG4bKnone' }), 200), UDP_PEER);
    expect(events).toEqual(['stray 200']);
  });
});

describe('non-INVITE client transaction', () => {
  test('UDP: Timer E doubles up to T2, Timer F times out at 32 s', async () => {
    const { clock, sent, layer } = setup();
    const { log, delegate } = recorder();
    layer.sendRequest(request('OPTIONS'), UDP_PEER, delegate);
    await clock.advance(32_000);
    expect(times(sent, 'OPTIONS')).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(log).toEqual(['timeout']);
    expect(layer.liveTransactions()).toBe(0);
  });

  test('Proceeding retransmits every T2; final response → Completed, Timer K (T4) → Terminated', async () => {
    const { clock, sent, layer } = setup();
    const { log, delegate } = recorder();
    const tx = layer.sendRequest(request('REGISTER'), UDP_PEER, delegate);
    layer.receive(createResponse(tx.request, 100), UDP_PEER);
    expect(tx.state).toBe('Proceeding');
    await clock.advance(9_000);
    expect(times(sent, 'REGISTER')).toEqual([0, 500, 4500, 8500]);
    const ok = createResponse(tx.request, 200, undefined, { toTag: 'r' });
    layer.receive(ok, UDP_PEER);
    layer.receive(ok, UDP_PEER);
    expect(log).toEqual(['provisional 100', 'final 200']);
    expect(tx.state).toBe('Completed');
    await clock.advance(5_000);
    expect(tx.state).toBe('Terminated');
  });

  test('TCP: no retransmission and Timer K is zero', async () => {
    const { clock, sent, layer } = setup();
    const tx = layer.sendRequest(request('INFO'), TCP_PEER, recorder().delegate);
    await clock.advance(10_000);
    expect(times(sent, 'INFO')).toEqual([0]);
    layer.receive(createResponse(tx.request, 200), TCP_PEER);
    await clock.advance(0);
    expect(tx.state).toBe('Terminated');
  });
});

describe('INVITE server transaction', () => {
  test('sends 100 after 200 ms, absorbs retransmissions, retransmits a non-2xx (Timer G) until ACK, Timer I ends it', async () => {
    const { clock, sent, layer, requests, events } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKsrv1', via: 'SIP/2.0/UDP phone.lab:5062;branch=z9hG4bKsrv1;rport' });
    layer.receive(invite, UDP_PEER);
    expect(events).toEqual(['request INVITE']);
    const entry = requests[0];
    if (!entry) throw new Error('no request');
    // §18.2.1 received= and RFC 3581 rport= on the top Via.
    expect(entry.request.headers.get('Via')).toBe('SIP/2.0/UDP phone.lab:5062;branch=z9hG4bKsrv1;rport=5060;received=10.0.0.20');

    await clock.advance(200);
    expect(sent.map((s) => s.message.kind === 'response' && s.message.status)).toEqual([100]);
    expect(sent[0]?.target).toEqual({ address: '10.0.0.20', port: 5060, transport: 'UDP' });

    entry.tx.respond(createResponse(entry.request, 180, undefined, { toTag: 'srv' }));
    layer.receive(invite, UDP_PEER); // retransmission → the last provisional again, not the TU
    expect(events).toEqual(['request INVITE']);
    expect(sent.map((s) => s.message.kind === 'response' && s.message.status)).toEqual([100, 180, 180]);

    const start = clock.now();
    entry.tx.respond(createResponse(entry.request, 486, undefined, { toTag: 'srv' }));
    expect(entry.tx.state).toBe('Completed');
    await clock.advance(7_600);
    const finals = sent.filter((s) => s.message.kind === 'response' && s.message.status === 486).map((s) => s.at - start);
    expect(finals).toEqual([0, 500, 1500, 3500, 7500]);

    layer.receive(invite, UDP_PEER); // retransmitted INVITE in Completed → the final again
    expect(sent.filter((s) => s.message.kind === 'response' && s.message.status === 486)).toHaveLength(6);

    const ack = request('ACK', { via: invite.headers.get('Via') as string });
    ack.headers.set('To', '<sip:1002@cucm.lab>;tag=srv');
    layer.receive(ack, UDP_PEER);
    expect(entry.tx.state).toBe('Confirmed');
    layer.receive(ack, UDP_PEER); // absorbed
    expect(events).toEqual(['request INVITE']);
    await clock.advance(20_000);
    expect(sent.filter((s) => s.message.kind === 'response' && s.message.status === 486)).toHaveLength(6);
    expect(entry.tx.state).toBe('Terminated');
    expect(layer.liveTransactions()).toBe(0);
  });

  test('Timer H: no ACK for the non-2xx → Terminated and the TU is told', async () => {
    const { clock, layer, requests, events } = setup();
    layer.receive(request('INVITE', { branch: 'z9hG4bKh' }), UDP_PEER);
    const entry = requests[0] as (typeof requests)[number];
    entry.tx.respond(createResponse(entry.request, 603, undefined, { toTag: 't' }));
    await clock.advance(32_000);
    expect(events).toEqual(['request INVITE', 'server timeout INVITE']);
    expect(layer.liveTransactions()).toBe(0);
  });

  test('2xx → Accepted: INVITE retransmissions absorbed, ACK with a new branch goes to onAck, Timer L ends it', async () => {
    const { clock, sent, layer, requests, events } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bK2xx' });
    layer.receive(invite, UDP_PEER);
    const entry = requests[0] as (typeof requests)[number];
    entry.tx.respond(createResponse(entry.request, 200, undefined, { toTag: 't' }));
    expect(entry.tx.state).toBe('Accepted');
    layer.receive(invite, UDP_PEER);
    expect(events).toEqual(['request INVITE']);
    expect(sent).toHaveLength(1); // no 100: the TU answered within 200 ms
    layer.receive(request('ACK', { branch: 'z9hG4bKack' }), UDP_PEER);
    expect(events).toEqual(['request INVITE', 'ack 1 ACK']);
    await clock.advance(32_000);
    expect(layer.liveTransactions()).toBe(0);
  });

  test('TCP: responses go back on the connection the request came in on', () => {
    const { sent, layer, requests } = setup();
    layer.receive(request('INVITE', { via: 'SIP/2.0/TCP 10.0.0.20:5099;branch=z9hG4bKtcp' }), { ...TCP_PEER, port: 40001 });
    const entry = requests[0] as (typeof requests)[number];
    entry.tx.respond(createResponse(entry.request, 180, undefined, { toTag: 't' }));
    expect(sent[0]?.target).toEqual({ address: '10.0.0.20', port: 40001, transport: 'TCP', connectionId: 'c1' });
    layer.dispose();
  });

  test('UDP response target: received + rport, else sent-by port', () => {
    const { sent, layer, requests } = setup();
    layer.receive(request('OPTIONS', { via: 'SIP/2.0/UDP 192.168.1.5:5070;branch=z9hG4bKo1' }), { address: '10.9.9.9', port: 6000, transport: 'UDP' });
    (requests[0] as (typeof requests)[number]).tx.respond(createResponse((requests[0] as (typeof requests)[number]).request, 200));
    layer.receive(request('OPTIONS', { via: 'SIP/2.0/UDP 192.168.1.5:5070;branch=z9hG4bKo2;rport' }), { address: '10.9.9.9', port: 6000, transport: 'UDP' });
    (requests[1] as (typeof requests)[number]).tx.respond(createResponse((requests[1] as (typeof requests)[number]).request, 200));
    expect(sent.map((s) => s.target)).toEqual([
      { address: '10.9.9.9', port: 5070, transport: 'UDP' },
      { address: '10.9.9.9', port: 6000, transport: 'UDP' },
    ]);
    layer.dispose();
  });

  test('CANCEL: 200 to the CANCEL, onCancel, the TU answers 487 and the ACK confirms', async () => {
    const { clock, sent, layer, requests, events } = setup();
    const invite = request('INVITE', { branch: 'z9hG4bKc1' });
    layer.receive(invite, UDP_PEER);
    const entry = requests[0] as (typeof requests)[number];
    entry.tx.respond(createResponse(entry.request, 180, undefined, { toTag: 't' }));
    layer.receive(createCancel(request('INVITE', { branch: 'z9hG4bKc1' })), UDP_PEER);
    expect(events).toEqual(['request INVITE', 'cancel INVITE']);
    const cancelOk = sent.find((s) => s.message.kind === 'response' && s.message.headers.get('CSeq') === '1 CANCEL');
    expect(cancelOk?.message.kind === 'response' && cancelOk.message.status).toBe(200);
    entry.tx.respond(createResponse(entry.request, 487, undefined, { toTag: 't' }));
    const ack = request('ACK', { branch: 'z9hG4bKc1' });
    layer.receive(ack, UDP_PEER);
    expect(entry.tx.state).toBe('Confirmed');
    await clock.advance(40_000);
    expect(layer.liveTransactions()).toBe(0);
  });

  test('CANCEL for nothing → 481', () => {
    const { sent, layer, events } = setup();
    layer.receive(createCancel(request('INVITE', { branch: 'z9hG4bKgone' })), UDP_PEER);
    expect(events).toEqual([]);
    expect(sent[0]?.message.kind === 'response' && sent[0].message.status).toBe(481);
    layer.dispose();
  });
});

describe('non-INVITE server transaction', () => {
  test('absorbs retransmissions in Trying, resends the final in Completed, Timer J ends it', async () => {
    const { clock, sent, layer, requests, events } = setup();
    const info = request('INFO', { branch: 'z9hG4bKi1' });
    layer.receive(info, UDP_PEER);
    layer.receive(info, UDP_PEER);
    expect(events).toEqual(['request INFO']);
    expect(sent).toHaveLength(0);
    const entry = requests[0] as (typeof requests)[number];
    expect(entry.tx.respond(createResponse(entry.request, 200, undefined, { toTag: 'x', body: '<ok/>', contentType: 'application/csta+xml' }))).toBe(true);
    expect(entry.tx.respond(createResponse(entry.request, 500))).toBe(false);
    layer.receive(info, UDP_PEER);
    expect(sent.map((s) => (s.message as SipResponse).status)).toEqual([200, 200]);
    expect(sent[1]?.message.body).toBe('<ok/>');
    expect(layer.describeLiveTransactions()).toEqual([expect.stringContaining('non-invite-server INFO z9hG4bKi1 Completed')]);
    await clock.advance(31_999);
    expect(layer.liveTransactions()).toBe(1);
    await clock.advance(1);
    expect(layer.liveTransactions()).toBe(0);
  });

  test('TCP: Timer J is zero', async () => {
    const { clock, layer, requests } = setup();
    layer.receive(request('BYE', { via: 'SIP/2.0/TCP 10.0.0.20:5060;branch=z9hG4bKb' }), TCP_PEER);
    const entry = requests[0] as (typeof requests)[number];
    entry.tx.respond(createResponse(entry.request, 200));
    await clock.advance(0);
    expect(layer.liveTransactions()).toBe(0);
  });
});

test('dispose clears every timer', () => {
  const { clock, layer } = setup();
  layer.sendRequest(request('INVITE'), UDP_PEER, recorder().delegate);
  layer.sendRequest(request('OPTIONS'), UDP_PEER, recorder().delegate);
  layer.receive(request('INVITE', { branch: 'z9hG4bKd' }), UDP_PEER);
  expect(layer.liveTransactions()).toBe(3);
  expect(clock.pendingTimers()).toBeGreaterThan(0);
  layer.dispose();
  expect(layer.liveTransactions()).toBe(0);
  expect(clock.pendingTimers()).toBe(0);
});

test('two layers talk to each other: INVITE / 180 / 200 / ACK and BYE / 200', async () => {
  const clock = new VirtualClock();
  const random = seededRandom(1);
  const wire: string[] = [];
  const peers: Record<string, SipTransactionLayer> = {};
  const deliver = (to: string, from: SipTarget) => (message: SipMessage) => {
    const text = serializeSipMessage(message);
    wire.push(text.split('\r\n')[0] as string);
    clock.setTimer(5, () => {
      const parsed = parseSipMessage(text);
      if (parsed.ok) peers[to]?.receive(parsed.value, from);
    });
  };
  const aAddr: SipTarget = { address: '10.0.0.1', port: 5060, transport: 'UDP' };
  const bAddr: SipTarget = { address: '10.0.0.2', port: 5060, transport: 'UDP' };
  const acks: string[] = [];
  peers.a = new SipTransactionLayer({
    clock, random, sentBy: { host: '10.0.0.1', port: 5060 },
    send: (m) => deliver('b', aAddr)(m),
    delegate: { onRequest: (r, tx) => tx.respond(createResponse(r, 200)), onAck: () => undefined, onCancel: () => undefined },
  });
  peers.b = new SipTransactionLayer({
    clock, random, sentBy: { host: '10.0.0.2', port: 5060 },
    send: (m) => deliver('a', bAddr)(m),
    delegate: {
      onRequest: (r, tx) => {
        if (r.method === 'INVITE') {
          tx.respond(createResponse(r, 180, undefined, { toTag: 'b1' }));
          clock.setTimer(1000, () => tx.respond(createResponse(r, 200, undefined, { toTag: 'b1' })));
        } else tx.respond(createResponse(r, 200));
      },
      onAck: (ack) => acks.push(ack.method),
      onCancel: () => undefined,
    },
  });
  const a = peers.a;
  let finalStatus = 0;
  a.sendRequest(request('INVITE'), bAddr, {
    onFinal: (r) => {
      finalStatus = r.status;
      const ack = request('ACK');
      ack.headers.set('To', r.headers.get('To') as string);
      a.sendAck(ack, bAddr);
    },
  });
  await clock.runUntil(() => acks.length === 1, 10_000);
  expect(finalStatus).toBe(200);
  let byeStatus = 0;
  a.sendRequest(request('BYE', { cseq: 2 }), bAddr, { onFinal: (r) => (byeStatus = r.status) });
  await clock.runUntil(() => byeStatus === 200, 20_000);
  expect(wire).toEqual(['INVITE sip:1002@cucm.lab SIP/2.0', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'ACK sip:1002@cucm.lab SIP/2.0', 'BYE sip:1002@cucm.lab SIP/2.0', 'SIP/2.0 200 OK']);
  await clock.advance(64_000);
  expect(a.liveTransactions() + (peers.b?.liveTransactions() ?? 0)).toBe(0);
  expect(clock.pendingTimers()).toBe(0);
});
