import { ConfigError } from '../../kernel/errors';
import { seededRandom } from '../../kernel/random';
import { installVirtualGlobals } from '../../kernel/virtual-globals';
import type { CtiMessage, CtiMessageOf } from '../../protocols/cti';
import type { Cucm } from './cucm';
import type { CucmConfig } from './cucm-config';
import { CUCM_ADDRESS, CucmTestLab } from '../../../test/support/cucm-test-lab';
import { SipHeaders, SipStreamFramer, encodeSipMessage, softKeyEventBody } from '../../protocols/sip';
import type { SipResponse } from '../../protocols/sip';
import type { CtiTestClient } from '../../../test/support/cucm-test-lab';

const ALICE = 'SEP001122334455';
const BOB = 'SEP00AABBCCDDEE';
const CAROL = 'SEP0000000000C1';
const DAVE = 'SEP0000000000D1';
const EVE = 'SEP0000000000E1';

const config = (): CucmConfig => ({
  release: '7.0(2)',
  defects: new Set(['CSCsy62620'] as const),
  phones: [
    { name: ALICE, model: '7975', protocol: 'sccp', lines: [{ dn: '+14085551001' }] },
    { name: BOB, model: '7970', protocol: 'sccp', lines: [{ dn: '+14085551002' }] },
    { name: CAROL, model: '7931', protocol: 'sccp', lines: [{ dn: '1003', allowCtiControl: false }] },
    { name: DAVE, model: '7971', protocol: 'sip', lines: [{ dn: '1004' }] },
  ],
  applicationUsers: [
    { userId: 'cupuser', password: 'secret', groups: ['Standard CTI Enabled', 'Standard CTI Allow Control of All Devices'], controlledDevices: [] },
    { userId: 'plainapp', password: 'secret', groups: [], controlledDevices: [] },
  ],
  endUsers: [],
});

/**
 * CUCM with an SCCP phone (alice) and a SIP phone (dave, sip.js). sip.js schedules its timers (Timer F, the
 * registration refresh) with the global timers, which are put on the lab's clock until `uninstall()`.
 */
async function withSipPhone() {
  const lab = new CucmTestLab();
  const uninstall = installVirtualGlobals(lab.clock, seededRandom(3));
  const cucm = await lab.startCucm(config());
  const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
  const dave = await lab.startSipPhone(DAVE, '1004');
  await lab.until(() => alice.observe().registered && dave.observe().registered);
  return { lab, cucm, alice, dave, uninstall };
}

/** withSipPhone(), with Alice (SCCP) in a connected call to Dave (SIP). */
async function aliceCallsDave() {
  const setup = await withSipPhone();
  const { lab, alice, dave } = setup;
  await alice.dial('1004');
  await lab.until(() => dave.observe().lines[0]?.callState === 'ringIn');
  await dave.answer();
  await lab.until(() => alice.observe().lines[0]?.callState === 'connected' && dave.observe().lines[0]?.callState === 'connected');
  return setup;
}

/** Alice hangs up the call with Dave; both end idle with nothing leaked, then the lab stops. */
async function hangUpAndStop({ lab, cucm, alice, dave, uninstall }: Awaited<ReturnType<typeof withSipPhone>>) {
  await alice.hangUp();
  await lab.until(() => alice.observe().lines[0]?.callState === 'idle' && dave.observe().lines[0]?.callState === 'idle');
  await lab.until(() => cucm.leaks().length === 0);
  await lab.drive(dave.stop());
  await cucm.stop();
  uninstall();
}

/** The three SCCP phones of config(), registered with an already started CUCM. */
async function threePhones(lab: CucmTestLab) {
  const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
  const bob = await lab.startPhone(BOB, '7970', ['+14085551002']);
  const carol = await lab.startPhone(CAROL, '7931', ['1003']);
  await lab.until(() => alice.observe().registered && bob.observe().registered && carol.observe().registered);
  return { alice, bob, carol };
}

/** CUCM with two registered SCCP phones, alice (7975) and bob (7970). */
async function withAliceAndBob() {
  const { lab, cucm } = await setUp();
  const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
  const bob = await lab.startPhone(BOB, '7970', ['+14085551002']);
  await lab.until(() => alice.observe().registered && bob.observe().registered);
  return { lab, cucm, alice, bob };
}

async function setUp(): Promise<{ lab: CucmTestLab; cucm: Cucm }> {
  const lab = new CucmTestLab();
  const cucm = await lab.startCucm(config());
  return { lab, cucm };
}

describe('CUCM configuration API', () => {
  it('validates product rules', () => {
    const lab = new CucmTestLab();
    return lab.startCucm(config()).then(async (cucm) => {
      expect(() => cucm.config.phones.add({ name: 'BAD', model: '7975', protocol: 'sccp', lines: [{ dn: '1' }] })).toThrow(ConfigError);
      expect(() => cucm.config.phones.add({ name: ALICE, model: '7975', protocol: 'sccp', lines: [{ dn: '1' }] })).toThrow(/already exists/);
      expect(() => cucm.config.phones.add({ name: 'SEP0000000000F1', model: '7931', protocol: 'sip', lines: [{ dn: '1' }] })).toThrow(/does not support/);
      expect(() =>
        cucm.config.phones.add({ name: 'SEP0000000000F2', model: '7970', protocol: 'sccp', lines: Array.from({ length: 9 }, (_, i) => ({ dn: `20${i}` })) }),
      ).toThrow(/8 line buttons/);
      expect(() => cucm.config.lines.setDirectoryNumber(ALICE, 1, '14-08')).toThrow(/not a valid directory number/);
      expect(() => cucm.config.applicationUsers.update('cupuser', { controlledDevices: ['SEP999999999999'] })).toThrow(/does not exist/);
      expect(() => cucm.config.applicationUsers.add('cupuser', { password: 'x' })).toThrow(/already exists/);
      cucm.config.applicationUsers.update('plainapp', { controlledDevices: [BOB] });
      cucm.config.phones.remove(BOB);
      expect(cucm.config.applicationUser('plainapp')?.controlledDevices).toEqual([]);
      await cucm.stop();
    });
  });
});

