import { validateResults, type Results } from '../harness/run/results';
import { mergeResults } from './merge-results';
import { sampleResults } from './sample-results';

describe('mergeResults', () => {
  const all = sampleResults();
  const shard = (cells: number[], untested: string[], durationMs: number, startedAt: string): Results => ({
    ...all,
    run: { ...all.run, durationMs, startedAt },
    cells: cells.map((i) => all.cells[i]!),
    untestedClaims: untested,
  });

  it('concatenates cells, sums durations, keeps the earliest start, intersects untested claims', () => {
    const merged = mergeResults([
      shard([0, 1, 2], ['feature.video', 'feature.meet-me', 'calendar.exchange-2007'], 1000, '2009-05-12T09:31:00.000Z'),
      shard([3, 4, 5], ['feature.video', 'feature.meet-me', 'feature.call-hold-retrieval'], 500, '2009-05-12T09:30:00.000Z'),
    ]);
    expect(merged.cells.map((c) => c.id)).toEqual(all.cells.map((c) => c.id));
    expect(merged.run.durationMs).toBe(1500);
    expect(merged.run.startedAt).toBe('2009-05-12T09:30:00.000Z');
    expect(merged.untestedClaims).toEqual(['feature.video', 'feature.meet-me']);
    expect(validateResults(merged).ok).toBe(true);
  });

  it('lets a later shard replace a cell with the same id, in place', () => {
    const later = shard([1], [], 10, all.run.startedAt);
    later.cells = [{ ...later.cells[0]!, verdict: 'supported' }];
    const merged = mergeResults([all, later]);
    expect(merged.cells).toHaveLength(all.cells.length);
    expect(merged.cells[1]!.verdict).toBe('supported');
  });

  it('merges versions and needs at least one shard', () => {
    const a = { ...all, run: { ...all.run, versions: { cucm: '7.0(2)' } } };
    const b = { ...all, run: { ...all.run, versions: { cucm: '7.1(2)', exchange: '2007 SP1' } } };
    expect(mergeResults([a, b]).run.versions).toEqual({ cucm: '7.0(2)', exchange: '2007 SP1' });
    expect(mergeResults([all])).toEqual(all);
    expect(() => mergeResults([])).toThrow(RangeError);
  });

  it('keeps a shard that stopped early stopped early, listing the cells no shard ran', () => {
    const first = shard([0, 1, 2], [], 10, all.run.startedAt);
    const stopped = shard([3], [], 10, all.run.startedAt);
    stopped.run = { ...stopped.run, interrupted: { ran: 1, planned: 3, cause: 'bail' } };
    stopped.notRun = [all.cells[4]!, all.cells[5]!].map((c) => ({ cell: c.id, claim: c.claims[0] ?? '', statement: c.feature, axes: c.axes }));
    const merged = mergeResults([first, stopped]);
    expect(merged.run.interrupted).toEqual({ ran: 4, planned: 6, cause: 'bail' });
    expect(merged.notRun?.map((n) => n.cell)).toEqual([all.cells[4]!.id, all.cells[5]!.id]);
    expect(validateResults(merged).ok).toBe(true);
    expect(mergeResults([first]).run.interrupted).toBeUndefined();
  });
});
