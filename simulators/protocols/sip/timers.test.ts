import { transactionTimers } from './timers';

test.each([
  { reliable: false, expected: { A: 500, B: 32_000, D: 32_000, E: 500, F: 32_000, G: 500, H: 32_000, I: 5_000, J: 32_000, K: 5_000, L: 32_000, M: 32_000 } },
  { reliable: true, expected: { A: undefined, B: 32_000, D: 0, E: undefined, F: 32_000, G: undefined, H: 32_000, I: 0, J: 0, K: 0, L: 32_000, M: 32_000 } },
])('RFC 3261 Table 4, reliable=$reliable', ({ reliable, expected }) => {
  expect(transactionTimers(reliable)).toMatchObject(expected);
  expect(transactionTimers(reliable).settings).toEqual({ t1: 500, t2: 4_000, t4: 5_000 });
});

test('T1 override scales the 64*T1 timers', () => {
  expect(transactionTimers(false, { t1: 100 })).toMatchObject({ A: 100, B: 6_400, F: 6_400, J: 6_400, D: 32_000 });
});
