import type { ArgSpec, RegisteredKind, ValueSpec } from '../../simulators';
import type { Claim } from './claim-schema';
import type { ActorSpec, Evidence, Loc, MatcherValue, NetworkFault, RawArg, Step, SurfaceRef, Target, When } from './scenario-schema';
import { formatRef } from './scenario-schema';
import {
  ACTOR_PROPERTIES,
  ACTOR_SURFACES,
  CONFIG_OPERATIONS,
  OPERATION_ALIASES,
  DEFAULT_AWAIT_MS,
  PLACEHOLDER,
  SHOWS,
  STEP_KINDS,
  STEP_TAGS,
  WIRE_KEYS,
  WIRE_PROTOCOLS,
  actionsOf,
  isVersionKey,
  observationsOf,
  parseDuration,
  selectorsOf,
  versionValues,
  VERSION_KEYS,
  type Shows,
} from './vocabulary';
import { nearest } from './did-you-mean';
import { describeValue, formatYamlPath, type YamlPath, type YamlSource } from './yaml-source';

export interface StepContext {
  actors: Record<string, ActorSpec>;
  axes: readonly string[];
  /** Each axis's values, so a placeholder standing for an enum word can be checked at load. */
  axisValues?: Readonly<Record<string, readonly string[]>>;
  /** The scenario's `claims:` (an expectation's `claims:` must be among them; the first is the default). */
  claims: readonly string[];
  /** Every claim of claims.yaml, for the known-issue rules of `shows:`. */
  knownClaims: ReadonlyMap<string, Claim>;
  /** The lab's hosts, and the node kind each runs (undefined: the host runs no simulated product). */
  hosts: ReadonlyMap<string, RegisteredKind | undefined>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A known-issue claim: one whose grading depends on the release (it names a defect range). */
export const hasDefectRange = (claim: Claim | undefined): boolean => claim?.affected !== undefined;

/**
 * Check every `${…}` in `text`: an axis name, or `<actor>.<property>`. Returns the problem, if any.
 */
export function checkPlaceholders(text: string, ctx: Pick<StepContext, 'actors' | 'axes'>): { problem: string; expected: string[]; given: string } | undefined {
  for (const m of text.matchAll(PLACEHOLDER)) {
    const ref = (m[1] ?? '').trim();
    const dot = ref.indexOf('.');
    if (dot < 0) {
      if (!ctx.axes.includes(ref)) return { problem: `\${${ref}} names no axis`, expected: [...ctx.axes], given: ref };
      continue;
    }
    const actor = ref.slice(0, dot);
    const prop = ref.slice(dot + 1);
    const actors = Object.keys(ctx.actors);
    if (!actors.includes(actor)) return { problem: `\${${ref}} names no actor`, expected: actors, given: actor };
    if (!(ACTOR_PROPERTIES as readonly string[]).includes(prop)) {
      return { problem: `\${${ref}}: unknown actor property "${prop}"`, expected: [...ACTOR_PROPERTIES], given: prop };
    }
  }
  return undefined;
}

/** Interprets the `steps` list of a scenario into typed steps, with the location of each. */
export class StepParser {
  constructor(
    private readonly source: YamlSource,
    private readonly ctx: StepContext,
  ) {}

  private loc(p: YamlPath, key?: string): Loc {
    const l = this.source.locate(p, key);
    return { file: l.file, line: l.line, column: l.column, path: formatYamlPath(key === undefined ? p : [...p, key]) };
  }

  /** The step keys an actor may use: `<actor>.<surface>` for each actor surface it may use. */
  private actorKeys(): string[] {
    return Object.entries(this.ctx.actors).flatMap(([name, a]) =>
      [...ACTOR_SURFACES.values()].filter((s) => s.surface.optIn === undefined || a[s.surface.optIn]).map((s) => `${name}.${s.name}`),
    );
  }

  private hostKeys(): string[] {
    return [...this.ctx.hosts].filter(([, kind]) => kind?.surface !== undefined).map(([h]) => h);
  }

  parseAll(raw: readonly Record<string, unknown>[]): Step[] {
    return raw.map((step, i) => this.parseStep(step, ['steps', i]));
  }

  private placeholders(value: string, p: YamlPath, label: string, atKey?: string): void {
    const bad = checkPlaceholders(value, this.ctx);
    if (bad) {
      const opts = atKey === undefined ? { expected: bad.expected, given: bad.given, label } : { expected: bad.expected, given: bad.given, label, atKey };
      throw this.source.error(p, bad.problem, opts);
    }
  }

