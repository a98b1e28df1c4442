import type { CellResult, Results, Verdict } from '../harness/run/results';
import {
  buildMatrix,
  buildVersionTables,
  countVerdicts,
  coverageLine,
  escapeXml as esc,
  evidenceHref,
  formatAxes,
  hasProductAxis,
  isNotModelled,
  problemCells,
  productAxesText,
  summaryLine,
  VERDICT_MEANING,
  VERDICT_ORDER,
  verdictLabel,
  versionTransition,
} from './matrix-model';
import { diffResults } from './diff-results';
import { baselineVerdicts, claimCoverage, knownIssues, newProblems } from './release-summary';

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
td.nm{color:#555;background:repeating-linear-gradient(135deg,#f3f3f6 0 6px,#e6e6ec 6px 12px);font-style:italic;cursor:help}
td.notrun,.notrun{color:#6b4e00;font-style:italic}td.notrun{background:#fff;outline:1px dashed #c9a100;outline-offset:-3px}
td.untested{color:#7a3300;background:#fff6ee;font-style:italic}td.nocell{color:#aaa;text-align:center}
a.changed,a.new{outline:2px solid #5b2a86;outline-offset:-2px}.was{display:block;font-size:11px;color:#5b2a86;font-weight:600}
.decision{font-size:16px;font-weight:700;padding:8px 12px;border-radius:6px;margin:8px 0}.decision.ok{background:#d7f5dd;color:#0b5d1e}.decision.bad{background:#ffc9c9;color:#8a0000}
.banner{background:#fff1c2;color:#6b4e00;padding:8px 12px;border-radius:6px;font-weight:600}
#summary{border:1px solid #c8c8d0;border-radius:8px;padding:4px 14px 10px;margin:12px 0;max-width:70em}#summary h3{margin:12px 0 4px}
ul.counts{list-style:none;padding:0;margin:6px 0;display:flex;flex-wrap:wrap;gap:6px}ul.counts button{font:inherit;border:1px solid #c8c8d0;border-radius:14px;padding:2px 10px;cursor:pointer}
#summary ul{margin:4px 0;padding-left:20px}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0;position:sticky;top:0;background:#fff;z-index:3;padding:6px 0}
.filters input,.filters select{font:inherit;padding:3px 6px}.filters input{min-width:14em;flex:1 1 14em;max-width:28em}
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

/** How a claim's verdict in a cell compares with the baseline: '' (same, or no baseline), 'changed' (with the old verdict) or 'new'. */
type Compare = (c: CellResult) => { mark: '' } | { mark: 'changed'; was: Verdict } | { mark: 'new' };

const noBaseline: Compare = () => ({ mark: '' });

function comparer(baseline: Results | undefined): Compare {
  if (!baseline) return noBaseline;
  const before = baselineVerdicts(baseline);
  const ids = new Set(baseline.cells.map((c) => c.id));
  return (c) => {
    const was = before.get(`${c.id}\u0000${c.claims[0] ?? ''}`);
    if (was === undefined) return ids.has(c.id) ? { mark: '' } : { mark: 'new' };
    return was === c.verdict ? { mark: '' } : { mark: 'changed', was };
  };
}

/** A table cell of verdict links (label already HTML), coloured by its worst verdict; a change against the baseline is marked. */
function verdictTd(cells: readonly CellResult[], label: (c: CellResult) => string, compare: Compare = noBaseline, col?: string, notRun: readonly string[] = []): string {
  const data = col !== undefined ? ` data-col="${esc(col)}"` : '';
  const pending = notRun.map((id) => `<span class="notrun" title="${esc(`${id}: planned, not run (the run stopped early)`)}">not run</span>`).join('');
  if (cells.length === 0) return notRun.length > 0 ? `<td class="notrun"${data}>${pending}</td>` : `<td class="nocell"${data} title="no cell: no scenario of this claim runs here">–</td>`;
  const worst = cells.reduce((w, c) => (VERDICT_ORDER.indexOf(c.verdict) > VERDICT_ORDER.indexOf(w) ? c.verdict : w), cells[0]!.verdict);
  const links = cells
    .map((c) => {
      const diff = compare(c);
      const was = diff.mark === 'changed' ? `<span class="was">was ${esc(verdictLabel({ verdict: diff.was }))}</span>` : diff.mark === 'new' ? '<span class="was">new cell</span>' : '';
      const cls = diff.mark === '' ? `v-${c.verdict}` : `v-${c.verdict} ${diff.mark}`;
      return `<a class="${cls}" href="#${esc(cellAnchor(c.id))}" data-cell="${esc(c.id)}" title="${esc(`${c.id}: ${VERDICT_MEANING[c.verdict]}`)}">${label(c)}${was}</a>`;
    })
    .join('');
  return `<td class="cell v-${worst}"${data}>${links}${pending}</td>`;
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

/** The summary a release manager decides from: the decision, counts by verdict, new DRIFT/ERROR, known issues, coverage, changes. */
function summaryHtml(results: Results, baseline: { results: Results; source: string } | undefined): string[] {
  const h: string[] = ['<section id="summary">', '<h2>Summary</h2>'];
  const fresh = newProblems(results, baseline?.results);
  const failing = problemCells(results);
  const decision =
    failing.length === 0
      ? 'No DRIFT or ERROR: every cell behaved as the documents say.'
      : `${failing.length} DRIFT or ERROR cell${failing.length === 1 ? '' : 's'}${baseline ? `, ${fresh.length} new against the baseline` : ''}.`;
  h.push(`<p class="decision ${failing.length === 0 ? 'ok' : 'bad'}">${esc(decision)}</p>`);
  const counts = countVerdicts(results.cells);
  h.push(
    '<ul class="counts">' +
      VERDICT_ORDER.filter((v) => counts[v] > 0)
        .map((v) => `<li><button type="button" class="v-${v}" data-verdict="${v}" title="show only these">${esc(verdictLabel({ verdict: v }))}: ${counts[v]}</button></li>`)
        .join('') +
      '</ul>',
  );
  h.push('<h3>New DRIFT and ERROR</h3>');
  if (!baseline) h.push('<p class="none">No baseline to compare with (the first run into this folder; <code>--diff earlier/results.json</code> names one): every DRIFT and ERROR counts as new.</p>');
  if (fresh.length === 0) h.push('<p class="none new-problems">None.</p>');
  else h.push('<ul class="new-problems">' + fresh.map((c) => `<li><a class="v-${c.verdict}" href="#${esc(cellAnchor(c.id))}">${esc(verdictLabel({ verdict: c.verdict }))}</a> ${esc(c.id)}${c.failedStep ? `: ${esc(c.failedStep)}` : ''}</li>`).join('') + '</ul>');

  const issues = knownIssues(results);
  h.push('<h3>Known issues on the releases of this run</h3>');
  if (issues.length === 0) h.push('<p class="none">No documented known issue was graded in this run.</p>');
  else {
    h.push('<ul class="known-issues">');
    for (const k of issues) {
      const name = k.defect ? defectHtml(k.defect) : esc(k.claim);
      const where = (part: { cells: CellResult[]; releases: string }, word: string): string =>
        part.cells.length === 0 ? '' : `${word} on ${esc(part.releases || 'the run’s releases')} (${part.cells.length} cell${part.cells.length === 1 ? '' : 's'})`;
      const parts = [where(k.reproduced, 'reproduced'), where(k.fixed, 'fix verified')].filter(Boolean).join('; ');
      h.push(`<li><strong>${name}</strong> — ${parts}<div class="claims" title="${esc(k.statement)}">${esc(k.claim)}</div></li>`);
    }
    h.push('</ul>');
  }

  const cov = claimCoverage(results);
  h.push('<h3>Coverage</h3>');
  h.push(
    `<p class="coverage-counts">Claims graded on evidence: ${cov.graded} · untested: ${cov.untested} · context (not executable): ${cov.context}. ` +
      `Endpoints left out: ${cov.notApplicable} not applicable, ${cov.notModelled} not modelled${cov.notRun > 0 ? ` · cells not run: ${cov.notRun}` : ''}.</p>`,
  );
  h.push(`<p class="meta coverage">Coverage: ${esc(coverageLine(results))}.</p>`);

  h.push('<h3>Changes against the baseline</h3>');
  if (!baseline) h.push('<p class="none changes-line">No baseline.</p>');
  else {
    const changes = diffResults(baseline.results, results);
    const n = (k: string): number => changes.filter((c) => c.change === k).length;
    h.push(
      `<p class="changes-line">Against ${esc(baseline.source)}: ${n('changed')} changed, ${n('added')} added, ${n('removed')} removed${changes.length > 0 ? ' (<a href="#changes">the list</a>; changed cells are outlined in the matrix with their old verdict)' : ''}.</p>`,
    );
  }
  h.push('</section>');
  return h;
}

/** The search box and the verdict and endpoint filters (the page's one script drives them; without it the page is whole). */
function filtersHtml(columns: readonly string[]): string {
  const marks: [string, string][] = [
    ['changed', 'changed against the baseline'],
    ['na', 'not applicable'],
    ['nm', 'not modelled'],
    ['notrun', 'not run'],
    ['untested', 'untested'],
  ];
  return [
    '<div class="filters" role="search">',
    '<input id="q" type="search" placeholder="search features, claims, cells" aria-label="search">',
    '<select id="fv" aria-label="verdict"><option value="">every verdict</option>' +
      VERDICT_ORDER.map((v) => `<option value="${v}">${esc(verdictLabel({ verdict: v }))}</option>`).join('') +
      marks.map(([v, t]) => `<option value="${v}">${esc(t)}</option>`).join('') +
      '</select>',
    '<select id="fe" aria-label="endpoint"><option value="">every endpoint</option>' + columns.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join('') + '</select>',
    '<span id="shown" class="meta"></span>',
    '</div>',
  ].join('\n');
}

/**
 * Filtering: a row stays when its text holds the search, one of its (shown) cells has the verdict or mark, and, with
 * an endpoint chosen, that column has something; the other columns hide. A group heading hides with all its rows.
 */
const FILTER_SCRIPT = `
(function () {
  var q = document.getElementById('q'), fv = document.getElementById('fv'), fe = document.getElementById('fe'), shown = document.getElementById('shown');
  var body = document.querySelector('table.matrix tbody');
  if (!q || !fv || !fe || !body) return;
  var rows = Array.prototype.slice.call(body.querySelectorAll('tr'));
  function has(td, v) {
    if (!v) return !td.classList.contains('nocell');
    if (v === 'changed') return !!td.querySelector('a.changed, a.new');
    return td.classList.contains(v) || !!td.querySelector('a.v-' + v) || !!td.querySelector('.' + v);
  }
  function apply() {
    var text = q.value.trim().toLowerCase(), v = fv.value, e = fe.value, count = 0, total = 0;
    Array.prototype.forEach.call(document.querySelectorAll('table.matrix [data-col]'), function (el) { el.hidden = e !== '' && el.getAttribute('data-col') !== e; });
    var group = null, groupShown = false;
    rows.forEach(function (r) {
      if (r.classList.contains('group')) {
        if (group) group.hidden = !groupShown;
        group = r; groupShown = false; return;
      }
      total++;
      var tds = Array.prototype.slice.call(r.querySelectorAll('td')).filter(function (td) { return e === '' || td.getAttribute('data-col') === e; });
      var ok = (!text || (r.getAttribute('data-search') || '').indexOf(text) >= 0) && (v === '' && e === '' ? true : tds.some(function (td) { return has(td, v); }));
      r.hidden = !ok;
      if (ok) { count++; groupShown = true; }
    });
    if (group) group.hidden = !groupShown;
    shown.textContent = count + ' of ' + total + ' rows';
  }
  q.addEventListener('input', apply); fv.addEventListener('change', apply); fe.addEventListener('change', apply);
  Array.prototype.forEach.call(document.querySelectorAll('button[data-verdict]'), function (b) {
    b.addEventListener('click', function () { fv.value = b.getAttribute('data-verdict'); apply(); document.querySelector('.filters').scrollIntoView(); });
  });
  apply();
})();
`.trim();

/** The legend of the marks that are not verdicts. */
const MARKS: readonly [string, string, string][] = [
  ['na', 'n/a', 'the scenario leaves this endpoint out by its author’s choice (the reason on hover)'],
  ['nm', 'not modelled', 'the lab does not model what the scenario needs on this endpoint (the reason on hover)'],
  ['notrun', 'not run', 'the cell was planned but the run stopped before it (Ctrl-C or --bail)'],
  ['untested', 'untested', 'no cell graded the claim on evidence'],
  ['nocell', '–', 'no cell: no scenario of the claim runs on this endpoint'],
];

/**
 * matrix.html: ONE self-contained file (inline CSS and one inline script for the filters, no external asset). At the
 * top the summary a release manager decides from (decision, counts, new DRIFT/ERROR against the baseline, known
 * issues on the run's releases, coverage, changes); then the matrix, with search and verdict and endpoint filters.
 * Rows are grouped by the seed's sections; the first column stays in view while the endpoints scroll (a phone-width
 * screen included); a cell whose verdict changed against the baseline is outlined with its old verdict; each verdict
 * opens its cell's detail (documents against observation, releases, the failed step, links to the ladder page, the
 * captures and logs under `evidence/<folder>/`, relative to reports/out/); a CDETS id links to Cisco's bug search.
 * `baseline`: what the run is compared with (results.previous.json or `--diff`), already restricted to the cells
 * the run could be compared on.
 */
/** What the page knows of the evidence on disk: the cells whose folder holds a TLS key log (`tls-keys.log`). */
export interface EvidenceOnDisk {
  readonly keylogs?: ReadonlySet<string>;
}

export function renderMatrixHtml(results: Results, baseline?: { results: Results; source: string }, disk: EvidenceOnDisk = {}): string {
  const { columns, rows } = buildMatrix(results);
  const run = results.run;
  const compare = comparer(baseline?.results);
  const h: string[] = [];
  h.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  h.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  h.push('<title>UC interop matrix</title>', `<style>\n${css}\n</style>`, '</head>', '<body>');
  h.push('<h1>UC interop matrix</h1>');
  h.push(
    `<p class="meta">Run: seed ${esc(String(run.seed))}, ${esc(run.runtime)} runtime, started ${esc(run.startedAt)}, ${(run.durationMs / 1000).toFixed(3)} s; ${esc(run.tool)}${run.commit ? ` at ${esc(run.commit)}` : ''}, Node ${esc(run.node)}.</p>`,
  );
  const versions = Object.entries(run.versions);
  if (versions.length) h.push(`<p class="meta">Versions: ${versions.map(([k, v]) => `${esc(k)} ${esc(v)}`).join(', ')}.</p>`);
  if (run.interrupted) {
    const why = run.interrupted.cause === 'bail' ? 'stopped at the first DRIFT or ERROR (--bail)' : 'interrupted';
    h.push(`<p class="banner">This run was ${why}: ${run.interrupted.ran} of ${run.interrupted.planned} planned cells ran; the others are marked “not run”.</p>`);
  }
  h.push(`<p class="summary">${esc(summaryLine(results))}</p>`);
  h.push(...summaryHtml(results, baseline));

  h.push('<h2>Feature × endpoint</h2>');
  if (rows.length === 0) {
    h.push('<p class="none">No cells were run.</p>');
  } else {
    h.push(filtersHtml(columns));
    h.push(
      '<div class="scroll">',
      '<table class="matrix">',
      '<thead><tr><th>feature</th>' + columns.map((c) => `<th data-col="${esc(c)}">${esc(c)}</th>`).join('') + '</tr></thead>',
      '<tbody>',
    );
    const order = (claims: readonly string[]): number => {
      const i = GROUPS.findIndex(([, name]) => name === groupOf(claims));
      return i < 0 ? GROUPS.length : i;
    };
    // A claim no cell graded on evidence stands in its section as "untested" (unless a row of it shows why: drift, error).
    const shownClaims = new Set(rows.flatMap((r) => r.claims));
    const untested = results.untestedClaims.filter((c) => !shownClaims.has(c)).map((claim) => ({ claims: [claim], untested: true as const }));
    const entries = [...rows.map((row) => ({ claims: row.claims, row })), ...untested].sort((a, b) => order(a.claims) - order(b.claims));
    let group: string | undefined;
    for (const entry of entries) {
      const g = groupOf(entry.claims);
      if (g !== group) {
        group = g;
        h.push(`<tr class="group"><th colspan="${columns.length + 1}" scope="rowgroup">${esc(g)}</th></tr>`);
      }
      if (!('row' in entry)) {
        const claim = entry.claims[0] ?? '';
        h.push(
          `<tr data-search="${esc(claim.toLowerCase())} untested"><th scope="row">${esc(claim)}<div class="claims">no cell graded this claim</div></th><td class="untested" colspan="${columns.length}">untested</td></tr>`,
        );
        continue;
      }
      const row = entry.row;
      const tds = columns.map((col) => {
        const na = row.cells.has(col) ? undefined : row.notApplicable.get(col);
        if (na !== undefined) return isNotModelled(na) ? `<td class="nm" data-col="${esc(col)}" title="${esc(na)}">not modelled</td>` : `<td class="na" data-col="${esc(col)}" title="${esc(na)}">n/a</td>`;
        return verdictTd(row.cells.get(col) ?? [], cellLabelHtml, compare, col, row.notRun.get(col) ?? []);
      });
      const ids = [...row.cells.values()].flat().map((c) => c.id);
      const search = [row.label, ...row.claims, ...ids].join(' ').toLowerCase();
      const claims = row.claims.length ? `<div class="claims">${row.claims.map(esc).join(', ')}</div>` : '';
      h.push(`<tr data-search="${esc(search)}"><th scope="row">${esc(row.label)}${claims}</th>${tds.join('')}</tr>`);
    }
    h.push('</tbody>', '</table>', '</div>');
  }

  h.push('<table class="legend"><thead><tr><th>mark</th><th>meaning</th></tr></thead><tbody>');
  for (const v of VERDICT_ORDER) h.push(`<tr><td class="v-${v}">${esc(verdictLabel({ verdict: v }))}</td><td>${esc(VERDICT_MEANING[v])}</td></tr>`);
  for (const [cls, mark, meaning] of MARKS) h.push(`<tr><td class="${cls}">${esc(mark)}</td><td>${esc(meaning)}</td></tr>`);
  if (baseline) h.push(`<tr><td><a class="changed">outlined</a></td><td>${esc(`the verdict changed against ${baseline.source} (the old one below it)`)}</td></tr>`);
  h.push('</tbody></table>');

  h.push(...versionSectionHtml(results));

  if (baseline) {
    const changes = diffResults(baseline.results, results);
    h.push('<h2 id="changes">Changes against the baseline</h2>');
    if (changes.length === 0) h.push('<p class="none">No verdict changed; no cell added or removed.</p>');
    else {
      h.push('<table class="legend changes"><thead><tr><th>cell</th><th>change</th><th>before</th><th>after</th></tr></thead><tbody>');
      const label = (v: Verdict | undefined, defect: string | undefined): string => (v ? esc(verdictLabel({ verdict: v, ...(defect !== undefined ? { defect } : {}) })) : '—');
      for (const c of changes) {
        const cell = c.change === 'removed' ? esc(c.id) : `<a href="#${esc(cellAnchor(c.id))}">${esc(c.id)}</a>`;
        h.push(`<tr><td>${cell}</td><td>${c.change}</td><td${c.before ? ` class="v-${c.before}"` : ''}>${label(c.before, c.defect)}</td><td${c.after ? ` class="v-${c.after}"` : ''}>${label(c.after, c.defect)}</td></tr>`);
      }
      h.push('</tbody></table>');
    }
  }

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
    const base = evidenceHref(c).slice(0, -'ladder.md'.length);
    h.push(`<dt>evidence</dt><dd><a href="${esc(base)}ladder.html">ladder</a></dd>`, '</dl>');
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
      `<dt>evidence</dt><dd class="links"><a href="${esc(base)}ladder.html">ladder</a><a href="${esc(base)}trace.pcap">trace.pcap</a><a href="${esc(base)}trace.pcapng">trace.pcapng</a>${disk.keylogs?.has(c.id) ? `<a href="${esc(base)}tls-keys.log">tls-keys.log</a>` : ''}<a href="${esc(ladder)}">ladder.md</a><a href="${esc(base)}logs/">logs</a><a href="${esc(base)}">${esc(folder)}</a></dd>`,
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
  if (rows.length > 0) h.push(`<script>\n${FILTER_SCRIPT}\n</script>`);
  h.push('</body>', '</html>', '');
  return h.join('\n');
}
