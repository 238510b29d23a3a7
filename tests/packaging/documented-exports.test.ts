import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { PACKAGES, ROOT } from './workspace-packages.js';

/**
 * The API reference (`pnpm docs:api`, TypeDoc) is built from doc comments, from the entries listed
 * in typedoc.json. Those must be exactly the packages' exported entry points, and every name an
 * entry exports must carry a doc comment.
 */
const typedoc = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };

/** Each package's export subpaths as source files: `./backend` built from src/backend.ts. */
function exportedEntries(): string[] {
  return PACKAGES.flatMap((name) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    return Object.values(manifest.exports).flatMap((target) => {
      const built = [...JSON.stringify(target).matchAll(/"\.\/dist\/([\w-]+)\.js"/g)].map((m) => m[1]!);
      return built.map((entry) => `packages/${name}/src/${entry}.ts`);
    });
  });
}

/** `name (file:line)` of each name `entry` exports without a doc comment on its declaration. */
function undocumented(program: ts.Program, entry: string): string[] {
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, entry))!)!;
  return checker.getExportsOfModule(module).flatMap((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.declarations ?? [];
    if (declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0)) return [];
    const d = declarations[0];
    if (!d) return [`${exported.name} (no declaration)`];
    const file = d.getSourceFile();
    return [`${exported.name} (${relative(ROOT, file.fileName)}:${file.getLineAndCharacterOfPosition(d.getStart()).line + 1})`];
  });
}

describe('the API reference', () => {
  it("is built from exactly the packages' entry points", () => {
    expect([...typedoc.entryPoints].sort()).toEqual([...new Set(exportedEntries())].sort());
  });

  it('finds a doc comment on every exported name', () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram(typedoc.entryPoints.map((e) => join(ROOT, e)), config.options);
    const missing = typedoc.entryPoints.flatMap((entry) => undocumented(program, entry).map((name) => `${entry}: ${name}`));
    expect(missing, 'add a /** doc comment */ to each').toEqual([]);
  }, 120_000);
});
