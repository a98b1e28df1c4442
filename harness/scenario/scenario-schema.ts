import { z } from 'zod';
import type { Scalar } from '../../simulators';
import { ACTOR_NAME, VERSION_KEYS, type Shows, type VersionKey } from './vocabulary';

/** Where a step, target or actor came from. `path` is its YAML path, e.g. `steps[3]`. */
export interface Loc {
  file: string;
  line: number;
  column: number;
  path: string;
}

export type MatcherValue = Scalar;

/** What a step key names: an actor's surface (`alice.phone`, `alice.oc`) or a lab host (`cup`, `ocs-pool1`). */
export type SurfaceRef = { kind: 'actor'; actor: string; surface: string } | { kind: 'host'; host: string };

export function formatRef(ref: SurfaceRef | 'wire'): string {
  if (ref === 'wire') return 'wire';
  return ref.kind === 'actor' ? `${ref.actor}.${ref.surface}` : ref.host;
}

/** One observation to match (`alice.phone: { callState: ringIn }`), or a message on the wire. */
export interface Target {
  ref: SurfaceRef | 'wire';
  matcher: Record<string, MatcherValue>;
  loc: Loc;
}

/** Versions a step applies to: `when: { cucm: ['7.0(2)'] }` (absent = always). */
export type When = Partial<Record<VersionKey, readonly string[]>>;

interface StepBase {
  when?: When;
  loc: Loc;
}

/** An action's argument as written (placeholders substituted per cell): one value or named fields. */
export type RawArg = Scalar | Record<string, Scalar>;

export interface ActionStep extends StepBase {
  kind: 'action';
  ref: SurfaceRef;
  action: string;
  arg?: RawArg;
}

/** What an expectation evidences: the claims it grades (default: the scenario's first) and, for a known issue, which side it shows. */
export interface Evidence {
  claims: string[];
  shows?: Shows;
}

export interface AwaitStep extends StepBase, Evidence {
  kind: 'await';
  targets: Target[];
  withinMs: number;
}
export interface ExpectStep extends StepBase, Evidence {
  kind: 'expect';
  targets: Target[];
}
export interface ConfigureStep extends StepBase {
  kind: 'configure';
  /** A configuration operation of a node kind, e.g. `cucm.lines.setDirectoryNumber`. */
  target: string;
  args: Record<string, unknown>;
}
export interface WaitStep extends StepBase {
  kind: 'wait';
  ms: number;
}
/**
 * A fault of the network between lab hosts (in memory only; deterministic with the cell's seed): datagram loss on
 * every link, a partition between two hosts, or its end.
 */
export type NetworkFault = { loss: number } | { partition: [string, string] } | { heal: [string, string] };
export interface NetworkStep extends StepBase {
  kind: 'network';
  fault: NetworkFault;
}
export type Step = ActionStep | AwaitStep | ExpectStep | ConfigureStep | WaitStep | NetworkStep;
export type Expectation = AwaitStep | ExpectStep;

export const isExpectation = (s: Step): s is Expectation => s.kind === 'await' || s.kind === 'expect';

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
  /** The runtimes the scenario runs on (both unless its timers make it minutes long on a wall clock). */
  runtimes: ('memory' | 'sockets')[];
  actors: Record<string, ActorSpec>;
  steps: Step[];
  file: string;
  loc: Loc;
  /** Where each listed claim is written (`claims[i]`), for errors about it. */
  claimLocs: Loc[];
}

// ---------------------------------------------------------------------------------------------------------------
// The runtime schema checks the document's top level; steps are interpreted by parse-steps.ts (their keys are actor
// surfaces and lab hosts, which only the actors map and the lab define). json-schema.ts publishes the full step
// syntax, built from the node registry, as scenarios/scenario.schema.json for editors.

const kebabId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a kebab-case id');
const axisName = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'an axis name (letters and digits)');
const axisValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

export const actorSchema = z.strictObject({
  endpoint: z
    .string()
    .describe('an endpoint name (7975-sccp, 7971-sip, 7931-sccp, 7970-sccp, 7970-sip), "any", or ${axis}'),
  oc: z.boolean().default(false).describe('the actor also has Office Communicator (surfaces oc and ocElsewhere)'),
});

export const whenSchema = z
  .partialRecord(z.enum(VERSION_KEYS), z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean()])).min(1)]))
  .describe('run this step only on these releases, e.g. { cucm: ["7.0(2)"] }');

export const headerShape = {
  $schema: z.string().optional(),
  id: kebabId.describe('scenario id; cell ids are "<id>/<axis>=<value>,…"'),
  title: z.string().min(1),
  description: z.string().optional(),
  claims: z.array(z.string()).min(1).describe('claim ids from scenarios/claims.yaml that this scenario grades; each needs an expectation that evidences it'),
  lab: kebabId.describe('a lab in scenarios/labs/<lab>.yaml'),
  axes: z
    .record(axisName, z.array(axisValue).min(1))
    .default({})
    .describe('axis name → values; the cartesian product of all axes is the set of cells; an axis named after a product (cucm, cup, ocs, oc, exchange, cupE164RccPatch) runs the lab at those releases'),
  actors: z.record(z.string().regex(ACTOR_NAME, 'an actor name (letters, digits, _)'), actorSchema),
  runtimes: z
    .array(z.enum(['memory', 'sockets']))
    .min(1)
    .default(['memory', 'sockets'])
    .describe('the runtimes the scenario runs on (default both); leave out sockets when its timers (a 60 s calendar poll) would make a cell minutes long on a wall clock'),
};

/** Runtime schema: each step is a mapping, interpreted afterwards with the actors and the lab in hand. */
export const scenarioFileSchema = z.strictObject({
  ...headerShape,
  steps: z.array(z.record(z.string(), z.unknown())).min(1),
});
export type ScenarioFile = z.output<typeof scenarioFileSchema>;
