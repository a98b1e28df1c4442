// Deliberately not via simulators/index.ts: loading a YAML file must not load every simulator (sip.js, sockets);
// kernel/errors.ts has no imports. The class is the same one simulators/index.ts re-exports.
import { LabError } from '../../simulators';

export interface SourceErrorDetails {
  /** The file as shown to the user (relative to the working directory when under it). */
  file: string;
  /** 1-based line and column of the offending node. */
  line: number;
  column: number;
  /** YAML path of the offending node, e.g. `steps[3].alice.oc`; '' for the document itself. */
  yamlPath: string;
  /** What went wrong, without location (e.g. `unknown action "makeCal" for alice.oc`). */
  problem: string;
  /** The words that would have been accepted. */
  expected?: readonly string[];
  /** A near miss among `expected`, shown as "did you mean …?". */
  suggestion?: string;
  /** Path shown before the problem when it differs from yamlPath (e.g. the step, `steps[3]`). */
  label?: string;
  /** How many further problems the file has. */
  more?: number;
}

/** Format `file:line:column: path: problem; expected one of: a, b (did you mean a?)`. Never includes a stack. */
export function formatSourceError(d: SourceErrorDetails): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  const label = d.label ?? d.yamlPath;
  let text = `${where}: ${label ? `${label}: ` : ''}${d.problem}`;
  if (d.expected && d.expected.length > 0) text += `; expected one of: ${d.expected.join(', ')}`;
  if (d.suggestion) text += ` (did you mean ${d.suggestion}?)`;
  if (d.more) text += ` (and ${d.more} more problem${d.more === 1 ? '' : 's'} in this file)`;
  return text;
}

/** A scenario file (or claims file) is not what the schema expects: where, what, and what would do. */
export class ScenarioError extends LabError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly yamlPath: string;
  readonly problem: string;
  readonly expected: readonly string[];
  readonly suggestion: string | undefined;

  constructor(details: SourceErrorDetails, options?: { cause?: unknown; code?: 'UC_SCENARIO' | 'UC_LAB' }) {
    super(options?.code ?? 'UC_SCENARIO', formatSourceError(details), options?.cause ? { cause: options.cause } : undefined);
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.yamlPath = details.yamlPath;
    this.problem = details.problem;
    this.expected = details.expected ?? [];
    this.suggestion = details.suggestion;
  }
}

/** A lab file is not what the lab schema expects (same shape as ScenarioError, code UC_LAB). */
export class LabFileError extends ScenarioError {
  constructor(details: SourceErrorDetails, options?: { cause?: unknown }) {
    super(details, { ...options, code: 'UC_LAB' });
  }
}

export type SourceErrorKind = 'scenario' | 'lab';

export function sourceError(kind: SourceErrorKind, details: SourceErrorDetails, cause?: unknown): ScenarioError {
  const options = cause === undefined ? undefined : { cause };
  return kind === 'lab' ? new LabFileError(details, options) : new ScenarioError(details, options);
}