describe('CUCM SCCP station server and call control', () => {
  it('registers an SCCP phone with the full request sequence', async () => {
    const { lab, cucm } = await setUp();
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    await lab.until(() => alice.observe().registered);
    await lab.clock.advance(100);
    const names = alice.received.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(['RegisterAck', 'CapabilitiesReq', 'ButtonTemplate', 'SoftKeyTemplateRes', 'SoftKeySetRes', 'LineStat', 'DefineTimeDate']),
    );
    const ack = alice.received.find((m) => m.name === 'RegisterAck');
    expect(ack).toMatchObject({ keepAliveInterval: 30, dateTemplate: 'M/D/Y' });
    const template = alice.received.find((m) => m.name === 'ButtonTemplate');
    expect(template).toMatchObject({ totalButtonCount: 8 });
    const time = alice.received.find((m) => m.name === 'DefineTimeDate');
    expect(time).toMatchObject({ year: 2009, month: 5, day: 1 });
    expect(cucm.observe().devices).toEqual([{ deviceName: ALICE, model: '7975', protocol: 'sccp', address: '10.1.2.20' }]);
    // Keepalives keep the registration for longer than the watchdog limit.
    await lab.clock.advance(200_000);
    expect(alice.received.filter((m) => m.name === 'KeepAliveAck').length).toBeGreaterThanOrEqual(6);
    expect(cucm.observe().devices).toHaveLength(1);
    await alice.stop();
    await lab.until(() => cucm.observe().devices.length === 0);
    await cucm.stop();
  });

  it('rejects an unknown device name', async () => {
    const { lab, cucm } = await setUp();
    const stranger = await lab.startPhone('SEP0000DEADBEEF', '7970', ['5555']);
    await lab.until(() => stranger.received.some((m) => m.name === 'RegisterReject'));
    expect(stranger.observe().registered).toBe(false);
    expect(cucm.observe().devices).toHaveLength(0);
    await cucm.stop();
  });

  it('drops malformed frames and keeps serving', async () => {
    const { lab, cucm } = await setUp();
    const host = lab.net.addHost('junk', '10.1.9.9');
    const conn = await lab.drive(host.connectTcp({ address: '10.1.1.10', port: 2000 }));
    // data_length 8, message id 0x0006 OffHook with 4 bytes of data: valid framing, sent before registration.
    conn.write(Uint8Array.of(8, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0, 0));
    // An unknown message id.
    conn.write(Uint8Array.of(4, 0, 0, 0, 0, 0, 0, 0, 0x99, 0x99, 0, 0));
    await lab.clock.advance(50);
    expect(lab.log.forNode('cucm').some((r) => r.msg.includes('dropped'))).toBe(true);
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    await lab.until(() => alice.observe().registered);
    await cucm.stop();
  });

  it('runs an SCCP to SCCP call: dial, ring, answer, hang up', async () => {
    const { lab, cucm, alice, bob } = await withAliceAndBob();

    await alice.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn');
    expect(bob.observe().lines[0]).toMatchObject({ ringer: 'on', lamp: 'blink', display: 'From +14085551001' });
    await lab.until(() => alice.observe().lines[0]?.callState === 'ringOut');
    expect(cucm.observe().calls[0]).toMatchObject({ callingParty: '+14085551001', calledParty: '+14085551002', phase: 'alerting' });

    await bob.answer();
    await lab.until(() => bob.observe().lines[0]?.callState === 'connected' && alice.observe().lines[0]?.callState === 'connected');
    expect(bob.observe().lines[0]?.ringer).toBe('off');
    await lab.until(() => alice.received.some((m) => m.name === 'StartMediaTransmission') && bob.received.some((m) => m.name === 'StartMediaTransmission'));

    await alice.hangUp();
    await lab.until(() => alice.observe().lines[0]?.callState === 'idle' && bob.observe().lines[0]?.callState === 'idle');
    expect(bob.observe().speaker).toBe('off');
    expect(cucm.leaks()).toEqual([]);
    expect([...alice.leaks(), ...bob.leaks()]).toEqual([]);
    await cucm.stop();
  });

  it('relays keys pressed in a connected call to the far end: Dtmf tones to SCCP, INFO dtmf-relay to SIP', async () => {
    const { lab, cucm, alice, dave, uninstall } = await aliceCallsDave();
    await alice.dial('7#0');
    await lab.until(() => dave.observe().lines[0]?.digits === '7#0');
    // Alice's own phone heard no Dtmf tone: the digits went to the far end only.
    expect(alice.observe().lines[0]?.digits).toBe('');
    await hangUpAndStop({ lab, cucm, alice, dave, uninstall });
  });

  it('plays DTMF from one SCCP phone to the other as Dtmf tones', async () => {
    const { lab, cucm, alice, bob } = await withAliceAndBob();
    await alice.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn');
    await bob.answer();
    await lab.until(() => alice.observe().lines[0]?.callState === 'connected');
    await bob.dial('*42');
    await lab.until(() => alice.observe().lines[0]?.digits === '*42');
    expect(alice.received.filter((m) => m.name === 'StartTone').map((m) => m.tone).slice(-3)).toEqual([0x0e, 0x04, 0x02]);
    await bob.hangUp();
    await lab.until(() => alice.observe().lines[0]?.callState === 'idle');
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });

  it('registers every line of a SIP phone: a call to line 2 rings line 2, and line 2 places calls from its own DN', async () => {
    const lab = new CucmTestLab();
    const uninstall = installVirtualGlobals(lab.clock, seededRandom(3));
    const cfg = config();
    const cucm = await lab.startCucm({ ...cfg, phones: cfg.phones.map((p) => (p.name === DAVE ? { ...p, lines: [{ dn: '1004' }, { dn: '1005' }] } : p)) });
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    const dave = await lab.startSipPhone(DAVE, '1004', '1005');
    await lab.until(() => alice.observe().registered && dave.observe().registered);
    expect(lab.log.records.some((r) => r.msg === 'SIP line registered' && r.fields?.['line'] === 2)).toBe(true);
    await alice.dial('1005');
    await lab.until(() => dave.observe().lines[1]?.callState === 'ringIn');
    expect(dave.observe().lines[0]?.callState).toBe('idle');
    await dave.answer(2);
    await lab.until(() => alice.observe().lines[0]?.callState === 'connected');
    expect(cucm.observe().calls[0]?.terminating).toMatchObject({ deviceName: DAVE, line: 2, dn: '1005' });
    await alice.hangUp();
    await lab.until(() => dave.observe().lines[1]?.callState === 'idle');
    await dave.dial('+14085551001', 2);
    await lab.until(() => alice.observe().lines[0]?.callState === 'ringIn');
    expect(cucm.observe().calls[0]?.origin).toMatchObject({ deviceName: DAVE, line: 2, dn: '1005' });
    expect(alice.observe().lines[0]?.display).toContain('1005');
    await dave.hangUp(2);
    await lab.until(() => alice.observe().lines[0]?.callState === 'idle');
    await lab.until(() => cucm.leaks().length === 0);
    await lab.drive(dave.stop());
    await cucm.stop();
    uninstall();
  });

  it('passes SDP through between two SIP phones: the caller\'s offer reaches the called phone and its answer comes back (no media resource)', async () => {
    // Every SIP segment CUCM sends, as text with the connection it crossed.
    const fromCucm: string[] = [];
    const servers = new Map<string, boolean>();
    const lab = new CucmTestLab({
      udp: () => undefined,
      tcpOpen: (_t, id, _client, server) => servers.set(id, server.address === CUCM_ADDRESS),
      tcpData: (_t, id, fromClient, payload) => {
        if (servers.get(id) === !fromClient) fromCucm.push(new TextDecoder().decode(payload));
      },
      tcpClose: () => undefined,
    });
    const uninstall = installVirtualGlobals(lab.clock, seededRandom(3));
    const cfg = config();
    const cucm = await lab.startCucm({ ...cfg, phones: [...cfg.phones, { name: EVE, model: '7970', protocol: 'sip', lines: [{ dn: '1006' }] }] });
    const dave = await lab.startSipPhone(DAVE, '1004');
    const eve = await lab.startSipPhone(EVE, '1006');
    await lab.until(() => dave.observe().registered && eve.observe().registered);
    await dave.dial('1006');
    await lab.until(() => eve.observe().lines[0]?.callState === 'ringIn');
    await eve.answer();
    await lab.until(() => dave.observe().lines[0]?.callState === 'connected' && eve.observe().lines[0]?.callState === 'connected');
    const media = (sip: string | undefined) => /\r\nc=IN IP4 ([\d.]+)\r\n[\s\S]*\r\nm=audio (\d+) /.exec(sip ?? '')?.slice(1);
    const invite = fromCucm.find((m) => m.startsWith('INVITE '));
    const ok = fromCucm.find((m) => m.startsWith('SIP/2.0 200 OK') && /CSeq: \d+ INVITE\r\n/.test(m));
    // The phones' addresses (lab hosts phone-20, phone-21) and their first RTP ports, not CUCM's 10.1.1.10:24576.
    expect(media(invite)).toEqual(['10.1.2.20', '16384']);
    expect(media(ok)).toEqual(['10.1.2.21', '16384']);
    await dave.hangUp();
    await lab.until(() => eve.observe().lines[0]?.callState === 'idle' && cucm.leaks().length === 0);
    await lab.drive(dave.stop());
    await lab.drive(eve.stop());
    await cucm.stop();
    uninstall();
  });

  it('keeps a SIP phone\'s call across its registration refresh', async () => {
    const { lab, cucm, alice, dave, uninstall } = await aliceCallsDave();

    // The phone registered for 3600 s and refreshes before that; the call goes on through the refresh.
    const count = (message: string) => lab.log.records.filter((r) => r.msg === message).length;
    const registered = count('SIP device registered');
    await lab.clock.advance(3_600_000);
    expect(count('SIP registration refreshed')).toBe(1);
    expect(count('SIP device registered')).toBe(registered);
    expect(dave.observe().lines[0]?.callState).toBe('connected');

    await hangUpAndStop({ lab, cucm, alice, dave, uninstall });
  });

  it('leaves a SIP phone idle when the caller hangs up while CUCM\'s INVITE to it is still on a slow link', async () => {
    const { lab, cucm, alice, dave, uninstall } = await withSipPhone();
    // A slow link to the SIP phone: the caller's on-hook reaches CUCM before the phone's 180 Ringing does.
    lab.net.setLink('cucm', 'phone-21', { latencyMs: 40 });
    for (let i = 0; i < 3; i++) {
      await alice.dial('1004');
      // The caller gives up while CUCM's INVITE to the SIP phone is still on its way.
      await lab.until(() => cucm.observe().calls.some((c) => c.phase === 'alerting') && alice.observe().lines[0]?.callState !== 'idle');
      await alice.hangUp();
      await lab.until(() => alice.observe().lines[0]?.callState === 'idle');
      await lab.clock.advance(1_000);
      expect(dave.observe().lines[0]?.callState).toBe('idle');
    }
    await lab.until(() => cucm.leaks().length === 0);
    await lab.drive(dave.stop());
    await cucm.stop();
    uninstall();
  });

  it('hangs up while dialling: CUCM releases the call and the called phone ends idle', async () => {
    const { lab, cucm, alice, bob } = await withAliceAndBob();
    // Off hook, digits, on hook, all before CUCM's first CallState reaches the phone.
    await alice.dial('+14085551002');
    await alice.hangUp();
    await lab.clock.advance(1_000);
    expect(bob.observe().lines[0]?.callState).toBe('idle');
    expect(alice.observe().lines[0]?.callState).toBe('idle');
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });

  it('forwards an unanswered call after the Forward No Answer Timer service parameter, and a busy one to Forward Busy', async () => {
    const lab = new CucmTestLab();
    const base = config();
    const cucm = await lab.startCucm({
      ...base,
      forwardNoAnswerTimerS: 3,
      phones: base.phones.map((p) => (p.name === BOB ? { ...p, lines: [{ dn: '+14085551002', forwardNoAnswer: '1003', forwardBusy: '1003', busyTrigger: 1 }] } : p)),
    });
    const { alice, bob, carol } = await threePhones(lab);
    await alice.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn');
    await lab.clock.advance(2_900);
    expect(carol.observe().lines[0]?.callState).toBe('idle');
    await lab.clock.advance(200);
    expect(carol.observe().lines[0]?.callState).toBe('ringIn');
    expect(bob.observe().lines[0]?.callState).toBe('idle');
    await alice.hangUp();
    await lab.until(() => carol.observe().lines[0]?.callState === 'idle');
    // Bob in a call (his Busy Trigger is 1): Alice's call goes to Carol at once.
    await carol.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn');
    await bob.answer();
    await lab.until(() => bob.observe().lines[0]?.callState === 'connected');
    await alice.dial('+14085551002');
    await lab.until(() => cucm.observe().calls.some((c) => c.calledParty === '1003' && c.phase === 'alerting'));
    expect(lab.log.records.some((r) => r.msg === 'call forwarded (Forward Busy)')).toBe(true);
    await cucm.stop();
  });

  it('answers reorder for an unknown number', async () => {
    const { lab, cucm } = await setUp();
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    await lab.until(() => alice.observe().registered);
    await alice.dial('+19999');
    await lab.until(() => alice.received.some((m) => m.name === 'StartTone' && m.tone === 0x25));
    expect(alice.received.some((m) => m.name === 'CallState' && m.callState === 14)).toBe(true);
    expect(alice.observe().lines[0]?.display).toBe('Unknown Number');
    await alice.hangUp();
    await lab.until(() => alice.observe().lines[0]?.callState === 'idle');
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });

  it('offers a call to every appearance of a shared line; answering on one shows the others In Use Remote', async () => {
    const lab = new CucmTestLab();
    const cfg = config();
    // Carol's 7931 carries Bob's DN as well.
    const cucm = await lab.startCucm({ ...cfg, phones: cfg.phones.map((p) => (p.name === CAROL ? { ...p, lines: [{ dn: '+14085551002' }] } : p)) });
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    const bob = await lab.startPhone(BOB, '7970', ['+14085551002']);
    const carol = await lab.startPhone(CAROL, '7931', ['+14085551002']);
    await lab.until(() => alice.observe().registered && bob.observe().registered && carol.observe().registered);
    await alice.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn' && carol.observe().lines[0]?.callState === 'ringIn');
    await carol.answer();
    await lab.until(() => carol.observe().lines[0]?.callState === 'connected' && alice.observe().lines[0]?.callState === 'connected');
    await lab.until(() => bob.observe().lines[0]?.callState === 'remoteInUse');
    expect(bob.observe().lines[0]?.display).toBe('In Use Remote');
    expect(bob.received.filter((m) => m.name === 'SetRinger').at(-1)).toMatchObject({ ringMode: 1 });
    expect(bob.received.some((m) => m.name === 'SelectSoftKeys' && m.softKeySetIndex === 10)).toBe(true);
    await alice.hangUp();
    await lab.until(() => bob.observe().lines[0]?.callState === 'idle' && carol.observe().lines[0]?.callState === 'idle');
    expect(cucm.leaks()).toEqual([]);
    // A caller who gives up while both ring leaves both idle.
    await alice.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn' && carol.observe().lines[0]?.callState === 'ringIn');
    expect(cucm.observe().calls).toHaveLength(1);
    await alice.hangUp();
    await lab.until(() => bob.observe().lines[0]?.callState === 'idle' && carol.observe().lines[0]?.callState === 'idle');
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });

  it.each([
    [1, 'busy'],
    [2, 'ringIn'],
  ] as const)('counts a shared line call on every appearance: with Busy Trigger %i the next call finds the line %s', async (busyTrigger, expected) => {
    const lab = new CucmTestLab();
    const cfg = config();
    const EVE = 'SEP0000000000E1';
    const shared = { dn: '+14085551002', maxCalls: 2, busyTrigger };
    const cucm = await lab.startCucm({
      ...cfg,
      phones: [
        ...cfg.phones.map((p) => (p.name === BOB || p.name === CAROL ? { ...p, lines: [shared] } : p)),
        { name: EVE, model: '7975', protocol: 'sccp', lines: [{ dn: '1005' }] },
      ],
    });
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    const bob = await lab.startPhone(BOB, '7970', ['+14085551002']);
    const carol = await lab.startPhone(CAROL, '7931', ['+14085551002']);
    const eve = await lab.startPhone(EVE, '7975', ['1005']);
    await lab.until(() => [alice, bob, carol, eve].every((p) => p.observe().registered));
    await alice.dial('+14085551002');
    await lab.until(() => carol.observe().lines[0]?.callState === 'ringIn');
    await carol.answer();
    await lab.until(() => bob.observe().lines[0]?.callState === 'remoteInUse');
    await eve.dial('+14085551002');
    await lab.until(() => eve.observe().lines[0]?.callState === (expected === 'busy' ? 'busy' : 'ringOut'));
    if (expected === 'ringIn') expect(cucm.observe().calls.filter((c) => c.phase === 'alerting')).toHaveLength(1);
    await eve.hangUp();
    await alice.hangUp();
    await lab.until(() => [bob, carol, eve].every((p) => p.observe().lines[0]?.callState === 'idle'));
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });

  it('rejects busy when the called line reached its busy trigger', async () => {
    const lab = new CucmTestLab();
    const cfg = config();
    const cucm = await lab.startCucm({ ...cfg, phones: cfg.phones.map((p) => (p.name === BOB ? { ...p, lines: [{ dn: '+14085551002', maxCalls: 1, busyTrigger: 1 }] } : p)) });
    const { alice, bob, carol } = await threePhones(lab);
    await alice.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn');
    await carol.dial('+14085551002');
    await lab.until(() => carol.observe().lines[0]?.callState === 'busy');
    await carol.hangUp();
    await alice.hangUp();
    await lab.until(() => bob.observe().lines[0]?.callState === 'idle' && carol.observe().lines[0]?.callState === 'idle');
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });
});

