import { afterAll, describe, expect, it } from 'vitest';
import { compile, HypatiaError, matrix, NDArray, shared, toposort, type Variable } from '@hypatia/core';
import {
  AdvancedIncSubtensor, AdvancedSubtensor, CategoricalCrossentropyGrad, CategoricalCrossentropyWithLabels, LastWriteMask,
  SoftmaxCrossentropyGrad, SoftmaxCrossentropyWithLabels, mul, softmaxCrossentropyWithLabels, sub, sum, take,
} from '@hypatia/ops';
import { OP_TABLE, type OpCase } from '@hypatia/ops/backend';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';

/** Ops whose kernels check indices or labels (the coverage test below asks for each). */
const CHECKED = [AdvancedSubtensor, AdvancedIncSubtensor, LastWriteMask, SoftmaxCrossentropyWithLabels, SoftmaxCrossentropyGrad, CategoricalCrossentropyWithLabels, CategoricalCrossentropyGrad];

/** Whether some node of the graph runs kernels with run-time checks. */
const checks = (c: OpCase) => toposort(c.build().outputs).some((n) => n.op.kernels?.(n)?.kernels.some((k) => k.body.some((s) => s.k === 'check')));

/**
 * Op-table rows whose graph runs checked kernels and that take an int32 index argument to corrupt
 * (rows with constant indices take none), with the corrupted arguments and the reference's error.
 */
const rows: { c: OpCase; k: Corrupted }[] = [];
for (const c of OP_TABLE) {
  if (c.skip?.webgpu || !checks(c)) continue;
  const k = await corrupt(c);
  if (k) rows.push({ c, k });
}

function holds(c: OpCase, cls: (typeof CHECKED)[number]): boolean {
  return toposort(c.build().outputs).some((n) => n.op instanceof cls);
}

interface Corrupted { inputs: Variable[]; outputs: Variable[]; args: NDArray[]; bad: number; want: HypatiaError }

/**
 * The case's arguments with one int32 argument made out of range for any axis (1000 at position
 * 1): the first whose corruption the reference backend refuses (an int32 argument may be data);
 * null when there is none.
 */
async function corrupt(c: OpCase): Promise<Corrupted | null> {
  const { inputs, outputs } = c.build();
  const reference = await compile({ inputs, outputs, backend: 'reference' });
  for (let bad = 0; bad < inputs.length; bad++) {
    const args = c.args();
    if (inputs[bad]!.dtype !== 'int32' || args[bad]!.size < 2) continue;
    const data = Int32Array.from(args[bad]!.data);
    data[1] = 1000;
    args[bad] = new NDArray('int32', [...args[bad]!.shape], data);
    const want = await reference(...args).then(() => null, (e: unknown) => e);
    if (want instanceof HypatiaError) return { inputs, outputs, args, bad, want };
  }
  return null;
}

async function failure(p: Promise<unknown>): Promise<HypatiaError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e, String((e as Error | null)?.stack)).toBeInstanceOf(HypatiaError);
  return e as HypatiaError;
}

