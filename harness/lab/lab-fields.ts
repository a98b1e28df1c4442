import type { z } from 'zod';
import { NODE_KINDS, labSchema, type Lab, type LabContext, LabPki } from '../../simulators';
import { diagnoseLab } from './doctor';
import { fqdnOf } from './lab-runtime';
import { personOfPhone } from './people';
import { expandPopulation } from './population';
import { LINT_ONLY, METADATA_FIELDS } from './lint-only';

export { LINT_ONLY, METADATA_FIELDS, lintOnlyClaims } from './lint-only';

/**
 * Which part of the lab reads each field of a lab file. Every field must have a consumer: a simulated
 * product reads it (through its node kind's `instances`), the composition root or the actor binding reads
 * it, or it is lint-only — only `uc-lab doctor` reads it — and then the claims resting on it cannot be
 * graded (a scenario listing one is refused at load, as not modelled). The table is measured, not
 * declared: the consumers read a recording copy of a lab, and docs/lab-fields.md is generated from that.
 */

// ---- the schema's fields ---------------------------------------------------------------------------------------

type Walkable = z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };

function unwrap(schema: Walkable): Walkable {
  let s = schema;
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault' || def.type === 'readonly') s = def.innerType as Walkable;
    else if (def.type === 'pipe') s = def.in as Walkable;
    else return s;
  }
}

const children = (s: Walkable): { kind: 'object'; shape: Record<string, Walkable> } | { kind: 'array' | 'record'; of: Walkable } | { kind: 'leaf' } => {
  const u = unwrap(s);
  const def = u._zod.def;
  if (def.type === 'object') return { kind: 'object', shape: def.shape as Record<string, Walkable> };
  if (def.type === 'array') return { kind: 'array', of: def.element as Walkable };
  if (def.type === 'record') return { kind: 'record', of: def.valueType as Walkable };
  return { kind: 'leaf' };
};

/** Every field of the lab schema, as `ocs.pools[].frontEnds` (arrays `[]`, maps `{}`), in schema order. */
export function labFieldPaths(): string[] {
  const out: string[] = [];
  const walk = (s: Walkable, path: string): void => {
    const c = children(s);
    if (c.kind === 'object') for (const [k, v] of Object.entries(c.shape)) walk(v, path ? `${path}.${k}` : k);
    else if (c.kind === 'array' && children(c.of).kind !== 'leaf') walk(c.of, `${path}[]`);
    else out.push(c.kind === 'record' ? `${path}{}` : path);
  };
  walk(labSchema as unknown as Walkable, '');
  return out;
}

/** A copy of `lab` that records the path of every field read through it. */
export function recordingLab(lab: Lab, reads: Set<string>): Lab {
  const wrap = (value: unknown, s: Walkable, path: string): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const c = children(s);
    if (c.kind === 'leaf') return value;
    return new Proxy(value, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof prop === 'symbol') return v;
        if (c.kind === 'object') {
          const child = c.shape[prop];
          if (!child) return v;
          const p = path ? `${path}.${prop}` : prop;
          reads.add(children(child).kind === 'record' ? `${p}{}` : p);
          return wrap(v, child, p);
        }
        if (c.kind === 'array') {
          if (!/^[0-9]+$/.test(prop)) return typeof v === 'function' ? v : v;
          const p = `${path}[]`;
          if (children(c.of).kind === 'leaf') reads.add(path);
          return wrap(v, c.of, p);
        }
        // a record: every key reads the map
        reads.add(`${path}{}`);
        return wrap(v, c.of, `${path}{}`);
      },
      ownKeys(target) {
        if (c.kind === 'record') reads.add(`${path}{}`);
        return Reflect.ownKeys(target);
      },
    });
  };
  return wrap(lab, labSchema as unknown as Walkable, '') as Lab;
}

// ---- the consumers -----------------------------------------------------------------------------------------------

/** One part of the lab that reads lab fields: a node kind, the composition root, the actor binding, or the doctor. */
export interface FieldConsumer {
  readonly name: string;
  /** Simulators and the harness's composition read fields to build the lab; the doctor only lints. */
  readonly role: 'simulator' | 'composition' | 'lint';
  read(lab: Lab): void;
}

export const FIELD_CONSUMERS: readonly FieldConsumer[] = [
  ...NODE_KINDS.map(
    (kind): FieldConsumer => ({
      name: kind.kind,
      role: 'simulator',
      read: (lab) => {
        const ctx: LabContext = { fqdnOf: (h) => fqdnOf(lab, h), addressOf: (h) => h, dnsPort: 53, httpPorts: { http: 80, https: 443 }, defects: new Set(), pki: new LabPki(lab.id) };
        kind.instances(lab, ctx);
        for (const surface of Object.values(kind.actorSurfaces ?? {})) {
          for (const phone of lab.cucm.phones) surface.host(lab, personOfPhone(lab, phone));
        }
      },
    }),
  ),
  {
    name: 'composition root',
    role: 'composition',
    read: (lab) => {
      for (const [host] of Object.entries(lab.hosts)) fqdnOf(lab, host);
      void lab.dns.server;
    },
  },
  {
    name: 'population generator',
    role: 'composition',
    read: (lab) => void expandPopulation(lab),
  },
  {
    name: 'actor binding',
    role: 'composition',
    read: (lab) => {
      for (const phone of lab.cucm.phones) personOfPhone(lab, phone);
    },
  },
  { name: 'doctor', role: 'lint', read: (lab) => void diagnoseLab(lab) },
];

