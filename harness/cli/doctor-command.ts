import { Chalk, type ChalkInstance } from 'chalk';
import { colourLevel } from './colour';
import { diagnoseLab, type Finding, type FindingSeverity } from '../lab/doctor';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadLabById } from '../lab/load-lab';

export interface DoctorCommandOptions {
  scenarios: string;
}

/** Where the doctor writes; stdout by default, a collector in tests. */
export interface DoctorOutput {
  write(text: string): void;
  isTTY?: boolean;
}

const SEVERITY_WIDTH = 'warning'.length + 1;

/**
 * `uc-lab doctor [lab]`: check a lab file against the seeds' configuration rules and print one line per finding,
 * then a summary. Exit code 1 when there is an error, else 0. A lab file that does not load throws its own
 * LabFileError (file:line:column), which the CLI prints.
 */
export async function runDoctorCommand(labId: string, opts: DoctorCommandOptions, out: DoctorOutput = process.stdout): Promise<number> {
  const lab = loadLabById(labId, opts.scenarios);
  const findings = diagnoseLab(lab);
  const chalk = new Chalk({ level: out === process.stdout ? colourLevel('stdout') : out.isTTY ? 1 : 0 });
  const claimWidth = Math.max(0, ...findings.map((f) => f.claim.length)) + 1;
  const showing = scenariosByClaim(opts.scenarios);
  for (const f of findings) {
    const files = showing.get(f.claim) ?? [];
    out.write(`${formatFinding(f, claimWidth, chalk)}${files.length > 0 ? chalk.dim(` (symptom shown by ${files.join(', ')})`) : ''}\n`);
  }
  out.write(`${summaryLine(lab.id, findings)}\n`);
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

/**
 * The scenario files that list each claim (read from their headers only: cheap, and a file that does not load
 * still names what it is about), relative to the scenarios folder.
 */
function scenariosByClaim(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'labs') walk(full);
        continue;
      }
      if (!name.endsWith('.yaml')) continue;
      let doc: unknown;
      try {
        doc = parse(readFileSync(full, 'utf8'));
      } catch {
        continue;
      }
      const claims = typeof doc === 'object' && doc !== null ? (doc as { claims?: unknown }).claims : undefined;
      if (!Array.isArray(claims)) continue;
      for (const c of claims) if (typeof c === 'string') out.set(c, [...(out.get(c) ?? []), path.relative(dir, full)]);
    }
  };
  walk(dir);
  return out;
}

/** `error   config.cup.acl-incoming-ocs-front-ends  cup.acl.incoming: pool2.uc.lab is missing, …` */
export function formatFinding(f: Finding, claimWidth: number, chalk: ChalkInstance = new Chalk({ level: 0 })): string {
  const colour: Record<FindingSeverity, (s: string) => string> = { error: chalk.red, warning: chalk.yellow, info: chalk.cyan };
  return `${colour[f.severity](f.severity.padEnd(SEVERITY_WIDTH))}${chalk.dim(f.claim.padEnd(claimWidth))} ${chalk.bold(f.path)}: ${f.message}`;
}

/** `seed-lab: 0 errors, 0 warnings, 2 notes` */
export function summaryLine(labId: string, findings: readonly Finding[]): string {
  const count = (s: FindingSeverity): number => findings.filter((f) => f.severity === s).length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${labId}: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}, ${plural(count('info'), 'note')}`;
}
