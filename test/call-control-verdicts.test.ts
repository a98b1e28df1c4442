import { planMatrix } from '../harness/run/run-matrix';
import { cellWorker, scenariosDir } from './support/matrix';
import { scenarioVariants } from './support/scenario-variant';

// Call-control verdicts follow the lab, not the scenario's name: change what CUCM is configured with and the
// very same scenario changes its verdict, at the step the product's behaviour shows it.

const variants = scenarioVariants();
// The cells run on one bundled cell worker (test/support/matrix.ts), at the speed of `uc-lab matrix`.
const runCells = cellWorker();
const variant = (file: string, edit: (text: string) => string): string => variants({ [file]: edit });

async function verdicts(dir: string, filter: string[]) {
  const planned = planMatrix({ scenariosDir: dir, filter });
  const out: Record<string, { verdict: string; failedStep?: string | undefined }> = {};
  for (const result of await runCells(planned)) {
    out[result.id] = { verdict: result.verdict, failedStep: result.failedStep };
  }
  return out;
}

describe('shared line', () => {
  const cells = ['shared-line/endpoint=7975-sccp', 'shared-line-sip/endpoint=7971-sip'];

  it('is supported with the assistant carrying every user\'s DN', async () => {
    const v = await verdicts(scenariosDir, cells);
    expect(Object.values(v).map((c) => c.verdict)).toEqual(['supported', 'supported']);
  });

  it('drifts when the assistant\'s appearance of the DN is removed: the call alerts one phone only', async () => {
    // The actor alice plays the 7975's person (+14085551001) in one cell and the 7971's (+14085551002) in the
    // other: the assistant's buttons for those two DNs go, the other three stay.
    const dir = variant('labs/shared-line-lab.yaml', (t) => t.replace(/^ {8}- \{ dn: '\+1408555100[12]'.*\n/gm, ''));
    const v = await verdicts(dir, cells);
    for (const c of Object.values(v)) {
      expect(c.verdict).toBe('drift');
      expect(c.failedStep).toMatch(/steps\[3\]/);
    }
  });
});

describe('call per line limit', () => {
  it('with the Busy Trigger left at 2 the next call is offered (call waiting), so the busy expectation drifts', async () => {
    const dir = variant('features/call-per-line-limit.yaml', (t) => t.replace('maxCalls: 2, busyTrigger: 1 }', 'maxCalls: 2, busyTrigger: 2 }'));
    const v = await verdicts(dir, ['rcc-call-per-line-limit/endpoint=7975-sccp']);
    expect(v['rcc-call-per-line-limit/endpoint=7975-sccp']?.verdict).toBe('drift');
  });
});

describe('call alternate', () => {
  it('needs a second call on the line: with Maximum Number of Calls and Busy Trigger at 1 the second call never rings', async () => {
    const dir = variant('features/call-alternate.yaml', (t) =>
      t.replace('steps:\n', 'steps:\n  - configure: { cucm.lines.setCallLimits: { device: "${alice.device}", line: 1, maxCalls: 1, busyTrigger: 1 } }\n'),
    );
    const cells = ['rcc-call-alternate/endpoint=7975-sccp', 'rcc-call-alternate/endpoint=7971-sip'];
    expect(Object.values(await verdicts(scenariosDir, cells)).map((c) => c.verdict)).toEqual(['supported', 'supported']);
    for (const c of Object.values(await verdicts(dir, cells))) {
      expect(c.verdict).toBe('drift');
      // steps[0] is the configure step: the drift is at the second call (Carol never rings).
      expect(c.failedStep).toMatch(/steps\[10\]/);
    }
  });
});

describe('Meet-Me', () => {
  it('drifts when the lab has no Meet-Me numbers: the opener\'s number is refused with reorder', async () => {
    const dir = variant('labs/seed-lab.yaml', (t) => t.replace(/ {2}meetMeNumbers:\n {4}- \{ number: '\+14085552000'.*\n/, '  meetMeNumbers: []\n'));
    const cells = ['rcc-meet-me/endpoint=7975-sccp', 'rcc-meet-me/endpoint=7971-sip'];
    for (const c of Object.values(await verdicts(dir, cells))) {
      expect(c.verdict).toBe('drift');
      expect(c.failedStep).toMatch(/steps\[5\]/);
    }
  });
});

describe('Extension Mobility', () => {
  it('drifts when the device profile carries another DN: the logged-in phone does not carry the user\'s line', async () => {
    const dir = variant('labs/seed-lab.yaml', (t) => t.replace(/(- name: EM-erin[\s\S]*?lines: \[\{ dn: ')\+14085551005/, '$1+14085551099'));
    const v = await verdicts(dir, ['extension-mobility/endpoint=7975-sccp']);
    expect(v['extension-mobility/endpoint=7975-sccp']?.verdict).toBe('drift');
    expect(v['extension-mobility/endpoint=7975-sccp']?.failedStep).toMatch(/steps\[4\]/);
  });
});

describe('multi-device remote call control', () => {
  it('drifts without the Phone Selection plug-in: Communicator offers no choice of phone', async () => {
    const dir = variant('labs/multi-device-lab.yaml', (t) => t.replace('phoneSelectionPlugin: true', 'phoneSelectionPlugin: false'));
    const v = await verdicts(dir, ['multi-device-rcc']);
    expect(v['multi-device-rcc']?.verdict).toBe('drift');
    expect(v['multi-device-rcc']?.failedStep).toMatch(/steps\[1\]/);
  });
});

describe('call waiting', () => {
  it('with Maximum Number of Calls and Busy Trigger at 1 the second call is refused busy, so the call-waiting cell drifts', async () => {
    const dir = variant('features/call-waiting.yaml', (t) =>
      t.replace('steps:\n', 'steps:\n  - configure: { cucm.lines.setCallLimits: { device: "${alice.device}", line: 1, maxCalls: 1, busyTrigger: 1 } }\n'),
    );
    const v = await verdicts(dir, ['rcc-call-waiting/endpoint=7975-sccp', 'rcc-call-waiting/endpoint=7970-sip']);
    for (const c of Object.values(v)) {
      expect(c.verdict).toBe('drift');
      expect(c.failedStep).toMatch(/steps\[8\]/);
    }
  });
});

describe('Do Not Disturb from the phone', () => {
  it('drifts on SCCP and SIP loads alike when the device\'s DND Option is Call Reject from the start: the Ringer Off call is never offered', async () => {
    const dir = variant('features/phone-dnd.yaml', (t) =>
      t.replace('steps:\n', 'steps:\n  - configure: { cucm.phones.setDnd: { device: "${alice.device}", option: callReject } }\n'),
    );
    const cells = ['phone-dnd/endpoint=7975-sccp', 'phone-dnd/endpoint=7971-sip'];
    expect(Object.values(await verdicts(scenariosDir, cells)).map((c) => c.verdict)).toEqual(['supported', 'supported']);
    for (const c of Object.values(await verdicts(dir, cells))) {
      expect(c.verdict).toBe('drift');
      // steps[0] is the configure step: the drift is where Alice's phone should show the call without ringing.
      expect(c.failedStep).toMatch(/steps\[7\]/);
    }
  });
});

describe('endpoints a scenario leaves out', () => {
  it('are reported not applicable, with the reason the lab gives when the scenario is expanded for them', () => {
    const planned = planMatrix({ scenariosDir, filter: ['extension-mobility/'] });
    const na = planned.notApplicable.filter((n) => n.scenario === 'extension-mobility');
    // One entry per claim the scenario grades; the 7970 SIP load is Erin's own phone there.
    expect(new Set(na.map((n) => n.endpoint))).toEqual(new Set(['7970-sip']));
    expect(new Set(na.map((n) => n.reason))).toEqual(new Set(["the lab's 7970-sip phone is another actor's in this scenario"]));
    // A scenario that lists every endpoint leaves none out.
    expect(planMatrix({ scenariosDir, filter: ['phone-dnd/'] }).notApplicable.filter((n) => n.scenario === 'phone-dnd')).toEqual([]);
  });
});
