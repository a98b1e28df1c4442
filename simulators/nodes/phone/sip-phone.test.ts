import { VirtualClock } from '../../kernel/clock';
import { MemoryLog } from '../../kernel/logger';
import { seededRandom } from '../../kernel/random';
import { installVirtualGlobals } from '../../kernel/virtual-globals';
import { SipHeaders, SipStreamFramer, cfwdAllUpdateBody, createResponse, dndUpdateBody, encodeSipMessage, getTag } from '../../protocols/sip';
import type { SipMessage, SipRequest, SipResponse } from '../../protocols/sip';
import { MemoryNetwork } from '../../transport/memory-network';
import type { HostNetwork, TcpConnection } from '../../transport/network';
import type { NodeEnv } from '../node';
import { SipPhone, moveCidReferTo } from './sip-phone';
import type { SipPhoneConfig } from './sip-phone';

const CUCM = '192.0.2.30';
const PHONE = '192.0.2.102';
const FAR_CONTACT = `<sip:+14085551002@${CUCM}:5060;transport=tcp>`;
const OFFER = ['v=0', `o=CiscoSystemsCCM-SIP 2000 1 IN IP4 ${CUCM}`, 's=SIP Call', `c=IN IP4 ${CUCM}`, 't=0 0', 'm=audio 24580 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');

/** A minimal CUCM stand-in: answers REGISTER 200, BYE/CANCEL 200, and lets the test send anything. */
class TestCucm {
  readonly received: SipMessage[] = [];
  connection: TcpConnection | undefined;
  registerStatus = 200;
  private seq = 0;

  constructor(readonly host: HostNetwork) {}

  async listen(): Promise<void> {
    await this.host.listenTcp(5060, (connection) => {
      this.connection = connection;
      const framer = new SipStreamFramer();
      connection.onData((bytes) => {
        for (const r of framer.push(bytes)) {
          if (!r.ok) throw new Error(`test CUCM got malformed SIP: ${r.error.message}`);
          this.received.push(r.value);
          this.autoAnswer(r.value);
        }
      });
    });
  }

  send(m: SipMessage): void {
    if (!this.connection) throw new Error('phone not connected');
    this.connection.write(encodeSipMessage(m));
  }

  requests(method: string): SipRequest[] {
    return this.received.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }

  responses(method: string, status?: number): SipResponse[] {
    return this.received.filter(
      (m): m is SipResponse => m.kind === 'response' && (m.headers.get('CSeq') ?? '').endsWith(method) && (status === undefined || m.status === status),
    );
  }

  /** An out-of-dialog request from CUCM to the phone's line 1 (sip:1001@phone). */
  request(method: string, extra: [string, string][], body = '', callId = `cucm-${method.toLowerCase()}-${++this.seq}@${CUCM}`): SipRequest {
    const headers = new SipHeaders([
      ['Via', `SIP/2.0/TCP ${CUCM}:5060;branch=z9hG4bK-cucm-${++this.seq}`],
      ['From', `<sip:+14085551002@${CUCM}>;tag=cucm-tag-${this.seq}`],
      ['To', `<sip:1001@${PHONE}>`],
      ['Call-ID', callId],
      ['CSeq', `101 ${method}`],
      ['Max-Forwards', '70'],
      ['Contact', `<sip:+14085551002@${CUCM}:5060;transport=tcp>`],
      ...extra,
    ]);
    return { kind: 'request', method, uri: `sip:1001@${PHONE};transport=tcp`, headers, body };
  }

  /** ACK for a 2xx the phone sent to our INVITE (§13.2.2.4; new branch, To tag from the 2xx). */
  ack(invite: SipRequest, ok: SipResponse): SipRequest {
    const headers = new SipHeaders([
      ['Via', `SIP/2.0/TCP ${CUCM}:5060;branch=z9hG4bK-cucm-ack-${++this.seq}`],
      ['From', invite.headers.get('From') ?? ''],
      ['To', ok.headers.get('To') ?? ''],
      ['Call-ID', invite.headers.get('Call-ID') ?? ''],
      ['CSeq', `${(invite.headers.get('CSeq') ?? '').split(' ')[0]} ACK`],
      ['Max-Forwards', '70'],
    ]);
    const contact = /<([^>]+)>/.exec(ok.headers.get('Contact') ?? '')?.[1] ?? invite.uri;
    return { kind: 'request', method: 'ACK', uri: contact, headers, body: '' };
  }

