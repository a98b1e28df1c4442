/** Levenshtein edit distance (insert, delete, substitute; each costs 1), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[t.length] ?? 0;
}

/**
 * The closest candidate to `word`, if it is near enough to be a likely typo (distance ≤ max(2, len/3)), or else
 * the only candidate that starts with `word` (a truncated name).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  if (bestDistance <= limit) return best;
  const lower = word.toLowerCase();
  const prefixed = word.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(lower)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** The `n` candidates nearest to `word` (for error messages over long lists such as claim ids). */
export function nearest(word: string, candidates: readonly string[], n = 5): string[] {
  return [...candidates].sort((a, b) => editDistance(word, a) - editDistance(word, b)).slice(0, n);
}
