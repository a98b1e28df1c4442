import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Random } from '../../kernel/random';
import { randomToken } from '../../kernel/random';
import { formatSubscriptionState, parseEventHeader, parseExpires, pidfOfState, PIDF_CONTENT_TYPE, serializePidf } from '../../protocols/presence';
import type { CupPresenceState, SubscriptionReason } from '../../protocols/presence';
import { DialogStore, SipDialog, uriOf } from '../../protocols/sip';
import type { ServerTransaction, SipRequest, SipResponse } from '../../protocols/sip';

interface Watcher {
  readonly dialog: SipDialog;
  /** The presentity's key (a user id, an address of record). */
  readonly presentity: string;
  readonly entity: string;
  readonly nextHop: string;
  expiresAt: number;
  timer: TimerHandle | undefined;
  /** The package's token for the state last sent, so a NOTIFY goes only on a change. */
  sent: string | undefined;
}

/**
 * An event package the notifier serves (RFC 6665 §7): its name, the body type and document it notifies, and a
 * token that changes whenever the document would. The default is presence with PIDF (RFC 3856).
 */
export interface NotifierPackage {
  readonly event: string;
  readonly contentType: string;
  /** Content types a SUBSCRIBE's Accept may list for this package (the body type is always accepted). */
  readonly accepts?: readonly string[];
  body(key: string, entity: string): string;
  /** Headers every 200 and NOTIFY of the package carries (a list subscription's `Require: eventlist`). */
  readonly headers?: readonly [string, string][];
  /** The body's Content-Type when it depends on the document (a multipart boundary); `contentType` otherwise. */
  bodyContentType?(key: string): string;
  token(key: string): string;
  /** Granted when the SUBSCRIBE names no Expires (RFC 6665 §4.1.2.1: the package's default). */
  readonly defaultExpiresS?: number;
  /**
   * Whether the first state may ride in the 200 OK of a client that offers `Supported: ms-piggyback-first-notify`
   * (OCS's own extension for self-subscriptions, as pidgin-sipe `sipe-subscriptions.c` handles it).
   */
  readonly piggyback?: boolean;
}

export interface PresenceNotifierDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly contact: string;
  /** The presentity a Request-URI names (its key and PIDF entity), or why there is none (the status to answer). */
  presentity(requestUri: string, request: SipRequest): { key: string; entity: string } | { status: number; reason: string };
  /** The presentity's state as watchers are told it (the presence package). */
  stateOf?(key: string): CupPresenceState;
  /** The package served; presence with PIDF when absent. */
  readonly package?: NotifierPackage;
  /** The longest subscription granted, in seconds, and how many watchers one presentity may have. */
  limits(): { maxExpiresS: number; maxWatchers: number };
  /** Our own answer (a product adds its Server header). */
  respond(request: SipRequest, status: number, reason: string | undefined, opts: { toTag: string; headers: [string, string][]; body?: string; contentType?: string }): SipResponse;
  /** Sends an in-dialog request toward the watcher; `onRefused` when it is refused or times out. */
  send(request: SipRequest, nextHop: string, onRefused: (status: number) => void): void;
  /** A presentity got its first watcher, or lost its last. */
  onWatched?(key: string): void;
  onUnwatched?(key: string): void;
}

const MIN_EXPIRES_S = 60;

/**
 * The notifier side of the SIP presence event package (RFC 6665, RFC 3856; docs/protocols/presence.md): accepts
 * SUBSCRIBE (and refreshes and unsubscribes in the subscription's dialog), grants at most the configured
 * duration, sends a NOTIFY with a PIDF document at the start, on every change of the presentity's state and when
 * the subscription ends (`Subscription-State: terminated` with its reason), and drops a subscription whose NOTIFY
 * fails (RFC 6665 §4.2.2). CUP and the OCS pool both notify through it.
 */
export class PresenceNotifier {
  private readonly dialogs = new DialogStore<SipDialog>();
  private readonly byDialog = new Map<string, Watcher>();
  /**
   * The same watchers by presentity, each set in the order of `byDialog` (both in order of creation), so that a
   * presentity's change reaches its watchers in the order a scan of `byDialog` would, without a scan that grows
   * with the lab. A presentity's set stays when it empties: a watcher added while its set is being iterated is
   * then visited, as it was in the scan.
   */
  private readonly byPresentity = new Map<string, Set<Watcher>>();

  private readonly pkg: NotifierPackage;

