import { BoundedMemo } from './bounded-memo';

describe('BoundedMemo', () => {
  test('computes each key once, remembers undefined answers too, and forgets everything when full', () => {
    const calls: string[] = [];
    const memo = new BoundedMemo<string, string | undefined>(2);
    const f = (k: string): string | undefined => {
      calls.push(k);
      return k === 'ok' ? undefined : `bad ${k}`;
    };
    expect(memo.get('ok', f)).toBeUndefined();
    expect(memo.get('ok', f)).toBeUndefined();
    expect(memo.get('x', f)).toBe('bad x');
    expect(memo.get('x', f)).toBe('bad x');
    expect(calls).toEqual(['ok', 'x']);
    // The third key finds the memory full: it is cleared, so 'ok' is computed again afterwards.
    expect(memo.get('y', f)).toBe('bad y');
    expect(memo.get('ok', f)).toBeUndefined();
    expect(calls).toEqual(['ok', 'x', 'y', 'ok']);
  });

  test('an exception is not remembered', () => {
    let n = 0;
    const memo = new BoundedMemo<string, number>(4);
    const f = (): number => {
      n++;
      throw new Error('no');
    };
    expect(() => memo.get('a', f)).toThrow('no');
    expect(() => memo.get('a', f)).toThrow('no');
    expect(n).toBe(2);
  });
});
