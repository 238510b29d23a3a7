import { beforeAll, describe, expect, it } from 'vitest';
import { compile, evaluate, type NDArray, type Variable } from '@hypatia/core';
import { OP_TABLE, compareArrays, type OpCase } from '@hypatia/ops';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/**
 * The shared op table on the native backend. Each gcc build costs about a second, so rows are
 * batched: one compiled function computes the outputs of many rows side by side (their graphs
 * are independent), and each row is then checked on its own outputs against the reference.
 */
const BATCH = 16;
const rows = OP_TABLE.filter((c) => !c.skip?.native);
const batches: OpCase[][] = [];
for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));

async function runBatch(cases: readonly OpCase[], rewrites: boolean): Promise<Map<string, string | null>> {
  const built = cases.map((c) => ({ c, ...c.build(), args: c.args() }));
  const expected = built.map((b) => evaluate(b.outputs, new Map(b.inputs.map((v, i) => [v, b.args[i]!]))));
  const inputs: Variable[] = built.flatMap((b) => b.inputs);
  const outputs: Variable[] = built.flatMap((b) => b.outputs);
  const fn = await compile({ inputs, outputs, backend: new NativeBackend(), rewrites, backendOptions: { cacheDir: testCacheDir() } });
  const got = await fn(...built.flatMap((b) => b.args));
  const result = new Map<string, string | null>();
  let k = 0;
  built.forEach((b, r) => {
    let diff: string | null = null;
    b.outputs.forEach((_o, j) => {
      const d = compareArrays(expected[r]![j] as NDArray, got[k++]!, b.c.rtol ?? 1e-4, 1e-5);
      if (d && !diff) diff = `output ${j}: ${d}`;
    });
    result.set(b.c.name, diff);
  });
  return result;
}

/** A batch that throws is rerun row by row, so the failure is reported against the row that caused it. */
async function runIsolating(cases: readonly OpCase[], rewrites: boolean): Promise<Map<string, string | null>> {
  try {
    return await runBatch(cases, rewrites);
  } catch {
    const result = new Map<string, string | null>();
    for (const c of cases) {
      try {
        result.set(c.name, (await runBatch([c], rewrites)).get(c.name)!);
      } catch (e) {
        result.set(c.name, `threw: ${(e as Error).message}`);
      }
    }
    return result;
  }
}

batches.forEach((cases, bi) => {
  describe(`native backend runs the op table (rows ${bi * BATCH}..${bi * BATCH + cases.length - 1})`, () => {
    const results: Record<string, Map<string, string | null>> = {};
    beforeAll(async () => {
      results.on = await runIsolating(cases, true);
      results.off = await runIsolating(cases, false);
    });
    for (const c of cases) {
      it(c.name, () => {
        expect(results.on!.get(c.name)).toBeNull();
        expect(results.off!.get(c.name)).toBeNull();
      });
    }
  });
});
