/**
 * The recorded Office Communicator 2007 R2 ↔ OCS 2007 R2 REGISTER exchange from pidgin-sipe's
 * sip-sec-ntlm-tests.c (account COSMO\User, password "Pa$$word", workstation COSMO-OCS-R2), reproduced end to
 * end: the AUTHENTICATE_MESSAGE, the signed strings, the client's `response` and the server's `rspauth`.
 */
import {
  NTLMSSP_NEGOTIATE_128,
  NTLMSSP_NEGOTIATE_56,
  NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
  NTLMSSP_NEGOTIATE_DATAGRAM,
  NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
  NTLMSSP_NEGOTIATE_IDENTIFY,
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_NTLM,
  NTLMSSP_NEGOTIATE_SIGN,
  NTLMSSP_NEGOTIATE_TARGET_INFO,
  NTLMSSP_NEGOTIATE_UNICODE,
  NTLMSSP_NEGOTIATE_VERSION,
  NTLMSSP_REQUEST_TARGET,
  OCS_R2_CHALLENGE_FLAGS,
  SIP_CLIENT_REQUIRED_FLAGS,
  sipClientAuthenticateFlags,
} from './flags';
import { decodeAuthenticateMessage, decodeChallengeMessage } from './messages';
import { encodeAuthenticateMessage, verifyAuthenticate } from './ntlmv2';
import { makeSignature, sessionKeys, verifySignature } from './session-security';
import {
  SIPAE_NTLM_SEQ_NUM,
  decodeAuthParams,
  formatAuthParams,
  parseAuthParams,
  parseSipaeSignature,
  sipaeResponse,
  sipaeRspauth,
  sipaeSignatureInput,
} from './sipae';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
function value<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

const CHALLENGE_B64 =
  'TlRMTVNTUAACAAAAAAAAADgAAADzgpji3Ruq9OfiGNEAAAAAAAAAAJYAlgA4AAAABQLODgAAAA8CAAoAQwBPAFMATQBPAAEAGABDAE8AUwBNAE8ALQBPAEMAUwAtAFIAMgAEABYAYwBvAHMAbQBvAC4AbABvAGMAYQBsAAMAMABjAG8AcwBtAG8ALQBvAGMAcwAtAHIAMgAuAGMAbwBzAG0AbwAuAGwAbwBjAGEAbAAFABYAYwBvAHMAbQBvAC4AbABvAGMAYQBsAAAAAAA=';
const AUTHENTICATE_B64 =
  'TlRMTVNTUAADAAAAGAAYAHIAAADGAMYAigAAAAoACgBIAAAACAAIAFIAAAAYABgAWgAAABAAEABQAQAAVYKYYgUCzg4AAAAPQwBPAFMATQBPAFUAcwBlAHIAQwBPAFMATQBPAC0ATwBDAFMALQBSADIAoeku/k4Hi/fFwASazGFmwtauh1yw/apBjcDIAK527KYG0rn769BHMQEBAAAAAAAAWVGaFye5ygHWrodcsP2qQQAAAAACAAoAQwBPAFMATQBPAAEAGABDAE8AUwBNAE8ALQBPAEMAUwAtAFIAMgAEABYAYwBvAHMAbQBvAC4AbABvAGMAYQBsAAMAMABjAG8AcwBtAG8ALQBvAGMAcwAtAHIAMgAuAGMAbwBzAG0AbwAuAGwAbwBjAGEAbAAFABYAYwBvAHMAbQBvAC4AbABvAGMAYQBsAAAAAAAAAAAAMctznhyoCkmFkeiueXEV5A==';

/** The REGISTER's Proxy-Authorization value and the 200 OK's Authentication-Info value, as recorded. */
const PROXY_AUTHORIZATION = `NTLM qop="auth", realm="SIP Communications Service", opaque="2BDBAC9D", targetname="cosmo-ocs-r2.cosmo.local", version=4, gssapi-data="${AUTHENTICATE_B64}", crand="13317733", cnum="1", response="0100000029618e9651b65a7764000000"`;
const AUTHENTICATION_INFO =
  'NTLM rspauth="01000000E615438A917661BE64000000", srand="9616454F", snum="1", opaque="2BDBAC9D", qop="auth", targetname="cosmo-ocs-r2.cosmo.local", realm="SIP Communications Service"';

/** The strings pidgin-sipe's test expects `sipmsg_breakdown_get_string(4, …)` to build from the two messages. */
const REQUEST_SIG =
  '<NTLM><13317733><1><SIP Communications Service><cosmo-ocs-r2.cosmo.local><4037df9284354df39065195bd57a4b14><3><REGISTER><sip:user@cosmo.local><3e49177a52><sip:user@cosmo.local><><><><>';
