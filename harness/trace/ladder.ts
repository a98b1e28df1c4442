/**
 * The message ladder of a cell: a fixed-width text ladder (for terminals and failure messages), a
 * Mermaid `sequenceDiagram` (GitHub renders it), and both in one markdown file (evidence ladder.md).
 */
/** `STEP` marks where a scenario step began: drawn across the ladder, not as an arrow. */
export type WireProtocol = 'SIP' | 'SCCP' | 'CTI' | 'DNS' | 'HTTP' | 'TLS' | 'TCP' | 'STEP';

export interface WireEvent {
  /** Virtual milliseconds since the cell started. */
  t: number;
  /** Host name of the sender. */
  from: string;
  to: string;
  protocol: WireProtocol;
  /** e.g. 'INVITE sip:cup.uc.lab (csta: RequestSystemStatus)', '200 OK', 'CallState RingIn line 1'. */
  summary: string;
}

/** Longest label drawn on an arrow; longer summaries end in '…'. */
const MAX_LABEL = 72;
/** Dashes around a label: '--' before, ' ' either side, '->' after. */
const ARROW_OVERHEAD = 6;

/** Seconds with 3 decimals, rounding to the millisecond first (1234.5 ms → 1.235s, not float-truncated). */
const seconds = (t: number): string => `${(Math.round(t) / 1000).toFixed(3)}s`;

/** Stable sort by time (events of the same instant keep their capture order). */
function byTime(events: readonly WireEvent[]): WireEvent[] {
  return events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i).map(({ e }) => e);
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}

function label(summary: string): string {
  const s = oneLine(summary);
  return s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s;
}

/** `hosts` first, in order, then any other host the events mention, in order of appearance. */
function columnsOf(events: readonly WireEvent[], hosts: readonly string[]): string[] {
  const columns = [...new Set(hosts)];
  for (const e of events) {
    if (e.protocol === 'STEP') continue;
    for (const h of [e.from, e.to]) if (!columns.includes(h)) columns.push(h);
  }
  return columns;
}

/**
 * A readable ladder: one column per host, one line per event with the time stamp (seconds, 3
 * decimals) and an arrow carrying the summary. Gaps between lifelines widen so every label fits.
 */
