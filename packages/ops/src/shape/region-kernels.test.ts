import { describe, expect, it } from 'vitest';
import { NDArray, iscalar, tensor, type DType, type Variable } from '@hypatia/core';
import { kernelsDiffer } from '../testing/kernel-check.js';
import { subtensor } from './subtensor.js';
import type { IndexEntry } from './slice-spec.js';
import { incSubtensor, setSubtensor } from './inc-subtensor.js';

/** A small deterministic generator, so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const STARTS = [null, -9, -6, -2, -1, 0, 1, 3, 5, 6, 9];
const STEPS = [null, 1, 2, 3, -1, -2, -3];

function values(dtype: DType, shape: number[]): NDArray {
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'bool' ? i % 2 : i * 3 - 7;
  return a;
}

/** Random basic indices of a [5, 6, 4] tensor, each bound a number or an int32 scalar operand. */
function randomIndex(rand: () => number) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const scalars = new Map<Variable, NDArray>();
  const bound = (v: number | null) => {
    if (v === null || rand() < 0.5) return v;
    const s = iscalar(`s${scalars.size}`);
    scalars.set(s, NDArray.from(v, 'int32'));
    return s;
  };
  const lens = [5, 6, 4];
  const entries: IndexEntry[] = lens.slice(0, 1 + Math.floor(rand() * 3)).map((len) => {
    if (rand() < 0.25) return bound(Math.floor(rand() * 2 * len) - len);
    return [bound(pick(STARTS)), bound(pick(STARTS)), bound(pick(STEPS))];
  });
  return { entries, scalars };
}

describe('basic indexing kernels agree with perform, bit for bit', () => {
  it('subtensor and inc/set_subtensor over random slices: negative and symbolic steps, clamped and empty bounds, symbolic indices', () => {
    const rand = lcg(7);
    for (let t = 0; t < 300; t++) {
      const dtype = (['float32', 'float64', 'int32'] as DType[])[t % 3]!;
      const x = tensor(dtype, [null, null, null], 'x');
      const { entries, scalars } = randomIndex(rand);
      const view = subtensor(x, entries);
      // The node's scalar operands, in the order the index put them.
      const args = view.owner!.inputs.slice(1).map((v) => scalars.get(v)!);
      const xv = values(dtype, [5, 6, 4]);
      const what = `case ${t}: ${JSON.stringify(entries, (_k, v) => (v && typeof v === 'object' && 'name' in v ? `${v.name} = ${scalars.get(v)!.item()}` : v))}`;
      expect(kernelsDiffer(view.owner!, [xv, ...args]), what).toBeNull();
      const yShape = view.owner!.op.perform([xv, ...args], view.owner!)[0]!.shape;
      // The value broadcast along the region's first axis when it has one.
      const y = tensor(dtype, yShape.map((d, i) => (i === 0 ? 1 : null)), 'y');
      const yv = values(dtype, yShape.map((d, i) => (i === 0 ? 1 : d)));
      for (const out of [incSubtensor(view, y), setSubtensor(view, y)]) {
        expect(kernelsDiffer(out.owner!, [xv, yv, ...args]), `${out.owner!.op.name} ${what}`).toBeNull();
      }
    }
  });

  it('bool tensors are copied and set', () => {
    const x = tensor('bool', [null, null], 'x');
    const i = iscalar('i');
    const view = subtensor(x, [[null, null, -1], i]);
    const args = [values('bool', [3, 4]), NDArray.from(-3, 'int32')];
    expect(kernelsDiffer(view.owner!, args)).toBeNull();
    const set = setSubtensor(view, tensor('bool', [null], 'y'));
    expect(kernelsDiffer(set.owner!, [args[0]!, NDArray.from([1, 0, 1], 'bool'), args[1]!])).toBeNull();
  });

  it('a bound out of range, a zero step and a value that does not fit are the op\'s own errors, from the plan', () => {
    const x = tensor('float32', [null, null], 'x');
    const i = iscalar('i');
    const s = iscalar('s');
    const at = subtensor(x, [i]).owner!;
    const plan = (n: typeof at, operands: { shape: number[]; value?: NDArray }[]) => () => n.op.kernels!(n)!.plan(operands);
    expect(plan(at, [{ shape: [3, 2] }, { shape: [], value: NDArray.from(3, 'int32') }])).toThrow(/subtensor: index 3 is out of bounds for axis 0 with size 3/);
    const stepped = subtensor(x, [[null, null, s]]).owner!;
    expect(plan(stepped, [{ shape: [3, 2] }, { shape: [], value: NDArray.from(0, 'int32') }])).toThrow(/subtensor: step on axis 0 is zero at run time/);
    const inc = incSubtensor(subtensor(x, [[0, 2]]), tensor('float32', [null, null], 'y')).owner!;
    expect(plan(inc, [{ shape: [3, 2] }, { shape: [3, 2] }])).toThrow(/inc_subtensor: at run time: the value has shape \[3, 2\] but the indexed region has shape \[2, 2\]/);
  });

  it('a minibatch slice makes the same launch for every batch index: the offset is read in the kernel', () => {
    const data = tensor('float32', [null, null], 'data');
    const [start, stop] = [iscalar('start'), iscalar('stop')];
    const node = subtensor(data, [[start, stop]]).owner!;
    const program = node.op.kernels!(node)!;
    const batch = (b: number) => program.plan([{ shape: [8, 3] }, ...[b * 2, b * 2 + 2].map((v) => ({ shape: [], value: NDArray.from(v, 'int32') }))]);
    expect(batch(0)).toEqual(batch(3));
    expect(node.inputs.slice(1).map((v) => v.name)).toEqual(['start', 'stop']);
    expect(kernelsDiffer(node, [values('float32', [8, 3]), NDArray.from(4, 'int32'), NDArray.from(6, 'int32')])).toBeNull();
  });
});
