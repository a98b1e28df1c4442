/**
 * Office Communicator releases, oldest first, with the `User-Agent` each sends (OC 2007: UCCP 2.0 build
 * 6362; OC 2007 R2: UCCAPI 3.5 build 6907; see docs/protocols/sign-in.md).
 */
export const OC_RELEASES = ['2007', '2007 R2'] as const;
export type OcRelease = (typeof OC_RELEASES)[number];

const USER_AGENT: Record<OcRelease, string> = {
  '2007': 'UCCP/2.0.6362.0 OC/2.0.6362.0 (Microsoft Office Communicator)',
  '2007 R2': 'UCCAPI/3.5.6907.0 OC/3.5.6907.0 (Microsoft Office Communicator 2007 R2)',
};

export function ocUserAgent(release: OcRelease): string {
  return USER_AGENT[release];
}
