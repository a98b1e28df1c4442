/**
 * The feature × endpoint matrix every renderer shares: rows are a feature (plus any non-endpoint
 * axes, e.g. `cucm=7.0(2)`, so version views do not collide), columns the values of the `endpoint`
 * axis, and a cell the result(s) that fell there.
 */
import type { CellResult, Results, Verdict } from '../harness/run/results';

/** DESIGN.md "Endpoint axis names are fixed"; other values follow in order of appearance. */
export const ENDPOINT_ORDER = ['7975-sccp', '7971-sip', '7931-sccp', '7970-sccp', '7970-sip'] as const;
/** Column for cells whose scenario has no `endpoint` axis. */
export const NO_ENDPOINT = '(any endpoint)';

export const VERDICT_ORDER: readonly Verdict[] = ['supported', 'unsupported', 'known-issue', 'fix-verified', 'drift', 'error'];

export const VERDICT_SYMBOL: Record<Verdict, string> = {
  supported: '✅',
  unsupported: '⛔',
  'known-issue': '🐞',
  'fix-verified': '✔️',
  drift: '⚠️',
  error: '💥',
};

export const VERDICT_WORD: Record<Verdict, string> = {
  supported: 'supported',
  unsupported: 'unsupported',
  'known-issue': 'known issue',
  'fix-verified': 'fix verified',
  drift: 'DRIFT',
  error: 'ERROR',
};

/** What each verdict means (DESIGN.md "Verdicts"), for legends. */
export const VERDICT_MEANING: Record<Verdict, string> = {
  supported: 'documented as supported, and it works',
  unsupported: 'documented as unsupported, and it behaves as documented',
  'known-issue': 'documented known issue, reproduced on an affected version',
  'fix-verified': 'documented known issue, correct behaviour on a fixed version',
  drift: 'what happened differs from the documents (regression, works now, or fails differently)',
  error: 'the scenario crashed or an invariant broke',
};

/** '✅ supported', '🐞 known issue CSCsy62620', '⚠️ DRIFT' … */
export function verdictLabel(cell: Pick<CellResult, 'verdict' | 'defect'>): string {
  const defect = cell.defect && (cell.verdict === 'known-issue' || cell.verdict === 'fix-verified') ? ` ${cell.defect}` : '';
  return `${VERDICT_SYMBOL[cell.verdict]} ${VERDICT_WORD[cell.verdict]}${defect}`;
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
  /** The feature, with the non-endpoint axes in parentheses when there are any. */
  label: string;
  feature: string;
  otherAxes: string;
  claims: string[];
  cells: Map<string, CellResult[]>;
}

export interface Matrix {
  columns: string[];
  rows: MatrixRow[];
}

export function buildMatrix(results: Results): Matrix {
  const seen = new Set<string>();
  let anyWithout = false;
  for (const c of results.cells) {
    const e = c.axes['endpoint'];
    if (e === undefined) anyWithout = true;
    else seen.add(e);
  }
  const columns = [...ENDPOINT_ORDER.filter((e) => seen.has(e)), ...[...seen].filter((e) => !(ENDPOINT_ORDER as readonly string[]).includes(e))];
  if (anyWithout) columns.push(NO_ENDPOINT);

  const rows = new Map<string, MatrixRow>();
  for (const c of results.cells) {
    const otherAxes = formatAxes(c.axes, ['endpoint']);
    const key = `${c.feature}\u0000${otherAxes}`;
    let row = rows.get(key);
    if (!row) {
      row = { label: otherAxes ? `${c.feature} (${otherAxes})` : c.feature, feature: c.feature, otherAxes, claims: [], cells: new Map() };
      rows.set(key, row);
    }
    for (const claim of c.claims) if (!row.claims.includes(claim)) row.claims.push(claim);
    const column = c.axes['endpoint'] ?? NO_ENDPOINT;
    row.cells.set(column, [...(row.cells.get(column) ?? []), c]);
  }
  return { columns, rows: [...rows.values()] };
}

/** Cells that fail `npm test`, in results order. */
export const problemCells = (results: Results): CellResult[] => results.cells.filter((c) => c.verdict === 'drift' || c.verdict === 'error');

export function summaryLine(results: Results, symbols = true): string {
  const counts = countVerdicts(results.cells);
  const parts = VERDICT_ORDER.filter((v) => counts[v] > 0).map((v) => `${counts[v]} ${symbols ? `${VERDICT_SYMBOL[v]} ` : ''}${VERDICT_WORD[v]}`);
  const n = results.cells.length;
  return `${n} cell${n === 1 ? '' : 's'}${parts.length ? `: ${parts.join(' · ')}` : ''}; ${results.untestedClaims.length} untested claim${results.untestedClaims.length === 1 ? '' : 's'}`;
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
