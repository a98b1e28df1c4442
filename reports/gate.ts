import type { CellResult, Results } from '../harness/run/results';
import { isFailingVerdict } from '../harness/run/results';
import { formatAxes } from './matrix-model';

/**
 * What a team runs: phones by endpoint (and optionally a release of a product), users by a product's release (e.g.
 * their Exchange). Each group is counted; a finding is weighted by the share of the fleet its cell touches.
 */
export interface Fleet {
  phones?: { endpoint: string; count: number; releases?: Record<string, string> }[];
  users?: { count: number; releases: Record<string, string> }[];
}

export type GateFindingKind = 'new-drift' | 'new-error' | 'lost-coverage' | 'removed-cell' | 'known-issue' | 'not-loaded' | 'still-failing';

export interface GateFinding {
  kind: GateFindingKind;
  /** Whether this finding alone stops the release. */
  blocks: boolean;
  cell?: string;
  claim?: string;
  message: string;
  /** The known defect a known-issue finding reproduces. */
  defect?: string;
  /** The share of the fleet the finding touches (0–1), with what it counted. */
  impact?: { share: number; phones: number; users: number; ofPhones: number; ofUsers: number };
}

export interface GateOptions {
  /** Product → release the team ships (`cucm` → `7.0(2)`): known issues on these block; cells on others do not count. */
  releases?: Readonly<Record<string, string>>;
  fleet?: Fleet;
}

export interface GateOutcome {
  pass: boolean;
  findings: GateFinding[];
}

const matchesReleases = (cell: CellResult, releases: Readonly<Record<string, string>> | undefined): boolean =>
  releases === undefined || Object.entries(releases).every(([product, release]) => cell.releases[product] === undefined || cell.releases[product] === release);

function impactOf(cell: CellResult, fleet: Fleet | undefined): GateFinding['impact'] {
  if (!fleet) return undefined;
  const sameReleases = (want: Record<string, string> | undefined): boolean => Object.entries(want ?? {}).every(([p, r]) => cell.releases[p] === r);
  const ofPhones = (fleet.phones ?? []).reduce((n, p) => n + p.count, 0);
  const ofUsers = (fleet.users ?? []).reduce((n, u) => n + u.count, 0);
  const endpoint = cell.axes.endpoint;
  // A cell without an endpoint axis concerns every phone (of the releases it ran); one with it, that endpoint's.
  const phones = (fleet.phones ?? []).filter((p) => (endpoint === undefined || p.endpoint === endpoint) && sameReleases(p.releases)).reduce((n, p) => n + p.count, 0);
  const users = (fleet.users ?? []).filter((u) => sameReleases(u.releases)).reduce((n, u) => n + u.count, 0);
  const parts = [ofPhones > 0 ? phones / ofPhones : undefined, ofUsers > 0 ? users / ofUsers : undefined].filter((x): x is number => x !== undefined);
  return { share: parts.length === 0 ? 0 : Math.max(...parts), phones, users, ofPhones, ofUsers };
}

/**
 * The ship gate (docs/verdicts.md §6): compares a run with a baseline and says whether the release can ship. It
 * blocks on a cell that newly drifted or errored, a claim graded in the baseline that no cell grades now, a cell
 * of the baseline that did not run, a file that did not load, and — when the team names the releases it ships — a
 * known issue reproduced on exactly those releases. A drift or error the baseline already had is listed, not
 * blocking (it is not new). With a fleet, every finding carries the share of the fleet it touches.
 */