  parseStep(raw: Record<string, unknown>, p: YamlPath): Step {
    const label = formatYamlPath(p);
    const when = raw.when === undefined ? undefined : this.parseWhen(raw.when, [...p, 'when'], label);
    const keys = Object.keys(raw).filter((k) => !(STEP_TAGS as readonly string[]).includes(k));
    const allKeys = [...STEP_KINDS, ...this.actorKeys(), ...this.hostKeys()];
    if (keys.length === 0) throw this.source.error(p, 'empty step', { expected: allKeys, label });
    if (keys.length > 1) {
      throw this.source.error(p, `one step per list item, found ${keys.map((k) => `"${k}"`).join(' and ')}`, { label, atKey: keys[1] ?? '' });
    }
    const key = keys[0] ?? '';
    const value = raw[key];
    const at = [...p, key];
    const expectation = key === 'await' || key === 'expect';
    for (const tag of ['claims', 'shows'] as const) {
      if (raw[tag] !== undefined && !expectation) {
        throw this.source.error(p, `"${tag}" belongs to an await or expect step (what it evidences)`, { label, atKey: tag });
      }
    }
    const base = <S extends Step>(s: S): S => (when ? { ...s, when } : s);
    switch (key) {
      case 'await': {
        const { targets, within } = this.parseTargets(value, at, label, true);
        return base({ kind: 'await', targets, withinMs: within ?? DEFAULT_AWAIT_MS, ...this.parseEvidence(raw, p, label), loc: this.loc(p) });
      }
      case 'expect': {
        const { targets } = this.parseTargets(value, at, label, false);
        return base({ kind: 'expect', targets, ...this.parseEvidence(raw, p, label), loc: this.loc(p) });
      }
      case 'configure':
        return base({ ...this.parseConfigure(value, at, label), loc: this.loc(p) });
      case 'wait': {
        const ms = parseDuration(value);
        if (ms === undefined) throw this.durationError(value, at, label);
        return base({ kind: 'wait', ms, loc: this.loc(p) });
      }
      case 'network':
        return base({ kind: 'network', fault: this.parseNetworkFault(value, at, label), loc: this.loc(p) });
      default: {
        const { ref, kind } = this.parseRef(key, p, label, allKeys, 'step');
        const actions = actionsOf(kind);
        const { action, arg } = this.parseAction(value, at, label, key, actions);
        return base(arg === undefined ? { kind: 'action', ref, action, loc: this.loc(p) } : { kind: 'action', ref, action, arg, loc: this.loc(p) });
      }
    }
  }

  /** `loss: 5%` (every link), `partition: [a, b]` or `heal: [a, b]` (two lab hosts). */
  private parseNetworkFault(value: unknown, p: YamlPath, label: string): NetworkFault {
    const faults = ['loss', 'partition', 'heal'];
    if (!isRecord(value) || Object.keys(value).length !== 1 || !faults.includes(Object.keys(value)[0] ?? '')) {
      throw this.source.error(p, `expected one network fault, got ${describeValue(value)}`, { expected: ['loss: 5%', 'partition: [hostA, hostB]', 'heal: [hostA, hostB]'], label });
    }
    const [key, v] = Object.entries(value)[0] as [string, unknown];
    if (key === 'loss') {
      const rate = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?%$/.test(v) ? Number(v.slice(0, -1)) / 100 : NaN;
      if (!(rate >= 0 && rate < 1)) throw this.source.error([...p, key], `bad loss rate ${describeValue(v)}`, { expected: ['a share of datagrams lost: 5% or 0.05 (0 ends the loss)'], label });
      return { loss: rate };
    }
    const hosts = [...this.ctx.hosts.keys()];
    if (!Array.isArray(v) || v.length !== 2 || v[0] === v[1] || !v.every((h): h is string => typeof h === 'string' && this.ctx.hosts.has(h))) {
      throw this.source.error([...p, key], `expected two different lab hosts, got ${describeValue(v)}`, { expected: hosts, label });
    }
    const pair: [string, string] = [v[0] as string, v[1] as string];
    return key === 'partition' ? { partition: pair } : { heal: pair };
  }

  private durationError(value: unknown, p: YamlPath, label: string): Error {
    return this.source.error(p, `bad duration ${describeValue(value)}`, { expected: ['<n>ms', '<n>s', '<n>m (e.g. 500ms, 5s, 1.5s, 2m), at most 1440m'], label });
  }