  private autoAnswer(m: SipMessage): void {
    if (m.kind !== 'request') return;
    switch (m.method) {
      case 'REGISTER':
        this.send(
          createResponse(m, this.registerStatus, undefined, {
            toTag: 'reg-tag',
            headers: this.registerStatus === 200 ? [['Contact', `${m.headers.get('Contact') ?? ''};expires=3600`]] : [],
          }),
        );
        return;
      case 'BYE':
      case 'CANCEL':
        this.send(createResponse(m, 200));
        return;
      default:
        return;
    }
  }
}

describe('SipPhone', () => {
  let clock: VirtualClock;
  let uninstall: () => void;
  let net: MemoryNetwork;
  let cucm: TestCucm;
  let log: MemoryLog;
  let phone: SipPhone | undefined;

  const config: SipPhoneConfig = {
    deviceName: 'SEP001122334455',
    model: '7971',
    endpoint: '7971-sip',
    cucm: { address: CUCM, port: 5060 },
    lines: [{ dn: '1001' }],
  };

  const until = async (condition: () => boolean): Promise<void> => {
    const met = await clock.runUntil(condition, clock.now() + 5000);
    if (!met) throw new Error('condition not met within 5 s of virtual time');
  };

  /** Runs an action while the virtual clock turns. */
  const run = async <T>(action: Promise<T>): Promise<T> => {
    let done = false;
    let value: T | undefined;
    let failure: unknown;
    let failed = false;
    action.then(
      (v) => {
        value = v;
        done = true;
      },
      (e: unknown) => {
        failure = e;
        failed = true;
        done = true;
      },
    );
    await until(() => done);
    if (failed) throw failure;
    return value as T;
  };

  const start = async (): Promise<SipPhone> => {
    const env: NodeEnv = { network: net.host('phone'), clock, log: log.logger('phone'), random: seededRandom(2), dnsServer: { address: '192.0.2.53', port: 53 } };
    phone = await run(SipPhone.start(env, config));
    return phone;
  };

  const line1 = (p: SipPhone) => {
    const l = p.observe().lines[0];
    if (!l) throw new Error('no line 1');
    return l;
  };

  beforeEach(async () => {
    clock = new VirtualClock();
    uninstall = installVirtualGlobals(clock, seededRandom(7));
    net = new MemoryNetwork({ clock, random: seededRandom(1) });
    net.addHost('cucm', CUCM);
    net.addHost('phone', PHONE);
    cucm = new TestCucm(net.host('cucm'));
    log = new MemoryLog(clock);
    await cucm.listen();
    phone = undefined;
  });

  afterEach(async () => {
    if (phone) await run(phone.stop());
    await net.close();
    uninstall();
  });

  it('registers line 1 with CUCM, identifying the device in the Contact', async () => {
    const p = await start();
    expect(p.observe()).toMatchObject({ deviceName: 'SEP001122334455', model: '7971', protocol: 'sip', registered: true, speaker: 'off' });
    expect(line1(p)).toMatchObject({ dn: '1001', callState: 'idle', ringer: 'off', lamp: 'off' });
    const register = cucm.requests('REGISTER')[0];
    expect(register?.uri).toBe(`sip:${CUCM}`);
    expect(register?.headers.get('To')).toContain(`sip:1001@${CUCM}`);
    expect(register?.headers.get('User-Agent')).toBe('Cisco-CP7971G/8.4');
    expect(register?.headers.get('Via')).toMatch(/^SIP\/2\.0\/TCP 192\.0\.2\.102/);
    const contact = register?.headers.getAll('Contact').join(',') ?? '';
    expect(contact).toContain(`sip:1001@${PHONE};transport=tcp`);
    expect(contact).toContain('+u.sip!devicename.ccm.cisco.com="SEP001122334455"');
  });

  it('rejects start with a clear error when CUCM refuses the registration', async () => {
    cucm.registerStatus = 403;
    const env: NodeEnv = { network: net.host('phone'), clock, log: log.logger('phone'), random: seededRandom(2), dnsServer: { address: '192.0.2.53', port: 53 } };
    await expect(run(SipPhone.start(env, config))).rejects.toThrow('SEP001122334455: REGISTER of 1001 failed: rejected 403 Forbidden');
  });

  it('rings on an incoming INVITE and answers it', async () => {
    const p = await start();
    const invite = cucm.request('INVITE', [['Content-Type', 'application/sdp']], OFFER);
    cucm.send(invite);
    await until(() => line1(p).callState === 'ringIn' && cucm.responses('INVITE', 180).length === 1);
    expect(line1(p)).toMatchObject({ callState: 'ringIn', ringer: 'on', lamp: 'blink', display: 'From +14085551002' });
    expect(p.observe().speaker).toBe('off');

    await run(p.answer());
    await until(() => cucm.responses('INVITE', 200).length === 1);
    const ok = cucm.responses('INVITE', 200)[0] as SipResponse;
    expect(ok.headers.get('Content-Type')).toBe('application/sdp');
    expect(ok.body).toContain(`c=IN IP4 ${PHONE}`);
    expect(ok.body).toContain('a=sendrecv');
    cucm.send(cucm.ack(invite, ok));
    await until(() => line1(p).callState === 'connected');
    expect(line1(p)).toMatchObject({ ringer: 'off', lamp: 'on', display: 'Connected' });
    expect(p.observe().speaker).toBe('on');

    // CUCM hangs up its leg with a BYE.
    const bye = cucm.request('BYE', [], '', invite.headers.get('Call-ID'));
    bye.headers.set('To', ok.headers.get('To') ?? '');
    bye.headers.set('From', invite.headers.get('From') ?? '');
    bye.headers.set('CSeq', '102 BYE');
    bye.uri = /<([^>]+)>/.exec(ok.headers.get('Contact') ?? '')?.[1] ?? bye.uri;
    cucm.send(bye);
    await until(() => line1(p).callState === 'idle' && cucm.responses('BYE', 200).length === 1);
    expect(p.leaks()).toEqual([]);
  });

  it('returns to idle when CUCM cancels a ringing call', async () => {
    const p = await start();
    const invite = cucm.request('INVITE', [['Content-Type', 'application/sdp']], OFFER);
    cucm.send(invite);
    await until(() => line1(p).callState === 'ringIn');
    const cancel = cucm.request('CANCEL', [], '', invite.headers.get('Call-ID'));
    cancel.headers.set('Via', invite.headers.get('Via') ?? '');
    cancel.headers.set('From', invite.headers.get('From') ?? '');
    cancel.headers.set('CSeq', '101 CANCEL');
    cancel.uri = invite.uri;
    cucm.send(cancel);
    await until(() => line1(p).callState === 'idle' && cucm.responses('INVITE', 487).length === 1);
    expect(cucm.responses('CANCEL', 200)).toHaveLength(1);
    expect(line1(p).ringer).toBe('off');
  });

  it('stays idle when an INVITE and its CANCEL arrive in one read (a caller who gave up at once)', async () => {
    const p = await start();
    const invite = cucm.request('INVITE', [['Content-Type', 'application/sdp']], OFFER);
    const cancel = cucm.request('CANCEL', [], '', invite.headers.get('Call-ID'));
    cancel.headers.set('Via', invite.headers.get('Via') ?? '');
    cancel.headers.set('From', invite.headers.get('From') ?? '');
    cancel.headers.set('CSeq', '101 CANCEL');
    cancel.uri = invite.uri;
    // One TCP segment holding both requests, as a loaded socket delivers them.
    const a = encodeSipMessage(invite);
    const b = encodeSipMessage(cancel);
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    if (!cucm.connection) throw new Error('phone not connected');
    cucm.connection.write(both);
    await until(() => cucm.responses('INVITE', 487).length === 1);
    await clock.advance(1_000);
    expect(line1(p).callState).toBe('idle');
  });

  it('dials out: ringOut on 180, connected on 200, hangUp sends BYE and returns to idle', async () => {
    const p = await start();
    await run(p.dial('+14085551002'));
    await until(() => cucm.requests('INVITE').length === 1);
    const invite = cucm.requests('INVITE')[0] as SipRequest;
    expect(invite.uri).toBe(`sip:+14085551002@${CUCM}`);
    expect(invite.headers.get('Content-Type')).toBe('application/sdp');
    expect(invite.body).toMatch(/^v=0\r\no=\S+ \d+ \d+ IN IP4 192\.0\.2\.102\r\ns=.+\r\nc=IN IP4 192\.0\.2\.102\r\nt=0 0\r\nm=audio \d+ RTP\/AVP 0 8 101\r\n/);
    expect(p.observe().speaker).toBe('on');

    cucm.send(createResponse(invite, 180, undefined, { toTag: 'far-1', headers: [['Contact', FAR_CONTACT]] }));
    await until(() => line1(p).callState === 'ringOut');
    expect(line1(p)).toMatchObject({ lamp: 'on', ringer: 'off' });

    cucm.send(
      createResponse(invite, 200, undefined, {
        toTag: 'far-1',
        headers: [['Contact', FAR_CONTACT]],
        body: OFFER,
        contentType: 'application/sdp',
      }),
    );
    await until(() => line1(p).callState === 'connected');
    await until(() => cucm.requests('ACK').length === 1);
    expect(line1(p).display).toBe('Connected');

    await run(p.hangUp());
    await until(() => cucm.requests('BYE').length === 1);
    const bye = cucm.requests('BYE')[0] as SipRequest;
    expect(bye.headers.get('Call-ID')).toBe(invite.headers.get('Call-ID'));
    expect(getTag(bye.headers.get('To'))).toBe('far-1');
    await until(() => p.leaks().length === 0);
    expect(line1(p)).toMatchObject({ callState: 'idle', lamp: 'off' });
    expect(p.observe().speaker).toBe('off');
  });

  it('shows Busy when the far end answers 486', async () => {
    const p = await start();
    await run(p.dial('1002'));
    await until(() => cucm.requests('INVITE').length === 1);
    const invite = cucm.requests('INVITE')[0] as SipRequest;
    cucm.send(createResponse(invite, 486, undefined, { toTag: 'far-2' }));
    await until(() => line1(p).callState === 'busy' && cucm.requests('ACK').length === 1);
    expect(line1(p).display).toBe('Busy');
    await run(p.onHook());
    expect(line1(p).callState).toBe('idle');
  });

  it('cancels an outgoing call that is still ringing', async () => {
    const p = await start();
    await run(p.dial('1002'));
    await until(() => cucm.requests('INVITE').length === 1);
    const invite = cucm.requests('INVITE')[0] as SipRequest;
    cucm.send(createResponse(invite, 180, undefined, { toTag: 'far-3', headers: [['Contact', FAR_CONTACT]] }));
    await until(() => line1(p).callState === 'ringOut');
    await run(p.hangUp());
    await until(() => cucm.requests('CANCEL').length === 1);
    cucm.send(createResponse(invite, 487, undefined, { toTag: 'far-3' }));
    await until(() => p.leaks().length === 0);
    expect(line1(p).callState).toBe('idle');
  });

  it('places a call when CUCM sends an out-of-dialog REFER (click-to-dial)', async () => {
    const p = await start();
    cucm.send(cucm.request('REFER', [['Refer-To', `<sip:+14085551003@${CUCM}>`], ['Require', 'norefersub']]));
    await until(() => cucm.requests('INVITE').length === 1);
    expect(cucm.responses('REFER', 202)).toHaveLength(1);
    expect(cucm.requests('INVITE')[0]?.uri).toBe(`sip:+14085551003@${CUCM}`);
    expect(p.observe().speaker).toBe('on');
    expect(line1(p).callState).toBe('dialing');
  });

  it('answers the ringing call on a remotecc Answer soft key event', async () => {
    const p = await start();
    const invite = cucm.request('INVITE', [['Content-Type', 'application/sdp']], OFFER, 'ringing-call-1@192.0.2.30');
    cucm.send(invite);
    await until(() => line1(p).callState === 'ringIn');
    cucm.send(cucm.request('REFER', [['Refer-To', `cid:remotecc-1@${CUCM}`], ['Content-Type', 'application/x-cisco-remotecc-request+xml']], remotecc('Answer', 'ringing-call-1@192.0.2.30')));
    await until(() => cucm.responses('INVITE', 200).length === 1);
    expect(cucm.responses('REFER', 202)).toHaveLength(1);
    cucm.send(cucm.ack(invite, cucm.responses('INVITE', 200)[0] as SipResponse));
    await until(() => line1(p).callState === 'connected');
    expect(p.observe().speaker).toBe('on');

    // EndCall on the same dialog hangs up with a BYE.
    cucm.send(cucm.request('REFER', [['Refer-To', `cid:remotecc-2@${CUCM}`], ['Content-Type', 'application/x-cisco-remotecc-request+xml']], remotecc('EndCall', 'ringing-call-1@192.0.2.30')));
    await until(() => cucm.requests('BYE').length === 1);
    await until(() => line1(p).callState === 'idle');
  });

  it('holds and resumes a connected call on remotecc Hold / Resume (re-INVITE sendonly, then sendrecv)', async () => {
    const p = await start();
    const invite = cucm.request('INVITE', [['Content-Type', 'application/sdp']], OFFER, 'held-call-1@192.0.2.30');
    cucm.send(invite);
    await until(() => line1(p).callState === 'ringIn');
    await run(p.answer());
    await until(() => cucm.responses('INVITE', 200).length === 1);
    cucm.send(cucm.ack(invite, cucm.responses('INVITE', 200)[0] as SipResponse));
    await until(() => line1(p).callState === 'connected');

    const remoteccRefer = (key: string) =>
      cucm.request('REFER', [['Refer-To', `cid:${key}@${CUCM}`], ['Content-Type', 'application/x-cisco-remotecc-request+xml']], remotecc(key, 'held-call-1@192.0.2.30'));
    const answerReinvite = (n: number): SipRequest => {
      const reinvite = cucm.requests('INVITE')[n] as SipRequest;
      cucm.send(createResponse(reinvite, 200, undefined, { headers: [['Contact', FAR_CONTACT]], body: OFFER, contentType: 'application/sdp' }));
      return reinvite;
    };
    cucm.send(remoteccRefer('Hold'));
    await until(() => cucm.requests('INVITE').length === 1);
    expect(answerReinvite(0).body).toContain('a=sendonly');
    await until(() => line1(p).callState === 'hold');
    expect(line1(p)).toMatchObject({ display: 'Hold', lamp: 'wink' });

    cucm.send(remoteccRefer('Resume'));
    await until(() => cucm.requests('INVITE').length === 2);
    expect(answerReinvite(1).body).toContain('a=sendrecv');
    await until(() => line1(p).callState === 'connected');
  });

  it('acknowledges and ignores an unknown remotecc soft key', async () => {
    const p = await start();
    cucm.send(cucm.request('REFER', [['Refer-To', `cid:x@${CUCM}`], ['Content-Type', 'application/x-cisco-remotecc-request+xml']], remotecc('Park', 'nothing@192.0.2.30')));
    await until(() => cucm.responses('REFER').length === 1);
    expect(cucm.responses('REFER', 202)).toHaveLength(1);
    expect(line1(p).callState).toBe('idle');
    expect(log.records.some((r) => r.msg === 'remotecc soft key ignored' && r.fields?.['softkey'] === 'Park')).toBe(true);
  });

  it('DND key: PUBLISHes a PIDF dnd activity and shows DND only once CUCM\'s dndupdate says so', async () => {
    const p = await start();
    await run(p.dndKey());
    await until(() => cucm.requests('PUBLISH').length === 1);
    const publish = cucm.requests('PUBLISH')[0];
    expect(publish?.uri).toBe(`sip:1001@${CUCM}`);
    expect(publish?.headers.get('Event')).toBe('presence');
    expect(publish?.headers.get('Content-Type')).toBe('application/pidf+xml');
    expect(publish?.body).toMatch(/<dm:person [^>]*><e:activities><e:dnd\/><\/e:activities><\/dm:person>/);
    expect(p.observe().dnd).toBe(false);
    const remoteccHeaders: [string, string][] = [['Refer-To', `cid:x@${CUCM}`], ['Content-Type', 'application/x-cisco-remotecc-request+xml']];
    cucm.send(cucm.request('REFER', remoteccHeaders, dndUpdateBody(true, 'ringerOff')));
    await until(() => p.observe().dnd && cucm.responses('REFER').length === 1);
    expect(cucm.responses('REFER', 202)).toHaveLength(1);
    // Turned off again: the PUBLISH asks for `available`.
    await run(p.dndKey());
    await until(() => cucm.requests('PUBLISH').length === 2);
    expect(cucm.requests('PUBLISH')[1]?.body).toContain('<e:available/>');
  });

  it('CFwdAll key: INVITE to the cfwdall service URI (target appended, bare to cancel); the line shows what cfwdallupdate says', async () => {
    const p = await start();
    await run(p.forwardAll('1003'));
    await until(() => cucm.requests('INVITE').length === 1);
    expect(cucm.requests('INVITE')[0]?.uri).toBe(`sip:x-cisco-serviceuri-cfwdall-1003@${CUCM}`);
    expect(line1(p)).toMatchObject({ callState: 'idle', forwardAll: '' });
    const remoteccHeaders: [string, string][] = [['Refer-To', `cid:x@${CUCM}`], ['Content-Type', 'application/x-cisco-remotecc-request+xml']];
    cucm.send(cucm.request('REFER', remoteccHeaders, cfwdAllUpdateBody(1, '1003')));
    await until(() => line1(p).forwardAll === '1003');
    await run(p.forwardAll(undefined));
    await until(() => cucm.requests('INVITE').length === 2);
    expect(cucm.requests('INVITE')[1]?.uri).toBe(`sip:x-cisco-serviceuri-cfwdall@${CUCM}`);
    cucm.send(cucm.request('REFER', remoteccHeaders, cfwdAllUpdateBody(1, '')));
    await until(() => line1(p).forwardAll === '');
    // The service calls are not the line's; the test CUCM never answers them, so the phone cancels them on stop.
  });

  it('answers 400 to a remotecc REFER whose XML is malformed', async () => {
    await start();
    cucm.send(cucm.request('REFER', [['Refer-To', `cid:x@${CUCM}`], ['Content-Type', 'application/x-cisco-remotecc-request+xml']], '<x-cisco-remotecc-request><softkeyeventmsg>'));
    await until(() => cucm.responses('REFER').length === 1);
    expect(cucm.responses('REFER', 400)).toHaveLength(1);
  });

  it('answers 400 to a REFER without Refer-To', async () => {
    await start();
    cucm.send(cucm.request('REFER', []));
    await until(() => cucm.responses('REFER').length === 1);
    expect(cucm.responses('REFER', 400)).toHaveLength(1);
  });

  it('unregisters and ends calls on stop', async () => {
    const p = await start();
    cucm.send(cucm.request('INVITE', [['Content-Type', 'application/sdp']], OFFER));
    await until(() => line1(p).callState === 'ringIn');
    phone = undefined;
    await run(p.stop());
    expect(cucm.responses('INVITE', 603)).toHaveLength(1);
    const registers = cucm.requests('REGISTER');
    expect(registers).toHaveLength(2);
    expect(registers[1]?.headers.get('Contact')).toMatch(/;expires=0$/);
    expect(p.observe().registered).toBe(false);
    expect(p.leaks()).toEqual([]);
  });
});

