import { afterAll, describe, expect, it } from 'vitest';
import {
  HypatiaError, I, KernelBuilder, NDArray, Op, TensorType, compile, matrix, shared, ivector,
  type Apply, type KernelProgram,
} from '@hypatia/core';
import { add, sub, sum } from '@hypatia/ops';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';

/**
 * The generic IR step on an op the backend knows nothing about: rows of a float32 matrix picked by
 * an int32 index vector, with a bounds check in its kernel. Its error comes from its perform.
 */
class PickRows extends Op {
  readonly name = 'pick_rows';
  inferTypes([x, idx]: readonly TensorType[]): TensorType[] {
    return [new TensorType(x!.dtype, [idx!.shape[0]!, x!.shape[1]!])];
  }
  perform([x, idx]: readonly NDArray[], node: Apply): NDArray[] {
    const [rows, cols] = x!.shape as [number, number];
    const out = new Float32Array(idx!.size * cols);
    idx!.data.forEach((j, i) => {
      if (j < 0 || j >= rows) throw new HypatiaError(this.name, `row ${j} at position ${i} is out of range for ${rows} rows`, node.site);
      out.set(x!.data.subarray(j * cols, (j + 1) * cols), i * cols);
    });
    return [new NDArray('float32', [idx!.size, cols], out)];
  }
  override kernels(): KernelProgram {
    const k = new KernelBuilder('pick_rows');
    const x = k.input('float32');
    const idx = k.input('int32');
    const y = k.output('float32');
    const [n, rows, cols] = k.params(3);
    const [i, c] = k.space(n!, cols!);
    const j = idx.read(i!);
    k.check(I.within(j, 0, rows!));
    k.store(y, I.add(I.mul(i!, cols!), c!), x.at(I.add(I.mul(j, cols!), c!)));
    return {
      kernels: [k.build()],
      plan: ([xs, is]) => ({
        outputs: [[is!.shape[0]!, xs!.shape[1]!]],
        launches: [{ kernel: 0, buffers: [{ input: 0 }, { input: 1 }, { output: 0 }], params: [is!.shape[0]!, xs!.shape[0]!, xs!.shape[1]!] }],
      }),
    };
  }
}
const pickRows = (x: Parameters<PickRows['call']>[0], idx: Parameters<PickRows['call']>[0]) => new PickRows().call(x, idx);

const table = () => NDArray.from([[1, 2], [3, 4], [5, 6]], 'float32');

async function failure(p: Promise<unknown>): Promise<HypatiaError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e, String((e as Error | null)?.stack)).toBeInstanceOf(HypatiaError);
  return e as HypatiaError;
}

describe.runIf(gpuAvailable)('webgpu runs an op it has no routine for on its IR kernels', () => {
  afterAll(releaseDevice);

  it('gathers as perform does', async () => {
    const x = matrix('x');
    const idx = ivector('idx');
    const f = await compile({ inputs: [x, idx], outputs: [pickRows(x, idx)], backend: 'webgpu' });
    expect(f.debugPrint()).toMatch(/pick_rows \(kernel IR: pick_rows\)/);
    const [y] = await f(table(), NDArray.from([2, 0, 2, 1], 'int32'));
    expect(Array.from(y!.data)).toEqual([5, 6, 1, 2, 5, 6, 3, 4]);
  });

  it('indices known on the host are checked there before anything runs: perform\'s error, and an in-place update planned beside it keeps its value', async () => {
    const idx = ivector('idx');
    const w = shared(table(), 'w');
    const cost = sum(pickRows(w, idx));
    const f = await compile({ inputs: [idx], outputs: [cost], updates: [[w, sub(w, 1)]], backend: 'webgpu' });
    // The check reads only the index argument, so the update can still be written in place.
    expect(f.debugPrint()).toMatch(/updated in place: w/);
    await f(NDArray.from([0, 2], 'int32'));
    expect(Array.from((await w.getAsync()).data)).toEqual([0, 1, 2, 3, 4, 5]);
    const e = await failure(f(NDArray.from([0, 3], 'int32')));
    expect([e.op, e.detail]).toEqual(['pick_rows', 'row 3 at position 1 is out of range for 3 rows']);
    expect(e.site?.location).toMatch(/ir-step\.test\.ts/);
    expect(Array.from((await w.getAsync()).data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('indices that live on the GPU set the kernel\'s flag: the call raises perform\'s error after it ran and applies no update', async () => {
    const x = matrix('x');
    const rows = shared(NDArray.from([1, -1, 0], 'int32'), 'rows');
    const w = shared(table(), 'w');
    const f = await compile({ inputs: [x], outputs: [pickRows(x, rows)], updates: [[w, add(w, 1)]], backend: 'webgpu' });
    expect(f.debugPrint()).not.toMatch(/in place/);
    const e = await failure(f(table()));
    expect(e.detail).toBe('row -1 at position 1 is out of range for 3 rows; no shared variable was changed');
    expect(Array.from((await w.getAsync()).data)).toEqual([1, 2, 3, 4, 5, 6]);
    rows.set(NDArray.from([1, 1, 0], 'int32'));
    const [y] = await f(table());
    expect(Array.from(y!.data)).toEqual([3, 4, 3, 4, 1, 2]);
  });

  it('a call that reads nothing back raises at the next call, with the values its kernels saw (held while its flag was read)', async () => {
    const x = matrix('x');
    const rows = shared(NDArray.from([0, 1, 1], 'int32'), 'rows');
    // Each call moves the indices on; the buffer the failing call read is released when its
    // update replaces it, and the next call's small buffers come from the same pool.
    const f = await compile({ inputs: [x], outputs: [sum(pickRows(x, rows))], updates: [[rows, add(rows, 4)]], backend: 'webgpu', name: 'pick' });
    await f.run([table()], { readOutputs: false });
    await f.run([table()], { readOutputs: false });
    const e = await failure(f.run([table()], { readOutputs: false }));
    expect(e.message).toMatch(/pick_rows: row 4 at position 0 is out of range for 3 rows \(found on the GPU in call 2 of 'pick', which read no output back/);
    expect(Array.from((await rows.getAsync()).data)).toEqual([8, 9, 9]);
  });
});