  /** `claims:` and `shows:` of an expectation. */
  private parseEvidence(raw: Record<string, unknown>, p: YamlPath, label: string): Evidence {
    const first = this.ctx.claims[0];
    let claims: string[] = first === undefined ? [] : [first];
    if (raw.claims !== undefined) {
      const list = Array.isArray(raw.claims) ? raw.claims : [raw.claims];
      if (list.length === 0 || !list.every((c): c is string => typeof c === 'string')) {
        throw this.source.error([...p, 'claims'], `expected a claim id or a list of them, got ${describeValue(raw.claims)}`, { expected: this.ctx.claims, label });
      }
      list.forEach((c, i) => {
        if (!this.ctx.claims.includes(c)) {
          throw this.source.error(Array.isArray(raw.claims) ? [...p, 'claims', i] : [...p, 'claims'], `"${c}" is not one of the scenario's claims`, {
            expected: this.ctx.claims,
            given: c,
            label,
          });
        }
      });
      claims = list;
    }
    if (raw.shows === undefined) return { claims };
    if (typeof raw.shows !== 'string' || !(SHOWS as readonly string[]).includes(raw.shows)) {
      throw this.source.error([...p, 'shows'], `${describeValue(raw.shows)} is not a value of shows`, {
        expected: SHOWS,
        ...(typeof raw.shows === 'string' ? { given: raw.shows } : {}),
        label,
      });
    }
    const plain = claims.filter((c) => !hasDefectRange(this.ctx.knownClaims.get(c)));
    if (plain.length > 0) {
      throw this.source.error([...p, 'shows'], `"shows" tags evidence of a known issue, and ${plain.join(', ')} names no defect range (claims.yaml "affected")`, { label });
    }
    return { claims, shows: raw.shows as Shows };
  }

  /** `alice.oc` → an actor surface; `cup` → a lab host. Either way, the node kind behind it. `p` is the map holding the key. */
  private parseRef(key: string, p: YamlPath, label: string, expected: string[], what: string): { ref: SurfaceRef; kind: RegisteredKind } {
    const dot = key.lastIndexOf('.');
    if (dot < 0) {
      const kind = this.ctx.hosts.get(key);
      if (!this.ctx.hosts.has(key)) throw this.source.error(p, `unknown ${what} "${key}"`, { expected, given: key, label, atKey: key });
      if (!kind?.surface) {
        throw this.source.error(p, `host "${key}" runs no simulated product with a scenario surface`, { expected: this.hostKeys(), given: key, label, atKey: key });
      }
      return { ref: { kind: 'host', host: key }, kind };
    }
    const actor = key.slice(0, dot);
    const surface = key.slice(dot + 1);
    const spec = this.ctx.actors[actor];
    if (!spec) throw this.source.error(p, `unknown actor "${actor}" in "${key}"`, { expected: Object.keys(this.ctx.actors), given: actor, label, atKey: key });
    const word = ACTOR_SURFACES.get(surface);
    if (!word) throw this.source.error(p, `unknown surface "${surface}" in "${key}"`, { expected: [...ACTOR_SURFACES.keys()], given: surface, label, atKey: key });
    if (word.surface.optIn !== undefined && !spec[word.surface.optIn]) {
      throw this.source.error(p, `actor "${actor}" has no ${word.kind.title} (set ${word.surface.optIn}: true under actors.${actor})`, { label, atKey: key });
    }
    return { ref: { kind: 'actor', actor, surface }, kind: word.kind };
  }

