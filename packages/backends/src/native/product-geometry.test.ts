import { describe, expect, it } from 'vitest';
import { HypatiaError, NDArray, compile, shared, tensor, vector } from '@hypatia/core';
import { add, dot, matmul, mul, sigmoid, sum, transpose } from '@hypatia/ops';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { WasmBackend } from '../wasm/wasm-backend.js';
import { NativeBackend } from './native-backend.js';
import { forEachBatch, productGeometry } from './product-geometry.js';
import { testCacheDir } from './testing/test-cache-dir.js';

describe('productGeometry', () => {
  it("a dot's vectors are 1-row and 1-column matrices and its transposes strides; a matmul's batch broadcasts by stride 0", () => {
    const m = tensor('float32', [null, null], 'm');
    const v = vector('v');
    const vm = dot(v, m).owner!;
    expect(productGeometry(vm, vm.op as never, [3], [3, 4])).toEqual({ A: { rows: 1, cols: 3, rs: 0, cs: 1 }, B: { rows: 3, cols: 4, rs: 4, cs: 1 }, shape: [4], batch: [], sa: [], sb: [] });
    const mt = dot(transpose(m), v).owner!;
    expect(productGeometry(mt, mt.op as never, [3, 4], [3])).toMatchObject({ A: { rows: 4, cols: 3, rs: 1, cs: 4 }, B: { rows: 3, cols: 1, rs: 1, cs: 0 }, shape: [4] });
    const a = tensor('float32', [null, 1, null, null], 'a');
    const b = tensor('float32', [null, null, null], 'b');
    const mm = matmul(a, b).owner!;
    const g = productGeometry(mm, mm.op as never, [2, 1, 3, 4], [5, 4, 6]);
    expect(g).toMatchObject({ shape: [2, 5, 3, 6], batch: [2, 5], sa: [12, 0], sb: [0, 24] });
    const visits: number[][] = [];
    forEachBatch(g.batch, g.sa, g.sb, (t, oa, ob) => visits.push([t, oa, ob]));
    expect(visits).toEqual([0, 1].flatMap((i) => [0, 1, 2, 3, 4].map((j) => [i * 5 + j, i * 12, j * 24])));
  });

  it('mismatched inner dimensions and a length-1 batch axis its type does not declare are the reference errors, on native and wasm', async () => {
    const m = tensor('float64', [null, null], 'm');
    const v = tensor('float64', [null], 'v');
    const a = tensor('float64', [null, null, null], 'a');
    const b = tensor('float64', [null, null, null], 'b');
    const zeros = (...shape: number[]) => NDArray.zeros('float64', shape);
    for (const options of [{ backend: new ReferenceBackend() }, { backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } }, { backend: new WasmBackend() }]) {
      const d = await compile({ inputs: [m, v], outputs: [dot(m, v)], ...options });
      await expect(d(zeros(2, 3), zeros(4))).rejects.toThrow(/dot: at run time, inner dimensions do not match: \[2, 3\] · \[4\] \(3 vs 4\)/);
      const mm = await compile({ inputs: [a, b], outputs: [matmul(a, b)], ...options });
      expect((await mm(zeros(2, 3, 4), zeros(2, 4, 5)))[0]!.shape).toEqual([2, 3, 5]);
      await expect(mm(zeros(1, 3, 4), zeros(2, 4, 5))).rejects.toThrow(/matmul: at run time operand 0 has length 1 on batch axis 0 where the result has 2, but its type .* does not declare that axis broadcastable/);
    }
  });

  it('a matmul fused with its elementwise epilogue raises the same error for a length-1 batch axis its type does not declare, and updates nothing', async () => {
    const a = tensor('float64', [null, null, null], 'a');
    const b = tensor('float64', [null, null, null], 'b');
    const product = matmul(a, b);
    const y = sigmoid(mul(product, 2));
    const total = shared(NDArray.zeros('float64', []), 'total');
    const zeros = (...shape: number[]) => NDArray.zeros('float64', shape);
    const failure = async (p: Promise<unknown>) => (await p.then(() => null, (e: unknown) => e)) as HypatiaError;
    const want = await failure((await compile({ inputs: [a, b], outputs: [y], backend: new ReferenceBackend(), rewrites: false }))(zeros(1, 3, 4), zeros(2, 4, 5)));
    expect(want).toBeInstanceOf(HypatiaError);
    expect(want.message).toMatch(/^matmul: at run time operand 0 has length 1 on batch axis 0 where the result has 2, but its type .* does not declare that axis broadcastable/);
    expect(want.site?.location).toBe(product.owner!.site.location);
    for (const options of [{ backend: new ReferenceBackend() }, { backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } }, { backend: new WasmBackend() }]) {
      total.set(zeros());
      const f = await compile({ inputs: [a, b], outputs: [y], updates: [[total, add(total, sum(y))]], ...options });
      expect(f.graph.nodes.map((n) => n.op.name)).toContain('product_epilogue');
      if (options.backend instanceof NativeBackend) expect(f.executable.describe()).toMatch(/native \S+ product_epilogue/);
      // Failing on the first call, and after a good one (native and wasm then replay a plan).
      const first = await failure(f(zeros(1, 3, 4), zeros(2, 4, 5)));
      expect((await f(zeros(2, 3, 4), zeros(2, 4, 5)))[0]!.shape).toEqual([2, 3, 5]);
      const before = total.get().data[0];
      const again = await failure(f(zeros(1, 3, 4), zeros(2, 4, 5)));
      for (const got of [first, again]) {
        expect(got, options.backend.constructor.name).toBeInstanceOf(HypatiaError);
        expect(got.message).toBe(want.message);
      }
      expect(total.get().data[0]).toBe(before);
      // One good call: every element of y is sigmoid(0).
      expect(before).toBe(2 * 3 * 5 * 0.5);
    }
  });
});
