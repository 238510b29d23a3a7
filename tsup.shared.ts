import type { Options } from 'tsup';

/**
 * How every package builds: ES modules and CommonJS side by side, each with its declarations
 * (`.d.ts` beside `.js`, `.d.cts` beside `.cjs`), so `import` and `require` both resolve through
 * the package's `exports`. Code shared between a package's entries goes into chunks in both
 * formats, so two entries of one package share one copy of its classes and registries.
 */
export function packageBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    splitting: true,
    // `import.meta.url` (nn's MNIST lookup) has a CommonJS equivalent.
    shims: true,
    clean: true,
    target: 'es2022',
    tsconfig: '../../tsconfig.base.json',
  };
}
