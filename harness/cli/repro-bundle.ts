import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import type { Claim } from '../scenario/claim-schema';
import type { Results } from '../run/results';
import { runMatrix } from '../run/run-matrix';

/** What a bundle says about itself (manifest.json): enough to run it again and check it. */
export interface BundleManifest {
  bundle: 1;
  id: string;
  seed: number;
  runtime: 'memory' | 'sockets';
  tool: string;
  commit?: string;
  cells: { id: string; verdict: string; releases: Record<string, string>; evidence: string; pcapSha256: string; pcapngSha256: string }[];
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A file name anyone can type: lower case, letters, digits and dashes. */
export function plainName(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'repro';
}

/**
 * One archive a vendor can attach to a defect (`<id>-repro.tar.gz`): the scenarios that ran, the labs and the
 * claims, the seed and releases (manifest.json), every cell's evidence (trace.pcap, trace.pcapng with each packet's step as a comment, tls-keys.log, ladder.md
 * with the text and Mermaid ladders, ladder.html, logs/)
 * and a README saying what the documents claim and what the lab observed. `uc-lab replay` runs it again.
 */
export function writeBundle(o: { id: string; scenariosDir: string; outDir: string; results: Results; claims: ReadonlyMap<string, Claim>; scenarioFiles: string[] }): string {
  const name = `${plainName(o.id)}-repro`;
  const stage = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-bundle-'));
  try {
    const root = path.join(stage, name);
    const scenarios = path.join(root, 'scenarios');
    mkdirSync(scenarios, { recursive: true });
    cpSync(path.join(o.scenariosDir, 'claims.yaml'), path.join(scenarios, 'claims.yaml'));
    cpSync(path.join(o.scenariosDir, 'labs'), path.join(scenarios, 'labs'), { recursive: true });
    for (const file of o.scenarioFiles) {
      const rel = path.relative(o.scenariosDir, file);
      mkdirSync(path.dirname(path.join(scenarios, rel)), { recursive: true });
      cpSync(file, path.join(scenarios, rel));
    }
    for (const cell of o.results.cells) cpSync(path.join(o.outDir, cell.evidence), path.join(root, cell.evidence), { recursive: true });
    const manifest: BundleManifest = {
      bundle: 1,
      id: o.id,
      seed: o.results.run.seed,
      runtime: o.results.run.runtime,
      tool: o.results.run.tool,
      ...(o.results.run.commit ? { commit: o.results.run.commit } : {}),
      cells: o.results.cells.map((c) => ({ id: c.id, verdict: c.verdict, releases: c.releases, evidence: c.evidence, pcapSha256: sha256(path.join(o.outDir, c.evidence, 'trace.pcap')), pcapngSha256: sha256(path.join(o.outDir, c.evidence, 'trace.pcapng')) })),
    };
    writeFileSync(path.join(root, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(path.join(root, 'README.md'), bundleReadme(o.id, o.results, o.claims, name));
    const archive = path.join(o.outDir, `${name}.tar.gz`);
    tar.c({ gzip: true, file: archive, cwd: stage, sync: true, portable: true, noMtime: true }, [name]);
    return archive;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function bundleReadme(id: string, results: Results, claims: ReadonlyMap<string, Claim>, name: string): string {
  const out = [`# Reproduction of ${id}`, '', `Made by ${results.run.tool}${results.run.commit ? ` (commit ${results.run.commit})` : ''} on Node ${results.run.node}, seed ${results.run.seed}, ${results.run.runtime} runtime.`, ''];
  out.push(`Run it again and check the captures are byte-identical: \`npx uc-lab replay ${name}.tar.gz\`.`, '');
  for (const cell of results.cells) {
    out.push(`## ${cell.id}`, '');
    out.push(`Releases: ${Object.entries(cell.releases).map(([k, v]) => `${k} ${v}`).join(', ')}`, '');
    for (const v of cell.claimVerdicts) {
      const claim = claims.get(v.claim);
      const source = claim ? ` (${claim.source.file}, line ${claim.source.line}, ${claim.source.section})` : '';
      out.push(`- **The documents say** (${v.claim}, documented ${v.documented}${claim?.defect ? `, ${claim.defect}` : ''}): "${v.statement}"${source}`);
      out.push(`- **The lab observed:** ${v.verdict} — ${v.held} expectation${v.held === 1 ? '' : 's'} held${v.failedStep ? `; failed at ${v.failedStep}: expected ${v.expected ?? ''}, observed ${v.observed ?? ''}` : ''}`);
    }
    out.push(
      '',
      `Evidence: \`${cell.evidence}trace.pcap\` (Wireshark or tshark; the CTI link decodes with the lab's tools/wireshark/uc-lab-cti.lua), ` +
        `\`${cell.evidence}trace.pcapng\` (the same packets, each with its scenario step as a comment: \`tshark -r trace.pcapng -Y frame.comment -T fields -e frame.comment\`), ` +
        `\`${cell.evidence}ladder.md\` (text and Mermaid), \`${cell.evidence}ladder.html\`, \`${cell.evidence}logs/\`.`,
      '',
    );
  }
  return `${out.join('\n')}\n`;
}

/**
 * `uc-lab replay <bundle>`: unpacks the bundle, runs its cells from its own scenarios with its seed, and compares
 * each new trace.pcap with the bundle's, byte for byte. 0: every capture identical; 1: one differs; 2: bad bundle.
 */
export async function runReplayCommand(bundle: string): Promise<number> {
  if (!existsSync(bundle) || !statSync(bundle).isFile()) {
    process.stderr.write(`uc-lab replay: ${bundle} is not a file (give a <id>-repro.tar.gz made by uc-lab repro)\n`);
    return 2;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uc-lab-replay-'));
  try {
    tar.x({ file: bundle, cwd: dir, sync: true });
    const [root] = readdirSync(dir);
    const manifestFile = root ? path.join(dir, root, 'manifest.json') : '';
    if (!root || !existsSync(manifestFile)) {
      process.stderr.write(`uc-lab replay: ${bundle} holds no manifest.json\n`);
      return 2;
    }
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BundleManifest;
    const out = path.join(dir, 'replayed');
    const results = await runMatrix({ scenariosDir: path.join(dir, root, 'scenarios'), outDir: out, runtime: manifest.runtime, seed: manifest.seed, filter: manifest.cells.map((c) => c.id) });
    let same = true;
    for (const cell of manifest.cells) {
      const now = results.cells.find((c) => c.id === cell.id);
      const identical = (file: string, digest: string): boolean => {
        const replayed = now ? path.join(out, now.evidence, file) : '';
        const bundled = path.join(dir, root, cell.evidence, file);
        return existsSync(replayed) && existsSync(bundled) && sha256(replayed) === digest && sha256(bundled) === digest;
      };
      const captures = [identical('trace.pcap', cell.pcapSha256), identical('trace.pcapng', cell.pcapngSha256)];
      same &&= captures.every(Boolean) && now?.verdict === cell.verdict;
      const word = (ok: boolean): string => (ok ? 'byte-identical' : 'DIFFERS');
      process.stdout.write(`${cell.id}: ${now ? now.verdict : 'did not run'} (bundle: ${cell.verdict}); trace.pcap ${word(captures[0] as boolean)}, trace.pcapng ${word(captures[1] as boolean)}\n`);
    }
    process.stdout.write(same ? 'replay: every capture and verdict is identical\n' : 'replay: the run differs from the bundle\n');
    return same ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