  constructor(private readonly deps: PresenceNotifierDeps) {
    const stateOf = (key: string): CupPresenceState => deps.stateOf?.(key) ?? 'offline';
    this.pkg = deps.package ?? {
      event: 'presence',
      contentType: PIDF_CONTENT_TYPE,
      body: (key, entity) => serializePidf(pidfOfState(entity, stateOf(key), { contact: entity, timestamp: deps.clock.date().toISOString() })),
      token: stateOf,
    };
  }

  watcherCount(key?: string): number {
    return key === undefined ? this.byDialog.size : (this.byPresentity.get(key)?.size ?? 0);
  }

  /** Whether a SUBSCRIBE belongs to one of our subscriptions (a refresh or an unsubscribe). */
  owns(request: SipRequest): boolean {
    return this.dialogs.match(request) !== undefined;
  }

  /** A presentity's state changed: each of its watchers hears of it. */
  changed(key: string): void {
    const watchers = this.byPresentity.get(key);
    if (watchers) for (const w of watchers) this.notify(w);
  }

  /** Every subscription whose key matches may have changed (a key that names several presentities). */
  changedWhere(matches: (key: string) => boolean): void {
    for (const w of this.byDialog.values()) if (matches(w.presentity)) this.notify(w);
  }

  /** Every watcher is told the state as it is now (after a setting changed what is shared). */
  resendAll(): void {
    for (const w of this.byDialog.values()) this.notify(w);
  }

  /** The subscriptions to a presentity end, with a reason (noresource: it is gone). */
  terminatePresentity(key: string, reason: SubscriptionReason): void {
    for (const w of [...(this.byPresentity.get(key) ?? [])]) this.terminate(w, reason);
  }

  stop(): void {
    for (const w of [...this.byDialog.values()]) this.terminate(w, 'deactivated');
  }

  private answer(tx: ServerTransaction, request: SipRequest, status: number, reason?: string, headers: [string, string][] = [], toTag?: string): void {
    tx.respond(this.deps.respond(request, status, reason, { toTag: toTag ?? randomToken(this.deps.random, 10), headers }));
  }

  onSubscribe(request: SipRequest, tx: ServerTransaction): void {
    const event = parseEventHeader(request.headers.get('Event') ?? '');
    const pkg = this.pkg;
    if (!event.ok || event.value.package.toLowerCase() !== pkg.event.toLowerCase()) return this.answer(tx, request, 489, 'Bad Event', [['Allow-Events', pkg.event]]);
    const accept = request.headers.get('Accept')?.toLowerCase();
    if (accept !== undefined && ![pkg.contentType, ...(pkg.accepts ?? [])].some((t) => accept.includes(t.toLowerCase()))) {
      return this.answer(tx, request, 406, 'Not Acceptable', [['Accept', pkg.contentType]]);
    }
    const asked = request.headers.get('Expires');
    const parsed = asked === undefined ? undefined : parseExpires(asked);
    if (parsed !== undefined && !parsed.ok) return this.answer(tx, request, 400, 'Bad Expires');
    const requested = parsed?.ok ? parsed.value : (pkg.defaultExpiresS ?? 3600);
    const { maxExpiresS, maxWatchers } = this.deps.limits();
    const dialog = this.dialogs.match(request);
    if (dialog) {
      const w = this.byDialog.get(dialog.id);
      if (!w || !dialog.receiveRequest(request)) return this.answer(tx, request, 481, 'Subscription Does Not Exist');
      if (requested === 0) {
        tx.respond(this.deps.respond(request, 200, 'OK', { toTag: dialog.localTag, headers: [['Expires', '0']] }));
        return this.terminate(w, 'timeout');
      }
      const granted = Math.min(requested, maxExpiresS);
      this.arm(w, granted);
      tx.respond(this.deps.respond(request, 200, 'OK', { toTag: dialog.localTag, headers: [['Expires', String(granted)], ['Contact', this.deps.contact]] }));
      w.sent = undefined;
      return this.notify(w);
    }
    if (request.headers.get('To')?.includes(';tag=')) return this.answer(tx, request, 481, 'Subscription Does Not Exist');
    const target = this.deps.presentity(request.uri, request);
    if ('status' in target) return this.answer(tx, request, target.status, target.reason);
    if (requested !== 0 && requested < MIN_EXPIRES_S) return this.answer(tx, request, 423, 'Interval Too Brief', [['Min-Expires', String(MIN_EXPIRES_S)]]);
    if (this.watcherCount(target.key) >= maxWatchers) return this.answer(tx, request, 403, 'Maximum Watchers Reached');
    const created = SipDialog.fromUasRequest(request, randomToken(this.deps.random, 10), { localContact: this.deps.contact, state: 'confirmed' });
    const recordRoute = request.headers.getAll('Record-Route')[0];
    const contact = request.headers.get('Contact');
    const nextHop = recordRoute !== undefined ? uriOf(recordRoute) : contact !== undefined ? uriOf(contact) : '';
    const granted = Math.min(requested, maxExpiresS);
    const w: Watcher = { dialog: created, presentity: target.key, entity: target.entity, nextHop, expiresAt: 0, timer: undefined, sent: undefined };
    const piggyback = pkg.piggyback === true && supports(request, 'ms-piggyback-first-notify');
    const headers: [string, string][] = [['Expires', String(granted)], ['Contact', this.deps.contact], ...(pkg.headers ?? [])];
    if (piggyback) {
      // The first NOTIFY's content rides in the 200 (OCS's ms-piggyback-first-notify); no separate NOTIFY follows.
      w.sent = pkg.token(target.key);
      headers.push(['Event', pkg.event], ['Subscription-State', granted === 0 ? formatSubscriptionState({ state: 'terminated', reason: 'timeout' }) : formatSubscriptionState({ state: 'active', expires: granted })], ['ms-piggyback-cseq', '1']);
      created.localSeq = 1;
      tx.respond(this.deps.respond(request, 200, 'OK', { toTag: created.localTag, headers, body: pkg.body(target.key, target.entity), contentType: pkg.bodyContentType?.(target.key) ?? pkg.contentType }));
    } else {
      tx.respond(this.deps.respond(request, 200, 'OK', { toTag: created.localTag, headers }));
    }
    if (granted === 0) {
      // A fetch (RFC 6665 §4.4.3): one NOTIFY with the state, and the subscription is over.
      if (piggyback) return;
      return this.sendNotify(w, formatSubscriptionState({ state: 'terminated', reason: 'timeout' }));
    }
    const first = this.watcherCount(target.key) === 0;
    this.dialogs.add(created);
    this.byDialog.set(created.id, w);
    const watchers = this.byPresentity.get(w.presentity);
    if (watchers) watchers.add(w);
    else this.byPresentity.set(w.presentity, new Set([w]));
    this.arm(w, granted);
    this.notify(w);
    if (first) this.deps.onWatched?.(target.key);
  }

