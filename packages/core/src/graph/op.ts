import type { NDArray } from '../ndarray.js';
import type { ScalarExpr } from '../scalar/expr.js';
import { captureSite, type Site } from '../site.js';
import { TypeRuleError, HypatiaError } from '../errors.js';
import { Apply } from './apply.js';
import type { TensorType } from './type.js';
import type { Variable } from './variable.js';
import type { FusedPart } from './fused-parts.js';
import type { KernelProgram } from '../kernel/program.js';

/**
 * What an op's `grad` returns for an input that gets no gradient through it: the output does not
 * depend on that input differentiably (an index, a shape source, an integer operand, a random
 * sample's state or probability, a piecewise-constant function). The path contributes nothing; when
 * no other path reaches a `wrt`, `grad`'s `disconnected` option decides (raise, zeros or null).
 * `DISCONNECTED` is its one instance and the one spelling; `grad` rejects anything else. An op with
 * no gradient at all leaves `grad` out, and differentiating through it is an error naming it.
 */
export class Disconnected {
  static readonly instance = new Disconnected();
  // A private member makes the type nominal: no look-alike object literal passes for the marker.
  private readonly marker = 'disconnected';
  private constructor() {}
  toString(): string {
    return 'DISCONNECTED';
  }
}
/**
 * The marker an op's `grad` returns for an input no gradient flows to (an index, a shape, an integer operand).
 */
export const DISCONNECTED = Disconnected.instance;
/** A gradient for one input: a variable of the input's type, or DISCONNECTED. */
export type GradResult = Variable | typeof DISCONNECTED;

/** Thrown by a type rule; `Op.apply` adds the op's name, the operands and the user's line. */
export class ShapeError extends Error {}

/**
 * The contract every op meets, built-in or user-defined: a type/shape rule, reference semantics on
 * host arrays, and a gradient expressed as more graph. Elementwise ops also give a scalar formula,
 * which is what lets the compiler fuse them and every backend generate code for them.
 */
export abstract class Op {
  abstract readonly name: string;

  /**
   * The op's parameters, declared once per class: the names of the instance fields (or getters)
   * whose values make two instances of one op the same op. Equality and hashing (`key`: CSE, kernel
   * caches), printing (`toString`, debugPrint) and `props()` all come from this list. A subclass
   * with parameters of its own lists its parent's too: `static override readonly props =
   * [...Parent.props, 'extra']`. A parameter that is itself an op counts by its key.
   */
  static readonly props: readonly string[] = [];

  /** The parameters' values by name, in the order `static props` lists them. */
  props(): Readonly<Record<string, unknown>> {
    const names = (this.constructor as typeof Op).props;
    const values: Record<string, unknown> = {};
    for (const name of names) {
      if (!(name in this)) throw new HypatiaError(this.name, `static props names '${name}', which is not a field of ${this.constructor.name}`);
      values[name] = Reflect.get(this, name);
    }
    return values;
  }

  private cachedKey: string | undefined;
  /** A string equal for equal ops: the name and the parameters. */
  key(): string {
    if (this.cachedKey === undefined) this.cachedKey = `${this.name}${JSON.stringify(this.props())}`;
    return this.cachedKey;
  }

  /** An op in another op's parameters (a fused product's) serialises as its key. */
  toJSON(): string {
    return this.key();
  }

  /** Output types from input types; throw ShapeError with a plain explanation when they do not fit. */
  abstract inferTypes(inputs: readonly TensorType[]): TensorType[];

  /**
   * Reference semantics. `reuse`, when given, holds the arrays this node returned on the previous
   * call; an op may write into one of them when its shape and dtype still fit.
   */
  abstract perform(inputs: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[];

  /**
   * Vector-Jacobian product: one GradResult per input. `gOutputs[i]` is the gradient of the cost with
   * respect to output i; `grad` calls this only when some output has one, and passes zeros for an
   * output of a multi-output op that has none, so a single-output op always gets a real gradient.
   */
  grad?(inputs: readonly Variable[], outputs: readonly Variable[], gOutputs: readonly Variable[]): GradResult[];

  /**
   * How the op runs on every backend: its kernels in the kernel IR and the plan of their launches
   * for given shapes (kernel/program.ts). Backends print the kernels (C, WGSL, WebAssembly) unless
   * one of their named routines (gemm, im2col convolution) takes the node. Null: the op has no
   * kernels (views, host-side shape arithmetic), or none for these operand types.
   */
  kernels?(node: Apply): KernelProgram | null;

  /** Elementwise ops: the output as a scalar formula of the input scalars. */
  scalarFormula?(inputs: readonly ScalarExpr[], node: Apply): ScalarExpr;

  /**
   * An op a rewrite made from several of the user's elementwise nodes: those nodes, so that a
   * run-time error names the user's op and line (see blameFusedPart). Not part of the op's identity.
   */
  declare readonly fusedParts?: readonly FusedPart[];

  /** Is this op free of side effects and deterministic (can be folded and merged)? */
  get pure(): boolean {
    return true;
  }

  /** Build a node. Type errors name this op, the operands' types and the line the user built it on. */
  apply(inputs: readonly Variable[], site: Site = captureSite()): Apply {
    let types: TensorType[];
    try {
      types = this.inferTypes(inputs.map((v) => v.type));
    } catch (e) {
      if (e instanceof ShapeError) {
        throw new TypeRuleError(this.name, `${e.message} (operands: ${inputs.map((v) => `${v} : ${v.type}`).join(', ')})`, site);
      }
      throw e;
    }
    return new Apply(this, [...inputs], types, site);
  }

  /** Build a node and return its single output. */
  call(...inputs: Variable[]): Variable {
    const node = this.apply(inputs);
    if (node.outputs.length !== 1) throw new HypatiaError(this.name, `has ${node.outputs.length} outputs; use apply()`, node.site);
    return node.out;
  }

  toString(): string {
    const p = this.props();
    const keys = Object.keys(p);
    return keys.length ? `${this.name}{${keys.map((k) => `${k}=${JSON.stringify(p[k])}`).join(', ')}}` : this.name;
  }
}
