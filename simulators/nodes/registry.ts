import { cucmKind } from './cucm/cucm-kind';
import { cupKind } from './cup/cup-kind';
import { dnsKind } from './dns/dns-kind';
import { exchangeKind } from './exchange/exchange-kind';
import { loadBalancerKind } from './load-balancer/load-balancer-kind';
import { ocKind } from './oc-client/oc-kind';
import { ocsKind } from './ocs-pool/ocs-kind';
import { phoneKind } from './phone/phone-kind';
import type { RegisteredKind } from './surface';

/**
 * Every kind of simulated product, the composition root's only input. Kinds start in an order that
 * respects `dependsOn`, ties broken by their place in this list.
 */
export const NODE_KINDS: readonly RegisteredKind[] = [dnsKind, cucmKind, exchangeKind, cupKind, ocsKind, loadBalancerKind, phoneKind, ocKind];

/** The kinds along the remote-call-control path, from the user's PC to the phone: the ladder's columns, left to right. */
export const LADDER_ORDER: readonly string[] = [ocKind.kind, loadBalancerKind.kind, ocsKind.kind, cupKind.kind, cucmKind.kind, phoneKind.kind, exchangeKind.kind, dnsKind.kind];

/** The kinds in start order: each after every kind it depends on. */
export function startOrder(kinds: readonly RegisteredKind[] = NODE_KINDS): RegisteredKind[] {
  const byName = new Map(kinds.map((k) => [k.kind, k]));
  const done = new Set<string>();
  const out: RegisteredKind[] = [];
  const visit = (k: RegisteredKind, path: readonly string[]): void => {
    if (done.has(k.kind)) return;
    if (path.includes(k.kind)) throw new Error(`node kinds depend on each other in a circle: ${[...path, k.kind].join(' → ')}`);
    for (const d of k.dependsOn) {
      const dep = byName.get(d);
      if (!dep) throw new Error(`node kind ${k.kind} depends on unknown kind ${d}`);
      visit(dep, [...path, k.kind]);
    }
    done.add(k.kind);
    out.push(k);
  };
  for (const k of kinds) visit(k, []);
  return out;
}
