import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HypatiaError, Site, vector, withSite } from '@hypatia/core';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** `path:line` of the line of `file` (relative to the repository root) that ends in `// marker`. */
function lineOf(file: string, marker: string): string {
  const lines = readFileSync(`${root}${file}`, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.endsWith(`// ${marker}`));
  expect(i, marker).toBeGreaterThanOrEqual(0);
  return `${file}:${i + 1}`;
}

/** The location a Site reports for a captured stack of this text. */
const locationOf = (stack: string) => new Site(Object.assign(new Error(), { stack })).location;

const topLevel = vector('top'); // module top level
function inFunction() {
  return vector('v'); // in a function
}
async function inAsyncFunction() {
  await new Promise((r) => setTimeout(r, 1));
  return vector('w'); // in an async function
}

describe('creation sites', () => {
  it('name the line of top-level code, a function and an async function under tsx', async () => {
    const fixture = 'packages/core/fixtures/creation-sites.ts';
    const { stdout } = await promisify(execFile)('npx', ['tsx', fixture], { cwd: root });
    const [error, fn, asyncFn] = stdout.trim().split('\n');
    expect(error).toMatch(new RegExp(`^\\(node built at ${lineOf(fixture, 'top-level')}:\\d+\\)$`));
    expect(fn).toMatch(new RegExp(`^${lineOf(fixture, 'in-function')}:\\d+$`));
    expect(asyncFn).toMatch(new RegExp(`^${lineOf(fixture, 'in-async-function')}:\\d+$`));
  });

  it('name the line of top-level code, a function and an async function under vitest', async () => {
    const here = 'packages/core/src/site.test.ts';
    expect(topLevel.site.location).toMatch(new RegExp(`^${lineOf(here, 'module top level')}:\\d+$`));
    expect(inFunction().site.location).toMatch(new RegExp(`^${lineOf(here, 'in a function')}:\\d+$`));
    expect((await inAsyncFunction()).site.location).toMatch(new RegExp(`^${lineOf(here, 'in an async function')}:\\d+$`));
  });

  it('are found whatever stack depth the program allows', () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 1;
    try {
      expect(inFunction().site.location).toMatch(new RegExp(`^${lineOf('packages/core/src/site.test.ts', 'in a function')}:\\d+$`));
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  it('skip the frames of Hypatia built as packages and of the runtime, in the stack formats of node and the browsers', () => {
    const hypatia = [
      '    at captureSite (file:///app/node_modules/@hypatia/core/dist/index.js:10:13)',
      '    at Dot.apply (/repo/packages/core/dist/index.js:100:51)',
      '    at dot (file:///app/node_modules/.pnpm/@hypatia+ops@0.1.0/node_modules/@hypatia/ops/dist/index.js:5:44)',
    ];
    const stack = (...user: string[]) => ['Error', ...hypatia, ...user, '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)'].join('\n');
    // ES module top level in plain node, with an escaped space in its URL.
    expect(locationOf(stack('    at file:///app/my%20scripts/train.mjs:4:7'))).toBe('/app/my scripts/train.mjs:4:7');
    // ES module top level under tsx's loader; CommonJS top level.
    expect(locationOf(stack('    at <anonymous> (/app/train.ts:4:7)'))).toBe('/app/train.ts:4:7');
    expect(locationOf(stack('    at Object.<anonymous> (/app/train.cjs:3:1)'))).toBe('/app/train.cjs:3:1');
    // An async function, after an await; a path with spaces.
    expect(locationOf(stack('    at async main (/home/a user/train.ts:9:3)'))).toBe('/home/a user/train.ts:9:3');
    // eval'd code has no file: the frame that ran the eval does.
    expect(locationOf(stack('    at eval (eval at run (file:///app/x.mjs:1:1), <anonymous>:1:1)', '    at run (file:///app/x.mjs:2:5)'))).toBe('/app/x.mjs:2:5');
    // Under the working directory, relative to it.
    expect(locationOf(stack(`    at main (${process.cwd()}/examples/x.ts:3:4)`))).toBe('examples/x.ts:3:4');
    // Firefox and Safari.
    expect(locationOf(['captureSite@http://localhost:5173/node_modules/.vite/deps/@hypatia_core.js:10:13', 'dot@http://localhost:5173/node_modules/.vite/deps/@hypatia_ops.js:5:44', 'main@http://localhost:5173/src/main.ts:9:3'].join('\n')))
      .toBe('http://localhost:5173/src/main.ts:9:3');
    expect(locationOf(stack())).toBe('<unknown>');
  });

  it('are inherited by what a rewrite builds in place of a node, with the op the user wrote', () => {
    const site = topLevel.site.rewrittenFrom('log');
    const built = withSite(site, () => vector('q'));
    expect(built.site).toBe(site);
    expect(built.site.location).toBe(topLevel.site.location);
    expect(() => withSite(site, () => { throw new Error('rule failed'); })).toThrow('rule failed');
    expect(vector('after').site.location).toMatch(/site\.test\.ts:\d+:\d+$/);
    expect(new HypatiaError('log_softmax', 'at run time: bad', site).message)
      .toBe(`log_softmax: at run time: bad\n  (node built at ${topLevel.site.location} as log, then rewritten)`);
    expect(new HypatiaError('log', 'at run time: bad', site).message).toBe(`log: at run time: bad\n  (node built at ${topLevel.site.location})`);
  });
});
