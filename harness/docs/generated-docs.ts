/**
 * The documents generated from the code: docs/scenario-reference.md (every word a scenario may use, from the node
 * registry), docs/lab-fields.md (who reads each lab field), the JSON Schemas for editors, and README's word lists.
 * `npm run docs` writes them; harness/docs/generated-docs.test.ts fails when a committed copy is stale.
 */
import path from 'node:path';
import { z } from 'zod';
import { MODELLED_DEFECTS, NODE_KINDS, PRODUCT_RELEASES } from '../../simulators';
import type { ArgSpec, RegisteredKind, ValueSpec } from '../../simulators';
import { labFieldTable, measuredLab, renderLabFieldsDoc } from '../lab/lab-fields';
import { loadLabById } from '../lab/load-lab';
import { plannedInstances } from '../lab/lab-runtime';
import { labJsonSchema, scenarioJsonSchema, schemaFileText } from '../scenario/json-schema';
import { ACTOR_PROPERTIES, ACTOR_SURFACES, CONFIG_OPERATIONS, OPERATION_ALIASES, SHOWS, STEP_KINDS, WIRE_KEYS, actionsOf, observationsOf, selectorsOf } from '../scenario/vocabulary';

const code = (s: string): string => `\`${s}\``;
const cellText = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function describeValue(spec: ValueSpec | ArgSpec): string {
  switch (spec.kind) {
    case 'enum':
      return spec.values.map(code).join(', ');
    case 'text':
      return 'text';
    case 'boolean':
      return '`true`, `false`';
    case 'integer':
      return `integer ≥ ${spec.min}${spec.max !== undefined ? `, ≤ ${spec.max}` : ''}`;
    case 'actor':
      return `an actor (their ${spec.property.join(', else ')})${spec.literal ? `, or a ${spec.literal.name}` : ''}`;
    case 'fields':
      return Object.entries(spec.fields).map(([k, v]) => `${code(k)}${v.optional ? '?' : ''}: ${describeValue(v)}`).join('; ');
  }
}

function surfaceSection(kind: RegisteredKind, heading: string, intro: string): string[] {
  const out = [`### ${heading}`, '', intro, ''];
  const actions = Object.entries(actionsOf(kind));
  if (actions.length > 0) {
    out.push('| action | argument | what it does |', '|---|---|---|');
    for (const [name, a] of actions) out.push(`| ${code(name)} | ${a.arg ? cellText(describeValue(a.arg)) : '—'} | ${cellText(a.summary)}${a.notModelled ? ' (not modelled on every instance: a scenario that needs it where it is missing is refused at load)' : ''} |`);
    out.push('');
  }
  const observations = Object.entries(observationsOf(kind));
  if (observations.length > 0) {
    out.push('| observation | values | matched as | what it shows |', '|---|---|---|---|');
    for (const [name, o] of observations) {
      const how = o.match === 'contains' ? 'a case-insensitive part' : o.match === 'seen' ? `one received since the last match${o.anyWord ? `; the word ${code(o.anyWord)} matches every entry` : ''}` : 'equal';
      out.push(`| ${code(name)} | ${cellText(describeValue(o.value))} | ${how} | ${cellText(o.summary)} |`);
    }
    out.push('');
  }
  const selectors = Object.entries(selectorsOf(kind));
  if (selectors.length > 0) {
    out.push('Selectors (keys that choose what the observations look at):', '');
    for (const [name, s] of selectors) out.push(`- ${code(name)}: ${describeValue(s.spec)}${s.default !== undefined ? ` (default ${code(String(s.default))})` : ''}: ${s.spec.description}`);
    out.push('');
  }
  return out;
}

