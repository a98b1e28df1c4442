import type { CellResult, Results, Verdict } from '../harness/run/results';
import {
  buildMatrix,
  buildVersionTables,
  coverageLine,
  escapeXml as esc,
  evidenceHref,
  formatAxes,
  hasProductAxis,
  problemCells,
  productAxesText,
  summaryLine,
  VERDICT_MEANING,
  VERDICT_ORDER,
  verdictLabel,
  versionTransition,
} from './matrix-model';

const COLOURS: Record<Verdict, { bg: string; fg: string }> = {
  supported: { bg: '#d7f5dd', fg: '#0b5d1e' },
  unsupported: { bg: '#e8e8ec', fg: '#3a3a44' },
  'known-issue': { bg: '#fff1c2', fg: '#6b4e00' },
  'fix-verified': { bg: '#d6ecff', fg: '#0b3d6b' },
  'observed-works': { bg: '#eef6ee', fg: '#2f4f2f' },
  'observed-fails': { bg: '#f6eeee', fg: '#4f2f2f' },
  drift: { bg: '#ffd9b3', fg: '#7a3300' },
  error: { bg: '#ffc9c9', fg: '#8a0000' },
};

const css = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d1d22;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#555;margin:4px 0}.summary{font-weight:600;margin:12px 0}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #c8c8d0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f6}thead th{position:sticky;top:0}
td.cell a{display:block;text-decoration:none;color:inherit;padding:1px 0}
.vl,.axes{white-space:nowrap}.axes{font-size:12px;opacity:.85}
table.matrix tbody th{min-width:14em;max-width:26em}
td.cell a:hover{text-decoration:underline}
.claims{color:#666;font-size:12px}
dl{margin:4px 0 16px}dt{font-weight:600;float:left;clear:left;width:110px}dd{margin:0 0 2px 120px;white-space:pre-wrap}
.none{color:#666}
td.na{color:#666;background:#f6f6f8;font-style:italic;cursor:help}
h3{font-size:15px;margin:18px 0 4px}.feature{margin:2px 0;max-width:70em}.transition{margin:4px 0;font-weight:600}
.scroll{overflow-x:auto;max-width:100%}
table.matrix tbody th{position:sticky;left:0;background:#fff;z-index:1}
table.matrix tr.group th{background:#e9e9f0;font-size:13px;text-transform:uppercase;letter-spacing:.04em;position:static}
.cells section{border-top:1px solid #ddd;padding:6px 0}.cells section:target{background:#fffbe6;outline:2px solid #e0c050}
.links a{margin-right:12px}
h3,dd,.feature,.meta,.summary,li{overflow-wrap:anywhere}
table.versions,table.legend{display:block;overflow-x:auto;max-width:100%}
@media (max-width:600px){body{margin:8px}table.matrix tbody th{min-width:9em;max-width:12em;font-size:13px}dt{float:none;width:auto}dd{margin:0 0 4px 8px}}
${VERDICT_ORDER.map((v) => `.v-${v}{background:${COLOURS[v].bg};color:${COLOURS[v].fg}}`).join('\n')}
`.trim();

/** The seed document's sections, by the claim id's first word (scenarios/claims.yaml). */
const GROUPS: readonly [string, string][] = [
  ['feature', 'Features supported'],
  ['unsupported', 'Features not supported'],
  ['known-issue', 'Known issues'],
  ['caveat', 'Caveats'],
  ['calendar', 'Calendar integration'],
  ['config', 'Configuration steps'],
  ['prereq', 'Prerequisites'],
];

function groupOf(claims: readonly string[]): string {
  const prefix = (claims[0] ?? '').split('.')[0] ?? '';
  return GROUPS.find(([p]) => p === prefix)?.[1] ?? 'Other';
}

/** The anchor of a cell's detail section. */
const cellAnchor = (id: string): string => `cell-${id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

/** A CDETS id links to Cisco's bug search; the lab's own names (LAB-…) link nowhere. */
const defectHtml = (defect: string): string =>
  /^CSC[a-z]{2}\d{5}$/.test(defect) ? `<a href="https://bst.cloudapps.cisco.com/bugsearch/bug/${esc(defect)}">${esc(defect)}</a>` : esc(defect);

/** '🐞 known issue CSCsy62620 (cucm 7.0(2))', free to wrap only before the defect and before the product part. */
const cellLabelHtml = (c: CellResult): string => {
  const products = productAxesText(c.axes);
  const word = verdictLabel({ verdict: c.verdict });
  const defect = verdictLabel(c).slice(word.length).trim();
  return (
    `<span class="vl">${esc(word)}</span>` +
    (defect ? ` <span class="vl">${esc(defect)}</span>` : '') +
    (products ? ` <span class="axes">(${esc(products)})</span>` : '')
  );
};

/** A table cell of verdict links (label already HTML), coloured by its worst verdict. */
function verdictTd(cells: readonly CellResult[], label: (c: CellResult) => string): string {
  if (cells.length === 0) return '<td></td>';
  const worst = cells.reduce((w, c) => (VERDICT_ORDER.indexOf(c.verdict) > VERDICT_ORDER.indexOf(w) ? c.verdict : w), cells[0]!.verdict);
  const links = cells
    .map((c) => `<a class="v-${c.verdict}" href="#${esc(cellAnchor(c.id))}" data-cell="${esc(c.id)}" title="${esc(`${c.id}: ${VERDICT_MEANING[c.verdict]}`)}">${label(c)}</a>`)
    .join('');
  return `<td class="cell v-${worst}">${links}</td>`;
}

/** "By version" (see renderVersionSectionMarkdown); empty when no cell has a product axis. */
function versionSectionHtml(results: Results): string[] {
  if (!hasProductAxis(results)) return [];
  const h: string[] = ['<h2>By version</h2>'];
  const tables = buildVersionTables(results);
  if (tables.length === 0) h.push('<p class="none">No claim was run on more than one version of a product.</p>');
  for (const t of tables) {
    const defects = t.defects.length ? ` (${t.defects.map(esc).join(', ')})` : '';
    h.push(`<h3>${esc(t.claim)}${defects}</h3>`);
    const oneFeature = t.features.length === 1;
    if (oneFeature) h.push(`<p class="feature">${esc(t.features[0] as string)}</p>`);
    h.push(`<p class="transition">${esc(versionTransition(t))}</p>`);
    const anyOther = t.rows.some((r) => r.otherAxes !== '');
    const head = [...(oneFeature ? [] : ['feature']), 'endpoint', ...(anyOther ? ['other axes'] : []), ...t.columns];
    h.push('<table class="versions">', '<thead><tr>' + head.map((c) => `<th>${esc(c)}</th>`).join('') + '</tr></thead>', '<tbody>');
    for (const r of t.rows) {
      const lead = (oneFeature ? '' : `<th scope="row">${esc(r.feature)}</th>`) + `<th scope="row">${esc(r.endpoint)}</th>` + (anyOther ? `<td>${esc(r.otherAxes)}</td>` : '');
      h.push(`<tr>${lead}${t.values.map((v) => verdictTd(r.cells.get(v) ?? [], (c) => `<span class="vl">${esc(verdictLabel(c))}</span>`)).join('')}</tr>`);
    }
    h.push('</tbody>', '</table>');
  }
  return h;
}

/**
 * matrix.html: ONE self-contained file (inline CSS, no script, no external asset). Rows are grouped by the seed's
 * sections; the first column stays in view while the endpoints scroll (a phone-width screen included); each verdict
 * opens its cell's detail (documents against observation, releases, the failed step, links to the pcap, ladder and
 * logs under `evidence/<folder>/`, relative to reports/out/); a CDETS id links to Cisco's bug search.
 */
export function renderMatrixHtml(results: Results): string {
  const { columns, rows } = buildMatrix(results);
  const run = results.run;
  const h: string[] = [];
  h.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  h.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  h.push('<title>UC interop matrix</title>', `<style>\n${css}\n</style>`, '</head>', '<body>');
  h.push('<h1>UC interop matrix</h1>');
  h.push(
    `<p class="meta">Run: seed ${esc(String(run.seed))}, ${esc(run.runtime)} runtime, started ${esc(run.startedAt)}, ${(run.durationMs / 1000).toFixed(3)} s.</p>`,
  );
  const versions = Object.entries(run.versions);
  if (versions.length) h.push(`<p class="meta">Versions: ${versions.map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')}.</p>`);
  h.push(`<p class="summary">${esc(summaryLine(results))}</p>`, `<p class="meta coverage">Coverage: ${esc(coverageLine(results))}.</p>`);

  h.push('<h2>Feature × endpoint</h2>');
  if (rows.length === 0) {
    h.push('<p class="none">No cells were run.</p>');
  } else {
    h.push('<div class="scroll">', '<table class="matrix">', '<thead><tr><th>feature</th>' + columns.map((c) => `<th>${esc(c)}</th>`).join('') + '</tr></thead>', '<tbody>');
    const order = (r: (typeof rows)[number]): number => {
      const i = GROUPS.findIndex(([, name]) => name === groupOf(r.claims));
      return i < 0 ? GROUPS.length : i;
    };
    let group: string | undefined;
    for (const row of [...rows].sort((a, b) => order(a) - order(b))) {
      const g = groupOf(row.claims);
      if (g !== group) {
        group = g;
        h.push(`<tr class="group"><th colspan="${columns.length + 1}" scope="rowgroup">${esc(g)}</th></tr>`);
      }
      const tds = columns.map((col) => {
        const na = row.cells.has(col) ? undefined : row.notApplicable.get(col);
        return na !== undefined ? `<td class="na" title="${esc(na)}">n/a</td>` : verdictTd(row.cells.get(col) ?? [], cellLabelHtml);
      });
      const claims = row.claims.length ? `<div class="claims">${row.claims.map(esc).join(', ')}</div>` : '';
      h.push(`<tr><th scope="row">${esc(row.label)}${claims}</th>${tds.join('')}</tr>`);
    }
    h.push('</tbody>', '</table>', '</div>');
  }

  h.push('<table class="legend"><thead><tr><th>verdict</th><th>meaning</th></tr></thead><tbody>');
  for (const v of VERDICT_ORDER) h.push(`<tr><td class="v-${v}">${esc(verdictLabel({ verdict: v }))}</td><td>${esc(VERDICT_MEANING[v])}</td></tr>`);
  h.push('</tbody></table>');

  h.push(...versionSectionHtml(results));

  h.push('<h2>Drift and errors</h2>');
  const problems = problemCells(results);
  if (problems.length === 0) h.push('<p class="none">None.</p>');
  for (const c of problems) {
    h.push(`<h3 class="v-${c.verdict}">${esc(verdictLabel(c))}: ${esc(c.id)}</h3>`, '<dl>');
    const item = (term: string, value: string | undefined) => {
      if (value !== undefined && value !== '') h.push(`<dt>${esc(term)}</dt><dd>${esc(value)}</dd>`);
    };
    item('scenario', c.scenario);
    item('feature', c.claims.length ? `${c.feature} (${c.claims.join(', ')})` : c.feature);
    item('axes', formatAxes(c.axes));
    item('documented', c.defect ? `${c.documented} (${c.defect})` : c.documented);
    item('failed step', c.failedStep);
    item('expected', c.expected);
    item('observed', c.observed);
    h.push(`<dt>evidence</dt><dd><a href="${esc(evidenceHref(c))}">ladder</a></dd>`, '</dl>');
  }

  h.push('<h2>Cells</h2>', '<div class="cells">');
  for (const c of results.cells) {
    const folder = c.evidence;
    const ladder = evidenceHref(c);
    const base = ladder.slice(0, ladder.length - 'ladder.md'.length);
    h.push(`<section id="${esc(cellAnchor(c.id))}">`, `<h3 class="v-${c.verdict}">${esc(verdictLabel({ verdict: c.verdict }))}${c.defect ? ` ${defectHtml(c.defect)}` : ''}: ${esc(c.id)}</h3>`, '<dl>');
    const item = (term: string, value: string | undefined): void => {
      if (value !== undefined && value !== '') h.push(`<dt>${esc(term)}</dt><dd>${esc(value)}</dd>`);
    };
    for (const v of c.claimVerdicts) item(`${v.claim}`, `documents: ${v.documented} — "${v.statement}"; lab observed: ${v.verdict} (${v.held} expectation${v.held === 1 ? '' : 's'} held)`);
    item('releases', Object.entries(c.releases).map(([k, r]) => `${k} ${r}`).join(', '));
    item('failed step', c.failedStep);
    item('expected', c.expected);
    item('observed', c.observed);
    h.push(
      `<dt>evidence</dt><dd class="links"><a href="${esc(base)}trace.pcap">trace.pcap</a><a href="${esc(ladder)}">ladder</a><a href="${esc(base)}logs/">logs</a><a href="${esc(base)}">${esc(folder)}</a></dd>`,
      '</dl>',
      '</section>',
    );
  }
  h.push('</div>');

  h.push('<h2>Untested claims</h2>');
  if (results.untestedClaims.length === 0) h.push('<p class="none">None.</p>');
  else h.push('<ul>' + results.untestedClaims.map((c) => `<li>${esc(c)}</li>`).join('') + '</ul>');
  const context = results.contextClaims ?? [];
  if (context.length > 0) {
    h.push('<h2>Context (not executable)</h2>');
    h.push('<ul>' + context.map((c) => `<li><span title="${esc(c.statement)}">${esc(c.claim)}</span>: ${esc(c.reason)}</li>`).join('') + '</ul>');
  }
  h.push('</body>', '</html>', '');
  return h.join('\n');
}
