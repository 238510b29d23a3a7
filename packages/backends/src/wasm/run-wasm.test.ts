import { describe, expect, it } from 'vitest';
import { I, KernelBuilder, NDArray, ivector, runProgramJS, tensor, type KernelProgram } from '@hypatia/core';
import { take } from '@hypatia/ops';
import { runProgramWasm } from './run-wasm.js';

const gather = () => {
  const x = tensor('float32', [null], 'x');
  const y = take(x, ivector('i'), 0);
  return y.owner!;
};

const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('running a node\'s kernels as WebAssembly', () => {
  it('gives perform\'s outputs, and perform\'s own error when a kernel\'s check fails', () => {
    const node = gather();
    const program = node.op.kernels!(node)!;
    const x = NDArray.from([10, 20, 30], 'float32');
    const ok = runProgramWasm(node, program, [x, NDArray.from([2, -3, 1], 'int32')]);
    expect(Array.from(ok[0]!.data)).toEqual([30, 10, 20]);
    const bad = [x, NDArray.from([0, 3], 'int32')];
    const want = errorOf(() => node.op.perform(bad, node));
    expect(errorOf(() => runProgramWasm(node, program, bad))).toBe(want);
    expect(errorOf(() => runProgramJS(node, program, bad))).toBe(want);
  });

  it('hands every run garbage outputs and scratch, as recycled buffers are: a kernel that adds into them without writing first sees NaN', () => {
    const node = gather();
    const k = new KernelBuilder('accumulate_twice');
    const x = k.input('float32');
    const scratch = k.buffer('float32', 'readwrite');
    const y = k.buffer('float32', 'readwrite');
    const [n] = k.params(1);
    const [i] = k.space(n!);
    k.store(scratch, i!, x.at(i!), { accumulate: true });
    k.store(y, i!, scratch.at(i!), { accumulate: true });
    const program: KernelProgram = {
      kernels: [k.build()],
      plan: ([a]) => ({ outputs: [a!.shape], temps: [{ dtype: 'float32', size: a!.shape[0]! }], launches: [{ kernel: 0, buffers: [{ input: 0 }, { temp: 0 }, { output: 0 }], params: [a!.shape[0]!] }] }),
    };
    const x0 = NDArray.from([1, 2, 3], 'float32');
    const args = [x0, NDArray.from([0], 'int32')];
    expect(Array.from(runProgramWasm(node, program, args)[0]!.data)).toEqual([NaN, NaN, NaN]);
    expect(Array.from(runProgramJS(node, program, args)[0]!.data)).toEqual([NaN, NaN, NaN]);
  });

  it('reports a trap (an index divided by zero) as an error naming the op and kernel', () => {
    const node = gather();
    const k = new KernelBuilder('divide_by_param');
    const y = k.output('float32');
    const [n, d] = k.params(2);
    const [i] = k.space(n!);
    k.store(y, I.div(i!, d!), { k: 'const', v: 1, dtype: 'float32' });
    const program: KernelProgram = { kernels: [k.build()], plan: () => ({ outputs: [[2]], launches: [{ kernel: 0, buffers: [{ output: 0 }], params: [2, 0] }] }) };
    expect(() => runProgramWasm(node, program, [NDArray.from([1], 'float32'), NDArray.from([0], 'int32')])).toThrow(/advanced_subtensor.*kernel divide_by_param trapped/s);
  });
});
