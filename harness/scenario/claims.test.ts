import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadClaims } from './load-claims';

const repoRoot = path.resolve(__dirname, '..', '..');
const claimsFile = path.join(repoRoot, 'scenarios', 'claims.yaml');
const seedsDir = path.resolve(repoRoot, '..', 'shared', 'seeds');
const haveSeeds = existsSync(seedsDir);

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

describe('scenarios/claims.yaml', () => {
  const claims = loadClaims(claimsFile);

  it('loads through the zod schema', () => {
    expect(claims.length).toBeGreaterThan(100);
  });

  it('has unique ids', () => {
    const ids = claims.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('holds every "Features Supported" row and the known issue', () => {
    const ids = new Set(claims.map((c) => c.id));
    const features = [
      'basic-call-placement-clearing',
      'call-forwarding-basic',
      'call-hold-retrieval',
      'call-transfer',
      'meet-me',
      'dtmf',
      'call-alternate',
      'call-deflect',
      'do-not-disturb',
      'call-per-line-limit',
      'reverse-number-lookup',
      'dial-rule-configuration',
      'shared-line',
      'extension-mobility',
    ];
    for (const f of features) expect(ids).toContain(`feature.${f}`);
    expect(claims.filter((c) => c.kind === 'unsupported')).toHaveLength(5);
    expect(claims.filter((c) => c.kind === 'calendar-state')).toHaveLength(3);
    expect(claims.filter((c) => /^config\.[a-z]+\.[a-z-]+$/.test(c.id) && c.step).length).toBeGreaterThanOrEqual(22);
    const steps = new Set(claims.map((c) => c.step).filter(Boolean));
    for (const s of ['A1', 'A4', 'B1', 'B11', 'C1', 'C7']) expect(steps).toContain(s);
    const defect = claims.find((c) => c.id === 'known-issue.CSCsy62620');
    expect(defect).toMatchObject({ documented: 'known-issue', defect: 'CSCsy62620', affected: { cucm: { introduced: '7.0(2)', fixedIn: '7.1(2)' } } });
  });

  it('keeps each document in order of its lines', () => {
    const byFile = new Map<string, number>();
    for (const c of claims) {
      const last = byFile.get(c.source.file) ?? 0;
      expect({ id: c.id, line: c.source.line >= last }).toEqual({ id: c.id, line: true });
      byFile.set(c.source.file, c.source.line);
    }
  });

  (haveSeeds ? it : it.skip)(
    haveSeeds
      ? 'cites the line where each statement starts (±1)'
      : `cites the line where each statement starts (±1) — SKIPPED: seeds folder ${seedsDir} not found`,
    () => {
      const cache = new Map<string, string[]>();
      const mismatches: string[] = [];
      for (const c of claims) {
        const file = path.join(seedsDir, path.basename(c.source.file));
        let lines = cache.get(file);
        if (!lines) {
          lines = readFileSync(file, 'utf8').split('\n');
          cache.set(file, lines);
        }
        const i = c.source.line - 1;
        const window = collapse(lines.slice(Math.max(0, i - 1), i + 2).join(' '));
        const prefix = collapse(c.statement).slice(0, 20);
        if (!window.includes(prefix)) mismatches.push(`${c.id}: "${prefix}" not at ${c.source.file}:${c.source.line}`);
      }
      expect(mismatches).toEqual([]);
    },
  );
});
