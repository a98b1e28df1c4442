import type { Clock, TimerHandle } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { Random } from '../../kernel/random';
import { randomToken } from '../../kernel/random';
import { parseEventHeader, parseExpires, parsePidf, PIDF_CONTENT_TYPE, SIP_ETAG, SIP_IF_MATCH, stateOfPidf } from '../../protocols/presence';
import type { CupPresenceState } from '../../protocols/presence';
import { createResponse, parseSipUri } from '../../protocols/sip';
import { PresenceNotifier } from '../shared/presence-notifier';
import type { ServerTransaction, SipRequest, SipTarget } from '../../protocols/sip';

/** Presence > Settings (seed 004 C7) as CUP reads them. */
export interface PresenceSettings {
  readonly availabilitySharing: boolean;
  readonly maxWatchers: number;
  readonly maxSubscriptionExpiresS: number;
}


interface Publication {
  readonly etag: string;
  readonly dn: string;
  readonly userId: string;
  state: CupPresenceState;
  expiresAt: number;
  timer: TimerHandle | undefined;
}

export interface PresenceServerDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  /** CUP's FQDN: presentities are `sip:<user id>@<fqdn>`. */
  readonly fqdn: string;
  readonly contact: string;
  knownUser(userId: string): boolean;
  /** The user a directory number belongs to (CUP's copy of CUCM's end users and their lines). */
  userOfDn(dn: string): string | undefined;
  /** The user's composed presence (phone, calendar, client). */
  composed(userId: string): CupPresenceState;
  settings(): PresenceSettings;
  /** Whether a PUBLISH source is CUCM (the publisher of step C2). */
  isCucm(source: SipTarget): boolean;
  /** A presentity got its first watcher, or lost its last. */
  onWatched(userId: string): void;
  onUnwatched(userId: string): void;
  /** Sends an in-dialog request toward the watcher; `onRefused` when it is refused or times out. */
  send(request: SipRequest, nextHop: string, what: string, onRefused: (status: number) => void): void;
}


/**
 * CUP's SIMPLE presence (docs/protocols/cup-presence.md §2, §3): the presence event package of RFC 3856 toward
 * watchers (OCS users, through their pool), and RFC 3903 PUBLISH from CUCM carrying each line's phone state.
 * A NOTIFY goes on every subscription's start, on every change of the presentity's composed state, and with
 * `Subscription-State: terminated` when the subscription ends (expiry, unsubscribe, the user removed).
 */
export class PresenceServer {
  private readonly notifier: PresenceNotifier;
  private readonly publications = new Map<string, Publication>();
  /** Each user's live publications (one per line). */
  private readonly byUser = new Map<string, Set<Publication>>();
  /** Phone state by user, from CUCM's publications of the user's lines. */
  private readonly phone = new Map<string, CupPresenceState>();

  constructor(private readonly deps: PresenceServerDeps) {
    this.notifier = new PresenceNotifier({
      clock: deps.clock,
      random: deps.random,
      contact: deps.contact,
      presentity: (requestUri) => {
        const uri = parseSipUri(requestUri);
        const userId = uri.ok ? (uri.value.user ?? '').toLowerCase() : '';
        if (!uri.ok || uri.value.host.toLowerCase() !== deps.fqdn.toLowerCase() || !deps.knownUser(userId)) return { status: 404, reason: 'Not Found' };
        return { key: userId, entity: `sip:${userId}@${deps.fqdn}` };
      },
      // Presence Settings "Enable availability sharing" off: every watcher is told the user is unavailable.
      stateOf: (userId) => (deps.settings().availabilitySharing ? deps.composed(userId) : 'offline'),
      limits: () => ({ maxExpiresS: deps.settings().maxSubscriptionExpiresS, maxWatchers: deps.settings().maxWatchers }),
      respond: (request, status, reason, opts) => createResponse(request, status, reason, opts),
      send: (request, nextHop, onRefused) => deps.send(request, nextHop, 'NOTIFY', onRefused),
      onWatched: (userId) => deps.onWatched(userId),
      onUnwatched: (userId) => deps.onUnwatched(userId),
    });
  }

  /** The phone state CUCM last published for a user's lines ('available' when none is in use, undefined when none was published). */
  phoneStateOf(userId: string): CupPresenceState | undefined {
    return this.phone.get(userId.toLowerCase());
  }

  watcherCount(userId?: string): number {
    return this.notifier.watcherCount(userId?.toLowerCase());
  }

  /** Requests of the presence service; false when the request is not one (the caller handles it). */
  handle(request: SipRequest, tx: ServerTransaction, source: SipTarget): boolean {
    if (request.method === 'PUBLISH') {
      this.onPublish(request, tx, source);
      return true;
    }
    if (request.method === 'SUBSCRIBE') {
      this.notifier.onSubscribe(request, tx);
      return true;
    }
    return false;
  }

  /** A presentity's composed state changed: every watcher hears of it. */
  changed(userId: string): void {
    this.notifier.changed(userId.toLowerCase());
  }

  /** Settings changed (availability sharing on or off): every watcher gets the state as now shared. */
  resend(): void {
    this.notifier.resendAll();
  }

