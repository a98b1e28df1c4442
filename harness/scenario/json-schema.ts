import { z } from 'zod';
import { labSchema } from '../../simulators';
import type { ArgSpec, RegisteredKind, ValueSpec } from '../../simulators';
import { headerShape, whenSchema } from './scenario-schema';
import {
  ACTOR_NAME,
  ACTOR_SURFACES,
  CONFIG_OPERATIONS,
  DURATION,
  KINDS,
  SHOWS,
  WIRE_KEYS,
  WIRE_PROTOCOLS,
  actionsOf,
  observationsOf,
  selectorsOf,
} from './vocabulary';

type JsonSchema = Record<string, unknown>;

const inline = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** A value spec of a node's declaration as JSON Schema. */
function valueSchema(spec: ValueSpec | ArgSpec): JsonSchema {
  switch (spec.kind) {
    case 'enum':
      return { enum: [...spec.values], description: spec.description };
    case 'text':
      return { type: ['string', 'number'], description: spec.description };
    case 'boolean':
      return { type: 'boolean', description: spec.description };
    case 'integer':
      return { type: 'integer', minimum: spec.min, ...(spec.max !== undefined ? { maximum: spec.max } : {}), description: spec.description };
    case 'actor':
      return { type: ['string', 'number'], description: spec.description };
    case 'fields':
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(spec.fields).map(([k, v]) => [k, valueSchema(v)])),
        required: Object.entries(spec.fields).filter(([, v]) => !v.optional).map(([k]) => k),
        additionalProperties: false,
        description: spec.description,
      };
  }
}

/** `<actor>.phone: answer` or `<actor>.oc: { makeCall: bob }`: the actions of a kind. */
function actionsSchema(kind: RegisteredKind): JsonSchema {
  const actions = Object.entries(actionsOf(kind));
  const bare = actions.filter(([, a]) => a.arg === undefined).map(([name]) => name);
  const options: JsonSchema[] = bare.length > 0 ? [{ enum: bare }] : [];
  for (const [name, a] of actions) {
    if (a.arg === undefined) continue;
    options.push({ type: 'object', properties: { [name]: valueSchema(a.arg) }, required: [name], additionalProperties: false, description: a.summary });
  }
  return { anyOf: options };
}

/** `{ callState: ringIn, line: 2 }`: the observations and selectors of a kind. */
function matcherSchema(kind: RegisteredKind): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, o] of Object.entries(observationsOf(kind))) properties[name] = { ...valueSchema(o.value), description: o.summary };
  for (const [name, s] of Object.entries(selectorsOf(kind))) properties[name] = valueSchema(s.spec);
  return { type: 'object', properties, additionalProperties: false, minProperties: 1 };
}

const actorPattern = (surface: string): string => `^${ACTOR_NAME.source.slice(1, -1)}\\.${surface}$`;
/** A lab host name (the lab defines which hosts run which product, so the schema offers every kind's words). */
const HOST_PATTERN = '^(?!wire$|within$)[a-z][a-z0-9-]*$';

/** JSON Schema (draft 2020-12) of a scenario file, for editors, built from the node registry. */
export function scenarioJsonSchema(): JsonSchema {
  const when = inline(whenSchema);
  const evidence = {
    claims: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }], description: 'the claims this expectation evidences (default: the scenario\'s first)' },
    shows: { enum: [...SHOWS], description: 'for a known issue: the symptom (checked where the defect is in range) or the fixed behaviour (checked elsewhere)' },
  };
  const surfaced = [...KINDS.values()].filter((k) => k.surface !== undefined);
  const targetPatterns: Record<string, JsonSchema> = {};
  const actionPatterns: Record<string, JsonSchema> = {};
  for (const word of ACTOR_SURFACES.values()) {
    targetPatterns[actorPattern(word.name)] = matcherSchema(word.kind);
    actionPatterns[actorPattern(word.name)] = actionsSchema(word.kind);
  }
  targetPatterns[HOST_PATTERN] = { anyOf: surfaced.map(matcherSchema) };
  const wire = {
    type: 'object',
    properties: Object.fromEntries(Object.entries(WIRE_KEYS).map(([k, d]) => [k, k === 'protocol' ? { enum: [...WIRE_PROTOCOLS], description: d } : { type: 'string', description: d }])),
    additionalProperties: false,
    minProperties: 1,
  };
  const within = { type: 'string', pattern: DURATION.source, description: 'a duration such as 500ms, 5s, 2m' };
  const targets = (withWithin: boolean): JsonSchema => ({
    type: 'object',
    properties: { wire, ...(withWithin ? { within } : {}) },
    patternProperties: targetPatterns,
    additionalProperties: false,
    minProperties: 1,
  });
  const configure = {
    type: 'object',
    properties: Object.fromEntries([...CONFIG_OPERATIONS].map(([name, { op }]) => [name, { ...inline(op.args), description: op.summary }])),
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
  };
  const hostPair = { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2, description: 'two lab hosts' };
  const network = {
    type: 'object',
    properties: {
      loss: { anyOf: [{ type: 'number', minimum: 0, exclusiveMaximum: 1 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?%$' }], description: 'share of datagrams lost on every link (5% or 0.05; 0 ends it)' },
      partition: { ...hostPair, description: 'nothing crosses between the two hosts (open TCP connections between them end)' },
      heal: { ...hostPair, description: 'end the partition between the two hosts' },
    },
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
  };
  const steps = {
    type: 'array',
    minItems: 1,
    items: {
      anyOf: [
        { type: 'object', properties: { await: targets(true), when, ...evidence }, required: ['await'], additionalProperties: false, description: 'wait (virtual time) until every target matches' },
        { type: 'object', properties: { expect: targets(false), when, ...evidence }, required: ['expect'], additionalProperties: false, description: 'every target matches now' },
        { type: 'object', properties: { configure, when }, required: ['configure'], additionalProperties: false, description: 'a configuration operation of a node' },
        { type: 'object', properties: { wait: within, when }, required: ['wait'], additionalProperties: false, description: 'let virtual time pass' },
        { type: 'object', properties: { network, when }, required: ['network'], additionalProperties: false, description: 'a network fault between lab hosts (memory runtime only; deterministic with the seed)' },
        { type: 'object', properties: { when }, patternProperties: actionPatterns, additionalProperties: false, minProperties: 1, maxProperties: 2, description: 'an action: "<actor>.<surface>: <action>"' },
      ],
    },
  };
  const header = inline(z.strictObject(headerShape));
  const properties = { ...(header.properties as Record<string, JsonSchema>), steps };
  return { ...header, properties, required: [...((header.required as string[] | undefined) ?? []), 'steps'], title: 'uc-interop-lab scenario' };
}

/** JSON Schema (draft 2020-12) of a lab file. Cross-reference checks are not expressible and run in the loader. */
export function labJsonSchema(): JsonSchema {
  return { ...(z.toJSONSchema(labSchema, { io: 'input' }) as JsonSchema), title: 'uc-interop-lab lab' };
}

/** The committed text of a schema file (stable key order, trailing newline). */
export function schemaFileText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
