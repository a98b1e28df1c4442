/**
 * The results.json contract (DESIGN.md "Results and reports"): tools outside the project read it, so
 * its shape changes only with `schemaVersion`. Also the verdict table (DESIGN.md "Verdicts").
 */
import { z } from 'zod';
import { CodecError, fail, ok, type Result } from '../../simulators';

export type Documented = 'supported' | 'unsupported' | 'known-issue';
export type Verdict = 'supported' | 'unsupported' | 'known-issue' | 'fix-verified' | 'drift' | 'error';
export type Runtime = 'memory' | 'sockets';

export interface CellResult {
  id: string;
  scenario: string;
  claims: string[];
  feature: string;
  axes: Record<string, string>;
  documented: Documented;
  verdict: Verdict;
  defect?: string;
  failedStep?: string;
  expected?: string;
  observed?: string;
  durationMs: number;
  /** 'evidence/<folder>/', relative to reports/out/. */
  evidence: string;
}

export interface Results {
  schemaVersion: 1;
  run: { seed: number; runtime: Runtime; startedAt: string; durationMs: number; versions: Record<string, string> };
  cells: CellResult[];
  untestedClaims: string[];
}

export const DOCUMENTED_VALUES = ['supported', 'unsupported', 'known-issue'] as const satisfies readonly Documented[];
export const VERDICTS = ['supported', 'unsupported', 'known-issue', 'fix-verified', 'drift', 'error'] as const satisfies readonly Verdict[];

/** Verdicts that fail `npm test` (DESIGN.md: "npm test fails on DRIFT and ERROR"). */
export const isFailingVerdict = (v: Verdict): boolean => v === 'drift' || v === 'error';

export interface GradeInput {
  documented: Documented;
  /** Did every expectation of the scenario hold? */
  expectationsHeld: boolean;
  /** The scenario crashed or an invariant broke. */
  crashed: boolean;
  /** For a known issue: true when the version under test is affected, false when it carries the fix; defaults to affected. */
  affectedVersion?: boolean;
}

/**
 * DESIGN.md "Verdicts":
 * | supported | yes → Supported | no → DRIFT |
 * | unsupported | yes → Unsupported | no → DRIFT |
 * | known issue, affected version | yes → Known issue | no → DRIFT |
 * | known issue, fixed version | yes → Fix verified | (no → DRIFT) |
 * | any | crashed / invariant broke → ERROR |
 */
export function gradeCell(input: GradeInput): Verdict {
  if (input.crashed) return 'error';
  if (!input.expectationsHeld) return 'drift';
  switch (input.documented) {
    case 'supported':
      return 'supported';
    case 'unsupported':
      return 'unsupported';
    case 'known-issue':
      return input.affectedVersion === false ? 'fix-verified' : 'known-issue';
  }
}

const record = z.record(z.string(), z.string());

const cellSchema = z.strictObject({
  id: z.string().min(1),
  scenario: z.string().min(1),
  claims: z.array(z.string()),
  feature: z.string(),
  axes: record,
  documented: z.enum(DOCUMENTED_VALUES),
  verdict: z.enum(VERDICTS),
  defect: z.string().optional(),
  failedStep: z.string().optional(),
  expected: z.string().optional(),
  observed: z.string().optional(),
  durationMs: z.number().nonnegative(),
  evidence: z.string().regex(/^evidence\/[^/]+\/$/, "expected 'evidence/<folder>/'"),
});

export const resultsSchema = z.strictObject({
  schemaVersion: z.literal(1),
  run: z.strictObject({
    seed: z.number(),
    runtime: z.enum(['memory', 'sockets']),
    startedAt: z.string(),
    durationMs: z.number().nonnegative(),
    versions: record,
  }),
  cells: z.array(cellSchema),
  untestedClaims: z.array(z.string()),
});

// The schema and the hand-written contract must agree both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesContract: Same<z.infer<typeof resultsSchema>, Results> = true;
void schemaMatchesContract;

/** Validates a parsed results.json (e.g. read from disk by `uc-lab matrix --diff`). */
export function validateResults(input: unknown): Result<Results> {
  const parsed = resultsSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  return fail(new CodecError('results.json', issues.join('; ')));
}

/** JSON text → validated Results. */
export function parseResults(text: string): Result<Results> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(new CodecError('results.json', `not JSON: ${e instanceof Error ? e.message : String(e)}`));
  }
  return validateResults(value);
}
