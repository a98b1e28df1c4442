import type { LabRuntime } from '../../harness/lab/lab-runtime';
import { NtlmClient } from '../../simulators/nodes/oc-client/ntlm-client';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A raw SIP client over one TCP connection from a lab host, for tests that speak the wire themselves. */
export interface RawSipClient {
  readonly address: string;
  /** Sends a message as is (`signed`: through the NTLM client, which signs it once signed in). */
  send(message: string, opts?: { signed?: boolean }): void;
  /** The next received message whose start line matches (already received ones first). */
  next(startLine: RegExp): Promise<string>;
  /** The connection ends (the peer's FIN is sent). */
  end(): void;
  readonly ntlm: NtlmClient;
}

export async function connectRaw(lab: LabRuntime, fromHost: string, toHost: string, account = { logon: 'alice', domain: 'UC', password: 'Pass@word1' }): Promise<RawSipClient> {
  const from = lab.network.host(fromHost);
  const conn = await lab.driver.complete(from.connectTcp({ address: lab.network.host(toHost).address, port: 5060 }), 5000, 'connect');
  const ntlm = new NtlmClient({ clock: lab.driver.clock, random: () => 0.5, ...account, workstation: fromHost.toUpperCase() });
  const seen: string[] = [];
  const waiters: { re: RegExp; resolve: (m: string) => void }[] = [];
  let buffer = '';
  conn.onData((d) => {
    buffer += text(d);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\nContent-Length: *(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const raw = buffer.slice(0, end + 4 + length);
      buffer = buffer.slice(end + 4 + length);
      const message = ntlm.incoming(raw) ?? raw;
      const w = waiters.findIndex((x) => x.re.test(message.split('\r\n')[0] ?? ''));
      if (w >= 0) waiters.splice(w, 1)[0]?.resolve(message);
      else seen.push(message);
    }
  });
  return {
    address: from.address,
    ntlm,
    send: (m, opts = {}) => conn.write(new TextEncoder().encode(opts.signed ? ntlm.outgoing(m) : m)),
    next: (re) => {
      const i = seen.findIndex((m) => re.test(m.split('\r\n')[0] ?? ''));
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0] ?? '');
      return lab.driver.complete(new Promise<string>((resolve) => waiters.push({ re, resolve })), 5000, `a message like ${re}`);
    },
    end: () => conn.end(),
  };
}

export function sipMessage(lines: string[], body = ''): string {
  return [...lines, `Content-Length: ${new TextEncoder().encode(body).length}`, '', body].join('\r\n');
}

/** A REGISTER of sip:<user>@uc.lab (alice by default) from the client, with these credentials (an Authorization value). */
export function aliceRegister(c: { address: string }, cseq: number, credentials?: string, extra: string[] = [], user = 'alice'): string {
  return sipMessage([
    'REGISTER sip:uc.lab SIP/2.0',
    `Via: SIP/2.0/TCP ${c.address}:15080;branch=z9hG4bKreg${cseq};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@uc.lab>;tag=reg1;epid=01010101`,
    `To: <sip:${user}@uc.lab>`,
    `Call-ID: raw-reg-${user}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${user}@${c.address}:15080;transport=tcp>`,
    'Supported: gruu-10, adhoclist, msrtc-event-categories',
    'ms-keep-alive: UAC;hop-hop=yes',
    ...extra,
    ...(credentials !== undefined ? [`Authorization: ${credentials}`] : []),
  ]);
}

/**
 * Signs alice in over the raw connection as Communicator does: REGISTER, the three NTLM legs, the signed 200.
 * Returns the 200 (or the last answer when sign-in failed).
 */
export async function ntlmSignIn(c: RawSipClient, extra: string[] = [], user = 'alice'): Promise<string> {
  let credentials: string | undefined;
  for (let cseq = 1; cseq <= 4; cseq++) {
    c.send(aliceRegister(c, cseq, credentials, extra, user), { signed: true });
    const answer = await c.next(/^SIP\/2\.0 /);
    if (!answer.startsWith('SIP/2.0 401')) return answer;
    const challenges = answer.split('\r\n').filter((l) => /^WWW-Authenticate:/i.test(l)).map((l) => l.replace(/^WWW-Authenticate:\s*/i, ''));
    credentials = c.ntlm.nextRegisterCredentials({ wwwAuthenticate: challenges });
    if (credentials === undefined) return answer;
  }
  return 'no 200 after four legs';
}

/** An out-of-dialog request from a raw client's user (`epid` as Communicator sends it), ready to write. */
export function request(c: RawSipClient, user: string, method: string, uri: string, callId: string, headers: string[], body = ''): string {
  return sipMessage(
    [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/TCP ${c.address}:15080;branch=z9hG4bK${callId};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@uc.lab>;tag=${callId}t;epid=0202`,
      `To: <${uri}>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:${user}@${c.address}:15080;transport=tcp>`,
      ...headers,
    ],
    body,
  );
}
