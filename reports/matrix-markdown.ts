import type { Results } from '../harness/run/results';
import {
  isNotModelled,
  buildMatrix,
  buildVersionTables,
  cellLabel,
  coverageLine,
  evidenceHref,
  formatAxes,
  hasProductAxis,
  problemCells,
  summaryLine,
  VERDICT_MEANING,
  VERDICT_ORDER,
  verdictLabel,
  versionTransition,
} from './matrix-model';

/**
 * CommonMark §2.4: every ASCII punctuation character may be backslash-escaped; GFM tables also need `|` escaped
 * inside cells. Line breaks would end a table row, so they become spaces.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]|<>#&!~]/g, (c) => `\\${c}`);
}

const link = (text: string, href: string): string => `[${text}](${href})`;

/**
 * "By version": for each claim whose cells vary over a product axis, a table of (feature, endpoint)
 * rows by product-version columns, with the per-version counts above it. Empty when no cell has a
 * product axis.
 */
export function renderVersionSectionMarkdown(results: Results): string[] {
  if (!hasProductAxis(results)) return [];
  const out: string[] = ['## By version', ''];
  const tables = buildVersionTables(results);
  if (tables.length === 0) out.push('No claim was run on more than one version of a product.', '');
  for (const t of tables) {
    const defects = t.defects.length ? ` (${t.defects.map(escapeMarkdown).join(', ')})` : '';
    out.push(`### ${escapeMarkdown(t.claim)}${defects}`, '');
    const oneFeature = t.features.length === 1;
    if (oneFeature) out.push(escapeMarkdown(t.features[0] as string), '');
    out.push(`**${escapeMarkdown(versionTransition(t))}**`, '');
    const anyOther = t.rows.some((r) => r.otherAxes !== '');
    const head = [...(oneFeature ? [] : ['feature']), 'endpoint', ...(anyOther ? ['other axes'] : []), ...t.columns];
    out.push(`| ${head.map(escapeMarkdown).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const r of t.rows) {
      const lead = [...(oneFeature ? [] : [r.feature]), r.endpoint, ...(anyOther ? [r.otherAxes] : [])];
      const cells = t.values.map((v) => (r.cells.get(v) ?? []).map((c) => link(escapeMarkdown(verdictLabel(c)), evidenceHref(c))).join('<br>') || ' ');
      out.push(`| ${[...lead.map(escapeMarkdown), ...cells].join(' | ')} |`);
    }
    out.push('');
  }
  return out;
}

/**
 * matrix.md: run header, coverage, the feature × endpoint table, counts, the version × version view
 * (when a cell has a product axis), drift/error details, untested claims.
 */
export function renderMatrixMarkdown(results: Results): string {
  const { columns, rows } = buildMatrix(results);
  const run = results.run;
  const out: string[] = [];
  out.push('# UC interop matrix', '');
  out.push(
    `Run: seed ${run.seed}, ${escapeMarkdown(run.runtime)} runtime, started ${escapeMarkdown(run.startedAt)}, ${(run.durationMs / 1000).toFixed(3)} s.`,
  );
  const versions = Object.entries(run.versions);
  if (versions.length) out.push('', `Versions: ${versions.map(([k, v]) => `${escapeMarkdown(k)} ${escapeMarkdown(v)}`).join(', ')}.`);
  out.push('', `**${escapeMarkdown(summaryLine(results))}**`, '', `Coverage: ${escapeMarkdown(coverageLine(results))}.`, '');

  if (rows.length === 0) {
    out.push('No cells were run.', '');
  } else {
    out.push(`| feature | claims | ${columns.map(escapeMarkdown).join(' | ')} |`);
    out.push(`|---|---|${columns.map(() => '---').join('|')}|`);
    for (const row of rows) {
      const cells = columns.map((col) =>
        (row.cells.get(col) ?? []).map((c) => link(escapeMarkdown(cellLabel(c)), evidenceHref(c))).join('<br>') || (row.notApplicable.has(col) ? (isNotModelled(row.notApplicable.get(col) ?? '') ? 'not modelled' : 'n/a') : row.notRun.has(col) ? 'not run' : ' '),
      );
      out.push(`| ${escapeMarkdown(row.label)} | ${row.claims.map(escapeMarkdown).join(', ')} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }

  out.push('Legend: ' + VERDICT_ORDER.map((v) => `${verdictLabel({ verdict: v })}: ${VERDICT_MEANING[v]}`).join('; ') + '; n/a: the row\'s scenarios leave that endpoint out (why: below).', '');

  const notApplicable = rows.flatMap((row) => columns.filter((col) => !row.cells.has(col) && row.notApplicable.has(col)).map((col) => `- ${escapeMarkdown(row.label)}, ${escapeMarkdown(col)}: ${escapeMarkdown(row.notApplicable.get(col) ?? '')}`));
  if (notApplicable.length > 0) out.push('## Not applicable', '', ...notApplicable, '');

  out.push(...renderVersionSectionMarkdown(results));

  const problems = problemCells(results);
  out.push('## Drift and errors', '');
  if (problems.length === 0) out.push('None.', '');
  for (const c of problems) {
    out.push(`### ${escapeMarkdown(verdictLabel(c))}: ${escapeMarkdown(c.id)}`, '');
    out.push(`- scenario: ${escapeMarkdown(c.scenario)}`);
    out.push(`- feature: ${escapeMarkdown(c.feature)}${c.claims.length ? ` (${c.claims.map(escapeMarkdown).join(', ')})` : ''}`);
    const axes = formatAxes(c.axes);
    if (axes) out.push(`- axes: ${escapeMarkdown(axes)}`);
    out.push(`- documented: ${escapeMarkdown(c.documented)}${c.defect ? ` (${escapeMarkdown(c.defect)})` : ''}`);
    if (c.failedStep !== undefined) out.push(`- failed step: ${escapeMarkdown(c.failedStep)}`);
    if (c.expected !== undefined) out.push(`- expected: ${escapeMarkdown(c.expected)}`);
    if (c.observed !== undefined) out.push(`- observed: ${escapeMarkdown(c.observed)}`);
    out.push(`- evidence: ${link('ladder', evidenceHref(c))}`, '');
  }

  out.push('## Untested claims', '');
  if (results.untestedClaims.length === 0) out.push('None.');
  for (const claim of results.untestedClaims) out.push(`- ${escapeMarkdown(claim)}`);
  out.push('');
  const context = results.contextClaims ?? [];
  if (context.length > 0) {
    // Claims the lab cannot execute: context for the reader, not coverage.
    out.push('## Context (not executable)', '');
    for (const c of context) out.push(`- ${escapeMarkdown(c.claim)}: ${escapeMarkdown(c.reason)}`);
    out.push('');
  }
  return out.join('\n');
}
