import type { ActorSpec, Loc, MatcherValue, Step, Target, When } from './scenario-schema';
import {
  ACTION_ARGS,
  ACTIONS,
  ACTOR_PROPERTIES,
  CONFIG_TARGET,
  DEFAULT_AWAIT_MS,
  DIAL_STRING,
  MATCHERS,
  PLACEHOLDER,
  STEP_KINDS,
  SURFACES,
  VERSION_KEYS,
  parseDuration,
  type Action,
  type MatcherSpec,
  type Surface,
  WIRE_MATCHERS,
  OC_PRESENCE_STATES,
} from './vocabulary';
import { describeValue, formatYamlPath, type YamlPath, type YamlSource } from './yaml-source';

export interface StepContext {
  actors: Record<string, ActorSpec>;
  axes: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Check every `${…}` in `text`: an axis name, or `<actor>.<property>`. Returns the problem, if any.
 */
export function checkPlaceholders(text: string, ctx: StepContext): { problem: string; expected: string[]; given: string } | undefined {
  for (const m of text.matchAll(PLACEHOLDER)) {
    const ref = (m[1] ?? '').trim();
    const dot = ref.indexOf('.');
    if (dot < 0) {
      if (!ctx.axes.includes(ref)) {
        return { problem: `\${${ref}} names no axis`, expected: [...ctx.axes], given: ref };
      }
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

  private loc(p: YamlPath): Loc {
    const l = this.source.locate(p);
    return { file: l.file, line: l.line, column: l.column, path: formatYamlPath(p) };
  }

  private surfaceKeys(): string[] {
    return Object.entries(this.ctx.actors).flatMap(([name, a]) => (a.oc ? [`${name}.oc`, `${name}.phone`] : [`${name}.phone`]));
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
    const keys = Object.keys(raw).filter((k) => k !== 'when');
    if (keys.length === 0) {
      throw this.source.error(p, 'empty step', { expected: [...STEP_KINDS, ...this.surfaceKeys()], label });
    }
    if (keys.length > 1) {
      throw this.source.error(p, `one step per list item, found ${keys.map((k) => `"${k}"`).join(' and ')}`, {
        label,
        atKey: keys[1] ?? '',
      });
    }
    const key = keys[0] ?? '';
    const value = raw[key];
    const at = [...p, key];
    const base = <S extends Step>(s: S): S => (when ? { ...s, when } : s);
    switch (key) {
      case 'await': {
        const { targets, within } = this.parseTargets(value, at, label, true);
        return base({ kind: 'await', targets, withinMs: within ?? DEFAULT_AWAIT_MS, loc: this.loc(p) });
      }
      case 'expect': {
        const { targets } = this.parseTargets(value, at, label, false);
        return base({ kind: 'expect', targets, loc: this.loc(p) });
      }
      case 'configure':
        return base({ ...this.parseConfigure(value, at, label), loc: this.loc(p) });
      case 'wait': {
        const ms = parseDuration(value);
        if (ms === undefined) throw this.durationError(value, at, label);
        return base({ kind: 'wait', ms, loc: this.loc(p) });
      }
      default: {
        const { actor, surface } = this.parseSurfaceKey(key, p, label, [...STEP_KINDS, ...this.surfaceKeys()], 'step');
        const { action, arg } = this.parseAction(value, at, label, `${actor}.${surface}`, surface);
        const step: Step = { kind: 'action', actor, surface, action, loc: this.loc(p) };
        if (arg !== undefined) step.arg = arg;
        return base(step);
      }
    }
  }

  private durationError(value: unknown, p: YamlPath, label: string): Error {
    return this.source.error(p, `bad duration ${describeValue(value)}`, {
      expected: ['<n>ms', '<n>s', '<n>m (e.g. 500ms, 5s, 1.5s, 2m)'],
      label,
    });
  }

  /** `alice.oc` → actor + surface, with errors naming the allowed words. `p` is the map holding the key. */
  private parseSurfaceKey(key: string, p: YamlPath, label: string, expected: string[], what: string): { actor: string; surface: Surface } {
    const dot = key.lastIndexOf('.');
    if (dot < 0) {
      throw this.source.error(p, `unknown ${what} "${key}"`, { expected, given: key, label, atKey: key });
    }
    const actor = key.slice(0, dot);
    const surface = key.slice(dot + 1);
    const actors = Object.keys(this.ctx.actors);
    const spec = this.ctx.actors[actor];
    if (!spec) {
      throw this.source.error(p, `unknown actor "${actor}" in "${key}"`, { expected: actors, given: actor, label, atKey: key });
    }
    if (!(SURFACES as readonly string[]).includes(surface)) {
      throw this.source.error(p, `unknown surface "${surface}" in "${key}"`, { expected: [...SURFACES], given: surface, label, atKey: key });
    }
    if (surface === 'oc' && !spec.oc) {
      throw this.source.error(p, `actor "${actor}" has no Office Communicator (set oc: true under actors.${actor})`, {
        label,
        atKey: key,
      });
    }
    return { actor, surface: surface as Surface };
  }

  private parseAction(value: unknown, p: YamlPath, label: string, who: string, surface: Surface): { action: Action; arg?: string } {
    const allowed = ACTIONS[surface];
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
      throw this.source.error(p, `expected an action for ${who}, got ${describeValue(value)}`, { expected: [...allowed], label });
    }
    const errAt = (problem: string, extra: { expected?: readonly string[]; given?: string } = {}): Error =>
      this.source.error(p, problem, atKey === undefined ? { ...extra, label } : { ...extra, label, atKey });
    if (!(allowed as readonly string[]).includes(name)) {
      throw errAt(`unknown action "${name}" for ${who}`, { expected: allowed, given: name });
    }
    const action = name as Action;
    if (ACTION_ARGS[action] === 'none') {
      if (argPath !== undefined) throw errAt(`action "${action}" takes no argument; write "${who}: ${action}"`);
      return { action };
    }
    if (ACTION_ARGS[action] === 'presence') {
      if (argPath === undefined || typeof argValue !== 'string' || !(OC_PRESENCE_STATES as readonly string[]).includes(argValue)) {
        throw this.source.error(argPath ?? p, `action "${action}" needs a status, e.g. "${who}: { ${action}: doNotDisturb }"`, {
          expected: OC_PRESENCE_STATES,
          ...(typeof argValue === 'string' ? { given: argValue } : {}),
          label,
        });
      }
      return { action, arg: argValue };
    }
    if (argPath === undefined || argValue === null || argValue === undefined) {
      throw errAt(`action "${action}" needs a target, e.g. "${who}: { ${action}: bob }"`, {
        expected: [...Object.keys(this.ctx.actors), '<dial string>'],
      });
    }
    if (typeof argValue !== 'string' && typeof argValue !== 'number') {
      throw this.source.error(argPath, `expected an actor name or a dial string, got ${describeValue(argValue)}`, { label });
    }
    const arg = String(argValue);
    if (arg.includes('${')) {
      this.placeholders(arg, argPath, label);
    } else if (!(arg in this.ctx.actors) && !DIAL_STRING.test(arg)) {
      throw this.source.error(argPath, `"${arg}" is neither an actor nor a dial string`, {
        expected: [...Object.keys(this.ctx.actors), '<dial string>'],
        given: arg,
        label,
      });
    }
    return { action, arg };
  }

  private parseTargets(value: unknown, p: YamlPath, label: string, allowWithin: boolean): { targets: Target[]; within?: number } {
    const expectedKeys = [...this.surfaceKeys(), 'wire', ...(allowWithin ? ['within'] : [])];
    if (!isRecord(value)) {
      throw this.source.error(p, `expected a mapping of targets, got ${describeValue(value)}`, { expected: expectedKeys, label });
    }
    const targets: Target[] = [];
    let within: number | undefined;
    for (const [key, body] of Object.entries(value)) {
      if (key === 'within' && allowWithin) {
        within = parseDuration(body);
        if (within === undefined) throw this.durationError(body, [...p, key], label);
        continue;
      }
      if (key === 'wire') {
        const at = this.source.locate(p, key);
        const loc: Loc = { file: at.file, line: at.line, column: at.column, path: formatYamlPath([...p, key]) };
        targets.push({ actor: '', surface: 'wire', matcher: this.parseWire(body, [...p, key], label), loc });
        continue;
      }
      const { actor, surface } = this.parseSurfaceKey(key, p, label, expectedKeys, 'target');
      const at = this.source.locate(p, key);
      const loc: Loc = { file: at.file, line: at.line, column: at.column, path: formatYamlPath([...p, key]) };
      targets.push({ actor, surface, matcher: this.parseMatcher(body, [...p, key], label, surface), loc });
    }
    if (targets.length === 0) {
      throw this.source.error(p, 'no target to match', { expected: this.surfaceKeys(), label });
    }
    return within === undefined ? { targets } : { targets, within };
  }

  private parseWire(body: unknown, p: YamlPath, label: string): Record<string, MatcherValue> {
    const keys = Object.keys(WIRE_MATCHERS);
    if (!isRecord(body) || Object.keys(body).length === 0) {
      throw this.source.error(p, `expected a message to match, got ${describeValue(body)}`, { expected: keys, label });
    }
    const matcher: Record<string, MatcherValue> = {};
    const specs: Record<string, MatcherSpec> = WIRE_MATCHERS;
    for (const [key, v] of Object.entries(body)) {
      const spec = specs[key];
      if (!spec) throw this.source.error(p, `unknown wire field "${key}"`, { expected: keys, given: key, label, atKey: key });
      matcher[key] = this.matcherValue(spec, v, [...p, key], label, key);
    }
    const message = matcher.message;
    if (typeof message === 'string') {
      try {
        new RegExp(message);
      } catch (e) {
        throw this.source.error([...p, 'message'], `not a regular expression: ${e instanceof Error ? e.message : String(e)}`, { label });
      }
    }
    for (const end of ['from', 'to'] as const) {
      const ref = matcher[end];
      if (typeof ref !== 'string' || !ref.includes('.')) continue;
      const [actor, surface] = ref.split('.');
      if (!actor || !(actor in this.ctx.actors) || (surface !== 'phone' && surface !== 'oc')) {
        throw this.source.error([...p, end], `"${ref}" is not <actor>.phone or <actor>.oc`, { expected: Object.keys(this.ctx.actors).flatMap((a) => [`${a}.phone`, `${a}.oc`]), given: ref, label });
      }
    }
    return matcher;
  }

  private parseMatcher(body: unknown, p: YamlPath, label: string, surface: Surface): Record<string, MatcherValue> {
    const specs: Record<string, MatcherSpec> = MATCHERS[surface];
    const keys = Object.keys(specs);
    if (!isRecord(body) || Object.keys(body).length === 0) {
      throw this.source.error(p, `expected observations to match, got ${describeValue(body)}`, { expected: keys, label });
    }
    const matcher: Record<string, MatcherValue> = {};
    for (const [key, v] of Object.entries(body)) {
      const spec = specs[key];
      if (!spec) {
        throw this.source.error(p, `unknown ${surface} observation "${key}"`, { expected: keys, given: key, label, atKey: key });
      }
      matcher[key] = this.matcherValue(spec, v, [...p, key], label, key);
    }
    return matcher;
  }

  private matcherValue(spec: MatcherSpec, v: unknown, p: YamlPath, label: string, key: string): MatcherValue {
    switch (spec.kind) {
      case 'enum':
        if (typeof v !== 'string' || !spec.values.includes(v)) {
          throw this.source.error(p, `${describeValue(v)} is not a value of ${key}`, {
            expected: spec.values,
            ...(typeof v === 'string' ? { given: v } : {}),
            label,
          });
        }
        return v;
      case 'string':
        if (typeof v !== 'string' && typeof v !== 'number') {
          throw this.source.error(p, `${key} expects text, got ${describeValue(v)}`, { label });
        }
        if (typeof v === 'string') this.placeholders(v, p, label);
        return String(v);
      case 'boolean':
        if (typeof v !== 'boolean') throw this.source.error(p, `${key} expects true or false, got ${describeValue(v)}`, { expected: ['true', 'false'], label });
        return v;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min) {
          throw this.source.error(p, `${key} expects an integer ≥ ${spec.min}, got ${describeValue(v)}`, { label });
        }
        return v;
    }
  }

  private parseConfigure(value: unknown, p: YamlPath, label: string): { kind: 'configure'; target: string; args: Record<string, unknown> } {
    const example = 'cucm.phones.setLineDn';
    if (!isRecord(value) || Object.keys(value).length !== 1) {
      throw this.source.error(p, `expected one configuration call such as "${example}: { … }", got ${describeValue(value)}`, { label });
    }
    const target = Object.keys(value)[0] ?? '';
    if (!CONFIG_TARGET.test(target)) {
      throw this.source.error(p, `"${target}" is not a configuration call (<node>.<area>.<operation>, e.g. ${example})`, {
        expected: ['ocs.*', 'cucm.*', 'cup.*', 'exchange.*', 'dns.*'],
        label,
        atKey: target,
      });
    }
    const args = value[target] ?? {};
    if (!isRecord(args)) {
      throw this.source.error([...p, target], `expected a mapping of arguments, got ${describeValue(args)}`, { label });
    }
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
      if (!(VERSION_KEYS as readonly string[]).includes(key)) {
        throw this.source.error(p, `unknown product "${key}"`, { expected: [...VERSION_KEYS], given: key, label, atKey: key });
      }
      const list = Array.isArray(v) ? v : [v];
      if (list.length === 0 || !list.every((x) => typeof x === 'string' || typeof x === 'boolean' || typeof x === 'number')) {
        throw this.source.error([...p, key], `expected a version or a list of versions, got ${describeValue(v)}`, { label });
      }
      when[key as keyof When] = list.map((x) => String(x));
    }
    return when;
  }
}
