import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderJunit } from './junit';
import { sampleResults } from './sample-results';

interface Case {
  '@_name': string;
  failure?: { '@_type': string; '@_message': string; '#text': string };
  error?: { '@_type': string };
  skipped?: unknown;
}
interface Suite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  '@_errors': string;
  '@_skipped': string;
  testcase: Case[];
}

describe('renderJunit', () => {
  const xml = renderJunit(sampleResults());
  const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(xml) as {
    testsuites: { '@_tests': string; '@_failures': string; '@_errors': string; '@_skipped': string; testsuite: Suite[] };
  };

  it('is well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('has a testsuite per scenario and a testcase per cell', () => {
    expect(doc.testsuites.testsuite.map((s) => s['@_name'])).toEqual(['rcc-hold-retrieve', 'rcc-conference', 'cscsy62620-e164-line', 'calendar-presence']);
    expect(doc.testsuites.testsuite.map((s) => s.testcase.length)).toEqual([2, 1, 2, 1]);
  });

  it('counts: failure for drift, error for error, skipped for a reproduced known issue', () => {
    const skipped = doc.testsuites.testsuite.flatMap((s) => s.testcase).filter((c) => c.skipped !== undefined).length;
    expect([doc.testsuites['@_tests'], doc.testsuites['@_failures'], doc.testsuites['@_errors'], doc.testsuites['@_skipped']]).toEqual(['6', '1', '1', String(skipped)]);
    const [hold, , , calendar] = doc.testsuites.testsuite;
    expect([hold!['@_tests'], hold!['@_failures'], hold!['@_errors']]).toEqual(['2', '1', '0']);
    expect(hold!.testcase[1]!.failure!['@_type']).toBe('drift');
    expect(hold!.testcase[1]!.failure!['@_message']).toBe('⚠️ DRIFT at steps[4] expect alice.phone line1');
    expect(hold!.testcase[1]!.failure!['#text']).toContain('observed: line1: connected <no HeldEvent> & "quoted"');
    expect(hold!.testcase[0]!.failure).toBeUndefined();
    expect(calendar!.testcase[0]!.error!['@_type']).toBe('error');
    expect(calendar!['@_errors']).toBe('1');
    // Only known-issue cells are skipped (CI must not show a documented defect green).
    const known = sampleResults().cells.filter((c) => c.verdict === 'known-issue').map((c) => c.id);
    expect(known.length).toBeGreaterThan(0);
    expect(doc.testsuites.testsuite.flatMap((s) => s.testcase).filter((c) => c.skipped !== undefined).map((c) => c['@_name'])).toEqual(known);
  });

  it('carries the run and each cell as properties: verdict, documented, claims, defect, axes, evidence', () => {
    expect(xml).toMatch(/<testsuite name="cscsy62620-e164-line"[^>]*>\s*<properties>\s*<property name="seed" value="\d+"\/>/);
    expect(xml).toMatch(/<property name="verdict" value="known-issue"\/>[\s\S]*?<property name="defect" value="CSCsy62620"\/>/);
  });

  it('drops characters XML cannot carry', () => {
    expect(xml).not.toContain('\u0001');
  });

  it('lists the cells a stopped run did not reach as skipped, in a suite of their own', () => {
    const r = sampleResults();
    r.run.interrupted = { ran: 6, planned: 7, cause: 'bail' };
    r.notRun = [
      { cell: 'rcc-dtmf/endpoint=7970-sip', claim: 'feature.dtmf', statement: 'DTMF', axes: { endpoint: '7970-sip' } },
      { cell: 'rcc-dtmf/endpoint=7970-sip', claim: 'feature.other', statement: 'Other', axes: { endpoint: '7970-sip' } },
    ];
    const out = renderJunit(r);
    expect(XMLValidator.validate(out)).toBe(true);
    expect(out).toContain('<testsuites name="uc-interop-lab" tests="7" failures="1" errors="1" skipped="2"');
    expect(out).toContain('<testsuite name="(not run)" tests="1" failures="0" errors="0" skipped="1"');
    expect(out).toContain('<testcase name="rcc-dtmf/endpoint=7970-sip" classname="rcc-dtmf" time="0.000">\n      <skipped message="not run: the run stopped at the first DRIFT or ERROR (--bail)"/>');
  });
});
