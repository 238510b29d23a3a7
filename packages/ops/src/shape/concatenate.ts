import { DISCONNECTED, HypatiaError, NDArray, Op, ShapeError, TensorType, isFloat, shapeSize, stridesOf, typedArrayFor, upcast, zerosLike, type Apply, type Dim, type GradResult, type KernelProgram, type Variable } from '@hypatia/core';
import { asVariable, normAxis, type VarLike } from '../util/as-variable.js';
import { castTo } from '../elementwise/broadcast.js';
import { expandDims } from './expand-dims.js';
import { buildError } from './build-error.js';
import { stridedCopyKernel, stridedCopyLaunch } from './copy-kernels.js';

/** Two static lengths of one axis that must agree: the known one, or the reason they cannot. */
function mergeDim(a: Dim, b: Dim): Dim | string {
  if (a === null) return b;
  if (b === null || a === b) return a;
  return `${a} vs ${b}`;
}

/** Join tensors of the same rank and dtype along an existing axis; the other axes must agree. */
export class Concatenate extends Op {
  readonly name = 'concatenate';
  constructor(readonly axis: number) {
    super();
  }

  static override readonly props = ['axis'];

  inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts.length === 0) throw new ShapeError('needs at least one tensor');
    const first = ts[0]!;
    if (this.axis < 0 || this.axis >= first.ndim) throw new ShapeError(`axis ${this.axis} is out of range for ${first.ndim} dimensions`);
    const shape: Dim[] = [...first.shape];
    ts.forEach((t, i) => {
      if (t.ndim !== first.ndim) throw new ShapeError(`tensor ${i} has ${t.ndim} dimensions but tensor 0 has ${first.ndim}`);
      if (t.dtype !== first.dtype) throw new ShapeError(`tensor ${i} is ${t.dtype} but tensor 0 is ${first.dtype}`);
      if (i === 0) return;
      t.shape.forEach((d, k) => {
        if (k === this.axis) { shape[k] = shape[k] === null || d === null ? null : shape[k]! + d; return; }
        const m = mergeDim(shape[k]!, d);
        if (typeof m === 'string') throw new ShapeError(`axis ${k} differs between the tensors (${m}); only axis ${this.axis} may`);
        shape[k] = m;
      });
    });
    return [new TensorType(first.dtype, shape)];
  }

  /** The result's shape; at run time only `axis` may differ between the tensors. */
  resolve(shapes: readonly (readonly number[])[], node: Apply): number[] {
    const ax = this.axis;
    const shape = [...shapes[0]!];
    shapes.forEach((s, i) => {
      if (i === 0) return;
      if (s.some((d, k) => k !== ax && d !== shape[k])) {
        throw new HypatiaError(this.name, `at run time tensor ${i} has shape [${s.join(', ')}] but tensor 0 has [${shapes[0]!.join(', ')}]; only axis ${ax} may differ`, node.site);
      }
      shape[ax] = shape[ax]! + s[ax]!;
    });
    return shape;
  }

  perform(xs: readonly NDArray[], node: Apply): NDArray[] {
    const ax = this.axis;
    const shape = this.resolve(xs.map((x) => x.shape), node);
    const outer = shapeSize(shape.slice(0, ax));
    const out = typedArrayFor(xs[0]!.dtype, shapeSize(shape));
    const rowLen = shapeSize(shape.slice(ax));
    let start = 0;
    // Each input fills a contiguous block of every outer row.
    for (const x of xs) {
      const block = shapeSize(x.shape.slice(ax));
      for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * block, (o + 1) * block) as never, o * rowLen + start);
      start += block;
    }
    return [new NDArray(xs[0]!.dtype, shape, out)];
  }

  /** Each tensor is a strided copy into its block of the result: the blocks follow each other along `axis`. */
  override kernels(node: Apply): KernelProgram {
    const dtype = node.outputs[0]!.dtype;
    return {
      kernels: [stridedCopyKernel(`concatenate_${dtype}`, dtype, node.outputs[0]!.ndim)],
      plan: (operands) => {
        const shape = this.resolve(operands.map((o) => o.shape), node);
        const outStrides = stridesOf(shape);
        let start = 0;
        const launches = operands.map((o, i) => {
          const launch = stridedCopyLaunch(0, { input: i }, { output: 0 }, o.shape, stridesOf(o.shape), outStrides, 0, start * outStrides[this.axis]!);
          start += o.shape[this.axis]!;
          return launch;
        });
        return { outputs: [shape], launches };
      },
    };
  }

  override grad(xs: readonly Variable[], _o: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    return xs.map((x, i) => (isFloat(x.dtype) ? new ConcatenatePart(this.axis, i).call(g!, ...xs) : DISCONNECTED));
  }
}

/**
 * The gradient of Concatenate for one of its inputs: the `part`-th block of `g` along `axis`,
 * with the blocks' lengths read from the inputs (operands: g, then every concatenated tensor).
 */
