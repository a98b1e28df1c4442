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

/**
 * junit.xml in the common Ant/Surefire dialect read by CI servers: a <testsuite> per scenario, a
 * <testcase> per cell; <failure> for drift, <error> for error, no <skipped>. Every verdict other
 * than drift/error passes (unsupported and known issues are documented behaviour).
 */
export function renderJunit(results: Results): string {
  const byScenario = new Map<string, CellResult[]>();
  for (const c of results.cells) byScenario.set(c.scenario, [...(byScenario.get(c.scenario) ?? []), c]);
  const count = (cells: readonly CellResult[], v: CellResult['verdict']) => cells.filter((c) => c.verdict === v).length;
  const total = (cells: readonly CellResult[]) => cells.reduce((s, c) => s + c.durationMs, 0);

  const x: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = results.cells;
  x.push(
    `<testsuites name="uc-interop-lab" tests="${all.length}" failures="${count(all, 'drift')}" errors="${count(all, 'error')}" skipped="0" time="${seconds(results.run.durationMs)}">`,
  );
  for (const [scenario, cells] of byScenario) {
    x.push(
      `  <testsuite name="${esc(scenario)}" tests="${cells.length}" failures="${count(cells, 'drift')}" errors="${count(cells, 'error')}" skipped="0" time="${seconds(total(cells))}" timestamp="${esc(results.run.startedAt)}">`,
    );
    for (const c of cells) {
      const open = `    <testcase name="${esc(c.id)}" classname="${esc(scenario)}" time="${seconds(c.durationMs)}"`;
      const message = c.failedStep !== undefined ? `${verdictLabel(c)} at ${c.failedStep}` : verdictLabel(c);
      if (c.verdict === 'drift') {
        x.push(`${open}>`, `      <failure message="${esc(message)}" type="drift">${esc(details(c))}</failure>`, '    </testcase>');
      } else if (c.verdict === 'error') {
        x.push(`${open}>`, `      <error message="${esc(message)}" type="error">${esc(details(c))}</error>`, '    </testcase>');
      } else {
        x.push(`${open}>`, `      <system-out>${esc(details(c))}</system-out>`, '    </testcase>');
      }
    }
    x.push('  </testsuite>');
  }
  x.push('</testsuites>', '');
  return x.join('\n');
}
