import type { SipUri } from '../../protocols/sip';
import { PoolStore } from './pool-store';
import type { PoolChange } from './pool-store';

const user = { userId: 'alice', sipUri: 'sip:Alice@uc.lab', displayName: 'Alice', password: 'p', rcc: { enabled: true, serverUri: 'sip:cup.uc.lab', lineUri: 'tel:+14085551001' } };
const contact = (host: string): SipUri => ({ scheme: 'sip', user: 'alice', host, params: {}, headers: {} });

describe('PoolStore', () => {
  it('holds the directory once for every front end, keyed by the normalized address', () => {
    const store = new PoolStore([user], (uri) => uri.toLowerCase());
    expect(store.directory.get('sip:alice@uc.lab')?.rcc.lineUri).toBe('tel:+14085551001');
  });

  it('announces a change to every attached front end, once per change, and moves the counters once', () => {
    const store = new PoolStore([], (uri) => uri);
    const heard: string[] = [];
    const fe = (address: string) => ({ address, changed: (what: PoolChange, aor: string) => void heard.push(`${address} ${what} ${aor}`) });
    const fe1 = fe('192.0.2.61');
    store.attach(fe1);
    store.attach(fe('192.0.2.62'));
    store.changed('roaming', 'sip:alice@uc.lab');
    store.changed('registration', 'sip:alice@uc.lab');
    expect(heard).toEqual(['192.0.2.61 roaming sip:alice@uc.lab', '192.0.2.62 roaming sip:alice@uc.lab', '192.0.2.61 registration sip:alice@uc.lab', '192.0.2.62 registration sip:alice@uc.lab']);
    expect([store.presenceRevision.get('sip:alice@uc.lab'), store.roamingRevision.get('sip:alice@uc.lab'), store.bindingRevision.get('sip:alice@uc.lab')]).toEqual([1, 1, 1]);
    store.detach(fe1);
    expect([store.isFrontEnd('192.0.2.61'), store.isFrontEnd('192.0.2.62')]).toEqual([false, true]);
  });

  it("indexes bindings by the front end their connection ends at: the same connection id at two front ends is two connections", () => {
    const store = new PoolStore([], (uri) => uri);
    const source = { address: '192.0.2.10', port: 40000, transport: 'TCP' as const, connectionId: 'tcp-1' };
    store.bindings.set({ key: 'a 1', aor: 'sip:alice@uc.lab', contact: contact('192.0.2.201'), connectionId: 'tcp-1', source, frontEnd: '192.0.2.61', expiresAt: 0 });
    store.bindings.set({ key: 'b 1', aor: 'sip:bob@uc.lab', contact: contact('192.0.2.202'), connectionId: 'tcp-1', source, frontEnd: '192.0.2.62', expiresAt: 0 });
    expect(store.bindings.ofConnection('192.0.2.61', 'tcp-1').map((b) => b.aor)).toEqual(['sip:alice@uc.lab']);
    expect(store.bindings.hasConnection('192.0.2.63', 'tcp-1')).toBe(false);
    expect(store.bindings.ofFrontEnd('192.0.2.62').map((b) => b.key)).toEqual(['b 1']);
  });
});
