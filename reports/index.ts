export { renderAllure } from './allure';
export type { AllureAttachment, AllureOutput, AllureStatus } from './allure';
export { diffResults, renderDiffMarkdown } from './diff-results';
export type { CellChange, CellChangeKind } from './diff-results';
export { renderJunit } from './junit';
export { renderMatrixHtml } from './matrix-html';
export { escapeMarkdown, renderMatrixMarkdown, renderVersionSectionMarkdown } from './matrix-markdown';
export {
  buildMatrix,
  buildVersionTables,
  cellLabel,
  countVerdicts,
  coverageLine,
  ENDPOINT_ORDER,
  escapeXml,
  evidenceHref,
  hasProductAxis,
  isProductAxis,
  NO_ENDPOINT,
  PRODUCT_AXES,
  PRODUCT_NAME,
  productAxesText,
  summaryLine,
  VERDICT_MEANING,
  VERDICT_ORDER,
  VERDICT_SYMBOL,
  VERDICT_WORD,
  verdictLabel,
  versionTransition,
} from './matrix-model';
export type { Matrix, MatrixRow, ProductAxis, VersionRow, VersionTable } from './matrix-model';
export { mergeResults } from './merge-results';
export { gate, renderGate } from './gate';
export type { Fleet, GateFinding, GateFindingKind, GateOptions, GateOutcome } from './gate';
