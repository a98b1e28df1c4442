import type { Clock } from '../../kernel/clock';
import type { Random } from '../../kernel/random';
import { parseNameAddr } from '../../protocols/sip';
import { sipaeInputOf } from '../shared/sipae-input';
import type { SipMessage, SipRequest } from '../../protocols/sip';
import {
  decodeAuthenticateMessage,
  encodeChallengeMessage,
  formatAuthParams,
  makeSignature,
  OCS_R2_CHALLENGE_FLAGS,
  parseAuthParams,
  sessionKeys,
  sipaeResponse,
  verifyAuthenticate,
  verifySignature,
} from '../../protocols/ntlm';
import type { SessionKeys } from '../../protocols/ntlm';

/** [MS-SIPAE] §3.3.3: the realm OCS names in every challenge. */
export const SIP_REALM = 'SIP Communications Service';
/** The version of [MS-SIPAE] OCS 2007 R2 implements (the recorded R2 exchange uses 4). */
const SIPAE_VERSION = 4 as const;
/** SIPE and Communicator sign with NTLM sequence number 100 on every message (docs/protocols/sign-in.md §4). */
const SIGNATURE_SEQUENCE = 100;

/**
 * The NTLM flags the pool's CHALLENGE offers: connectionless NTLM has no NEGOTIATE, so the server chooses; these are
 * the flags of the recorded OCS 2007 R2 challenge (a Windows Server 2003 host; docs/protocols/sign-in.md §2).
 */
const CHALLENGE_FLAGS = OCS_R2_CHALLENGE_FLAGS;

interface SecurityAssociation {
  readonly opaque: string;
  readonly connectionId: string;
  state: 'challenged' | 'established';
  readonly serverChallenge: Uint8Array;
  keys?: SessionKeys;
  flags: number;
  /** The address of record the account signed in as. */
  aor?: string;
  snum: number;
}

export interface ClientAuthDeps {
  readonly clock: Clock;
  readonly random: Random;
  /** The pool's FQDN: the `targetname` of every challenge. */
  readonly targetName: string;
  /** The AD domain: NetBIOS name (the logon domain) and DNS name. */
  readonly netbiosDomain: string;
  readonly dnsDomain: string;
  /** The front end's NetBIOS computer name. */
  readonly computerName: string;
  /** The AD account with this logon name (and domain), its password and its SIP address; undefined: none. */
  account(logon: string, domain: string): { password: string; aor: string } | undefined;
}

/** What the pool does with a REGISTER from a client, as far as authentication goes. */
export type RegisterAuthentication =
  | { kind: 'challenge'; headers: [string, string][] }
  | { kind: 'authenticated'; aor: string };

/**
 * Client authentication of an OCS 2007 R2 front end ([MS-SIPAE]; docs/protocols/sign-in.md §1–§4): NTLM in three
 * legs on REGISTER (a challenge naming the realm and target, then the CHALLENGE_MESSAGE with an `opaque` naming
 * the security association, then the client's AUTHENTICATE_MESSAGE), one security association per client
 * connection, every later request from the client verified against its signature (`crand`, `cnum`, `response`),
 * and every final response and every request the pool sends on that connection signed (`Authentication-Info` with
 * `rspauth`, `srand`, `snum`). A wrong password and an unknown account get the same answer: the first challenge
 * again. Kerberos is not offered (not modelled).
 */
export class ClientAuthenticator {
  private readonly byConnection = new Map<string, SecurityAssociation>();

  constructor(private readonly deps: ClientAuthDeps) {}

  /** The user an established security association signed in, for this connection. */
  authenticatedAor(connectionId: string | undefined): string | undefined {
    const sa = connectionId === undefined ? undefined : this.byConnection.get(connectionId);
    return sa?.state === 'established' ? sa.aor : undefined;
  }

  closed(connectionId: string): void {
    this.byConnection.delete(connectionId);
  }

  /** The challenge that starts (or restarts) the handshake: 401 with these headers ([MS-SIPAE] §3.3.5.1). */
  challenge(): [string, string][] {
    return [
      ['Date', this.deps.clock.date().toUTCString()],
      ['WWW-Authenticate', formatAuthParams('NTLM', { realm: quoted(SIP_REALM), targetname: quoted(this.deps.targetName), version: String(SIPAE_VERSION) })],
    ];
  }

