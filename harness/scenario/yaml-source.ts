import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { z } from 'zod';
import { didYouMean } from './did-you-mean';
import { displayFile } from './display-file';
import { sourceError, type ScenarioError, type SourceErrorDetails, type SourceErrorKind } from './scenario-error';

export type YamlPath = readonly (string | number)[];

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** YAML path, e.g. `steps[3].alice.oc`. */
  path: string;
}

/** `['steps', 3, 'alice.oc']` → `steps[3].alice.oc`. */
export function formatYamlPath(p: YamlPath): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

export { displayFile } from './display-file';

export interface ErrorOptions {
  expected?: readonly string[];
  /** The word that was given, to look for a near miss among `expected`. */
  given?: string;
  label?: string;
  /** Point at the key `key` of the map at `path` instead of at the value. */
  atKey?: string;
}

/**
 * The syntax trees of the texts parsed last, by text. A tree depends on the text alone (the file's name is kept
 * beside it, in YamlSource) and nothing changes it after parsing: YamlSource only reads it, and each source
 * builds its own value from it. The tests load many copies of scenarios/ that differ in one file, and the
 * other 86 files then cost a lookup instead of a parse (about 0.4 s of a copy's 0.5 s, docs/decisions/0024).
 */
const parsedTexts = new Map<string, { doc: Document.Parsed; lines: LineCounter }>();
const PARSED_TEXTS = 512;
/** A text longer than this (a hand-written lab of thousands of users) is parsed each time rather than held. */
const PARSED_TEXT_MAX = 256 * 1024;

function parsedText(text: string): { doc: Document.Parsed; lines: LineCounter } {
  const held = parsedTexts.get(text);
  if (held) return held;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true });
  const parsed = { doc, lines };
  if (text.length > PARSED_TEXT_MAX) return parsed;
  if (parsedTexts.size >= PARSED_TEXTS) parsedTexts.delete(parsedTexts.keys().next().value as string);
  parsedTexts.set(text, parsed);
  return parsed;
}

/**
 * A parsed YAML file that remembers where every node came from, so that a problem found in the parsed value
 * (by zod or by hand) can be reported as `file:line:column` with its YAML path.
 */
export class YamlSource {
  readonly value: unknown;

