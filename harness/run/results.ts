/**
 * The results.json contract: tools outside the project read it, so its shape changes only with
 * `schemaVersion` (docs/results.md). Also the verdict rules (docs/verdicts.md).
 */
import { z } from 'zod';
import { CodecError, fail, ok, type Result } from '../../simulators';

/** The names reports need from the lab: endpoint axis names in their fixed order, and the release keys. */
export { ENDPOINTS, VERSION_KEYS } from '../../simulators';

export type Documented = 'supported' | 'unsupported' | 'known-issue' | 'not-tested';
export type Verdict = 'supported' | 'unsupported' | 'known-issue' | 'fix-verified' | 'observed-works' | 'observed-fails' | 'drift' | 'error';
export type Runtime = 'memory' | 'sockets';

/** How one claim fared in one cell, on the expectations that named it. */
export interface ClaimVerdict {
  claim: string;
  /** The claim's statement in the documents (claims.yaml). */
  statement: string;
  documented: Documented;
  verdict: Verdict;
  /** How many expectations evidencing this claim ran and held. */
  held: number;
  failedStep?: string;
  expected?: string;
  observed?: string;
}

export interface CellResult {
  id: string;
  scenario: string;
  claims: string[];
  feature: string;
  axes: Record<string, string>;
  /** The releases the cell ran (product → release; the E.164 RCC patch as "true" / "false"). */
  releases: Record<string, string>;
  /** The documented state of the scenario's first claim. */
  documented: Documented;
  /** The cell's verdict: error or drift if any claim has it, else the first claim's verdict. */
  verdict: Verdict;
  /** Every listed claim, graded on its own evidence. */
  claimVerdicts: ClaimVerdict[];
  defect?: string;
  failedStep?: string;
  expected?: string;
  observed?: string;
  durationMs: number;
  /** 'evidence/<folder>/', relative to reports/out/. */
  evidence: string;
}

/** A lab or scenario file that did not load; its cells did not run. */
export interface FileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface NotApplicable {
  scenario: string;
  claim: string;
  statement: string;
  endpoint: string;
  reason: string;
}

export interface NotRun {
  cell: string;
  claim: string;
  statement: string;
  axes: Record<string, string>;
}

export interface Results {
  schemaVersion: 2;
  run: {
    seed: number;
    runtime: Runtime;
    startedAt: string;
    durationMs: number;
    /** The releases of the lab the run used by default (each cell records its own in `releases`). */
    versions: Record<string, string>;
    /** Node.js and the project's own version, and the git commit when the run came from a checkout. */
    node: string;
    tool: string;
    commit?: string;
    /**
     * The run stopped early: only `ran` of the `planned` cells ran, and the reports cover those (`notRun` lists the
     * others). `cause`: Ctrl-C or SIGTERM ('signal'), or `--bail` at the first DRIFT or ERROR ('bail').
     */
    interrupted?: { ran: number; planned: number; cause?: 'signal' | 'bail' };
  };
  cells: CellResult[];
  /**
   * Endpoints a scenario's `endpoint` axis leaves out, per claim, with why: the lab does not model what the
   * scenario needs on that phone (the load-time reason), or the scenario's author chose the axis. The matrix
   * shows them as "n/a", never as a blank.
   */
  notApplicable?: NotApplicable[];
  /** Planned cells the run did not reach (it was interrupted), one entry per claim each would have graded. */
  notRun?: NotRun[];
  /** Claims no cell graded supported, unsupported, known-issue, fix-verified or observed (works / fails). */
  untestedClaims: string[];
  /** Claims the lab cannot execute (claims.yaml `context`), with why: context for a reader, not coverage. */
  contextClaims?: { claim: string; statement: string; reason: string }[];
  errors: FileError[];
}

export const DOCUMENTED_VALUES = ['supported', 'unsupported', 'known-issue', 'not-tested'] as const satisfies readonly Documented[];
export const VERDICTS = ['supported', 'unsupported', 'known-issue', 'fix-verified', 'observed-works', 'observed-fails', 'drift', 'error'] as const satisfies readonly Verdict[];

/** Verdicts that fail `npm test`: DRIFT and ERROR. "Not tested by the vendor" cells never do. */
export const isFailingVerdict = (v: Verdict): boolean => v === 'drift' || v === 'error';

/** Verdicts that grade a claim on evidence (what takes it out of untestedClaims). */
export const isGradedVerdict = (v: Verdict): boolean => !isFailingVerdict(v);

/** What the expectations naming one claim showed in one cell. */
export interface ClaimEvidence {
  statement: string;
  documented: Documented;
  /** Expectations naming the claim that ran and held. For a known issue: only those of the side the release needs. */
  held: number;
  /** The first expectation naming the claim that ran and did not hold. */
  failed?: { step: string; expected: string; observed: string };
  /** For a known issue: whether the cell's release lies in the defect's range. */
  affected?: boolean;
  /** For a known issue: what the documents say a corrected product does (claims.yaml `corrected`). */
  corrected?: string;
  /** What the held expectations observed (for a known issue on an affected release: the symptom seen). */
  seen?: string;
}

export interface GradeContext {
  /** The cell crashed or an invariant broke. */
  crash?: string;
  /** The step at which the cell stopped on a failed expectation (of whichever claim). */
  stoppedAt?: string;
  /** The cell's releases, for "nothing observed for …". */
  releases: string;
}

