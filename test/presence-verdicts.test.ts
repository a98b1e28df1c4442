import { planMatrix } from '../harness/run/run-matrix';
import { cellWorker, scenariosDir } from './support/matrix';
import { scenarioVariants } from './support/scenario-variant';

// Presence and calendar verdicts follow what the wire carried: change the calendar, the user's options or the
// trunk, and the very same scenario changes its verdict at the step the products' behaviour shows it.

const variants = scenarioVariants();
// The cells run on one bundled cell worker (test/support/matrix.ts), at the speed of `uc-lab matrix`.
const runCells = cellWorker();
const variant = (file: string, edit: (text: string) => string): string => variants({ [file]: edit });

async function verdicts(dir: string, filter: string[]) {
  const planned = planMatrix({ scenariosDir: dir, filter });
  const out: Record<string, { verdict: string; failedStep?: string | undefined; observed?: string | undefined }> = {};
  for (const result of await runCells(planned)) {
    out[result.id] = { verdict: result.verdict, failedStep: result.failedStep, observed: result.observed };
  }
  return out;
}

describe('calendar → presence at the watcher', () => {
  const cell = 'calendar-busy/exchange=2007 SP1';

  it('is supported as the lab stands', async () => {
    expect((await verdicts(scenariosDir, [cell]))[cell]?.verdict).toBe('supported');
  });

  it("follows the user's busy status: an appointment shown as Tentative leaves the watcher seeing Available, so the Busy expectation drifts", async () => {
    const dir = variant('calendar/calendar-busy.yaml', (t) => t.replace('busyStatus: BUSY, minutes: 60', 'busyStatus: TENTATIVE, minutes: 60').replace('busyStatus: BUSY } }', 'busyStatus: TENTATIVE } }'));
    const v = (await verdicts(dir, [cell]))[cell];
    expect(v?.verdict).toBe('drift');
    // steps[6] is the await for Busy at the watcher.
    expect(v?.failedStep).toMatch(/steps\[6\]/);
    expect(v?.observed).toMatch(/cal-plain:available \(phone none, calendar tentative\)/);
  });

  it("changing the busy status mid-scenario changes the user's presence: Busy then Free gives Available, not Busy", async () => {
    const dir = variant('calendar/calendar-out-of-office.yaml', (t) => t.replace('busyStatus: BUSY } }', 'busyStatus: FREE } }'));
    const c = 'calendar-out-of-office/exchange=2003 SP2';
    const v = (await verdicts(dir, [c]))[c];
    expect(v?.verdict).toBe('drift');
    expect(v?.observed).toMatch(/contacts=\[cal-plain:available\/active\]/);
  });

  it("turning the user's calendar option off removes the calendar effect: the Busy expectation drifts", async () => {
    const dir = variant('calendar/calendar-busy.yaml', (t) => t.replace('steps:\n', 'steps:\n  - configure: { cup.users.setCalendar: { userId: cal-plain, enabled: false } }\n'));
    const v = (await verdicts(dir, [cell]))[cell];
    expect(v?.verdict).toBe('drift');
    expect(v?.observed).toMatch(/cal-plain:available \(phone none, calendar unknown\)/);
  });

  it('a special character in the address is graded by mechanism: with the corrected mailbox URL construction the cell shows the fix, not the symptom', async () => {
    // Move the defect's range past every CUP release the cell runs (a fix named in 7.0(3)): the same scenario
    // runs its "shows: fixed" expectations, and the gateway reads the calendar.
    const dir = variants({ 'claims.yaml': (t) => t.replace('affected: { cup: { introduced: "6.0(1)" } }', 'affected: { cup: { introduced: "6.0(1)", fixedIn: "7.0(3)" } }') });
    const c = 'calendar-email-characters/exchange=2007 SP1,character=hash';
    expect((await verdicts(dir, [c]))[c]?.verdict).toBe('fix-verified');
    expect((await verdicts(scenariosDir, [c]))[c]?.verdict).toBe('known-issue');
  });
});

describe('phone → presence at the watcher', () => {
  const cell = 'phone-presence/endpoint=7975-sccp';

  it('removing the SIP trunk to CUP removes phone presence: the on-the-phone expectation drifts', async () => {
    const dir = variant('presence/phone-presence.yaml', (t) => t.replace('steps:\n', 'steps:\n  - configure: { cucm.sipTrunks.remove: { name: CUP-Trunk } }\n'));
    const v = (await verdicts(dir, [cell]))[cell];
    expect(v?.verdict).toBe('drift');
    // steps[8] is the await for CUCM's PUBLISH to CUP (steps[0] is the inserted configure step).
    expect(v?.failedStep).toMatch(/steps\[8\]/);
  });

  it('without the CUP PUBLISH Trunk service parameter CUCM publishes nothing', async () => {
    const dir = variant('presence/phone-presence.yaml', (t) => t.replace('steps:\n', 'steps:\n  - configure: { cucm.serviceParameters.setCupPublishTrunk: { trunk: null } }\n'));
    expect((await verdicts(dir, [cell]))[cell]?.verdict).toBe('drift');
    expect((await verdicts(scenariosDir, [cell]))[cell]?.verdict).toBe('supported');
  });
});

describe('the address book normalization rules (A2)', () => {
  it("without the rule for internal extensions, Dave's AD number 1004 stays as entered and the E.164 call expectation drifts", async () => {
    const cell = 'rcc-call-contact/endpoint=7975-sccp';
    expect((await verdicts(scenariosDir, [cell]))[cell]?.verdict).toBe('supported');
    const dir = variant('labs/seed-lab.yaml', (t) => t.replace(/^ {8}- \{ name: internal-4-digit.*\n/m, ''));
    const v = (await verdicts(dir, [cell]))[cell];
    expect(v?.verdict).toBe('drift');
  });
});
