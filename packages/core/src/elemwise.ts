import type { DType } from './dtype.js';
import { NDArray, shapeSize } from './ndarray.js';
import { Op, ShapeError, type GradResult } from './graph/op.js';
import type { Apply } from './graph/apply.js';
import { TensorType, broadcastStatic, broadcastDeclared } from './graph/type.js';
import { blameFusedPart } from './graph/fused-parts.js';
import type { Variable } from './graph/variable.js';
import { type ScalarExpr, input } from './scalar/expr.js';
import { elementwiseKernel } from './scalar/js.js';
import { HypatiaError } from './errors.js';
import { elementwiseProgram } from './kernel/elementwise-program.js';
import type { KernelProgram } from './kernel/program.js';
import { typedArrayFor } from './dtype.js';

/**
 * What defines an elementwise op: its name, arity, scalar formula, distinguishing properties and gradient.
 */
export interface ElemwiseSpec {
  name: string;
  arity: number;
  /** The scalar formula, given typed input scalars. */
  formula: (xs: readonly ScalarExpr[]) => ScalarExpr;
  /** Extra properties that distinguish instances (clip bounds, cast dtype). */
  props?: Record<string, unknown>;
  /** Vector-Jacobian product; the result for input i must have input i's broadcast shape handled by the caller. */
  grad?: (inputs: readonly Variable[], output: Variable, gOut: Variable) => GradResult[];
}

/**
 * An op defined by a scalar formula applied with broadcasting. Its reference semantics, fusion and
 * every backend's kernel come from that one formula.
 */
export class Elemwise extends Op {
  readonly name: string;
  constructor(readonly spec: ElemwiseSpec) {
    super();
    this.name = spec.name;
  }

  // One class serves every elementwise op, so each op's parameters arrive in its spec rather than
  // in a `static props` list.
  override props(): Readonly<Record<string, unknown>> {
    return this.spec.props ?? {};
  }

  inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts.length !== this.spec.arity) throw new ShapeError(`takes ${this.spec.arity} operands, got ${ts.length}`);
    const shape = broadcastStatic(ts.map((t) => t.shape));
    if (typeof shape === 'string') throw new ShapeError(`operands do not broadcast: ${shape}`);
    return [new TensorType(this.outDtype(ts.map((t) => t.dtype)), shape)];
  }

  outDtype(dtypes: readonly DType[]): DType {
    return this.spec.formula(dtypes.map((d, i) => input(i, d))).dtype;
  }

  override scalarFormula(xs: readonly ScalarExpr[]): ScalarExpr {
    return this.spec.formula(xs);
  }

  perform(ins: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    return [runElementwise(this, this.spec.formula(ins.map((a, i) => input(i, a.dtype))), ins, node, reuse?.[0])];
  }

  override kernels(node: Apply): KernelProgram {
    return elementwiseProgram(node);
  }

  override grad(inputs: readonly Variable[], outputs: readonly Variable[], g: readonly Variable[]): GradResult[] {
    if (!this.spec.grad) throw new HypatiaError(this.name, 'has no gradient defined');
    return this.spec.grad(inputs, outputs[0]!, g[0]!);
  }
}

/**
 * The result shape of elementwise node `node` for operands of `shapes`, after Theano's run-time
 * broadcasting checks. Every backend checks elementwise and fused nodes with it, so a refusal names
 * what the unfused graph would have named: for a fused node, the user's node whose operands
 * disagree (its op, shapes and line); otherwise `opName` and the node's line.
 */
export function elementwiseRunShape(node: Apply, shapes: readonly (readonly number[])[], opName = node.op.name): number[] {
  const shape = broadcastDeclared(shapes, node.inputs.map((v) => v.type));
  if (typeof shape !== 'string') return shape;
  throw blameFusedPart(node.op.fusedParts, shapes) ?? new HypatiaError(opName, shape, node.site);
}

/** Evaluate a formula over broadcast host arrays, reusing `reuse` when it fits. */
export function runElementwise(op: Op, formula: ScalarExpr, ins: readonly NDArray[], node: Apply, reuse?: NDArray): NDArray {
  const shape = elementwiseRunShape(node, ins.map((a) => a.shape), op.name);
  const dtype = formula.dtype;
  const n = shapeSize(shape);
  const out = reuse && reuse.dtype === dtype && reuse.size === n && reuse.shape.length === shape.length && reuse.shape.every((d, i) => d === shape[i])
    ? reuse
    : new NDArray(dtype, shape, typedArrayFor(dtype, n));
  const strides = ins.map((a) => broadcastStrides(a.shape, shape));
  const kernel = elementwiseKernel(formula, ins.length);
  kernel(ins.map((a) => a.data), strides, out.data, shape);
  return out;
}

/** Strides of `shape` read as if broadcast to `out` (0 on stretched and missing axes). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = new Array<number>(out.length).fill(0);
  let acc = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    const j = out.length - shape.length + k;
    s[j] = shape[k] === 1 ? 0 : acc;
    acc *= shape[k]!;
  }
  return s;
}