  private parseAction(value: unknown, p: YamlPath, label: string, who: string, actions: Readonly<Record<string, { arg?: ArgSpec }>>): { action: string; arg?: RawArg } {
    const allowed = Object.keys(actions);
    let name: string;
    let argValue: unknown;
    let argPath: YamlPath | undefined;
    let atKey: string | undefined;
    if (typeof value === 'string') {
      name = value;
    } else if (isRecord(value) && Object.keys(value).length === 1) {
      name = Object.keys(value)[0] ?? '';
      argValue = value[name];
      argPath = [...p, name];
      atKey = name;
    } else {
      throw this.source.error(p, `expected an action for ${who}, got ${describeValue(value)}`, { expected: allowed, label });
    }
    const errAt = (problem: string, extra: { expected?: readonly string[]; given?: string } = {}): Error =>
      this.source.error(p, problem, atKey === undefined ? { ...extra, label } : { ...extra, label, atKey });
    const decl = actions[name];
    if (!decl) {
      throw errAt(allowed.length === 0 ? `${who} has no actions` : `unknown action "${name}" for ${who}`, { expected: allowed, given: name });
    }
    if (decl.arg === undefined) {
      if (argPath !== undefined) throw errAt(`action "${name}" takes no argument; write "${who}: ${name}"`);
      return { action: name };
    }
    if (argPath === undefined || argValue === null || argValue === undefined) {
      throw errAt(`action "${name}" needs ${describeSpec(decl.arg)}, e.g. "${who}: { ${name}: ${exampleOf(decl.arg, Object.keys(this.ctx.actors))} }"`, {
        expected: expectedWords(decl.arg, Object.keys(this.ctx.actors)),
      });
    }
    if (decl.arg.kind === 'fields') {
      if (!isRecord(argValue)) throw this.source.error(argPath, `expected the fields of ${name}, got ${describeValue(argValue)}`, { expected: Object.keys(decl.arg.fields), label });
      const out: Record<string, MatcherValue> = {};
      for (const [field, spec] of Object.entries(decl.arg.fields)) {
        const v = argValue[field];
        if (v === undefined) {
          if (!spec.optional) throw this.source.error(argPath, `${name} needs ${field}`, { expected: Object.keys(decl.arg.fields), label });
          continue;
        }
        out[field] = this.checkValue(spec, v, [...argPath, field], label, field);
      }
      for (const field of Object.keys(argValue)) {
        if (!(field in decl.arg.fields)) throw this.source.error(argPath, `unknown field "${field}" of ${name}`, { expected: Object.keys(decl.arg.fields), given: field, label, atKey: field });
      }
      return { action: name, arg: out };
    }
    return { action: name, arg: this.checkValue(decl.arg, argValue, argPath, label, name) };
  }

  /** A value against its spec; actor references and placeholders are checked here and resolved per cell. */
  private checkValue(spec: ValueSpec, v: unknown, p: YamlPath, label: string, key: string): MatcherValue {
    switch (spec.kind) {
      case 'enum':
        if (typeof v === 'string' && /^\$\{[A-Za-z][A-Za-z0-9]*\}$/.test(v)) {
          // `${axis}`: every value of the axis must be a word of the enum.
          this.placeholders(v, p, label);
          const axis = v.slice(2, -1);
          const bad = (this.ctx.axisValues?.[axis] ?? []).find((x) => !spec.values.includes(x));
          if (bad !== undefined) throw this.source.error(p, `axis ${axis} has the value "${bad}", which is not a value of ${key}`, { expected: spec.values, given: bad, label });
          return v;
        }
        if (typeof v !== 'string' || !spec.values.includes(v)) {
          throw this.source.error(p, `${describeValue(v)} is not a value of ${key}`, { expected: spec.values, ...(typeof v === 'string' ? { given: v } : {}), label });
        }
        return v;
      case 'text': {
        if (typeof v !== 'string' && typeof v !== 'number') throw this.source.error(p, `${key} expects text, got ${describeValue(v)}`, { label });
        const text = String(v);
        if (text.includes('${')) this.placeholders(text, p, label);
        else if (spec.pattern && !spec.pattern.test(text)) throw this.source.error(p, `${describeValue(v)} is not ${spec.patternName ?? spec.description}`, { label });
        return text;
      }
      case 'boolean':
        if (typeof v !== 'boolean') throw this.source.error(p, `${key} expects true or false, got ${describeValue(v)}`, { expected: ['true', 'false'], label });
        return v;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min || (spec.max !== undefined && v > spec.max)) {
          throw this.source.error(p, `${key} expects an integer ${spec.max === undefined ? `≥ ${spec.min}` : `from ${spec.min} to ${spec.max}`}, got ${describeValue(v)}`, { label });
        }
        return v;
      case 'actor': {
        if (typeof v !== 'string' && typeof v !== 'number') {
          throw this.source.error(p, `expected an actor name${spec.literal ? ` or a ${spec.literal.name}` : ''}, got ${describeValue(v)}`, { label });
        }
        const word = String(v);
        if (word.includes('${')) {
          this.placeholders(word, p, label);
        } else if (!(word in this.ctx.actors) && !(spec.literal?.pattern.test(word) ?? false)) {
          throw this.source.error(p, `"${word}" is neither an actor${spec.literal ? ` nor a ${spec.literal.name}` : ''}`, {
            expected: expectedWords(spec, Object.keys(this.ctx.actors)),
            given: word,
            label,
          });
        }
        return word;
      }
    }
  }

