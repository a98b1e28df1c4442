/** What the matrix's main thread and its cell workers (cell-worker.ts) say to each other. */
import type { Claim } from '../scenario/claim-schema';
import type { ScenarioCell } from '../scenario/expand-axes';
import type { Lab } from '../../simulators';
import type { RuntimeKind } from '../lab/lab-runtime';

/**
 * What a cell that is neither DRIFT nor ERROR leaves on disk (a DRIFT or ERROR cell always leaves its whole
 * folder): everything (the matrix, repro), only its captures (trace.pcap and tls-keys.log, what the scenario
 * tests hand to tshark), or nothing (the tests that read the results alone).
 */
export type EvidenceKept = 'all' | 'captures' | 'none';

/** The planned cells (plain data, structured-cloned into the thread) and where and how to run them. */
export interface WorkerOptions {
  plan: { claims: Claim[]; cells: { cell: ScenarioCell; lab: Lab }[] };
  outDir: string;
  /** Where the cells' evidence folders are written (the run's staging folder). */
  evidenceDir?: string;
  /** What a cell that is neither DRIFT nor ERROR writes there (default: its whole folder). */
  evidence?: EvidenceKept;
  runtime: RuntimeKind;
  seed: number;
  addressPrefix?: string;
}
/**
 * `plan` replaces the thread's plan: the next `run` indexes take the new one's cells (tests run many small plans
 * on one thread), and with `options` where and how they run (a test file taking over a warm thread).
 */
export type ToWorker = { type: 'run'; index: number } | { type: 'plan'; plan: WorkerOptions['plan']; options?: Omit<WorkerOptions, 'plan'> } | { type: 'exit' };
/** `done` carries, for a DRIFT or ERROR cell, the end of its ladder and the broken invariants (what a failing test prints). */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; index: number; result: unknown; lastMessages?: string; leaks?: string[] }
  | { type: 'failed'; index: number; error: string };
