/**
 * The Cisco Unified Presence releases the lab knows, oldest first: 6.0(1) (named by the MPOP caveat and the
 * calendaring prerequisites), 7.0(1) and the tested 7.0(3). The "E.164 patch for RCC" of the interop
 * note's Software Requirements is a separate lab setting (`versions.cupE164RccPatch`).
 */
export const CUP_RELEASES = ['6.0(1)', '7.0(1)', '7.0(3)'] as const;
export type CupRelease = (typeof CUP_RELEASES)[number];

/** CUP's software identity in SIP `Server` / `User-Agent` and in its CTI client name (modelled wording). */
export function cupSoftware(release: CupRelease): string {
  return `Cisco-CUP/${release}`;
}

/**
 * Defects CUP's simulation models by mechanism. LAB-CUP-CALENDAR-EMAIL is the calendaring note's troubleshooting
 * tip (the note names no CDETS): the Presence Gateway builds mailbox URLs from the raw e-mail address.
 */
export const CUP_DEFECTS = ['LAB-CUP-CALENDAR-EMAIL'] as const;
export type CupDefect = (typeof CUP_DEFECTS)[number];
