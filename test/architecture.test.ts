import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './support/matrix';

// The layering of docs/architecture.md, checked on the import graph (TypeScript's own pre-processor
// reads the imports): harness → simulators/index.ts → nodes → protocols + transport + kernel;
// reports → harness result types; protocol codecs import no node:* module; no import cycles.

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

const files = ['simulators', 'harness', 'reports'].flatMap((d) => sources(path.join(repoRoot, d)));
const rel = (f: string): string => path.relative(repoRoot, f).split(path.sep).join('/');

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const graph = new Map<string, { local: string[]; packages: string[] }>();
for (const file of files) {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const specs = info.importedFiles.map((i) => i.fileName);
  graph.set(rel(file), {
    local: specs.flatMap((s) => {
      const r = resolve(file, s);
      return r ? [rel(r)] : [];
    }),
    packages: specs.filter((s) => !s.startsWith('.')),
  });
}

const violations = (rule: (file: string, imported: string) => boolean): string[] =>
  [...graph].flatMap(([file, { local }]) => local.filter((imported) => rule(file, imported)).map((imported) => `${file} → ${imported}`));

describe('architecture', () => {
  it('reads the import graph of every source file', () => {
    expect(graph.size).toBeGreaterThan(50);
  });

  it('protocol codecs import no node:* module and nothing above protocols and kernel', () => {
    const nodeImports = [...graph].filter(([f, { packages }]) => f.startsWith('simulators/protocols/') && packages.some((p) => p.startsWith('node:')));
    expect(nodeImports.map(([f]) => f)).toEqual([]);
    expect(violations((f, i) => f.startsWith('simulators/protocols/') && !i.startsWith('simulators/protocols/') && !i.startsWith('simulators/kernel/'))).toEqual([]);
  });

  it('a node imports no other node: only its own folder, nodes/shared, the node and surface contracts, the lab, protocols, transport and kernel', () => {
    const folderOf = (f: string): string | undefined => /^simulators\/nodes\/([^/]+)\//.exec(f)?.[1];
    const shared = (i: string): boolean =>
      i.startsWith('simulators/nodes/shared/') ||
      i === 'simulators/nodes/node.ts' ||
      i === 'simulators/nodes/surface.ts' ||
      i.startsWith('simulators/lab/') ||
      i.startsWith('simulators/protocols/') ||
      i.startsWith('simulators/transport/') ||
      i.startsWith('simulators/kernel/');
    expect(violations((f, i) => {
      const own = folderOf(f);
      if (own === undefined || own === 'shared') return false;
      return !shared(i) && folderOf(i) !== own;
    })).toEqual([]);
  });

  it('only the registry puts the node kinds together', () => {
    const kinds = [...graph.keys()].filter((f) => /-kind\.ts$/.test(f));
    expect(kinds.length).toBeGreaterThanOrEqual(6);
    expect(violations((f, i) => kinds.includes(i) && f !== 'simulators/nodes/registry.ts')).toEqual([]);
  });

  it('simulators never import the harness or the reports', () => {
    expect(violations((f, i) => f.startsWith('simulators/') && (i.startsWith('harness/') || i.startsWith('reports/')))).toEqual([]);
  });

  it('the harness and the reports reach simulators only through simulators/index.ts', () => {
    expect(violations((f, i) => !f.startsWith('simulators/') && i.startsWith('simulators/') && i !== 'simulators/index.ts')).toEqual([]);
  });

  it('the reports depend on the harness only for the result types', () => {
    expect(violations((f, i) => f.startsWith('reports/') && i.startsWith('harness/') && i !== 'harness/run/results.ts')).toEqual([]);
  });

  it('has no import cycle', () => {
    // Tarjan's strongly connected components over the file graph.
    let index = 0;
    const indices = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      indices.set(v, index);
      low.set(v, index);
      index++;
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v)?.local ?? []) {
        if (!indices.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
      }
      if (low.get(v) === indices.get(v)) {
        const component: string[] = [];
        let w: string | undefined;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1) cycles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!indices.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });
});

describe('the step executor and the composition root name no product word', () => {
  // Every action, observation and selector comes from the node kinds' declarations, and every host from the lab.
  const { NODE_KINDS } = jest.requireActual<typeof import('../simulators')>('../simulators');
  const lab = jest.requireActual<typeof import('../harness/lab/load-lab')>('../harness/lab/load-lab').loadLabById('seed-lab', path.join(repoRoot, 'scenarios'));
  const words = new Set<string>([
    ...NODE_KINDS.flatMap((k) => [...Object.keys(k.surface?.actions ?? {}), ...Object.keys(k.surface?.observations ?? {}), ...Object.keys(k.surface?.selectors ?? {}), ...Object.keys(k.actorSurfaces ?? {})]),
    ...Object.keys(lab.hosts),
  ]);
  // Words that are also the harness's own vocabulary (a verdict, a matcher mode).
  for (const own of ['error']) words.delete(own);
  const files = ['harness/run/run-cell.ts', 'harness/run/run-matrix.ts', 'harness/lab/lab-runtime.ts', 'harness/scenario/parse-steps.ts', 'harness/scenario/expand-axes.ts'];

  it.each(files)('%s', (file) => {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    const literals = [...text.matchAll(/'([A-Za-z][A-Za-z0-9-]*)'/g)].map((m) => m[1] ?? '');
    expect(literals.filter((l) => words.has(l))).toEqual([]);
  });
});