  private parseTargets(value: unknown, p: YamlPath, label: string, allowWithin: boolean): { targets: Target[]; within?: number } {
    const expectedKeys = [...this.actorKeys(), ...this.hostKeys(), 'wire', ...(allowWithin ? ['within'] : [])];
    if (!isRecord(value)) throw this.source.error(p, `expected a mapping of targets, got ${describeValue(value)}`, { expected: expectedKeys, label });
    const targets: Target[] = [];
    let within: number | undefined;
    for (const [key, body] of Object.entries(value)) {
      if (key === 'within' && allowWithin) {
        within = parseDuration(body);
        if (within === undefined) throw this.durationError(body, [...p, key], label);
        continue;
      }
      if (key === 'wire') {
        targets.push({ ref: 'wire', matcher: this.parseWire(body, [...p, key], label), loc: this.loc(p, key) });
        continue;
      }
      const { ref, kind } = this.parseRef(key, p, label, expectedKeys, 'target');
      targets.push({ ref, matcher: this.parseMatcher(body, [...p, key], label, kind, formatRef(ref)), loc: this.loc(p, key) });
    }
    if (targets.length === 0) throw this.source.error(p, 'no target to match', { expected: expectedKeys, label });
    return within === undefined ? { targets } : { targets, within };
  }

  private parseWire(body: unknown, p: YamlPath, label: string): Record<string, MatcherValue> {
    const keys = Object.keys(WIRE_KEYS);
    if (!isRecord(body) || Object.keys(body).length === 0) {
      throw this.source.error(p, `expected a message to match, got ${describeValue(body)}`, { expected: keys, label });
    }
    const matcher: Record<string, MatcherValue> = {};
    for (const [key, v] of Object.entries(body)) {
      if (!keys.includes(key)) throw this.source.error(p, `unknown wire field "${key}"`, { expected: keys, given: key, label, atKey: key });
      if (typeof v !== 'string') throw this.source.error([...p, key], `${key} expects text, got ${describeValue(v)}`, { label });
      if (v.includes('${')) this.placeholders(v, [...p, key], label);
      matcher[key] = v;
    }
    const { protocol, message } = matcher;
    if (protocol !== undefined && !(WIRE_PROTOCOLS as readonly string[]).includes(String(protocol))) {
      throw this.source.error([...p, 'protocol'], `${describeValue(protocol)} is not a protocol`, { expected: WIRE_PROTOCOLS, given: String(protocol), label });
    }
    if (typeof message === 'string') {
      let pattern: RegExp;
      try {
        pattern = new RegExp(message);
      } catch (e) {
        throw this.source.error([...p, 'message'], `not a regular expression: ${e instanceof Error ? e.message : String(e)}`, { label });
      }
      // A matcher must be able to fail: a pattern that matches the empty text matches every message.
      if (!message.includes('${') && pattern.test('')) throw this.source.error([...p, 'message'], `"${message}" matches every message, so it cannot fail`, { label });
    }
    for (const end of ['from', 'to'] as const) {
      const ref = matcher[end];
      if (typeof ref !== 'string' || ref.includes('${')) continue;
      if (ref.includes('.')) {
        const [actor, surface] = ref.split('.');
        if (!actor || !(actor in this.ctx.actors) || !ACTOR_SURFACES.has(surface ?? '')) {
          throw this.source.error([...p, end], `"${ref}" is neither a lab host nor <actor>.<surface>`, { expected: this.actorKeys(), given: ref, label });
        }
      } else if (!this.ctx.hosts.has(ref)) {
        throw this.source.error([...p, end], `no host "${ref}" in the lab`, { expected: [...this.ctx.hosts.keys()], given: ref, label });
      }
    }
    if (matcher.message === undefined && matcher.protocol === undefined && matcher.from === undefined && matcher.to === undefined) {
      throw this.source.error(p, 'a wire expectation needs something to match', { expected: keys, label });
    }
    return matcher;
  }

