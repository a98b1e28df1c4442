import { NTLMSSP_NEGOTIATE_TARGET_INFO, NTLMSSP_NEGOTIATE_UNICODE, NTLMSSP_NEGOTIATE_VERSION, OCS_R2_CHALLENGE_FLAGS, describeFlags, sipClientAuthenticateFlags } from './flags';
import {
  AV_ID,
  dateToFiletime,
  decodeAuthenticateMessage,
  decodeAvPairs,
  decodeChallengeMessage,
  encodeAuthenticateFields,
  encodeAvPairs,
  encodeChallengeMessage,
  filetimeToDate,
} from './messages';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
function value<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}
function failure<T>(r: { ok: true; value: T } | { ok: false; error: { message: string; protocol: string } }): string {
  if (r.ok) throw new Error(`expected a CodecError, got ${JSON.stringify(r.value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  expect(r.error.protocol).toBe('ntlm');
  return r.error.message;
}

/** The CHALLENGE_MESSAGE a recorded OCS 2007 R2 sent in gssapi-data (pidgin-sipe sip-sec-ntlm-tests.c). */
const OCS_R2_CHALLENGE_B64 =
  'TlRMTVNTUAACAAAAAAAAADgAAADzgpji3Ruq9OfiGNEAAAAAAAAAAJYAlgA4AAAABQLODgAAAA8CAAoAQwBPAFMATQBPAAEAGABDAE8AUwBNAE8ALQBPAEMAUwAtAFIAMgAEABYAYwBvAHMAbQBvAC4AbABvAGMAYQBsAAMAMABjAG8AcwBtAG8ALQBvAGMAcwAtAHIAMgAuAGMAbwBzAG0AbwAuAGwAbwBjAGEAbAAFABYAYwBvAHMAbQBvAC4AbABvAGMAYQBsAAAAAAA=';

describe('CHALLENGE_MESSAGE', () => {
  const recorded = new Uint8Array(Buffer.from(OCS_R2_CHALLENGE_B64, 'base64'));

  it('decodes the recorded OCS 2007 R2 challenge: flags, nonce, empty TargetName, five AV pairs, Windows 2003 version', () => {
    const c = value(decodeChallengeMessage(recorded));
    expect(c.flags).toBe(OCS_R2_CHALLENGE_FLAGS);
    expect(describeFlags(c.flags)).toEqual([
      'NTLMSSP_NEGOTIATE_UNICODE',
      'NTLM_NEGOTIATE_OEM',
      'NTLMSSP_NEGOTIATE_SIGN',
      'NTLMSSP_NEGOTIATE_SEAL',
      'NTLMSSP_NEGOTIATE_DATAGRAM',
      'NTLMSSP_NEGOTIATE_LM_KEY',
      'NTLMSSP_NEGOTIATE_NTLM',
      'NTLMSSP_NEGOTIATE_ALWAYS_SIGN',
      'NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY',
      'NTLMSSP_NEGOTIATE_IDENTIFY',
      'NTLMSSP_NEGOTIATE_TARGET_INFO',
      'NTLMSSP_NEGOTIATE_VERSION',
      'NTLMSSP_NEGOTIATE_128',
      'NTLMSSP_NEGOTIATE_KEY_EXCH',
      'NTLMSSP_NEGOTIATE_56',
    ]);
    expect(hex(c.serverChallenge)).toBe('dd1baaf4e7e218d1');
    expect(c.targetName).toBe('');
    expect(c.targetInfo).toMatchObject({
      nbDomainName: 'COSMO',
      nbComputerName: 'COSMO-OCS-R2',
      dnsDomainName: 'cosmo.local',
      dnsComputerName: 'cosmo-ocs-r2.cosmo.local',
      dnsTreeName: 'cosmo.local',
    });
    expect(c.targetInfo.timestamp).toBeUndefined();
    expect(c.targetInfo.pairs.map((p) => p.id)).toEqual([2, 1, 4, 3, 5]);
    expect(c.targetInfoBytes.length).toBe(150);
    expect(c.version).toEqual({ major: 5, minor: 2, build: 3790, revision: 15 });
  });

  it('encodes the same bytes from the same inputs (a simulated pool can send exactly what OCS sent)', () => {
    const encoded = encodeChallengeMessage({
      flags: OCS_R2_CHALLENGE_FLAGS,
      serverChallenge: bytes('dd1baaf4e7e218d1'),
      targetName: '',
      targetInfo: { nbDomainName: 'COSMO', nbComputerName: 'COSMO-OCS-R2', dnsDomainName: 'cosmo.local', dnsComputerName: 'cosmo-ocs-r2.cosmo.local', dnsTreeName: 'cosmo.local' },
    });
    expect(Buffer.from(encoded).toString('base64')).toBe(OCS_R2_CHALLENGE_B64);
  });

  it('the Communicator-side flag choice for that challenge is the recorded client flags 0x62988255', () => {
    expect(sipClientAuthenticateFlags(OCS_R2_CHALLENGE_FLAGS)?.toString(16)).toBe('62988255');
    expect(sipClientAuthenticateFlags(OCS_R2_CHALLENGE_FLAGS & ~NTLMSSP_NEGOTIATE_TARGET_INFO)).toBeUndefined();
  });

  it('writes MsvAvTimestamp last before MsvAvEOL, and omits TargetInfo and Version when their flags are clear', () => {
    const at = new Date('2009-06-01T12:00:00Z');
    const withTime = value(
      decodeChallengeMessage(
        encodeChallengeMessage({
          flags: OCS_R2_CHALLENGE_FLAGS,
          serverChallenge: new Uint8Array(8),
          targetName: 'UCLAB',
          targetInfo: { nbDomainName: 'UCLAB', nbComputerName: 'FE1', dnsDomainName: 'uc.lab', dnsComputerName: 'fe1.uc.lab', timestamp: at },
        }),
      ),
    );
    expect(withTime.targetName).toBe('UCLAB');
    expect(withTime.targetInfo.pairs.map((p) => p.id)).toEqual([2, 1, 4, 3, AV_ID.MsvAvTimestamp]);
    expect(filetimeToDate(withTime.targetInfo.timestamp!)).toEqual(at);

    const bare = encodeChallengeMessage({
      flags: NTLMSSP_NEGOTIATE_UNICODE,
      serverChallenge: new Uint8Array(8),
      targetName: '',
      targetInfo: { nbDomainName: 'D', nbComputerName: 'S' },
    });
    expect(bare.length).toBe(56);
    const decoded = value(decodeChallengeMessage(bare));
    expect(decoded.targetInfoBytes.length).toBe(0);
    expect(decoded.version).toBeUndefined();
  });

  it('decodes an OEM TargetName when NTLMSSP_NEGOTIATE_UNICODE is clear', () => {
    const encoded = encodeChallengeMessage({
      flags: NTLMSSP_NEGOTIATE_VERSION,
      serverChallenge: new Uint8Array(8),
      targetName: 'UCLAB',
      targetInfo: { nbDomainName: 'UCLAB', nbComputerName: 'FE1' },
    });
    expect(hex(encoded.subarray(56))).toBe(hex(new Uint8Array(Buffer.from('UCLAB', 'latin1'))));
    expect(value(decodeChallengeMessage(encoded)).targetName).toBe('UCLAB');
  });

  it('refuses malformed bytes with a CodecError, never a throw', () => {
    expect(failure(decodeChallengeMessage(recorded.subarray(0, 40)))).toMatch(/shorter than the 48-byte header/);
    const badSig = Uint8Array.from(recorded);
    badSig[0] = 0x41;
    expect(failure(decodeChallengeMessage(badSig))).toMatch(/NTLMSSP/);
    const badType = Uint8Array.from(recorded);
    badType[8] = 3;
    expect(failure(decodeChallengeMessage(badType))).toMatch(/expected MessageType 2, got 3/);
    expect(failure(decodeChallengeMessage(recorded.subarray(0, 120)))).toMatch(/TargetInfo \(150 bytes at 56\) runs past the end/);
    const noEol = Uint8Array.from(recorded);
    noEol.set([0xff, 0x00], recorded.length - 4); // the final AV_PAIR becomes an unknown id with length 0
    expect(failure(decodeChallengeMessage(noEol))).toMatch(/ends without MsvAvEOL/);
    const oddName = Uint8Array.from(recorded);
    oddName.set([1, 0, 1, 0], 12); // TargetName of 1 byte in a Unicode message
    expect(failure(decodeChallengeMessage(oddName))).toMatch(/odd length/);
  });
});

describe('AV pairs and FILETIME', () => {
  it('round-trips pairs and checks fixed sizes', () => {
    const list = encodeAvPairs([{ id: AV_ID.MsvAvFlags, value: bytes('02000000') }]);
    expect(hex(list)).toBe('0600040002000000' + '00000000');
    expect(value(decodeAvPairs(list)).flags).toBe(2);
    expect(failure(decodeAvPairs(encodeAvPairs([{ id: AV_ID.MsvAvTimestamp, value: bytes('0102') }])))).toMatch(/MsvAvTimestamp is 2 bytes/);
  });

  it('converts between Date and FILETIME ticks', () => {
    expect(dateToFiletime(new Date(0))).toBe(116444736000000000n);
    // The recorded client timestamp, 59519A1727B9CA01 little-endian.
    expect(filetimeToDate(0x01cab927179a5159n).toISOString()).toBe('2010-03-01T10:08:08.433Z');
  });
});

describe('AUTHENTICATE_MESSAGE fields', () => {
  it('lays out Domain, User, Workstation, LM, NT, session key after a 72-byte header, and decodes them', () => {
    const encoded = encodeAuthenticateFields({
      flags: NTLMSSP_NEGOTIATE_UNICODE,
      lmChallengeResponse: new Uint8Array(24).fill(1),
      ntChallengeResponse: new Uint8Array(24).fill(2),
      domain: 'D',
      user: 'U',
      workstation: 'W',
      encryptedRandomSessionKey: new Uint8Array(0),
    });
    const view = new DataView(encoded.buffer);
    expect(view.getUint32(32, true)).toBe(72); // DomainName offset
    expect(view.getUint32(16, true)).toBe(78); // LmChallengeResponse after the three 2-byte names
    const decoded = value(decodeAuthenticateMessage(encoded));
    expect(decoded).toMatchObject({ domain: 'D', user: 'U', workstation: 'W' });
    expect(decoded.ntlmv2).toBeUndefined();
    expect(decoded.version).toBeUndefined();
  });

  it('reads a MIC when the NTLMv2 AV pairs announce one (MsvAvFlags bit 0x2)', () => {
    const avPairs = encodeAvPairs([{ id: AV_ID.MsvAvFlags, value: bytes('02000000') }]);
    const nt = new Uint8Array(16 + 28 + avPairs.length + 4);
    nt.set([1, 1], 16);
    nt.set(avPairs, 44);
    const mic = new Uint8Array(16).fill(0xab);
    const encoded = encodeAuthenticateFields({
      flags: NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_VERSION,
      lmChallengeResponse: new Uint8Array(24),
      ntChallengeResponse: nt,
      domain: 'D',
      user: 'U',
      workstation: 'W',
      encryptedRandomSessionKey: new Uint8Array(0),
      mic,
    });
    expect(new DataView(encoded.buffer).getUint32(32, true)).toBe(88);
    expect(hex(value(decodeAuthenticateMessage(encoded)).mic!)).toBe(hex(mic));
  });

  it('refuses a truncated message and an NTLMv2 response without MsvAvEOL', () => {
    expect(failure(decodeAuthenticateMessage(new Uint8Array(30)))).toMatch(/shorter than the 64-byte header/);
    const broken = encodeAuthenticateFields({
      flags: NTLMSSP_NEGOTIATE_UNICODE,
      lmChallengeResponse: new Uint8Array(24),
      ntChallengeResponse: new Uint8Array(50).fill(0x11),
      domain: 'D',
      user: 'U',
      workstation: 'W',
      encryptedRandomSessionKey: new Uint8Array(0),
    });
    expect(failure(decodeAuthenticateMessage(broken))).toMatch(/runs past the end of TargetInfo|ends without MsvAvEOL/);
  });
});
