import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { CtiCallState, CtiEventCause } from '../../protocols/cti';
import type { CucmConfigStore } from './cucm-config';

/**
 * A leg's state and a state change's cause are defined once, as CTI CallEvent carries them
 * (simulators/protocols/cti/cti-messages.ts, docs/protocols/cti.md): the station server maps them to SCCP
 * CallState, the SIP line side to SIP, and CUP's gateway to CSTA events. `failed`: the call could not be
 * routed (the caller hears reorder until on-hook); `remoteInUse`: another appearance of the same shared line
 * answered (SCCP CallState 13 "In Use Remote").
 */
export type LegState = CtiCallState;
export type CallCause = CtiEventCause;
/** `rejected`: digit analysis or the called line refused the call; the caller hears reorder or busy until on-hook. */
export type CallPhase = 'collecting' | 'rejected' | 'alerting' | 'connected' | 'released';

/**
 * What call control asks of the signalling that owns a leg (the SCCP station server or the SIP line
 * server). Each event is sent once, in the order the call moves.
 */
export type LegSignal =
  | { kind: 'offHook'; by: 'user' | 'cti' }
  | { kind: 'digitCollected'; first: boolean }
  | { kind: 'dialing' }
  | { kind: 'proceeding' }
  | { kind: 'ringOut' }
  | { kind: 'ringIn'; ringer: 'on' | 'off' }
  | { kind: 'connected' }
  | { kind: 'busy' }
  | { kind: 'invalidNumber' }
  | { kind: 'held' }
  | { kind: 'retrieved' }
  /** A shared-line appearance that was offered the call: another appearance answered it. */
  | { kind: 'remoteInUse' }
  /** DTMF from the other party of a connected call (its keypad, or CTI GenerateDigits on its line). */
  | { kind: 'digits'; digits: string }
  | { kind: 'released'; cause: CallCause };

export interface LegDriver {
  /** The protocol the device speaks (`bridge`: the conference bridge's own legs). */
  readonly protocol: 'sccp' | 'sip' | 'bridge';
  signal(leg: CallLeg, call: Call, signal: LegSignal): void;
}

export interface CallLeg {
  readonly deviceName: string;
  readonly line: number;
  readonly dn: string;
  readonly role: 'originating' | 'terminating';
  /** Per-leg call reference (SCCP callReference; SIP legs use it as a handle). */
  readonly callReference: number;
  state: LegState;
  readonly driver: LegDriver;
  /** Media address the device offered (SCCP OpenReceiveChannelAck / SIP SDP), when known. */
  media?: { address: string; port: number };
}

/**
 * A conference on CUCM's conference bridge (docs/protocols/cucm-features.md §9, §10): each participant has a
 * call of its own between its leg and a bridge leg.
 */
export interface Conference {
  readonly id: number;
  readonly kind: 'meetMe' | 'adHoc';
  /** The Meet-Me number dialled to reach it. */
  readonly number?: string;
  readonly calls: Set<Call>;
}

export interface Call {
  /** CTI call id (also the basis of the call references). */
  readonly id: number;
  /** The calling leg (an ad hoc conference puts a bridge leg in the place of a party that left for the bridge). */
  origin: CallLeg;
  /** The appearance that answered, or (while alerting) the first one offered the call. */
  terminating: CallLeg | undefined;
  /**
   * The other appearances of a shared line (docs/protocols/cucm-features.md §2): offered the call with
   * `terminating` (ringIn), then `remoteInUse` once one of them answers.
   */
  shared: CallLeg[];
  /** The caller pressed MeetMe: only a Meet-Me number may follow (§9). */
  meetMe?: boolean;
  /** The conference this call is a participant's leg of (its terminating leg is the bridge's). */
  conference?: Conference;
  /** A call joined by a consultation transfer: the call each far party was in before. */
  replaced?: Map<CallLeg, number>;
  phase: CallPhase;
  /** Digits collected so far / the dialled destination. */
  digits: string;
  readonly callingParty: string;
  readonly callingName: string;
  calledParty: string;
  calledName: string;
  interDigitTimer?: TimerHandle;
  /** Forward No Answer: fires when the ringing line has not answered in its no-answer time. */
  noAnswerTimer?: TimerHandle;
  /** Forwards this call has followed (All, Busy, No Answer), bounded by MAX_FORWARD_HOPS. */
  forwardHops?: number;
}

/**
 * How many forwards one call follows (CUCM bounds chains by the service parameter "Max Forward Hops to DN";
 * the lab's choice is one: docs/protocols/cucm-features.md §3).
 */
