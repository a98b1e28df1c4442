import { z } from 'zod';
import { didYouMean } from './did-you-mean';
import { LabFileError, ScenarioError } from './scenario-error';
import { formatYamlPath, YamlSource } from './yaml-source';

const catchError = (f: () => unknown): ScenarioError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
};

describe('formatYamlPath', () => {
  it.each([
    [[], ''],
    [['steps', 3, 'alice.oc'], 'steps[3].alice.oc'],
    [['cucm', 'phones', 0, 'lines', 1, 'dn'], 'cucm.phones[0].lines[1].dn'],
  ] as const)('%j → %s', (p, text) => expect(formatYamlPath(p)).toBe(text));
});

describe('YamlSource', () => {
  const text = ['a:', '  list:', '    - { x: 1, y: two }', '    - x: 3', '      y: four', 'b: plain'].join('\n');
  const source = YamlSource.fromString(text, 'mem/doc.yaml', 'scenario');

  it('locates block and flow nodes, keys, and falls back to the nearest ancestor', () => {
    expect(source.locate(['a', 'list', 0, 'y'])).toMatchObject({ line: 3, column: 18, path: 'a.list[0].y' });
    expect(source.locate(['a', 'list', 1, 'y'])).toMatchObject({ line: 5, column: 10 });
    expect(source.locate(['a', 'list', 1], 'y')).toMatchObject({ line: 5, column: 7, path: 'a.list[1].y' });
    expect(source.locate(['a', 'list', 7, 'z'])).toMatchObject({ line: 3, column: 5, path: 'a.list' });
    expect(source.locate(['b'])).toMatchObject({ line: 6, column: 4 });
  });

  it('maps zod issues to file:line:column', () => {
    const schema = z.strictObject({
      a: z.strictObject({ list: z.array(z.strictObject({ x: z.number(), y: z.enum(['two', 'three']) })) }),
      b: z.string(),
    });
    const e = catchError(() => source.parse(schema));
    expect(e.message).toBe('mem/doc.yaml:5:10: a.list[1].y: "four" is not allowed; expected one of: two, three');
    expect(e.yamlPath).toBe('a.list[1].y');
    expect(e.expected).toEqual(['two', 'three']);
  });

  it('reports a missing key at its parent', () => {
    const e = catchError(() => source.parse(z.object({ a: z.object({ list: z.array(z.unknown()), name: z.string() }) })));
    expect(e.message).toBe('mem/doc.yaml:2:3: a: missing required key "name" (string)');
  });

  it('reports YAML syntax errors with line:column and no stack', () => {
    const e = catchError(() => YamlSource.fromString('a: 1\nb: [1, 2\nc: 3\n', 'mem/bad.yaml', 'lab'));
    expect(e).toBeInstanceOf(LabFileError);
    expect(e.code).toBe('UC_LAB');
    expect(e.message).toMatch(/^mem\/bad\.yaml:\d+:\d+: YAML syntax error \([A-Z_]+\): /);
    expect(e.line).toBeGreaterThanOrEqual(2);
    expect(e.message).not.toContain('\n');
  });

  it('rejects duplicate keys', () => {
    const e = catchError(() => YamlSource.fromString('a: 1\na: 2\n', 'mem/dup.yaml', 'scenario'));
    expect(e.line).toBe(2);
    expect(e.message).toContain('DUPLICATE_KEY');
  });
});

describe('didYouMean', () => {
  it.each([
    ['makeCal', ['signIn', 'makeCall', 'answerCall'], 'makeCall'],
    ['hangup', ['hangUp', 'answer'], 'hangUp'],
    ['phone-7931', ['phone-7931-sccp', 'phone-7971-sip'], 'phone-7931-sccp'],
    ['xyzzy', ['signIn', 'makeCall'], undefined],
  ] as const)('%s → %s', (word, candidates, suggestion) => expect(didYouMean(word, candidates)).toBe(suggestion));
});
