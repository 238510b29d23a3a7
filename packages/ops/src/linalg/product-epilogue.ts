import {
  Composite, DISCONNECTED, HypatiaError, Op, S, ShapeError, TensorType, blameFusedPart, elementwiseRunShape, formulaKey, grad, input, runElementwise, substitute,
  type Apply, type DType, type FusedPart, type GradResult, type KernelProgram, type NDArray, type ScalarExpr, type Site, type Variable,
} from '@hypatia/core';
import { elementwise } from '../elementwise/factory.js';
import * as E from '../elementwise/arithmetic.js';
import { ceil, floor, mod, round } from '../elementwise/rounding.js';
import { erf } from '../elementwise/erf.js';
import { asVariable } from '../util/as-variable.js';
import { productEpilogueProgram } from './product-epilogue-kernels.js';

/**
 * A product (Dot, MatMul or Conv2d) followed by the elementwise formula that consumed its result,
 * as one op: the bias-add and activation run as the product's epilogue, on each block of the
 * result while it is still in cache. Operands: the product's, then the formula's other operands
 * (in formula-input order), which broadcast into the product's output shape. Made by the
 * 'product_epilogue' rewrite; its reference semantics are the product's perform, then the formula.
 */
export class ProductEpilogue extends Op {
  readonly name: string = 'product_epilogue';
  constructor(
    readonly product: Op,
    /** How many of the node's operands are the product's. */
    readonly productArity: number,
    /** The elementwise formula; input `productInput` is the product's element. */
    readonly formula: ScalarExpr,
    readonly formulaDtypes: readonly DType[],
    readonly productInput: number,
    /** Names of the absorbed elementwise ops, outermost last, for printing. */
    readonly fusedOps: readonly string[],
    /** The user's elementwise nodes behind the formula (their `input` sources are formula inputs), for run-time errors. */
    readonly epilogueParts: readonly FusedPart[] = [],
    /** Where the user built the product, for its run-time errors. */
    readonly productSite?: Site,
  ) {
    super();
    this.formulaKey = formulaKey(formula);
  }

  static override readonly props = ['product', 'formulaKey', 'productInput'];
  /** The formula's canonical text: what makes two epilogues the same. */
  readonly formulaKey: string;

  /** Formula input i as a node operand index. */
  operandOf(i: number): number {
    return i === this.productInput ? -1 : this.productArity + (i < this.productInput ? i : i - 1);
  }

  inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts.length !== this.productArity + this.formulaDtypes.length - 1) {
      throw new ShapeError(`takes ${this.productArity} product operands and ${this.formulaDtypes.length - 1} epilogue operands, got ${ts.length} operands`);
    }
    const [p] = this.product.inferTypes(ts.slice(0, this.productArity));
    if (p!.dtype !== this.formulaDtypes[this.productInput]) throw new ShapeError(`the product gives ${p!.dtype} but the formula reads ${this.formulaDtypes[this.productInput]}`);
    ts.slice(this.productArity).forEach((t, j) => {
      if (t.ndim > p!.ndim || t.shape.some((d, k) => d !== 1 && d !== null && p!.shape[p!.ndim - t.ndim + k] !== null && d !== p!.shape[p!.ndim - t.ndim + k])) {
        throw new ShapeError(`epilogue operand ${j} of type ${t} does not broadcast into the product's ${p}`);
      }
    });
    return [new TensorType(this.formula.dtype, p!.shape)];
  }

  perform(ins: readonly NDArray[], node: Apply): NDArray[] {
    const parts = this.decomposed(node);
    const [p] = this.product.perform(ins.slice(0, this.productArity), parts.product);
    this.checkEpilogueShapes(node, p!.shape, ins.slice(this.productArity).map((a) => a.shape));
    const formulaIns = this.formulaDtypes.map((_, i) => (i === this.productInput ? p! : ins[this.operandOf(i)]!));
    return [runElementwise(this, substitute(this.formula, formulaIns.map((a, i) => input(i, a.dtype))), formulaIns, parts.epilogue)];
  }

  /**
   * The run-time checks of the epilogue operands (of `extraShapes`) against the product's result
   * of `productShape`: they must broadcast with it, naming the user's elementwise node at fault
   * as the unfused graph would, and into it.
   */
  checkEpilogueShapes(node: Apply, productShape: readonly number[], extraShapes: readonly (readonly number[])[]): void {
    const shapes = this.formulaDtypes.map((_, i) => (i === this.productInput ? productShape : extraShapes[this.operandOf(i) - this.productArity]!));
    const y = elementwiseRunShape(this.decomposed(node).epilogue, shapes, this.name);
    if (y.length !== productShape.length || y.some((d, k) => d !== productShape[k])) {
      throw new HypatiaError(this.name, `at run time the epilogue operands broadcast the product's [${productShape.join(', ')}] to [${y.join(', ')}]`, node.site);
    }
  }

  /** The product's kernel with the formula applied to each element (product-epilogue-kernels.ts). */
  override kernels(node: Apply): KernelProgram | null {
    return productEpilogueProgram(this, node);
  }

  /**
   * For epilogue operands of `extraShapes` (the node's operands after the product's) that do not
   * fit the product's result of `productShape`: the error the unfused graph would have raised,
   * naming the user's elementwise node at fault; null when none is.
   */
  blameEpilogue(productShape: readonly number[], extraShapes: readonly (readonly number[])[]): HypatiaError | null {
    const shapes = this.formulaDtypes.map((_, i) => (i === this.productInput ? productShape : extraShapes[this.operandOf(i) - this.productArity]));
    return blameFusedPart(this.epilogueParts, shapes);
  }

  /** The plain product node inside `node`, at the user's line for the product: its run-time checks name it. */
  productNode(node: Apply): Apply {
    return this.decomposed(node).product;
  }

  /** The gradient of the decomposed graph: the product, then the formula as elementwise ops. */
  override grad(inputs: readonly Variable[], _outputs: readonly Variable[], [g]: readonly Variable[]): GradResult[] {
    const p = this.product.apply(inputs.slice(0, this.productArity)).outputs[0]!;
    const vars = this.formulaDtypes.map((_, i) => (i === this.productInput ? p : inputs[this.operandOf(i)]!));
    const y = asVariable(formulaGraph(this.formula, vars));
    return grad(null, [...inputs], { knownGrads: [[y, g]], disconnected: 'zero' });
  }

  override toString(): string {
    return `product_epilogue{${this.product.toString()},${this.fusedOps.join(',')}}`;
  }

  private readonly parts = new WeakMap<Apply, { product: Apply; epilogue: Apply }>();

  /** The product and the elementwise node this node stands for, built once per node (their perform reads types and sites from them). */
  private decomposed(node: Apply): { product: Apply; epilogue: Apply } {
    let parts = this.parts.get(node);
    if (!parts) {
      const product = this.product.apply(node.inputs.slice(0, this.productArity), this.productSite ?? node.site);
      const vars = this.formulaDtypes.map((_, i) => (i === this.productInput ? product.outputs[0]! : node.inputs[this.operandOf(i)]!));
      const epilogue = new Composite(this.formula, this.formulaDtypes, this.fusedOps, this.epilogueParts).apply(vars, node.site);
      this.parts.set(node, (parts = { product, epilogue }));
    }
    return parts;
  }
}

