/**
 * A bounded memory of a pure function's answers, by key: when it is full it is forgotten whole, so a lookup on a
 * hot path (every SIP message, every captured packet) costs one Map access and no bookkeeping per entry. Only for
 * answers that depend on the key alone; a caller that may change an answer must copy it. Pure: no node:* import.
 */
export class BoundedMemo<K, V> {
  private readonly answers = new Map<K, V>();

  constructor(private readonly max: number) {}

  /** The remembered answer for `key`, or `compute(key)`, remembered (an exception is not). */
  get(key: K, compute: (key: K) => V): V {
    const known = this.answers.get(key);
    if (known !== undefined || this.answers.has(key)) return known as V;
    const answer = compute(key);
    if (this.answers.size >= this.max) this.answers.clear();
    this.answers.set(key, answer);
    return answer;
  }
}
