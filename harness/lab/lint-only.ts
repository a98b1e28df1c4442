import type { Lab } from '../../simulators';

/**
 * Lab fields no simulator reads yet: only `uc-lab doctor` does (it says, for each one a lab sets, that the lab
 * ignores it). A claim resting on one cannot be graded, so a scenario listing it is refused at load as not
 * modelled. harness/lab/lab-fields.ts measures who reads every field and fails a test when a field has no
 * reader or an entry here is read by a simulator after all.
 */
/** Lint-only fields, the claims that rest on them, and what is missing. A path covers its sub-fields (`[]` an array's items). */
export const LINT_ONLY: Readonly<Record<string, { readonly claims: readonly string[]; readonly why: string }>> = {
  'ocs.pools[].frontEnds': { claims: [], why: 'a count the lab checks against frontEndHosts; the front ends that run are frontEndHosts' },
  'ocs.pools[].hostAuthorizations[].throttleAsServer': { claims: [], why: 'throttling is not modelled' },
  'ocs.pools[].normalizationRules[].name': { claims: [], why: 'a label in the rules file; normalization reads only the pattern and the translation' },
  'cucm.phones[].lines[].partition': { claims: [], why: 'partitions and calling search spaces are not modelled' },
  'cucm.phones[].lines[].label': { claims: [], why: 'line labels are not shown by the simulated phones' },
  'cucm.extensionMobility.deviceProfiles[].lines[].partition': { claims: [], why: 'partitions and calling search spaces are not modelled' },
  'cucm.extensionMobility.deviceProfiles[].lines[].label': { claims: [], why: 'line labels are not shown by the simulated phones' },
  'cucm.meetMeNumbers[].description': { claims: [], why: 'a label on the administration page; no call reads it' },
  'cucm.meetMeNumbers[].minimumSecurityLevel': { claims: [], why: 'secure (encrypted) conferencing is not modelled' },
  'cucm.dialRules.directoryLookup': { claims: [], why: 'reverse number lookup uses the address book; directory lookup rules are not applied' },
};

/** Fields that describe the lab file itself and configure no product. */
export const METADATA_FIELDS: readonly string[] = ['$schema', 'id', 'description', 'extends'];

/** Every claim that rests on a lint-only field, with those fields. */
export function lintOnlyClaims(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [field, { claims }] of Object.entries(LINT_ONLY)) for (const c of claims) out.set(c, [...(out.get(c) ?? []), field]);
  return out;
}


/** The values at a field path (`cucm.meetMeNumbers`, `ocs.pools[].frontEnds`) in a lab: one per array item walked. */
export function valuesAt(lab: Lab, field: string): unknown[] {
  let values: unknown[] = [lab];
  for (const part of field.split('.')) {
    const array = part.endsWith('[]');
    const key = array ? part.slice(0, -2) : part;
    values = values.flatMap((v) => {
      if (typeof v !== 'object' || v === null) return [];
      const next: unknown = (v as Record<string, unknown>)[key];
      return array ? (Array.isArray(next) ? next : []) : [next];
    });
  }
  return values.filter((v) => v !== undefined && !(Array.isArray(v) && v.length === 0));
}
