import { colourLevel } from './colour';

describe('colour level (NO_COLOR, FORCE_COLOR, a terminal or not)', () => {
  it.each([
    [{ FORCE_COLOR: '3' }, false, 3],
    [{ FORCE_COLOR: '' }, false, 1],
    [{ FORCE_COLOR: '0' }, true, 0],
    [{ FORCE_COLOR: '2', NO_COLOR: '1' }, false, 2],
    [{ NO_COLOR: '1' }, true, 0],
    [{ NO_COLOR: '' }, false, 0],
    [{}, false, 0],
  ] as const)('%j, terminal %s: level %i', (env, tty, level) => {
    expect(colourLevel('stdout', env, tty)).toBe(level);
  });

  it('a terminal without NO_COLOR gets colour', () => {
    expect(colourLevel('stdout', {}, true)).toBeGreaterThan(0);
  });
});
