/**
 * The words a scenario may use. The step kinds and the expectation tags are the harness's own; every
 * action, observation, selector, actor surface and configuration operation comes from the node kinds'
 * declarations (simulators/nodes/registry.ts), so adding one to a node adds it here, to the loader's
 * error messages, to the JSON Schema and to docs/scenario-reference.md.
 */

import { NODE_KINDS, PRODUCT_RELEASES, ACTOR_PROPERTIES, VERSION_KEYS } from '../../simulators';
import type { VersionKey } from '../../simulators';
import type { ActionDecl, ActorSurface, ConfigOperation, ObservationDecl, RegisteredKind, SelectorDecl } from '../../simulators';

export const STEP_KINDS = ['await', 'expect', 'configure', 'wait', 'network'] as const;
export type StepKeyword = (typeof STEP_KINDS)[number];

/** Keys a step may carry beside its one step key. */
export const STEP_TAGS = ['when', 'claims', 'shows'] as const;

/**
 * `shows:` on an expectation of a known-issue claim: the defect's symptom (checked only on releases the
 * defect's range covers) or the corrected behaviour (checked only on releases outside it).
 */
export const SHOWS = ['symptom', 'fixed'] as const;
export type Shows = (typeof SHOWS)[number];

/** An actor surface (`alice.phone`) and the node kind behind it. */
export interface ActorSurfaceWord {
  readonly name: string;
  readonly kind: RegisteredKind;
  readonly surface: ActorSurface;
}

/** Actor surfaces by name, from every kind that declares one. Two kinds may not declare the same name. */
export const ACTOR_SURFACES: ReadonlyMap<string, ActorSurfaceWord> = (() => {
  const out = new Map<string, ActorSurfaceWord>();
  for (const kind of NODE_KINDS) {
    for (const [name, surface] of Object.entries(kind.actorSurfaces ?? {})) {
      const taken = out.get(name);
      if (taken) throw new Error(`actor surface "${name}" is declared by both ${taken.kind.kind} and ${kind.kind}`);
      out.set(name, { name, kind, surface });
    }
  }
  return out;
})();

export const KINDS: ReadonlyMap<string, RegisteredKind> = new Map(NODE_KINDS.map((k) => [k.kind, k]));

export function actionsOf(kind: RegisteredKind): Readonly<Record<string, ActionDecl<unknown, unknown>>> {
  return kind.surface?.actions ?? {};
}

export function observationsOf(kind: RegisteredKind): Readonly<Record<string, ObservationDecl<unknown>>> {
  return kind.surface?.observations ?? {};
}

export function selectorsOf(kind: RegisteredKind): Readonly<Record<string, SelectorDecl>> {
  return kind.surface?.selectors ?? {};
}

/**
 * Names scenarios may still use for an operation that moved to the product that owns it: the AD user's RCC
 * settings were once applied to Communicator; the pool serves them in-band now (docs/protocols/sign-in.md §8).
 */
export const OPERATION_ALIASES: Readonly<Record<string, string>> = {
  'oc.activeDirectory.setRemoteCallControl': 'ocs.activeDirectory.setRemoteCallControl',
};

const OPERATIONS_BY_NAME = new Map<string, { kind: RegisteredKind; op: ConfigOperation<unknown> }>(
  NODE_KINDS.flatMap((kind) => Object.entries(kind.configure ?? {}).map(([name, op]) => [`${kind.kind}.${name}`, { kind, op }] as const)),
);

/** Configuration operations by full name (`cucm.lines.setDirectoryNumber`), aliases included. */
export const CONFIG_OPERATIONS: ReadonlyMap<string, { kind: RegisteredKind; op: ConfigOperation<unknown> }> = new Map([
  ...OPERATIONS_BY_NAME,
  ...Object.entries(OPERATION_ALIASES).flatMap(([alias, name]) => {
    const target = OPERATIONS_BY_NAME.get(name);
    return target ? [[alias, target] as const] : [];
  }),
]);

/** Protocols a `wire` expectation may name (the ladder's protocol column). */
export const WIRE_PROTOCOLS = ['SIP', 'SCCP', 'CTI', 'DNS', 'HTTP', 'TLS'] as const;

/**
 * `wire: { from, to, protocol, message }`: a message seen on the wire since the previous `wire` match.
 * `message` is a regular expression over the decoded message: a SIP message's whole text (start line,
 * headers and body), or an SCCP / CTI / DNS message's name and every decoded field.
 */
export const WIRE_KEYS = {
  from: 'sending host (lab host name, or <actor>.<surface>)',
  to: 'receiving host (lab host name, or <actor>.<surface>)',
  protocol: `protocol of the message: ${WIRE_PROTOCOLS.join(', ')}`,
  message: 'regular expression over the decoded message (SIP text with headers and body; SCCP, CTI, DNS name and fields)',
} as const;

/** Products whose releases a lab states, an axis may vary and a step's `when` may test (simulators/lab/releases.ts). */
export { VERSION_KEYS };
export type { VersionKey };

/** The allowed values of a version key: a product's releases, or true/false for the E.164 RCC patch. */
export function versionValues(key: VersionKey): readonly string[] {
  return key === 'cupE164RccPatch' ? ['true', 'false'] : PRODUCT_RELEASES[key];
}

export const isVersionKey = (k: string): k is VersionKey => (VERSION_KEYS as readonly string[]).includes(k);

/** Actor names: identifiers, so `alice.oc` splits unambiguously. */
export const ACTOR_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Durations: `250ms`, `5s`, `1.5s`, `2m`. */
export const DURATION = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/;

export const DEFAULT_AWAIT_MS = 5000;

/** Parse a duration word into milliseconds; undefined if it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DURATION.exec(value.trim());
  if (!m || m[1] === undefined) return undefined;
  const n = Number(m[1]);
  const unit = m[2];
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
  // A scenario waits at most a day: anything longer is a typo, not a test (and would run for hours).
  return Number.isFinite(ms) && ms <= MAX_DURATION_MS ? Math.round(ms) : undefined;
}

/** The longest `wait` or `within` a scenario may state: 24 hours. */
export const MAX_DURATION_MS = 24 * 3600_000;

/**
 * Placeholders usable in step arguments and matcher values: `${<axis>}` (e.g. `${endpoint}`), and
 * `${<actor>.<property>}` with one of the actor properties, bound when an actor is bound to a lab phone.
 */
export { ACTOR_PROPERTIES };
export type { ActorProperty } from '../../simulators';
export const PLACEHOLDER = /\$\{([^}]*)\}/g;
