import type { StartedNode } from '../node';

/** The five endpoint kinds of the interop note's test bed (axis values of every scenario): model and device protocol. */
export const ENDPOINTS = ['7975-sccp', '7971-sip', '7931-sccp', '7970-sccp', '7970-sip'] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

/** A line's call state as the phone's screen shows it (SCCP CallState words, docs/protocols/sccp.md §5). */
export const PHONE_CALL_STATES = ['idle', 'offHook', 'dialing', 'ringOut', 'ringIn', 'connected', 'hold', 'busy', 'remoteInUse'] as const;
export type PhoneCallState = (typeof PHONE_CALL_STATES)[number];
/** SCCP SetLamp lamp modes (Wireshark packet-skinny.c `LampMode`: Off, On, Wink, Flash, Blink). */
export const LAMP_STATES = ['off', 'on', 'wink', 'flash', 'blink'] as const;
export type LampState = (typeof LAMP_STATES)[number];

export interface PhoneLineObservation {
  readonly line: number;
  readonly dn: string;
  readonly callState: PhoneCallState;
  readonly ringer: 'on' | 'off';
  readonly lamp: LampState;
  /** Text on the line's call plane / prompt line (e.g. "From +14085551002", "Connected"). */
  readonly display: string;
  /** Where Call Forward All sends the line's calls, as the phone shows it ('' when not forwarded). */
  readonly forwardAll: string;
  /** DTMF received from the far end during the current call, in order ('' when none). */
  readonly digits: string;
}

/** What a tester sees on and hears from the phone: the harness reads only this. */
export interface PhoneObservation {
  readonly deviceName: string;
  readonly model: string;
  readonly protocol: 'sccp' | 'sip';
  readonly registered: boolean;
  readonly speaker: 'on' | 'off';
  /** Do Not Disturb as the phone shows it (the DND feature's state CUCM last sent). */
  readonly dnd: boolean;
  /** What the phone's Services screen shows (an IP phone service's title and text), '' before any. */
  readonly screen: string;
  readonly lines: readonly PhoneLineObservation[];
}

/** What a tester does with the phone. Each returns once the phone has sent what the action sends. */
export interface Phone extends StartedNode {
  readonly deviceName: string;
  readonly endpoint: EndpointName;
  observe(): PhoneObservation;
  offHook(line?: number): Promise<void>;
  onHook(line?: number): Promise<void>;
  /** Dials digits (an E.164 number such as +14085551002 or an extension); goes off-hook first when idle. */
  dial(digits: string, line?: number): Promise<void>;
  /** Answers the ringing call (off-hook on the speaker or the Answer soft key). */
  answer(line?: number): Promise<void>;
  /** Ends the current call (EndCall soft key / on-hook). */
  hangUp(line?: number): Promise<void>;
  /**
   * The CFwdAll soft key: with a destination, forwards every call of the line to it; without one,
   * cancels Call Forward All. Rejects where the phone model of the lab does not offer it.
   */
  forwardAll(destination: string | undefined, line?: number): Promise<void>;
  /** The DND soft key: toggles Do Not Disturb. Rejects where the phone model of the lab does not offer it. */
  dndKey(): Promise<void>;
  transferKey(line?: number): Promise<void>;
  meetMeKey(line?: number): Promise<void>;
  conferenceKey(line?: number): Promise<void>;
  /** The Services (globe) button: the phone fetches its services menu from CUCM. */
  servicesKey(): Promise<void>;
  /** Services → Extension Mobility → user ID and PIN. Returns at once; the screen shows the outcome. */
  emLogin(userId: string, pin: string): Promise<void>;
  /** Services → Extension Mobility → Logout. */
  emLogout(): Promise<void>;
}
