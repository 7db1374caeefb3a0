/**
 * The import rule of the source tree, checked on every test run so it stays true: lower layers never import from
 * higher ones. The layers, lowest first: util → api → runtime → the engine (analysis, rollout, traffic, track,
 * view, cluster, install, demo, ...) → cli. Only the CLI is a shell over everything; nothing imports from it.
 * Nothing in src/ imports from test/ or bench/.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const srcDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(srcDir);

/** What each low layer may import; a folder not listed here is an engine folder: anything but cli. */
const allowed: Record<string, readonly string[]> = {
  util: ['util'],
  api: ['util', 'api'],
  runtime: ['util', 'api', 'runtime'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Relative import specifiers of a file: static imports, re-exports and dynamic import() with a literal. */
export function relativeImports(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) {
    const spec = match[1] ?? match[2];
    if (spec !== undefined) found.push(spec);
  }
  return found;
}

/** The top folder under src/ of a path (`rollout` for src/rollout/plan.ts), `(root)` for src/*.ts, or the path outside src. */
function layerOf(path: string): string {
  const rel = relative(srcDir, path);
  if (rel.startsWith('..')) return relative(root, path).split(/[\\/]/)[0] ?? rel;
  const parts = rel.split(/[\\/]/);
  return parts.length === 1 ? '(root)' : (parts[0] ?? '');
}

export function violation(from: string, to: string): string | undefined {
  if (to === 'test' || to === 'bench') return `src/ must not import from ${to}/`;
  if (from === to) return undefined;
  const rule = allowed[from];
  if (rule !== undefined) return rule.includes(to) ? undefined : `${from}/ may import only from ${rule.join(', ')}`;
  if (to === 'cli' && from !== 'cli') return 'nothing below src/cli imports from src/cli';
  return undefined;
}

describe('import layering', () => {
  it('finds static, re-exported and dynamic relative imports', () => {
    const text = "import { a } from '../cli/x.ts';\nimport type { B } from './b.ts';\nexport * from '../api/c.ts';\nconst m = await import('../d.ts');\nimport pc from 'picocolors';";
    assert.deepEqual(relativeImports(text), ['../cli/x.ts', './b.ts', '../api/c.ts', '../d.ts']);
  });

  it('tells an upward import from an allowed one', () => {
    const cases: [string, string, boolean][] = [
      ['demo', 'cli', false],
      ['cluster', 'cli', false],
      ['cli', 'rollout', true],
      ['rollout', 'runtime', true],
      ['runtime', 'rollout', false],
      ['api', 'runtime', false],
      ['util', 'api', false],
      ['api', 'util', true],
      ['track', 'test', false],
      ['view', 'rollout', true],
    ];
    for (const [from, to, ok] of cases) assert.equal(violation(from, to) === undefined, ok, `${from} -> ${to}`);
  });

  it('holds for every file under src/', () => {
    const problems: string[] = [];
    for (const file of sourceFiles(srcDir)) {
      const from = layerOf(file);
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = resolve(dirname(file), spec);
        const why = violation(from, layerOf(target));
        if (why !== undefined) problems.push(`${relative(root, file)} imports ${spec}: ${why}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
