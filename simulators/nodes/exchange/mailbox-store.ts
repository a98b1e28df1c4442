import type { Faker } from '@faker-js/faker';
import { newFaker } from '../../kernel/seeded-faker';
import { exchangeStoreName } from '../../protocols/webdav';

/** Outlook's busy status of an appointment: the codec's vocabulary (urn:schemas:calendar:busystatus). */
export { BUSY_STATUSES as BUSY_STATUS_VALUES, type BusyStatus as BusyStatusValue } from '../../protocols/webdav';
import type { BusyStatus as BusyStatusValue } from '../../protocols/webdav';

/** urn:schemas:calendar:instancetype: 0 single, 1 recurring master, 2 instance, 3 exception. */
export type InstanceType = 0 | 1 | 2 | 3;

export interface Appointment {
  /** The item's name in the Calendar folder (`<uid>.EML`). */
  readonly name: string;
  readonly subject: string;
  readonly location: string;
  /** Start and end, milliseconds since 1970 (UTC); Exchange writes them as ISO instants with `Z`. */
  readonly start: number;
  readonly end: number;
  busyStatus: BusyStatusValue;
  readonly instanceType: InstanceType;
  readonly allDay: boolean;
}

export interface MailboxConfig {
  readonly userId: string;
  readonly email: string;
  readonly displayName: string;
  /** The mailbox owner's Windows password (for OWA sign-in); absent: the owner cannot sign in. */
  readonly password?: string;
}

export interface Mailbox extends MailboxConfig {
  /**
   * The mailbox's name in store URLs: the left-hand side of the primary SMTP address (KB 324306), written
   * with Exchange's own escapes for characters a store name cannot hold (docs/protocols/exchange-webdav.md §5).
   */
  readonly storeName: string;
  readonly calendar: Appointment[];
}

/** A mailbox's name in store URLs (docs/protocols/cup-presence.md §7). */
export const storeNameOf = exchangeStoreName;

/** How many appointments the seeded population gives each mailbox, and over how many working days after the lab's first. */
const POPULATION = { perMailbox: 6, days: 5 } as const;

/**
 * The mailboxes of the Exchange organisation and their Calendar folders. Each mailbox starts with a seeded
 * population of appointments (faker: subjects, locations, busy statuses) on the working days after the lab's
 * first day, so a query over "now" sees only what a scenario adds, and a query over the week sees a populated
 * calendar. The same seed gives the same items, byte for byte.
 */
export class MailboxStore {
  private readonly byStoreName = new Map<string, Mailbox>();
  private readonly byUser = new Map<string, Mailbox>();
  private added = 0;
  private faker: Faker | undefined;

  constructor(mailboxes: readonly MailboxConfig[], seed: number, epoch: number) {
    const day = 24 * 3600_000;
    const firstDay = Math.floor(epoch / day) * day;
    // The working days after the lab's first (Monday to Friday).
    const workdays: number[] = [];
    for (let d = firstDay + day; workdays.length < POPULATION.days; d += day) if (new Date(d).getUTCDay() % 6 !== 0) workdays.push(d);
    mailboxes.forEach((m, index) => {
      let calendar: Appointment[] | undefined;
      // Made on first use, each mailbox from its own seed: a lab whose calendars nobody reads pays nothing, and the
      // order mailboxes are first read in does not change what they hold.
      const populate = (): Appointment[] => (calendar ??= this.population(seed, index, workdays));
      this.add({
        ...m,
        storeName: storeNameOf(m.email),
        get calendar() {
          return populate();
        },
      });
    });
  }

  private population(seed: number, index: number, workdays: readonly number[]): Appointment[] {
    this.faker ??= newFaker();
    const faker = this.faker;
    faker.seed([seed, index]);
    const calendar: Appointment[] = [];
    for (let i = 0; i < POPULATION.perMailbox; i++) {
      const date = faker.helpers.arrayElement(workdays);
      const start = date + faker.number.int({ min: 8 * 2, max: 17 * 2 }) * 1800_000;
      calendar.push({
        name: `${faker.string.hexadecimal({ length: 32, casing: 'upper', prefix: '' })}.EML`,
        subject: faker.company.catchPhrase(),
        location: faker.location.streetAddress(),
        start,
        end: start + faker.helpers.arrayElement([30, 60, 90]) * 60_000,
        busyStatus: faker.helpers.weightedArrayElement([
          { value: 'BUSY', weight: 6 },
          { value: 'TENTATIVE', weight: 2 },
          { value: 'FREE', weight: 1 },
          { value: 'OOF', weight: 1 },
        ] as const),
        instanceType: 0,
        allDay: false,
      });
    }
    return calendar.sort((a, b) => a.start - b.start);
  }

  private add(m: Mailbox): void {
    this.byStoreName.set(m.storeName.toLowerCase(), m);
    this.byUser.set(m.userId.toLowerCase(), m);
  }

  /** The mailbox a (percent-decoded) URL segment names, compared as Exchange compares store names: case-insensitively. */
  byName(segment: string): Mailbox | undefined {
    return this.byStoreName.get(segment.toLowerCase());
  }

  byUserId(userId: string): Mailbox | undefined {
    return this.byUser.get(userId.toLowerCase());
  }

  all(): IterableIterator<Mailbox> {
    return this.byUser.values();
  }

  /** A new appointment in a user's calendar (what the user does in Outlook). */
  addAppointment(userId: string, a: Omit<Appointment, 'name'>): Appointment {
    const m = this.byUserId(userId);
    if (!m) throw new RangeError(`no mailbox for ${userId}`);
    this.added++;
    const item: Appointment = { ...a, name: `lab-${String(this.added).padStart(4, '0')}.EML` };
    m.calendar.push(item);
    m.calendar.sort((x, y) => x.start - y.start);
    return item;
  }

  /** The user changes "Show time as" of every appointment in progress at `at`. */
  setBusyStatus(userId: string, at: number, busyStatus: BusyStatusValue): number {
    const m = this.byUserId(userId);
    if (!m) throw new RangeError(`no mailbox for ${userId}`);
    const current = m.calendar.filter((a) => a.start <= at && at < a.end);
    for (const a of current) a.busyStatus = busyStatus;
    return current.length;
  }

  /** Removes every appointment in progress at `at`. */
  clearAt(userId: string, at: number): void {
    const m = this.byUserId(userId);
    if (!m) throw new RangeError(`no mailbox for ${userId}`);
    const keep = m.calendar.filter((a) => !(a.start <= at && at < a.end));
    m.calendar.splice(0, m.calendar.length, ...keep);
  }

  /** Items overlapping [start, end), recurring masters excluded (they are expanded into instances). */
  itemsBetween(m: Mailbox, start: number, end: number): Appointment[] {
    return m.calendar.filter((a) => a.instanceType !== 1 && a.end > start && a.start < end);
  }
}
