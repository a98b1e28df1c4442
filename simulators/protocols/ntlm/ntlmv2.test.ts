import { randomBytes } from 'node:crypto';
import {
  NTLMSSP_NEGOTIATE_DATAGRAM,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  OCS_R2_CHALLENGE_FLAGS,
  sipClientAuthenticateFlags,
} from './flags';
import { type ChallengeMessage, decodeAuthenticateMessage, decodeChallengeMessage, encodeChallengeMessage } from './messages';
import { buildAuthenticateMessage, computeNtlmv2Response, encodeAuthenticateMessage, ntowfv1, ntowfv2, verifyAuthenticate } from './ntlmv2';
import { Rc4, rc4 } from './rc4';
import { makeSignature, sessionKeys, verifySignature } from './session-security';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
function value<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * [MS-NLMP] 4.2.4 (NTLMv2 examples), common values 4.2.1: User "User", UserDom "Domain", Passwd "Password",
 * ServerChallenge 0123456789abcdef, ClientChallenge aa×8, Time 0, RandomSessionKey 55×16, challenge flags
 * 0xe28a8233, TargetInfo NetBIOS domain "Domain" and NetBIOS server "Server".
 */
const SPEC = {
  user: 'User',
  domain: 'Domain',
  password: 'Password',
  serverChallenge: bytes('0123456789abcdef'),
  clientChallenge: bytes('aaaaaaaaaaaaaaaa'),
  randomSessionKey: new Uint8Array(16).fill(0x55),
  challengeFlags: 0xe28a8233,
  /** The flags of the 4.2.4.3 AUTHENTICATE_MESSAGE. */
  authenticateFlags: 0xe2888235,
  targetInfo: bytes('02000c0044006f006d00610069006e00 01000c005300650072007600650072000000 0000'),
  plaintext: new Uint8Array(Buffer.from('Plaintext', 'utf16le')),
};

/** The 4.2.4.3 CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE (as transcribed in pidgin-sipe's sip-sec-ntlm-tests.c). */
const SPEC_CHALLENGE =
  '4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f' +
  '53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000';
const SPEC_AUTHENTICATE =
  '4e544c4d5353500003000000180018006c00000054005400840000000c000c00480000000800080054000000100010005c00000010001000' +
  'd8000000358288e20501280a0000000f44006f006d00610069006e00550073006500720043004f004d005000550054004500520086c35097' +
  'ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaa' +
  'aaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000c5dad2544fc97990' +
  '94ce1ce90bc9d03e';

