/**
 * The feature × endpoint matrix every renderer shares: rows are a feature (plus any axis that is
 * neither `endpoint` nor a product, e.g. `dn=e164`), columns the values of the `endpoint` axis, and a
 * cell the result(s) that fell there; a product axis (`cucm=7.0(2)`) goes into the cell's label, so the
 * table keeps one row per documented feature. The version × version view (`buildVersionTables`) lays
 * the same cells out by product version.
 */
import { ENDPOINTS, VERSION_KEYS } from '../harness/run/results';
import type { CellResult, Results, Verdict } from '../harness/run/results';

/** Endpoint axis names are fixed (docs/verdicts.md §4); other values follow in order of appearance. */
export const ENDPOINT_ORDER = ENDPOINTS;
/** Column for cells whose scenario has no `endpoint` axis. */
export const NO_ENDPOINT = '(any endpoint)';

export const VERDICT_ORDER: readonly Verdict[] = ['supported', 'unsupported', 'known-issue', 'fix-verified', 'observed-works', 'observed-fails', 'drift', 'error'];

export const VERDICT_SYMBOL: Record<Verdict, string> = {
  supported: '✅',
  unsupported: '⛔',
  'known-issue': '🐞',
  'fix-verified': '✔️',
  'observed-works': '🔎',
  'observed-fails': '🔎',
  drift: '⚠️',
  error: '💥',
};

export const VERDICT_WORD: Record<Verdict, string> = {
  supported: 'supported',
  unsupported: 'unsupported',
  'known-issue': 'known issue',
  'fix-verified': 'fix verified',
  'observed-works': 'not tested by the vendor: works',
  'observed-fails': 'not tested by the vendor: fails',
  drift: 'DRIFT',
  error: 'ERROR',
};

/** What each verdict means (docs/verdicts.md §1), for legends. */
export const VERDICT_MEANING: Record<Verdict, string> = {
  supported: 'documented as supported, and it works',
  unsupported: 'documented as unsupported, and it behaves as documented',
  'known-issue': 'documented known issue, reproduced on an affected version',
  'fix-verified': 'documented known issue, corrected behaviour observed on a release outside the affected range',
  'observed-works': 'the vendor did not test it; the lab observed it working',
  'observed-fails': 'the vendor did not test it; the lab observed it failing',
  drift: 'what happened differs from the documents (regression, works now, or fails differently)',
  error: 'the scenario crashed or an invariant broke',
};

/** '✅ supported', '🐞 known issue CSCsy62620', '⚠️ DRIFT' … */
export function verdictLabel(cell: Pick<CellResult, 'verdict' | 'defect'>): string {
  const defect = cell.defect && (cell.verdict === 'known-issue' || cell.verdict === 'fix-verified') ? ` ${cell.defect}` : '';
  return `${VERDICT_SYMBOL[cell.verdict]} ${VERDICT_WORD[cell.verdict]}${defect}`;
}

/**
 * Axis names that are products, i.e. whose values are versions of something in the test bed
 * (the keys of `run.versions` the runner writes). A product axis never splits a feature × endpoint
 * row; its value is shown in the cell label and gets its own version × version view.
 */
export const PRODUCT_AXES = VERSION_KEYS;
export type ProductAxis = (typeof PRODUCT_AXES)[number];

export const isProductAxis = (axis: string): axis is ProductAxis => (PRODUCT_AXES as readonly string[]).includes(axis);

/** Column-header names of the products: 'CUCM 7.0(2)'. */
export const PRODUCT_NAME: Record<ProductAxis, string> = {
  cucm: 'CUCM',
  cup: 'CUP',
  cupE164RccPatch: 'CUP E.164 RCC patch',
  ocs: 'OCS',
  oc: 'OC',
  exchange: 'Exchange',
};