export class ConcatenatePart extends Op {
  readonly name = 'concatenate_part';
  constructor(readonly axis: number, readonly part: number) {
    super();
  }

  static override readonly props = ['axis', 'part'];

  inferTypes([g, ...xs]: readonly TensorType[]): TensorType[] {
    const x = xs[this.part];
    if (!x || !g || g.ndim !== x.ndim || this.axis >= g.ndim) throw new ShapeError(`part ${this.part} along axis ${this.axis} does not fit the operands`);
    const shape = g.shape.map((d, k) => {
      if (k === this.axis) return x.shape[k]!;
      const m = mergeDim(d, x.shape[k]!);
      if (typeof m === 'string') throw new ShapeError(`axis ${k} differs between the gradient and tensor ${this.part} (${m})`);
      return m;
    });
    return [new TensorType(g.dtype, shape)];
  }

  /** The part's shape and where it starts along `axis`; the parts must add up to the gradient's length. */
  resolve(gShape: readonly number[], shapes: readonly (readonly number[])[], node: Apply): { shape: number[]; offset: number } {
    const ax = this.axis;
    const offset = shapes.slice(0, this.part).reduce((s, x) => s + x[ax]!, 0);
    const total = shapes.reduce((s, x) => s + x[ax]!, 0);
    if (gShape[ax] !== total) throw new HypatiaError(this.name, `the gradient has length ${gShape[ax]} on axis ${ax} but the parts add up to ${total}`, node.site);
    const shape = [...gShape];
    shape[ax] = shapes[this.part]![ax]!;
    return { shape, offset };
  }

  perform([g, ...xs]: readonly NDArray[], node: Apply): NDArray[] {
    const ax = this.axis;
    const { shape, offset } = this.resolve(g!.shape, xs.map((x) => x.shape), node);
    const inner = shapeSize(g!.shape.slice(ax + 1));
    const rowLen = g!.shape[ax]! * inner;
    const block = shape[ax]! * inner;
    const outer = shapeSize(g!.shape.slice(0, ax));
    const out = typedArrayFor(g!.dtype, outer * block);
    for (let o = 0; o < outer; o++) {
      const s = o * rowLen + offset * inner;
      out.set(g!.data.subarray(s, s + block) as never, o * block);
    }
    return [new NDArray(g!.dtype, shape, out)];
  }

  /** A strided copy of the part's block out of the gradient. */
  override kernels(node: Apply): KernelProgram {
    const dtype = node.outputs[0]!.dtype;
    return {
      kernels: [stridedCopyKernel(`concatenate_part_${dtype}`, dtype, node.outputs[0]!.ndim)],
      plan: ([g, ...xs]) => {
        const { shape, offset } = this.resolve(g!.shape, xs.map((x) => x.shape), node);
        const gStrides = stridesOf(g!.shape);
        return { outputs: [shape], launches: [stridedCopyLaunch(0, { input: 0 }, { output: 0 }, shape, gStrides, stridesOf(shape), offset * gStrides[this.axis]!)] };
      },
    };
  }

  override grad([, ...xs]: readonly Variable[], _o: readonly Variable[], [gp]: readonly Variable[]): GradResult[] {
    // Putting the block back among zeros is the transpose of taking it out.
    const gg = new Concatenate(this.axis).call(...xs.map((x, j) => (j === this.part ? gp! : zerosLike(x))));
    return [gg, ...xs.map(() => DISCONNECTED)];
  }
}

/** NumPy's concatenate: join along an existing axis. Mixed dtypes are promoted, as in NumPy. */
export function concatenate(xs: readonly VarLike[], axis = 0): Variable {
  if (xs.length === 0) throw buildError('concatenate', 'needs at least one tensor');
  const vs = xs.map((x) => asVariable(x));
  const dtype = upcast(...vs.map((v) => v.dtype));
  const a = normAxis(axis, vs[0]!.ndim, 'concatenate');
  if (vs.length === 1) return vs[0]!;
  return new Concatenate(a).call(...vs.map((v) => castTo(v, dtype)));
}

/** NumPy's stack: join tensors of the same shape along a new axis `axis` of the result. */
export function stack(xs: readonly VarLike[], axis = 0): Variable {
  if (xs.length === 0) throw buildError('stack', 'needs at least one tensor');
  const vs = xs.map((x) => asVariable(x));
  const nd = vs[0]!.ndim;
  vs.forEach((v, i) => {
    if (v.ndim !== nd) throw buildError('stack', `tensor ${i} (${v} : ${v.type}) has ${v.ndim} dimensions but tensor 0 has ${nd}`);
  });
  const a = normAxis(axis, nd + 1, 'stack');
  const expanded = vs.map((v) => expandDims(v, a));
  return expanded.length === 1 ? expanded[0]! : concatenate(expanded, a);
}