const RESPONSE_SIG =
  '<NTLM><9616454F><1><SIP Communications Service><cosmo-ocs-r2.cosmo.local><4037df9284354df39065195bd57a4b14><3><REGISTER><sip:user@cosmo.local><3e49177a52><sip:user@cosmo.local><5E61CCD925D17E043D9A74835A88F664><><><7200><200>';

describe('auth header values', () => {
  it('parses the recorded Proxy-Authorization and Authentication-Info, keeping wire order', () => {
    const pa = value(decodeAuthParams(PROXY_AUTHORIZATION));
    expect(pa.scheme).toBe('NTLM');
    expect(Object.keys(pa.params)).toEqual(['qop', 'realm', 'opaque', 'targetname', 'version', 'gssapi-data', 'crand', 'cnum', 'response']);
    expect(pa.params).toMatchObject({ version: '4', crand: '13317733', cnum: '1', response: '0100000029618e9651b65a7764000000' });
    const ai = value(decodeAuthParams(AUTHENTICATION_INFO));
    expect(ai.params).toMatchObject({ rspauth: '01000000E615438A917661BE64000000', srand: '9616454F', snum: '1', realm: 'SIP Communications Service' });
  });

  it('formats them back byte for byte (version bare, every other value quoted)', () => {
    const pa = value(decodeAuthParams(PROXY_AUTHORIZATION));
    expect(formatAuthParams(pa.scheme, pa.params)).toBe(PROXY_AUTHORIZATION);
    const ai = value(decodeAuthParams(AUTHENTICATION_INFO));
    expect(formatAuthParams('NTLM', ai.params)).toBe(AUTHENTICATION_INFO);
    // The [MS-SIPAE] 4.1 challenge form, with an explicit order and a numeric version.
    expect(
      formatAuthParams('NTLM', { version: 3, targetname: 'server.contoso.com', realm: 'SIP Communications Service' }, ['realm', 'targetname', 'version']),
    ).toBe('NTLM realm="SIP Communications Service", targetname="server.contoso.com", version=3');
    // Values the caller quoted already are written as they are.
    expect(formatAuthParams('NTLM', { qop: '"auth"', 'gssapi-data': '""', version: '4' })).toBe('NTLM qop="auth", gssapi-data="", version=4');
    expect(parseAuthParams('NTLM qop="auth"')).toEqual({ scheme: 'NTLM', params: { qop: 'auth' } });
    expect(formatAuthParams('NTLM', { 'gssapi-data': '', note: 'a "b" \\c' })).toBe('NTLM gssapi-data="", note="a \\"b\\" \\\\c"');
    expect(value(decodeAuthParams('NTLM note="a \\"b\\" \\\\c", X=1')).params).toEqual({ note: 'a "b" \\c', x: '1' });
  });

  it('refuses malformed values', () => {
    const bad = ['', 'realm="x"', 'NTLM realm', 'NTLM realm="x', 'NTLM realm="x" targetname="y"', 'NTLM a=1, a=2', 'NTLM a='];
    for (const v of bad) expect([v, decodeAuthParams(v).ok, parseAuthParams(v)]).toEqual([v, false, undefined]);
    expect(decodeAuthParams('NTLM realm="x" targetname="y"')).toEqual({ ok: false, error: expect.objectContaining({ protocol: 'ntlm', message: expect.stringMatching(/expected ','/) }) });
  });
});

