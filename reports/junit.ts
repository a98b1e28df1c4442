import type { CellResult, Results } from '../harness/run/results';
import { escapeXml as esc, formatAxes, verdictLabel } from './matrix-model';

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function details(c: CellResult): string {
  return [
    `verdict: ${verdictLabel(c)}`,
    `documented: ${c.documented}${c.defect ? ` (${c.defect})` : ''}`,
    formatAxes(c.axes) && `axes: ${formatAxes(c.axes)}`,
    c.failedStep !== undefined && `failed step: ${c.failedStep}`,
    c.expected !== undefined && `expected: ${c.expected}`,
    c.observed !== undefined && `observed: ${c.observed}`,
    `evidence: ${c.evidence}`,
  ]
    .filter((l): l is string => typeof l === 'string' && l !== '')
    .join('\n');
}

/** `<properties>` of a test case: what the cell was graded on, for CI servers that show them. */
function properties(c: CellResult): string[] {
  const p: [string, string][] = [
    ['verdict', c.verdict],
    ['documented', c.documented],
    ...c.claims.map((claim): [string, string] => ['claim', claim]),
    ...(c.defect ? [['defect', c.defect] as [string, string]] : []),
    ...Object.entries(c.axes).map(([k, v]): [string, string] => [`axis.${k}`, v]),
    ['evidence', c.evidence],
  ];
  return ['      <properties>', ...p.map(([n, v]) => `        <property name="${esc(n)}" value="${esc(v)}"/>`), '      </properties>'];
}

/**
 * junit.xml in the common Ant/Surefire dialect read by CI servers: a <testsuite> per scenario (with the
 * run's seed, runtime and releases as properties), a <testcase> per cell with its verdict, claims and defect
 * as properties; <failure> for drift, <error> for error, <skipped> for a reproduced known issue (so CI does
 * not show a documented defect green). Every other verdict passes (unsupported-as-documented included). The cells
 * a stopped run (Ctrl-C, --bail) did not reach are skipped test cases of a "(not run)" suite.
 */
export function renderJunit(results: Results): string {
  const byScenario = new Map<string, CellResult[]>();
  for (const c of results.cells) byScenario.set(c.scenario, [...(byScenario.get(c.scenario) ?? []), c]);
  const count = (cells: readonly CellResult[], v: CellResult['verdict']) => cells.filter((c) => c.verdict === v).length;
  const total = (cells: readonly CellResult[]) => cells.reduce((s, c) => s + c.durationMs, 0);

  const x: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = results.cells;
  const notRunCount = new Set((results.notRun ?? []).map((n) => n.cell)).size;
  x.push(
    `<testsuites name="uc-interop-lab" tests="${all.length + notRunCount}" failures="${count(all, 'drift')}" errors="${count(all, 'error')}" skipped="${count(all, 'known-issue') + notRunCount}" time="${seconds(results.run.durationMs)}">`,
  );
  const runProperties: [string, string][] = [
    ['seed', String(results.run.seed)],
    ['runtime', results.run.runtime],
    ...Object.entries(results.run.versions).map(([k, v]): [string, string] => [`release.${k}`, v]),
    ['tool', results.run.tool],
    ...(results.run.commit ? [['commit', results.run.commit] as [string, string]] : []),
  ];
  for (const [scenario, cells] of byScenario) {
    x.push(
      `  <testsuite name="${esc(scenario)}" tests="${cells.length}" failures="${count(cells, 'drift')}" errors="${count(cells, 'error')}" skipped="${count(cells, 'known-issue')}" time="${seconds(total(cells))}" timestamp="${esc(results.run.startedAt)}">`,
      '    <properties>',
      ...runProperties.map(([n, v]) => `      <property name="${esc(n)}" value="${esc(v)}"/>`),
      '    </properties>',
    );
    for (const c of cells) {
      const open = `    <testcase name="${esc(c.id)}" classname="${esc(scenario)}" time="${seconds(c.durationMs)}"`;
      const message = c.failedStep !== undefined ? `${verdictLabel(c)} at ${c.failedStep}` : verdictLabel(c);
      if (c.verdict === 'drift') {
        x.push(`${open}>`, ...properties(c), `      <failure message="${esc(message)}" type="drift">${esc(details(c))}</failure>`, '    </testcase>');
      } else if (c.verdict === 'error') {
        x.push(`${open}>`, ...properties(c), `      <error message="${esc(message)}" type="error">${esc(details(c))}</error>`, '    </testcase>');
      } else if (c.verdict === 'known-issue') {
        x.push(`${open}>`, ...properties(c), `      <skipped message="${esc(`${message} (documented known issue, reproduced)`)}"/>`, `      <system-out>${esc(details(c))}</system-out>`, '    </testcase>');
      } else {
        x.push(`${open}>`, ...properties(c), `      <system-out>${esc(details(c))}</system-out>`, '    </testcase>');
      }
    }
    x.push('  </testsuite>');
  }
  // Planned cells the run did not reach (Ctrl-C, --bail): skipped, so CI lists them rather than forgetting them.
  const notRun = [...new Set((results.notRun ?? []).map((n) => n.cell))];
  if (notRun.length > 0) {
    const why = results.run.interrupted?.cause === 'bail' ? 'the run stopped at the first DRIFT or ERROR (--bail)' : 'the run was interrupted';
    x.push(`  <testsuite name="(not run)" tests="${notRun.length}" failures="0" errors="0" skipped="${notRun.length}" time="0.000" timestamp="${esc(results.run.startedAt)}">`);
    for (const id of notRun) x.push(`    <testcase name="${esc(id)}" classname="${esc(id.split('/')[0] ?? id)}" time="0.000">`, `      <skipped message="${esc(`not run: ${why}`)}"/>`, '    </testcase>');
    x.push('  </testsuite>');
  }
  x.push('</testsuites>', '');
  return x.join('\n');
}
