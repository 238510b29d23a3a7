import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend, LowerSpec, NDArray } from '@hypatia/core';
import '../index.js';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { testCacheDir } from '../native/testing/test-cache-dir.js';
import { fuzzConfigs } from './configs.js';
import { ORACLE, describeMismatch, runDifferential } from './differential.js';
import { generateProgram } from './generate.js';
import { printProgram } from './program.js';

/** The reference backend with a planted bug: the first update of the `at`-th call is off by 0.5 in one element. */
class Skewed implements Backend {
  readonly name = 'skewed';
  constructor(private readonly at: number) {}
  async lower(spec: LowerSpec) {
    const inner = await new ReferenceBackend().lower(spec);
    let calls = 0;
    return {
      kernelCount: inner.kernelCount,
      describe: () => inner.describe(),
      run: async (args: readonly NDArray[]) => {
        const r = await inner.run(args);
        if (++calls === this.at && r.updates.length) {
          const u = (r.updates[0] as NDArray).copy();
          u.data[0] = u.data[0]! + 0.5;
          r.updates[0] = u;
        }
        return r;
      },
    };
  }
}

/** The first seed whose program is an MLP trained by one function with no sets from outside. */
const plainMlp = Array.from({ length: 200 }, (_, s) => generateProgram(s)).find((p) => p.family === 'mlp' && p.functions.length === 1 && p.events.every((e) => 'call' in e))!;

describe('the differential fuzzer', () => {
  it('a seed names one program', () => {
    expect(JSON.stringify(generateProgram(1234))).toBe(JSON.stringify(generateProgram(1234)));
    expect(JSON.stringify(generateProgram(1234))).not.toBe(JSON.stringify(generateProgram(1235)));
  });

  it('draws every family and both float dtypes, with equal layer widths, several updates, repeated indices and random streams among the first seeds', () => {
    const programs = Array.from({ length: 40 }, (_, s) => generateProgram(s));
    expect(new Set(programs.map((p) => p.family))).toEqual(new Set(['mlp', 'conv', 'dag']));
    expect(new Set(programs.map((p) => p.dtype))).toEqual(new Set(['float32', 'float64']));
    const fns = programs.flatMap((p) => p.stmts.map((s) => s.fn));
    for (const f of ['binomial', 'take', 'advancedIncSubtensor', 'sliceAxis', 'conv2d', 'maxPool2d', 'avgPool2d', 'softmax', 'grad']) expect(fns).toContain(f);
    expect(programs.some((p) => p.functions[0]!.updates.length >= 3)).toBe(true);
    expect(programs.some((p) => p.functions.length > 1)).toBe(true);
    expect(programs.some((p) => p.events.some((e) => 'set' in e))).toBe(true);
  });

  it('draws loop programs (scan) only when asked for, covering until, goBackwards, two taps, fewer steps, a random stream inside and the gradient, full and truncated', () => {
    expect(Array.from({ length: 40 }, (_, s) => generateProgram(s).family)).not.toContain('scan');
    const programs = Array.from({ length: 40 }, (_, s) => generateProgram(s, { family: 'scan' }));
    const specs = programs.flatMap((p) => p.stmts.filter((s) => s.fn === 'scan').map((s) => JSON.stringify(s.args)));
    expect(specs).toHaveLength(40);
    for (const feature of ['"until"', '"goBackwards"', '"taps"', '"nSteps"', '"truncateGradient"', '"nonSequences"', '"on":"srng']) {
      expect(specs.some((s) => s.includes(feature)), feature).toBe(true);
    }
    expect(programs.filter((p) => p.stmts.some((s) => s.fn === 'grad')).length).toBeGreaterThan(10);
  });

  it('prints a loop program with its step as a function, and the script runs', () => {
    const p = generateProgram(15, { family: 'scan' });
    const script = printProgram(p, { name: 'reference', compile: { backend: 'reference' } }, ORACLE.compile);
    expect(script).toMatch(/= scan\(\{ fn: \(x\d+, hPrev\d+[^)]*\) => \{ const s\d+ = dot\(/);
    const dir = mkdtempSync(join(process.cwd(), 'examples', '.fuzz-'));
    try {
      writeFileSync(join(dir, 'repro.ts'), script);
      const lines = execFileSync('npx', ['tsx', join(dir, 'repro.ts')], { encoding: 'utf8' }).trim().split('\n');
      const first = (who: string) => lines.find((l) => l.startsWith(`${who} event 0 outputs`))!.split('outputs')[1];
      expect(first('reference')).toBe(first('oracle'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('finds a backend that gets one update wrong on its second call, and says which call and which variable', async () => {
    const m = await runDifferential(plainMlp, [{ name: 'skewed', compile: { backend: new Skewed(2) } }]);
    expect(m).not.toBeNull();
    expect(m!.event).toBe(1);
    expect(m!.detail).toMatch(/^shared \w+: element 0 is /);
    expect(describeMismatch(m!)).toMatch(new RegExp(`fuzz seed ${plainMlp.seed}: skewed disagrees with the oracle after event 1`));
    expect(await runDifferential(plainMlp, [{ name: 'reference', compile: { backend: new ReferenceBackend() } }])).toBeNull();
  });

  it('prints a program as a script that runs it on the oracle and a backend', () => {
    const [, native] = fuzzConfigs({ webgpu: false, cacheDir: testCacheDir() });
    const script = printProgram(plainMlp, native!, ORACLE.compile);
    // Inside the repository, so '@hypatia/*' resolve as in a user's script.
    const dir = mkdtempSync(join(process.cwd(), 'examples', '.fuzz-'));
    try {
      writeFileSync(join(dir, 'repro.ts'), script);
      const out = execFileSync('npx', ['tsx', join(dir, 'repro.ts')], { encoding: 'utf8' });
      const lines = out.trim().split('\n');
      const last = plainMlp.events.length - 1;
      expect(lines.some((l) => l.startsWith(`oracle event ${last} outputs`))).toBe(true);
      expect(lines.some((l) => l.startsWith(`native event ${last} outputs`))).toBe(true);
      // Both sides print the same cost after the first call.
      const first = (who: string) => lines.find((l) => l.startsWith(`${who} event 0 outputs`))!.split('outputs')[1]!.slice(0, 12);
      expect(first('native')).toBe(first('oracle'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