const MAX_FORWARD_HOPS = 1;

/** Observers of leg state changes (the CTI manager). */
export interface CallControlDelegate {
  onLegState(leg: CallLeg, call: Call, cause: CallCause): void;
}

export type DialOutcome = 'routed' | 'collecting' | 'busy' | 'invalidNumber';

/**
 * Digit analysis and two-party call state. Digit analysis is an exact match of the collected digits
 * against the configured directory numbers (E.164 DNs carry their '+'); when the collected digits
 * are a match and also a prefix of a longer DN, routing waits for the T302 inter-digit timeout, as
 * CUCM does with overlapping patterns. A call the called line cannot take (busy trigger reached) is
 * rejected busy (docs/protocols/cucm-features.md §1).
 */
export class CallControl {
  private readonly calls = new Map<number, Call>();
  /** Each live leg's call, and the legs on each device line: lookups without a scan of every call. */
  private readonly callOfLeg = new Map<CallLeg, Call>();
  private readonly legsOnLine = new Map<string, Set<CallLeg>>();
  /** The bound legs of each directory number (phone presence asks per DN on every leg change). */
  private readonly legsOfDnIndex = new Map<string, Set<CallLeg>>();
  private readonly drivers = new Map<string, LegDriver>();
  private nextCallId = 1;
  private nextConferenceId = 1;
  /** Open Meet-Me conferences by number. */
  private readonly meetMeConferences = new Map<string, Conference>();
  /** The conference bridge's legs: a participant hanging up leaves the conference. */
  private readonly bridge: LegDriver = {
    protocol: 'bridge',
    signal: (_leg, call, s) => {
      if (s.kind === 'released') this.leftConference(call);
    },
  };
  private nextCallReference = 0x01000001;
  private readonly delegates: CallControlDelegate[] = [];