describe('CUCM CTIManager', () => {
  const open = async (cti: CtiTestClient, lab: CucmTestLab, applicationUser: string, password: string): Promise<CtiMessage> => {
    const id = cti.send({ type: 'ProviderOpenRequest', applicationUser, password, clientName: 'CUP' });
    await lab.until(() => cti.responses.has(id));
    return cti.responses.get(id) as CtiMessage;
  };
  const request = async (cti: CtiTestClient, lab: CucmTestLab, m: CtiMessage): Promise<CtiMessage> => {
    const id = cti.send(m);
    await lab.until(() => cti.responses.has(id));
    return cti.responses.get(id) as CtiMessage;
  };
  const states = (cti: CtiTestClient, deviceName: string): string[] =>
    cti.events.filter((e): e is CtiMessageOf<'CallEvent'> => e.type === 'CallEvent' && e.deviceName === deviceName).map((e) => e.state);

  it('refuses a wrong password, a user without Standard CTI Enabled, and requests before ProviderOpen', async () => {
    const { lab, cucm } = await setUp();
    const cti = await lab.ctiClient();
    expect(await request(cti, lab, { type: 'MonitorDeviceRequest', lineDn: '+14085551001' })).toMatchObject({ type: 'ErrorResponse', code: 'providerNotOpen' });
    expect(await open(cti, lab, 'cupuser', 'wrong')).toMatchObject({ type: 'ProviderOpenResponse', result: 'authenticationFailed' });
    expect(await open(cti, lab, 'nobody', 'secret')).toMatchObject({ result: 'authenticationFailed' });
    expect(await open(cti, lab, 'plainapp', 'secret')).toMatchObject({ result: 'notCtiEnabled' });
    expect(await open(cti, lab, 'cupuser', 'secret')).toMatchObject({ result: 'ok', heartbeatIntervalMs: 30_000 });
    expect(await request(cti, lab, { type: 'MonitorDeviceRequest', lineDn: '+19995550000' })).toMatchObject({ type: 'ErrorResponse', code: 'noSuchDevice' });
    expect(await request(cti, lab, { type: 'MonitorDeviceRequest', lineDn: '1003' })).toMatchObject({ type: 'ErrorResponse', code: 'deviceNotControllable' });
    expect(cucm.observe().ctiProviders).toHaveLength(1);
    cti.connection.end();
    await lab.until(() => cucm.observe().ctiProviders.length === 0);
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });

  it('requires control of the device when the user lacks Allow Control of All Devices', async () => {
    const { lab, cucm } = await setUp();
    cucm.config.applicationUsers.update('plainapp', { groups: ['Standard CTI Enabled'] });
    const cti = await lab.ctiClient();
    expect(await open(cti, lab, 'plainapp', 'secret')).toMatchObject({ result: 'ok' });
    expect(await request(cti, lab, { type: 'MonitorDeviceRequest', lineDn: '+14085551001' })).toMatchObject({ code: 'deviceNotControllable' });
    cucm.config.applicationUsers.update('plainapp', { controlledDevices: [ALICE] });
    expect(await request(cti, lab, { type: 'MonitorDeviceRequest', lineDn: '+14085551001' })).toMatchObject({ type: 'MonitorDeviceResponse', deviceName: ALICE });
    await cucm.stop();
  });

  it('MakeCall, AnswerCall and ClearCall drive SCCP phones', async () => {
    const { lab, cucm, alice, bob } = await withAliceAndBob();
    const cti = await lab.ctiClient();
    await open(cti, lab, 'cupuser', 'secret');
    const ma = (await request(cti, lab, { type: 'MonitorDeviceRequest', lineDn: '+14085551001' })) as CtiMessageOf<'MonitorDeviceResponse'>;
    const mb = (await request(cti, lab, { type: 'MonitorDeviceRequest', deviceName: BOB, lineDn: '+14085551002' })) as CtiMessageOf<'MonitorDeviceResponse'>;
    expect(ma).toMatchObject({ type: 'MonitorDeviceResponse', deviceName: ALICE, lineDn: '+14085551001' });

    const made = await request(cti, lab, { type: 'MakeCallRequest', monitorId: ma.monitorId, destination: '+14085551002' });
    expect(made).toMatchObject({ type: 'CallRequestResponse' });
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn' && alice.observe().lines[0]?.callState === 'ringOut');
    expect(states(cti, ALICE)).toEqual(['offHook', 'dialing', 'proceeding', 'ringOut']);
    expect(states(cti, BOB)).toEqual(['ringIn']);
    expect(alice.observe().speaker).toBe('on');
    const aliceNames = alice.received.map((m) => m.name);
    const from = aliceNames.lastIndexOf('SetSpeakerMode');
    expect(aliceNames.slice(from, from + 4)).toEqual(['SetSpeakerMode', 'CallState', 'ActivateCallPlane', 'SelectSoftKeys']);
    expect(bob.observe().lines[0]?.ringer).toBe('on');

    const ringing = cti.events.find((e): e is CtiMessageOf<'CallEvent'> => e.type === 'CallEvent' && e.deviceName === BOB && e.state === 'ringIn');
    expect(ringing).toMatchObject({ callingParty: '+14085551001', calledParty: '+14085551002', cause: 'newCall' });
    const callId = ringing?.callId ?? '';
    expect(await request(cti, lab, { type: 'AnswerCallRequest', monitorId: mb.monitorId, callId })).toMatchObject({ type: 'CallRequestResponse', callId });
    await lab.until(() => bob.observe().lines[0]?.callState === 'connected' && alice.observe().lines[0]?.callState === 'connected');
    expect(bob.observe()).toMatchObject({ speaker: 'on' });
    expect(states(cti, BOB)).toEqual(['ringIn', 'connected']);
    expect(await request(cti, lab, { type: 'AnswerCallRequest', monitorId: mb.monitorId, callId: '999' })).toMatchObject({ code: 'noSuchCall' });

    expect(await request(cti, lab, { type: 'ClearCallRequest', monitorId: ma.monitorId, callId })).toMatchObject({ type: 'CallRequestResponse' });
    await lab.until(() => alice.observe().lines[0]?.callState === 'idle' && bob.observe().lines[0]?.callState === 'idle');
    expect(alice.observe().speaker).toBe('off');
    expect(bob.observe().speaker).toBe('off');
    expect(states(cti, ALICE).at(-1)).toBe('idle');
    expect(states(cti, BOB).at(-1)).toBe('idle');
    expect(cucm.leaks()).toEqual([]);
    expect(cucm.observe().ctiProviders[0]?.monitors).toHaveLength(2);
    await cucm.stop();
  });

  it('models CSCsy62620: forward via CTI fails on a line first configured with an E.164 DN until the DN is re-entered', async () => {
    const { lab, cucm } = await setUp();
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    await lab.until(() => alice.observe().registered);
    const cti = await lab.ctiClient();
    await open(cti, lab, 'cupuser', 'secret');
    const ma = (await request(cti, lab, { type: 'MonitorDeviceRequest', lineDn: '+14085551001' })) as CtiMessageOf<'MonitorDeviceResponse'>;
    await request(cti, lab, { type: 'SetForwardingRequest', monitorId: ma.monitorId, forwardAll: true, destination: '+14085551002' });
    await lab.clock.advance(50);
    expect(cti.events.some((e) => e.type === 'ForwardingEvent')).toBe(false);
    expect(alice.received.some((m) => m.name === 'ForwardStat')).toBe(false);
    // Workaround: non-E.164 DN, then back to E.164.
    cucm.config.lines.setDirectoryNumber(ALICE, 1, '1001');
    cucm.config.lines.setDirectoryNumber(ALICE, 1, '+14085551001');
    await request(cti, lab, { type: 'SetForwardingRequest', monitorId: ma.monitorId, forwardAll: true, destination: '+14085551002' });
    await lab.until(() => cti.events.some((e) => e.type === 'ForwardingEvent'));
    await lab.until(() => alice.received.some((m) => m.name === 'ForwardStat' && m.forwardAllActive === 1));
    await cucm.stop();
  });
});

