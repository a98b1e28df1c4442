import { inReleaseRange, releaseIndex, type ReleaseRange } from '../kernel/releases';
import { CUCM_DEFECTS, CUCM_RELEASES } from '../nodes/cucm/cucm-releases';
import { CUP_DEFECTS, CUP_RELEASES } from '../nodes/cup/cup-releases';
import { EXCHANGE_RELEASES } from '../nodes/exchange/exchange-releases';
import { OC_RELEASES } from '../nodes/oc-client/oc-releases';
import { OCS_RELEASES } from '../nodes/ocs-pool/ocs-releases';

/** Every product whose release a lab states, with its closed list of releases (oldest first). */
export const PRODUCT_RELEASES = {
  cucm: CUCM_RELEASES,
  cup: CUP_RELEASES,
  ocs: OCS_RELEASES,
  oc: OC_RELEASES,
  exchange: EXCHANGE_RELEASES,
} as const satisfies Record<string, readonly string[]>;
export type Product = keyof typeof PRODUCT_RELEASES;
export const PRODUCTS = Object.keys(PRODUCT_RELEASES) as Product[];

/** What a lab's `versions` states: every product's release, and whether CUP carries the E.164 RCC patch. */
export const VERSION_KEYS = [...PRODUCTS, 'cupE164RccPatch'] as const;
export type VersionKey = Product | 'cupE164RccPatch';

/** Defects the simulators model by mechanism, and the product each belongs to. */
export const MODELLED_DEFECTS: Readonly<Record<string, Product>> = Object.fromEntries([
  ...CUCM_DEFECTS.map((d) => [d, 'cucm']),
  ...CUP_DEFECTS.map((d) => [d, 'cup']),
]);

export function isRelease(product: Product, release: string): boolean {
  return releaseIndex(PRODUCT_RELEASES[product], release) >= 0;
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b` (both releases of `product`). */
export function compareReleases(product: Product, a: string, b: string): number {
  const list = PRODUCT_RELEASES[product];
  return releaseIndex(list, a) - releaseIndex(list, b);
}

export function releaseInRange(product: Product, release: string, range: ReleaseRange): boolean {
  return inReleaseRange(PRODUCT_RELEASES[product], release, range);
}
