import { afterAll, describe, expect, it } from 'vitest';
import { Elemwise, NDArray, call, compile, sconst, tensor, type ScalarFn } from '@hypatia/core';
import { gpuAvailable, releaseDevice } from './gpu-test-helpers.js';
import '@hypatia/backends';
import { bitPrimitivesCase } from '../testing/bit-primitive-case.js';
import { signedZeroConstantsCase } from '../testing/signed-zero-case.js';

describe.runIf(gpuAvailable)('WGSL scalar formulas agree with the JS reference', () => {
  afterAll(releaseDevice);

  bitPrimitivesCase(() => ({ backend: 'webgpu' }));
  signedZeroConstantsCase(() => ({ backend: 'webgpu' }), ['float32']);

  it('log, log1p, pow, sin and cos to a few float32 ulps (the builtins promise only absolute errors), NaN and infinities as JS', async () => {
    const xs: number[] = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 1 - 2 ** -24, 1 + 2 ** -23, 0.5, 2, Math.PI, -Math.PI / 2, 1e-30, 3e38, 8191.5, -8000, 9000];
    for (let i = 0; i < 300; i++) xs.push(Math.fround(Math.sinh((i - 150) / 20) * 7));
    const x = tensor('float32', [null], 'x');
    const fns: ScalarFn[] = ['log', 'log1p', 'sin', 'cos'];
    const outputs = [
      ...fns.map((f) => new Elemwise({ name: `t_${f}`, arity: 1, formula: (v) => call(f, v) }).call(x)),
      new Elemwise({ name: 't_pow', arity: 1, formula: ([v]) => call('pow', [call('abs', [v!]), sconst(0.37, 'float32')]) }).call(x),
    ];
    const args = [NDArray.from(xs, 'float32')];
    const run = async (backend: string) => (await compile({ inputs: [x], outputs, backend }))(...args);
    const [want, got] = [await run('reference'), await run('webgpu')];
    outputs.forEach((_, k) => Array.from(want[k]!.data).forEach((w, i) => {
      const g = got[k]!.data[i]!;
      const what = `${[...fns, 'pow'][k]}(${xs[i]}) = ${g}, want ${w}`;
      if (Number.isNaN(w)) expect(g, what).toBeNaN();
      else if (!Number.isFinite(w)) expect(g, what).toBe(w);
      // Past 8192 sin and cos are the driver's, whose argument reduction is its own.
      else if (k >= 2 && k <= 3 && Math.abs(xs[i]!) > 8192) expect(Math.abs(g), what).toBeLessThanOrEqual(1);
      // pow is the builtin exp (3 + 2|y| ulps, Vulkan's bound) of y = b ln a rounded in f32.
      else expect(Math.abs(g - w), what).toBeLessThanOrEqual((4 + (k === 4 && w ? 4 + 3 * Math.abs(Math.log(w)) : 0)) * 2 ** -24 * Math.abs(w) + 1e-37);
    }));
  });

  it('bools compare as 0 and 1, and their max and min are or and and', async () => {
    const a = tensor('bool', [null], 'a');
    const b = tensor('bool', [null], 'b');
    const fns: ScalarFn[] = ['lt', 'le', 'gt', 'ge', 'maximum', 'minimum'];
    const outputs = fns.map((f) => new Elemwise({ name: `t_b${f}`, arity: 2, formula: (xs) => call(f, xs) }).call(a, b));
    const args = [NDArray.from([0, 0, 1, 1], 'bool'), NDArray.from([0, 1, 0, 1], 'bool')];
    const run = async (backend: string) => (await compile({ inputs: [a, b], outputs, backend }))(...args);
    const [want, got] = [await run('reference'), await run('webgpu')];
    fns.forEach((f, k) => expect(Array.from(got[k]!.data), f).toEqual(Array.from(want[k]!.data)));
  });

  it('int32 constants at both ends of the range, INT_MIN included', async () => {
    const a = tensor('int32', [null], 'a');
    const outputs = [-2147483648, 2147483647, -766435501].map((v, k) =>
      new Elemwise({ name: `t_xor_const${k}`, arity: 1, formula: ([x]) => call('bitxor', [x!, sconst(v, 'int32')]), props: { v } }).call(a));
    const args = [NDArray.from([0, 1, -1, 0x7fffffff, -0x80000000, 12345], 'int32')];
    const run = async (backend: string) => (await compile({ inputs: [a], outputs, backend }))(...args);
    const [want, got] = [await run('reference'), await run('webgpu')];
    outputs.forEach((_, k) => expect(Array.from(got[k]!.data), `constant ${k}`).toEqual(Array.from(want[k]!.data)));
  });
});

