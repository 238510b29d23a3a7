import { describe, expect, it } from 'vitest';
import { Composite, NDArray, S, fuseInto, input, mulberry32, runProgramJS, sconst, tensor, type Apply, type DType, type Op, type ScalarExpr } from '@hypatia/core';
import { Sum } from './sum.js';
import { Prod } from './prod.js';
import { Extremum } from './extremum.js';
import { ArgExtremum } from './arg-extremum.js';

/**
 * The reductions' kernels (JavaScript printer) against their `perform`, bit for bit: every subset
 * of axes, keepdims or not, every dtype, values with NaN, infinities, signed zeros and ties, and
 * empty arrays (where max and argmax must refuse with perform's error).
 */

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, 1, -1];

function values(dtype: DType, shape: readonly number[], seed: number, specials: boolean): NDArray {
  const a = NDArray.zeros(dtype, shape);
  const r = mulberry32(seed);
  for (let i = 0; i < a.size; i++) {
    const v = dtype === 'bool' ? (r() < 0.5 ? 1 : 0) : dtype === 'int32' ? Math.floor(r() * 7) - 3 : (r() - 0.5) * 4;
    a.data[i] = specials && dtype !== 'int32' && dtype !== 'bool' && r() < 0.3 ? SPECIALS[Math.floor(r() * SPECIALS.length)]! : v;
  }
  return a;
}

function sameBits(want: NDArray, got: NDArray): string | null {
  if (want.dtype !== got.dtype || want.shape.join() !== got.shape.join()) return `got ${got.dtype}[${got.shape}], expected ${want.dtype}[${want.shape}]`;
  for (let i = 0; i < want.size; i++) if (!Object.is(want.data[i], got.data[i])) return `element ${i} is ${got.data[i]}, expected ${want.data[i]}`;
  return null;
}

function subsets(rank: number): number[][] {
  return Array.from({ length: 1 << rank }, (_, m) => Array.from({ length: rank }, (_, i) => i).filter((i) => m & (1 << i)));
}

/** perform and the kernels on the same node: equal bits, or the same error. */
function agree(node: Apply, ins: readonly NDArray[]): void {
  let want: NDArray[] | Error;
  try { want = node.op.perform(ins, node); } catch (e) { want = e as Error; }
  const program = node.op.kernels!(node)!;
  if (want instanceof Error) {
    expect(() => runProgramJS(node, program, ins), `${node.op}`).toThrow(want.message);
    return;
  }
  const got = runProgramJS(node, program, ins);
  expect(sameBits(want[0]!, got[0]!), `${node.op} on ${ins.map((a) => `${a.dtype}[${a.shape}]`)}`).toBeNull();
}

const SHAPES = [[10, 100], [100, 10], [3, 4, 5], [2, 1, 3], [4, 1], [0, 3], [3, 0], [1, 1], [5]];
const OPS: { name: string; dtypes: DType[]; make: (axes: number[], keepdims: boolean) => Op }[] = [
  { name: 'sum', dtypes: ['float32', 'float64', 'int32', 'bool'], make: (a, k) => new Sum(a, k) },
  { name: 'prod', dtypes: ['float32', 'float64', 'int32', 'bool'], make: (a, k) => new Prod(a, k) },
  { name: 'max', dtypes: ['float32', 'float64', 'int32', 'bool'], make: (a, k) => new Extremum('max', a, k) },
  { name: 'min', dtypes: ['float32', 'float64', 'int32', 'bool'], make: (a, k) => new Extremum('min', a, k) },
  { name: 'argmax', dtypes: ['float32', 'float64', 'int32', 'bool'], make: (a, k) => new ArgExtremum('max', a, k) },
  { name: 'argmin', dtypes: ['float32', 'float64', 'int32', 'bool'], make: (a, k) => new ArgExtremum('min', a, k) },
];

describe('reduction kernels agree with perform bit for bit', () => {
  for (const { name, dtypes, make } of OPS) {
    it(`${name} over every subset of axes, keepdims or not, on ${dtypes.join(', ')}`, () => {
      let seed = 1;
      for (const dtype of dtypes) {
        for (const shape of SHAPES) {
          for (const axes of subsets(shape.length)) {
            for (const keepdims of [false, true]) {
              const x = tensor(dtype, shape.map(() => null), 'x');
              const node = make(axes, keepdims).call(x).owner!;
              agree(node, [values(dtype, shape, seed++, true)]);
            }
          }
        }
      }
    });
  }

  it('a long float32 sum accumulates in float64 in input order, rows and columns alike', () => {
    const x = NDArray.zeros('float32', [3000, 7]);
    const r = mulberry32(9);
    for (let i = 0; i < x.size; i++) x.data[i] = (r() - 0.5) * 1e4;
    for (const axes of [[0], [1], [0, 1]]) agree(new Sum(axes, false).call(tensor('float32', [null, null], 'x')).owner!, [x]);
  });

  it('max of an empty axis refuses with the reference error; argmax too', () => {
    const x = tensor('float32', [null, null], 'x');
    const node = new Extremum('max', [0], false).call(x).owner!;
    expect(() => node.op.kernels!(node)!.plan([{ shape: [0, 3] }])).toThrow(/max: cannot reduce over axis 0 of length 0/);
    const arg = new ArgExtremum('max', [1], false).call(x).owner!;
    expect(() => arg.op.kernels!(arg)!.plan([{ shape: [3, 0] }])).toThrow(/argmax: cannot reduce over axis 1 of length 0/);
  });
});

