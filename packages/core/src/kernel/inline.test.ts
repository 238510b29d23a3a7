import { describe, expect, it } from 'vitest';
import { NDArray } from '../ndarray.js';
import { typedArrayFor, type DType } from '../dtype.js';
import { Op, ShapeError } from '../graph/op.js';
import { TensorType } from '../graph/type.js';
import type { Apply } from '../graph/apply.js';
import { Elemwise } from '../elemwise.js';
import { tensor } from '../constructors.js';
import { S, sconst } from '../scalar/expr.js';
import { mulberry32 } from '../verify-grad.js';
import { fuseInto } from '../rewrite/producer-fusion.js';
import { I, KernelBuilder } from './builder.js';
import { reductionProgram } from './reduction-program.js';
import { runProgramJS } from './run-js.js';
import type { KernelProgram } from './program.js';

/** A row sum (the last axis) in float64, rounded into the dtype: a consumer that loads its operand in a reduction. */
class RowSum extends Op {
  readonly name = 'row_sum';
  inferTypes([x]: readonly TensorType[]): TensorType[] {
    return [new TensorType(x!.dtype, x!.shape.slice(0, -1))];
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    const cols = x!.shape[x!.shape.length - 1]!;
    const rows = x!.size / cols;
    const out = typedArrayFor(x!.dtype, rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += x!.data[r * cols + c]!;
      out[r] = s;
    }
    return [new NDArray(x!.dtype, x!.shape.slice(0, -1), out)];
  }
  override kernels(node: Apply): KernelProgram {
    return reductionProgram(node, { fold: 'sum', axes: [node.inputs[0]!.ndim - 1] });
  }
}

/**
 * out[i] = x[idx[i]], its kernel declaring the index before x (against the convention that a
 * kernel declares the node's inputs first, in order) when `swapped`, and checking the index.
 */
class Pick extends Op {
  readonly name = 'pick';
  static override readonly props = ['swapped'];
  constructor(readonly swapped: boolean) {
    super();
  }
  inferTypes([x, idx]: readonly TensorType[]): TensorType[] {
    if (x!.ndim !== 1 || idx!.ndim !== 1) throw new ShapeError('takes two vectors');
    return [new TensorType(x!.dtype, idx!.shape)];
  }
  perform([x, idx]: readonly NDArray[]): NDArray[] {
    const out = typedArrayFor(x!.dtype, idx!.size);
    idx!.data.forEach((j, i) => {
      if (j < 0 || j >= x!.size) throw new RangeError(`pick: index ${j} is out of range for ${x!.size} elements`);
      out[i] = x!.data[j]!;
    });
    return [new NDArray(x!.dtype, [...idx!.shape], out)];
  }
  override kernels(node: Apply): KernelProgram {
    const k = new KernelBuilder('pick');
    const [idx, x] = this.swapped ? [k.input('int32'), k.input(node.inputs[0]!.dtype)] : [null, k.input(node.inputs[0]!.dtype)];
    const index = idx ?? k.input('int32');
    const out = k.output(node.inputs[0]!.dtype);
    const [n, size] = k.params(2);
    const [i] = k.space(n!);
    const j = index.read(i!);
    k.check(I.within(j, 0, size!));
    k.store(out, i!, x.at(j));
    const bound = this.swapped ? [{ input: 1 }, { input: 0 }] : [{ input: 0 }, { input: 1 }];
    return {
      kernels: [k.build()],
      plan: ([xs, is]) => ({ outputs: [is!.shape], launches: [{ kernel: 0, buffers: [...bound, { output: 0 }], params: [is!.shape[0]!, xs!.shape[0]!] }] }),
    };
  }
}

const mulAdd = new Elemwise({ name: 'mul_add', arity: 3, formula: ([a, b, c]) => S.add(S.mul(a!, b!), c!) });
const affine = new Elemwise({ name: 'affine', arity: 1, formula: ([a]) => S.add(S.mul(a!, sconst(3, a!.dtype)), sconst(1, a!.dtype)) });

function values(dtype: DType, shape: number[], seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'int32' ? Math.floor(r() * 3) : (r() - 0.5) * 7;
  return a;
}

/** The fused node's kernels against its perform, bit for bit; the kernels its launches ran. */
function runBoth(node: Apply, ins: readonly NDArray[]): string[] {
  const program = node.op.kernels!(node)!;
  const want = node.op.perform(ins, node)[0]!;
  const got = runProgramJS(node, program, ins)[0]!;
  expect(got.shape).toEqual(want.shape);
  want.data.forEach((w, i) => expect(Object.is(got.data[i], w), `element ${i}: ${got.data[i]} vs ${w}`).toBe(true));
  return program.plan(ins.map((a) => ({ shape: a.shape }))).launches.map((l) => program.kernels[l.kernel]!.name);
}