  register(request: SipRequest, connectionId: string | undefined): RegisterAuthentication {
    if (connectionId === undefined) return { kind: 'challenge', headers: this.challenge() };
    const auth = this.ntlmCredentials(request);
    const sa = this.byConnection.get(connectionId);
    if (!auth) {
      this.byConnection.delete(connectionId);
      return { kind: 'challenge', headers: this.challenge() };
    }
    if (sa?.state === 'established' && auth.opaque === sa.opaque && auth['gssapi-data'] === undefined) {
      return this.verify(request, connectionId) && sa.aor !== undefined ? { kind: 'authenticated', aor: sa.aor } : this.restart(connectionId);
    }
    const token = auth['gssapi-data'];
    if (token === undefined) return this.restart(connectionId);
    if (token === '' || sa === undefined || auth.opaque !== sa.opaque) return this.startHandshake(connectionId);
    return this.finishHandshake(request, sa, token, auth);
  }

  /** A request other than REGISTER from a client connection: signed by the connection's security association? */
  verify(request: SipRequest, connectionId: string | undefined): boolean {
    const sa = connectionId === undefined ? undefined : this.byConnection.get(connectionId);
    if (sa?.state !== 'established' || !sa.keys) return false;
    const auth = this.ntlmCredentials(request);
    if (!auth || auth.opaque !== sa.opaque || auth.crand === undefined || auth.cnum === undefined || auth.response === undefined) return false;
    const input = signatureInput(request, { rand: auth.crand, num: auth.cnum, targetName: this.deps.targetName });
    return verifySignature(sa.keys.clientSigningKey, sa.keys.clientSealingKey, SIGNATURE_SEQUENCE, new TextEncoder().encode(input), sa.flags, hexBytes(auth.response));
  }

  /**
   * Signs a message the pool sends on a client connection with an established security association: every final
   * response and every request (OCS leaves provisional responses unsigned; docs/protocols/sign-in.md §4).
   */
  sign(message: SipMessage, connectionId: string | undefined): void {
    const sa = connectionId === undefined ? undefined : this.byConnection.get(connectionId);
    if (sa?.state !== 'established' || !sa.keys) return;
    if (message.kind === 'response' && message.status < 200) return;
    message.headers.remove('Authentication-Info');
    sa.snum++;
    const srand = hexOf(randomBytes(this.deps.random, 4));
    const input = signatureInput(message, { rand: srand, num: String(sa.snum), targetName: this.deps.targetName });
    const signature = makeSignature(sa.keys.serverSigningKey, sa.keys.serverSealingKey, SIGNATURE_SEQUENCE, new TextEncoder().encode(input), sa.flags);
    message.headers.append(
      'Authentication-Info',
      formatAuthParams('NTLM', {
        rspauth: quoted(sipaeResponse(signature).toUpperCase()),
        srand: quoted(srand),
        snum: quoted(String(sa.snum)),
        opaque: quoted(sa.opaque),
        qop: quoted('auth'),
        targetname: quoted(this.deps.targetName),
        realm: quoted(SIP_REALM),
      }),
    );
  }

  /** Removes the client's credentials for this server from a request the pool forwards ([MS-SIPAE] §3.3.5.2). */
  stripCredentials(request: SipRequest): void {
    for (const name of ['Authorization', 'Proxy-Authorization']) {
      const kept = request.headers.getAll(name).filter((v) => {
        const parsed = parseAuthParams(v);
        return !(parsed && unquote(parsed.params.targetname) === this.deps.targetName && unquote(parsed.params.realm) === SIP_REALM);
      });
      request.headers.remove(name);
      for (const v of kept) request.headers.append(name, v);
    }
  }

  private restart(connectionId: string): RegisterAuthentication {
    this.byConnection.delete(connectionId);
    return { kind: 'challenge', headers: this.challenge() };
  }