/** The product axes of a cell, in the cell's own axis order: 'cucm 7.0(2)', or '' without any. */
export function productAxesText(axes: Record<string, string>): string {
  return Object.entries(axes)
    .filter(([k]) => isProductAxis(k))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** The label of a cell in the feature × endpoint table: '🐞 known issue CSCsy62620 (cucm 7.0(2))'. */
export function cellLabel(cell: Pick<CellResult, 'verdict' | 'defect' | 'axes'>): string {
  const products = productAxesText(cell.axes);
  return products ? `${verdictLabel(cell)} (${products})` : verdictLabel(cell);
}

/**
 * Relative link to a cell's ladder: `evidence/<folder>/ladder.md`, each path segment percent-encoded
 * (RFC 3986 §2.1), parentheses included so the link also survives markdown link syntax.
 */
export function evidenceHref(cell: Pick<CellResult, 'evidence'>): string {
  const segments = cell.evidence.split('/').filter((s) => s !== '');
  const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [...segments, 'ladder.md'].map(encode).join('/');
}

export function formatAxes(axes: Record<string, string>, omit: readonly string[] = []): string {
  return Object.entries(axes)
    .filter(([k]) => !omit.includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

export function countVerdicts(cells: readonly CellResult[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const c of cells) counts[c.verdict] += 1;
  return counts;
}

export interface MatrixRow {
  /** The feature, with the axes that are neither endpoint nor product in parentheses when there are any. */
  label: string;
  feature: string;
  otherAxes: string;
  claims: string[];
  cells: Map<string, CellResult[]>;
  /** Columns the row's scenarios leave out, with why (results.json `notApplicable`): shown as "n/a", not blank. */
  notApplicable: Map<string, string>;
  /** Cells of the row the run did not reach (results.json `notRun`), by column. */
  notRun: Map<string, string[]>;
}

/** An endpoint left out because the lab lacks what the scenario needs there (not the author's choice). */
export const isNotModelled = (reason: string): boolean => /^([^:]+: )?not modelled/.test(reason);

export interface Matrix {
  columns: string[];
  rows: MatrixRow[];
}

/**
 * Each cell once per claim it grades, as that claim's own result: the claim's statement as the feature and
 * the claim's verdict (a cell of a scenario listing three claims stands in three rows).
 */
export function claimEntries(results: Results): CellResult[] {
  return results.cells.flatMap((c) =>
    c.claimVerdicts.map((v): CellResult => {
      const { failedStep: _f, expected: _e, observed: _o, ...rest } = c;
      return {
        ...rest,
        feature: v.statement,
        claims: [v.claim],
        documented: v.documented,
        verdict: v.verdict,
        ...(v.failedStep !== undefined ? { failedStep: v.failedStep } : {}),
        ...(v.expected !== undefined ? { expected: v.expected } : {}),
        ...(v.observed !== undefined ? { observed: v.observed } : {}),
      };
    }),
  );
}

export function buildMatrix(results: Results): Matrix {
  const seen = new Set<string>();
  let anyWithout = false;
  for (const c of results.cells) {
    const e = c.axes['endpoint'];
    if (e === undefined) anyWithout = true;
    else seen.add(e);
  }
  for (const n of results.notRun ?? []) {
    const e = n.axes['endpoint'];
    if (e === undefined) anyWithout = true;
    else seen.add(e);
  }
  const columns = [...ENDPOINT_ORDER.filter((e) => seen.has(e)), ...[...seen].filter((e) => !(ENDPOINT_ORDER as readonly string[]).includes(e))];
  if (anyWithout) columns.push(NO_ENDPOINT);

  const rows = new Map<string, MatrixRow>();
  const rowOf = (feature: string, axes: Record<string, string>, claim: string): MatrixRow => {
    const otherAxes = formatAxes(axes, ['endpoint', ...PRODUCT_AXES]);
    const key = `${feature}\u0000${otherAxes}`;
    let row = rows.get(key);
    if (!row) {
      row = { label: otherAxes ? `${feature} (${otherAxes})` : feature, feature, otherAxes, claims: [], cells: new Map(), notApplicable: new Map(), notRun: new Map() };
      rows.set(key, row);
    }
    if (!row.claims.includes(claim)) row.claims.push(claim);
    return row;
  };
  for (const c of claimEntries(results)) {
    const row = rowOf(c.feature, c.axes, c.claims[0] ?? '');
    const column = c.axes['endpoint'] ?? NO_ENDPOINT;
    row.cells.set(column, [...(row.cells.get(column) ?? []), c]);
  }
  for (const n of results.notRun ?? []) {
    const row = rowOf(n.statement, n.axes, n.claim);
    const column = n.axes['endpoint'] ?? NO_ENDPOINT;
    row.notRun.set(column, [...(row.notRun.get(column) ?? []), n.cell]);
  }
  // An endpoint a scenario leaves out is "n/a" in its claim's row, unless another scenario of the claim ran there.
  for (const na of results.notApplicable ?? []) {
    const row = rows.get(`${na.statement}\u0000`);
    if (!row || row.cells.has(na.endpoint) || !columns.includes(na.endpoint)) continue;
    if (!row.notApplicable.has(na.endpoint)) row.notApplicable.set(na.endpoint, `${na.scenario}: ${na.reason}`);
  }
  return { columns, rows: [...rows.values()] };
}

/** Numbers first: '7.0(2)' < '7.1(2)' < '7.10(1)'. */
const compareVersions = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

const endpointRank = (endpoint: string): number => {
  const i = (ENDPOINT_ORDER as readonly string[]).indexOf(endpoint);
  return i === -1 ? ENDPOINT_ORDER.length : i;
};

export interface VersionRow {
  feature: string;
  /** The endpoint axis value, or NO_ENDPOINT. */
  endpoint: string;
  /** Every other axis except `endpoint` and the table's own product axis: 'cup=7.0(3)', or ''. */
  otherAxes: string;
  /** Keyed by product version ('7.0(2)'). */
  cells: Map<string, CellResult[]>;
}

/** One claim laid out over the versions of one product: rows (feature, endpoint), columns versions. */
export interface VersionTable {
  claim: string;
  axis: ProductAxis;
  /** The versions seen, oldest first. */
  values: string[];
  /** Column headers: 'CUCM 7.0(2)'. */
  columns: string[];
  /** The distinct features of the rows, in order of appearance. */
  features: string[];
  /** The defects named by the cells (CSCsy62620) that the claim id does not already name. */
  defects: string[];
  rows: VersionRow[];
}

/**
 * The version × version view: one table for every (claim, product axis) whose cells take two or more
 * values of that axis, in order of first appearance in the results. A cell of several claims appears
 * in each of their tables.
 */
export function buildVersionTables(results: Results): VersionTable[] {
  const byClaim = new Map<string, CellResult[]>();
  for (const c of claimEntries(results)) for (const claim of c.claims) byClaim.set(claim, [...(byClaim.get(claim) ?? []), c]);
  const tables: VersionTable[] = [];
  for (const [claim, cells] of byClaim) {
    const axesInOrder: ProductAxis[] = [];
    for (const c of cells) for (const k of Object.keys(c.axes)) if (isProductAxis(k) && !axesInOrder.includes(k)) axesInOrder.push(k);
    for (const axis of axesInOrder) {
      const withAxis = cells.filter((c) => c.axes[axis] !== undefined);
      const values = [...new Set(withAxis.map((c) => c.axes[axis] as string))].sort(compareVersions);
      if (values.length < 2) continue;
      const rows = new Map<string, VersionRow>();
      const features: string[] = [];
      const defects: string[] = [];
      for (const c of withAxis) {
        const endpoint = c.axes['endpoint'] ?? NO_ENDPOINT;
        const otherAxes = formatAxes(c.axes, ['endpoint', axis]);
        const key = `${c.feature}\u0000${endpoint}\u0000${otherAxes}`;
        let row = rows.get(key);
        if (!row) {
          row = { feature: c.feature, endpoint, otherAxes, cells: new Map() };
          rows.set(key, row);
        }
        const value = c.axes[axis] as string;
        row.cells.set(value, [...(row.cells.get(value) ?? []), c]);
        if (!features.includes(c.feature)) features.push(c.feature);
        if (c.defect !== undefined && !defects.includes(c.defect) && !claim.includes(c.defect)) defects.push(c.defect);
      }
      const sorted = [...rows.values()].sort(
        (a, b) =>
          features.indexOf(a.feature) - features.indexOf(b.feature) ||
          endpointRank(a.endpoint) - endpointRank(b.endpoint) ||
          (a.endpoint === b.endpoint ? 0 : a.endpoint < b.endpoint ? -1 : 1) ||
          (a.otherAxes === b.otherAxes ? 0 : a.otherAxes < b.otherAxes ? -1 : 1),
      );
      tables.push({ claim, axis, values, columns: values.map((v) => `${PRODUCT_NAME[axis]} ${v}`), features, defects, rows: sorted });
    }
  }
  return tables;
}

/** Does any cell carry a product axis? (The "By version" section is shown only then.) */
export const hasProductAxis = (results: Results): boolean => results.cells.some((c) => Object.keys(c.axes).some(isProductAxis));

/**
 * Per version, the verdict counts of a version table's cells, oldest first:
 * 'CUCM 7.0(2): 5 🐞 known issue → CUCM 7.1(2): 5 ✔️ fix verified'.
 */
export function versionTransition(table: VersionTable, symbols = true): string {
  return table.values
    .map((value, i) => {
      const cells = table.rows.flatMap((r) => r.cells.get(value) ?? []);
      const counts = countVerdicts(cells);
      const parts = VERDICT_ORDER.filter((v) => counts[v] > 0).map((v) => `${counts[v]} ${symbols ? `${VERDICT_SYMBOL[v]} ` : ''}${VERDICT_WORD[v]}`);
      return `${table.columns[i]}: ${parts.join(' · ')}`;
    })
    .join(' → ');
}

/** Cells that fail `npm test`, in results order. */
export const problemCells = (results: Results): CellResult[] => results.cells.filter((c) => c.verdict === 'drift' || c.verdict === 'error');

export function summaryLine(results: Results, symbols = true): string {
  const counts = countVerdicts(results.cells);
  const parts = VERDICT_ORDER.filter((v) => counts[v] > 0).map((v) => `${counts[v]} ${symbols ? `${VERDICT_SYMBOL[v]} ` : ''}${VERDICT_WORD[v]}`);
  const n = results.cells.length;
  const stop = results.run.interrupted;
  const interrupted = stop ? ` (${stop.cause === 'bail' ? 'stopped at the first DRIFT or ERROR (--bail)' : 'interrupted'}: ${stop.ran} of ${stop.planned} planned cells ran)` : '';
  return `${n} cell${n === 1 ? '' : 's'}${interrupted}${parts.length ? `: ${parts.join(' · ')}` : ''}; ${results.untestedClaims.length} untested claim${results.untestedClaims.length === 1 ? '' : 's'}`;
}

/**
 * Claim coverage: '36 cells over 17 claims; 108 of 125 claims not yet covered'. Covered = the claims some
 * cell graded on evidence (not drift, not error); the total also counts `untestedClaims`.
 */
export function coverageLine(results: Results): string {
  const covered = new Set(results.cells.flatMap((c) => c.claimVerdicts.filter((v) => v.verdict !== 'drift' && v.verdict !== 'error').map((v) => v.claim)));
  const total = new Set([...covered, ...results.untestedClaims]).size;
  const untested = new Set(results.untestedClaims.filter((c) => !covered.has(c))).size;
  const n = results.cells.length;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `${plural(n, 'cell')} over ${plural(covered.size, 'claim')}; ${untested} of ${plural(total, 'claim')} not yet covered`;
}

/** XML 1.0 §2.2 Char: drop control characters other than TAB, LF, CR (they are not allowed even escaped). */
export function stripInvalidXmlChars(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/** Escapes text for HTML/XML element content and quoted attribute values. */
export function escapeXml(text: string): string {
  return stripInvalidXmlChars(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
