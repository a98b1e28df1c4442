import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LabError } from './errors';
import type { LabErrorCode } from './errors';

const ALL: Record<LabErrorCode, true> = {
  UC_CODEC: true,
  UC_SCENARIO: true,
  UC_LAB: true,
  UC_WAIT_TIMEOUT: true,
  UC_EXPECTATION: true,
  UC_INVARIANT: true,
  UC_NETWORK: true,
  UC_CONFIG: true,
  UC_NODE: true,
  UC_NOT_MODELLED: true,
};

describe('error catalogue', () => {
  it('documents every code in docs/errors.md', () => {
    const doc = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
    for (const code of Object.keys(ALL)) expect(doc).toContain(`\`${code}\``);
  });

  it('keeps the code and the cause', () => {
    const cause = new Error('root');
    const e = new LabError('UC_NODE', 'refused', { cause });
    expect(e.code).toBe('UC_NODE');
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('LabError');
  });
});