describe('moveCidReferTo', () => {
  it.each([
    ['a cid: Refer-To', 'REFER sip:1001@h SIP/2.0\r\nRefer-To: cid:abc@192.0.2.30\r\nCSeq: 1 REFER\r\n\r\nbody', 'REFER sip:1001@h SIP/2.0\r\nRefer-To: <sip:refer-to-cid.invalid>\r\nX-Lab-Refer-To-Cid: cid:abc@192.0.2.30\r\nCSeq: 1 REFER\r\n\r\nbody'],
    ['the compact form', 'REFER sip:1001@h SIP/2.0\r\nr: <cid:abc@h>\r\n\r\n', 'REFER sip:1001@h SIP/2.0\r\nRefer-To: <sip:refer-to-cid.invalid>\r\nX-Lab-Refer-To-Cid: <cid:abc@h>\r\n\r\n'],
  ])('moves %s aside', (_name, input, output) => {
    expect(moveCidReferTo(input)).toBe(output);
  });

  it.each([
    'REFER sip:1001@h SIP/2.0\r\nRefer-To: <sip:1002@h>\r\n\r\n',
    'SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\nRefer-To: cid:in-the-body@h',
    'no header end',
  ])('leaves other messages untouched (%#)', (input) => {
    expect(moveCidReferTo(input)).toBe(input);
  });
});

function remotecc(softkey: string, callId: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<x-cisco-remotecc-request>',
    '<softkeyeventmsg>',
    `<softkeyevent>${softkey}</softkeyevent>`,
    '<dialogid>',
    `<callid>${callId}</callid>`,
    '<localtag>cucm-tag</localtag>',
    '<remotetag></remotetag>',
    '</dialogid>',
    '<linenumber>0</linenumber>',
    '<participantnum>0</participantnum>',
    '</softkeyeventmsg>',
    '</x-cisco-remotecc-request>',
  ].join('\r\n');
}
