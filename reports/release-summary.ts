/**
 * What a release manager decides from, computed from results.json (and a baseline): the DRIFT and ERROR cells the
 * baseline did not have, the known issues reproduced on the run's releases, and how much of the documents was graded.
 */
import { isFailingVerdict, isGradedVerdict } from '../harness/run/results';
import type { CellResult, Results, Verdict } from '../harness/run/results';
import { isNotModelled } from './matrix-model';

/** DRIFT and ERROR cells that the baseline did not have with that verdict (all of them without a baseline). */
export function newProblems(results: Results, baseline: Results | undefined): CellResult[] {
  const before = new Map(baseline?.cells.map((c) => [c.id, c.verdict]) ?? []);
  return results.cells.filter((c) => isFailingVerdict(c.verdict) && (!baseline || before.get(c.id) !== c.verdict));
}

/** A claim's verdict in the baseline, per cell: `cell id \0 claim` → verdict. */
export function baselineVerdicts(baseline: Results): Map<string, Verdict> {
  return new Map(baseline.cells.flatMap((c) => c.claimVerdicts.map((v) => [`${c.id}\u0000${v.claim}`, v.verdict] as const)));
}

export interface KnownIssueSummary {
  claim: string;
  /** The CDETS id when the cell names one for this claim. */
  defect?: string;
  statement: string;
  /** Cells where the symptom was reproduced, and the releases that set them apart ('cucm 7.0(2)'). */
  reproduced: { cells: CellResult[]; releases: string };
  /** Cells where the corrected behaviour was observed. */
  fixed: { cells: CellResult[]; releases: string };
}

/** The release entries ('cucm 7.0(2)') every one of these cells ran. */
function commonReleases(cells: readonly CellResult[]): [string, string][] {
  const [first, ...rest] = cells;
  if (!first) return [];
  return Object.entries(first.releases).filter(([k, v]) => rest.every((c) => c.releases[k] === v));
}

/** The releases shared by `cells` that `others` do not all share: what tells the two apart; all shared ones without `others`. */
function distinguishing(cells: readonly CellResult[], others: readonly CellResult[]): string {
  const common = commonReleases(cells);
  const apart = others.length === 0 ? common : common.filter(([k, v]) => others.some((o) => o.releases[k] !== v));
  return (apart.length > 0 ? apart : common).map(([k, v]) => `${k} ${v}`).join(', ');
}

/** Every documented known issue the run graded: where it reproduced and where the fix was seen, in results order. */
export function knownIssues(results: Results): KnownIssueSummary[] {
  const byClaim = new Map<string, { defect?: string; statement: string; reproduced: CellResult[]; fixed: CellResult[] }>();
  for (const c of results.cells) {
    for (const v of c.claimVerdicts) {
      if (v.verdict !== 'known-issue' && v.verdict !== 'fix-verified') continue;
      let entry = byClaim.get(v.claim);
      if (!entry) {
        const defect = c.claims[0] === v.claim ? c.defect : undefined;
        entry = { ...(defect !== undefined ? { defect } : {}), statement: v.statement, reproduced: [], fixed: [] };
        byClaim.set(v.claim, entry);
      }
      (v.verdict === 'known-issue' ? entry.reproduced : entry.fixed).push(c);
    }
  }
  return [...byClaim].map(([claim, e]) => ({
    claim,
    ...(e.defect !== undefined ? { defect: e.defect } : {}),
    statement: e.statement,
    reproduced: { cells: e.reproduced, releases: distinguishing(e.reproduced, e.fixed) },
    fixed: { cells: e.fixed, releases: distinguishing(e.fixed, e.reproduced) },
  }));
}

export interface ClaimCoverage {
  /** Claims some cell graded on evidence (any verdict but DRIFT and ERROR). */
  graded: number;
  untested: number;
  /** Claims the lab cannot execute (claims.yaml `context`). */
  context: number;
  /** (claim, endpoint) pairs a scenario leaves out by the author's choice, and those the lab does not model. */
  notApplicable: number;
  notModelled: number;
  /** Planned cells the run did not reach. */
  notRun: number;
}

export function claimCoverage(results: Results): ClaimCoverage {
  const graded = new Set(results.cells.flatMap((c) => c.claimVerdicts.filter((v) => isGradedVerdict(v.verdict)).map((v) => v.claim)));
  const pairs = new Map((results.notApplicable ?? []).map((n) => [`${n.claim}\u0000${n.endpoint}`, n.reason]));
  const notModelled = [...pairs.values()].filter(isNotModelled).length;
  return {
    graded: graded.size,
    untested: results.untestedClaims.length,
    context: results.contextClaims?.length ?? 0,
    notApplicable: pairs.size - notModelled,
    notModelled,
    notRun: new Set((results.notRun ?? []).map((n) => n.cell)).size,
  };
}
