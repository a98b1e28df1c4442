import { z } from 'zod';

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

export const DOCUMENTED = ['supported', 'unsupported', 'known-issue'] as const;
export type Documented = (typeof DOCUMENTED)[number];

const versionMap = z.partialRecord(z.enum(CLAIM_PRODUCTS), z.array(z.string().min(1)).min(1));

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
  defect: z.string().regex(/^CSC[a-z]{2}[0-9]{5}$/).optional(),
  versions: z
    .strictObject({ tested: versionMap.optional(), requires: versionMap.optional(), affected: versionMap.optional(), fixed: versionMap.optional() })
    .optional(),
  workaround: z.string().optional(),
  /** How this project reads the statement, where the text is ambiguous. */
  note: z.string().optional(),
});

export const claimsFileSchema = z.strictObject({
  $schema: z.string().optional(),
  claims: z.array(claimSchema).min(1),
});

export type Claim = z.output<typeof claimSchema>;
