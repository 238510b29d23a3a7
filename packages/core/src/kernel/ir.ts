import type { DType } from '../dtype.js';
import type { CallNode, ConstNode } from '../scalar/expr.js';

/**
 * The kernel IR: what every backend prints (C, WGSL, WebAssembly) and what every op lowers to once.
 *
 * A kernel runs its body once for every point of an iteration space whose extents are known only
 * at run time (so one compiled kernel serves every shape). Integer parameters (sizes, strides,
 * op attributes) come with each launch. The body stores values computed by expressions built from
 * the scalar primitives of the formula IR, loads from buffers at index expressions, and reductions
 * with an accumulator over ranges that may depend on the point (pooling windows). Points are
 * independent unless the kernel is `sequential` (a scatter whose targets may collide).
 */

/** Integer index arithmetic. Division and remainder truncate (they are meant for non-negative operands). */
export type IdxOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'min' | 'max' | 'lt' | 'le' | 'eq' | 'ne' | 'and' | 'or';

/**
 * An integer expression of the kernel IR: literals, iteration variables, launch parameters, int32 buffer reads and integer arithmetic.
 */
export type Idx =
  /** An integer literal. */
  | { readonly k: 'lit'; readonly v: number }
  /** An iteration variable: the space's axes are 0..rank-1, reductions' ranges and lets' get higher numbers. */
  | { readonly k: 'var'; readonly v: number }
  /** The launch's p-th integer parameter. */
  | { readonly k: 'param'; readonly p: number }
  /** An element of an int32 (or bool) buffer: gather indices, labels, bounds read at run time. */
  | { readonly k: 'read'; readonly buf: number; readonly at: Idx }
  /** Comparisons and logic give 0 or 1. */
  | { readonly k: 'op'; readonly op: IdxOp; readonly a: Idx; readonly b: Idx }
  | { readonly k: 'sel'; readonly c: Idx; readonly a: Idx; readonly b: Idx }
  /** A scalar value's integer part (truncated): a floating or int expression used as an index. */
  | { readonly k: 'trunc'; readonly x: Expr };

/** A reduction's variable and its half-open range [lo, hi), which may depend on enclosing variables. */
export interface Range {
  readonly v: number;
  readonly lo: Idx;
  readonly hi: Idx;
}

/**
 * How a reduction combines. sum and prod fold in the accumulator dtype; max and min propagate NaN
 * (the first NaN wins, as the reference's folds do); argmax and argmin give the position (as the
 * reduction's `at` index) of the first maximum or minimum, NaN counting as the extreme.
 */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/**
 * A value: the formula IR's constants and primitive calls (operands made to agree in dtype by
 * scalar/expr.ts's `call`), plus what a kernel adds: loads, integers as values, lets and
 * reductions.
 */
export type Expr =
  | ConstNode
  | CallNode<Expr>
  /** The element `at` of buffer `buf`, whose dtype is `dtype`. */
  | { readonly k: 'load'; readonly buf: number; readonly at: Idx; readonly dtype: DType }
  /** An integer expression as a value of `dtype` (arange, one-hot, positions). */
  | { readonly k: 'index'; readonly at: Idx; readonly dtype: DType }
  /** The value an earlier `let` of the same point bound to variable `v`. */
  | { readonly k: 'get'; readonly v: number; readonly dtype: DType }
  /**
   * Fold `body` over the ranges (outermost first) in the accumulator dtype `acc`, then convert to
   * `dtype`. For argmax/argmin the result is `at` (an index built from the range variables,
   * usually) at the winning point, and `dtype` is int32.
   */
  | { readonly k: 'reduce'; readonly op: ReduceOp; readonly over: readonly Range[]; readonly body: Expr; readonly acc: DType; readonly dtype: DType; readonly at?: Idx };

/** A statement of a kernel's body, run once per point of its iteration space: a let, a store or a check. */
export type Stmt =
  /** Bind a value for later statements of the same point (shared subexpressions). */
  | { readonly k: 'let'; readonly v: number; readonly value: Expr }
  /** buf[at] = value, or buf[at] += value when `accumulate`. */
  | { readonly k: 'store'; readonly buf: number; readonly at: Idx; readonly value: Expr; readonly accumulate?: boolean }
  /**
   * A run-time check (an index in range, a label below the class count). A point that fails it
   * skips the rest of its body and raises the kernel's error flag; the backend then reports the
   * op's own error (from its reference semantics), so a kernel never needs error text.
   */
  | { readonly k: 'check'; readonly cond: Idx };

/** How a kernel uses a buffer: only reads it, only writes it, or both. */
export type Access = 'read' | 'write' | 'readwrite';

/** A buffer a kernel declares: its dtype and how it is accessed. */
export interface BufferDecl {
  readonly dtype: DType;
  readonly access: Access;
}

/**
 * A kernel of the IR: buffers, integer parameters, an iteration space and a body run at each of its points.
 */
export interface Kernel {
  /** A C/WGSL identifier, unique within a program. */
  readonly name: string;
  readonly buffers: readonly BufferDecl[];
  /** How many integer parameters a launch passes. */
  readonly nParams: number;
  /** The iteration space: variable d runs over [0, space[d]). */
  readonly space: readonly Idx[];
  readonly body: readonly Stmt[];
  /** Points must run one after another, in row-major order (their stores may collide). */
  readonly sequential?: boolean;
}
