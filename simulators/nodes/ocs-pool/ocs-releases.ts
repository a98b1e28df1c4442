/**
 * Office Communications Server releases, oldest first, with the `Server` header each front end puts on
 * the SIP responses it makes itself: "RTC/3.0" for OCS 2007 and "RTC/3.5" for OCS 2007 R2 (as seen in
 * recorded OCS exchanges; see docs/protocols/sign-in.md).
 */
export const OCS_RELEASES = ['2007', '2007 R2'] as const;
export type OcsRelease = (typeof OCS_RELEASES)[number];

const SERVER: Record<OcsRelease, string> = { '2007': 'RTC/3.0', '2007 R2': 'RTC/3.5' };

export function ocsServerHeader(release: OcsRelease): string {
  return SERVER[release];
}