describe('recorded OC 2007 R2 ↔ OCS 2007 R2 NTLM REGISTER', () => {
  const challenge = value(decodeChallengeMessage(new Uint8Array(Buffer.from(CHALLENGE_B64, 'base64'))));
  const pa = value(decodeAuthParams(PROXY_AUTHORIZATION));
  const authBytes = new Uint8Array(Buffer.from(pa.params['gssapi-data']!, 'base64'));
  const auth = value(decodeAuthenticateMessage(authBytes));

  it('the AUTHENTICATE_MESSAGE is NTLMv2 with key exchange, no MIC, TargetInfo echoed unchanged', () => {
    expect(auth).toMatchObject({ flags: 0x62988255, user: 'User', domain: 'COSMO', workstation: 'COSMO-OCS-R2' });
    expect(auth.flags).toBe(sipClientAuthenticateFlags(OCS_R2_CHALLENGE_FLAGS));
    expect(auth.flags & SIP_CLIENT_REQUIRED_FLAGS).toBe(SIP_CLIENT_REQUIRED_FLAGS);
    expect(auth.mic).toBeUndefined();
    expect(hex(auth.lmChallengeResponse)).toBe('a1e92efe4e078bf7c5c0049acc6166c2d6ae875cb0fdaa41');
    expect(hex(auth.ntlmv2!.ntProofStr)).toBe('8dc0c800ae76eca606d2b9fbebd04731');
    expect(hex(auth.ntlmv2!.clientChallenge)).toBe('d6ae875cb0fdaa41');
    expect(auth.ntlmv2!.timestamp).toBe(0x01cab927179a5159n);
    expect(hex(auth.encryptedRandomSessionKey)).toBe('31cb739e1ca80a498591e8ae797115e4');
    // Echoed TargetInfo = ntResponse[44 .. length-4].
    expect(hex(auth.ntChallengeResponse.subarray(44, auth.ntChallengeResponse.length - 4))).toBe(hex(challenge.targetInfoBytes));
  });

  it('the pool verifies it with the account password and unwraps the exported session key; a wrong password fails', () => {
    const ok = verifyAuthenticate(auth, { password: 'Pa$$word', serverChallenge: challenge.serverChallenge });
    expect(ok.ok).toBe(true);
    expect(verifyAuthenticate(auth, { password: 'Pa$$w0rd', serverChallenge: challenge.serverChallenge }).ok).toBe(false);
  });

  it('a simulated Communicator rebuilds the recorded AUTHENTICATE_MESSAGE byte for byte from the same inputs', () => {
    const verified = verifyAuthenticate(auth, { password: 'Pa$$word', serverChallenge: challenge.serverChallenge });
    if (!verified.ok) throw new Error(verified.reason);
    const rebuilt = encodeAuthenticateMessage({
      challenge,
      user: 'User',
      domain: 'COSMO',
      workstation: 'COSMO-OCS-R2',
      password: 'Pa$$word',
      clientChallenge: bytes('d6ae875cb0fdaa41'),
      timestamp: 0x01cab927179a5159n,
      exportedSessionKey: verified.exportedSessionKey,
      flags: sipClientAuthenticateFlags(challenge.flags)!,
    });
    expect(Buffer.from(rebuilt).toString('base64')).toBe(AUTHENTICATE_B64);
  });

  it('builds the recorded version-4 signature strings from the message fields', () => {
    const ai = value(decodeAuthParams(AUTHENTICATION_INFO));
    const common = {
      protocol: 'NTLM' as const,
      realm: 'SIP Communications Service',
      targetName: 'cosmo-ocs-r2.cosmo.local',
      callId: '4037df9284354df39065195bd57a4b14',
      cseq: '3',
      method: 'REGISTER',
      fromUri: 'sip:user@cosmo.local',
      fromTag: '3e49177a52',
      toUri: 'sip:user@cosmo.local',
    };
    expect(sipaeSignatureInput(4, { ...common, rand: pa.params.crand!, num: pa.params.cnum!, toTag: '' })).toBe(REQUEST_SIG);
    const response = { ...common, rand: ai.params.srand!, num: ai.params.snum!, toTag: '5E61CCD925D17E043D9A74835A88F664', expires: '7200', responseCode: 200 };
    expect(sipaeSignatureInput(4, response)).toBe(RESPONSE_SIG);
    expect(sipaeSignatureInput(3, response)).toBe(RESPONSE_SIG);
  });

  it('reproduces the client response 0100000029618e9651b65a7764000000 and the server rspauth, sequence number 100', () => {
    const verified = verifyAuthenticate(auth, { password: 'Pa$$word', serverChallenge: challenge.serverChallenge });
    if (!verified.ok) throw new Error(verified.reason);
    const keys = sessionKeys(verified.exportedSessionKey, auth.flags);
    const clientSig = makeSignature(keys.clientSigningKey, keys.clientSealingKey, SIPAE_NTLM_SEQ_NUM, REQUEST_SIG, auth.flags);
    expect(sipaeResponse(clientSig)).toBe('0100000029618e9651b65a7764000000');
    expect(sipaeResponse(clientSig)).toBe(pa.params.response);
    const serverSig = makeSignature(keys.serverSigningKey, keys.serverSealingKey, SIPAE_NTLM_SEQ_NUM, RESPONSE_SIG, auth.flags);
    expect(sipaeRspauth(serverSig)).toBe('01000000E615438A917661BE64000000');
    // SeqNum 100 = 0x64 is the last field of both.
    expect(hex(clientSig.subarray(12))).toBe('64000000');
  });

  it('each side verifies the other: lower-case response, upper-case rspauth; a changed field or key fails', () => {
    const verified = verifyAuthenticate(auth, { password: 'Pa$$word', serverChallenge: challenge.serverChallenge });
    if (!verified.ok) throw new Error(verified.reason);
    const keys = sessionKeys(verified.exportedSessionKey, auth.flags);
    const f = auth.flags;
    expect(verifySignature(keys.clientSigningKey, keys.clientSealingKey, 100, REQUEST_SIG, f, '0100000029618e9651b65a7764000000')).toBe(true);
    expect(verifySignature(keys.clientSigningKey, keys.clientSealingKey, 100, REQUEST_SIG, f, '0100000029618E9651B65A7764000000')).toBe(true);
    expect(verifySignature(keys.serverSigningKey, keys.serverSealingKey, 100, RESPONSE_SIG, f, '01000000E615438A917661BE64000000')).toBe(true);
    expect(verifySignature(keys.serverSigningKey, keys.serverSealingKey, 100, RESPONSE_SIG, f, '01000000e615438a917661be64000000')).toBe(true);
    expect(verifySignature(keys.serverSigningKey, keys.serverSealingKey, 100, RESPONSE_SIG.replace('<7200>', '<3600>'), f, '01000000E615438A917661BE64000000')).toBe(false);
    expect(verifySignature(keys.clientSigningKey, keys.clientSealingKey, 100, RESPONSE_SIG, f, '01000000E615438A917661BE64000000')).toBe(false);
    expect(verifySignature(keys.serverSigningKey, keys.serverSealingKey, 1, RESPONSE_SIG, f, '01000000E615438A917661BE64000000')).toBe(false);
    expect(verifySignature(keys.serverSigningKey, keys.serverSealingKey, 100, RESPONSE_SIG, f, 'not hex')).toBe(false);
    expect(value(parseSipaeSignature('01000000E615438A917661BE64000000')).length).toBe(16);
    expect(parseSipaeSignature('01000000E615438A917661BE640000').ok).toBe(false);
  });
});