  private constructor(
    readonly file: string,
    readonly kind: SourceErrorKind,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {
    this.value = doc.toJS({ maxAliasCount: 100 });
  }

  static fromFile(file: string, kind: SourceErrorKind): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      const problem = `cannot read file: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw sourceError(kind, { file: displayFile(file), line: 1, column: 1, yamlPath: '', problem }, cause);
    }
    return YamlSource.fromString(text, file, kind);
  }

  /** Parse `text`; YAML syntax errors throw a ScenarioError (or LabFileError) carrying line:column. */
  static fromString(text: string, file: string, kind: SourceErrorKind): YamlSource {
    const shown = displayFile(file);
    const { doc, lines } = parsedText(text);
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      const problem = `YAML syntax error (${first.code}): ${first.message.split('\n')[0] ?? ''}`;
      const more = doc.errors.length - 1;
      throw sourceError(kind, { file: shown, line: pos.line, column: pos.col, yamlPath: '', problem, more });
    }
    try {
      return new YamlSource(shown, kind, doc, lines);
    } catch (cause) {
      const problem = `YAML error: ${cause instanceof Error ? cause.message : String(cause)}`;
      throw sourceError(kind, { file: shown, line: 1, column: 1, yamlPath: '', problem }, cause);
    }
  }

  /** The node at `p` and the pair holding it, or the deepest existing ancestor (`depth` = how many segments matched). */
  private walk(p: YamlPath): { node: Node | null | undefined; pair: Pair | undefined; depth: number } {
    let node: unknown = this.doc.contents;
    let pair: Pair | undefined;
    let depth = 0;
    for (const seg of p) {
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const found = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(seg));
        if (!found) break;
        pair = found;
        node = found.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        pair = undefined;
        node = node.items[seg];
      } else {
        break;
      }
      depth++;
    }
    return { node: node as Node | null | undefined, pair, depth };
  }

  private position(offset: number | undefined): { line: number; column: number } {
    if (offset === undefined) return { line: 1, column: 1 };
    const lp = this.lines.linePos(offset);
    return { line: lp.line, column: lp.col };
  }

  /** Location of the node at `p` (or of key `atKey` in the map at `p`); falls back to the nearest ancestor. */
  locate(p: YamlPath, atKey?: string): SourceLocation {
    const { node, pair, depth } = this.walk(p);
    const resolvedPath = p.slice(0, depth);
    let offset: number | undefined;
    if (depth === p.length && atKey !== undefined && isMap(node)) {
      const keyPair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === atKey);
      if (keyPair && isScalar(keyPair.key)) offset = keyPair.key.range?.[0];
    }
    if (offset === undefined && node && node.range) offset = node.range[0];
    if (offset === undefined && pair && isScalar(pair.key)) offset = pair.key.range?.[0];
    const pos = this.position(offset);
    const fullPath = atKey !== undefined ? [...resolvedPath, atKey] : resolvedPath;
    return { file: this.file, line: pos.line, column: pos.column, path: formatYamlPath(fullPath) };
  }

  /** Whether a node exists at `p`. */
  has(p: YamlPath): boolean {
    return this.walk(p).depth === p.length;
  }

  /** Build the error for a problem at `p`. */
  error(p: YamlPath, problem: string, opts: ErrorOptions = {}): ScenarioError {
    const loc = this.locate(p, opts.atKey);
    const details: SourceErrorDetails = {
      file: loc.file,
      line: loc.line,
      column: loc.column,
      yamlPath: formatYamlPath(opts.atKey !== undefined ? [...p, opts.atKey] : p),
      problem,
    };
    if (opts.expected) details.expected = opts.expected;
    if (opts.label !== undefined) details.label = opts.label;
    if (opts.given !== undefined && opts.expected) {
      const s = didYouMean(opts.given, opts.expected);
      if (s !== undefined && s !== opts.given) details.suggestion = s;
    }
    return sourceError(this.kind, details);
  }

  /** The parsed value at `p` (undefined when absent). */
  valueAt(p: YamlPath): unknown {
    let v: unknown = this.value;
    for (const seg of p) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[seg];
    }
    return v;
  }

  /** Validate the value at `at` with `schema`; the first issue becomes a located error. */
  parse<S extends z.ZodType>(schema: S, at: YamlPath = []): z.output<S> {
    return this.parseValue(schema, this.valueAt(at), at);
  }

  /**
   * Validate `value` (this file's value, or one built from it, such as a lab merged with the lab it extends):
   * problems are located in this file, at the nearest node that exists here.
   */
  parseValue<S extends z.ZodType>(schema: S, value: unknown, at: YamlPath = []): z.output<S> {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    // An unknown key is usually a misspelling of a missing one: report it first.
    const issues = [...result.error.issues].sort(
      (x, y) => Number(y.code === 'unrecognized_keys') - Number(x.code === 'unrecognized_keys'),
    );
    const first = issues[0];
    if (!first) throw this.error(at, 'invalid document');
    const err = this.issueError(schema, first, at);
    if (issues.length > 1) {
      // Re-issue with the count of further problems (the first one is the one to fix first).
      return this.throwWithMore(err, issues.length - 1);
    }
    throw err;
  }

  private throwWithMore(err: ScenarioError, more: number): never {
    const details: SourceErrorDetails = {
      file: err.file,
      line: err.line,
      column: err.column,
      yamlPath: err.yamlPath,
      problem: err.problem,
      expected: err.expected,
      more,
    };
    if (err.suggestion !== undefined) details.suggestion = err.suggestion;
    throw sourceError(this.kind, details);
  }

  /** Turn one zod issue into a located error. */
  issueError(root: z.ZodType, issue: z.core.$ZodIssue, at: YamlPath = []): ScenarioError {
    const p: (string | number)[] = [...at, ...issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s))];
    const given = this.valueAt(p);
    switch (issue.code) {
      case 'invalid_value': {
        const expected = issue.values.map((v) => String(v));
        const g = typeof given === 'string' ? given : undefined;
        const problem = `${describeValue(given)} is not allowed`;
        return this.error(p, problem, g !== undefined ? { expected, given: g } : { expected });
      }
      case 'unrecognized_keys': {
        const key = issue.keys[0] ?? '';
        const allowed = objectKeysAt(root, p.slice(at.length));
        const problem = `unknown key "${key}"`;
        return this.error(p, problem, allowed ? { expected: allowed, given: key, atKey: key } : { atKey: key });
      }
      case 'invalid_type': {
        if (given === undefined && !this.has(p)) {
          const key = p[p.length - 1];
          const parent = p.slice(0, -1);
          return this.error(parent, `missing required key "${String(key)}" (${issue.expected})`);
        }
        return this.error(p, `expected ${issue.expected}, got ${describeValue(given)}`, { expected: [issue.expected] });
      }
      case 'invalid_union': {
        // Report the branch that got furthest (the deepest first issue) — usually the one the author meant.
        let best: z.core.$ZodIssue | undefined;
        for (const branch of issue.errors) {
          const f = branch[0];
          if (f && (!best || f.path.length > best.path.length)) best = f;
        }
        if (best && best.path.length > 0) {
          return this.issueError(root, { ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue, at);
        }
        return this.error(p, issue.message);
      }
      case 'custom': {
        const params = (issue.params ?? {}) as { expected?: unknown; given?: unknown; atKey?: unknown };
        const opts: ErrorOptions = {};
        if (Array.isArray(params.expected)) opts.expected = params.expected.map((x) => String(x));
        if (typeof params.given === 'string') opts.given = params.given;
        else if (typeof given === 'string') opts.given = given;
        if (typeof params.atKey === 'string') opts.atKey = params.atKey;
        return this.error(p, issue.message, opts);
      }
      default:
        return this.error(p, issue.message);
    }
  }
}

/** A short description of a parsed value for messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  return 'a mapping';
}

/** The keys an object schema allows at `p` inside `root` (undefined if there is no object schema there). */
export function objectKeysAt(root: z.ZodType, p: YamlPath): string[] | undefined {
  const s = schemaAt(root, p);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (let i = 0; i < 20; i++) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault) {
      cur = cur.unwrap() as z.ZodType;
    } else if (cur instanceof z.ZodPipe) {
      cur = cur.in as z.ZodType;
    } else {
      return cur;
    }
  }
  return cur;
}

/** Follow `p` through objects, arrays and records of `root`. */
export function schemaAt(root: z.ZodType, p: YamlPath): z.ZodType | undefined {
  let cur: z.ZodType | undefined = unwrap(root);
  for (const seg of p) {
    if (!cur) return undefined;
    if (cur instanceof z.ZodObject && typeof seg === 'string') {
      const next: unknown = (cur.shape as Record<string, unknown>)[seg];
      cur = next instanceof z.ZodType ? unwrap(next) : undefined;
    } else if (cur instanceof z.ZodArray) {
      cur = unwrap(cur.element as z.ZodType);
    } else if (cur instanceof z.ZodRecord) {
      cur = unwrap(cur.valueType as z.ZodType);
    } else {
      return undefined;
    }
  }
  return cur;
}
