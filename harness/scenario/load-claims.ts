import { compareReleases, PRODUCTS, releaseInRange } from '../../simulators';
import type { Product, ReleaseRange } from '../../simulators';
import { type Claim, claimsFileSchema } from './claim-schema';
import { YamlSource } from './yaml-source';

/** A defect's affected range, as the known-issue claim naming it states it. */
export interface DefectRange {
  readonly defect: string;
  readonly product: Product;
  readonly range: ReleaseRange;
  /** The claim that states the range. */
  readonly claim: string;
}

/** The product and range of a claim's `affected`. */
export function affectedRange(claim: Claim): { product: Product; range: ReleaseRange } | undefined {
  const affected = claim.affected;
  if (!affected) return undefined;
  for (const product of PRODUCTS) {
    const range = (affected as Partial<Record<Product, ReleaseRange>>)[product];
    if (range) return { product, range };
  }
  return undefined;
}

/** Every defect range the claims state, by defect id. */
export function defectRanges(claims: readonly Claim[]): Map<string, DefectRange> {
  const out = new Map<string, DefectRange>();
  for (const c of claims) {
    const a = affectedRange(c);
    if (a && c.defect) out.set(c.defect, { defect: c.defect, ...a, claim: c.id });
  }
  return out;
}

/** The defects active at these releases: each whose range covers its product's release. */
export function activeDefects(ranges: ReadonlyMap<string, DefectRange>, releases: Readonly<Partial<Record<Product, string>>>): Set<string> {
  const out = new Set<string>();
  for (const r of ranges.values()) {
    const release = releases[r.product];
    if (release !== undefined && releaseInRange(r.product, release, r.range)) out.add(r.defect);
  }
  return out;
}

/**
 * Load claims.yaml: every claim validated, ids unique, and the known-issue rules: a known issue names its
 * defect, the range it affects (releases of the product, `fixedIn` after `introduced`) and what a corrected
 * product does; a range is stated once per defect; a claim that names a defect without a range refers to one
 * stated elsewhere. Problems throw ScenarioError with file:line:column.
 */
export function loadClaims(file: string): Claim[] {
  const source = YamlSource.fromFile(file, 'scenario');
  const { claims } = source.parse(claimsFileSchema);
  const seen = new Set<string>();
  const ranges = new Map<string, string>();
  claims.forEach((c, i) => {
    if (seen.has(c.id)) throw source.error(['claims', i, 'id'], `duplicate claim id "${c.id}"`);
    seen.add(c.id);
    const a = affectedRange(c);
    if (c.documented === 'known-issue') {
      if (!c.defect) throw source.error(['claims', i], `known issue "${c.id}" names no defect`);
      if (!a) throw source.error(['claims', i], `known issue "${c.id}" states no affected range (affected: { <product>: { introduced, fixedIn } })`);
      if (!c.corrected) throw source.error(['claims', i], `known issue "${c.id}" does not say what a corrected product does (corrected: …)`);
    }
    if (a) {
      if (c.documented !== 'known-issue' || !c.defect) throw source.error(['claims', i, 'affected'], 'only a known issue with its defect states an affected range');
      const earlier = ranges.get(c.defect);
      if (earlier) throw source.error(['claims', i, 'affected'], `the range of ${c.defect} is already stated by ${earlier}; state it once`);
      ranges.set(c.defect, c.id);
      if (a.range.fixedIn !== undefined && compareReleases(a.product, a.range.fixedIn, a.range.introduced) <= 0) {
        throw source.error(['claims', i, 'affected', a.product, 'fixedIn'], `fixedIn ${a.range.fixedIn} is not after introduced ${a.range.introduced}`);
      }
    }
  });
  claims.forEach((c, i) => {
    if (c.defect && !ranges.has(c.defect)) throw source.error(['claims', i, 'defect'], `no known-issue claim states the affected range of ${c.defect}`);
  });
  return claims;
}
