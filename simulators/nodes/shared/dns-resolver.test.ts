import { VirtualClock } from '../../kernel/clock';
import { silentLogger } from '../../kernel/logger';
import { seededRandom } from '../../kernel/random';
import { MemoryNetwork } from '../../transport/memory-network';
import { DnsServer } from '../dns/dns-server';
import { DnsResolver } from './dns-resolver';

// The stub resolver sends an unanswered query again after a second, three times in all (RFC 1035 §4.2.1).

async function setUp() {
  const clock = new VirtualClock();
  const net = new MemoryNetwork({ clock, random: seededRandom(1) });
  const dnsHost = net.addHost('dns', '10.0.0.53');
  const env = { network: dnsHost, clock, log: silentLogger, random: seededRandom(2), dnsServer: { address: '10.0.0.53', port: 53 } };
  const server = await DnsServer.start(env, { a: { 'cup.uc.lab': '10.0.0.20' }, ptr: false, srv: [] });
  const resolver = new DnsResolver(net.addHost('client', '10.0.0.2'), { address: '10.0.0.53', port: 53 }, clock, seededRandom(3));
  return { clock, net, server, resolver };
}

async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
  const out: { value?: T; error?: unknown; at: number } = { at: -1 };
  p.then((value) => Object.assign(out, { value, at: clock.now() }), (error: unknown) => Object.assign(out, { error, at: clock.now() }));
  await clock.runUntil(() => out.at >= 0, clock.now() + 10_000);
  return out;
}

describe('DnsResolver', () => {
  it('answers after a retransmission when the first query is lost', async () => {
    const { clock, net, resolver } = await setUp();
    net.setLink('client', 'dns', { partitioned: true });
    // The first query goes into the partition; the link is back before the second.
    clock.setTimer(500, () => net.setLink('client', 'dns', { partitioned: false }));
    const r = await settle(clock, resolver.resolveA('cup.uc.lab'));
    expect(r.value).toBe('10.0.0.20');
    expect(r.at).toBeGreaterThanOrEqual(1000);
    expect(r.at).toBeLessThan(2000);
  });

  it('fails when three queries a second apart go unanswered', async () => {
    const { clock, net, resolver } = await setUp();
    net.setLink('client', 'dns', { partitioned: true });
    const r = await settle(clock, resolver.resolveA('cup.uc.lab'));
    expect(String(r.error)).toMatch(/DNS: no answer for cup\.uc\.lab A/);
    expect(r.at).toBe(3000);
  });
});