  private parseMatcher(body: unknown, p: YamlPath, label: string, kind: RegisteredKind, who: string): Record<string, MatcherValue> {
    const observations = observationsOf(kind);
    const selectors = selectorsOf(kind);
    const keys = [...Object.keys(observations), ...Object.keys(selectors)];
    if (!isRecord(body) || Object.keys(body).length === 0) {
      throw this.source.error(p, `expected observations of ${who} to match, got ${describeValue(body)}`, { expected: keys, label });
    }
    const matcher: Record<string, MatcherValue> = {};
    let observed = 0;
    for (const [key, v] of Object.entries(body)) {
      const selector = selectors[key];
      const observation = observations[key];
      if (selector) {
        matcher[key] = this.checkValue(selector.spec, v, [...p, key], label, key);
        continue;
      }
      if (!observation) throw this.source.error(p, `unknown observation "${key}" of ${who}`, { expected: keys, given: key, label, atKey: key });
      const value = this.checkValue(observation.value, v, [...p, key], label, key);
      if (observation.match === 'contains' && value === '') throw this.source.error([...p, key], `an empty ${key} is part of every ${key}, so it cannot fail`, { label });
      matcher[key] = value;
      observed++;
    }
    if (observed === 0) throw this.source.error(p, `nothing to observe: ${Object.keys(body).join(', ')} only choose what to look at`, { expected: Object.keys(observations), label });
    return matcher;
  }

  private parseConfigure(value: unknown, p: YamlPath, label: string): { kind: 'configure'; target: string; args: Record<string, unknown> } {
    const allowed = [...CONFIG_OPERATIONS.keys()].filter((n) => !(n in OPERATION_ALIASES));
    const example = allowed[0] ?? 'cucm.lines.setDirectoryNumber';
    if (!isRecord(value) || Object.keys(value).length !== 1) {
      throw this.source.error(p, `expected one configuration call such as "${example}: { … }", got ${describeValue(value)}`, { expected: allowed, label });
    }
    const target = Object.keys(value)[0] ?? '';
    if (!CONFIG_OPERATIONS.has(target)) {
      throw this.source.error(p, `"${target}" is not a configuration operation of the lab`, { expected: nearest(target, allowed, allowed.length), given: target, label, atKey: target });
    }
    const args = value[target] ?? {};
    if (!isRecord(args)) throw this.source.error([...p, target], `expected a mapping of arguments, got ${describeValue(args)}`, { label });
    this.checkArgPlaceholders(args, [...p, target], label);
    return { kind: 'configure', target, args };
  }

  private checkArgPlaceholders(v: unknown, p: YamlPath, label: string): void {
    if (typeof v === 'string') this.placeholders(v, p, label);
    else if (Array.isArray(v)) v.forEach((x, i) => this.checkArgPlaceholders(x, [...p, i], label));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) this.checkArgPlaceholders(x, [...p, k], label);
  }

  private parseWhen(value: unknown, p: YamlPath, label: string): When {
    if (!isRecord(value)) throw this.source.error(p, `expected a mapping such as { cucm: ['7.0(2)'] }, got ${describeValue(value)}`, { label });
    const when: When = {};
    for (const [key, v] of Object.entries(value)) {
      if (!isVersionKey(key)) throw this.source.error(p, `unknown product "${key}"`, { expected: [...VERSION_KEYS], given: key, label, atKey: key });
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0 || !list.every(isScalar)) throw this.source.error([...p, key], `expected a release or a list of releases, got ${describeValue(v)}`, { label });
      const allowed = versionValues(key);
      list.forEach((x, i) => {
        if (!allowed.includes(String(x))) {
          throw this.source.error(Array.isArray(v) ? [...p, key, i] : [...p, key], `"${String(x)}" is not a release of ${key}`, { expected: allowed, given: String(x), label });
        }
      });
      when[key] = list.map((x) => String(x));
    }
    return when;
  }
}

function describeSpec(spec: ArgSpec): string {
  switch (spec.kind) {
    case 'actor':
      return `an actor${spec.literal ? ` or a ${spec.literal.name}` : ''}`;
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'fields':
      return `the fields ${Object.keys(spec.fields).join(', ')}`;
    default:
      return spec.description;
  }
}

function exampleOf(spec: ArgSpec, actors: readonly string[]): string {
  switch (spec.kind) {
    case 'actor':
      return actors.find((a) => a !== actors[0]) ?? actors[0] ?? 'bob';
    case 'enum':
      return spec.values[0] ?? '…';
    case 'fields':
      return `{ ${Object.keys(spec.fields).map((f) => `${f}: …`).join(', ')} }`;
    case 'boolean':
      return 'true';
    case 'integer':
      return String(spec.min);
    default:
      return '…';
  }
}

function expectedWords(spec: ArgSpec, actors: readonly string[]): string[] {
  if (spec.kind === 'actor') return [...actors, ...(spec.literal ? [`<${spec.literal.name}>`] : [])];
  if (spec.kind === 'enum') return [...spec.values];
  if (spec.kind === 'fields') return Object.keys(spec.fields);
  return [];
}
