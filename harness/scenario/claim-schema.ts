import { z } from 'zod';
import { PRODUCT_RELEASES } from '../../simulators';

/** Products whose versions a claim may name. */
export const CLAIM_PRODUCTS = ['cucm', 'cup', 'ocs', 'oc', 'exchange', 'windows', 'activeDirectory', 'sqlServer'] as const;

export const CLAIM_KINDS = [
  'feature',
  'unsupported',
  'caveat',
  'known-issue',
  'calendar-state',
  'troubleshooting',
  'prerequisite',
  'requirement',
  'configuration',
] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];

/**
 * What a document states: supported, unsupported, a known issue (graded by release, see `affected`), or
 * "not tested by the vendor" (the note's TLS bullet), whose cells report what was observed without failing.
 */
export const DOCUMENTED = ['supported', 'unsupported', 'known-issue', 'not-tested'] as const;
export type Documented = (typeof DOCUMENTED)[number];

/** The documents' own words about versions (context, not graded): free text such as "6.x" or "Server 2008 x64". */
const versionMap = z.partialRecord(z.enum(CLAIM_PRODUCTS), z.array(z.string().min(1)).min(1));

/**
 * A defect's affected range on one product, stated once (on the known-issue claim that names the defect):
 * releases from `introduced` (inclusive) to `fixedIn` (exclusive; absent = not fixed). Both must be releases of
 * that product (simulators/lab/releases.ts). The simulated product's defect is active exactly there.
 */
const rangeOf = <P extends keyof typeof PRODUCT_RELEASES>(product: P) =>
  z.strictObject({ introduced: z.enum(PRODUCT_RELEASES[product]), fixedIn: z.enum(PRODUCT_RELEASES[product]).optional() });
export const affectedSchema = z.union([
  z.strictObject({ cucm: rangeOf('cucm') }),
  z.strictObject({ cup: rangeOf('cup') }),
  z.strictObject({ ocs: rangeOf('ocs') }),
  z.strictObject({ oc: rangeOf('oc') }),
  z.strictObject({ exchange: rangeOf('exchange') }),
]);

export const claimSchema = z.strictObject({
  id: z
    .string()
    .regex(/^(feature|unsupported|caveat|known-issue|calendar|prereq|config)\.[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a claim id such as feature.call-hold-retrieval'),
  kind: z.enum(CLAIM_KINDS),
  documented: z.enum(DOCUMENTED),
  /** The source sentence, trimmed (whitespace runs may be collapsed). */
  statement: z.string().min(1),
  source: z.strictObject({
    file: z.string().regex(/^seeds\/[^/]+\.txt$/, 'seeds/<name>.txt'),
    line: z.number().int().min(1),
    section: z.string().min(1),
  }),
  /** The configuration-sequence step, e.g. A1, B11, C4. */
  step: z.string().regex(/^[ABC][0-9]{1,2}$/).optional(),
  /** A CDETS id (CSCsy62620), or `LAB-…` for a defect the seeds describe without naming one. */
  defect: z.string().regex(/^(CSC[a-z]{2}[0-9]{5}|LAB-[A-Z0-9-]+)$/, 'a CDETS id such as CSCsy62620, or LAB-<NAME> for a defect the seeds name no id for').optional(),
  /** Known issue only: the releases the defect affects (see affectedSchema). */
  affected: affectedSchema.optional(),
  /** Known issue only: what the documents say a product without the defect does (a fixed-verified cell's "expected"). */
  corrected: z.string().min(1).optional(),
  versions: z.strictObject({ tested: versionMap.optional(), requires: versionMap.optional() }).optional(),
  workaround: z.string().optional(),
  /** How this project reads the statement, where the text is ambiguous. */
  note: z.string().optional(),
  /**
   * A claim the lab cannot execute (a Windows or Active Directory release, a service pack the release list does
   * not split): why. It is listed in results.json `contextClaims` with this reason, never in `untestedClaims`,
   * and no scenario may list it.
   */
  context: z.string().min(1).optional(),
});

export const claimsFileSchema = z.strictObject({
  $schema: z.string().optional(),
  claims: z.array(claimSchema).min(1),
});

export type Claim = z.output<typeof claimSchema>;
