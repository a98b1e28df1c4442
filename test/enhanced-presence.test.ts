import { LabRuntime } from '../harness/lab/lab-runtime';
import { loadLabById } from '../harness/lab/load-lab';
import { parseEventCategories, serializeBatchSubscribe } from '../simulators/protocols/presence';
import { scenariosDir } from './support/matrix';
import { connectRaw, ntlmSignIn, request } from './support/raw-sip-client';
import type { RawSipClient } from './support/raw-sip-client';

// Enhanced presence between OCS users ([MS-PRES]; docs/protocols/sign-in.md §9), spoken raw by two signed-in
// clients of pool1: bob publishes, alice subscribes (one user, then a batch), and bob's containers decide what she sees.

const seedLab = loadLabById('seed-lab', scenariosDir);


const publishBusy = (uri: string): string =>
  `<publish xmlns="http://schemas.microsoft.com/2006/09/sip/rich-presence"><publications uri="${uri}"><publication categoryName="state" instance="1" container="2" version="0" expireType="static"><state xmlns="http://schemas.microsoft.com/2006/09/sip/state" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" manual="true" xsi:type="userState"><availability>6500</availability></state></publication></publications></publish>`;

function bodyOf(message: string): string {
  return message.slice(message.indexOf('\r\n\r\n') + 4);
}

