/**
 * A node's scenario surface: what a tester does to it (actions), what a tester reads from it
 * (observations) and how an administrator changes it (configuration operations), declared beside the
 * node's code. The harness derives the scenario vocabulary, the JSON Schema, the step executor and
 * docs/scenario-reference.md from these declarations and names no action, observation or host itself.
 */
import type { z } from 'zod';
import type { Lab } from '../lab/lab-schema';
import type { NodeEnv, StartedNode } from './node';
import type { LabPki } from '../transport/tls/lab-pki';

/** What identifies a person of the lab once a scenario's actor is bound to one: their phone, line and user. */
/**
 * `displayName` is the OCS user's display name (what Communicator shows for the person); `nationalNumber` is the
 * DN without the `+1` of a North American E.164 number (what a user types before the application dial rules add it).
 */
export const ACTOR_PROPERTIES = ['device', 'dn', 'userId', 'sipUri', 'lineUri', 'endpoint', 'displayName', 'nationalNumber'] as const;
export type ActorProperty = (typeof ACTOR_PROPERTIES)[number];
export type ActorIdentity = Readonly<Partial<Record<ActorProperty, string>>>;

export type Scalar = string | number | boolean;

/** A dial string: digits, `+`, `*`, `#`, or a SIP/tel URI. */
export const DIAL_STRING = /^(\+?[0-9*#]+|(sip|sips|tel):\S+)$/;

/** The type of an action argument, a matcher value or a selector. */
export type ValueSpec =
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly description: string }
  | { readonly kind: 'text'; readonly description: string; readonly pattern?: RegExp; readonly patternName?: string }
  | { readonly kind: 'boolean'; readonly description: string }
  | { readonly kind: 'integer'; readonly min: number; readonly max?: number; readonly description: string }
  /**
   * Another actor's property (`bob` → bob's DN), or a literal matching `literal` (a dial string). The
   * harness checks the word at load and hands the node the resolved value.
   */
  | {
      readonly kind: 'actor';
      /** The first of these the actor has (`['lineUri', 'dn']`: a line URI where the actor has one, else the DN). */
      readonly property: readonly ActorProperty[];
      readonly literal?: { readonly pattern: RegExp; readonly name: string };
      readonly description: string;
    };

/** An action's argument: one value (`{ makeCall: bob }`) or named fields (`{ login: { user: dave, pin: '12345' } }`). */
export type ArgSpec =
  | ValueSpec
  | { readonly kind: 'fields'; readonly fields: Readonly<Record<string, ValueSpec & { readonly optional?: boolean }>>; readonly description: string };
export type ArgValue = Scalar | Readonly<Record<string, Scalar>>;

export interface ActionDecl<N, C> {
  readonly summary: string;
  /** Absent: the action takes no argument (`alice.oc: signIn`). */
  readonly arg?: ArgSpec;
  /**
   * Where the lab does not model this action for an instance (e.g. a phone load whose soft key the lab
   * lacks): the reason. A scenario step that needs it there is refused at load as "not modelled".
   */
  readonly notModelled?: (config: C) => string | undefined;
  /** Performs the action; resolves once the node has sent what the action sends. */
  run(node: N, arg: ArgValue | undefined): Promise<unknown>;
}

export interface ObservationDecl<N> {
  readonly summary: string;
  readonly value: Exclude<ValueSpec, { kind: 'actor' }>;
  /**
   * How a matcher value is compared with what `read` returns: `equals` (the default); `contains`, a
   * case-insensitive substring of the text; `seen`, an entry of the sequence `read` returns that comes
   * after the last entry an earlier step consumed.
   */
  readonly match?: 'equals' | 'contains' | 'seen';
  /** For `seen`: a matcher word that stands for every entry (e.g. the value `any` of `error`). */
  readonly anyWord?: string;
  read(node: N, selectors: Readonly<Record<string, Scalar>>): Scalar | readonly Scalar[] | undefined;
}

export interface SelectorDecl {
  readonly spec: ValueSpec;
  /** Used when a matcher does not name the selector (a phone's `line` defaults to 1). */
  readonly default?: Scalar;
}

export interface Surface<N, C> {
  readonly actions: Readonly<Record<string, ActionDecl<N, C>>>;
  readonly observations: Readonly<Record<string, ObservationDecl<N>>>;
  /** Matcher keys that choose what the observations look at (a phone's `line`, CUP's `user`). */
  readonly selectors?: Readonly<Record<string, SelectorDecl>>;
  /** One line of what the node shows now, for a failure's "observed". */
  describe(node: N): string;
  /** After the last step, before the invariants are checked (Communicator signs out). */
  tidy?(node: N): Promise<void>;
}

/** How an actor of a scenario reaches an instance of a node kind (`alice.phone` → the host of alice's phone). */
export interface ActorSurface {
  readonly summary: string;
  /** The actor must say `oc: true` to use this surface. */
  readonly optIn?: 'oc';
  host(lab: Lab, actor: ActorIdentity): string | undefined;
}

/** An administration page's operation, e.g. `cucm.lines.setDirectoryNumber`, run on every instance of the kind. */
export interface ConfigOperation<N> {
  readonly summary: string;
  readonly args: z.ZodType;
  run(nodes: readonly N[], args: unknown): unknown;
}

/** What the composition root tells a node kind about the lab it is building. */
export interface LabContext {
  /** The FQDN the lab's DNS gives a host (`cup` → `cup.uc.lab`), or the host name when it has none. */
  fqdnOf(host: string): string;
  addressOf(host: string): string;
  /** The port the lab's DNS server listens on. */
  readonly dnsPort: number;
  /**
   * The port a well-known HTTP service listens on in this runtime: 80 and 443 in memory and for root; 10080 and
   * 10443 on sockets for a user who may not bind below 1024 (as `dnsPort` does for 53).
   */
  readonly httpPorts: { readonly http: number; readonly https: number };
  /** Defects active at the lab's releases (each defect's range is stated once, in the claims). */
  readonly defects: ReadonlySet<string>;
  /** The lab's certificate authority, server certificates and TLS key log (docs/decisions/0016). */
  readonly pki: LabPki;
}

export interface NodeInstance<C> {
  readonly host: string;
  readonly config: C;
}

/** A kind of simulated product: how many of it a lab has, how one starts, and its scenario surface. */
export interface NodeKind<C, N extends StartedNode> {
  /** The word scenarios use for it (`cucm.lines.setDirectoryNumber`) and the registry's key. */
  readonly kind: string;
  readonly title: string;
  /** Kinds that must be running before this one starts. */
  readonly dependsOn: readonly string[];
  /** What the node listens on, for `uc-lab serve`. */
  readonly ports?: (config: C, ctx: LabContext) => string;
  instances(lab: Lab, ctx: LabContext): readonly NodeInstance<C>[];
  start(env: NodeEnv, config: C): Promise<N>;
  readonly surface?: Surface<N, C>;
  readonly actorSurfaces?: Readonly<Record<string, ActorSurface>>;
  readonly configure?: Readonly<Record<string, ConfigOperation<N>>>;
}

/**
 * A node kind with its types erased, as the registry holds it. Sound because the composition root only
 * ever hands a kind the configs its own `instances` made and the nodes its own `start` returned.
 */
export type RegisteredKind = NodeKind<unknown, StartedNode>;

export function defineNodeKind<C, N extends StartedNode>(kind: NodeKind<C, N>): RegisteredKind {
  return kind as unknown as RegisteredKind;
}

/**
 * `const op = configOperations<Cucm>()` gives a builder of configuration operations on that node, with the
 * arguments typed by their schema (which the harness checks at load, so `run` sees only valid arguments).
 */
export function configOperations<N>() {
  return <S extends z.ZodType>(op: { summary: string; args: S; run(nodes: readonly N[], args: z.output<S>): unknown }): ConfigOperation<N> => op as ConfigOperation<N>;
}