export function gate(baseline: Results, current: Results, opts: GateOptions = {}): GateOutcome {
  const findings: GateFinding[] = [];
  const before = new Map(baseline.cells.map((c) => [c.id, c]));
  const now = new Map(current.cells.map((c) => [c.id, c]));
  const withImpact = (f: GateFinding, cell: CellResult): GateFinding => {
    const impact = impactOf(cell, opts.fleet);
    return impact ? { ...f, impact } : f;
  };
  for (const e of current.errors) findings.push({ kind: 'not-loaded', blocks: true, message: `${e.file}:${e.line}:${e.column}: did not load: ${e.message}` });
  for (const cell of current.cells) {
    if (!matchesReleases(cell, opts.releases)) continue;
    const prior = before.get(cell.id);
    if (isFailingVerdict(cell.verdict)) {
      const isNew = !prior || !isFailingVerdict(prior.verdict);
      const where = cell.failedStep ? ` at ${cell.failedStep}` : '';
      const kind: GateFindingKind = isNew ? (cell.verdict === 'drift' ? 'new-drift' : 'new-error') : 'still-failing';
      findings.push(
        withImpact(
          { kind, blocks: isNew, cell: cell.id, message: `${cell.verdict.toUpperCase()}${isNew ? (prior ? ` (was ${prior.verdict})` : ' (new cell)') : ' (as in the baseline)'}: ${cell.feature}${where}` },
          cell,
        ),
      );
    } else if (cell.verdict === 'known-issue' && opts.releases !== undefined) {
      findings.push(
        withImpact(
          { kind: 'known-issue', blocks: true, cell: cell.id, ...(cell.defect !== undefined ? { defect: cell.defect } : {}), message: `known issue reproduced on the releases you ship: ${short(cell.feature)} (${formatAxes(cell.axes) || 'no axes'})` },
          cell,
        ),
      );
    }
  }
  for (const [id, cell] of before) {
    if (now.has(id) || !matchesReleases(cell, opts.releases)) continue;
    findings.push(withImpact({ kind: 'removed-cell', blocks: true, cell: id, message: `did not run (it ran in the baseline as ${cell.verdict}): ${cell.feature}` }, cell));
  }
  const untested = new Set(current.untestedClaims);
  const gradedBefore = new Set(baseline.cells.flatMap((c) => c.claimVerdicts.filter((v) => !isFailingVerdict(v.verdict)).map((v) => v.claim)));
  for (const claim of [...gradedBefore].sort()) {
    if (untested.has(claim)) findings.push({ kind: 'lost-coverage', blocks: true, claim, message: `${claim} was graded in the baseline; no cell grades it now` });
  }
  return { pass: findings.every((f) => !f.blocks), findings };
}

/** A statement cut to fit a line. */
function short(text: string, max = 90): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

function impactText(i: NonNullable<GateFinding['impact']>): string {
  const parts = [
    ...(i.ofPhones > 0 ? [`${i.phones.toLocaleString('en-US')} of ${i.ofPhones.toLocaleString('en-US')} phones`] : []),
    ...(i.ofUsers > 0 ? [`${i.users.toLocaleString('en-US')} of ${i.ofUsers.toLocaleString('en-US')} users`] : []),
  ];
  return ` — touches ${parts.join(', ')} (${Math.round(i.share * 100)}%)`;
}

/**
 * One screen: the decision, then why — blocking findings first, heaviest first; the cells of one known defect on
 * one line (how many, and the largest share of the fleet any of them touches).
 */
export function renderGate(outcome: GateOutcome, opts: GateOptions = {}): string {
  const lines: string[] = [];
  const blocking = outcome.findings.filter((f) => f.blocks);
  const shipped = opts.releases && Object.keys(opts.releases).length > 0 ? ` for ${Object.entries(opts.releases).map(([p, r]) => `${p} ${r}`).join(', ')}` : '';
  lines.push(outcome.pass ? `SHIP${shipped}: nothing new against the baseline.` : `DO NOT SHIP${shipped}: ${blocking.length} blocking finding${blocking.length === 1 ? '' : 's'}.`);
  const known = new Map<string, GateFinding[]>();
  const single: GateFinding[] = [];
  for (const f of outcome.findings) {
    if (f.kind === 'known-issue') known.set(f.defect ?? '(no defect id)', [...(known.get(f.defect ?? '(no defect id)') ?? []), f]);
    else single.push(f);
  }
  const rows: { blocks: boolean; share: number; text: string }[] = single.map((f) => ({
    blocks: f.blocks,
    share: f.impact?.share ?? 0,
    text: `${f.cell ?? f.claim ?? ''}${f.cell || f.claim ? ': ' : ''}${short(f.message, 140)}${f.impact ? impactText(f.impact) : ''}`,
  }));
  for (const [defect, fs] of known) {
    const heaviest = fs.reduce<GateFinding | undefined>((a, f) => ((f.impact?.share ?? 0) > (a?.impact?.share ?? -1) ? f : a), undefined);
    rows.push({
      blocks: fs.some((f) => f.blocks),
      share: heaviest?.impact?.share ?? 0,
      text: `${defect}: known issue in ${fs.length} cell${fs.length === 1 ? '' : 's'} on the releases you ship, e.g. ${fs[0]?.cell ?? ''}${heaviest?.impact ? impactText(heaviest.impact) : ''}`,
    });
  }
  rows.sort((a, b) => Number(b.blocks) - Number(a.blocks) || b.share - a.share);
  for (const r of rows) lines.push(`  ${r.blocks ? '✗' : '·'} ${r.text}`);
  return `${lines.join('\n')}\n`;
}