describe('enhanced presence between users of a pool', () => {
  let lab: LabRuntime;
  let alice: RawSipClient;
  let bob: RawSipClient;
  beforeAll(async () => {
    lab = await LabRuntime.start(seedLab, { runtime: 'memory', seed: 7 });
    alice = await connectRaw(lab, 'pc-alice', 'ocs-pool1');
    bob = await connectRaw(lab, 'pc-bob', 'ocs-pool1', { logon: 'bob', domain: 'UC', password: 'Pass@word1' });
    expect((await ntlmSignIn(alice)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect((await ntlmSignIn(bob, [], 'bob')).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    bob.send(request(bob, 'bob', 'SERVICE', 'sip:bob@uc.lab', 'pub1', ['Content-Type: application/msrtc-category-publish+xml'], publishBusy('sip:bob@uc.lab')), { signed: true });
    expect((await bob.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
  });
  afterAll(async () => {
    await lab.stop();
  });

  it("answers a subscription to one user with the categories the watcher may see: bob's busy state and the aggregate", async () => {
    alice.send(request(alice, 'alice', 'SUBSCRIBE', 'sip:bob@uc.lab', 'sub1', ['Event: presence', 'Accept: application/msrtc-event-categories+xml', 'Supported: ms-piggyback-first-notify']), { signed: true });
    const ok = await alice.next(/^SIP\/2.0 /);
    expect(ok.split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    const doc = parseEventCategories(bodyOf(ok));
    expect(doc.ok && doc.value.uri).toBe('sip:bob@uc.lab');
    const states = doc.ok ? doc.value.categories.filter((c) => c.name === 'state') : [];
    expect(states).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stateType: 'userState', availability: 6500, container: 2 }),
        expect.objectContaining({ stateType: 'aggregateState', availability: 6500, container: 200 }),
      ]),
    );
  });

  it('answers a batched subscription with an RLMI list: a user of the pool active with its categories, a user of another pool terminated', async () => {
    alice.send(
      request(alice, 'alice', 'SUBSCRIBE', 'sip:alice@uc.lab', 'sub2', ['Event: presence', 'Require: adhoclist, categoryList', 'Supported: eventlist', 'Accept: application/rlmi+xml, multipart/related, application/msrtc-event-categories+xml', 'Content-Type: application/msrtc-adrl-categorylist+xml'], serializeBatchSubscribe('sip:alice@uc.lab', ['sip:bob@uc.lab', 'sip:carol@uc.lab'], ['state', 'note'])),
      { signed: true },
    );
    expect((await alice.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    const notify = await alice.next(/^NOTIFY /);
    expect(notify).toMatch(/\r\nContent-Type: multipart\/related; type="application\/rlmi\+xml"/);
    expect(notify).toMatch(/<resource uri="sip:bob@uc\.lab"><instance id="i0" state="active"/);
    expect(notify).toMatch(/<resource uri="sip:carol@uc\.lab"><instance id="i1" state="terminated" reason="noresource"\/>/);
    expect(notify).toMatch(/<categories xmlns="http:\/\/schemas\.microsoft\.com\/2006\/09\/sip\/categories" uri="sip:bob@uc\.lab">/);
  });

  it("shows a blocked watcher nothing: bob puts alice in his blocked container and her next NOTIFY has no categories", async () => {
    const block = `<setContainerMembers xmlns="http://schemas.microsoft.com/2006/09/sip/container-management"><container id="32000" version="0"><member action="add" type="user" value="sip:alice@uc.lab"/></container></setContainerMembers>`;
    bob.send(request(bob, 'bob', 'SERVICE', 'sip:bob@uc.lab', 'blk1', ['Content-Type: application/msrtc-setcontainermembers+xml'], block), { signed: true });
    expect((await bob.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    // Both of alice's subscriptions hear of it: the single one and the batch.
    const notifies = [await alice.next(/^NOTIFY /), await alice.next(/^NOTIFY /)];
    const single = notifies.find((n) => /\r\nCall-ID: sub1\r\n/.test(n)) ?? '';
    const doc = parseEventCategories(bodyOf(single));
    expect(doc.ok && doc.value.categories).toEqual([]);
    const batch = notifies.find((n) => /\r\nCall-ID: sub2\r\n/.test(n)) ?? '';
    expect(batch).toMatch(/<categories xmlns="[^"]+" uri="sip:bob@uc\.lab"\/>/);
  });

  it("keeps alice's contact list: a SOAP setContact is answered 200 and her roaming-contacts subscription is notified with bob in it", async () => {
    alice.send(request(alice, 'alice', 'SUBSCRIBE', 'sip:alice@uc.lab', 'rc1', ['Event: vnd-microsoft-roaming-contacts', 'Accept: application/vnd-microsoft-roaming-contacts+xml', 'Supported: ms-piggyback-first-notify']), { signed: true });
    expect(bodyOf(await alice.next(/^SIP\/2.0 200/))).not.toMatch(/<contact /);
    const soap = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/winrtc/2002/11/sip"><s:Body><m:setContact><m:displayName>Bob</m:displayName><m:groups>1</m:groups><m:subscribed>true</m:subscribed><m:URI>bob@uc.lab</m:URI><m:externalURI /><m:deltaNum>1</m:deltaNum></m:setContact></s:Body></s:Envelope>';
    alice.send(request(alice, 'alice', 'SERVICE', 'sip:alice@uc.lab', 'sc1', ['Content-Type: application/SOAP+xml'], soap), { signed: true });
    expect((await alice.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    const notify = await alice.next(/^NOTIFY /);
    expect(notify).toMatch(/<contact uri="bob@uc\.lab" name="Bob" groups="1" subscribed="true"/);
  });

  it("lists alice among bob's subscribers in his roaming data, unacknowledged until he acknowledges her", async () => {
    bob.send(request(bob, 'bob', 'SUBSCRIBE', 'sip:bob@uc.lab', 'rs-bob', ['Event: vnd-microsoft-roaming-self', 'Accept: application/vnd-microsoft-roaming-self+xml', 'Supported: ms-piggyback-first-notify']), { signed: true });
    expect(bodyOf(await bob.next(/^SIP\/2.0 200/))).toMatch(/<subscriber user="alice@uc\.lab" displayName="[^"]*" acknowledged="false"/);
    const ack = '<setSubscribers xmlns="http://schemas.microsoft.com/2006/09/sip/presence-subscribers"><subscriber user="alice@uc.lab" acknowledged="true"/></setSubscribers>';
    bob.send(request(bob, 'bob', 'SERVICE', 'sip:bob@uc.lab', 'ack1', ['Content-Type: application/msrtc-presence-setsubscriber+xml'], ack), { signed: true });
    expect((await bob.next(/^SIP\/2.0 /)).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    expect(await bob.next(/^NOTIFY /)).toMatch(/<subscriber user="alice@uc\.lab" displayName="[^"]*" acknowledged="true"/);
  });
});
