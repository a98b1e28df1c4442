import { actorLegend, lastEvents, nameActors, renderLadderHtml, renderLadderMarkdown, renderLadderMermaid, renderLadderText, type WireEvent } from './ladder';

const events: WireEvent[] = [
  { t: 0, from: 'oc-alice', to: 'ocs-pool1', protocol: 'SIP', summary: 'INVITE sip:cup.uc.lab (csta: RequestSystemStatus)' },
  { t: 12, from: 'ocs-pool1', to: 'cup', protocol: 'SIP', summary: 'INVITE sip:cup.uc.lab (csta: RequestSystemStatus)' },
  { t: 20, from: 'cup', to: 'oc-alice', protocol: 'SIP', summary: '200 OK' },
  { t: 1234.5, from: 'cucm', to: 'phone-7975', protocol: 'SCCP', summary: 'CallState RingIn line 1' },
  { t: 1300, from: 'phone-7975', to: 'cucm', protocol: 'TCP', summary: 'FIN' },
];
const hosts = ['oc-alice', 'ocs-pool1', 'cup', 'cucm', 'phone-7975'];

describe('renderLadderText', () => {
  const text = renderLadderText(events, hosts);
  const lines = text.trimEnd().split('\n');

  it('has a header with every host, then one line per event with its time in seconds', () => {
    expect(lines).toHaveLength(2 + events.length);
    for (const h of hosts) expect(lines[0]).toContain(h);
    expect(lines.slice(2).map((l) => l.trim().split(' ')[0])).toEqual(['0.000s', '0.012s', '0.020s', '1.235s', '1.300s']);
  });

  it('draws arrows in the right direction between the right lifelines, label included', () => {
    const col = (h: string) => (lines[0] as string).indexOf(h) + Math.floor(h.length / 2);
    const first = lines[2] as string;
    expect(first.slice(col('oc-alice'), col('ocs-pool1') + 1)).toBe('|-- INVITE sip:cup.uc.lab (csta: RequestSystemStatus) ->|');
    const back = lines[4] as string;
    expect(back.slice(col('oc-alice'), col('oc-alice') + 12)).toBe('|<- 200 OK -');
    expect(back[col('cup')]).toBe('|');
    const fin = lines[6] as string;
    expect(fin.slice(col('cucm'), col('phone-7975') + 1)).toMatch(/^\|<- FIN -+\|$/);
  });

  it('keeps every line in fixed columns (lifelines stay aligned)', () => {
    const col = (lines[1] as string).indexOf('|');
    for (const l of lines.slice(1)) expect(l[col]).toBe('|');
  });

  it('adds hosts the events mention but the list omits, draws self messages, truncates long labels', () => {
    const out = renderLadderText(
      [
        { t: 0, from: 'a', to: 'b', protocol: 'DNS', summary: 'x'.repeat(200) },
        { t: 1, from: 'b', to: 'b', protocol: 'HTTP', summary: 'self' },
      ],
      ['a'],
    );
    expect(out.split('\n')[0]).toMatch(/a\s+b/);
    expect(out).toContain(`${'x'.repeat(71)}…`);
    expect(out).not.toContain('x'.repeat(72));
    expect(out).toContain("-- self <-'");
  });

  it('is stable for no events', () => {
    expect(renderLadderText([], [])).toBe('(no messages)\n');
    expect(renderLadderText([], ['cup']).split('\n')[0]).toContain('cup');
  });

  it('orders events by time, keeping capture order for equal times', () => {
    const out = renderLadderText(
      [
        { t: 5, from: 'a', to: 'b', protocol: 'SIP', summary: 'second' },
        { t: 1, from: 'a', to: 'b', protocol: 'SIP', summary: 'first' },
        { t: 5, from: 'b', to: 'a', protocol: 'SIP', summary: 'third' },
      ],
      ['a', 'b'],
    );
    expect(out.indexOf('first')).toBeLessThan(out.indexOf('second'));
    expect(out.indexOf('second')).toBeLessThan(out.indexOf('third'));
  });
});