  constructor(
    private readonly config: CucmConfigStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  addDelegate(delegate: CallControlDelegate): void {
    this.delegates.push(delegate);
  }

  /** A device registered: calls may now reach it. */
  attach(deviceName: string, driver: LegDriver): void {
    this.drivers.set(deviceName, driver);
  }

  /** A device unregistered or its connection dropped: its calls are cleared. */
  detach(deviceName: string, driver: LegDriver): void {
    if (this.drivers.get(deviceName) !== driver) return;
    for (const call of [...this.calls.values()]) {
      for (const leg of this.legsOf(call).filter((l) => l.deviceName === deviceName)) this.release(leg, 'unreachable', { silent: true });
    }
    this.drivers.delete(deviceName);
  }

  isRegistered(deviceName: string): boolean {
    return this.drivers.has(deviceName);
  }

  driverOf(deviceName: string): LegDriver | undefined {
    return this.drivers.get(deviceName);
  }

  activeCalls(): readonly Call[] {
    return [...this.calls.values()];
  }

  /** Legs currently on a device's line (any state but idle). */
  legsOn(deviceName: string, line: number): CallLeg[] {
    return [...(this.legsOnLine.get(`${deviceName}#${line}`) ?? [])].filter((leg) => leg.state !== 'idle');
  }

  callOf(leg: CallLeg): Call | undefined {
    return this.callOfLeg.get(leg);
  }

  /** Every leg of a call: the origin, the terminating appearance and a shared line's other appearances. */
  legsOf(call: Call): CallLeg[] {
    return [call.origin, ...(call.terminating ? [call.terminating] : []), ...call.shared];
  }

  private bind(leg: CallLeg, call: Call): void {
    this.callOfLeg.set(leg, call);
    const key = `${leg.deviceName}#${leg.line}`;
    let legs = this.legsOnLine.get(key);
    if (!legs) this.legsOnLine.set(key, (legs = new Set()));
    legs.add(leg);
    let onDn = this.legsOfDnIndex.get(leg.dn);
    if (!onDn) this.legsOfDnIndex.set(leg.dn, (onDn = new Set()));
    onDn.add(leg);
  }

  private unbind(leg: CallLeg | undefined): void {
    if (!leg) return;
    this.callOfLeg.delete(leg);
    const key = `${leg.deviceName}#${leg.line}`;
    const legs = this.legsOnLine.get(key);
    legs?.delete(leg);
    if (legs?.size === 0) this.legsOnLine.delete(key);
    const onDn = this.legsOfDnIndex.get(leg.dn);
    onDn?.delete(leg);
    if (onDn?.size === 0) this.legsOfDnIndex.delete(leg.dn);
  }

  /** Every non-idle leg on a DN, on any device, of a call in progress. */
  legsOfDn(dn: string): CallLeg[] {
    const out: CallLeg[] = [];
    for (const leg of this.legsOfDnIndex.get(dn) ?? []) {
      if (leg.state === 'idle') continue;
      const call = this.callOfLeg.get(leg);
      if (call && this.calls.get(call.id) === call && (call.origin === leg || call.terminating === leg || call.shared.includes(leg))) out.push(leg);
    }
    return out;
  }

  callById(id: number): Call | undefined {
    return this.calls.get(id);
  }

  /** The device goes off hook on `line` (handset, speaker, or CTI MakeCall): a new call collecting digits. */
  /** Whether the line holds its Maximum Number of Calls: no further call can be placed on it (§1). */
  atMaxCalls(deviceName: string, line: number): boolean {
    const record = this.config.phone(deviceName)?.lines[line - 1];
    return record !== undefined && this.legsOn(deviceName, line).length >= record.maxCalls;
  }

  /** A new call on the line (off hook, or CTI MakeCall); none when the line is at its Maximum Number of Calls. */
  offHook(deviceName: string, line: number, by: 'user' | 'cti'): CallLeg | undefined {
    const driver = this.drivers.get(deviceName);
    const record = this.config.phone(deviceName)?.lines[line - 1];
    if (!driver || !record) return undefined;
    if (this.atMaxCalls(deviceName, line)) {
      this.log.info('no new call: the line has its Maximum Number of Calls', { device: deviceName, line, maxCalls: record.maxCalls });
      return undefined;
    }
    const leg: CallLeg = { deviceName, line, dn: record.dn, role: 'originating', callReference: this.nextCallReference++, state: 'offHook', driver };
    const call: Call = {
      id: this.nextCallId++,
      origin: leg,
      terminating: undefined,
      shared: [],
      phase: 'collecting',
      digits: '',
      callingParty: record.dn,
      callingName: record.display,
      calledParty: '',
      calledName: '',
    };
    this.calls.set(call.id, call);
    this.bind(leg, call);
    driver.signal(leg, call, { kind: 'offHook', by });
    this.changed(leg, call, 'newCall');
    return leg;
  }

  /** Digits pressed one by one (SCCP KeypadButton). */
  digit(leg: CallLeg, digit: string): DialOutcome | undefined {
    const call = this.callOf(leg);
    if (!call || call.phase !== 'collecting' || leg.role !== 'originating') return undefined;
    const first = call.digits.length === 0;
    call.digits += digit;
    leg.driver.signal(leg, call, { kind: 'digitCollected', first });
    if (first) this.setState(leg, call, 'dialing', 'normal');
    return this.analyse(call, false);
  }

  /** A complete destination (CTI MakeCall, SIP INVITE, SCCP en-bloc): route now. */
  dial(leg: CallLeg, destination: string): DialOutcome | undefined {
    const call = this.callOf(leg);
    if (!call || call.phase !== 'collecting') return undefined;
    call.digits = destination;
    leg.driver.signal(leg, call, { kind: 'dialing' });
    this.setState(leg, call, 'dialing', 'normal');
    return this.analyse(call, true);
  }

  /** An alerting appearance answers; on a shared line the others show the call in use elsewhere. */
  answer(leg: CallLeg): boolean {
    const call = this.callOf(leg);
    if (!call || call.phase !== 'alerting' || (call.terminating !== leg && !call.shared.includes(leg))) return false;
    this.clock.clearTimer(call.noAnswerTimer);
    call.noAnswerTimer = undefined;
    if (call.terminating !== leg) call.shared = [...(call.terminating ? [call.terminating] : []), ...call.shared.filter((l) => l !== leg)];
    call.terminating = leg;
    // Call waiting: answering a second call puts the line's connected one on hold (§1).
    for (const other of this.legsOn(leg.deviceName, leg.line)) if (other !== leg && other.state === 'connected') this.hold(other);
    call.phase = 'connected';
    leg.driver.signal(leg, call, { kind: 'connected' });
    this.setState(leg, call, 'connected', 'normal');
    call.origin.driver.signal(call.origin, call, { kind: 'connected' });
    this.setState(call.origin, call, 'connected', 'normal');
    for (const other of call.shared) {
      other.driver.signal(other, call, { kind: 'remoteInUse' });
      this.setState(other, call, 'remoteInUse', 'normal');
    }
    return true;
  }

  /**
   * Call deflect (CTI redirect of a call still ringing): the ringing leg ends with cause `redirected`
   * and the call is routed again to `destination`, the caller hearing ringback throughout.
   */
  redirect(leg: CallLeg, destination: string): DialOutcome | undefined {
    const call = this.callOf(leg);
    if (!call || (call.terminating !== leg && !call.shared.includes(leg)) || call.phase !== 'alerting' || leg.state !== 'ringIn') return undefined;
    this.clock.clearTimer(call.noAnswerTimer);
    call.noAnswerTimer = undefined;
    // The call leaves every appearance it was ringing on.
    for (const ringing of [...(call.terminating ? [call.terminating] : []), ...call.shared]) {
      ringing.driver.signal(ringing, call, { kind: 'released', cause: 'redirected' });
      this.setState(ringing, call, 'idle', 'redirected');
      this.unbind(ringing);
    }
    call.terminating = undefined;
    call.shared = [];
    call.phase = 'collecting';
    call.digits = destination;
    return this.analyse(call, true);
  }

  /**
   * Blind (single-step) transfer: `leg` leaves its connected two-party call, and the party it was
   * talking to is offered to `destination` as a new call, hearing ringback until it is answered.
   */
  transfer(leg: CallLeg, destination: string): { call: Call; outcome: DialOutcome } | undefined {
    const call = this.callOf(leg);
    if (!call || call.phase !== 'connected') return undefined;
    const other = call.origin === leg ? call.terminating : call.origin;
    if (!other) return undefined;
    call.phase = 'released';
    this.calls.delete(call.id);
    this.unbind(leg);
    this.unbind(other);
    this.dropShared(call, 'normalClearing');
    leg.driver.signal(leg, call, { kind: 'released', cause: 'transferred' });
    this.setState(leg, call, 'idle', 'transferred');
    const record = this.config.phone(other.deviceName)?.lines[other.line - 1];
    const next: Call = {
      id: this.nextCallId++,
      origin: other,
      terminating: undefined,
      shared: [],
      phase: 'collecting',
      digits: destination,
      callingParty: other.dn,
      callingName: record?.display ?? other.dn,
      calledParty: '',
      calledName: '',
    };
    this.calls.set(next.id, next);
    this.bind(other, next);
    return { call: next, outcome: this.analyse(next, true) };
  }

  /**
   * Consultation (announced) transfer: the line's held call and its connected consultation call are
   * joined, their far parties connected to each other in one new call, and the line leaves both (cause
   * `consultTransferred`; a blind transfer's is `transferred`; docs/protocols/cucm-features.md §14).
   * Undefined when the two legs are not a held and a connected call on the same line.
   */
  joinTransfer(held: CallLeg, active: CallLeg): Call | undefined {
    const pair = this.heldAndConnected(held, active);
    if (!pair) return undefined;
    const { callH, callA } = pair;
    const farH = callH.origin === held ? callH.terminating : callH.origin;
    const farA = callA.origin === active ? callA.terminating : callA.origin;
    if (!farH || !farA) return undefined;
    // Appearances showing either far party's call In Use Remote stay with the joined call; the transferring
    // line's own go idle.
    const keep = (l: CallLeg): boolean => l.dn === farH.dn || l.dn === farA.dn;
    const shared = [...callH.shared, ...callA.shared];
    for (const c of [callH, callA]) {
      c.phase = 'released';
      this.calls.delete(c.id);
      c.shared = shared.filter((l) => !keep(l) && this.callOf(l) === c);
      this.dropShared(c, 'normalClearing');
      this.unbind(c.origin);
      this.unbind(c.terminating);
    }
    const joined: Call = {
      id: this.nextCallId++,
      origin: farH,
      terminating: farA,
      shared: shared.filter(keep),
      phase: 'connected',
      digits: farA.dn,
      callingParty: farH.dn,
      callingName: farH === callH.origin ? callH.callingName : callH.calledName,
      calledParty: farA.dn,
      calledName: farA === callA.origin ? callA.callingName : callA.calledName,
      replaced: new Map([
        [farH, callH.id],
        [farA, callA.id],
      ]),
    };
    this.calls.set(joined.id, joined);
    for (const l of this.legsOf(joined)) this.bind(l, joined);
    for (const l of [held, active]) {
      l.driver.signal(l, l === held ? callH : callA, { kind: 'released', cause: 'consultTransferred' });
      this.setState(l, l === held ? callH : callA, 'idle', 'consultTransferred');
    }
    this.log.info('consultation transfer', { from: held.deviceName, joined: `${farH.dn}↔${farA.dn}`, call: joined.id });
    // The far parties' monitors learn the call they are now in (CTI CallEvent with replacesCallId).
    this.changed(farH, joined, 'consultTransferred');
    this.changed(farA, joined, 'consultTransferred');
    joined.replaced = undefined;
    return joined;
  }

  hold(leg: CallLeg): boolean {
    const call = this.callOf(leg);
    if (!call || call.phase !== 'connected' || leg.state !== 'connected') return false;
    leg.driver.signal(leg, call, { kind: 'held' });
    this.setState(leg, call, 'held', 'normal');
    return true;
  }

  /**
   * DTMF during a connected call (docs/protocols/cucm-features.md §13): the digits leave `leg` and reach the
   * other party, out of band, in that party's own signalling. False when there is no connected far end.
   */
  sendDigits(leg: CallLeg, digits: string): boolean {
    const call = this.callOf(leg);
    if (!call || call.phase !== 'connected' || leg.state !== 'connected') return false;
    const other = call.origin === leg ? call.terminating : call.origin;
    if (!other || other.state === 'idle') return false;
    this.log.info('DTMF relayed', { from: leg.deviceName, to: other.deviceName, digits });
    other.driver.signal(other, call, { kind: 'digits', digits });
    return true;
  }

  retrieve(leg: CallLeg): boolean {
    const call = this.callOf(leg);
    if (!call || leg.state !== 'held') return false;
    leg.driver.signal(leg, call, { kind: 'retrieved' });
    this.setState(leg, call, 'connected', 'normal');
    return true;
  }

  /**
   * A leg hangs up (or its device is gone): the two-party call ends and the other leg is cleared
   * too. `silent` skips signalling to `leg` itself (its connection is already gone).
   */
  release(leg: CallLeg, cause: CallCause = 'normalClearing', options: { silent?: boolean } = {}): void {
    const call = this.callOf(leg);
    if (!call || call.phase === 'released') return;
    const wasAlerting = call.phase === 'alerting' || call.phase === 'collecting';
    // One appearance of a shared line leaves (declines, unregisters, or hangs up in remote-in-use): the
    // call goes on at the others.
    const sharedAlerting = call.phase === 'alerting' && call.shared.length > 0 && (leg === call.terminating || call.shared.includes(leg));
    if (call.shared.includes(leg) || sharedAlerting) {
      if (leg === call.terminating) call.terminating = call.shared.shift();
      else call.shared = call.shared.filter((l) => l !== leg);
      this.unbind(leg);
      if (!options.silent) leg.driver.signal(leg, call, { kind: 'released', cause: 'normal' });
      this.setState(leg, call, 'idle', 'normal');
      return;
    }
    call.phase = 'released';
    this.clock.clearTimer(call.interDigitTimer);
    this.clock.clearTimer(call.noAnswerTimer);
    this.calls.delete(call.id);
    const other = call.origin === leg ? call.terminating : call.origin;
    this.unbind(call.origin);
    this.unbind(call.terminating);
    this.dropShared(call, wasAlerting ? 'callCancelled' : 'normalClearing');
    if (!options.silent) leg.driver.signal(leg, call, { kind: 'released', cause: 'normal' });
    this.setState(leg, call, 'idle', 'normal');
    if (other && other.state !== 'idle') {
      const otherCause: CallCause = wasAlerting && other.role === 'terminating' ? 'callCancelled' : cause === 'unreachable' ? 'unreachable' : 'normalClearing';
      other.driver.signal(other, call, { kind: 'released', cause: otherCause });
      this.setState(other, call, 'idle', otherCause);
    }
  }

  /** A released or transferred call's other shared-line appearances go idle. */
  private dropShared(call: Call, cause: CallCause): void {
    for (const l of call.shared) {
      this.unbind(l);
      if (l.state === 'idle') continue;
      l.driver.signal(l, call, { kind: 'released', cause });
      this.setState(l, call, 'idle', cause);
    }
    call.shared = [];
  }

  /** Everything still up (leak report). */
  leaks(): string[] {
    return [...this.calls.values()].map(
      (c) => `call ${c.id} ${c.callingParty}→${c.calledParty || c.digits || '?'} ${c.phase} (origin ${c.origin.deviceName}:${c.origin.state}${c.terminating ? `, terminating ${c.terminating.deviceName}:${c.terminating.state}` : ''})`,
    );
  }

  clearAll(): void {
    for (const call of [...this.calls.values()]) this.release(call.origin, 'normalClearing', { silent: true });
  }

  private analyse(call: Call, complete: boolean): DialOutcome {
    const digits = call.digits;
    // After the MeetMe key only a Meet-Me number may follow (§9).
    const meetMe = this.config.meetMeNumbers.has(digits);
    const exact = !call.meetMe && this.config.hasDirectoryNumber(digits);
    const longer = (!call.meetMe && this.config.hasLongerDirectoryNumber(digits)) || this.config.hasLongerMeetMeNumber(digits);
    this.clock.clearTimer(call.interDigitTimer);
    call.interDigitTimer = undefined;
    if (meetMe && (complete || !longer)) return this.meetMeCall(call);
    if (exact && (complete || !longer)) return this.route(call);
    if (!complete && longer) {
      // Overlapping or incomplete: wait T302 for more digits, then route what was dialled.
      call.interDigitTimer = this.clock.setTimer(this.config.interDigitTimeoutMs, () => {
        call.interDigitTimer = undefined;
        if (call.phase === 'collecting') this.analyse(call, true);
      });
      return 'collecting';
    }
    // No pattern can match: CUCM plays reorder at once.
    this.log.info('digit analysis: no match', { digits, callId: call.id });
    call.calledParty = digits;
    call.phase = 'rejected';
    call.origin.driver.signal(call.origin, call, { kind: 'invalidNumber' });
    this.setState(call.origin, call, 'failed', 'invalidNumber');
    return 'invalidNumber';
  }

  /**
   * The MeetMe soft key: a new call on the line whose digits must name a Meet-Me number; dialling it opens
   * that conference (§9). Undefined when the line cannot take a new call.
   */
  meetMeKey(deviceName: string, line: number): CallLeg | undefined {
    const collecting = this.legsOn(deviceName, line).find((l) => l.role === 'originating' && l.state === 'offHook');
    const leg = collecting ?? this.offHook(deviceName, line, 'user');
    const call = leg ? this.callOf(leg) : undefined;
    if (!leg || !call || call.digits !== '') return undefined;
    call.meetMe = true;
    return leg;
  }

  /** Open conferences (what CUCM's bridge holds). */
  conferences(): Conference[] {
    const all = new Set<Conference>(this.meetMeConferences.values());
    for (const c of this.calls.values()) if (c.conference) all.add(c.conference);
    return [...all];
  }

  /** A Meet-Me number was dialled: join its conference, or open it after the MeetMe key (§9). */
  private meetMeCall(call: Call): DialOutcome {
    const number = call.digits;
    call.calledParty = number;
    let conference = this.meetMeConferences.get(number);
    if (!conference) {
      if (!call.meetMe) {
        // Nobody has opened it: the caller hears reorder (modelled; the initiator must press MeetMe).
        this.log.info('Meet-Me number dialled but no conference is open on it', { number, callId: call.id });
        call.phase = 'rejected';
        call.origin.driver.signal(call.origin, call, { kind: 'invalidNumber' });
        this.setState(call.origin, call, 'failed', 'invalidNumber');
        return 'invalidNumber';
      }
      conference = { id: this.nextConferenceId++, kind: 'meetMe', number, calls: new Set() };
      this.meetMeConferences.set(number, conference);
      this.log.info('Meet-Me conference opened', { number, by: call.origin.deviceName });
    }
    this.joinBridge(call, conference);
    return 'routed';
  }

  /** The calls of a held leg and a connected leg on the same line (a transfer's or a conference's two calls). */
  private heldAndConnected(held: CallLeg, active: CallLeg): { callH: Call; callA: Call } | undefined {
    const callH = this.callOf(held);
    const callA = this.callOf(active);
    if (!callH || !callA || callH === callA || held.deviceName !== active.deviceName || held.line !== active.line) return undefined;
    if (held.state !== 'held' || active.state !== 'connected' || callH.phase !== 'connected' || callA.phase !== 'connected') return undefined;
    return { callH, callA };
  }

  /**
   * Ad hoc conference (Confrn twice, §10): the line's held call and its connected consultation call become
   * three calls to a new conference bridge — the held party's, the line's own and the consulted party's.
   * The line's held leg ends (cause `conferenced`). Undefined when the legs are not a held and a connected
   * call on the same line.
   */
  adHocConference(held: CallLeg, active: CallLeg): Conference | undefined {
    const pair = this.heldAndConnected(held, active);
    if (!pair) return undefined;
    const { callH, callA } = pair;
    const farA = callA.origin === active ? callA.terminating : callA.origin;
    if (!farA || (callH.origin !== held && callH.terminating !== held)) return undefined;
    const conference: Conference = { id: this.nextConferenceId++, kind: 'adHoc', calls: new Set() };
    const bridgeLeg = (dn: string): CallLeg => ({
      deviceName: `CFB_${conference.id}`,
      line: 1,
      dn,
      role: 'terminating',
      callReference: this.nextCallReference++,
      state: 'connected',
      driver: this.bridge,
    });
    // The held party's call: the line's held leg leaves, a bridge leg takes its place.
    const forH = bridgeLeg(held.dn);
    if (callH.origin === held) callH.origin = forH;
    else callH.terminating = forH;
    this.unbind(held);
    this.bind(forH, callH);
    held.driver.signal(held, callH, { kind: 'released', cause: 'conferenced' });
    this.setState(held, callH, 'idle', 'conferenced');
    // The line's own call: the consulted party moves to a call of its own to the bridge.
    const forA = bridgeLeg(farA.dn);
    if (callA.origin === farA) callA.origin = forA;
    else callA.terminating = forA;
    this.unbind(farA);
    this.bind(forA, callA);
    const forC = bridgeLeg(active.dn);
    const callC: Call = {
      id: this.nextCallId++,
      origin: farA,
      terminating: forC,
      shared: [],
      phase: 'connected',
      digits: '',
      callingParty: farA.dn,
      callingName: farA === callA.origin ? callA.callingName : callA.calledName,
      calledParty: active.dn,
      calledName: 'Conference',
      replaced: new Map([[farA, callA.id]]),
    };
    this.calls.set(callC.id, callC);
    this.bind(farA, callC);
    this.bind(forC, callC);
    for (const c of [callH, callA, callC]) {
      c.conference = conference;
      conference.calls.add(c);
      c.calledName = 'Conference';
    }
    this.log.info('ad hoc conference', { by: active.deviceName, parties: [...conference.calls].map((c) => (c.origin.driver === this.bridge ? c.terminating?.deviceName : c.origin.deviceName)) });
    this.changed(farA, callC, 'conferenced');
    callC.replaced = undefined;
    return conference;
  }

  /** Connects the call's origin to the conference bridge. */
  private joinBridge(call: Call, conference: Conference): void {
    const origin = call.origin;
    const bridgeLeg: CallLeg = {
      deviceName: `CFB_${conference.id}`,
      line: 1,
      dn: conference.number ?? 'Conference',
      role: 'terminating',
      callReference: this.nextCallReference++,
      state: 'connected',
      driver: this.bridge,
    };
    call.terminating = bridgeLeg;
    call.conference = conference;
    conference.calls.add(call);
    this.bind(bridgeLeg, call);
    call.calledName = 'Conference';
    if (origin.state !== 'proceeding') {
      origin.driver.signal(origin, call, { kind: 'proceeding' });
      this.setState(origin, call, 'proceeding', 'normal');
    }
    call.phase = 'connected';
    origin.driver.signal(origin, call, { kind: 'connected' });
    this.setState(origin, call, 'connected', 'normal');
    this.log.info('joined conference', { conference: conference.number ?? conference.id, device: origin.deviceName, parties: conference.calls.size });
  }

  /** A participant's call ended: a Meet-Me conference closes with its last party, an ad hoc one with its second-last. */
  private leftConference(call: Call): void {
    const conference = call.conference;
    if (!conference || !conference.calls.delete(call)) return;
    if (conference.kind === 'meetMe') {
      if (conference.calls.size === 0) {
        this.meetMeConferences.delete(conference.number ?? '');
        this.log.info('Meet-Me conference closed', { number: conference.number });
      }
      return;
    }
    if (conference.calls.size === 1) {
      // One party left alone on an ad hoc bridge: the conference ends (modelled, §10).
      const [last] = conference.calls;
      const bridgeSide = last && (last.origin.driver === this.bridge ? last.origin : last.terminating);
      if (bridgeSide) this.release(bridgeSide, 'normalClearing');
    }
  }

  /** Whether the call may follow one more forward to `destination` (a configured DN, hops left). */
  private mayForward(call: Call, destination: string | undefined): destination is string {
    return destination !== undefined && (call.forwardHops ?? 0) < MAX_FORWARD_HOPS && this.config.hasDirectoryNumber(destination);
  }

  private forward(call: Call, kind: 'Forward All' | 'Forward Busy', destination: string): DialOutcome {
    this.log.info(`call forwarded (${kind})`, { from: call.digits, to: destination });
    call.forwardHops = (call.forwardHops ?? 0) + 1;
    call.digits = destination;
    return this.route(call);
  }

  private route(call: Call): DialOutcome {
    call.calledParty = call.digits;
    const origin = call.origin;
    // Call Forward All (docs/protocols/cucm-features.md §3): the call goes to the line's forward destination.
    const forwarded = this.config.appearancesOf(call.digits).find((a) => a.record.forwardAll !== undefined);
    if (this.mayForward(call, forwarded?.record.forwardAll)) return this.forward(call, 'Forward All', forwarded.record.forwardAll);
    // Every registered appearance of the DN but the caller's own (a shared line has several: §2).
    const appearances = this.config
      .appearancesOf(call.digits)
      .filter((a) => this.drivers.has(a.phone.name) && !(a.phone.name === origin.deviceName && a.line === origin.line));
    const first = appearances[0];
    if (origin.state !== 'proceeding') {
      origin.driver.signal(origin, call, { kind: 'proceeding' });
      this.setState(origin, call, 'proceeding', 'normal');
    }
    if (!first) {
      // The DN exists but no appearance is registered: CUCM treats the called party as unreachable
      // and the caller hears reorder (modelled).
      call.phase = 'rejected';
      call.origin.driver.signal(call.origin, call, { kind: 'invalidNumber' });
      this.setState(call.origin, call, 'failed', 'unreachable');
      return 'invalidNumber';
    }
    call.calledName = first.record.display;
    // An appearance takes the call unless DND Call Reject is on (§4) or its line is at its Busy Trigger (§1);
    // a shared line refuses the call only when every appearance does (§2).
    const offered = appearances.filter(
      (a) => !(a.phone.dnd && a.phone.dndOption === 'callReject') && this.legsOn(a.phone.name, a.line).length < a.record.busyTrigger,
    );
    if (offered.length === 0) {
      // Refused: the call follows Forward Busy when the line has one (cucm-features.md §1, §3).
      if (this.mayForward(call, first.record.forwardBusy)) return this.forward(call, 'Forward Busy', first.record.forwardBusy);
      call.phase = 'rejected';
      origin.driver.signal(origin, call, { kind: 'busy' });
      this.setState(origin, call, 'busy', 'busy');
      return 'busy';
    }
    const legs = offered.map((a): CallLeg => ({
      deviceName: a.phone.name,
      line: a.line,
      dn: a.record.dn,
      role: 'terminating',
      callReference: this.nextCallReference++,
      state: 'ringIn',
      driver: this.drivers.get(a.phone.name) as LegDriver,
    }));
    const [leg, ...shared] = legs as [CallLeg, ...CallLeg[]];
    call.terminating = leg;
    call.shared = shared;
    for (const l of legs) this.bind(l, call);
    call.phase = 'alerting';
    offered.forEach((a, i) => {
      const l = legs[i] as CallLeg;
      if (call.phase !== 'alerting' || l.state !== 'ringIn') return;
      // DND Ringer Off: the call is offered but the phone does not ring.
      l.driver.signal(l, call, { kind: 'ringIn', ringer: a.phone.dnd ? 'off' : 'on' });
      this.changed(l, call, 'newCall');
    });
    if (call.phase !== 'alerting') return 'routed';
    // Forward No Answer: after the line's No Answer Ring Duration, else the Forward No Answer Timer (§3).
    const noAnswer = first.record.forwardNoAnswer;
    if (this.mayForward(call, noAnswer)) {
      const seconds = first.record.noAnswerRingDurationS ?? this.config.forwardNoAnswerTimerS;
      call.noAnswerTimer = this.clock.setTimer(seconds * 1000, () => {
        call.noAnswerTimer = undefined;
        const ringing = call.terminating;
        if (call.phase !== 'alerting' || !ringing || ringing.state !== 'ringIn') return;
        this.log.info('call forwarded (Forward No Answer)', { from: ringing.dn, to: noAnswer, afterS: seconds });
        call.forwardHops = (call.forwardHops ?? 0) + 1;
        this.redirect(ringing, noAnswer);
      });
    }
    origin.driver.signal(origin, call, { kind: 'ringOut' });
    // A forwarded or redirected call was ringing out already: its monitors learn the new alerting party.
    if (origin.state === 'ringOut') this.changed(origin, call, 'redirected');
    else this.setState(origin, call, 'ringOut', 'normal');
    return 'routed';
  }

  private setState(leg: CallLeg, call: Call, state: LegState, cause: CallCause): void {
    if (leg.state === state) return;
    leg.state = state;
    this.changed(leg, call, cause);
  }

  private changed(leg: CallLeg, call: Call, cause: CallCause): void {
    for (const d of this.delegates) d.onLegState(leg, call, cause);
  }
}
