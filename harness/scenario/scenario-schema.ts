import { z } from 'zod';
import {
  ACTION_ARGS,
  ACTOR_NAME,
  CONFIG_TARGET,
  DURATION,
  OC_ACTIONS,
  OC_MATCHERS,
  PHONE_ACTIONS,
  PHONE_MATCHERS,
  VERSION_KEYS,
  WIRE_MATCHERS,
  type Action,
  type MatcherSpec,
  type Surface,
  type VersionKey,
} from './vocabulary';

/** Where a step, target or actor came from. `path` is its YAML path, e.g. `steps[3]`. */
export interface Loc {
  file: string;
  line: number;
  column: number;
  path: string;
}

export type MatcherValue = string | number | boolean;

/** One observation to match: `alice.phone: { callState: ringIn }`, or a message on the wire (`surface: 'wire'`, no actor). */
export interface Target {
  actor: string;
  surface: Surface | 'wire';
  matcher: Record<string, MatcherValue>;
  loc: Loc;
}

/** Versions a step applies to: `when: { cucm: ['7.0(2)'] }` (absent = always). */
export type When = Partial<Record<VersionKey, readonly string[]>>;

interface StepBase {
  when?: When;
  loc: Loc;
}

export interface ActionStep extends StepBase {
  kind: 'action';
  actor: string;
  surface: Surface;
  action: Action;
  /** For `makeCall` / `dial`: an actor name (dial that actor's number) or a dial string; may hold `${…}`. */
  arg?: string;
}
export interface AwaitStep extends StepBase {
  kind: 'await';
  targets: Target[];
  withinMs: number;
}
export interface ExpectStep extends StepBase {
  kind: 'expect';
  targets: Target[];
}
export interface ConfigureStep extends StepBase {
  kind: 'configure';
  /** A configuration API call, e.g. `cucm.phones.setLineDn`. */
  target: string;
  args: Record<string, unknown>;
}
export interface WaitStep extends StepBase {
  kind: 'wait';
  ms: number;
}
export type Step = ActionStep | AwaitStep | ExpectStep | ConfigureStep | WaitStep;

/** An actor as written: `endpoint` is an endpoint name, "any", or `${axis}`. */
export interface ActorSpec {
  name: string;
  endpoint: string;
  oc: boolean;
  loc: Loc;
}

export interface Scenario {
  id: string;
  title: string;
  description?: string;
  claims: string[];
  lab: string;
  /** Axis name → values; the cartesian product of all axes is the set of cells. */
  axes: Record<string, string[]>;
  actors: Record<string, ActorSpec>;
  steps: Step[];
  file: string;
  loc: Loc;
}

// ---------------------------------------------------------------------------------------------------------------
// Zod schemas. The runtime schema checks the document's top level; steps are interpreted by parse-steps.ts (their
// keys are actor names, which only the `actors` map defines). The documentation schema (`scenarioDocSchema`)
// describes the step syntax fully and is what `scenarios/scenario.schema.json` publishes for editors.

const kebabId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a kebab-case id');
const axisName = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an axis name (letters and digits)');
const axisValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

export const actorSchema = z.strictObject({
  endpoint: z
    .string()
    .describe('an endpoint name (7975-sccp, 7971-sip, 7931-sccp, 7970-sccp, 7970-sip), "any", or ${axis}'),
  oc: z.boolean().default(false).describe('the actor also has an Office Communicator client in RCC mode'),
});

export const whenSchema = z
  .partialRecord(z.enum(VERSION_KEYS), z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()])).min(1)]))
  .describe('run this step only on these versions, e.g. { cucm: ["7.0(2)"] }');

const headerShape = {
  $schema: z.string().optional(),
  id: kebabId.describe('scenario id; cell ids are "<id>/<axis>=<value>,…"'),
  title: z.string().min(1),
  description: z.string().optional(),
  claims: z.array(z.string()).min(1).describe('claim ids from scenarios/claims.yaml that this scenario checks'),
  lab: kebabId.describe('a lab in scenarios/labs/<lab>.yaml'),
  axes: z
    .record(axisName, z.array(axisValue).min(1))
    .default({})
    .describe('axis name → values; the cartesian product of all axes is the set of cells'),
  actors: z.record(z.string().regex(ACTOR_NAME, 'an actor name (letters, digits, _)'), actorSchema),
};

