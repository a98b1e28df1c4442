import { type Claim, claimsFileSchema } from './claim-schema';
import { YamlSource } from './yaml-source';

/** Load claims.yaml: every claim validated, ids unique; problems throw ScenarioError with file:line:column. */
export function loadClaims(file: string): Claim[] {
  const source = YamlSource.fromFile(file, 'scenario');
  const { claims } = source.parse(claimsFileSchema);
  const seen = new Set<string>();
  claims.forEach((c, i) => {
    if (seen.has(c.id)) throw source.error(['claims', i, 'id'], `duplicate claim id "${c.id}"`);
    seen.add(c.id);
  });
  return claims;
}