describe('reduction loop structures', () => {
  const launches = (op: Op, shape: number[]) => {
    const node = op.call(tensor('float32', shape.map(() => null), 'x')).owner!;
    const program = node.op.kernels!(node)!;
    return program.plan([{ shape }]).launches.map((l) => ({ kernel: program.kernels[l.kernel]!, params: l.params }));
  };

  it('a sum over the leading axis walks the input in memory order, a whole row of outputs at a time', () => {
    const [init, cols, finish] = launches(new Sum([0], false), [10, 100]);
    expect([init!.kernel.name, cols!.kernel.name, finish!.kernel.name]).toEqual(['sum_init', 'sum_cols', 'sum_finish']);
    expect(cols!.kernel.sequential).toBe(true);
    // Extents [10, 100]; the accumulator's strides [0, 1] and the input's [100, 1].
    expect(cols!.params).toEqual([10, 100, 0, 1, 100, 1]);
  });

  it('a sum over the last axis is a point per output folding a contiguous run', () => {
    const [rows] = launches(new Sum([1], false), [100, 10]);
    expect(rows!.kernel.name).toBe('sum_rows');
    // Kept extent 100, reduced extent 10, output stride 1, input strides 10 (kept) and 1 (reduced).
    expect(rows!.params).toEqual([100, 10, 1, 10, 1]);
  });

  it('axes reduced (or kept) together merge, whatever the rank', () => {
    const [rows] = launches(new Sum([2, 3], false), [2, 3, 4, 5]);
    expect(rows!.params).toEqual([1, 6, 1, 20, 0, 1, 0, 20, 0, 1]);
    const [, cols] = launches(new Extremum('max', [0, 1], false), [2, 3, 4, 5]);
    expect(cols!.params).toEqual([1, 1, 6, 20, 0, 0, 0, 1, 0, 0, 20, 1]);
  });
});

describe('reduction kernels with an elementwise producer inlined evaluate its formula inside the fold', () => {
  const $ = input;
  const cases: { name: string; formula: ScalarExpr; ins: [DType, number[]][] }[] = [
    // float32 arithmetic rounds to float32 before it is folded, as the reference stores it first.
    { name: 'x * y + 0.1, y broadcast', formula: S.add(S.mul($(0, 'float32'), $(1, 'float32')), sconst(0.1, 'float32')), ins: [['float32', [6, 5]], ['float32', [5]]] },
    { name: 'exp(x - y), float64, y a column', formula: S.exp(S.sub($(0, 'float64'), $(1, 'float64'))), ins: [['float64', [4, 7]], ['float64', [4, 1]]] },
    { name: 'x > 0 (booleans)', formula: S.gt($(0, 'int32'), sconst(0, 'int32')), ins: [['int32', [3, 4, 2]]] },
    { name: 'x * i (int32 times float32), i broadcast in the middle', formula: S.mul($(0, 'float32'), S.cast($(1, 'int32'), 'float32')), ins: [['float32', [2, 3, 4]], ['int32', [3, 1]]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rank = Math.max(...c.ins.map(([, s]) => s.length));
      const dtype = c.formula.dtype;
      for (const { make } of OPS) {
        for (const axes of subsets(rank)) {
          for (const keepdims of [false, true]) {
            const vars = c.ins.map(([d, s], i) => tensor(d, s.map((n) => (n === 1 ? 1 : null)), `x${i}`));
            const produced = new Composite(c.formula, c.ins.map(([d]) => d), ['f']).call(...vars);
            const [out] = fuseInto(make(axes, keepdims).apply([produced]), [0]);
            agree(out!.owner!, c.ins.map(([d, s], i) => values(d, s, 100 + i, dtype !== 'bool')));
          }
        }
      }
    });
  }

  it('operands that do not broadcast are refused with the reference error', () => {
    const [x, y] = [tensor('float32', [null, null], 'x'), tensor('float32', [null], 'y')];
    const [out] = fuseInto(new Sum([0], false).apply([new Composite(S.mul($(0, 'float32'), $(1, 'float32')), ['float32', 'float32'], ['mul']).call(x, y)]), [0]);
    expect(() => out!.owner!.op.perform([values('float32', [3, 4], 1, false), values('float32', [5], 2, false)], out!.owner!)).toThrow(/shapes \[3, 4\] and \[5\] do not broadcast/);
    agree(out!.owner!, [values('float32', [3, 4], 1, false), values('float32', [5], 2, false)]);
  });
});
