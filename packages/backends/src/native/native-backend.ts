import {
  ElemwiseSum, HypatiaError, NDArray, formulaKey, input, shapeSize, stridesOf, typedArrayFor,
  type Apply, type Backend, type DType, type TypedArray, type Executable, type LowerSpec, type RunResult, type ScalarExpr, type Variable,
} from '@hypatia/core';
import { valueTable } from '../leaf-values.js';
import {
  Conv2d, Conv2dGradFilters, Conv2dGradInput, DimShuffle, Dot, Extremum, Flatten, LogSoftmax, MatMul, MaxPool2d, MaxPool2dGrad, Prod,
  Reshape, ReshapeLike, Softmax, SoftmaxGrad, Sum, checkNotEmpty, checkPooledGrad, poolLayout, pooledShape, reducedShape,
  ARange, ArgExtremum, AvgPool2d, AvgPool2dGrad, AdvancedIncSubtensor, AdvancedSubtensor, ShapeAt, SoftmaxCrossentropyGrad, SoftmaxCrossentropyWithLabels, Subtensor,
  arangeLength, broadcastIntoStrides, resolveRegion,
} from '@hypatia/ops';
import { addonSource, type AddonExports, type KernelSource } from './addon-source.js';
import { buildAddon, resolveBuildOptions } from './build-addon.js';
import { elementwiseKernelC } from './kernels/elementwise-c.js';
import { foldKernelC, type Fold } from './kernels/fold-c.js';
import { gemmKernelC } from './kernels/gemm-c.js';
import { runDot, runMatMul } from './run-products.js';
import { conv2dKernelsC } from './kernels/conv2d-c.js';
import { runConv } from './run-conv.js';
import { maxPoolKernelC } from './kernels/max-pool-c.js';
import { avgPoolKernelC } from './kernels/avg-pool-c.js';
import { rowKernelC, type RowOp } from './kernels/softmax-c.js';
import { BufferPool, releaseSchedule } from './buffer-plan.js';
import { broadcastParams, elementwiseParams, elementwiseShape, sumParams } from './kernel-params.js';
import { arangeKernelC, argExtremumKernelC, gatherKernelC, labelLossKernelC, scatterKernelC } from './kernels/indexing-c.js';
import { flatOffsets, indexOffsets, labelColumns } from '@hypatia/ops';
import { NATIVE_REWRITES } from '../supported-rewrites.js';

/** One step of a compiled function: a C kernel, a free reshape of a buffer, or an op's JS `perform`. */
type Step =
  | { kind: 'elemwise'; node: Apply; kernel: number; formula: ScalarExpr }
  | { kind: 'reduce'; node: Apply; kernel: number; axes: readonly number[]; keepdims: boolean; fold: Fold }
  | { kind: 'transpose'; node: Apply; kernel: number; pattern: readonly (number | 'x')[] }
  | { kind: 'dot' | 'matmul'; node: Apply; kernel: number }
  | { kind: 'conv2d'; node: Apply; kernel: number }
  | { kind: 'max_pool'; node: Apply; kernel: number; grad: boolean }
  | { kind: 'avg_pool'; node: Apply; kernel: number; grad: boolean }
  | { kind: 'rows'; node: Apply; kernel: number }
  | { kind: 'elemwise_sum'; node: Apply; kernel: number; sumKernel: number; axes: readonly number[]; keepdims: boolean }
  | { kind: 'view'; node: Apply; shape: (ins: readonly NDArray[]) => number[] }
  | { kind: 'slice'; node: Apply; op: Subtensor; kernel: number }
  | { kind: 'gather'; node: Apply; kernel: number; axis: number }
  | { kind: 'scatter'; node: Apply; kernel: number; axis: number }
  | { kind: 'arange'; node: Apply; kernel: number }
  | { kind: 'arg_extremum'; node: Apply; kernel: number; axes: readonly number[]; keepdims: boolean }
  | { kind: 'label_loss'; node: Apply; kernel: number; grad: boolean }
  | { kind: 'shape_at'; node: Apply; axis: number }
  | { kind: 'host'; node: Apply };