describe('[MS-NLMP] 4.2.4 NTLMv2 example values', () => {
  it('4.2.4.1.1 NTOWFv2 (and the NT hash it is keyed with)', () => {
    expect(hex(ntowfv1('Password'))).toBe('a4f49c406510bdcab6824ee7c30fd852');
    expect(hex(ntowfv2(SPEC.password, SPEC.user, SPEC.domain))).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
    // The user name is upper-cased, the domain is not.
    expect(hex(ntowfv2(SPEC.password, 'user', SPEC.domain))).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
    expect(hex(ntowfv2(SPEC.password, SPEC.user, 'DOMAIN'))).not.toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('4.2.4.1.2 session base key, 4.2.4.2.1 LMv2 response, 4.2.4.2.2 NTLMv2 response', () => {
    const r = computeNtlmv2Response({
      responseKeyNt: ntowfv2(SPEC.password, SPEC.user, SPEC.domain),
      serverChallenge: SPEC.serverChallenge,
      clientChallenge: SPEC.clientChallenge,
      timestamp: 0n,
      serverName: SPEC.targetInfo,
    });
    expect(hex(r.sessionBaseKey)).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
    expect(hex(r.lmChallengeResponse)).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    expect(hex(r.ntProofStr)).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(hex(r.ntChallengeResponse)).toBe(
      '68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000' +
        '02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000',
    );
  });

  it('4.2.4.2.3 encrypted session key: RC4K(KeyExchangeKey = SessionBaseKey, RandomSessionKey)', () => {
    expect(hex(rc4(bytes('8de40ccadbc14a82f15cb0ad0de95ca3'), SPEC.randomSessionKey))).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
  });

  it('4.2.4.3 CHALLENGE_MESSAGE: encodes to the example bytes and decodes back', () => {
    const encoded = encodeChallengeMessage({
      flags: SPEC.challengeFlags,
      serverChallenge: SPEC.serverChallenge,
      targetName: 'Server',
      targetInfo: { nbDomainName: 'Domain', nbComputerName: 'Server' },
      version: { major: 6, minor: 0, build: 6000 },
    });
    expect(hex(encoded)).toBe(SPEC_CHALLENGE);
    const c = value(decodeChallengeMessage(encoded));
    expect(c.flags).toBe(SPEC.challengeFlags);
    expect(c.targetName).toBe('Server');
    expect(c.targetInfo).toMatchObject({ nbDomainName: 'Domain', nbComputerName: 'Server' });
    expect(hex(c.targetInfoBytes)).toBe(hex(SPEC.targetInfo));
    expect(c.version).toEqual({ major: 6, minor: 0, build: 6000, revision: 15 });
  });

  it('4.2.4.3 AUTHENTICATE_MESSAGE: the client side produces the example bytes; the server side accepts them', () => {
    const challenge = value(decodeChallengeMessage(bytes(SPEC_CHALLENGE)));
    const built = buildAuthenticateMessage({
      challenge,
      user: SPEC.user,
      domain: SPEC.domain,
      workstation: 'COMPUTER',
      password: SPEC.password,
      clientChallenge: SPEC.clientChallenge,
      timestamp: 0n,
      exportedSessionKey: SPEC.randomSessionKey,
      flags: SPEC.authenticateFlags,
      version: { major: 5, minor: 1, build: 2600 },
    });
    expect(hex(built.message)).toBe(SPEC_AUTHENTICATE);
    expect(hex(built.encryptedRandomSessionKey)).toBe('c5dad2544fc9799094ce1ce90bc9d03e');

    const auth = value(decodeAuthenticateMessage(built.message));
    expect(auth).toMatchObject({ flags: SPEC.authenticateFlags, user: 'User', domain: 'Domain', workstation: 'COMPUTER' });
    expect(auth.version).toEqual({ major: 5, minor: 1, build: 2600, revision: 15 });
    expect(auth.ntlmv2).toMatchObject({ respType: 1, hiRespType: 1, timestamp: 0n });
    expect(hex(auth.ntlmv2!.clientChallenge)).toBe('aaaaaaaaaaaaaaaa');
    const verified = verifyAuthenticate(auth, { password: SPEC.password, serverChallenge: SPEC.serverChallenge });
    expect(verified.ok && hex(verified.exportedSessionKey)).toBe(hex(SPEC.randomSessionKey));
    expect(verified.ok && hex(verified.sessionBaseKey)).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
  });

  it('4.2.4.4 SIGNKEY and SEALKEY (client side), 128-bit', () => {
    const keys = sessionKeys(SPEC.randomSessionKey, SPEC.challengeFlags);
    expect(hex(keys.clientSigningKey)).toBe('4788dc861b4782f35d43fd98fe1a2d39');
    expect(hex(keys.clientSealingKey)).toBe('59f600973cc4960a25480a7c196e4c58');
  });

  it('4.2.4.4 GSS_WrapEx: sealing then signing on one connection-oriented RC4 handle gives the example signature', () => {
    const keys = sessionKeys(SPEC.randomSessionKey, SPEC.challengeFlags);
    const handle = new Rc4(keys.clientSealingKey);
    expect(hex(handle.update(SPEC.plaintext))).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
    const signature = makeSignature(keys.clientSigningKey, keys.clientSealingKey, 0, SPEC.plaintext, SPEC.challengeFlags, handle);
    expect(hex(signature)).toBe('010000007fb38ec5c55d497600000000');
    // The un-encrypted checksum of the example, HMAC_MD5(SigningKey, SeqNum ‖ Message)[0..7]: what MAC gives without KEY_EXCH.
    const plainChecksum = makeSignature(keys.clientSigningKey, keys.clientSealingKey, 0, SPEC.plaintext, SPEC.challengeFlags & ~NTLMSSP_NEGOTIATE_KEY_EXCH);
    expect(hex(plainChecksum)).toBe('0100000070352851f256430900000000');
  });
});

describe('[MS-NLMP] 3.4 connectionless signatures and the 56/40-bit sealing keys', () => {
  const flags = (OCS_R2_CHALLENGE_FLAGS | NTLMSSP_NEGOTIATE_DATAGRAM) >>> 0;

  it('re-keys RC4 per message with MD5(SealingKey ‖ SeqNum), so signatures do not depend on earlier messages', () => {
    const keys = sessionKeys(SPEC.randomSessionKey, flags);
    const a = makeSignature(keys.clientSigningKey, keys.clientSealingKey, 7, 'first', flags);
    makeSignature(keys.clientSigningKey, keys.clientSealingKey, 8, 'second', flags);
    expect(hex(makeSignature(keys.clientSigningKey, keys.clientSealingKey, 7, 'first', flags))).toBe(hex(a));
    expect(hex(a).slice(24)).toBe('07000000');
    expect(verifySignature(keys.clientSigningKey, keys.clientSealingKey, 7, 'first', flags, a)).toBe(true);
    expect(verifySignature(keys.clientSigningKey, keys.clientSealingKey, 8, 'first', flags, a)).toBe(false);
    expect(verifySignature(keys.clientSigningKey, keys.clientSealingKey, 7, 'firsT', flags, a)).toBe(false);
    expect(verifySignature(keys.serverSigningKey, keys.serverSealingKey, 7, 'first', flags, a)).toBe(false);
  });

  it('cuts the sealing key input to 7 bytes (56-bit) or 5 bytes (40-bit) without NTLMSSP_NEGOTIATE_128', () => {
    const key = bytes('000102030405060708090a0b0c0d0e0f');
    const k128 = sessionKeys(key, 0xe2088000 >>> 0).clientSealingKey;
    const k56 = sessionKeys(key, 0x82088000 >>> 0).clientSealingKey;
    const k40 = sessionKeys(key, 0x02088000 >>> 0).clientSealingKey;
    // Only the bytes SEALKEY keeps matter.
    const other = bytes('000102030405069999999999999999ff');
    expect(hex(sessionKeys(other, 0x82088000 >>> 0).clientSealingKey)).toBe(hex(k56));
    expect(hex(sessionKeys(other, 0xe2088000 >>> 0).clientSealingKey)).not.toBe(hex(k128));
    expect(new Set([hex(k128), hex(k56), hex(k40)]).size).toBe(3);
    // Signing keys always use all 16 bytes.
    expect(hex(sessionKeys(other, 0x82088000 >>> 0).clientSigningKey)).not.toBe(hex(sessionKeys(key, 0x82088000 >>> 0).clientSigningKey));
  });
});

describe('NTLMv2 round trip: simulated Communicator → simulated pool', () => {
  const challengeBytes = encodeChallengeMessage({
    flags: OCS_R2_CHALLENGE_FLAGS,
    serverChallenge: bytes('1122334455667788'),
    targetName: '',
    targetInfo: {
      nbDomainName: 'UCLAB',
      nbComputerName: 'OCS-FE1',
      dnsDomainName: 'uc.lab',
      dnsComputerName: 'ocs-fe1.uc.lab',
      dnsTreeName: 'uc.lab',
      timestamp: new Date('2009-06-01T12:00:00Z'),
    },
  });
  const challenge: ChallengeMessage = value(decodeChallengeMessage(challengeBytes));
  const flags = sipClientAuthenticateFlags(challenge.flags)!;
  const exportedSessionKey = new Uint8Array(randomBytes(16));
  const message = encodeAuthenticateMessage({
    challenge,
    user: 'alice',
    domain: 'UCLAB',
    workstation: 'ALICE-PC',
    password: 'Pa$$w0rd!',
    clientChallenge: new Uint8Array(randomBytes(8)),
    timestamp: new Date('2009-06-01T12:00:05Z'),
    exportedSessionKey,
    flags,
  });

  it('the pool recovers the client-chosen session key with the right password, and both sides agree on signatures', () => {
    const auth = value(decodeAuthenticateMessage(message));
    expect(auth).toMatchObject({ user: 'alice', domain: 'UCLAB', workstation: 'ALICE-PC', flags });
    expect(auth.ntlmv2!.avPairs.timestamp).toBe(challenge.targetInfo.timestamp);
    const verified = verifyAuthenticate(auth, { password: 'Pa$$w0rd!', serverChallenge: challenge.serverChallenge });
    if (!verified.ok) throw new Error(verified.reason);
    expect(hex(verified.exportedSessionKey)).toBe(hex(exportedSessionKey));

    const client = sessionKeys(exportedSessionKey, flags);
    const server = sessionKeys(verified.exportedSessionKey, auth.flags);
    const text = '<NTLM><0a1b2c3d><2><SIP Communications Service><ocs-fe1.uc.lab><c1><4><SUBSCRIBE><sip:alice@uc.lab><t1><sip:alice@uc.lab><><><><>';
    const sig = makeSignature(client.clientSigningKey, client.clientSealingKey, 100, text, flags);
    expect(verifySignature(server.clientSigningKey, server.clientSealingKey, 100, text, auth.flags, sig)).toBe(true);
  });

  it('a wrong password, a wrong user or a different server challenge fails', () => {
    const auth = value(decodeAuthenticateMessage(message));
    const wrong = verifyAuthenticate(auth, { password: 'pa$$w0rd!', serverChallenge: challenge.serverChallenge });
    expect(wrong).toEqual({ ok: false, reason: expect.stringMatching(/NTProofStr does not match for UCLAB\\alice/) });
    expect(verifyAuthenticate({ ...auth, user: 'bob' }, { password: 'Pa$$w0rd!', serverChallenge: challenge.serverChallenge }).ok).toBe(false);
    expect(verifyAuthenticate(auth, { password: 'Pa$$w0rd!', serverChallenge: bytes('8877665544332211') }).ok).toBe(false);
  });

  it('refuses an NTLM v1 response and a KEY_EXCH message without its session key', () => {
    const auth = value(decodeAuthenticateMessage(message));
    expect(verifyAuthenticate({ ...auth, ntChallengeResponse: new Uint8Array(24) }, { password: 'x', serverChallenge: challenge.serverChallenge })).toEqual({
      ok: false,
      reason: expect.stringMatching(/NTLM v1, not NTLMv2/),
    });
    expect(
      verifyAuthenticate({ ...auth, encryptedRandomSessionKey: new Uint8Array(0) }, { password: 'Pa$$w0rd!', serverChallenge: challenge.serverChallenge }),
    ).toEqual({ ok: false, reason: expect.stringMatching(/EncryptedRandomSessionKey is 0 bytes/) });
  });

  it('without KEY_EXCH the exported session key is the KeyExchangeKey, on both sides', () => {
    const noKeyExch = (flags & ~NTLMSSP_NEGOTIATE_KEY_EXCH) >>> 0;
    const built = buildAuthenticateMessage({
      challenge,
      user: 'alice',
      domain: 'UCLAB',
      workstation: 'ALICE-PC',
      password: 'secret',
      clientChallenge: bytes('0102030405060708'),
      timestamp: new Date('2009-06-01T12:00:05Z'),
      exportedSessionKey: new Uint8Array(16),
      flags: noKeyExch,
    });
    expect(built.encryptedRandomSessionKey.length).toBe(0);
    expect(hex(built.exportedSessionKey)).toBe(hex(built.sessionBaseKey));
    const verified = verifyAuthenticate(value(decodeAuthenticateMessage(built.message)), { password: 'secret', serverChallenge: challenge.serverChallenge });
    expect(verified.ok && hex(verified.exportedSessionKey)).toBe(hex(built.sessionBaseKey));
  });
});
