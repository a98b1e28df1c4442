import { renderAllure } from './allure';
import { sampleResults } from './sample-results';

describe('renderAllure', () => {
  const { files, attachments } = renderAllure(sampleResults());
  const results = [...files].filter(([name]) => name.endsWith('-result.json')).map(([, text]) => JSON.parse(text) as Record<string, unknown>);

  it('writes one result per cell, with the status junit.xml gives it', () => {
    expect(results.map((r) => [r['name'], r['status']])).toEqual(sampleResults().cells.map((c) => [c.id, { drift: 'failed', error: 'broken', 'known-issue': 'skipped' }[c.verdict as string] ?? 'passed']));
    expect(renderAllure(sampleResults()).files).toEqual(files);
  });

  it('labels each result with its feature, scenario, claims and endpoint, names its releases and links its CDETS id', () => {
    const known = results.find((r) => r['status'] === 'skipped');
    expect(known?.['labels']).toEqual(
      expect.arrayContaining([
        { name: 'feature', value: expect.any(String) },
        { name: 'story', value: 'known-issue.CSCsy62620' },
        { name: 'endpoint', value: '7975-sccp' },
      ]),
    );
    expect(known?.['parameters']).toEqual(expect.arrayContaining([{ name: 'release cucm', value: '7.0(2)' }]));
    expect(known?.['links']).toEqual([{ name: 'CSCsy62620', url: 'https://bst.cloudapps.cisco.com/bugsearch/bug/CSCsy62620', type: 'issue' }]);
    expect((known?.['statusDetails'] as { message: string }).message).toMatch(/documented known issue, reproduced/);
  });

  it('attaches each cell\'s ladder and pcapng, and writes categories and the environment', () => {
    const first = results[0] as { uuid: string; attachments: { source: string }[] };
    expect(first.attachments.map((a) => a.source)).toEqual([`${first.uuid}-ladder-html-attachment.html`, `${first.uuid}-ladder-md-attachment.md`, `${first.uuid}-trace-pcapng-attachment.pcapng`]);
    expect(attachments.filter((a) => a.source.startsWith(first.uuid)).map((a) => a.from)).toEqual(['ladder.html', 'ladder.md', 'trace.pcapng'].map((f) => `evidence/rcc-hold-retrieve-7975-sccp/${f}`));
    expect((JSON.parse(files.get('categories.json') ?? '[]') as { matchedStatuses: string[] }[]).map((c) => c.matchedStatuses)).toEqual([['skipped'], ['failed'], ['broken']]);
    expect(files.get('environment.properties')).toContain('release.cucm=7.0(2)\n');
  });
});
