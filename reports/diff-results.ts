import type { CellResult, Results, Verdict } from '../harness/run/results';
import { escapeMarkdown } from './matrix-markdown';
import { formatAxes, verdictLabel } from './matrix-model';

export type CellChangeKind = 'changed' | 'added' | 'removed';

export interface CellChange {
  id: string;
  change: CellChangeKind;
  feature: string;
  axes: Record<string, string>;
  before?: Verdict;
  after?: Verdict;
  /** The defect of whichever side has one (for 'known issue CSC…' labels). */
  defect?: string;
}

const change = (kind: CellChangeKind, cell: CellResult, before: CellResult | undefined, after: CellResult | undefined): CellChange => {
  const defect = after?.defect ?? before?.defect;
  return {
    id: cell.id,
    change: kind,
    feature: cell.feature,
    axes: cell.axes,
    ...(before ? { before: before.verdict } : {}),
    ...(after ? { after: after.verdict } : {}),
    ...(defect !== undefined ? { defect } : {}),
  };
};

/**
 * Cells whose verdict changed between two runs, then cells only in `after` (added) and only in
 * `before` (removed). Order: `after`'s cell order for changed and added, `before`'s for removed.
 */
export function diffResults(before: Results, after: Results): CellChange[] {
  const old = new Map(before.cells.map((c) => [c.id, c]));
  const now = new Map(after.cells.map((c) => [c.id, c]));
  const changed: CellChange[] = [];
  const added: CellChange[] = [];
  for (const c of now.values()) {
    const prior = old.get(c.id);
    if (!prior) added.push(change('added', c, undefined, c));
    else if (prior.verdict !== c.verdict) changed.push(change('changed', c, prior, c));
  }
  const removed = [...old.values()].filter((c) => !now.has(c.id)).map((c) => change('removed', c, c, undefined));
  return [...changed, ...added, ...removed];
}

export function renderDiffMarkdown(changes: readonly CellChange[]): string {
  const out = ['# Verdict changes', ''];
  if (changes.length === 0) return [...out, 'No verdict changed; no cell added or removed.', ''].join('\n');
  const label = (v: Verdict | undefined, defect: string | undefined) => (v ? escapeMarkdown(verdictLabel({ verdict: v, ...(defect !== undefined ? { defect } : {}) })) : '—');
  const n = (k: CellChangeKind) => changes.filter((c) => c.change === k).length;
  out.push(`${n('changed')} changed, ${n('added')} added, ${n('removed')} removed.`, '');
  out.push('| cell | feature | axes | change | before | after |', '|---|---|---|---|---|---|');
  for (const c of changes) {
    out.push(
      `| ${escapeMarkdown(c.id)} | ${escapeMarkdown(c.feature)} | ${escapeMarkdown(formatAxes(c.axes))} | ${c.change} | ${label(c.before, c.defect)} | ${label(c.after, c.defect)} |`,
    );
  }
  out.push('');
  return out.join('\n');
}
