/**
 * How many records a node keeps in one of its observation lists (refusals, queries, received frames). A lab that
 * runs for days (`uc-lab serve`) keeps the newest ones; a scenario cell never comes near the bound.
 */
export const NODE_LIST_MAX = 10_000;

/** Appends to a list kept to its newest `max` items, trimmed in batches so each append costs O(1) amortized. */
export function appendBounded<T>(list: T[], item: T, max = NODE_LIST_MAX): void {
  list.push(item);
  if (list.length >= 2 * max) list.splice(0, list.length - max);
}
