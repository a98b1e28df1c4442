import type { SipTarget, SipUri } from '../../protocols/sip';
import type { PresenceState } from '../../protocols/presence/ms-category-publish';
import type { CategoryInstance, ContactListState, Container } from '../../protocols/presence/roaming';

/**
 * A user homed on the pool, with the Active Directory attributes the pool serves in-band (seed 004 A3: "Enable
 * Remote Call Control", the server URI and the line URI; docs/protocols/sign-in.md §8).
 */
export interface OcsDirectoryUser {
  userId: string;
  sipUri: string;
  displayName: string;
  /** The AD account's password: the logon name is `userId`, in the pool's NetBIOS domain. */
  password: string;
  rcc: { enabled: boolean; serverUri: string; lineUri: string };
}

export interface Binding {
  readonly key: string;
  readonly aor: string;
  readonly contact: SipUri;
  readonly connectionId: string | undefined;
  readonly source: SipTarget;
  /** The address of the front end the endpoint is connected to (its connection ends there). */
  readonly frontEnd: string;
  expiresAt: number;
}

/**
 * The registrar's location service (RFC 3261 §10.3): bindings keyed `<aor> <contact>`, indexed by address of
 * record, by contact (user@host) and by the connection they came over, so each lookup costs the same whether
 * the pool holds five users or a hundred thousand. Insertion order is kept in every index.
 */
export class LocationService {
  private readonly byKey = new Map<string, Binding>();
  private readonly byAor = new Map<string, Map<string, Binding>>();
  private readonly byContact = new Map<string, Map<string, Binding>>();
  private readonly byConnection = new Map<string, Map<string, Binding>>();

  static contactKey(uri: SipUri): string {
    return `${uri.user ?? ''}@${uri.host}`;
  }

  get(key: string): Binding | undefined {
    return this.byKey.get(key);
  }

  all(): IterableIterator<Binding> {
    return this.byKey.values();
  }

  ofAor(aor: string): Binding[] {
    return [...(this.byAor.get(aor)?.values() ?? [])];
  }

  /** The first binding whose contact has this user and host. */
  ofContact(uri: SipUri): Binding | undefined {
    return this.byContact.get(LocationService.contactKey(uri))?.values().next().value;
  }

  /** The bindings registered over a connection of a front end. */
  ofConnection(frontEnd: string, connectionId: string): Binding[] {
    return [...(this.byConnection.get(`${frontEnd} ${connectionId}`)?.values() ?? [])];
  }

  hasConnection(frontEnd: string, connectionId: string | undefined): boolean {
    return connectionId !== undefined && (this.byConnection.get(`${frontEnd} ${connectionId}`)?.size ?? 0) > 0;
  }

  /** The bindings whose endpoints are connected to a front end. */
  ofFrontEnd(frontEnd: string): Binding[] {
    return [...this.byKey.values()].filter((b) => b.frontEnd === frontEnd);
  }

  set(binding: Binding): void {
    this.delete(binding.key);
    this.byKey.set(binding.key, binding);
    index(this.byAor, binding.aor, binding);
    index(this.byContact, LocationService.contactKey(binding.contact), binding);
    if (binding.connectionId !== undefined) index(this.byConnection, `${binding.frontEnd} ${binding.connectionId}`, binding);
  }

  delete(key: string): void {
    const b = this.byKey.get(key);
    if (!b) return;
    this.byKey.delete(key);
    unindex(this.byAor, b.aor, key);
    unindex(this.byContact, LocationService.contactKey(b.contact), key);
    if (b.connectionId !== undefined) unindex(this.byConnection, `${b.frontEnd} ${b.connectionId}`, key);
  }
}

function index(map: Map<string, Map<string, Binding>>, k: string, b: Binding): void {
  let inner = map.get(k);
  if (!inner) {
    inner = new Map();
    map.set(k, inner);
  }
  inner.set(b.key, b);
}

function unindex(map: Map<string, Map<string, Binding>>, k: string, key: string): void {
  const inner = map.get(k);
  if (!inner) return;
  inner.delete(key);
  if (inner.size === 0) map.delete(k);
}


/** What changed in the pool's store, for the front ends that serve it to watchers. */
export type PoolChange = 'registration' | 'roaming' | 'roaming-self' | 'contacts' | 'presence';

/** A front end attached to its pool's store. */
export interface PoolFrontEnd {
  /** The front end's address: the other front ends of the pool trust it and route to it. */
  readonly address: string;
  changed(what: PoolChange, aor: string): void;
}

/**
 * The pool's back end (docs/protocols/load-balancing.md §2): what every front end of the pool reads and writes —
 * registrations with the front end each endpoint is connected to, the users' AD attributes, enhanced presence
 * (categories, containers, subscribers), contact lists — and the change counters watchers are notified by. A
 * change made at one front end is announced to every front end, each of which notifies the watchers it holds.
 * Modelled as memory shared by the pool's front ends, not as a SQL server on the network (docs/decisions/0020).
 */
export class PoolStore {
  readonly bindings = new LocationService();
  /** The aggregate state per user AOR, from the state categories published. */
  readonly presence = new Map<string, PresenceState>();
  /** The homed users' AD attributes, by AOR. */
  readonly directory = new Map<string, OcsDirectoryUser>();
  /** Enhanced presence ([MS-PRES]): each user's category instances by `name/instance/container`, and containers. */
  readonly categories = new Map<string, Map<string, CategoryInstance & { connectionId?: string }>>();
  readonly containers = new Map<string, Container[]>();
  /** Each user's contact list (roaming contacts). */
  readonly contactLists = new Map<string, ContactListState>();
  /** Who subscribed to each user's presence, and whether the user acknowledged them ([MS-PRES] subscribers). */
  readonly subscribers = new Map<string, Map<string, { acknowledged: boolean; displayName: string | undefined }>>();
  /** Change counters per user: of what watchers may see, of the user's roaming data, of the user's endpoints. */
  readonly presenceRevision = new Map<string, number>();
  readonly roamingRevision = new Map<string, number>();
  readonly bindingRevision = new Map<string, number>();
  private readonly frontEnds: PoolFrontEnd[] = [];

  constructor(users: readonly OcsDirectoryUser[], normalize: (uri: string) => string) {
    for (const u of users) this.directory.set(normalize(u.sipUri), { ...u, rcc: { ...u.rcc } });
  }

  attach(frontEnd: PoolFrontEnd): void {
    this.frontEnds.push(frontEnd);
  }

  detach(frontEnd: PoolFrontEnd): void {
    const i = this.frontEnds.indexOf(frontEnd);
    if (i >= 0) this.frontEnds.splice(i, 1);
  }

  /** Whether an address is one of the pool's running front ends. */
  isFrontEnd(address: string): boolean {
    return this.frontEnds.some((fe) => fe.address === address);
  }

  /**
   * Moves the user's change counters and tells every front end: an endpoint signed in or out (`registration`), the
   * categories or containers watchers see changed (`roaming`, which the user's own roaming data shows too), only the
   * user's roaming data changed (`roaming-self`), the contact list (`contacts`), or the aggregate state (`presence`).
   */
  changed(what: PoolChange, aor: string): void {
    const bump = (counter: Map<string, number>): void => void counter.set(aor, (counter.get(aor) ?? 0) + 1);
    if (what === 'registration') bump(this.bindingRevision);
    if (what === 'roaming') bump(this.presenceRevision);
    if (what === 'roaming' || what === 'roaming-self') bump(this.roamingRevision);
    for (const fe of [...this.frontEnds]) fe.changed(what, aor);
  }
}
