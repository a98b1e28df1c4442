import { LabRuntime } from '../harness/lab/lab-runtime';
import { Cucm, Cup } from '../simulators';

const cupOf = (lab: LabRuntime): Cup => {
  const node = lab.node('cup')?.node;
  if (!(node instanceof Cup)) throw new Error('no CUP in the lab');
  return node;
};
const cucmOf = (lab: LabRuntime): Cucm => {
  const node = lab.node('cucm')?.node;
  if (!(node instanceof Cucm)) throw new Error('no CUCM in the lab');
  return node;
};
import { loadLabById } from '../harness/lab/load-lab';
import type { TcpConnection } from '../simulators';
import { scenariosDir } from './support/matrix';

// Bad input never crashes a simulated product and gets its protocol's answer: DNS FORMERR, SIP 400,
// a CSTA error for a CSTA body that does not parse, SCCP and CTI streams that lose sync are closed.
const text = (d: Uint8Array): string => new TextDecoder().decode(d);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('bad input to the in-memory lab', () => {
  let lab: LabRuntime;
  beforeEach(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'memory', seed: 7 });
  });
  afterEach(async () => {
    await lab.stop();
  });

  const address = (host: string): string => lab.network.host(host).address;

  async function udpExchange(fromHost: string, to: string, port: number, payload: Uint8Array): Promise<Uint8Array | undefined> {
    const socket = await lab.driver.complete(lab.network.host(fromHost).bindUdp(0), 1000, 'bind');
    let answer: Uint8Array | undefined;
    socket.onDatagram((d) => {
      answer = d;
    });
    socket.send({ address: to, port }, payload);
    await lab.driver.runUntil(() => answer !== undefined, 2000);
    socket.close();
    return answer;
  }

  async function tcpTo(fromHost: string, to: string, port: number): Promise<{ conn: TcpConnection; received: string[]; closed: () => boolean }> {
    const conn = await lab.driver.complete(lab.network.host(fromHost).connectTcp({ address: to, port }), 1000, 'connect');
    const received: string[] = [];
    let closed = false;
    conn.onData((d) => received.push(text(d)));
    conn.onClose(() => {
      closed = true;
    });
    return { conn, received, closed: () => closed };
  }

  it('DNS answers a query it cannot decode with FORMERR', async () => {
    const answer = await udpExchange('pc-alice', address('dns'), 53, new Uint8Array([0x12, 0x34, 0x01]));
    expect(answer).toBeDefined();
    // RFC 1035 §4.1.1: QR set, RCODE 1.
    expect((answer as Uint8Array)[2]! & 0x80).toBe(0x80);
    expect((answer as Uint8Array)[3]! & 0x0f).toBe(1);
  });

  it('CUP answers a SIP request with a broken CSeq 400 Bad Request', async () => {
    const request = 'OPTIONS sip:cup.uc.lab SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.201:5060;branch=z9hG4bKx1\r\nFrom: <sip:a@uc.lab>;tag=1\r\nTo: <sip:cup.uc.lab>\r\nCall-ID: bad@1\r\nCSeq: many OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
    const answer = await udpExchange('pc-alice', address('cup'), 5060, bytes(request));
    expect(text(answer as Uint8Array).split('\r\n')[0]).toBe('SIP/2.0 400 Bad Request');
  });

  it('CUP answers a CSTA body that does not parse with a CSTA error, in a 200 OK, and keeps the session', async () => {
    // From pool1's address (in CUP's incoming ACL), as the OCS front end would relay it.
    const { conn, received } = await tcpTo('ocs-pool1', address('cup'), 5060);
    const csta = '<?xml version="1.0" encoding="UTF-8"?><RequestSystemStatus xmlns="http://www.ecma-international.org/standards/ecma-323/csta/ed3"/>';
    const sip = (method: string, cseq: number, body: string, toTag = ''): string =>
      [
        `${method} sip:cup.uc.lab SIP/2.0`,
        `Via: SIP/2.0/TCP ${address('ocs-pool1')}:5060;branch=z9hG4bK-bad-${cseq}`,
        'From: <sip:alice@uc.lab>;tag=oc1',
        `To: <sip:cup.uc.lab>${toTag ? `;tag=${toTag}` : ''}`,
        'Call-ID: rcc-bad-input@uc.lab',
        `CSeq: ${cseq} ${method}`,
        'Max-Forwards: 70',
        `Contact: <sip:alice@${address('pc-alice')};transport=tcp>`,
        'Content-Type: application/csta+xml',
        'Content-Disposition: signal;handling=required',
        `Content-Length: ${bytes(body).length}`,
        '',
        body,
      ].join('\r\n');
    conn.write(bytes(sip('INVITE', 1, csta)));
    await lab.driver.runUntil(() => received.join('').includes('RequestSystemStatusResponse'), 2000);
    const tag = /To: <sip:cup\.uc\.lab>;tag=([^\r\n;]+)/.exec(received.join(''))?.[1];
    expect(tag).toBeDefined();
    received.length = 0;
    conn.write(bytes(sip('INFO', 2, '<MakeCall><callingDevice>tel:+1', tag)));
    await lab.driver.runUntil(() => received.join('').includes('CSTAErrorCode'), 2000);
    const reply = received.join('');
    expect(reply.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect(reply).toMatch(/<CSTAErrorCode[^>]*><operation>generic<\/operation><\/CSTAErrorCode>/);
    expect(cupOf(lab).observe().sessions).toEqual([expect.objectContaining({ userId: 'alice', state: 'active' })]);
  });

  it('CUCM closes an SCCP stream that loses sync, and keeps serving the registered phones', async () => {
    const { conn, closed } = await tcpTo('pc-bob', address('cucm'), 2000);
    conn.write(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 0, 0, 0]));
    await lab.driver.runUntil(closed, 2000);
    expect(closed()).toBe(true);
    expect(cucmOf(lab).observe().devices.length).toBe(5);
  });

  it('CUCM closes a CTI stream with a bad magic, and CUP keeps its provider open', async () => {
    const { conn, closed } = await tcpTo('pc-bob', address('cucm'), 2748);
    conn.write(bytes('GET / HTTP/1.0\r\n\r\n'));
    await lab.driver.runUntil(closed, 2000);
    expect(closed()).toBe(true);
    expect(cupOf(lab).observe().provider).toBe('open');
  });
});