describe('renderLadderMermaid', () => {
  it('is a sequenceDiagram with aliased participants and escaped text', () => {
    const out = renderLadderMermaid([
      ...events,
      { t: 1400, from: 'cup', to: 'ocs-pool1', protocol: 'SIP', summary: 'NOTIFY <sip:bob@uc.lab>; #1' },
    ]);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('sequenceDiagram');
    expect(lines).toContain('  participant h0 as oc-alice');
    expect(lines).toContain('  h0->>h1: 0.000s INVITE sip:cup.uc.lab (csta: RequestSystemStatus)');
    expect(lines).toContain('  h4-->>h3: 1.300s FIN');
    expect(lines[lines.length - 1]).toBe('  h2->>h1: 1.400s NOTIFY #60;sip:bob@uc.lab#62;#59; #35;1');
  });
});

describe('renderLadderMarkdown', () => {
  it('has the title, the text ladder in a fence, then a mermaid block', () => {
    const md = renderLadderMarkdown('rcc-hold-retrieve [endpoint=7975-sccp]', events, hosts);
    expect(md.startsWith('# rcc-hold-retrieve [endpoint=7975-sccp]\n')).toBe(true);
    const text = md.indexOf('```text\n');
    const mermaid = md.indexOf('```mermaid\nsequenceDiagram');
    expect(text).toBeGreaterThan(0);
    expect(mermaid).toBeGreaterThan(text);
    expect(md).toContain(renderLadderText(events, hosts).trimEnd());
  });

  it('lengthens the fence when a summary holds backticks', () => {
    const md = renderLadderMarkdown('t', [{ t: 0, from: 'a', to: 'b', protocol: 'HTTP', summary: 'GET ```x```' }], ['a', 'b']);
    expect(md).toContain('````text\n');
  });
});

describe('lastEvents', () => {
  it('lists the last n events, noting how many came before', () => {
    expect(lastEvents(events, 2)).toBe(
      ['… 3 earlier messages', '1.235s cucm -> phone-7975 SCCP CallState RingIn line 1', '1.300s phone-7975 -> cucm TCP FIN'].join('\n'),
    );
    expect(lastEvents(events, 10).split('\n')).toHaveLength(5);
    expect(lastEvents([], 3)).toBe('(no messages)');
  });
});

describe('renderLadderHtml', () => {
  const names = new Map([['phone-7975', 'alice (7975-sccp)'], ['oc-alice', 'alice (oc)']]);
  const named = nameActors([{ t: 0, from: '', to: '', protocol: 'STEP', summary: 'steps[0]: alice.oc signIn' }, ...events], hosts, names);
  const html = renderLadderHtml('cell <1>', named.events, named.hosts);

  it('names each actor\'s host by the actor and device, and says which host it is', () => {
    expect(named.hosts).toEqual(['alice (oc)', 'ocs-pool1', 'cup', 'cucm', 'alice (7975-sccp)']);
    expect(actorLegend(names)).toBe('alice (7975-sccp) is phone-7975; alice (oc) is oc-alice');
    expect(html).toContain('<th class="odd"><span class="who">alice (7975-sccp)</span></th>');
  });

  it('draws one row per message, spanning from the sender\'s lifeline to the receiver\'s, and each step across', () => {
    const rows = html.split('\n').filter((l) => l.startsWith('<tr'));
    expect(rows).toHaveLength(1 + events.length);
    expect(rows[0]).toContain('colspan="10">steps[0]: alice.oc signIn');
    // oc-alice (0) → ocs-pool1 (1): after one half-column, an arrow over two, then the other lifelines.
    expect(rows[1]).toMatch(/^<tr><td class="t">0\.000s<\/td><td><\/td><td class="msg p-SIP" colspan="2" title="alice \(oc\) → ocs-pool1: INVITE[^"]*"><div class="arrow r">SIP INVITE/);
    // cup (2) → oc-alice (0): leftwards over four half-columns.
    expect(rows[3]).toMatch(/<td class="msg p-SIP" colspan="4"[^>]*><div class="arrow l">SIP 200 OK/);
    for (const r of rows.slice(1)) expect((r.match(/<td/g) ?? []).length - 1 + [...r.matchAll(/colspan="(\d+)"/g)].reduce((n, m) => n + Number(m[1]) - 1, 0)).toBe(10);
    expect(html).toContain('<title>cell &lt;1&gt;: ladder</title>');
    expect(html).not.toMatch(/<script|https?:/);
  });
});