describe('inlining elementwise producers into a consumer', () => {
  it("evaluates the producer's formula where the consumer loads its result, each operand read as its shape allows", () => {
    // a: the result's shape (read at the consumer's offset); b: a column, broadcast along the
    // rows (the multi-index); c: a scalar (read at 0). float32, rounded where perform stores it.
    const [a, b, c] = [tensor('float32', [null, null, null], 'a'), tensor('float32', [null, 1, null], 'b'), tensor('float32', [], 'c')];
    const [out] = fuseInto(new RowSum().apply([mulAdd.apply([a, b, c]).outputs[0]!]), [0]);
    const node = out!.owner!;
    expect(node.inputs).toEqual([a, b, c]);
    for (const [shape, bShape] of [[[2, 3, 4], [2, 1, 4]], [[3, 1, 5], [3, 1, 5]], [[2, 0, 3], [2, 1, 3]]] as const) {
      expect(runBoth(node, [values('float32', [...shape], 1), values('float32', [...bShape], 2), values('float32', [], 3)])).toEqual(['row_sum_rows_inlined']);
    }
  });

  it('inlines a producer read as an index, and one whose kernel buffer breaks the convention through scratch', () => {
    const x = tensor('float64', [null], 'x');
    const idx = tensor('int32', [null], 'idx');
    // The index is affine(idx) = 3·idx + 1, computed inside the pick's check and load.
    const [out] = fuseInto(new Pick(false).apply([x, affine.apply([idx]).outputs[0]!]), [1]);
    expect(runBoth(out!.owner!, [values('float64', [10], 4), values('int32', [6], 5)])).toEqual(['pick_inlined']);
    // Declared the other way round, the kernel's buffer 1 is x, not the index: the index is
    // computed into scratch by the producer's own kernel, then the pick runs as it is.
    const [swapped] = fuseInto(new Pick(true).apply([x, affine.apply([idx]).outputs[0]!]), [1]);
    expect(runBoth(swapped!.owner!, [values('float64', [10], 4), values('int32', [6], 5)])).toEqual(['pick_operand1', 'pick']);
    // x inlined into the swapped kernel: its buffer 0 is the index, so x goes through scratch too.
    const [both] = fuseInto(new Pick(true).apply([affine.apply([x]).outputs[0]!, idx]), [0]);
    expect(runBoth(both!.owner!, [values('float64', [10], 4), values('int32', [6], 5)])).toEqual(['pick_operand0', 'pick']);
  });

  it("raises the consumer's and the producer's errors from their own nodes", () => {
    const x = tensor('float64', [null], 'x');
    const idx = tensor('int32', [null], 'idx');
    const [out] = fuseInto(new Pick(false).apply([x, affine.apply([idx]).outputs[0]!]), [1]);
    const node = out!.owner!;
    // 3·3 + 1 = 10 is past x's end: the kernel's check fails and the pick's perform says why.
    expect(() => runProgramJS(node, node.op.kernels!(node)!, [values('float64', [10], 4), NDArray.from([0, 3], 'int32')])).toThrow(/^pick: index 10 is out of range/);
    const [a, b, c] = [tensor('float32', [null, null], 'a'), tensor('float32', [null, null], 'b'), tensor('float32', [], 'c')];
    const [sum] = fuseInto(new RowSum().apply([mulAdd.apply([a, b, c]).outputs[0]!]), [0]);
    const bad = [values('float32', [2, 3], 1), values('float32', [2, 4], 2), values('float32', [], 3)];
    expect(() => sum!.owner!.op.kernels!(sum!.owner!)!.plan(bad.map((v) => ({ shape: v.shape })))).toThrow(/^mul_add: at run time: shapes \[2, 3\] and \[2, 4\] and \[\] do not broadcast/);
  });

  it('gives the same kernels for equal fused nodes, and a key from the consumer and the formulas', () => {
    const build = () => {
      const [a, b, c] = [tensor('float32', [null, null], 'a'), tensor('float32', [null, null], 'b'), tensor('float32', [], 'c')];
      return fuseInto(new RowSum().apply([mulAdd.apply([a, b, c]).outputs[0]!]), [0])[0]!.owner!;
    };
    const [p, q] = [build(), build()];
    expect(p.op.key()).toBe(q.op.key());
    expect(p.op.key()).toContain('row_sum');
    expect(p.op.kernels!(p)!.kernels.map((k) => JSON.stringify(k))).toEqual(q.op.kernels!(q)!.kernels.map((k) => JSON.stringify(k)));
  });
});
