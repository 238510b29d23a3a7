import { beforeAll, describe, expect, it } from 'vitest';
import * as core from '@hypatia/core';
import { Op, compile, evaluate, type NDArray, type Variable } from '@hypatia/core';
import * as ops from '@hypatia/ops';
import * as opsBackend from '@hypatia/ops/backend';
import { OP_TABLE, compareArrays, type OpCase } from '@hypatia/ops/backend';
import { WasmBackend } from './wasm-backend.js';
import { linearMemory } from './linear-memory.js';
import { threadPoolFor } from './wasm-threads.js';

/**
 * The shared op table on the wasm backend, batched as on native (one compiled function computes
 * many rows' outputs side by side), each row checked on its own outputs against the reference,
 * with and without rewrites. Every call is made twice, so the second replays the first's plan.
 * Every built-in op must run compiled: a host op (its JS `perform`) is a failure, naming the op.
 * A third run shares every launch it can between two threads (HYPATIA_WASM_PAR_MIN=1).
 */
const BATCH = 16;
const rows = OP_TABLE.filter((c) => !c.skip?.wasm);
const batches: OpCase[][] = [];
for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));

const BUILT_IN = new Set<Function>(
  [core, ops, opsBackend].flatMap((m) => Object.values(m as Record<string, unknown>)).filter((v): v is Function => typeof v === 'function' && v.prototype instanceof Op),
);

interface BatchResult { diffs: Map<string, string | null>; hostOps: string[]; replayed: boolean }

/** Runs `f` (a compile) with every launch that can be shared split between threads. */
async function sharingAll<T>(f: () => Promise<T>): Promise<T> {
  const before = process.env.HYPATIA_WASM_PAR_MIN;
  process.env.HYPATIA_WASM_PAR_MIN = '1';
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.HYPATIA_WASM_PAR_MIN;
    else process.env.HYPATIA_WASM_PAR_MIN = before;
  }
}

async function runBatch(cases: readonly OpCase[], rewrites: boolean, threads = false): Promise<BatchResult> {
  const built = cases.map((c) => ({ c, ...c.build(), args: c.args() }));
  // Random rows advance their state each call: the expected values are computed from the state before each call.
  const expectedNow = () => built.map((b) => evaluate(b.outputs, new Map(b.inputs.map((v, i) => [v, b.args[i]!]))));
  const inputs: Variable[] = built.flatMap((b) => b.inputs);
  const outputs: Variable[] = built.flatMap((b) => b.outputs);
  const fn = threads
    ? await sharingAll(() => compile({ inputs, outputs, backend: new WasmBackend(), rewrites, backendOptions: { threads: 2 } }))
    : await compile({ inputs, outputs, backend: new WasmBackend(), rewrites });
  const builtInNames = new Set(fn.graph.nodes.filter((n) => BUILT_IN.has(n.op.constructor)).map((n) => n.op.name));
  const hostOps = (fn.executable.hostOps ?? []).filter((name) => builtInNames.has(name));
  const args = built.flatMap((b) => b.args);
  const result = new Map<string, string | null>();
  for (let call = 0; call < 2; call++) {
    const expected = expectedNow();
    const got = await fn(...args);
    let k = 0;
    built.forEach((b, r) => {
      let diff: string | null = result.get(b.c.name) ?? null;
      b.outputs.forEach((_o, j) => {
        const d = compareArrays(expected[r]![j] as NDArray, got[k++]!, b.c.rtol ?? 1e-4, 1e-5);
        if (d && !diff) diff = `output ${j}: ${d}`;
      });
      result.set(b.c.name, diff);
    });
  }
  const stats = (fn.executable as unknown as { stats: { replayed: number } }).stats;
  return { diffs: result, hostOps, replayed: stats.replayed === 1 };
}

/** A batch that throws is rerun row by row, so the failure is reported against the row that caused it. */
async function runIsolating(cases: readonly OpCase[], rewrites: boolean, threads = false): Promise<BatchResult> {
  try {
    return await runBatch(cases, rewrites, threads);
  } catch {
    const result: BatchResult = { diffs: new Map(), hostOps: [], replayed: true };
    for (const c of cases) {
      try {
        const one = await runBatch([c], rewrites, threads);
        result.diffs.set(c.name, one.diffs.get(c.name)!);
        result.hostOps.push(...one.hostOps.filter((name) => !result.hostOps.includes(name)));
        result.replayed &&= one.replayed;
      } catch (e) {
        result.diffs.set(c.name, `threw: ${(e as Error).message}`);
      }
    }
    return result;
  }
}

batches.forEach((cases, bi) => {
  describe(`wasm backend runs the op table (rows ${bi * BATCH}..${bi * BATCH + cases.length - 1})`, () => {
    const results: Record<'on' | 'off' | 'threads', BatchResult> = {} as never;
    beforeAll(async () => {
      results.on = await runIsolating(cases, true);
      results.off = await runIsolating(cases, false);
      results.threads = await runIsolating(cases, true, true);
    });
    for (const c of cases) {
      it(c.name, () => {
        expect(results.on.diffs.get(c.name)).toBeNull();
        expect(results.off.diffs.get(c.name)).toBeNull();
        expect(results.threads.diffs.get(c.name), 'with launches shared between two threads').toBeNull();
      });
    }
    it('runs every built-in op compiled, none as a host op (JS perform)', () => {
      for (const [rewrites, r] of Object.entries(results)) {
        expect(r.hostOps, `built-in ops that ran as host ops on the wasm backend (rewrites ${rewrites})`).toEqual([]);
      }
    });
    it('replays the second call of every batch in one call into its module', () => {
      expect(results.on.replayed && results.off.replayed && results.threads.replayed).toBe(true);
    });
  });
});

describe('wasm backend op table with threads', () => {
  it('shared launches between the threads', async () => {
    const pool = await threadPoolFor(linearMemory(), 2);
    expect(pool?.forks).toBeGreaterThan(100);
  });
});
