import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Core stands alone: its sources and its own tests import nothing from the packages built on it,
// so `vitest run packages/core` tests core by itself. Tests of core's machinery that need real ops
// and backends live in tests/integration/core.

const coreRoot = fileURLToPath(new URL('..', import.meta.url));
const src = join(coreRoot, 'src');

/**
 * Every module specifier in `text`, in order: `import`/`export ... from` and side-effect imports
 * (statements, so at the start of a line) and `import()` anywhere.
 */
function specifiers(text: string): string[] {
  const statement = /^\s*(?:(?:import|export)\b[^;]*?\bfrom\s*|import\s*)(['"])([^'"]+)\1/gm;
  const dynamic = /\bimport\(\s*(['"])([^'"]+)\1\s*\)/g;
  return [...text.matchAll(statement), ...text.matchAll(dynamic)].sort((a, b) => a.index! - b.index!).map((m) => m[2]!);
}

/** Why `spec`, imported by `file`, reaches outside core, or null. */
function outsideCore(file: string, spec: string): string | null {
  if (/^@hypatia\/(?!core$)/.test(spec)) return spec;
  if (spec.startsWith('.') && relative(coreRoot, resolve(dirname(file), spec)).startsWith('..')) return spec;
  return null;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('core stands alone', () => {
  it('finds every kind of import, and no import in a message', () => {
    const text = [
      "import { add } from '@hypatia/ops';",
      "import '@hypatia/backends';",
      'export * from "@hypatia/nn/node";',
      "import {\n  a,\n  b,\n} from '../../../ops/src/index.js';",
      "const m = await import('../../../backends/src/index.js');",
      "import type { X } from './x.js';",
      "throw new Error(`import '@hypatia/backends' once`);",
    ].join('\n');
    const file = join(src, 'rewrite', 'example.ts');
    const found = specifiers(text);
    expect(found).toEqual(['@hypatia/ops', '@hypatia/backends', '@hypatia/nn/node', '../../../ops/src/index.js', '../../../backends/src/index.js', './x.js']);
    expect(found.map((s) => outsideCore(file, s))).toEqual([...found.slice(0, 5), null]);
  });

  it('no source or test file of core imports ops, backends, nn or any file outside core', () => {
    const files = tsFiles(src).filter((f) => f !== fileURLToPath(import.meta.url));
    expect(files.some((f) => f.endsWith('.test.ts'))).toBe(true);
    const offenders = files.flatMap((f) => specifiers(readFileSync(f, 'utf8'))
      .map((s) => outsideCore(f, s))
      .filter((s): s is string => s !== null)
      .map((s) => `${relative(coreRoot, f)} imports ${s}`));
    expect(offenders).toEqual([]);
  });
});
