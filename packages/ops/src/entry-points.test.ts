import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as main from '@hypatia/ops';
import * as backend from '@hypatia/ops/backend';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe("@hypatia/ops's entry points", () => {
  it('the main entry holds the user API and none of what only backends need', () => {
    for (const name of Object.keys(backend)) expect(name in main, `${name} is exported by both entries`).toBe(false);
    for (const name of ['conv2d', 'maxPool2d', 'Conv2d', 'MaxPool2d', 'softmax', 'elementwise', 'RandomStreams']) expect(name in main, name).toBe(true);
  });

  it('the backend entry holds the op table and the shared geometry and index arithmetic', () => {
    for (const name of ['OP_TABLE', 'checkCase', 'compareArrays', 'resolveConvOptions', 'resolvePoolOptions', 'gemm', 'flatOffsets', 'indexOffsets', 'labelColumns']) {
      expect(name in backend, name).toBe(true);
    }
  });

  it('@hypatia/ops/backend is wired everywhere a subpath must be: package exports, the build, tsconfig paths and the test aliases', () => {
    const pkg = JSON.parse(read('packages/ops/package.json')) as { exports: Record<string, unknown> };
    // The subpath is exported as the main entry is: ES module and CommonJS, each with its types.
    expect(pkg.exports['./backend']).toEqual({
      import: { types: './dist/backend.d.ts', default: './dist/backend.js' },
      require: { types: './dist/backend.d.cts', default: './dist/backend.cjs' },
    });
    expect(read('packages/ops/tsup.config.ts')).toMatch(/backend: 'src\/backend\.ts'/);
    expect(read('tsconfig.base.json')).toContain('"@hypatia/ops/backend": ["packages/ops/src/backend.ts"]');
    const vitest = read('vitest.config.ts');
    // The subpath's alias must come first: '@hypatia/ops' would otherwise match it as a prefix.
    expect(vitest.indexOf("'@hypatia/ops/backend'")).toBeGreaterThan(-1);
    expect(vitest.indexOf("'@hypatia/ops/backend'")).toBeLessThan(vitest.indexOf("'@hypatia/ops':"));
  });
});
