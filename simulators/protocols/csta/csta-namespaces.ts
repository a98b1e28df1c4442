/**
 * ECMA-323 (CSTA XML) namespaces and the Microsoft RCC private-data namespace.
 *
 * - Office Communicator 2007 R2 writes ECMA-323 3rd edition as the default namespace
 *   (pidgin-sipe src/core/sip-csta.c, every request template).
 * - Other uaCSTA implementations use ed4/ed5; one public phone firmware writes ed5 and sometimes misspells the host
 *   as `ecmainternational.org` (docs/protocols/csta.md §5). Modelling choice: accept any `ecma-323/csta/edN`
 *   namespace, the typo, or no namespace at all, match on local names, and answer in the namespace of the request.
 */
export const CSTA_NS_ED3 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed3';
export const CSTA_NS_ED4 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed4';
export const CSTA_NS_ED5 = 'http://www.ecma-international.org/standards/ecma-323/csta/ed5';

/** What OC 2007 R2 uses, and what we write unless told otherwise. */
export const CSTA_NS_DEFAULT = CSTA_NS_ED3;

/** `<lcs:line>` private data inside RequestSystemStatus / GetCSTAFeatures (pidgin-sipe sip-csta.c). */
export const MS_RCC_EXTENSION_NS = 'http://schemas.microsoft.com/Lcs/2005/04/RCCExtension';

const CSTA_NS_PATTERN = /^https?:\/\/www\.ecma-?international\.org\/standards\/ecma-323\/csta\/ed(\d+)\/?$/i;

/** True for any ECMA-323 edition namespace, including the `ecmainternational.org` typo. */
export function isCstaNamespace(namespace: string): boolean {
  return CSTA_NS_PATTERN.test(namespace);
}

/** The ECMA-323 edition number a namespace names (3 for ed3), or undefined when it is not a CSTA namespace. */
export function cstaEdition(namespace: string): number | undefined {
  const match = CSTA_NS_PATTERN.exec(namespace);
  return match ? Number(match[1]) : undefined;
}