  private arm(w: Watcher, seconds: number): void {
    this.deps.clock.clearTimer(w.timer);
    w.expiresAt = this.deps.clock.now() + seconds * 1000;
    w.timer = this.deps.clock.setTimer(seconds * 1000, () => this.terminate(w, 'timeout'));
  }

  private notify(w: Watcher): void {
    const token = this.pkg.token(w.presentity);
    if (w.sent === token) return;
    w.sent = token;
    const remaining = Math.max(0, Math.ceil((w.expiresAt - this.deps.clock.now()) / 1000));
    this.sendNotify(w, formatSubscriptionState({ state: 'active', expires: remaining }));
  }

  private sendNotify(w: Watcher, subscriptionState: string): void {
    const request = w.dialog.createRequest('NOTIFY', {
      body: this.pkg.body(w.presentity, w.entity),
      contentType: this.pkg.bodyContentType?.(w.presentity) ?? this.pkg.contentType,
      headers: [
        ...(this.pkg.headers ?? []),
        ['Event', this.pkg.event],
        ['Subscription-State', subscriptionState],
      ],
    });
    this.deps.send(request, w.nextHop, (status) => {
      // RFC 6665 §4.2.2: a NOTIFY that fails (an error response, or no answer) ends the subscription at the notifier.
      if (status >= 300) this.remove(w);
    });
  }

  private remove(w: Watcher): boolean {
    if (!this.byDialog.has(w.dialog.id)) return false;
    this.deps.clock.clearTimer(w.timer);
    this.forget(w);
    if (this.watcherCount(w.presentity) === 0) this.deps.onUnwatched?.(w.presentity);
    return true;
  }

  private forget(w: Watcher): void {
    this.byDialog.delete(w.dialog.id);
    this.dialogs.remove(w.dialog);
    this.byPresentity.get(w.presentity)?.delete(w);
  }

  private terminate(w: Watcher, reason: SubscriptionReason): void {
    if (!this.byDialog.has(w.dialog.id)) return;
    this.deps.clock.clearTimer(w.timer);
    this.forget(w);
    this.sendNotify(w, formatSubscriptionState({ state: 'terminated', reason }));
    if (this.watcherCount(w.presentity) === 0) this.deps.onUnwatched?.(w.presentity);
  }
}


/** Whether a request lists an option tag in its Supported headers. */
function supports(request: SipRequest, tag: string): boolean {
  return request.headers.getAll('Supported').some((v) => v.split(',').some((t) => t.trim().toLowerCase() === tag));
}