/**
 * The native CPU backend, as Theano did it: one C source per compiled function, built with the
 * system compiler into a Node-API addon and cached on disk. Shapes are dynamic: JS computes each
 * node's output shape and strides and hands them to the kernels with the buffers. Ops without a C
 * kernel run their JS `perform` between native steps, so every graph runs.
 */
export class NativeBackend implements Backend {
  readonly name = 'native';
  readonly supportedRewrites = NATIVE_REWRITES;
  async lower(spec: LowerSpec): Promise<Executable> {
    const opts = resolveBuildOptions(spec.options);
    const kernels = new KernelTable();
    const steps = spec.graph.nodes.map((node) => planStep(node, kernels));
    let addon: AddonExports | undefined;
    let path = '';
    if (kernels.list.length) {
      const built = await buildAddon<AddonExports>(addonSource(kernels.list), opts);
      addon = built.exports;
      path = built.path;
      const threads = spec.options.threads;
      if (typeof threads === 'number' && threads > 0) addon.setThreads(threads);
    }
    return new NativeExecutable(spec, steps, kernels.list, addon, path);
  }
}

/** Kernels of one source, deduplicated: equal formulas on equal dtypes share one C function. */
class KernelTable {
  readonly list: KernelSource[] = [];
  private readonly byKey = new Map<string, number>();
  get(key: string, make: (name: string) => string): number {
    let k = this.byKey.get(key);
    if (k === undefined) {
      k = this.list.length;
      const name = `hyp_k${k}`;
      this.list.push({ name, code: make(name) });
      this.byKey.set(key, k);
    }
    return k;
  }
}