  private startHandshake(connectionId: string): RegisterAuthentication {
    const serverChallenge = randomBytes(this.deps.random, 8);
    const opaque = hexOf(randomBytes(this.deps.random, 4));
    const sa: SecurityAssociation = { opaque, connectionId, state: 'challenged', serverChallenge, flags: CHALLENGE_FLAGS, snum: 0 };
    this.byConnection.set(connectionId, sa);
    // As the recorded OCS 2007 R2 challenge: an empty TargetName, the AD names as AV pairs, no timestamp.
    const challenge = encodeChallengeMessage({
      flags: CHALLENGE_FLAGS,
      serverChallenge,
      targetName: '',
      targetInfo: {
        nbDomainName: this.deps.netbiosDomain,
        nbComputerName: this.deps.computerName,
        dnsDomainName: this.deps.dnsDomain,
        dnsComputerName: this.deps.targetName,
        dnsTreeName: this.deps.dnsDomain,
      },
    });
    return {
      kind: 'challenge',
      headers: [
        ['Date', this.deps.clock.date().toUTCString()],
        [
          'WWW-Authenticate',
          formatAuthParams('NTLM', {
            opaque: quoted(opaque),
            'gssapi-data': quoted(Buffer.from(challenge).toString('base64')),
            targetname: quoted(this.deps.targetName),
            realm: quoted(SIP_REALM),
            version: String(SIPAE_VERSION),
          }),
        ],
      ],
    };
  }

  private finishHandshake(request: SipRequest, sa: SecurityAssociation, token: string, auth: Record<string, string | undefined>): RegisterAuthentication {
    const decoded = decodeAuthenticateMessage(new Uint8Array(Buffer.from(token, 'base64')));
    if (!decoded.ok) return this.restart(sa.connectionId);
    const account = this.deps.account(decoded.value.user, decoded.value.domain);
    const from = parseNameAddr(request.headers.get('From') ?? '');
    const aor = from.ok ? normalize(from.value.uri) : '';
    // An unknown account, a wrong password and an account that is not this address's all get the first challenge again.
    if (!account || normalize(account.aor) !== aor) return this.restart(sa.connectionId);
    const verified = verifyAuthenticate(decoded.value, { password: account.password, serverChallenge: sa.serverChallenge });
    if (!verified.ok) return this.restart(sa.connectionId);
    sa.keys = sessionKeys(verified.exportedSessionKey, decoded.value.flags);
    sa.flags = decoded.value.flags;
    sa.state = 'established';
    sa.aor = aor;
    // Version 4: the REGISTER that carries the AUTHENTICATE_MESSAGE is signed already.
    if (auth.response !== undefined && !this.verify(request, sa.connectionId)) return this.restart(sa.connectionId);
    return { kind: 'authenticated', aor };
  }

  /** The NTLM parameters of the request's Authorization or Proxy-Authorization for this server. */
  private ntlmCredentials(request: SipRequest): Record<string, string | undefined> | undefined {
    for (const name of ['Authorization', 'Proxy-Authorization']) {
      for (const value of request.headers.getAll(name)) {
        const parsed = parseAuthParams(value);
        if (!parsed || parsed.scheme.toUpperCase() !== 'NTLM') continue;
        const params = Object.fromEntries(Object.entries(parsed.params).map(([k, v]) => [k.toLowerCase(), unquote(v)]));
        if (params.realm !== SIP_REALM || params.targetname !== this.deps.targetName) continue;
        return params;
      }
    }
    return undefined;
  }
}

/** The [MS-SIPAE] signature input of a message, with the signer's rand and num, as the pool signs (version 4). */
function signatureInput(message: SipMessage, o: { rand: string; num: string; targetName: string }): string {
  return sipaeInputOf(message, { ...o, realm: SIP_REALM, version: SIPAE_VERSION });
}

const quoted = (v: string): string => `"${v}"`;

/** Bytes from the run's seeded random numbers: the lab's NTLM exchanges are the same in every run of a seed. */
function randomBytes(random: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function unquote(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function normalize(uri: string): string {
  return uri.toLowerCase().replace(/^sip:/, 'sip:').split(';')[0] ?? '';
}
