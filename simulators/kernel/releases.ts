/**
 * Releases as data: each simulated product owns a closed list of its releases, oldest first. A release
 * is compared by its position in that list, never by parsing the string, so "7.0(2)" and "2007 R2" need
 * no grammar and a release the list does not name is simply not a release.
 */

/** A defect's affected releases: from `introduced` (inclusive) up to `fixedIn` (exclusive; absent = not fixed). */
export interface ReleaseRange {
  readonly introduced: string;
  readonly fixedIn?: string;
}

/** Position of `release` in `releases`, or -1 when the list does not name it. */
export function releaseIndex(releases: readonly string[], release: string): number {
  return releases.indexOf(release);
}

/** Whether `release` lies in `range` (both given as releases of the same list). */
export function inReleaseRange(releases: readonly string[], release: string, range: ReleaseRange): boolean {
  const at = releaseIndex(releases, release);
  const from = releaseIndex(releases, range.introduced);
  const to = range.fixedIn === undefined ? releases.length : releaseIndex(releases, range.fixedIn);
  if (at < 0 || from < 0 || to < 0) return false;
  return at >= from && at < to;
}
