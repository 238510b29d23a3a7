import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runInContext, createContext } from 'node:vm';
import type { Plugin } from 'esbuild';
import { bundleForBrowser } from './testing/browser-bundle.js';

// The browser entry as a page's bundler sees it: `@hypatia/backends` resolves to src/browser.ts
// (the `browser` condition of the package's exports), the other packages to their main entries.

const root = fileURLToPath(new URL('../../..', import.meta.url));
const SOURCES: Record<string, string> = {
  '@hypatia/core': 'packages/core/src/index.ts',
  '@hypatia/ops': 'packages/ops/src/index.ts',
  '@hypatia/ops/backend': 'packages/ops/src/backend.ts',
  '@hypatia/backends': 'packages/backends/src/browser.ts',
  '@hypatia/nn': 'packages/nn/src/index.ts',
};
const fromSources: Plugin = {
  name: 'hypatia-sources',
  setup(b) {
    b.onResolve({ filter: /^@hypatia\// }, (args) => (SOURCES[args.path] ? { path: root + SOURCES[args.path] } : undefined));
  },
};

/** A page that compiles two functions on the default backend and leaves what happened on globalThis.outcome. */
const PAGE = `
import { compile, matrix, NDArray } from '@hypatia/core';
import { add, mul } from '@hypatia/ops';
import '@hypatia/backends';
import { Network, FullyConnectedLayer, SoftmaxLayer } from '@hypatia/nn';
const x = matrix('x');
globalThis.outcome = (async () => {
  const f = await compile({ inputs: [x], outputs: mul(add(x, 1), 2) });
  const y = await f(new NDArray('float32', [1, 3], Float32Array.of(0, 1, 2)));
  const g = await compile({ inputs: [x], outputs: add(x, x) });
  await g(new NDArray('float32', [1, 1], Float32Array.of(1)));
  const native = await compile({ inputs: [x], outputs: x, backend: 'native' }).then(() => 'compiled', (e) => e.message);
  return { backend: f.backend, y: Array.from(y.data), native, layers: typeof Network + typeof FullyConnectedLayer + typeof SoftmaxLayer };
})();
`;

/** Runs the bundle in a context with a browser's globals and none of Node's (no process, require or Buffer). */
async function runOnPage(code: string, page: { isSecureContext: boolean }) {
  const warnings: string[] = [];
  const console = { log: () => {}, info: () => {}, warn: (...a: unknown[]) => warnings.push(a.join(' ')), error: (...a: unknown[]) => warnings.push(a.join(' ')) };
  const context = createContext({
    console, setTimeout, clearTimeout, queueMicrotask, TextEncoder, TextDecoder, URL, WebAssembly, performance,
    navigator: { userAgent: 'test page' }, isSecureContext: page.isSecureContext,
  });
  runInContext(code, context);
  const outcome = await (context.outcome as Promise<{ backend: string; y: number[]; native: string; layers: string }>);
  return { ...outcome, warnings };
}

describe('@hypatia/backends in a browser', () => {
  let bundle: Awaited<ReturnType<typeof bundleForBrowser>>;

  it('bundles with core, ops and nn for the browser without a Node built-in', async () => {
    bundle = await bundleForBrowser(PAGE, { resolveDir: root, format: 'iife', plugins: [fromSources] });
    expect(bundle.nodeImports).toEqual([]);
    // The native backend (C compiler, addon loader, disk cache) is not in it.
    expect(bundle.code).not.toContain('NativeBackend');
  }, 60_000);

  it("runs on 'cpu' without WebGPU, saying once in browser terms why WebGPU is not used", async () => {
    const page = await runOnPage(bundle.code, { isSecureContext: true });
    expect(page.y).toEqual([2, 4, 6]);
    expect(page.backend).toBe('wasm');
    expect(page.layers).toBe('functionfunctionfunction');
    // Two functions compiled: one warning why WebGPU is not used, and one why WebAssembly runs on
    // one thread (this page is not cross-origin isolated), each said once.
    expect(page.warnings).toHaveLength(2);
    expect(page.warnings[0]).toContain(`the 'cpu' backend is running the ${page.backend} backend`);
    expect(page.warnings[0]).toContain('this browser does not expose navigator.gpu');
    expect(page.warnings[1]).toMatch(/^hypatia: the wasm backend runs on one thread: /);
    for (const w of page.warnings) expect(w).not.toMatch(/npm|Node|VK_ICD/);
  }, 60_000);

  it('names the secure context when that is what hides WebGPU', async () => {
    const page = await runOnPage(bundle.code, { isSecureContext: false });
    expect(page.y).toEqual([2, 4, 6]);
    expect(page.warnings[0]).toContain('this page is not a secure context');
  }, 60_000);

  it("refuses the 'native' backend, saying it needs Node and what to use instead", async () => {
    const page = await runOnPage(bundle.code, { isSecureContext: true });
    expect(page.native).toMatch(/'native' backend needs Node.*in a browser use 'cpu'/);
  }, 60_000);
});