describe.runIf(gpuAvailable)('webgpu out-of-range indices', () => {
  afterAll(releaseDevice);

  it('finds rows with int32 arguments for gathers, scatters and both label losses', () => {
    for (const cls of [AdvancedSubtensor, AdvancedIncSubtensor, SoftmaxCrossentropyWithLabels, CategoricalCrossentropyWithLabels]) {
      expect(rows.some(({ c }) => holds(c, cls)), cls.name).toBe(true);
    }
  });

  for (const { c, k } of rows) {
    it(`op table: ${c.name} with an index out of range raises the reference error, on the host and on the GPU`, async () => {
      const want = k.want;
      // Indices passed as arguments are known on the host: checked before anything is encoded.
      const host = await failure((await compile({ inputs: k.inputs, outputs: k.outputs, backend: 'webgpu' }))(...k.args));
      // (A node a rewrite built carries the compile() call's line, so sites are compared by presence.)
      // Indices a fused producer computes from the arguments (labels inlined into a loss gradient)
      // exist only on the GPU, so the GPU's check finds them and the call says nothing changed.
      expect([host.op, !!host.site]).toEqual([want.op, !!want.site]);
      const foundOnGpu = `${want.detail}; no shared variable was changed`;
      expect(c.name.startsWith('fused/') ? [want.detail, foundOnGpu] : [want.detail]).toContain(host.detail);
      // The same indices in a shared variable live on the GPU: the check kernel finds them.
      const others = k.inputs.filter((_, i) => i !== k.bad);
      const onGpu = shared(k.args[k.bad]!, 'indices');
      const g = await compile({ inputs: others, outputs: k.outputs, givens: [[k.inputs[k.bad]!, onGpu]], backend: 'webgpu' });
      const gpu = await failure(g(...k.args.filter((_, i) => i !== k.bad)));
      expect([gpu.op, !!gpu.site]).toEqual([want.op, !!want.site]);
      expect(gpu.detail).toBe(`${want.detail}; no shared variable was changed`);
    });
  }

  it('a call that reads nothing back raises at the next call, which changes nothing; every-call raises in the call itself', async () => {
    const x = matrix('x');
    const rows = shared(NDArray.from([0, 2, 7], 'int32'), 'rows');
    const build = async (indexChecks?: string) => {
      const w = shared(NDArray.from([[1, 2], [3, 4], [5, 6]], 'float32'), 'w');
      const cost = sum(mul(take(w, rows, 0), x));
      const f = await compile({ inputs: [x], outputs: [cost], updates: [[w, sub(w, 1)]], backend: 'webgpu', name: 'step', backendOptions: indexChecks ? { indexChecks } : {} });
      return { w, f };
    };
    const xs = NDArray.from([[1, 1], [1, 1], [1, 1]], 'float32');
    const { w, f } = await build();
    await f.run([xs], { readOutputs: false });
    // The first call's updates were applied before its flags came back (the documented cost of not waiting).
    expect(Array.from((await w.getAsync()).data)).toEqual([0, 1, 2, 3, 4, 5]);
    const e = await failure(f.run([xs], { readOutputs: false }));
    expect(e.message).toMatch(/advanced_subtensor: index 7 is out of bounds for axis 0 with size 3 \(index array 0, position 2\) \(found on the GPU in call 1 of 'step', which read no output back/);
    expect(Array.from((await w.getAsync()).data)).toEqual([0, 1, 2, 3, 4, 5]);

    const strict = await build('every-call');
    const e2 = await failure(strict.f.run([xs], { readOutputs: false }));
    expect(e2.message).toMatch(/index 7 is out of bounds for axis 0 with size 3 .*; no shared variable was changed/);
    expect(Array.from((await strict.w.getAsync()).data)).toEqual([1, 2, 3, 4, 5, 6]);
    rows.set(NDArray.from([0, 2, 1], 'int32'));
    await strict.f.run([xs], { readOutputs: false });
    expect(Array.from((await strict.w.getAsync()).data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('labels of a GPU-resident dataset are checked too, and good labels run unchanged', async () => {
    const z = matrix('z');
    const labels = shared(NDArray.from([0, 1, 3, 2], 'int32'), 'labels');
    const f = await compile({ inputs: [z], outputs: [softmaxCrossentropyWithLabels(z, labels)], backend: 'webgpu' });
    const zs = NDArray.from([[1, 2, 3], [1, 0, 0], [0, 0, 1], [2, 2, 2]], 'float32');
    expect((await failure(f(zs))).message).toMatch(/softmax_crossentropy_with_labels: label 3 at row 2 is out of range for 3 classes; no shared variable was changed/);
    labels.set(NDArray.from([0, 1, -1, 2], 'int32'));
    const [gpu] = await f(zs);
    const [cpu] = await (await compile({ inputs: [z], outputs: [softmaxCrossentropyWithLabels(z, labels)], backend: 'reference' }))(zs);
    Array.from(gpu!.data).forEach((v, i) => expect(v).toBeCloseTo(cpu!.data[i]!, 5));
  });
});
