import { describe, expect, it } from 'vitest';
import { Elemwise, NDArray, SCALAR_FNS, call, compile, tensor, type DType, type ScalarFn, type Variable } from '@hypatia/core';
import { compareArrays } from '@hypatia/ops/backend';
import { NativeBackend } from './native-backend.js';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';
import { bitPrimitivesCase } from '../testing/bit-primitive-case.js';
import { signedZeroConstantsCase } from '../testing/signed-zero-case.js';

/**
 * The C scalar table against the JS one (the reference semantics), primitive by primitive, on the
 * values where C and JS differ by default: NaN, infinities, -0, halves, int32 extremes, zero divisors.
 */
const F = [NaN, Infinity, -Infinity, 0, -0, 0.5, 1.5, 2.5, -0.5, -2.5, 3, -3, 1e10, -7.25, 1, -1, 0.3, 1e-3];
const G = [2, -2, 0, NaN, 3, -3, Infinity, 1, -Infinity, 0.5, 2, -1, 7, 0.25, NaN, Infinity, -0.7, 5];
const I = [2147483647, -2147483648, 7, -7, 0, 5, -1, 3, 100000, -100000, 46341, 1, 2, -3, 9, -2147483647, 8, 0];
const J = [1, -1, 3, -3, 0, 2, 2147483647, -1, 100000, 7, 46341, 0, -2, 2, -4, -2, 3, 5];
const B = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1];

const data: Record<DType, [number[], number[]]> = { float32: [F, G], float64: [F, G], int32: [I, J], bool: [B, B.slice().reverse()] };

describe('C scalar formulas agree with the JS reference', () => {
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
    it(`every primitive on ${dtype}`, async () => {
      const a = tensor(dtype, [null], 'a');
      const b = tensor(dtype, [null], 'b');
      const c = tensor('bool', [null], 'c');
      const outputs: Variable[] = [];
      const names: string[] = [];
      for (const f of Object.keys(SCALAR_FNS) as ScalarFn[]) {
        if (f === 'cast') continue;
        const arity = SCALAR_FNS[f];
        const op = new Elemwise({ name: `t_${f}`, arity, formula: (xs) => call(f, xs) });
        outputs.push(arity === 1 ? op.call(a) : arity === 2 ? op.call(a, b) : op.call(c, a, b));
        names.push(f);
      }
      for (const to of ['float32', 'float64', 'int32', 'bool'] as DType[]) {
        const op = new Elemwise({ name: `t_cast_${to}`, arity: 1, formula: ([x]) => call('cast', [x!], to), props: { to } });
        outputs.push(op.call(a));
        names.push(`cast to ${to}`);
      }
      const args = [NDArray.from(data[dtype][0], dtype), NDArray.from(data[dtype][1], dtype), NDArray.from(B, 'bool')];
      const run = async (backend: NativeBackend | ReferenceBackend) =>
        (await compile({ inputs: [a, b, c], outputs, backend, backendOptions: backend instanceof NativeBackend ? { cacheDir: testCacheDir() } : {} }))(...args);
      const [want, got] = [await run(new ReferenceBackend()), await run(new NativeBackend())];
      const failures = names.map((n, k) => {
        const rtol = want[k]!.dtype === 'float32' ? 3e-7 : want[k]!.dtype === 'float64' ? 1e-14 : 0;
        const d = compareArrays(want[k]!, got[k]!, rtol, 0);
        return d && `${n}: ${d}`;
      }).filter(Boolean);
      expect(failures).toEqual([]);
    });
  }

  bitPrimitivesCase(() => ({ backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } }));
  signedZeroConstantsCase(() => ({ backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } }));
});
