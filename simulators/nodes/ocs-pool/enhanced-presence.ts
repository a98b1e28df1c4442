import type { Clock } from '../../kernel/clock';
import type { Random } from '../../kernel/random';
import { el } from '../../protocols/xml';
import {
  BATCH_SUBSCRIBE_CONTENT_TYPE,
  EVENT_CATEGORIES_CONTENT_TYPE,
  parseBatchSubscribe,
  RLMI_CONTENT_TYPE,
  batchContentType,
  serializeBatchNotify,
  serializeEventCategories,
} from '../../protocols/presence/roaming';
import type { CategoryInstance, Container } from '../../protocols/presence/roaming';
import { availabilityOf } from '../../protocols/presence/ms-category-publish';
import type { PresenceState } from '../../protocols/presence/ms-category-publish';
import { parseNameAddr } from '../../protocols/sip';
import type { ServerTransaction, SipRequest, SipResponse } from '../../protocols/sip';
import { PresenceNotifier } from '../shared/presence-notifier';

/** The categories a watcher gets when it names none ([MS-PRES]: what Communicator 2007 R2 asks for). */
const DEFAULT_CATEGORIES = ['calendarData', 'contactCard', 'note', 'state'];
/** Access-level containers, most trusted first ([MS-PRES] §3.7: personal, team, company, public). */
const ACCESS_LEVELS = [400, 300, 200, 100];
const BLOCKED = 32000;
/** The multipart boundary of batched NOTIFYs: a fixed token no XML part contains, so body and type agree. */
const BOUNDARY = 'uc-lab-presence-part';

export interface EnhancedPresenceDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly contact: string;
  /** The pool's SIP domain: watchers in it are "sameEnterprise", others "federated". */
  readonly domain: string;
  homed(aor: string): boolean;
  categoriesOf(aor: string): CategoryInstance[];
  containersOf(aor: string): Container[];
  /** The presentity's aggregate state, or undefined when it published none; offline when it is signed in nowhere. */
  aggregateOf(aor: string): PresenceState | undefined;
  /** A counter that moves whenever anything a watcher could see of the user changes. */
  revisionOf(aor: string): number;
  respond(request: SipRequest, status: number, reason: string | undefined, opts: { toTag: string; headers: [string, string][]; body?: string; contentType?: string }): SipResponse;
  send(request: SipRequest, onRefused: (status: number) => void): void;
  /** A watcher subscribed to a presentity of the pool (the presentity's roaming data lists its subscribers). */
  onWatcher(presentity: string, watcher: string): void;
}

/**
 * Enhanced presence of other users (docs/protocols/sign-in.md §9; [MS-PRES]): a watcher's SUBSCRIBE to one user
 * homed on the pool (`Accept: application/msrtc-event-categories+xml`), or a batched SUBSCRIBE to the watcher's
 * own address naming a list of users (`Require: adhoclist`, `<batchSub>`), answered with the categories each
 * presentity's containers let that watcher see, and notified again whenever they change. Users not homed on this
 * pool come back as terminated resources (lab's modelling choice: pools do not subscribe to each other).
 */
export class EnhancedPresence {
  private readonly single: PresenceNotifier;
  private readonly batched: PresenceNotifier;

  constructor(private readonly deps: EnhancedPresenceDeps) {
    const common = {
      clock: deps.clock,
      random: deps.random,
      contact: deps.contact,
      limits: () => ({ maxExpiresS: 36000, maxWatchers: 1000 }),
      respond: deps.respond,
      send: (request: SipRequest, _nextHop: string, onRefused: (status: number) => void) => deps.send(request, onRefused),
    };
    // Key: `<presentity> <watcher>`.
    this.single = new PresenceNotifier({
      ...common,
      presentity: (requestUri, request) => {
        const presentity = normalize(requestUri);
        if (!deps.homed(presentity)) return { status: 404, reason: 'Not Found' };
        return { key: `${presentity} ${watcherOf(request)}`, entity: presentity };
      },
      onWatched: (key) => {
        const [presentity = '', watcher = ''] = key.split(' ');
        deps.onWatcher(presentity, watcher);
      },
      package: {
        event: 'presence',
        contentType: EVENT_CATEGORIES_CONTENT_TYPE,
        body: (key, entity) => serializeEventCategories(entity, this.visible(entity, key.split(' ')[1] ?? '', DEFAULT_CATEGORIES)),
        token: (key) => String(deps.revisionOf(key.split(' ')[0] ?? '')),
        defaultExpiresS: 36000,
        piggyback: true,
      },
    });
    // Key: `batch <watcher> <categories,…> <resource> <resource> …`.
    this.batched = new PresenceNotifier({
      ...common,
      presentity: (_requestUri, request) => {
        const parsed = parseBatchSubscribe(request.body);
        if (!parsed.ok) return { status: 400, reason: 'Bad Request' };
        const categories = parsed.value.categories.length > 0 ? parsed.value.categories : DEFAULT_CATEGORIES;
        const watcher = watcherOf(request);
        return { key: ['batch', watcher, categories.join(','), ...parsed.value.resources.map(normalize)].join(' '), entity: watcher };
      },
      onWatched: (key) => {
        const watcher = key.split(' ')[1] ?? '';
        for (const r of resourcesOf(key)) if (deps.homed(r)) deps.onWatcher(r, watcher);
      },
      package: {
        event: 'presence',
        contentType: 'multipart/related',
        accepts: [RLMI_CONTENT_TYPE, EVENT_CATEGORIES_CONTENT_TYPE],
        body: (key) => this.batchBody(key),
        bodyContentType: () => batchContentType(BOUNDARY),
        // RFC 4662 §5.1, §5.3: a list subscription's 200 and NOTIFYs carry Require: eventlist.
        headers: [['Require', 'eventlist']],
        token: (key) => resourcesOf(key).map((r) => `${r}=${deps.revisionOf(r)}`).join(' '),
        defaultExpiresS: 36000,
        piggyback: true,
      },
    });
  }