describe('version 2 (OCS 2007, NTLM without extended session security), pidgin-sipe internal vector', () => {
  // pidgin-sipe signed a recorded OCS 2007 200 OK with its connectionless flag set (NEGOTIATE_FLAGS_CONNLESS)
  // minus extended session security, and the exported session key as the sealing key.
  const flags =
    (NTLMSSP_NEGOTIATE_UNICODE |
      NTLMSSP_REQUEST_TARGET |
      NTLMSSP_NEGOTIATE_SIGN |
      NTLMSSP_NEGOTIATE_DATAGRAM |
      NTLMSSP_NEGOTIATE_NTLM |
      NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
      NTLMSSP_NEGOTIATE_IDENTIFY |
      NTLMSSP_NEGOTIATE_TARGET_INFO |
      NTLMSSP_NEGOTIATE_VERSION |
      NTLMSSP_NEGOTIATE_128 |
      NTLMSSP_NEGOTIATE_KEY_EXCH |
      NTLMSSP_NEGOTIATE_56) >>>
    0;
  const key = bytes('5f029153bc025058969548615e7099ba');

  it('builds the shorter version-2 string and reproduces its rspauth', () => {
    const input = sipaeSignatureInput(2, {
      protocol: 'NTLM',
      rand: '0878F41B',
      num: '1',
      realm: 'SIP Communications Service',
      targetName: 'ocs1.ocs.provo.novell.com',
      callId: '8592g5DCBa1694i5887m0D0Bt2247b3F38xAE9Fx',
      cseq: '3',
      method: 'REGISTER',
      fromUri: 'sip:gabriel@ocs.provo.novell.com',
      fromTag: '2947328781',
      toUri: 'sip:gabriel@ocs.provo.novell.com',
      toTag: 'B816D65C2300A32CFA6D371F2AF537FD',
      expires: '900',
      responseCode: 200,
    });
    expect(input).toBe(
      '<NTLM><0878F41B><1><SIP Communications Service><ocs1.ocs.provo.novell.com><8592g5DCBa1694i5887m0D0Bt2247b3F38xAE9Fx><3><REGISTER><sip:gabriel@ocs.provo.novell.com><2947328781><B816D65C2300A32CFA6D371F2AF537FD><900><200>',
    );
    expect(flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY).toBe(0);
    const keys = sessionKeys(key, flags);
    expect(hex(keys.clientSealingKey)).toBe(hex(key));
    const sig = makeSignature(keys.serverSigningKey, keys.serverSealingKey, SIPAE_NTLM_SEQ_NUM, input, flags);
    expect(sipaeRspauth(sig)).toBe('0100000000000000BF2E52667DDF6DED');
    // The RandomPad field is not part of the check.
    expect(verifySignature(keys.serverSigningKey, keys.serverSealingKey, 100, input, flags, '01000000DEADBEEFBF2E52667DDF6DED')).toBe(true);
  });
});
