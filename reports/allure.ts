/**
 * An Allure results folder (the allure2 results format read by `allure generate` and the Allure plug-ins of CI
 * servers): one `<uuid>-result.json` per cell, `categories.json` sorting known issues and drift apart,
 * `environment.properties` with the run's seed, releases and tool. Statuses follow junit.xml: DRIFT failed, ERROR
 * broken, a reproduced known issue skipped, every other verdict passed.
 */
import { createHash } from 'node:crypto';
import type { CellResult, Results, Verdict } from '../harness/run/results';
import { verdictLabel } from './matrix-model';

export type AllureStatus = 'passed' | 'failed' | 'broken' | 'skipped';

const STATUS: Record<Verdict, AllureStatus> = {
  supported: 'passed',
  unsupported: 'passed',
  'known-issue': 'skipped',
  'fix-verified': 'passed',
  'observed-works': 'passed',
  'observed-fails': 'passed',
  drift: 'failed',
  error: 'broken',
};

/** The evidence a result attaches: Allure copies nothing, so the writer copies each `from` (relative to reports/out/) to `source`. */
export interface AllureAttachment {
  name: string;
  source: string;
  type: string;
  from: string;
}

export interface AllureOutput {
  /** File name → JSON or properties text. */
  files: Map<string, string>;
  attachments: AllureAttachment[];
}

/** A UUID-shaped id from a hash (RFC 9562 layout, no randomness): the same cell of the same run gets the same file. */
function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const EVIDENCE: readonly { file: string; name: string; type: string }[] = [
  { file: 'ladder.html', name: 'ladder', type: 'text/html' },
  { file: 'ladder.md', name: 'ladder (text and Mermaid)', type: 'text/markdown' },
  { file: 'trace.pcapng', name: 'trace.pcapng', type: 'application/x-pcapng' },
];

function resultOf(c: CellResult, results: Results, start: number): { json: unknown; attachments: AllureAttachment[] } {
  const uuid = uuidOf(`${results.run.startedAt}\u0000${c.id}`);
  const attachments = EVIDENCE.map((e) => ({ name: e.name, source: `${uuid}-${e.file.replace('.', '-')}-attachment.${e.file.split('.').pop() ?? 'bin'}`, type: e.type, from: `${c.evidence}${e.file}` }));
  const message = c.failedStep !== undefined ? `${verdictLabel(c)} at ${c.failedStep}` : verdictLabel(c);
  const trace = [c.expected !== undefined ? `expected: ${c.expected}` : '', c.observed !== undefined ? `observed: ${c.observed}` : ''].filter(Boolean).join('\n');
  const endpoint = c.axes['endpoint'];
  const json = {
    uuid,
    historyId: uuidOf(c.id),
    name: c.id,
    fullName: `${c.scenario}: ${c.id}`,
    description: c.claimVerdicts.map((v) => `${v.claim} (documented ${v.documented}): "${v.statement}" — lab observed: ${v.verdict}`).join('\n'),
    status: STATUS[c.verdict],
    statusDetails: { message: c.verdict === 'known-issue' ? `${message} (documented known issue, reproduced)` : message, ...(trace ? { trace } : {}), known: c.verdict === 'known-issue' },
    stage: 'finished',
    start,
    stop: start + c.durationMs,
    labels: [
      { name: 'feature', value: c.feature },
      { name: 'suite', value: c.scenario },
      ...c.claims.map((claim) => ({ name: 'story', value: claim })),
      ...(endpoint ? [{ name: 'endpoint', value: endpoint }, { name: 'tag', value: endpoint }] : []),
      { name: 'verdict', value: c.verdict },
    ],
    parameters: [...Object.entries(c.axes).map(([name, value]) => ({ name, value })), ...Object.entries(c.releases).map(([k, v]) => ({ name: `release ${k}`, value: v }))],
    links: c.defect && /^CSC[a-z]{2}\d{5}$/.test(c.defect) ? [{ name: c.defect, url: `https://bst.cloudapps.cisco.com/bugsearch/bug/${c.defect}`, type: 'issue' }] : [],
    attachments: attachments.map(({ name, source, type }) => ({ name, source, type })),
  };
  return { json, attachments };
}

/** Sorts the Allure report's defects: the documented known issues apart from DRIFT and ERROR. */
const CATEGORIES = [
  { name: 'Known issues (documented, reproduced)', matchedStatuses: ['skipped'], messageRegex: '.*known issue.*' },
  { name: 'DRIFT: the lab observed something other than the documents say', matchedStatuses: ['failed'] },
  { name: 'ERROR: the scenario crashed or an invariant broke', matchedStatuses: ['broken'] },
];

/** Java-properties text: `key=value`, with `\`, `=`, `:` and line breaks escaped. */
const property = (k: string, v: string): string => `${k.replace(/[\\=: ]/g, (c) => `\\${c}`)}=${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`;

export function renderAllure(results: Results): AllureOutput {
  const files = new Map<string, string>();
  const attachments: AllureAttachment[] = [];
  let start = Date.parse(results.run.startedAt);
  for (const c of results.cells) {
    const r = resultOf(c, results, start);
    start += c.durationMs;
    const { uuid } = r.json as { uuid: string };
    files.set(`${uuid}-result.json`, `${JSON.stringify(r.json, null, 2)}\n`);
    attachments.push(...r.attachments);
  }
  files.set('categories.json', `${JSON.stringify(CATEGORIES, null, 2)}\n`);
  const env: [string, string][] = [
    ['seed', String(results.run.seed)],
    ['runtime', results.run.runtime],
    ['tool', results.run.tool],
    ['node', results.run.node],
    ...(results.run.commit ? [['commit', results.run.commit] as [string, string]] : []),
    ...Object.entries(results.run.versions).map(([k, v]): [string, string] => [`release.${k}`, v]),
  ];
  files.set('environment.properties', `${env.map(([k, v]) => property(k, v)).join('\n')}\n`);
  return { files, attachments };
}
