import type { CellResult, Results } from '../harness/run/results';

/**
 * Merges the results of shards of one run: cells concatenated in shard order (a cell id that occurs
 * again in a later shard replaces the earlier one in place), run durations summed, the earliest
 * start, versions united (first shard wins on a conflict), seed and runtime of the first shard, and
 * untested claims intersected (a claim one shard did not test may have been tested by another); a shard that
 * stopped early makes the merged run stopped early, with the cells no shard ran as not run.
 */
export function mergeResults(shards: readonly Results[]): Results {
  const [first, ...rest] = shards;
  if (!first) throw new RangeError('mergeResults needs at least one shard');
  const cells = new Map<string, CellResult>();
  for (const shard of shards) for (const c of shard.cells) cells.set(c.id, c);
  const untested = rest.reduce((acc, s) => acc.filter((claim) => s.untestedClaims.includes(claim)), [...new Set(first.untestedClaims)]);
  const startedAt = shards.map((s) => s.run.startedAt).reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
  // A shard that stopped early (Ctrl-C, --bail) leaves the merged run stopped early, with its cells not run listed.
  const notRun = shards.flatMap((s) => s.notRun ?? []).filter((n) => !cells.has(n.cell));
  const stopped = shards.flatMap((s) => (s.run.interrupted ? [s.run.interrupted] : []));
  const interrupted = stopped.length
    ? { ran: cells.size, planned: cells.size + new Set(notRun.map((n) => n.cell)).size, cause: stopped.some((i) => i.cause !== 'bail') ? ('signal' as const) : ('bail' as const) }
    : undefined;
  const versions: Record<string, string> = {};
  for (const s of [...shards].reverse()) Object.assign(versions, s.run.versions);
  return {
    schemaVersion: 2,
    run: {
      seed: first.run.seed,
      runtime: first.run.runtime,
      startedAt,
      durationMs: shards.reduce((sum, s) => sum + s.run.durationMs, 0),
      versions,
      node: first.run.node,
      tool: first.run.tool,
      ...(first.run.commit !== undefined ? { commit: first.run.commit } : {}),
      ...(interrupted ? { interrupted } : {}),
    },
    cells: [...cells.values()],
    ...(notRun.length > 0 ? { notRun } : {}),
    ...(shards.some((s) => s.notApplicable)
      ? { notApplicable: [...new Map(shards.flatMap((s) => s.notApplicable ?? []).map((n) => [`${n.scenario}\u0000${n.claim}\u0000${n.endpoint}`, n])).values()] }
      : {}),
    untestedClaims: untested,
    ...(first.contextClaims ? { contextClaims: first.contextClaims } : {}),
    errors: [...new Map(shards.flatMap((s) => s.errors).map((e) => [`${e.file}:${e.line}:${e.column}:${e.message}`, e])).values()],
  };
}
