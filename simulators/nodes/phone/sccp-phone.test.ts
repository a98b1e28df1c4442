import { KeypadButton } from '../../protocols/sccp';
import { CucmTestLab } from '../../../test/support/cucm-test-lab';

const ALICE = 'SEP001122334455';
const BOB = 'SEP00AABBCCDDEE';

describe('SccpPhone', () => {
  it('registers, keeps alive, dials E.164 with the + key, and follows CUCM state', async () => {
    const lab = new CucmTestLab();
    const cucm = await lab.startCucm({
      release: '7.0(2)',
  defects: new Set(['CSCsy62620'] as const),
      phones: [
        { name: ALICE, model: '7931', protocol: 'sccp', lines: [{ dn: '+14085551001' }] },
        { name: BOB, model: '7975', protocol: 'sccp', lines: [{ dn: '+14085551002' }] },
      ],
      applicationUsers: [],
      endUsers: [],
    });
    const alice = await lab.startPhone(ALICE, '7931', ['+14085551001']);
    const bob = await lab.startPhone(BOB, '7975', ['+14085551002']);
    await lab.until(() => alice.observe().registered && bob.observe().registered);
    expect(alice.observe()).toMatchObject({ deviceName: ALICE, model: '7931', protocol: 'sccp', speaker: 'off' });
    expect(alice.observe().lines).toEqual([{ line: 1, dn: '+14085551001', callState: 'idle', ringer: 'off', lamp: 'off', display: '', forwardAll: '', digits: '' }]);
    // The 7931 registers with device type 348 and gets a 24-button template.
    await lab.until(() => alice.received.some((m) => m.name === 'DefineTimeDate'));
    expect(alice.received.find((m) => m.name === 'ButtonTemplate')).toMatchObject({ totalButtonCount: 24 });
    expect(KeypadButton['+']).toBe(0x10);

    await alice.offHook();
    await lab.until(() => alice.observe().lines[0]?.callState === 'offHook');
    expect(alice.observe().lines[0]).toMatchObject({ lamp: 'on', display: 'Enter Number' });
    await alice.dial('+14085551002');
    await lab.until(() => bob.observe().lines[0]?.callState === 'ringIn' && alice.observe().lines[0]?.callState === 'ringOut');
    expect(alice.observe().lines[0]?.display).toBe('Ring Out');
    await bob.offHook(); // answering with the handset
    await lab.until(() => bob.observe().lines[0]?.callState === 'connected' && alice.observe().lines[0]?.callState === 'connected');
    expect(bob.observe().speaker).toBe('off');
    await bob.hangUp();
    await lab.until(() => alice.observe().lines[0]?.callState === 'idle' && bob.observe().lines[0]?.callState === 'idle');
    await lab.clock.advance(95_000);
    expect(alice.received.filter((m) => m.name === 'KeepAliveAck').length).toBe(3);
    await alice.stop();
    await bob.stop();
    await lab.until(() => cucm.observe().devices.length === 0);
    expect(cucm.leaks()).toEqual([]);
    await cucm.stop();
  });
});
