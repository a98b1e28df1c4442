import { z } from 'zod';
import { labSchema } from '../lab/lab-schema';
import {
  actionStepDoc,
  awaitTargetsDoc,
  ocActionDoc,
  ocMatcherDoc,
  OC_KEY_PATTERN,
  phoneActionDoc,
  phoneMatcherDoc,
  PHONE_KEY_PATTERN,
  scenarioDocSchema,
  targetsDoc,
  whenSchema,
  wireMatcherDoc,
} from './scenario-schema';

type JsonSchema = Record<string, unknown>;

const inline = (schema: z.ZodType): JsonSchema => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  return rest;
};

/**
 * Keys such as `alice.oc` are actor names the schema cannot know, so the objects holding them are published with
 * JSON Schema `patternProperties` (which zod cannot express): `<name>.oc` → OC words, `<name>.phone` → phone words.
 */
function patternKeyed(json: JsonSchema, oc: JsonSchema, phone: JsonSchema, fixed: Record<string, JsonSchema>): void {
  for (const key of Object.keys(json)) if (key !== 'description') delete json[key];
  json.type = 'object';
  json.properties = fixed;
  json.patternProperties = { [OC_KEY_PATTERN]: oc, [PHONE_KEY_PATTERN]: phone };
  json.additionalProperties = false;
  json.minProperties = 1;
}

/** JSON Schema (draft 2020-12) of a scenario file, for editors (`# yaml-language-server: $schema=…`). */
export function scenarioJsonSchema(): JsonSchema {
  const when = inline(whenSchema);
  const wire = inline(wireMatcherDoc);
  const within = { type: 'string', pattern: '^([0-9]+(?:\\.[0-9]+)?)(ms|s|m)$', description: 'a duration such as 500ms, 5s, 2m' };
  const schema = z.toJSONSchema(scenarioDocSchema, {
    io: 'input',
    override: (ctx) => {
      const json = ctx.jsonSchema as JsonSchema;
      if (ctx.zodSchema === actionStepDoc) {
        patternKeyed(json, inline(ocActionDoc), inline(phoneActionDoc), { when });
        json.maxProperties = 2;
      } else if (ctx.zodSchema === awaitTargetsDoc) {
        patternKeyed(json, inline(ocMatcherDoc), inline(phoneMatcherDoc), { within, wire });
      } else if (ctx.zodSchema === targetsDoc) {
        patternKeyed(json, inline(ocMatcherDoc), inline(phoneMatcherDoc), { wire });
      }
    },
  }) as JsonSchema;
  return { ...schema, title: 'uc-interop-lab scenario' };
}

/** JSON Schema (draft 2020-12) of a lab file. Cross-reference checks are not expressible and run in the loader. */
export function labJsonSchema(): JsonSchema {
  return { ...(z.toJSONSchema(labSchema, { io: 'input' }) as JsonSchema), title: 'uc-interop-lab lab' };
}

/** The committed text of a schema file (stable key order, trailing newline). */
export function schemaFileText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