/** The int32 bit primitives (a random generator's arithmetic): integer results, no gradient. */
const bitOp = (name: string, f: (a: ScalarExpr, b: ScalarExpr) => ScalarExpr) => elementwise({ name, arity: 2, formula: ([a, b]) => f(a!, b!), grad: () => [DISCONNECTED, DISCONNECTED] });
const BIT_OPS = {
  bitand: bitOp('bitand', S.bitand), bitor: bitOp('bitor', S.bitor), bitxor: bitOp('bitxor', S.bitxor),
  shl: bitOp('shl', S.shl), shru: bitOp('shru', S.shru), mulhi_u32: bitOp('mulhi_u32', S.mulhiU32),
};

/** A scalar formula as a graph of elementwise ops over `vars` (one per formula input), for differentiation. */
export function formulaGraph(e: ScalarExpr, vars: readonly Variable[], memo = new Map<ScalarExpr, Variable | number>()): Variable | number {
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  let r: Variable | number;
  if (e.k === 'in') r = vars[e.i]!;
  else if (e.k === 'const') r = e.v;
  else {
    const a = e.args.map((x) => formulaGraph(x, vars, memo));
    const v = (i: number): Variable => asVariable(a[i]!, a.filter((x): x is Variable => typeof x !== 'number'));
    const bin = (f: (x: Variable | number, y: Variable | number) => Variable) => f(a[0]!, a[1]!);
    switch (e.f) {
      case 'add': r = bin(E.add); break;
      case 'sub': r = bin(E.sub); break;
      case 'mul': r = bin(E.mul); break;
      case 'div': r = bin(E.div); break;
      case 'pow': r = bin(E.pow); break;
      case 'maximum': r = bin(E.maximum); break;
      case 'minimum': r = bin(E.minimum); break;
      case 'lt': r = bin(E.lt); break;
      case 'le': r = bin(E.le); break;
      case 'gt': r = bin(E.gt); break;
      case 'ge': r = bin(E.ge); break;
      case 'eq': r = bin(E.eq); break;
      case 'ne': r = bin(E.neq); break;
      case 'and': r = bin(E.and); break;
      case 'or': r = bin(E.or); break;
      case 'mod': r = bin(mod); break;
      case 'neg': r = E.neg(v(0)); break;
      case 'exp': r = E.exp(v(0)); break;
      case 'log': r = E.log(v(0)); break;
      case 'log1p': r = E.log1p(v(0)); break;
      case 'expm1': r = E.expm1(v(0)); break;
      case 'sqrt': r = E.sqrt(v(0)); break;
      case 'tanh': r = E.tanh(v(0)); break;
      case 'sin': r = E.sin(v(0)); break;
      case 'cos': r = E.cos(v(0)); break;
      case 'abs': r = E.abs(v(0)); break;
      case 'sign': r = E.sign(v(0)); break;
      case 'not': r = E.not(v(0)); break;
      case 'isnan': r = E.isnan(v(0)); break;
      case 'isinf': r = E.isinf(v(0)); break;
      case 'floor': r = floor(v(0)); break;
      case 'ceil': r = ceil(v(0)); break;
      case 'round': r = round(v(0)); break;
      case 'erf': r = erf(v(0)); break;
      case 'select': r = E.where(a[0]!, a[1]!, a[2]!); break;
      case 'cast': r = E.cast(v(0), e.dtype); break;
      case 'bitand': case 'bitor': case 'bitxor': case 'shl': case 'shru': case 'mulhi_u32': r = bin(BIT_OPS[e.f]); break;
    }
  }
  memo.set(e, r);
  return r;
}
