/**
 * The words a scenario may use: step kinds, actions on the two actor surfaces (Office Communicator and the
 * IP phone), and the observation keys and values that `await` / `expect` match. Every list here feeds both
 * the loader (error messages name the allowed words) and the JSON Schema published for editors.
 */

import { CSTA_EVENT_TYPES, PRESENCE_STATES } from '../../simulators';

export const SURFACES = ['oc', 'phone'] as const;
export type Surface = (typeof SURFACES)[number];

export const STEP_KINDS = ['await', 'expect', 'configure', 'wait'] as const;
export type StepKeyword = (typeof STEP_KINDS)[number];

/** Actions on an Office Communicator client in RCC mode (each drives a uaCSTA request, ECMA TR/87). */
export const OC_ACTIONS = [
  'signIn',
  'signOut',
  'makeCall',
  'answerCall',
  'clearConnection',
  'holdCall',
  'retrieveCall',
  'setForwarding',
  'cancelForwarding',
  'setPresence',
  'signInElsewhere',
  'signOutElsewhere',
  'deflectCall',
  'singleStepTransfer',
] as const;
export type OcAction = (typeof OC_ACTIONS)[number];

/** Actions a person performs on a Cisco IP phone (SCCP stimuli or SIP UA behaviour). */
export const PHONE_ACTIONS = ['offHook', 'onHook', 'dial', 'answer', 'hangUp', 'forwardAll', 'cancelForwardAll'] as const;
export type PhoneAction = (typeof PHONE_ACTIONS)[number];

export type Action = OcAction | PhoneAction;

export const ACTIONS: Record<Surface, readonly Action[]> = { oc: OC_ACTIONS, phone: PHONE_ACTIONS };

/** Which actions take an argument: `target` = an actor name or a dial string; `presence` = a status word. */
export const ACTION_ARGS: Record<Action, 'none' | 'target' | 'presence'> = {
  signIn: 'none',
  signOut: 'none',
  makeCall: 'target',
  answerCall: 'none',
  clearConnection: 'none',
  holdCall: 'none',
  retrieveCall: 'none',
  setForwarding: 'target',
  cancelForwarding: 'none',
  setPresence: 'presence',
  signInElsewhere: 'none',
  signOutElsewhere: 'none',
  deflectCall: 'target',
  singleStepTransfer: 'target',
  offHook: 'none',
  onHook: 'none',
  dial: 'target',
  answer: 'none',
  hangUp: 'none',
  forwardAll: 'target',
  cancelForwardAll: 'none',
};