  /** A user is no longer a CUP user: the subscriptions to them end (RFC 6665 reason noresource). */
  removeUser(userId: string): void {
    this.notifier.terminatePresentity(userId.toLowerCase(), 'noresource');
  }

  stop(): void {
    this.notifier.stop();
    for (const p of this.publications.values()) this.deps.clock.clearTimer(p.timer);
  }

  private respond(request: SipRequest, tx: ServerTransaction, status: number, reason?: string, headers: [string, string][] = []): void {
    tx.respond(createResponse(request, status, reason, { toTag: randomToken(this.deps.random, 10), headers }));
  }

  /** RFC 3903 §6: CUCM's PUBLISH of a line's state (initial, refresh with SIP-If-Match, modify, remove with Expires 0). */
  private onPublish(request: SipRequest, tx: ServerTransaction, source: SipTarget): void {
    if (!this.deps.isCucm(source)) {
      // Only the CUCM named as CUP's publisher (step C2) may publish phone state.
      this.respond(request, tx, 403, 'Forbidden');
      return;
    }
    const event = parseEventHeader(request.headers.get('Event') ?? '');
    if (!event.ok || event.value.package !== 'presence') {
      this.respond(request, tx, 489, 'Bad Event', [['Allow-Events', 'presence']]);
      return;
    }
    const uri = parseSipUri(request.uri);
    const dn = uri.ok ? (uri.value.user ?? '') : '';
    const userId = this.deps.userOfDn(dn);
    if (!userId) {
      this.respond(request, tx, 404, 'Not Found');
      return;
    }
    const ifMatch = request.headers.get(SIP_IF_MATCH);
    const expiresHeader = request.headers.get('Expires');
    const expires = expiresHeader === undefined ? 3600 : parseExpires(expiresHeader);
    const seconds = typeof expires === 'number' ? expires : expires.ok ? expires.value : -1;
    if (seconds < 0) {
      this.respond(request, tx, 400, 'Bad Expires');
      return;
    }
    let publication: Publication | undefined;
    if (ifMatch !== undefined) {
      publication = this.publications.get(ifMatch.trim());
      if (!publication) {
        this.respond(request, tx, 412, 'Conditional Request Failed');
        return;
      }
    }
    if (request.body !== '') {
      if (!(request.headers.get('Content-Type') ?? '').toLowerCase().startsWith(PIDF_CONTENT_TYPE)) {
        this.respond(request, tx, 415, 'Unsupported Media Type', [['Accept', PIDF_CONTENT_TYPE]]);
        return;
      }
      const doc = parsePidf(request.body);
      if (!doc.ok) {
        this.respond(request, tx, 400, 'Bad Request', [['Warning', `399 ${this.deps.fqdn} "${doc.error.message.replace(/"/g, "'")}"`]]);
        return;
      }
      const state = stateOfPidf(doc.value);
      if (publication) publication.state = state;
      else {
        publication = { etag: randomToken(this.deps.random, 12), dn, userId, state, expiresAt: 0, timer: undefined };
        this.publications.set(publication.etag, publication);
        this.index(publication);
      }
    } else if (!publication) {
      this.respond(request, tx, 400, 'Missing Body');
      return;
    }
    const p = publication;
    this.deps.clock.clearTimer(p.timer);
    if (seconds === 0) {
      this.unpublish(p);
      this.respond(request, tx, 200, 'OK', [['Expires', '0']]);
    } else {
      // A fresh entity tag for every successful PUBLISH (RFC 3903 §6, step 7).
      this.unpublish(p);
      const renewed: Publication = { ...p, etag: randomToken(this.deps.random, 12), expiresAt: this.deps.clock.now() + seconds * 1000 };
      renewed.timer = this.deps.clock.setTimer(seconds * 1000, () => {
        this.unpublish(renewed);
        this.updatePhone(userId);
      });
      this.publications.set(renewed.etag, renewed);
      this.index(renewed);
      this.respond(request, tx, 200, 'OK', [[SIP_ETAG, renewed.etag], ['Expires', String(seconds)]]);
    }
    this.updatePhone(userId);
  }

  private index(p: Publication): void {
    let mine = this.byUser.get(p.userId);
    if (!mine) this.byUser.set(p.userId, (mine = new Set()));
    mine.add(p);
  }

  private unpublish(p: Publication): void {
    this.publications.delete(p.etag);
    const mine = this.byUser.get(p.userId);
    mine?.delete(p);
    if (mine?.size === 0) this.byUser.delete(p.userId);
  }

  /** The user's phone state: on the phone when any of their lines' publications says so. */
  private updatePhone(userId: string): void {
    const mine = [...(this.byUser.get(userId) ?? [])];
    const before = this.phone.get(userId);
    const now: CupPresenceState | undefined =
      mine.length === 0 ? undefined : mine.some((p) => p.state === 'on-the-phone' || p.state === 'busy') ? 'on-the-phone' : 'available';
    if (now === undefined) this.phone.delete(userId);
    else this.phone.set(userId, now);
    if (before !== now) {
      this.deps.log.info('phone presence', { user: userId, state: now ?? 'none' });
      this.changed(userId);
    }
  }
}