export interface FieldRow {
  readonly field: string;
  readonly consumers: readonly string[];
  /** The LINT_ONLY entry covering the field, if any. */
  readonly lintOnly?: { readonly entry: string; readonly claims: readonly string[]; readonly why: string };
}

const covers = (entry: string, field: string): boolean => field === entry || field.startsWith(`${entry}.`) || field.startsWith(`${entry}[]`) || field.startsWith(`${entry}{}`);

/**
 * The lab the table is measured on: the given lab with a small generated population, so the population's own
 * fields are read too (a lab file's population is built at load; this one is built by the generator's reads).
 */
export function measuredLab(lab: Lab): Lab {
  return { ...lab, population: lab.population ?? { users: 2, seed: 7, pools: 1, emailSpecialCharacterRate: 0.5, firstNumber: '+14085560000', models: { '7975-sccp': 1 } } };
}

/** The table: every field of the schema with the consumers that read it in `lab`. */
export function labFieldTable(lab: Lab): FieldRow[] {
  const readsBy = FIELD_CONSUMERS.map((c) => {
    const reads = new Set<string>();
    c.read(recordingLab(lab, reads));
    return { consumer: c, reads };
  });
  return labFieldPaths().map((field) => {
    const consumers = readsBy.filter(({ reads }) => [...reads].some((r) => r === field || covers(field, r))).map(({ consumer }) => consumer.name);
    const entry = Object.keys(LINT_ONLY).find((e) => covers(e, field));
    const lint = entry === undefined ? undefined : LINT_ONLY[entry];
    return { field, consumers, ...(entry !== undefined && lint ? { lintOnly: { entry, claims: lint.claims, why: lint.why } } : {}) };
  });
}

/** What is wrong with the table: a field nobody reads, a lint-only field a simulator reads (stale), a stale entry. */
export function labFieldProblems(rows: readonly FieldRow[]): string[] {
  const simulators = new Set(FIELD_CONSUMERS.filter((c) => c.role === 'simulator').map((c) => c.name));
  const builders = new Set(FIELD_CONSUMERS.filter((c) => c.role !== 'lint').map((c) => c.name));
  const out: string[] = [];
  for (const row of rows) {
    if (METADATA_FIELDS.includes(row.field)) continue;
    if (row.lintOnly) {
      const products = row.consumers.filter((c) => simulators.has(c));
      if (products.length > 0) out.push(`${row.field} is marked lint-only (${row.lintOnly.entry}) but ${products.join(', ')} reads it: remove it from LINT_ONLY`);
    } else if (!row.consumers.some((c) => builders.has(c))) {
      out.push(`${row.field} has no consumer: no simulator reads it${row.consumers.includes('doctor') ? ' (only the doctor)' : ''}; wire it or mark it lint-only`);
    }
  }
  for (const entry of Object.keys(LINT_ONLY)) if (!rows.some((r) => covers(entry, r.field))) out.push(`LINT_ONLY names ${entry}, which is not a lab field`);
  return out;
}

/** docs/lab-fields.md, generated from the table (harness/lab/lab-fields.test.ts checks the committed copy). */
export function renderLabFieldsDoc(rows: readonly FieldRow[], labId: string): string {
  const lines = [
    '# Lab fields and who reads them',
    '',
    `Generated from the code by \`npm run docs\` (harness/lab/lab-fields.ts), measured on \`${labId}\`: each consumer reads a recording`,
    'copy of the lab. A field is read by a simulated product (its node kind), by the composition root or the actor binding of the',
    'harness, or it is **lint-only**: only `uc-lab doctor` reads it, and a scenario listing a claim that rests on it is refused at',
    'load as not modelled. A test fails when a field has no consumer.',
    '',
    '| field | read by | lint-only: claims that cannot be graded yet |',
    '|---|---|---|',
  ];
  for (const r of rows) {
    const lint = r.lintOnly ? `${r.lintOnly.why}${r.lintOnly.claims.length ? `: ${r.lintOnly.claims.map((c) => `\`${c}\``).join(', ')}` : ''}` : METADATA_FIELDS.includes(r.field) ? '(describes the lab file)' : '';
    lines.push(`| \`${r.field}\` | ${r.consumers.join(', ') || '—'} | ${lint} |`);
  }
  return `${lines.join('\n')}\n`;
}