/** A dial string: digits, `+`, `*`, `#`, or a SIP/tel URI. */
export const DIAL_STRING = /^(\+?[0-9*#]+|(sip|sips|tel):\S+)$/;

/**
 * ECMA-323 event element names (the CSTA XML an OC client receives in SIP INFO under uaCSTA).
 * "TransferedEvent" is spelled with one "r", as ECMA-269/323 spell it.
 */
export const CSTA_EVENTS = CSTA_EVENT_TYPES;
export type CstaEvent = (typeof CSTA_EVENTS)[number];

/**
 * CSTAErrorCode values (ECMA-269 error categories operation / stateIncompatibility / systemResourceAvailability,
 * as listed in shared/reference/protocols.md §1.6). A matcher may also say "any".
 */
export const CSTA_ERRORS = [
  'any',
  'generic',
  'requestIncompatibleWithObject',
  'valueOutOfRange',
  'objectNotKnown',
  'invalidCallingDevice',
  'invalidCalledDevice',
  'invalidForwardingDestination',
  'privilegeViolationOnSpecifiedDevice',
  'privilegeViolationOnCalledDevice',
  'privilegeViolationOnCallingDevice',
  'invalidCallIdentifier',
  'invalidDeviceIdentifier',
  'invalidConnectionIdentifier',
  'invalidDestination',
  'invalidFeature',
  'invalidAllocationState',
  'invalidCrossRefID',
  'invalidObjectType',
  'securityViolation',
  'invalidObjectState',
  'invalidConnectionID',
  'noActiveCall',
  'noHeldCall',
  'noCallToClear',
  'noConnectionToClear',
  'noCallToAnswer',
  'noCallToComplete',
  'resourceBusy',
  'serviceBusy',
  'resourceOutOfService',
  'unspecified',
] as const;
export type CstaErrorValue = (typeof CSTA_ERRORS)[number];

export const OC_CONVERSATION_STATES = ['idle', 'ringing', 'connected', 'held'] as const;
/** Communicator's status menu (the [MS-PRES] availability ranges). */
export const OC_PRESENCE_STATES = PRESENCE_STATES;
export const RCC_SESSION_STATES = ['idle', 'active', 'failed'] as const;
export const PHONE_CALL_STATES = ['idle', 'offHook', 'dialing', 'ringOut', 'ringIn', 'connected', 'hold', 'busy'] as const;
export const RINGER_STATES = ['on', 'off'] as const;
/** SCCP SetLamp lamp modes (Wireshark packet-skinny.c `LampMode`: Off, On, Wink, Flash, Blink). */
export const LAMP_STATES = ['off', 'on', 'blink', 'flash', 'wink'] as const;

export type MatcherSpec =
  | { kind: 'enum'; values: readonly string[]; description: string }
  | { kind: 'string'; description: string }
  | { kind: 'boolean'; description: string }
  | { kind: 'integer'; min: number; description: string };

export const OC_MATCHERS = {
  event: { kind: 'enum', values: CSTA_EVENTS, description: 'an ECMA-323 event the client received' },
  conversation: { kind: 'enum', values: OC_CONVERSATION_STATES, description: 'state of the conversation window' },
  error: { kind: 'enum', values: CSTA_ERRORS, description: 'a CSTA error the client received, or "any"' },
  signedIn: { kind: 'boolean', description: 'whether the client is signed in to its pool' },
  rccSession: { kind: 'enum', values: RCC_SESSION_STATES, description: 'state of the uaCSTA session with CUP' },
  presence: { kind: 'enum', values: OC_PRESENCE_STATES, description: 'the status the user set and the pool accepted' },
  forwarding: { kind: 'enum', values: ['on', 'off'], description: 'call forwarding as Communicator shows it (what was set in Communicator)' },
  caller: { kind: 'string', description: 'a substring of who the conversation window shows calling (name from the address book, or number)' },
} as const satisfies Record<string, MatcherSpec>;
export type OcMatcherKey = keyof typeof OC_MATCHERS;

export const PHONE_MATCHERS = {
  callState: { kind: 'enum', values: PHONE_CALL_STATES, description: 'call state of the line' },
  ringer: { kind: 'enum', values: RINGER_STATES, description: 'whether the phone rings' },
  lamp: { kind: 'enum', values: LAMP_STATES, description: 'line lamp' },
  display: { kind: 'string', description: 'a substring of the display (prompt or call info)' },
  line: { kind: 'integer', min: 1, description: 'line (button) number the other keys refer to; default 1' },
  registered: { kind: 'boolean', description: 'registered with CUCM' },
  forwardAll: { kind: 'string', description: 'where Call Forward All sends the line, as the phone shows it ("" when not forwarded)' },
} as const satisfies Record<string, MatcherSpec>;
export type PhoneMatcherKey = keyof typeof PHONE_MATCHERS;

export const MATCHERS: Record<Surface, Record<string, MatcherSpec>> = { oc: OC_MATCHERS, phone: PHONE_MATCHERS };

/** Protocols a `wire` expectation may name (the ladder's protocol column). */
export const WIRE_PROTOCOLS = ['SIP', 'SCCP', 'CTI', 'DNS', 'HTTP'] as const;

/**
 * `wire: { from, to, protocol, message }` — a message seen on the wire since the previous `wire` match.
 * `from`/`to` name a lab host (`cup`, `cucm`, `ocs-pool1`) or an actor's device (`alice.phone`, `alice.oc`);
 * `message` is a regular expression over the message as the ladder shows it (`INVITE sip:… [MakeCall]`,
 * `CallState callState=RingIn …`, `MakeCallRequest destination=…`).
 */
export const WIRE_MATCHERS = {
  from: { kind: 'string', description: 'sending host, or <actor>.phone / <actor>.oc' },
  to: { kind: 'string', description: 'receiving host, or <actor>.phone / <actor>.oc' },
  protocol: { kind: 'enum', values: WIRE_PROTOCOLS, description: 'protocol of the message' },
  message: { kind: 'string', description: 'regular expression over the message summary' },
} as const satisfies Record<string, MatcherSpec>;

/** Products whose versions a lab states and a step's `when` may test. */
export const VERSION_KEYS = ['cucm', 'cup', 'cupE164RccPatch', 'ocs', 'oc', 'exchange'] as const;
export type VersionKey = (typeof VERSION_KEYS)[number];

/** Nodes whose configuration API a `configure` step may call (`<node>.<area>.<operation>`). */
export const CONFIG_NODES = ['ocs', 'cucm', 'cup', 'exchange', 'dns'] as const;
export const CONFIG_TARGET = /^(ocs|cucm|cup|exchange|dns)(\.[A-Za-z][A-Za-z0-9]*)+$/;

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
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/**
 * Placeholders usable in step arguments and matcher values: `${<axis>}` (e.g. `${endpoint}`), and
 * `${<actor>.<property>}` with one of these properties, bound when an actor is bound to a lab phone.
 */
export const ACTOR_PROPERTIES = ['device', 'dn', 'userId', 'sipUri', 'lineUri', 'endpoint'] as const;
export type ActorProperty = (typeof ACTOR_PROPERTIES)[number];
export const PLACEHOLDER = /\$\{([^}]*)\}/g;
