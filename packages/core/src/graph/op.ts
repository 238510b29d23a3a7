import type { NDArray } from '../ndarray.js';
import type { ScalarExpr } from '../scalar/expr.js';
import { captureSite, type Site } from '../site.js';
import { TypeRuleError, HypatiaError } from '../errors.js';
import { Apply } from './apply.js';
import type { TensorType } from './type.js';
import type { Variable } from './variable.js';
import type { FusedPart } from './fused-parts.js';

/** The gradient of an input that the output does not depend on at all. */
export const DISCONNECTED = Object.freeze({ kind: 'disconnected' as const });
/** A gradient that exists mathematically nowhere (e.g. w.r.t. an index); using it is an error. */
export class UndefinedGrad {
  readonly kind = 'undefined';
  constructor(readonly reason: string) {}
}
export type GradResult = Variable | typeof DISCONNECTED | UndefinedGrad;

/** Thrown by a type rule; `Op.apply` adds the op's name, the operands and the user's line. */
export class ShapeError extends Error {}

/**
 * The contract every op meets, built-in or user-defined: a type/shape rule, reference semantics on
 * host arrays, and a gradient expressed as more graph. Elementwise ops also give a scalar formula,
 * which is what lets the compiler fuse them and every backend generate code for them.
 */
export abstract class Op {
  abstract readonly name: string;

  /** The properties that make two instances the same op (for CSE and kernel caches). */
  props(): Record<string, unknown> {
    return {};
  }

  private cachedKey: string | undefined;
  /** A string equal for equal ops. */
  key(): string {
    if (this.cachedKey === undefined) this.cachedKey = `${this.name}${JSON.stringify(this.props())}`;
    return this.cachedKey;
  }

  /** Output types from input types; throw ShapeError with a plain explanation when they do not fit. */
  abstract inferTypes(inputs: readonly TensorType[]): TensorType[];

  /**
   * Reference semantics. `reuse`, when given, holds the arrays this node returned on the previous
   * call; an op may write into one of them when its shape and dtype still fit.
   */
  abstract perform(inputs: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[];

  /** Vector-Jacobian product. `gOutputs[i]` is null where output i receives no gradient (treat as zero). */
  grad?(inputs: readonly Variable[], outputs: readonly Variable[], gOutputs: readonly (Variable | null)[]): GradResult[];

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