function planStep(node: Apply, kernels: KernelTable): Step {
  const op = node.op;
  const ins = node.inputs.map((v) => v.dtype);
  if (op instanceof ElemwiseSum) {
    // Two kernels: the formula into a scratch buffer, then the sum (the fusion's memory saving is
    // not kept, its single pass over the inputs is).
    const f = op.formula;
    const out = node.outputs[0]!.dtype;
    const kernel = kernels.get(`ew:${ins.join(',')}:${formulaKey(f)}`, (name) => elementwiseKernelC(name, f, ins, f.dtype));
    const sumKernel = kernels.get(`sum:${f.dtype}:${out}`, (name) => foldKernelC(name, 'sum', f.dtype, out));
    return { kind: 'elemwise_sum', node, kernel, sumKernel, axes: op.axes, keepdims: op.keepdims };
  }
  if (op instanceof Sum || op instanceof Prod || op instanceof Extremum) {
    const fold: Fold = op instanceof Sum ? 'sum' : op instanceof Prod ? 'prod' : op.kind;
    const out = node.outputs[0]!.dtype;
    const kernel = kernels.get(`${fold}:${ins[0]}:${out}`, (name) => foldKernelC(name, fold, ins[0]!, out));
    return { kind: 'reduce', node, kernel, axes: op.axes, keepdims: op.keepdims, fold };
  }
  if ((op instanceof Dot || op instanceof MatMul) && sameFloatDtype(node)) {
    const d = node.outputs[0]!.dtype as 'float32' | 'float64';
    return { kind: op instanceof Dot ? 'dot' : 'matmul', node, kernel: kernels.get(`gemm:${d}`, (name) => gemmKernelC(name, d)) };
  }
  const conv = op instanceof Conv2d ? 'forward' : op instanceof Conv2dGradInput ? 'grad_input' : op instanceof Conv2dGradFilters ? 'grad_filters' : null;
  if (conv && sameFloatDtype(node)) {
    const d = node.outputs[0]!.dtype as 'float32' | 'float64';
    const gemm = kernels.get(`gemm:${d}`, (name) => gemmKernelC(name, d));
    const kernel = kernels.get(`conv2d_${conv}:${d}`, (name) => conv2dKernelsC(name, d, kernels.list[gemm]!.name, conv));
    return { kind: 'conv2d', node, kernel };
  }
  if ((op instanceof MaxPool2d || op instanceof MaxPool2dGrad) && sameFloatDtype(node)) {
    const d = node.outputs[0]!.dtype as 'float32' | 'float64';
    const grad = op instanceof MaxPool2dGrad;
    return { kind: 'max_pool', node, grad, kernel: kernels.get(`max_pool${grad ? '_grad' : ''}:${d}`, (name) => maxPoolKernelC(name, d, grad)) };
  }
  if ((op instanceof AvgPool2d || op instanceof AvgPool2dGrad) && sameFloatDtype(node)) {
    const d = node.outputs[0]!.dtype as 'float32' | 'float64';
    const grad = op instanceof AvgPool2dGrad;
    return { kind: 'avg_pool', node, grad, kernel: kernels.get(`avg_pool${grad ? '_grad' : ''}:${d}`, (name) => avgPoolKernelC(name, d, grad)) };
  }
  const row: RowOp | null = op instanceof Softmax ? 'softmax' : op instanceof LogSoftmax ? 'log_softmax' : op instanceof SoftmaxGrad ? 'softmax_grad' : null;
  if (row && sameFloatDtype(node)) {
    const d = node.outputs[0]!.dtype as 'float32' | 'float64';
    return { kind: 'rows', node, kernel: kernels.get(`${row}:${d}`, (name) => rowKernelC(name, row, d)) };
  }
  if (op instanceof DimShuffle) {
    const perm = op.pattern.filter((p): p is number => p !== 'x');
    const inOrder = perm.every((p, i) => i === 0 || p > perm[i - 1]!);
    const pattern = op.pattern;
    const shapeOf = (x: NDArray) => pattern.map((p) => (p === 'x' ? 1 : x.shape[p]!));
    if (inOrder) return { kind: 'view', node, shape: ([x]) => shapeOf(x!) };
    return { kind: 'transpose', node, kernel: identityKernel(kernels, ins[0]!), pattern };
  }
  if (op instanceof Subtensor) return { kind: 'slice', node, op, kernel: identityKernel(kernels, ins[0]!) };
  if (op instanceof ShapeAt) return { kind: 'shape_at', node, axis: op.axis };
  if (op instanceof AdvancedSubtensor) return { kind: 'gather', node, axis: op.axis, kernel: kernels.get(`gather:${ins[0]}`, (name) => gatherKernelC(name, ins[0]!)) };
  if (op instanceof AdvancedIncSubtensor) {
    return { kind: 'scatter', node, axis: op.axis, kernel: kernels.get(`scatter_${op.mode}:${ins[0]}`, (name) => scatterKernelC(name, ins[0]!, op.mode)) };
  }
  if (op instanceof ArgExtremum) {
    const kernel = kernels.get(`arg${op.kind}:${ins[0]}`, (name) => argExtremumKernelC(name, ins[0]!, op.kind));
    return { kind: 'arg_extremum', node, kernel, axes: op.axes, keepdims: op.keepdims };
  }
  if (op instanceof ARange) {
    const d = node.outputs[0]!.dtype;
    return { kind: 'arange', node, kernel: kernels.get(`arange:${d}`, (name) => arangeKernelC(name, d)) };
  }
  const labelGrad = op instanceof SoftmaxCrossentropyGrad;
  if (op instanceof SoftmaxCrossentropyWithLabels || labelGrad) {
    const d = node.outputs[0]!.dtype as 'float32' | 'float64';
    return { kind: 'label_loss', node, grad: labelGrad, kernel: kernels.get(`label_loss${labelGrad ? '_grad' : ''}:${d}`, (name) => labelLossKernelC(name, d, labelGrad)) };
  }
  if (op instanceof Reshape) return { kind: 'view', node, shape: ([x]) => op.resolve(x!.size, node) };
  if (op instanceof Flatten) {
    return { kind: 'view', node, shape: ([x]) => [...x!.shape.slice(0, op.ndim - 1), shapeSize(x!.shape.slice(op.ndim - 1))] };
  }
  if (op instanceof ReshapeLike) {
    return {
      kind: 'view', node, shape: ([x, like]) => {
        if (x!.size !== like!.size) throw new HypatiaError(op.name, `cannot reshape ${x!.size} elements to [${like!.shape.join(', ')}]`, node.site);
        return [...like!.shape];
      },
    };
  }
  if (op.scalarFormula && node.outputs.length === 1) {
    const formula = op.scalarFormula(ins.map((d, i) => input(i, d)), node);
    if (formula.dtype === node.outputs[0]!.dtype) {
      const key = `ew:${ins.join(',')}:${formulaKey(formula)}`;
      const kernel = kernels.get(key, (name) => elementwiseKernelC(name, formula, ins, formula.dtype));
      return { kind: 'elemwise', node, kernel, formula };
    }
  }
  return { kind: 'host', node };
}

