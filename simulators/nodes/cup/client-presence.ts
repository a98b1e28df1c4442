import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { Random } from '../../kernel/random';
import { randomToken } from '../../kernel/random';
import { parsePidf, parseSubscriptionState, PIDF_CONTENT_TYPE, stateOfPidf } from '../../protocols/presence';
import type { CupPresenceState } from '../../protocols/presence';
import { createResponse, getTag, SipDialog, SipHeaders } from '../../protocols/sip';
import type { ServerTransaction, SipRequest, SipResponse, SipTarget } from '../../protocols/sip';

interface Subscription {
  readonly userId: string;
  readonly callId: string;
  readonly localTag: string;
  readonly request: SipRequest;
  readonly target: SipTarget;
  dialog?: SipDialog;
  state: CupPresenceState | undefined;
  refresh: TimerHandle | undefined;
}

const EXPIRES_S = 3600;

/**
 * CUP as a watcher of OCS users (SIMPLE toward OCS; docs/protocols/cup-presence.md §2): while somebody watches a CUP
 * user, CUP subscribes to that user's presence at the OCS front ends of its destination ACL (seed 004 C3), in order,
 * and takes what the NOTIFYs say as the user's client state. The subscription is refreshed before it expires and
 * ended (Expires 0) when the last watcher goes.
 */
export class ClientPresenceWatcher {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly byCallId = new Map<string, Subscription>();
  /** Users whose subscription waits for the destination ACL to resolve. */
  private readonly starting = new Set<string>();

  constructor(
    private readonly deps: {
      readonly clock: Clock;
      readonly random: Random;
      readonly log: Logger;
      readonly fqdn: string;
      readonly contact: string;
      readonly address: string;
      /** The SIP domain of OCS users. */
      readonly ocsDomain: string;
      /** The destination ACL's front ends, resolved, in order. */
      destinations(): Promise<readonly SipTarget[]>;
      sendRequest(request: SipRequest, target: SipTarget, onFinal: (r: SipResponse) => void): void;
      onChange(userId: string): void;
    },
  ) {}

  /** The user's state as their OCS pool last said (undefined: CUP has no subscription, or no NOTIFY yet). */
  stateOf(userId: string): CupPresenceState | undefined {
    return this.subscriptions.get(userId.toLowerCase())?.state;
  }

  watch(userId: string): void {
    const key = userId.toLowerCase();
    if (this.subscriptions.has(key) || this.starting.has(key)) return;
    this.starting.add(key);
    void this.deps.destinations().then((targets) => {
      if (!this.starting.delete(key)) return;
      this.subscribe(key, targets, 0);
    });
  }

  unwatch(userId: string): void {
    this.starting.delete(userId.toLowerCase());
    const s = this.subscriptions.get(userId.toLowerCase());
    if (!s) return;
    this.forget(s);
    if (s.dialog) {
      const request = s.dialog.createRequest('SUBSCRIBE', { headers: [['Event', 'presence'], ['Accept', PIDF_CONTENT_TYPE], ['Expires', '0']] });
      this.deps.sendRequest(request, s.target, () => undefined);
    }
  }

  stop(): void {
    for (const s of [...this.subscriptions.values()]) this.unwatch(s.userId);
  }

  /** A NOTIFY of one of our subscriptions; false when it is not ours. */
  onNotify(request: SipRequest, tx: ServerTransaction): boolean {
    const s = this.byCallId.get(request.headers.get('Call-ID') ?? '');
    if (!s) return false;
    const ended = parseSubscriptionState(request.headers.get('Subscription-State') ?? '');
    tx.respond(createResponse(request, 200, 'OK'));
    if (ended.ok && ended.value.state === 'terminated') {
      this.forget(s);
      this.set(s, undefined);
      return true;
    }
    const doc = parsePidf(request.body);
    if (doc.ok) this.set(s, stateOfPidf(doc.value));
    return true;
  }

  private set(s: Subscription, state: CupPresenceState | undefined): void {
    if (s.state === state) return;
    s.state = state;
    this.deps.onChange(s.userId);
  }

  private forget(s: Subscription): void {
    this.deps.clock.clearTimer(s.refresh);
    if (this.subscriptions.get(s.userId) === s) this.subscriptions.delete(s.userId);
    this.byCallId.delete(s.callId);
  }

  /** SUBSCRIBE to the user at the `index`th destination; a 404 moves on to the next front end. */
  private subscribe(userId: string, targets: readonly SipTarget[], index: number): void {
    const target = targets[index];
    if (!target) {
      this.deps.log.info('no OCS front end of the destination ACL knows the user', { user: userId });
      return;
    }
    const uri = `sip:${userId}@${this.deps.ocsDomain}`;
    const localTag = randomToken(this.deps.random, 10);
    const callId = `${randomToken(this.deps.random, 16)}@${this.deps.address}`;
    const request: SipRequest = {
      kind: 'request',
      method: 'SUBSCRIBE',
      uri,
      headers: new SipHeaders([
        ['Max-Forwards', '70'],
        ['From', `<sip:${userId}@${this.deps.fqdn}>;tag=${localTag}`],
        ['To', `<${uri}>`],
        ['Call-ID', callId],
        ['CSeq', '1 SUBSCRIBE'],
        ['Contact', this.deps.contact],
        ['Event', 'presence'],
        ['Accept', PIDF_CONTENT_TYPE],
        ['Expires', String(EXPIRES_S)],
      ]),
      body: '',
    };
    const s: Subscription = { userId, callId, localTag, request, target, state: undefined, refresh: undefined };
    this.subscriptions.set(userId, s);
    this.byCallId.set(callId, s);
    this.deps.sendRequest(request, target, (r) => {
      if (this.subscriptions.get(userId) !== s) return;
      if (r.status >= 200 && r.status < 300 && getTag(r.headers.get('To'))) {
        s.dialog = SipDialog.fromUacResponse(request, r);
        this.armRefresh(s, Number(r.headers.get('Expires') ?? EXPIRES_S));
        return;
      }
      this.forget(s);
      if (r.status === 404 || r.status === 403) this.subscribe(userId, targets, index + 1);
      else this.deps.log.info('OCS refused the presence subscription', { user: userId, status: r.status });
    });
  }

  private armRefresh(s: Subscription, seconds: number): void {
    this.deps.clock.clearTimer(s.refresh);
    s.refresh = this.deps.clock.setTimer(Math.max(1, seconds * 0.9) * 1000, () => {
      const dialog = s.dialog;
      if (!dialog || this.subscriptions.get(s.userId) !== s) return;
      const request = dialog.createRequest('SUBSCRIBE', { headers: [['Event', 'presence'], ['Accept', PIDF_CONTENT_TYPE], ['Expires', String(EXPIRES_S)]] });
      this.deps.sendRequest(request, s.target, (r) => {
        if (r.status >= 200 && r.status < 300) this.armRefresh(s, Number(r.headers.get('Expires') ?? EXPIRES_S));
        else {
          this.forget(s);
          this.set(s, undefined);
        }
      });
    });
  }
}
