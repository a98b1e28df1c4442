import { Chalk, type ChalkInstance } from 'chalk';
import { diagnoseLab, type Finding, type FindingSeverity } from '../lab/doctor';
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
  const chalk = new Chalk({ level: out.isTTY ? 1 : 0 });
  const claimWidth = Math.max(0, ...findings.map((f) => f.claim.length)) + 1;
  for (const f of findings) out.write(`${formatFinding(f, claimWidth, chalk)}\n`);
  out.write(`${summaryLine(lab.id, findings)}\n`);
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
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