describe("CUCM and the SIP loads' feature keys (docs/protocols/sip-phone-features.md)", () => {
  /** withSipPhone() plus Carol (SCCP, 1003). */
  async function withCarol() {
    const setup = await withSipPhone();
    const carol = await setup.lab.startPhone(CAROL, '7931', ['1003']);
    await setup.lab.until(() => carol.observe().registered);
    return { ...setup, carol };
  }

  const state = (p: { observe(): { lines: readonly { callState: string }[] } }) => p.observe().lines[0]?.callState;

  it('DND: the phone PUBLISHes, CUCM sets it and confirms with dndupdate; Ringer Off offers calls unrung, Call Reject refuses them busy', async () => {
    const { lab, cucm, alice, dave, uninstall } = await withSipPhone();
    await dave.dndKey();
    // The phone shows what CUCM confirmed, not what it asked for.
    expect(dave.observe().dnd).toBe(false);
    await lab.until(() => dave.observe().dnd);
    expect(cucm.config.phone(DAVE)?.dnd).toBe(true);
    await alice.dial('1004');
    await lab.until(() => state(dave) === 'ringIn');
    expect(dave.observe().lines[0]?.ringer).toBe('off');
    await alice.hangUp();
    await lab.until(() => state(dave) === 'idle' && state(alice) === 'idle');
    cucm.config.phones.setDnd(DAVE, { option: 'callReject' });
    await alice.dial('1004');
    await lab.until(() => alice.received.some((m) => m.name === 'CallState' && m.callState === 3));
    expect(state(dave)).toBe('idle');
    await alice.hangUp();
    await dave.dndKey();
    await lab.until(() => !dave.observe().dnd);
    expect(cucm.config.phone(DAVE)?.dnd).toBe(false);
    await hangUpAndStop({ lab, cucm, alice, dave, uninstall });
  });

  it('CFwdAll: INVITE to the cfwdall service URI sets and clears Forward All; CUCM answers, hangs up and sends cfwdallupdate; an unknown target changes nothing', async () => {
    const { lab, cucm, alice, dave, carol, uninstall } = await withCarol();
    await dave.forwardAll('1003');
    await lab.until(() => dave.observe().lines[0]?.forwardAll === '1003');
    expect(cucm.config.phone(DAVE)?.lines[0]?.forwardAll).toBe('1003');
    await lab.until(() => dave.leaks().length === 0 && cucm.leaks().length === 0);
    expect(state(dave)).toBe('idle');
    await alice.dial('1004');
    await lab.until(() => state(carol) === 'ringIn');
    expect(state(dave)).toBe('idle');
    await alice.hangUp();
    await lab.until(() => state(carol) === 'idle');
    await dave.forwardAll('5555');
    await lab.until(() => dave.leaks().length === 0);
    expect(lab.log.records.some((r) => r.msg === 'CFwdAll to an unknown number refused')).toBe(true);
    expect(cucm.config.phone(DAVE)?.lines[0]?.forwardAll).toBe('1003');
    await dave.forwardAll(undefined);
    await lab.until(() => dave.observe().lines[0]?.forwardAll === '');
    expect(cucm.config.phone(DAVE)?.lines[0]?.forwardAll).toBeUndefined();
    await hangUpAndStop({ lab, cucm, alice, dave, uninstall });
  });

  it('a SIP phone that registers learns the DND and Forward All CUCM holds for it (dndupdate, cfwdallupdate)', async () => {
    const lab = new CucmTestLab();
    const uninstall = installVirtualGlobals(lab.clock, seededRandom(3));
    const cucm = await lab.startCucm(config());
    cucm.config.phones.setDnd(DAVE, { active: true });
    cucm.config.lines.setForwardAll(DAVE, 1, '+14085551001');
    const dave = await lab.startSipPhone(DAVE, '1004');
    await lab.until(() => dave.observe().dnd && dave.observe().lines[0]?.forwardAll === '+14085551001');
    await lab.drive(dave.stop());
    await cucm.stop();
    uninstall();
  });

  it('Transfer: hold re-INVITE, consultation INVITE, then REFER with Replaces joins the two far parties and ends both of the phone\'s calls', async () => {
    const { lab, cucm, alice, dave, carol, uninstall } = await withCarol();
    await alice.dial('1004');
    await lab.until(() => state(dave) === 'ringIn');
    await dave.answer();
    await lab.until(() => state(alice) === 'connected' && state(dave) === 'connected');
    await lab.drive(dave.transferKey());
    expect(state(dave)).toBe('offHook');
    expect(cucm.observe().calls[0]?.terminating).toMatchObject({ deviceName: DAVE, state: 'held' });
    await dave.dial('1003');
    await lab.until(() => state(carol) === 'ringIn');
    await carol.answer();
    await lab.until(() => state(dave) === 'connected');
    await lab.drive(dave.transferKey());
    await lab.until(() => state(dave) === 'idle' && dave.leaks().length === 0);
    expect(cucm.observe().calls).toEqual([expect.objectContaining({ origin: expect.objectContaining({ deviceName: ALICE }), terminating: expect.objectContaining({ deviceName: CAROL, state: 'connected' }) })]);
    expect(state(alice)).toBe('connected');
    await hangUpAndStop({ lab, cucm, alice, dave, uninstall });
  });

  it('Confrn: hold, consultation INVITE, then a remotecc Conference REFER takes the three parties to the bridge', async () => {
    const { lab, cucm, alice, dave, carol, uninstall } = await withCarol();
    await alice.dial('1004');
    await lab.until(() => state(dave) === 'ringIn');
    await dave.answer();
    await lab.until(() => state(alice) === 'connected' && state(dave) === 'connected');
    await lab.drive(dave.conferenceKey());
    await dave.dial('1003');
    await lab.until(() => state(carol) === 'ringIn');
    await carol.answer();
    await lab.until(() => state(dave) === 'connected');
    await lab.drive(dave.conferenceKey());
    await lab.until(() => cucm.observe().conferences[0]?.parties.length === 3);
    expect([...(cucm.observe().conferences[0]?.parties ?? [])].sort()).toEqual([ALICE, CAROL, DAVE].sort());
    // The held dialog ended with CUCM's BYE; the phone stays in the consultation dialog, now to the bridge.
    await lab.until(() => dave.leaks().length === 1);
    expect(state(dave)).toBe('connected');
    await carol.hangUp();
    await lab.until(() => cucm.observe().conferences[0]?.parties.length === 2);
    await hangUpAndStop({ lab, cucm, alice, dave, uninstall });
  });

  it('MeetMe: the next number goes to the meetme service URI and opens that Meet-Me conference; a non-Meet-Me number is refused', async () => {
    const lab = new CucmTestLab();
    const uninstall = installVirtualGlobals(lab.clock, seededRandom(3));
    const cucm = await lab.startCucm({ ...config(), meetMeNumbers: ['5000'] });
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    const dave = await lab.startSipPhone(DAVE, '1004');
    await lab.until(() => alice.observe().registered && dave.observe().registered);
    await dave.meetMeKey();
    await dave.dial('+14085551001');
    await lab.until(() => state(dave) === 'idle' && dave.leaks().length === 0);
    expect(state(alice)).toBe('idle');
    await dave.meetMeKey();
    await dave.dial('5000');
    await lab.until(() => state(dave) === 'connected');
    expect(cucm.observe().conferences).toEqual([expect.objectContaining({ kind: 'meetMe', number: '5000', parties: [DAVE] })]);
    await alice.dial('5000');
    await lab.until(() => cucm.observe().conferences[0]?.parties.length === 2);
    // A Meet-Me conference closes with its last party.
    await dave.hangUp();
    await lab.until(() => cucm.observe().conferences[0]?.parties.length === 1);
    await hangUpAndStop({ lab, cucm, alice, dave, uninstall });
  });

  it('Extension Mobility on a SIP phone: login over HTTP, CUCM restarts it with NOTIFY service-control, the phone reads its configuration file and registers the profile\'s line; logout brings its own back', async () => {
    const lab = new CucmTestLab();
    const uninstall = installVirtualGlobals(lab.clock, seededRandom(3));
    const cfg = config();
    const cucm = await lab.startCucm({
      ...cfg,
      phones: cfg.phones.map((p) => (p.name === DAVE ? { ...p, extensionMobility: { enabled: true, subscribed: true } } : p)),
      endUsers: [{ userId: 'erin', groups: ['Standard CCM End Users'], controlledDevices: [], pin: '12345', controlledProfiles: ['EM-erin'] }],
      extensionMobility: { serviceActivated: true, serviceName: 'Extension Mobility', deviceProfiles: [{ name: 'EM-erin', userId: 'erin', model: '7971', subscribed: true, lines: [{ dn: '1005' }] }] },
    });
    const alice = await lab.startPhone(ALICE, '7975', ['+14085551001']);
    const dave = await lab.startSipPhone(DAVE, '1004');
    await lab.until(() => alice.observe().registered && dave.observe().registered);
    await dave.emLogin('erin', '12345');
    await lab.until(() => dave.observe().screen.includes('Login successful'));
    await lab.until(() => dave.observe().registered && dave.observe().lines[0]?.dn === '1005');
    expect(lab.log.records.some((r) => r.msg === 'restart requested by CUCM')).toBe(true);
    await alice.dial('1005');
    await lab.until(() => dave.observe().lines[0]?.callState === 'ringIn');
    await alice.hangUp();
    await lab.until(() => dave.observe().lines[0]?.callState === 'idle');
    await dave.emLogout();
    await lab.until(() => dave.observe().screen.includes('Logout successful'));
    await lab.until(() => dave.observe().registered && dave.observe().lines[0]?.dn === '1004');
    await lab.until(() => cucm.leaks().length === 0);
    await lab.drive(dave.stop());
    await cucm.stop();
    uninstall();
  });

  it('answers bad feature-key requests with the protocol\'s error and keeps serving: 489 Bad Event, 400 for a PUBLISH without DND, 501 for another soft key, 481 for unknown dialogs, 400 for a REFER that is not remotecc', async () => {
    const lab = new CucmTestLab();
    const cucm = await lab.startCucm(config());
    const host = lab.net.addHost('raw-sip', '10.1.2.99');
    const connection = await lab.drive(host.connectTcp({ address: CUCM_ADDRESS, port: 5060 }));
    const framer = new SipStreamFramer();
    const responses: SipResponse[] = [];
    connection.onData((bytes) => {
      for (const r of framer.push(bytes)) if (r.ok && r.value.kind === 'response') responses.push(r.value);
    });
    let seq = 0;
    const send = (method: string, extra: [string, string][], body = '', uri = `sip:1004@${CUCM_ADDRESS}`): void => {
      seq++;
      const headers = new SipHeaders([
        ['Via', `SIP/2.0/TCP 10.1.2.99:5060;branch=z9hG4bK-raw-${seq}`],
        ['From', `<sip:1004@${CUCM_ADDRESS}>;tag=raw-${seq}`],
        ['To', `<sip:1004@${CUCM_ADDRESS}>`],
        ['Call-ID', `raw-${seq}@10.1.2.99`],
        ['CSeq', `1 ${method}`],
        ['Max-Forwards', '70'],
        ...extra,
      ]);
      connection.write(encodeSipMessage({ kind: 'request', method, uri, headers, body }));
    };
    const answer = async (n: number): Promise<number | undefined> => {
      await lab.until(() => responses.length >= n);
      return responses[n - 1]?.status;
    };
    send('REGISTER', [['Contact', `<sip:1004@10.1.2.99;transport=tcp>;+u.sip!devicename.ccm.cisco.com="${DAVE}"`], ['Expires', '3600']]);
    expect(await answer(1)).toBe(200);
    send('PUBLISH', [['Event', 'dialog'], ['Content-Type', 'application/pidf+xml']], '<presence/>');
    expect(await answer(2)).toBe(489);
    send('PUBLISH', [['Event', 'presence'], ['Content-Type', 'application/pidf+xml']], '<presence><person><activities><away/></activities></person></presence>');
    expect(await answer(3)).toBe(400);
    const remotecc: [string, string][] = [['Refer-To', '<cid:x@10.1.2.99>'], ['Content-Type', 'application/x-cisco-remotecc-request+xml']];
    send('REFER', remotecc, softKeyEventBody('Park', { callId: 'nothing', localTag: 'a', remoteTag: 'b' }));
    expect(await answer(4)).toBe(501);
    send('REFER', remotecc, softKeyEventBody('Conference', { callId: 'nothing', localTag: 'a', remoteTag: 'b' }, { line: 1, consult: { callId: 'none', localTag: 'c', remoteTag: 'd' } }));
    expect(await answer(5)).toBe(481);
    send('REFER', [['Refer-To', `<sip:1003@${CUCM_ADDRESS}>`]]);
    expect(await answer(6)).toBe(400);
    expect(cucm.config.phone(DAVE)?.dnd).toBe(false);
    // Still serving: a CFwdAll to a number that is no DN is refused, and nothing changed.
    send('INVITE', [['Contact', '<sip:1004@10.1.2.99;transport=tcp>'], ['Content-Type', 'application/sdp']], 'v=0\r\n', `sip:x-cisco-serviceuri-cfwdall-5555@${CUCM_ADDRESS}`);
    expect(await answer(7)).toBe(404);
    expect(cucm.config.phone(DAVE)?.lines[0]?.forwardAll).toBeUndefined();
    // RFC 3903 §4.6: a removal (Expires 0, no body) is accepted, and the DND state is left as it was.
    send('PUBLISH', [['Event', 'presence'], ['Expires', '0']]);
    expect(await answer(8)).toBe(200);
    expect(cucm.config.phone(DAVE)?.dnd).toBe(false);
    connection.end();
    await cucm.stop();
  });
});