/**
 * The verdict rules (docs/verdicts.md), per claim:
 * | documented | evidence held | verdict |
 * | supported | yes → supported | no → drift (regression) |
 * | unsupported | yes → unsupported | no → drift |
 * | known issue, release in range | symptom held → known-issue | no → drift (does not reproduce) |
 * | known issue, release outside | corrected behaviour held → fix-verified | no → drift (not fixed) |
 * | not tested by the vendor | yes → observed-works | no → observed-fails |
 * | any | crashed / invariant broke → error; nothing evidencing it ran → error ("nothing observed") |
 */
export function gradeClaim(claim: string, e: ClaimEvidence, ctx: GradeContext): ClaimVerdict {
  const base = { claim, statement: e.statement, documented: e.documented, held: e.held };
  if (ctx.crash !== undefined) return { ...base, verdict: 'error', failedStep: 'run', expected: 'the scenario runs to its end with no leak', observed: ctx.crash };
  if (e.failed) {
    const { step, expected, observed } = e.failed;
    if (e.documented === 'not-tested') return { ...base, verdict: 'observed-fails', failedStep: step, expected, observed };
    const why = e.documented === 'known-issue' ? (e.affected ? 'does not reproduce: ' : 'not fixed: ') : '';
    return { ...base, verdict: 'drift', failedStep: step, expected, observed: `${why}${observed}` };
  }
  if (e.held === 0) {
    const side = e.documented === 'known-issue' ? (e.affected ? 'the symptom ' : 'the corrected behaviour ') : '';
    const observed = ctx.stoppedAt !== undefined ? `not reached: the cell stopped at ${ctx.stoppedAt}` : `nothing observed for ${ctx.releases}`;
    return { ...base, verdict: 'error', failedStep: 'grading', expected: `an expectation of ${side}evidencing ${claim}`, observed };
  }
  switch (e.documented) {
    case 'supported':
      return { ...base, verdict: 'supported' };
    case 'unsupported':
      return { ...base, verdict: 'unsupported' };
    case 'not-tested':
      return { ...base, verdict: 'observed-works' };
    case 'known-issue':
      return e.affected
        ? { ...base, verdict: 'known-issue', ...(e.corrected ? { expected: e.corrected } : {}), ...(e.seen ? { observed: e.seen } : {}) }
        : { ...base, verdict: 'fix-verified', ...(e.seen ? { observed: e.seen } : {}) };
  }
}

/** The cell's verdict from its claims': error or drift wins (the first one found), else the first claim's. */
export function cellVerdict(claims: readonly ClaimVerdict[]): ClaimVerdict | undefined {
  const stopped = claims.find((c) => c.verdict === 'drift' || (c.verdict === 'error' && c.failedStep === 'run'));
  return stopped ?? claims.find((c) => c.verdict === 'error') ?? claims[0];
}

const record = z.record(z.string(), z.string());

const claimVerdictSchema = z.strictObject({
  claim: z.string().min(1),
  statement: z.string(),
  documented: z.enum(DOCUMENTED_VALUES),
  verdict: z.enum(VERDICTS),
  held: z.number().int().nonnegative(),
  failedStep: z.string().optional(),
  expected: z.string().optional(),
  observed: z.string().optional(),
});

const cellSchema = z.strictObject({
  id: z.string().min(1),
  scenario: z.string().min(1),
  claims: z.array(z.string()),
  feature: z.string(),
  axes: record,
  releases: record,
  documented: z.enum(DOCUMENTED_VALUES),
  verdict: z.enum(VERDICTS),
  claimVerdicts: z.array(claimVerdictSchema),
  defect: z.string().optional(),
  failedStep: z.string().optional(),
  expected: z.string().optional(),
  observed: z.string().optional(),
  durationMs: z.number().nonnegative(),
  evidence: z.string().regex(/^evidence\/[^/]+\/$/, "expected 'evidence/<folder>/'"),
});

export const resultsSchema = z.strictObject({
  schemaVersion: z.literal(2),
  run: z.strictObject({
    seed: z.number(),
    runtime: z.enum(['memory', 'sockets']),
    startedAt: z.string(),
    durationMs: z.number().nonnegative(),
    versions: record,
    node: z.string(),
    tool: z.string(),
    commit: z.string().optional(),
    interrupted: z.strictObject({ ran: z.number().int().nonnegative(), planned: z.number().int().nonnegative(), cause: z.enum(['signal', 'bail']).optional() }).optional(),
  }),
  cells: z.array(cellSchema),
  notApplicable: z
    .array(z.strictObject({ scenario: z.string().min(1), claim: z.string().min(1), statement: z.string(), endpoint: z.string().min(1), reason: z.string().min(1) }))
    .optional(),
  notRun: z.array(z.strictObject({ cell: z.string().min(1), claim: z.string().min(1), statement: z.string(), axes: record })).optional(),
  untestedClaims: z.array(z.string()),
  contextClaims: z.array(z.strictObject({ claim: z.string().min(1), statement: z.string(), reason: z.string().min(1) })).optional(),
  errors: z.array(z.strictObject({ file: z.string(), line: z.number().int(), column: z.number().int(), message: z.string() })),
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
