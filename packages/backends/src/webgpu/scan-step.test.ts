import { afterAll, describe, expect, it } from 'vitest';
import { NDArray, compile, evaluate, grad, iscalar, scalar, tensor, vector, type Variable } from '@hypatia/core';
import { add, dot, gt, ifelse, mul, scan, sub, subtensor, sum, tanh, RandomStreams } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { getDevice } from './device.js';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/** How many command buffers the device's queue is given while `f` runs. */
async function submissions<T>(f: () => Promise<T>): Promise<{ result: T; count: number }> {
  const queue = (await getDevice()).queue;
  const submit = queue.submit.bind(queue);
  let count = 0;
  queue.submit = (buffers) => { count++; submit(buffers); };
  try {
    return { result: await f(), count };
  } finally {
    queue.submit = submit;
  }
}

describe.runIf(gpuAvailable)('webgpu runs scan as one submission', () => {
  afterAll(releaseDevice);

  it('an RNN and its gradient agree with the reference; the submissions do not grow with the steps', async () => {
    const xs = tensor('float32', [null, 3], 'xs');
    const h0 = vector('h0');
    const W = tensor('float32', [3, 4], 'W');
    const U = tensor('float32', [4, 4], 'U');
    const [hs] = scan({ fn: (x, h) => tanh(add(dot(x, W), dot(h, U))), sequences: xs, outputsInfo: h0 });
    const inputs = [xs, h0, W, U];
    const outputs = [hs, ...grad(sum(hs), [W, U, h0, xs])];
    const args = (t: number) => [seeded([t, 3], 'float32', t), seeded([4], 'float32', 2), seeded([3, 4], 'float32', 3), seeded([4, 4], 'float32', 4)];
    await agreesWithReference(inputs, outputs, args(5), 1e-3, 1e-4);
    const f = await compile({ inputs, outputs, backend: 'webgpu' });
    const short = await submissions(() => f(...args(3)));
    const long = await submissions(() => f(...args(40)));
    expect(long.count).toBe(short.count);
    expect(f.debugPrint()).toMatch(/one loop in the call's submission/);
  });

  it('taps, goBackwards and an output that does not feed back', async () => {
    const xs = vector('xs');
    const init = tensor('float32', [2], 'init');
    const [[fib, prods]] = scan({
      fn: (prev, next, a, b) => [add(a, mul(b, 0.5)), mul(prev, next)],
      sequences: { input: xs, taps: [-1, 1] }, outputsInfo: [{ initial: init, taps: [-2, -1] }, null], goBackwards: true,
    });
    await agreesWithReference([xs, init], [fib!, prods!], [seeded([7], 'float32', 5), NDArray.from([1, 2], 'float32')]);
  });

  it('until: the loop stops on the GPU and its stacked outputs have the steps run; read at its end, the final value follows the stop', async () => {
    const x0 = scalar('x0');
    const limit = scalar('limit');
    const [xs] = scan({ fn: (x) => { const y = mul(x, 2); return { outputs: y, until: gt(y, limit) }; }, outputsInfo: x0, nSteps: 30 });
    const f = await compile({ inputs: [x0, limit], outputs: [xs, subtensor(xs, [-1])], backend: 'webgpu' });
    const last = await compile({ inputs: [x0, limit], outputs: [subtensor(xs, [-1])], backend: 'webgpu' });
    for (const [start, lim] of [[1, 20], [3, 20], [1, 1e6], [5, 1]] as const) {
      const args = [NDArray.from(start, 'float32'), NDArray.from(lim, 'float32')];
      const want = evaluate([xs, subtensor(xs, [-1])], new Map<Variable, NDArray>([[x0, args[0]!], [limit, args[1]!]]));
      const [all, end] = await f(...args);
      expect(Array.from(all!.data)).toEqual(Array.from(want[0]!.data));
      expect(end!.item()).toBe(want[1]!.item());
      expect((await last(...args))[0]!.item()).toBe(want[1]!.item());
    }
  });

  it('a random stream inside draws as the reference does, and the state advances by the whole loop', async () => {
    const rs = new RandomStreams(11);
    const n = iscalar('n');
    const acc0 = tensor('float32', [3], 'acc0');
    const [draws, updates] = scan({ fn: (acc) => add(acc, rs.uniform({ size: [3] })), outputsInfo: acc0, nSteps: n });
    const [state, next] = updates[0]!;
    const want = evaluate([draws, next], new Map<Variable, NDArray>([[acc0, NDArray.zeros('float32', [3])], [n, NDArray.from(4, 'int32')]]));
    const f = await compile({ inputs: [acc0, n], outputs: [draws], updates, backend: 'webgpu' });
    const [got] = await f(NDArray.zeros('float32', [3]), 4);
    expect(compareArrays(want[0]!, got!, 1e-6, 1e-6)).toBeNull();
    expect(Array.from((await state.getAsync()).data)).toEqual(Array.from(want[1]!.data));
  });

  it('ifelse encodes only the branch taken, its condition from the host or read back from the GPU', async () => {
    const c = scalar('c', 'bool');
    const x = vector('x');
    const fromHost = await compile({ inputs: [c, x], outputs: [ifelse(c, tanh(mul(x, 3)), add(subtensor(x, [5]), x))], backend: 'webgpu' });
    const short = NDArray.from([0.1, 0.2, 0.3], 'float32');
    expect((await fromHost(true, short))[0]!.data[2]).toBeCloseTo(Math.tanh(0.9), 5);
    await expect(fromHost(false, short)).rejects.toThrow(/subtensor: index 5 is out of bounds/);
    const onGpu = ifelse(gt(sum(x), 0), mul(x, 2), sub(x, 1));
    const g = await compile({ inputs: [x], outputs: [onGpu], backend: 'webgpu' });
    expect(Array.from((await g(short))[0]!.data).map((v) => +v.toFixed(5))).toEqual([0.2, 0.4, 0.6]);
    expect(Array.from((await g(NDArray.from([-1, -2], 'float32')))[0]!.data)).toEqual([-2, -3]);
    expect(g.debugPrint()).toMatch(/its condition is read back first/);
  });
});