/** Kernels with one C type throughout run natively when every operand already has the (float) result dtype; others run on the host. */
function sameFloatDtype(node: Apply): boolean {
  const d = node.outputs[0]!.dtype;
  return (d === 'float32' || d === 'float64') && node.inputs.every((v) => v.dtype === d);
}

function identityKernel(kernels: KernelTable, d: DType): number {
  const f = input(0, d);
  return kernels.get(`ew:${d}:${formulaKey(f)}`, (name) => elementwiseKernelC(name, f, [d], d));
}

/** Steps whose outputs are not pool buffers: aliases of their input, fresh host values, JS results. */
const UNPOOLED = new Set<Step['kind']>(['view', 'slice', 'shape_at', 'host']);

class NativeExecutable implements Executable {
  private readonly escaping: Set<Variable>;
  /** What host ops returned last call, which their `perform` may write into again. */
  private readonly previous = new Map<Apply, (NDArray | undefined)[]>();
  /** Buffers of native steps' outputs that stay inside the function, recycled by liveness. */
  private readonly pool = new BufferPool();
  private readonly releaseAfter: Variable[][];
  /** This call's pooled buffers still in use, by variable. */
  private readonly inUse = new Map<Variable, NDArray>();
  /** Intermediate buffers of two-kernel steps, kept across calls. */
  private readonly scratch = new Map<Apply, TypedArray>();

  constructor(
    private readonly spec: LowerSpec,
    private readonly steps: readonly Step[],
    private readonly kernels: readonly KernelSource[],
    private readonly addon: AddonExports | undefined,
    private readonly path: string,
  ) {
    this.escaping = new Set(spec.graph.outputs);
    const pooled = new Set(steps.filter((s) => !UNPOOLED.has(s.kind)).map((s) => s.node.outputs[0]!).filter((o) => !this.escaping.has(o)));
    this.releaseAfter = releaseSchedule(steps, pooled, this.escaping);
  }

  get kernelCount(): number {
    return this.steps.filter((s) => s.kind !== 'view').length;
  }

  describe(): string {
    const lines = this.steps.map((s, i) => {
      const sig = `${s.node.op.toString()}(${s.node.inputs.map((v) => v.type.toString()).join(', ')})`;
      switch (s.kind) {
        case 'host': return `  ${i}: host op ${sig} (JS perform)`;
        case 'view': return `  ${i}: view ${sig} (no copy)`;
        case 'shape_at': return `  ${i}: shape ${sig} (read from the operand's shape)`;
        case 'slice': return `  ${i}: native ${this.kernels[s.kernel]!.name} slice ${sig} (a view when contiguous, else a strided copy)`;
        default: return `  ${i}: native ${this.kernels[s.kernel]!.name} ${s.kind} ${sig}`;
      }
    });
    if (this.addon) lines.push(`  addon: ${this.path}`);
    return lines.join('\n');
  }

  /** A buffer for a native step's output: fresh when it leaves the function, else a dead one of the same size. */
  private allocate(node: Apply, dtype: DType, shape: readonly number[]): NDArray {
    const n = shapeSize(shape);
    const out = node.outputs[0]!;
    if (this.escaping.has(out)) return new NDArray(dtype, [...shape], typedArrayFor(dtype, n));
    const a = new NDArray(dtype, [...shape], this.pool.take(dtype, n));
    this.inUse.set(out, a);
    return a;
  }

  private release(vars: Iterable<Variable>): void {
    for (const v of vars) {
      const a = this.inUse.get(v);
      if (!a) continue;
      this.inUse.delete(v);
      this.pool.put(a.dtype, a.data);
    }
  }

