import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources, so no build is needed between an edit and a test run.
export default defineConfig({
  resolve: {
    alias: {
      '@hypatia/core': src('core'),
      // Listed before '@hypatia/ops', which would otherwise match it as a prefix.
      '@hypatia/ops/backend': fileURLToPath(new URL('./packages/ops/src/backend.ts', import.meta.url)),
      '@hypatia/ops': src('ops'),
      '@hypatia/backends': src('backends'),
      // Listed before '@hypatia/nn', which would otherwise match it as a prefix.
      '@hypatia/nn/node': fileURLToPath(new URL('./packages/nn/src/node.ts', import.meta.url)),
      '@hypatia/nn': src('nn'),
    },
  },
  test: {
    // tests/integration: tests of one package's machinery that need the others (core's with ops and backends).
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