  /** Whether this request is ours: a batched subscription, a single one to a homed user, or a refresh of either. */
  owns(request: SipRequest): 'single' | 'batched' | undefined {
    if (request.method !== 'SUBSCRIBE') return undefined;
    if (this.batched.owns(request)) return 'batched';
    if (this.single.owns(request)) return 'single';
    if ((request.headers.get('Event') ?? '').split(';')[0]?.trim().toLowerCase() !== 'presence') return undefined;
    const type = (request.headers.get('Content-Type') ?? '').toLowerCase();
    const requires = request.headers.getAll('Require').join(',').toLowerCase();
    if (type.startsWith(BATCH_SUBSCRIBE_CONTENT_TYPE) && requires.includes('adhoclist')) return 'batched';
    const accept = (request.headers.get('Accept') ?? '').toLowerCase();
    if (accept.includes(EVENT_CATEGORIES_CONTENT_TYPE) && this.deps.homed(normalize(request.uri))) return 'single';
    return undefined;
  }

  onSubscribe(kind: 'single' | 'batched', request: SipRequest, tx: ServerTransaction): void {
    (kind === 'batched' ? this.batched : this.single).onSubscribe(request, tx);
  }

  /** Something a watcher of `aor` could see changed. */
  changed(aor: string): void {
    this.single.changedWhere((key) => key.startsWith(`${aor} `));
    this.batched.changedWhere((key) => resourcesOf(key).includes(aor));
  }

  stop(): void {
    this.single.stop();
    this.batched.stop();
  }

  /**
   * The category instances of `presentity` a watcher may see: none when the watcher is in the blocked container;
   * else those of the most trusted access-level container that lists the watcher (defaults: company for the
   * pool's domain, public for others), those of containers below 100 (lab's modelling choice: visible to every
   * watcher; Communicator publishes its state to containers 2 and 3), and the server's aggregate state.
   */
  private visible(presentity: string, watcher: string, names: readonly string[]): CategoryInstance[] {
    const containers = this.deps.containersOf(presentity);
    const domain = watcher.split('@')[1] ?? '';
    const lists = (c: Container | undefined): boolean =>
      c !== undefined &&
      c.members.some(
        (m) =>
          (m.type === 'user' && normalize(m.value ?? '') === watcher) ||
          (m.type === 'domain' && (m.value ?? '').toLowerCase() === domain) ||
          (m.type === 'sameEnterprise' && domain === this.deps.domain.toLowerCase()) ||
          (m.type === 'federated' && domain !== this.deps.domain.toLowerCase()) ||
          m.type === 'public',
      );
    if (lists(containers.find((c) => c.id === BLOCKED))) return [];
    const level = ACCESS_LEVELS.find((id) => lists(containers.find((c) => c.id === id))) ?? (domain === this.deps.domain.toLowerCase() ? 200 : 100);
    const wanted = new Set(names);
    const seen = this.deps.categoriesOf(presentity).filter((c) => wanted.has(c.name) && (c.container === level || c.container < 100));
    const aggregate = this.deps.aggregateOf(presentity);
    if (wanted.has('state') && aggregate !== undefined) {
      seen.push({
        name: 'state',
        instance: '0',
        container: level,
        version: this.deps.revisionOf(presentity) + 1,
        publishTime: this.deps.clock.date().toISOString(),
        expireType: 'static',
        content: el('state', { xmlns: 'http://schemas.microsoft.com/2006/09/sip/state', 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:type': 'aggregateState' }, [
          el('availability', {}, String(availabilityOf(aggregate))),
        ]),
      });
    }
    return seen;
  }

  /** The RLMI version of each batch: counts up with every document sent (RFC 4662 §5.2). */
  private readonly rlmiVersions = new Map<string, number>();

  private batchBody(key: string): string {
    const [, watcher = '', categories = ''] = key.split(' ');
    const names = categories.split(',');
    const resources = resourcesOf(key).map((uri) =>
      this.deps.homed(uri) ? { uri, state: 'active' as const, categories: this.visible(uri, watcher, names) } : { uri, state: 'terminated' as const, reason: 'noresource' },
    );
    const version = (this.rlmiVersions.get(key) ?? -1) + 1;
    this.rlmiVersions.set(key, version);
    return serializeBatchNotify(watcher, version, resources, BOUNDARY).body;
  }
}

function resourcesOf(key: string): string[] {
  return key.startsWith('batch ') ? key.split(' ').slice(3) : [];
}

function watcherOf(request: SipRequest): string {
  const from = parseNameAddr(request.headers.get('From') ?? '');
  return from.ok ? normalize(from.value.uri) : '';
}

function normalize(uri: string): string {
  const bare = uri.replace(/^<|>$/g, '').split(';')[0] ?? '';
  const m = /^sips?:([^@]*)@(.*)$/i.exec(bare);
  return m ? `sip:${(m[1] ?? '').toLowerCase()}@${(m[2] ?? '').toLowerCase()}` : bare.toLowerCase();
}