  async run(args: readonly NDArray[]): Promise<RunResult> {
    const { graph, inputs, nOutputs } = this.spec;
    const { values, get } = valueTable(this.spec.name, inputs, args);
    // Arrays a kernel allocated this call for a variable that leaves the function: safe to hand out once.
    const owned = new Set<NDArray>();
    this.release([...this.inUse.keys()]); // left over by a call that threw
    for (const [i, s] of this.steps.entries()) {
      const node = s.node;
      const ins = node.inputs.map(get);
      const outVar = node.outputs[0]!;
      switch (s.kind) {
        case 'elemwise': {
          const shape = elementwiseShape(node, ins);
          const out = this.allocate(node, outVar.dtype, shape);
          if (out.size) this.addon!.run(s.kernel, [...ins.map((a) => a.data), out.data], broadcastParams(shape, ins));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'transpose': {
          const x = ins[0]!;
          const xs = stridesOf(x.shape);
          const shape = s.pattern.map((p) => (p === 'x' ? 1 : x.shape[p]!));
          const strides = s.pattern.map((p) => (p === 'x' ? 0 : xs[p]!));
          const out = this.allocate(node, x.dtype, shape);
          if (out.size) this.addon!.run(s.kernel, [x.data, out.data], elementwiseParams(shape, [strides]));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'reduce': {
          const x = ins[0]!;
          if (s.fold === 'max' || s.fold === 'min') checkNotEmpty(node.op.name, x, s.axes, node);
          const shape = reducedShape(x.shape, s.axes, s.keepdims);
          const out = this.allocate(node, outVar.dtype, shape);
          if (x.size === 0) out.data.fill(s.fold === 'prod' ? 1 : 0);
          else if (out.size) this.addon!.run(s.kernel, [x.data, out.data], sumParams(x.shape, s.axes, out.size));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'dot':
        case 'matmul': {
          const run = s.kind === 'dot' ? runDot : runMatMul;
          const out = run(node, ins[0]!, ins[1]!, (shape) => this.allocate(node, outVar.dtype, shape), (buffers, params) => this.addon!.run(s.kernel, buffers, params));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'conv2d': {
          const out = runConv(node, ins, (shape) => this.allocate(node, outVar.dtype, shape), (buffers, params) => this.addon!.run(s.kernel, buffers, params));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'max_pool': {
          const x = ins[0]!;
          const L = poolLayout((node.op as MaxPool2d).params, x.shape);
          const pooled = pooledShape(x.shape, L);
          if (s.grad) checkPooledGrad(node.op.name, node, ins[1]!.shape, pooled);
          const out = this.allocate(node, outVar.dtype, s.grad ? x.shape : pooled);
          const windows = [L.rows.lo, L.rows.hi, L.cols.lo, L.cols.hi];
          const buffers = [x.data, ...(s.grad ? [ins[1]!.data] : []), ...windows, out.data];
          if (out.size) this.addon!.run(s.kernel, buffers, Float64Array.from([L.m, L.h, L.w, L.rows.lo.length, L.cols.lo.length]));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'avg_pool': {
          // The gradient's operands are (gy, x); x gives the geometry.
          const x = ins[s.grad ? 1 : 0]!;
          const { params } = node.op as AvgPool2d;
          const L = poolLayout(params, x.shape);
          const pooled = pooledShape(x.shape, L);
          if (s.grad) checkPooledGrad(node.op.name, node, ins[0]!.shape, pooled);
          const out = this.allocate(node, outVar.dtype, s.grad ? x.shape : pooled);
          const windows = [L.rows.lo, L.rows.hi, L.cols.lo, L.cols.hi, L.rows.span, L.cols.span];
          const p = Float64Array.from([L.m, L.h, L.w, L.rows.lo.length, L.cols.lo.length, params.includePad ? 1 : 0]);
          if (out.size) this.addon!.run(s.kernel, [ins[0]!.data, ...windows, out.data], p);
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'rows': {
          // The last operand has the output's shape (x, or y for softmax_grad).
          const y = ins[ins.length - 1]!;
          if (ins.length === 2 && ins[0]!.size !== y.size) {
            throw new HypatiaError(node.op.name, `at run time the gradient has ${ins[0]!.size} elements but the output ${y.size}`, node.site);
          }
          const out = this.allocate(node, outVar.dtype, y.shape);
          const k = y.ndim ? y.shape[y.ndim - 1]! : 1;
          if (out.size) this.addon!.run(s.kernel, [...ins.map((a) => a.data), out.data], Float64Array.from([out.size / k, k]));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'elemwise_sum': {
          const shape = elementwiseShape(node, ins);
          const dtype = (node.op as ElemwiseSum).formula.dtype;
          const n = shapeSize(shape);
          let scratch = this.scratch.get(node);
          if (!scratch || scratch.length !== n) this.scratch.set(node, (scratch = typedArrayFor(dtype, n)));
          const out = this.allocate(node, outVar.dtype, reducedShape(shape, s.axes, s.keepdims));
          if (n) {
            this.addon!.run(s.kernel, [...ins.map((a) => a.data), scratch], broadcastParams(shape, ins));
            if (out.size) this.addon!.run(s.sumKernel, [scratch, out.data], sumParams(shape, s.axes, out.size));
          } else out.data.fill(0);
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'slice': {
          // Bounds are int32 scalars read here; a contiguous region is a view of x, else a strided copy.
          const x = ins[0]!;
          const r = resolveRegion(s.op.indices, x.shape, ins.slice(1), node.op.name, node);
          const n = shapeSize(r.shape);
          const contiguous = r.strides.every((st, d) => r.shape[d] === 1 || st === stridesOf(r.shape)[d]);
          if (contiguous) values.set(outVar, new NDArray(x.dtype, r.shape, x.data.subarray(r.base, r.base + n)));
          else {
            const out = new NDArray(x.dtype, r.shape, typedArrayFor(x.dtype, n));
            if (n) this.addon!.run(s.kernel, [x.data.subarray(r.base), out.data], elementwiseParams(r.shape, [r.strides]));
            values.set(outVar, out);
            if (this.escaping.has(outVar)) owned.add(out);
          }
          break;
        }
        case 'shape_at': {
          values.set(outVar, new NDArray('int32', [], Int32Array.of(ins[0]!.shape[s.axis]!)));
          break;
        }
        case 'gather': {
          const x = ins[0]!;
          const idx = ins.slice(1);
          const ax = s.axis;
          const k = idx.length;
          const xs = stridesOf(x.shape);
          const { shape, offsets } = indexOffsets(idx, x.shape.slice(ax, ax + k), xs.slice(ax, ax + k), ax, node.op.name, node);
          const innerShape = x.shape.slice(ax + k);
          const out = this.allocate(node, x.dtype, [...x.shape.slice(0, ax), ...shape, ...innerShape]);
          const params = [shapeSize(x.shape.slice(0, ax)), shapeSize(x.shape.slice(ax)), offsets.length, shapeSize(innerShape)];
          if (out.size) this.addon!.run(s.kernel, [x.data, offsets, out.data], Float64Array.from(params));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'scatter': {
          const [x, y, ...idx] = ins as [NDArray, NDArray, ...NDArray[]];
          const ax = s.axis;
          const k = idx.length;
          const xs = stridesOf(x.shape);
          const { shape: bShape, offsets } = indexOffsets(idx, x.shape.slice(ax, ax + k), xs.slice(ax, ax + k), ax, node.op.name, node);
          const outerShape = x.shape.slice(0, ax);
          const innerShape = x.shape.slice(ax + k);
          const ys = broadcastIntoStrides(y.shape, node.inputs[1]!.type.shape, [...outerShape, ...bShape, ...innerShape]);
          if (typeof ys === 'string') throw new HypatiaError(node.op.name, `at run time: ${ys}`, node.site);
          const nb = bShape.length;
          const yOuter = flatOffsets(outerShape, ys.slice(0, ax));
          const yPicked = flatOffsets(bShape, ys.slice(ax, ax + nb));
          const yInner = flatOffsets(innerShape, ys.slice(ax + nb));
          const out = this.allocate(node, x.dtype, x.shape);
          const params = [yOuter.length, shapeSize(x.shape.slice(ax)), offsets.length, yInner.length, x.size];
          if (out.size) this.addon!.run(s.kernel, [x.data, y.data, offsets, yOuter, yPicked, yInner, out.data], Float64Array.from(params));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'arange': {
          const [start, stop, step] = ins.map((a) => a.item());
          if (step === 0 || ![start, stop, step].every(Number.isFinite)) {
            throw new HypatiaError(node.op.name, `needs finite bounds and a non-zero step, got start ${start}, stop ${stop}, step ${step}`, node.site);
          }
          const out = this.allocate(node, outVar.dtype, [arangeLength(start!, stop!, step!)]);
          if (out.size) this.addon!.run(s.kernel, [Float64Array.of(start!, step!), out.data], Float64Array.of(out.size));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'arg_extremum': {
          const x = ins[0]!;
          checkNotEmpty(node.op.name, x, s.axes, node);
          const xs = stridesOf(x.shape);
          const kept = x.shape.map((_, a) => a).filter((a) => !s.axes.includes(a));
          const keptOffsets = flatOffsets(kept.map((a) => x.shape[a]!), kept.map((a) => xs[a]!));
          const reducedOffsets = flatOffsets(s.axes.map((a) => x.shape[a]!), s.axes.map((a) => xs[a]!));
          const out = this.allocate(node, 'int32', reducedShape(x.shape, s.axes, s.keepdims));
          if (out.size) this.addon!.run(s.kernel, [x.data, keptOffsets, reducedOffsets, out.data], Float64Array.of(out.size, reducedOffsets.length));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'label_loss': {
          const z = ins[s.grad ? 1 : 0]!;
          const cols = labelColumns(node.op.name, z, ins[s.grad ? 2 : 1]!, node);
          const [n, k] = z.shape as [number, number];
          if (s.grad && ins[0]!.size !== n) throw new HypatiaError(node.op.name, `at run time the loss gradient has ${ins[0]!.size} entries for ${n} rows`, node.site);
          const out = this.allocate(node, outVar.dtype, s.grad ? z.shape : [n]);
          const buffers = s.grad ? [ins[0]!.data, z.data, cols, out.data] : [z.data, cols, out.data];
          if (n && k) this.addon!.run(s.kernel, buffers, Float64Array.of(n, k));
          values.set(outVar, out);
          if (this.escaping.has(outVar)) owned.add(out);
          break;
        }
        case 'view': {
          const shape = s.shape(ins);
          values.set(outVar, new NDArray(outVar.dtype, shape, ins[0]!.data));
          break;
        }
        case 'host': {
          const reuse = node.outputs.some((o) => this.escaping.has(o)) ? undefined : this.previous.get(node);
          const outs = node.op.perform(ins, node, reuse);
          node.outputs.forEach((o, k) => {
            const a = outs[k]!;
            if (!o.type.accepts(a.shape) || a.dtype !== o.dtype) {
              throw new HypatiaError(node.op.name, `produced ${a.dtype}[${a.shape.join(', ')}] but its type says ${o.type}`, node.site);
            }
            values.set(o, a);
            if (this.escaping.has(o) && !ins.some((x) => x.data === a.data)) owned.add(a);
          });
          // Never offer back an array that aliases an input: it may be a recycled buffer next call.
          if (!reuse) this.previous.set(node, outs.map((a) => (ins.some((x) => x.data === a.data) ? undefined : a)));
          break;
        }
      }
      this.release(this.releaseAfter[i]!);
    }
    // Hand out each owned array once; copy leaves, views and repeats so the caller never holds an
    // alias of an input, a weight or a buffer the next call overwrites.
    const result = graph.outputs.map((o) => {
      const a = get(o);
      if (owned.delete(a)) return a;
      return a.copy();
    });
    this.release([...this.inUse.keys()]);
    return { outputs: result.slice(0, nOutputs), updates: result.slice(nOutputs) };
  }
}
