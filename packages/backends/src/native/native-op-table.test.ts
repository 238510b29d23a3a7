import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '@hypatia/core';
import { Op, compile, evaluate, type NDArray, type Variable } from '@hypatia/core';
import * as ops from '@hypatia/ops';
import * as opsBackend from '@hypatia/ops/backend';
import { OP_TABLE, compareArrays, type OpCase } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/**
 * The shared op table on the native backend. Each gcc build costs about a second, so rows are
 * batched: one compiled function computes the outputs of many rows side by side (their graphs
 * are independent), and each row is then checked on its own outputs against the reference.
 * Every built-in op must run compiled: a host op (its JS `perform` between native steps) is a
 * failure, naming the op.
 */
const BATCH = 16;
const rows = OP_TABLE.filter((c) => !c.skip?.native);
const batches: OpCase[][] = [];
for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));

/** The op classes @hypatia/core, @hypatia/ops and @hypatia/ops/backend (Scan, IfElse) export: the built-in ops. */
const BUILT_IN = new Set<Function>(
  [core, ops, opsBackend].flatMap((m) => Object.values(m as Record<string, unknown>)).filter((v): v is Function => typeof v === 'function' && v.prototype instanceof Op),
);

/** What one batch's compiled function ran: each row's disagreement (or null), and the built-in ops it ran as host ops. */
interface BatchResult { diffs: Map<string, string | null>; hostOps: string[] }

async function runBatch(cases: readonly OpCase[], rewrites: boolean): Promise<BatchResult> {
  const built = cases.map((c) => ({ c, ...c.build(), args: c.args() }));
  const expected = built.map((b) => evaluate(b.outputs, new Map(b.inputs.map((v, i) => [v, b.args[i]!]))));
  const inputs: Variable[] = built.flatMap((b) => b.inputs);
  const outputs: Variable[] = built.flatMap((b) => b.outputs);
  const fn = await compile({ inputs, outputs, backend: new NativeBackend(), rewrites, backendOptions: { cacheDir: testCacheDir() } });
  const builtInNames = new Set(fn.graph.nodes.filter((n) => BUILT_IN.has(n.op.constructor)).map((n) => n.op.name));
  const hostOps = (fn.executable.hostOps ?? []).filter((name) => builtInNames.has(name));
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
  return { diffs: result, hostOps };
}

/** A batch that throws is rerun row by row, so the failure is reported against the row that caused it. */
async function runIsolating(cases: readonly OpCase[], rewrites: boolean): Promise<BatchResult> {
  try {
    return await runBatch(cases, rewrites);
  } catch {
    const result: BatchResult = { diffs: new Map(), hostOps: [] };
    for (const c of cases) {
      try {
        const one = await runBatch([c], rewrites);
        result.diffs.set(c.name, one.diffs.get(c.name)!);
        result.hostOps.push(...one.hostOps.filter((name) => !result.hostOps.includes(name)));
      } catch (e) {
        result.diffs.set(c.name, `threw: ${(e as Error).message}`);
      }
    }
    return result;
  }
}

batches.forEach((cases, bi) => {
  describe(`native backend runs the op table (rows ${bi * BATCH}..${bi * BATCH + cases.length - 1})`, () => {
    const results: Record<'on' | 'off', BatchResult> = {} as never;
    beforeAll(async () => {
      results.on = await runIsolating(cases, true);
      results.off = await runIsolating(cases, false);
    });
    for (const c of cases) {
      it(c.name, () => {
        expect(results.on.diffs.get(c.name)).toBeNull();
        expect(results.off.diffs.get(c.name)).toBeNull();
      });
    }
    it('runs every built-in op compiled, none as a host op (JS perform)', () => {
      for (const [rewrites, r] of Object.entries(results)) {
        expect(r.hostOps, `built-in ops that ran as host ops on the native backend (rewrites ${rewrites})`).toEqual([]);
      }
    });
  });
});
