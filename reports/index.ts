export { diffResults, renderDiffMarkdown } from './diff-results';
export type { CellChange, CellChangeKind } from './diff-results';
export { renderJunit } from './junit';
export { renderMatrixHtml } from './matrix-html';
export { escapeMarkdown, renderMatrixMarkdown } from './matrix-markdown';
export {
  buildMatrix,
  countVerdicts,
  ENDPOINT_ORDER,
  escapeXml,
  evidenceHref,
  NO_ENDPOINT,
  summaryLine,
  VERDICT_MEANING,
  VERDICT_ORDER,
  VERDICT_SYMBOL,
  VERDICT_WORD,
  verdictLabel,
} from './matrix-model';
export type { Matrix, MatrixRow } from './matrix-model';
export { mergeResults } from './merge-results';