/** Runtime schema: each step is a mapping, interpreted afterwards with the actors in hand. */
export const scenarioFileSchema = z.strictObject({
  ...headerShape,
  steps: z.array(z.record(z.string(), z.unknown())).min(1),
});
export type ScenarioFile = z.output<typeof scenarioFileSchema>;

// ---- documentation schema (JSON Schema for editors) -----------------------------------------------------------

const durationDoc = z.string().regex(DURATION).describe('a duration such as 500ms, 5s, 1.5s, 2m');

function matcherValueDoc(spec: MatcherSpec): z.ZodType {
  switch (spec.kind) {
    case 'enum':
      return z.enum(spec.values as [string, ...string[]]).describe(spec.description);
    case 'string':
      return z.string().describe(spec.description);
    case 'boolean':
      return z.boolean().describe(spec.description);
    case 'integer':
      return z.number().int().min(spec.min).describe(spec.description);
  }
}

function matcherDoc(specs: Record<string, MatcherSpec>): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(specs)) shape[key] = matcherValueDoc(spec).optional();
  return z.strictObject(shape);
}

function actionDoc(actions: readonly Action[]): z.ZodType {
  const bare = actions.filter((a) => ACTION_ARGS[a] === 'none');
  const withArg = actions.filter((a) => ACTION_ARGS[a] === 'target');
  const options: z.ZodType[] = [z.enum(bare as [string, ...string[]])];
  for (const a of withArg) {
    options.push(z.strictObject({ [a]: z.union([z.string(), z.number()]).describe('an actor name or a dial string') }));
  }
  return z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

export const ocActionDoc = actionDoc(OC_ACTIONS);
export const phoneActionDoc = actionDoc(PHONE_ACTIONS);
export const ocMatcherDoc = matcherDoc(OC_MATCHERS);
export const phoneMatcherDoc = matcherDoc(PHONE_MATCHERS);

/** Patterns of `<actor>.oc` and `<actor>.phone` keys (used as JSON Schema patternProperties). */
export const OC_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9_]*\\.oc$';
export const PHONE_KEY_PATTERN = '^[A-Za-z][A-Za-z0-9_]*\\.phone$';

/** `alice.oc: signIn` — rewritten to patternProperties by json-schema.ts. */
export const actionStepDoc = z
  .object({ when: whenSchema.optional() })
  .catchall(z.union([ocActionDoc, phoneActionDoc]))
  .describe('an action: "<actor>.oc: <action>" or "<actor>.phone: <action>"');

/** `{ alice.phone: { callState: connected }, … }` — rewritten to patternProperties by json-schema.ts. */
export const wireMatcherDoc = matcherDoc(WIRE_MATCHERS);
export const targetsDoc = z.object({ wire: wireMatcherDoc.optional() }).catchall(z.union([ocMatcherDoc, phoneMatcherDoc]));
export const awaitTargetsDoc = z.object({ within: durationDoc.optional(), wire: wireMatcherDoc.optional() }).catchall(z.union([ocMatcherDoc, phoneMatcherDoc]));

export const stepDoc = z.union([
  z.strictObject({ await: awaitTargetsDoc, when: whenSchema.optional() }).describe('wait (virtual time) until every target matches'),
  z.strictObject({ expect: targetsDoc, when: whenSchema.optional() }).describe('every target matches now'),
  z
    .strictObject({
      configure: z.record(z.string().regex(CONFIG_TARGET), z.record(z.string(), z.unknown()).nullable()),
      when: whenSchema.optional(),
    })
    .describe('call a configuration API, e.g. cucm.phones.setLineDn'),
  z.strictObject({ wait: durationDoc, when: whenSchema.optional() }).describe('let virtual time pass'),
  actionStepDoc,
]);

export const scenarioDocSchema = z.strictObject({ ...headerShape, steps: z.array(stepDoc).min(1) });
