import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { scenariosDir } from './support/matrix';

// `uc-lab serve`: the lab on real sockets answers an outside SIP tool at the addresses it prints.
const sipsak = spawnSync('sipsak', ['-V'], { encoding: 'utf8' }).status === 0;

function options(to: string, uri: string): Promise<string> {
  const socket = dgram.createSocket('udp4');
  const request = [
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
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from ${to}`)), 3000);
    socket.once('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg.toString('utf8'));
    });
    socket.bind(0, '127.0.0.1', () => socket.send(request, 5060, to));
  });
}

describe('the lab on real sockets', () => {
  let lab: LabRuntime;
  beforeAll(async () => {
    lab = await LabRuntime.start(loadLabById('seed-lab', scenariosDir), { runtime: 'sockets', seed: 7, addressPrefix: '127.0.3' });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('answers SIP OPTIONS at the CUP and OCS front-end addresses', async () => {
    for (const host of ['cup', 'ocs-pool1', 'ocs-pool2']) {
      const address = lab.network.host(host).address;
      expect(address).toMatch(/^127\.0\.3\.\d+$/);
      const answer = await options(address, `sip:${address}`);
      expect(answer.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
      expect(answer).toMatch(/Call-ID: serve-test-1/);
    }
  });

  (sipsak ? it : it.skip)('answers sipsak (an outside tool) at CUP and OCS', () => {
    for (const host of ['cup', 'ocs-pool1']) {
      const address = lab.network.host(host).address;
      const r = spawnSync('sipsak', ['-s', `sip:${address}`, '-H', '127.0.0.1', '-v'], { encoding: 'utf8', timeout: 10_000 });
      expect(`${r.stdout}${r.stderr}`).toMatch(/200 OK/);
      expect(r.status).toBe(0);
    }
  });

  it('answers a malformed request with 400 Bad Request', async () => {
    const address = lab.network.host('cup').address;
    const socket = dgram.createSocket('udp4');
    const garbage = 'OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5098;branch=z9hG4bKbad;rport\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x>\r\nCall-ID: bad-1\r\nCSeq: one OPTIONS\r\nContent-Length: 0\r\n\r\n';
    const answer = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no 400')), 3000);
      socket.once('message', (m) => {
        clearTimeout(timer);
        socket.close();
        resolve(m.toString('utf8'));
      });
      socket.bind(0, '127.0.0.1', () => socket.send(garbage, 5060, address));
    });
    expect(answer.split('\r\n')[0]).toBe('SIP/2.0 400 Bad Request');
  });
});
