import { sipaeSignatureInput } from '../../protocols/ntlm';
import { parseCSeq, parseNameAddr, uriOf } from '../../protocols/sip';
import type { Result } from '../../kernel/errors';
import type { NameAddr, SipMessage } from '../../protocols/sip';

/** The `tag` of a parsed From or To (what `getTag` reads, without parsing the value a second time). */
const tagOf = (n: Result<NameAddr>): string => (n.ok ? (n.value.params.tag ?? '') : '');

/**
 * The [MS-SIPAE] §3.2.5.1.2 signature input of a SIP message, with the signer's rand and num: the fields read off
 * the message as the pool and Communicator both sign and check them (docs/protocols/sign-in.md §4).
 */
export function sipaeInputOf(message: SipMessage, o: { rand: string; num: string; realm: string; targetName: string; version: 2 | 3 | 4 }): string {
  const from = parseNameAddr(message.headers.get('From') ?? '');
  const to = parseNameAddr(message.headers.get('To') ?? '');
  const cseq = parseCSeq(message.headers.get('CSeq') ?? '');
  const pai = message.headers.getAll('P-Asserted-Identity').map((v) => uriOf(v));
  const paiSip = pai.find((u) => u.startsWith('sip:'));
  const paiTel = pai.find((u) => u.startsWith('tel:'));
  const expires = message.headers.get('Expires');
  return sipaeSignatureInput(o.version, {
    protocol: 'NTLM',
    rand: o.rand,
    num: o.num,
    realm: o.realm,
    targetName: o.targetName,
    callId: message.headers.get('Call-ID') ?? '',
    cseq: cseq.ok ? String(cseq.value.seq) : '',
    method: cseq.ok ? cseq.value.method : '',
    fromUri: from.ok ? from.value.uri : '',
    fromTag: tagOf(from),
    toUri: to.ok ? to.value.uri : '',
    toTag: tagOf(to),
    ...(paiSip !== undefined ? { paiSip } : {}),
    ...(paiTel !== undefined ? { paiTel } : {}),
    ...(expires !== undefined ? { expires } : {}),
    ...(message.kind === 'response' ? { responseCode: message.status } : {}),
  });
}
