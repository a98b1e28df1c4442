import { DialogStore, SipDialog } from './dialog';
import { SipHeaders, createResponse, parseSipMessage, serializeSipMessage, type SipRequest } from './sip-message';

function invite(): SipRequest {
  const headers = new SipHeaders([
    ['Via', 'SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKd1'],
    ['Record-Route', '<sip:fe1.ocs.lab;transport=tcp;lr>'],
    ['Record-Route', '<sip:edge.ocs.lab;lr>'],
    ['Max-Forwards', '68'],
    ['From', '"Alice" <sip:alice@ocs.lab>;tag=a1'],
    ['To', '<sip:6002@cup.lab>'],
    ['Call-ID', 'dlg-1'],
    ['CSeq', '1 INVITE'],
    ['Contact', '<sip:alice@10.0.0.30:5060;transport=tcp>'],
  ]);
  return { kind: 'request', method: 'INVITE', uri: 'sip:6002@cup.lab', headers, body: '' };
}

describe('SipDialog', () => {
  test('UAC dialog from a 2xx: route set reversed, remote target from Contact, CSeq increments', () => {
    const req = invite();
    const ok = createResponse(req, 200, undefined, { toTag: 'c9', headers: [['Contact', '<sip:6002@10.0.0.40:5060;transport=tcp>']] });
    const d = SipDialog.fromUacResponse(req, ok);
    expect(d).toMatchObject({
      callId: 'dlg-1', localTag: 'a1', remoteTag: 'c9', localUri: 'sip:alice@ocs.lab', remoteUri: 'sip:6002@cup.lab',
      localSeq: 1, remoteSeq: undefined, remoteTarget: 'sip:6002@10.0.0.40:5060;transport=tcp',
      routeSet: ['<sip:edge.ocs.lab;lr>', '<sip:fe1.ocs.lab;transport=tcp;lr>'], secure: false, state: 'confirmed',
    });
    const info = d.createRequest('INFO', { body: '<MonitorStart/>', contentType: 'application/csta+xml', headers: [['Content-Disposition', 'signal;handling=required']] });
    expect(info.uri).toBe('sip:6002@10.0.0.40:5060;transport=tcp');
    expect(info.headers.getAll('Route')).toEqual(['<sip:edge.ocs.lab;lr>', '<sip:fe1.ocs.lab;transport=tcp;lr>']);
    expect(info.headers.get('CSeq')).toBe('2 INFO');
    expect(info.headers.get('From')).toBe('"Alice" <sip:alice@ocs.lab>;tag=a1');
    expect(info.headers.get('To')).toBe('<sip:6002@cup.lab>;tag=c9');
    expect(info.headers.get('Max-Forwards')).toBe('70');
    expect(info.headers.get('Contact')).toBe('<sip:alice@10.0.0.30:5060;transport=tcp>');
    expect(info.headers.get('Content-Type')).toBe('application/csta+xml');
    const reinvite = d.createRequest('INVITE');
    expect(reinvite.headers.get('CSeq')).toBe('3 INVITE');
    const ack = d.createRequest('ACK');
    expect(ack.headers.get('CSeq')).toBe('3 ACK');
    expect(ack.headers.has('Contact')).toBe(false);
    const bye = d.createRequest('BYE');
    expect(bye.headers.get('CSeq')).toBe('4 BYE');
    expect(bye.headers.has('Contact')).toBe(false);
    // Adding a Via makes it a valid wire request.
    bye.headers.prepend('Via', 'SIP/2.0/TCP 10.0.0.30:5060;branch=z9hG4bKbye');
    expect(parseSipMessage(serializeSipMessage(bye)).ok).toBe(true);
  });

  test('early dialog from a 18x is confirmed by the 2xx', () => {
    const req = invite();
    const d = SipDialog.fromUacResponse(req, createResponse(req, 180, undefined, { toTag: 'c9' }));
    expect(d.state).toBe('early');
    d.receiveResponse(createResponse(req, 200, undefined, { toTag: 'c9', headers: [['Contact', '<sip:new@10.0.0.41>']] }), 'INVITE');
    expect(d.state).toBe('confirmed');
    expect(d.remoteTarget).toBe('sip:new@10.0.0.41');
  });

  test('strict route: first route becomes the Request-URI, remote target goes last in Route', () => {
    const req = invite();
    req.headers.remove('Record-Route').append('Record-Route', '<sip:strict.lab>, <sip:p2.lab;lr>');
    const ok = createResponse(req, 200, undefined, { toTag: 't', headers: [['Contact', '<sip:b@10.0.0.9>']] });
    const d = SipDialog.fromUacResponse(req, ok);
    expect(d.routeSet).toEqual(['<sip:p2.lab;lr>', '<sip:strict.lab>']);
    // Reverse it into a strict-first set for the UAS view:
    const uas = SipDialog.fromUasRequest({ ...req, headers: req.headers.clone().set('Record-Route', '<sip:strict.lab>, <sip:p2.lab;lr>') }, 'u1');
    const bye = uas.createRequest('BYE');
    expect(bye.uri).toBe('sip:strict.lab');
    expect(bye.headers.getAll('Route')).toEqual(['<sip:p2.lab;lr>', '<sip:alice@10.0.0.30:5060;transport=tcp>']);
  });

  test('UAS dialog: route set in order, remote CSeq checked (§12.2.2)', () => {
    const req = invite();
    const d = SipDialog.fromUasRequest(req, 'u7', { localContact: '<sip:6002@10.0.0.40:5060;transport=tcp>' });
    expect(d).toMatchObject({ localTag: 'u7', remoteTag: 'a1', localUri: 'sip:6002@cup.lab', remoteUri: 'sip:alice@ocs.lab', localSeq: undefined, remoteSeq: 1, remoteTarget: 'sip:alice@10.0.0.30:5060;transport=tcp' });
    expect(d.routeSet).toEqual(['<sip:fe1.ocs.lab;transport=tcp;lr>', '<sip:edge.ocs.lab;lr>']);
    const info = (seq: number, method = 'INFO'): SipRequest => {
      const r = invite();
      r.method = method;
      r.headers.set('CSeq', `${seq} ${method}`).set('To', '<sip:6002@cup.lab>;tag=u7');
      return r;
    };
    expect(d.receiveRequest(info(3))).toBe(true);
    expect(d.remoteSeq).toBe(3);
    expect(d.receiveRequest(info(2))).toBe(false);
    expect(d.receiveRequest(info(1, 'ACK'))).toBe(true);
    const first = d.createRequest('INFO');
    expect(first.headers.get('CSeq')).toBe('1 INFO');
    expect(first.headers.get('From')).toBe('<sip:6002@cup.lab>;tag=u7');
    expect(first.headers.get('To')).toBe('"Alice" <sip:alice@ocs.lab>;tag=a1');
    expect(first.headers.getAll('Route')).toEqual(['<sip:fe1.ocs.lab;transport=tcp;lr>', '<sip:edge.ocs.lab;lr>']);
    // Target refresh by re-INVITE.
    const re = info(4, 'INVITE');
    re.headers.set('Contact', '<sip:alice@10.0.0.31:5060>');
    expect(d.receiveRequest(re)).toBe(true);
    expect(d.remoteTarget).toBe('sip:alice@10.0.0.31:5060');
  });
});

describe('DialogStore', () => {
  test('matches requests and responses by Call-ID and tags as seen from this side', () => {
    const req = invite();
    const store = new DialogStore();
    const uas = SipDialog.fromUasRequest(req, 'u7');
    store.add(uas);
    expect(store.size).toBe(1);
    const inDialog = invite();
    inDialog.headers.set('To', '<sip:6002@cup.lab>;tag=u7');
    expect(store.match(inDialog)).toBe(uas);
    expect(store.match(invite())).toBeUndefined();

    const uacStore = new DialogStore();
    const uac = SipDialog.fromUacResponse(req, createResponse(req, 200, undefined, { toTag: 'c9' }));
    uacStore.add(uac);
    expect(uacStore.match(createResponse(req, 200, undefined, { toTag: 'c9' }))).toBe(uac);
    expect(uacStore.match(createResponse(req, 200, undefined, { toTag: 'other' }))).toBeUndefined();
    expect(uacStore.all()).toEqual([uac]);
    expect(uacStore.remove(uac)).toBe(true);
    expect(uacStore.size).toBe(0);
  });
});