export function renderLadderText(events: readonly WireEvent[], hosts: readonly string[]): string {
  const ordered = byTime(events);
  const columns = columnsOf(ordered, hosts);
  if (columns.length === 0) return '(no messages)\n';
  // A reduce, not a spread: a ladder of millions of messages must not overflow the call stack.
  const timeWidth = ordered.reduce((w, e) => Math.max(w, seconds(e.t).length), 7);
  const index = new Map(columns.map((h, i) => [h, i]));

  // gaps[i]: distance between lifeline i and i+1; wide enough for both names and every label.
  const gaps = columns.slice(1).map((h, i) => Math.ceil((columns[i] as string).length / 2) + Math.ceil(h.length / 2) + 3);
  const selfRoom = new Array<number>(columns.length).fill(0);
  for (const e of ordered) {
    if (e.protocol === 'STEP') continue;
    const a = index.get(e.from) as number;
    const b = index.get(e.to) as number;
    const need = label(e.summary).length + ARROW_OVERHEAD;
    if (a === b) {
      selfRoom[a] = Math.max(selfRoom[a] as number, need);
      if (a < gaps.length) gaps[a] = Math.max(gaps[a] as number, need + 1);
      continue;
    }
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const have = gaps.slice(lo, hi).reduce((s, g) => s + g, 0);
    if (have - 1 < need) gaps[hi - 1] = (gaps[hi - 1] as number) + need - (have - 1);
  }
  const positions: number[] = [timeWidth + 2 + Math.floor((columns[0] as string).length / 2)];
  for (const g of gaps) positions.push((positions[positions.length - 1] as number) + g);
  const last = positions[positions.length - 1] as number;
  const width = last + 1 + Math.max(Math.ceil((columns[columns.length - 1] as string).length / 2), selfRoom[columns.length - 1] as number);

  // Rows are strings: a blank row is the lifelines, and text is laid over it (past its end, it is appended).
  const put = (row: string, at: number, text: string): string => (at <= row.length ? row.slice(0, at) + text + row.slice(at + text.length) : row + text);
  let lifelines = ' '.repeat(width);
  for (const p of positions) lifelines = put(lifelines, p, '|');
  const blank = (time: string): string => time + lifelines.slice(time.length);

  let header = put(' '.repeat(width), 0, 'time');
  columns.forEach((h, i) => (header = put(header, (positions[i] as number) - Math.floor(h.length / 2), h)));
  const lines = [header.trimEnd(), lifelines.trimEnd()];

  for (const e of ordered) {
    if (e.protocol === 'STEP') {
      lines.push(`${seconds(e.t).padStart(timeWidth)}  == ${oneLine(e.summary)} ${'='.repeat(Math.max(2, width - timeWidth - oneLine(e.summary).length - 6))}`);
      continue;
    }
    let row = blank(seconds(e.t).padStart(timeWidth));
    const a = positions[index.get(e.from) as number] as number;
    const b = positions[index.get(e.to) as number] as number;
    const text = ` ${label(e.summary)} `;
    if (a === b) {
      row = put(row, a + 1, `-${text.trimEnd()} <-'`.replace(/^-/, '--'));
    } else if (a < b) {
      let span = put(put('-'.repeat(b - a - 1), 0, '--'), 2, text);
      span = `${span.slice(0, -1)}>`;
      row = put(row, a + 1, span);
    } else {
      const span = put(`<${'-'.repeat(a - b - 1).slice(1)}`, 2, text);
      row = put(row, b + 1, span);
    }
    lines.push(row.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Mermaid sequence diagram text. Participants get neutral ids (h0, h1, …) aliased to the host name;
 * message text escapes Mermaid's specials as entity codes (#59; for ';', #35; for '#', #60;/#62;
 * for angle brackets so SIP URIs are not taken for HTML). TCP-level events draw dotted arrows.
 */
export function renderLadderMermaid(events: readonly WireEvent[]): string {
  const ordered = byTime(events);
  const columns = columnsOf(ordered, []);
  const id = new Map(columns.map((h, i) => [h, `h${i}`]));
  const escape = (s: string): string =>
    oneLine(s).replace(/[#;<>"`]/g, (c) => `#${c.charCodeAt(0)};`);
  const lines = ['sequenceDiagram'];
  for (const h of columns) lines.push(`  participant ${id.get(h)} as ${escape(h)}`);
  const first = id.get(columns[0] ?? '');
  const last = id.get(columns[columns.length - 1] ?? '');
  for (const e of ordered) {
    if (e.protocol === 'STEP') {
      if (first && last) lines.push(`  Note over ${first},${last}: ${escape(label(e.summary))}`);
      continue;
    }
    const arrow = e.protocol === 'TCP' ? '-->>' : '->>';
    lines.push(`  ${id.get(e.from)}${arrow}${id.get(e.to)}: ${seconds(e.t)} ${escape(label(e.summary))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** ladder.md: a title, the text ladder in a fenced block (longer fence if a summary holds backticks), then the Mermaid block. */
export function renderLadderMarkdown(title: string, events: readonly WireEvent[], hosts: readonly string[]): string {
  const text = renderLadderText(events, hosts).trimEnd();
  // CommonMark §4.5: a fence closes only on a run of backticks at least as long as the opening one.
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return [
    `# ${oneLine(title).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`,
    '',
    `${messageCount(events)} message${messageCount(events) === 1 ? '' : 's'}.`,
    '',
    `${fence}text`,
    text,
    fence,
    '',
    '```mermaid',
    renderLadderMermaid(events).trimEnd(),
    '```',
    '',
  ].join('\n');
}

const messageCount = (events: readonly WireEvent[]): number => events.filter((e) => e.protocol !== 'STEP').length;

/** The last `n` events, one line each (`0.120s cup -> cucm SIP INVITE …`), for failure messages. */
export function lastEvents(events: readonly WireEvent[], n: number): string {
  const ordered = byTime(events);
  const tail = n > 0 ? ordered.slice(-n) : [];
  if (tail.length === 0) return '(no messages)';
  const lines = tail.map((e) => (e.protocol === 'STEP' ? `${seconds(e.t)} == ${oneLine(e.summary)}` : `${seconds(e.t)} ${e.from} -> ${e.to} ${e.protocol} ${oneLine(e.summary)}`));
  const skipped = ordered.length - tail.length;
  return (skipped > 0 ? [`… ${skipped} earlier message${skipped === 1 ? '' : 's'}`, ...lines] : lines).join('\n');
}

/** The events and host list with each actor's host shown as the actor ('phone-7' → 'alice (7975-sccp)'). */
export function nameActors(events: readonly WireEvent[], hosts: readonly string[], names: ReadonlyMap<string, string>): { events: WireEvent[]; hosts: string[] } {
  const name = (h: string): string => names.get(h) ?? h;
  return {
    events: events.map((e) => (e.protocol === 'STEP' ? e : { ...e, from: name(e.from), to: name(e.to) })),
    hosts: hosts.map(name),
  };
}

/** 'alice (7975-sccp) is phone-7; alice (oc) is pc-alice', or '' when no actor took part. */
export function actorLegend(names: ReadonlyMap<string, string>): string {
  return [...names].map(([host, actor]) => `${actor} is ${host}`).join('; ');
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const LADDER_CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1d1d22}h1{font-size:18px;margin:0 0 6px}.meta{color:#555;margin:2px 0 10px}
.scroll{overflow-x:auto;max-width:100%}
table.ladder{border-collapse:collapse;font:12px/1.3 ui-monospace,Menlo,Consolas,monospace}
table.ladder th{position:sticky;top:0;background:#f3f3f6;padding:4px 0;font-weight:600;white-space:nowrap;border-bottom:1px solid #c8c8d0;text-align:left;z-index:1}
table.ladder th .who{display:inline-block;transform:translateX(-50%);background:#f3f3f6;padding:0 4px}
table.ladder td{padding:1px 0;min-width:3em;vertical-align:bottom}
table.ladder td.t{color:#666;padding-right:8px;white-space:nowrap;text-align:right}
table.ladder td.odd{border-left:1px solid #b0b0bc}
table.ladder td.msg{border-left:1px solid #b0b0bc;border-right:1px solid #b0b0bc}
.arrow{position:relative;margin:0 6px;padding:0 4px 1px;border-bottom:2px solid currentColor;min-width:26ch;overflow-wrap:anywhere}
.arrow.r::after,.arrow.l::after{content:"";position:absolute;bottom:-6px;border:5px solid transparent}
.arrow.r::after{right:-6px;border-left:7px solid currentColor}.arrow.l::after{left:-6px;border-right:7px solid currentColor}
.arrow.self{border-bottom:none;padding-left:2px}
tr.step td.s{background:#fffbe6;border-top:1px solid #e0c050;padding:3px 6px;font-weight:600;white-space:normal}
.p-SIP{color:#0b3d6b}.p-SCCP{color:#0b5d1e}.p-CTI{color:#7a3300}.p-DNS{color:#555}.p-HTTP{color:#5b2a86}.p-TLS{color:#6b4e00}.p-TCP{color:#888}
`.trim();

/**
 * ladder.html: the message ladder as one self-contained page (inline CSS, no script): a column per participant
 * (actors named with their device), an arrow per message from the sender's lifeline to the receiver's carrying its
 * summary (the whole summary on hover), each scenario step drawn across.
 */
export function renderLadderHtml(title: string, events: readonly WireEvent[], hosts: readonly string[], meta: readonly string[] = []): string {
  const ordered = byTime(events);
  const columns = columnsOf(ordered, hosts);
  const n = columns.length;
  const index = new Map(columns.map((h, i) => [h, i]));
  // Two half-columns per participant; its lifeline is the left border of the second (class odd).
  const lifelines = (from: number, to: number): string => {
    let out = '';
    for (let k = from; k < to; k++) out += k % 2 === 1 ? '<td class="odd"></td>' : '<td></td>';
    return out;
  };
  const rows: string[] = [];
  for (const e of ordered) {
    const time = `<td class="t">${seconds(e.t)}</td>`;
    if (e.protocol === 'STEP') {
      rows.push(`<tr class="step">${time}<td class="s" colspan="${Math.max(1, 2 * n)}">${escapeHtml(oneLine(e.summary))}</td></tr>`);
      continue;
    }
    const a = index.get(e.from) as number;
    const b = index.get(e.to) as number;
    const text = `${escapeHtml(e.protocol)} ${escapeHtml(label(e.summary))}`;
    const hover = escapeHtml(`${e.from} → ${e.to}: ${oneLine(e.summary)}`);
    if (a === b) {
      rows.push(`<tr>${time}${lifelines(0, 2 * a + 1)}<td class="odd p-${e.protocol}" title="${hover}"><div class="arrow self">↻ ${text}</div></td>${lifelines(2 * a + 2, 2 * n)}</tr>`);
      continue;
    }
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const arrow = `<td class="msg p-${e.protocol}" colspan="${2 * (hi - lo)}" title="${hover}"><div class="arrow ${a < b ? 'r' : 'l'}">${text}</div></td>`;
    rows.push(`<tr>${time}${lifelines(0, 2 * lo + 1)}${arrow}${lifelines(2 * hi + 1, 2 * n)}</tr>`);
  }
  // Each name is centred on its lifeline (the left border of the participant's second half-column).
  const head = `<tr><th>time</th>${columns.map((h) => `<th></th><th class="odd"><span class="who">${escapeHtml(h)}</span></th>`).join('')}</tr>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(oneLine(title))}: ladder</title>`,
    `<style>\n${LADDER_CSS}\n</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(oneLine(title))}</h1>`,
    ...meta.map((m) => `<p class="meta">${escapeHtml(m)}</p>`),
    `<p class="meta">${messageCount(events)} message${messageCount(events) === 1 ? '' : 's'}.</p>`,
    n === 0 ? '<p>(no messages)</p>' : `<div class="scroll"><table class="ladder"><thead>${head}</thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