/** docs/scenario-reference.md. */
export function renderScenarioReference(scenariosDir: string): string {
  const lab = loadLabById('seed-lab', scenariosDir);
  const hostsOf = (kind: RegisteredKind): string[] => plannedInstances(lab).filter((i) => i.kind === kind).map((i) => i.host);
  const out = [
    '# Scenario reference',
    '',
    'Generated from the node registry (simulators/nodes/registry.ts) by `npm run docs`; a test fails when it is stale.',
    'Every action, observation and configuration operation below is declared beside the simulated product that',
    'implements it; a scenario using any other word is refused at load with file:line:column and the allowed words.',
    '',
    '## Steps',
    '',
    `A step is one of ${STEP_KINDS.map(code).join(', ')}, or an action (${code('<actor>.<surface>: <action>')}). Beside its step key it may carry:`,
    '',
    `- ${code('when: { <product>: [<release>, …] }')}: run the step only at those releases (see Releases);`,
    `- on ${code('await')} and ${code('expect')} only: ${code('claims: [<claim>, …]')}, the claims the expectation evidences (default: the scenario's first), and ${code(`shows: ${SHOWS.join(' | ')}`)}, which side of a known issue it shows. A ${code('symptom')} expectation runs only where the defect's range covers the cell's release, a ${code('fixed')} one only outside it.`,
    '',
    `${code('await')} waits in virtual time (${code('within: 5s')}, the default) until every target matches; ${code('expect')} checks now; ${code('wait: 2s')} lets time pass; ${code('configure: { <operation>: { … } }')} calls an administration page; ${code('network: { loss: 5% }')} (every link; ${code('0')} ends it), ${code('network: { partition: [<host>, <host>] }')} and ${code('network: { heal: [<host>, <host>] }')} are faults of the in-memory network, drawn from the cell's seed (a scenario with one runs only in memory: ${code('runtimes: [memory]')}).`,
    'A scenario must list at least one claim, and every listed claim needs an expectation that evidences it.',
    '',
    '### Wire',
    '',
    `${code('wire: { … }')} in an await or expect matches a message captured since the previous wire match:`,
    '',
    ...Object.entries(WIRE_KEYS).map(([k, d]) => `- ${code(k)}: ${d}`),
    '',
    'A pattern that matches the empty text (it would match every message) is refused.',
    '',
    '## Actor surfaces',
    '',
    `An actor is bound to a lab phone and its person (device, DN, end user, OCS user); \`\${<actor>.<property>}\` reads one of: ${ACTOR_PROPERTIES.join(', ')} (\`displayName\` is the OCS user's display name, \`nationalNumber\` the DN without the +1 of a North American number).`,
    '',
  ];
  for (const word of ACTOR_SURFACES.values()) {
    out.push(...surfaceSection(word.kind, `${code(`<actor>.${word.name}`)}: ${word.kind.title}`, `${word.surface.summary}${word.surface.optIn === 'oc' ? ' (the actor says `oc: true`)' : ''}.`));
  }
  out.push('## Lab hosts', '', 'A lab host that runs a simulated product can be observed by its name (`cup: { user: alice, rccSession: active }`).', '');
  for (const kind of NODE_KINDS) {
    if (Object.values(kind.actorSurfaces ?? {}).length > 0 || !kind.surface || Object.keys(observationsOf(kind)).length === 0) continue;
    out.push(...surfaceSection(kind, `${kind.title} (${code(kind.kind)})`, `Hosts in seed-lab: ${hostsOf(kind).map(code).join(', ')}.`));
  }
  out.push('## Configuration operations', '', '| operation | arguments | page |', '|---|---|---|');
  for (const [name, { op }] of CONFIG_OPERATIONS) {
    if (name in OPERATION_ALIASES) continue;
    const json = z.toJSONSchema(op.args, { io: 'input' }) as { properties?: Record<string, { type?: string; default?: unknown }>; required?: string[] };
    const args = Object.entries(json.properties ?? {}).map(([k, v]) => `${code(k)}${json.required?.includes(k) ? '' : '?'}`).join(', ');
    out.push(`| ${code(name)} | ${args} | ${cellText(op.summary)} |`);
  }
  out.push('', '## Releases', '', 'A lab, an axis named after a product, or a `when` naming any other release is refused at load.', '');
  for (const [product, releases] of Object.entries(PRODUCT_RELEASES)) out.push(`- ${code(product)}: ${releases.map(code).join(', ')}`);
  out.push(`- ${code('cupE164RccPatch')}: ${code('true')}, ${code('false')}`);
  out.push('', '## Modelled defects', '', ...Object.entries(MODELLED_DEFECTS).map(([d, p]) => `- ${code(d)} (${p}); its affected range is stated once, in scenarios/claims.yaml`), '');
  return `${out.join('\n')}`;
}

/** README's word lists, between the `<!-- words -->` markers. */
export function renderReadmeWords(): string {
  const lines = ['<!-- words: generated by npm run docs from the node registry -->'];
  for (const word of ACTOR_SURFACES.values()) {
    lines.push(`- \`<actor>.${word.name}\` actions: ${Object.keys(actionsOf(word.kind)).join(', ')}; observations: ${[...Object.keys(observationsOf(word.kind)), ...Object.keys(selectorsOf(word.kind))].join(', ')}`);
  }
  for (const kind of NODE_KINDS) {
    if (Object.values(kind.actorSurfaces ?? {}).length > 0 || Object.keys(observationsOf(kind)).length === 0) continue;
    lines.push(`- \`${kind.kind}\` hosts observe: ${[...Object.keys(observationsOf(kind)), ...Object.keys(selectorsOf(kind))].join(', ')}`);
  }
  lines.push(`- \`configure\`: ${[...CONFIG_OPERATIONS.keys()].filter((n) => !(n in OPERATION_ALIASES)).join(', ')}`);
  lines.push('<!-- /words -->');
  return lines.join('\n');
}

export const README_WORDS = /<!-- words:[^\n]*-->[\s\S]*?<!-- \/words -->/;

/** Every generated file: its path under the repository and its text. */
export function generatedFiles(repoRoot: string, readme: string): { file: string; text: string }[] {
  const scenariosDir = path.join(repoRoot, 'scenarios');
  const lab = loadLabById('seed-lab', scenariosDir);
  return [
    { file: path.join(repoRoot, 'docs', 'scenario-reference.md'), text: renderScenarioReference(scenariosDir) },
    { file: path.join(repoRoot, 'docs', 'lab-fields.md'), text: renderLabFieldsDoc(labFieldTable(measuredLab(lab)), `${lab.id} with a small generated population`) },
    { file: path.join(scenariosDir, 'scenario.schema.json'), text: schemaFileText(scenarioJsonSchema()) },
    { file: path.join(scenariosDir, 'lab.schema.json'), text: schemaFileText(labJsonSchema()) },
    { file: path.join(repoRoot, 'README.md'), text: readme.replace(README_WORDS, renderReadmeWords()) },
  ];
}
