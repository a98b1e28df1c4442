/**
 * The Cisco Unified Communications Manager releases the lab knows, oldest first. The interop note tests
 * 7.0(2); the calendaring note names 6.x; the others are the releases around them that a release manager
 * would ask about (maintenance releases of 6.1 and 7.1, and 8.0(1)). Every release behaves the same except
 * where a modelled defect's range (scenarios/claims.yaml) says otherwise.
 */
export const CUCM_RELEASES = ['6.1(2)', '6.1(3)', '7.0(1)', '7.0(2)', '7.1(2)', '7.1(3)', '8.0(1)'] as const;
export type CucmRelease = (typeof CUCM_RELEASES)[number];

/**
 * What CUCM puts in SIP `User-Agent` / `Server` and in the CTI provider-open answer: CUCM's SIP stack
 * identifies itself as "Cisco-CUCM" plus the major.minor release (e.g. "Cisco-CUCM7.0").
 */
export function cucmSoftware(release: CucmRelease): string {
  return `Cisco-CUCM${release.slice(0, release.indexOf('('))}`;
}

/**
 * Defects of CUCM the simulator models by their mechanism, each active only where the lab's release lies
 * in the defect's range (stated once, in scenarios/claims.yaml, and handed to the node as a set).
 * - CSCsy62620: call forward set through CTI is not applied to a line first configured with an E.164 DN.
 */
export const CUCM_DEFECTS = ['CSCsy62620'] as const;
export type CucmDefect = (typeof CUCM_DEFECTS)[number];
