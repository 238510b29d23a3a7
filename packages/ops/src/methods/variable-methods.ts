import { Constant, SharedVariable, Variable, type DType, type ValueLike } from '@hypatia/core';
import type { VarLike } from '../util/as-variable.js';
import * as A from '../elementwise/arithmetic.js';
import { ceil, floor, floorDiv, mod, round } from '../elementwise/rounding.js';
import { erf } from '../elementwise/erf.js';
import type { ElementwiseFn } from '../elementwise/factory.js';
import { sum } from '../reduce/sum.js';
import { mean } from '../reduce/mean.js';
import { prod } from '../reduce/prod.js';
import { max, min } from '../reduce/extremum.js';
import { argmax, argmin } from '../reduce/arg-extremum.js';
import { std, variance } from '../reduce/variance.js';
import { dot, outer } from '../linalg/dot.js';
import { matmul } from '../linalg/matmul.js';
import { tensordot } from '../linalg/tensordot.js';
import { dimshuffle, transpose } from '../shape/dimshuffle.js';
import { flatten, reshape } from '../shape/reshape.js';
import { expandDims, squeeze } from '../shape/expand-dims.js';
import { subtensor } from '../shape/subtensor.js';
import { shapeOf } from '../creation/shape-of.js';
import { advancedIndex, take } from '../indexing/advanced-subtensor.js';
import { takeAlongAxis } from '../indexing/take-along-axis.js';
import { booleanMask } from '../indexing/boolean-mask.js';
import { cumprod, cumsum } from '../cumulative/cumulative.js';
import { argsort, argtopk, sort, topk } from '../sorting/sort.js';
import { softmax } from '../nnet/softmax.js';
import { logSoftmax } from '../nnet/log-softmax.js';
import { categoricalCrossentropy } from '../nnet/categorical-crossentropy.js';
import { binaryCrossentropy } from '../nnet/binary-crossentropy.js';
import { oneHot } from '../nnet/one-hot.js';

/*
 * Method chaining on variables, so expressions read as Theano's without operator overloading:
 * `x.dot(W).add(b).sigmoid()`, `p.log().at(arange(n), y).mean().neg()`. Every method is the
 * function of the same name with the variable as its first operand (`x.sum(1, true)` is
 * `sum(x, 1, true)`), and builds the same node, so both spellings give one graph. Variable lives
 * in @hypatia/core, which knows no ops: importing @hypatia/ops installs the methods on its
 * prototype and declares them to TypeScript by merging them into Variable's interface.
 */

/** Elementwise functions of the variable alone: `x.exp()`. */
const UNARY = {
  neg: A.neg, exp: A.exp, log: A.log, log1p: A.log1p, expm1: A.expm1, sqrt: A.sqrt, square: A.square,
  abs: A.abs, sign: A.sign, sin: A.sin, cos: A.cos, tanh: A.tanh, sigmoid: A.sigmoid, softplus: A.softplus, relu: A.relu,
  floor, ceil, round, erf, not: A.not, isnan: A.isnan, isinf: A.isinf,
} satisfies Record<string, ElementwiseFn>;

/** Elementwise functions of the variable and one more operand: `x.add(b)`. */
const BINARY = {
  add: A.add, sub: A.sub, mul: A.mul, div: A.div, pow: A.pow, mod, floorDiv, maximum: A.maximum, minimum: A.minimum,
  lt: A.lt, le: A.le, gt: A.gt, ge: A.ge, eq: A.eq, neq: A.neq, and: A.and, or: A.or,
} satisfies Record<string, ElementwiseFn>;

/** Every other function whose first operand is the tensor, with its own further arguments. */
const OTHERS = {
  clip: A.clip, cast: A.cast,
  sum, mean, prod, max, min, argmax, argmin, variance, var: variance, std,
  dot, outer, matmul, tensordot,
  reshape, flatten, dimshuffle, transpose, expandDims, squeeze,
  subtensor, advancedIndex, take, takeAlongAxis, booleanMask,
  cumsum, cumprod, sort, argsort, topk, argtopk,
  softmax, logSoftmax, categoricalCrossentropy, binaryCrossentropy, oneHot,
};

/** A function's arguments after its first. */
type Rest<F> = F extends (x: never, ...rest: infer R) => Variable ? R : never;

/** The methods importing @hypatia/ops gives every Variable (Constant and SharedVariable included). */
export type VariableMethods =
  & { [K in keyof typeof UNARY]: () => Variable }
  & { [K in keyof typeof BINARY]: (y: VarLike) => Variable }
  & { [K in keyof typeof OTHERS]: (...args: Rest<(typeof OTHERS)[K]>) => Variable }
  & {
    /** Integer-array indexing from the first axis, NumPy's `x[i0, i1, ...]`: `p.at(arange(n), y)` is `advancedIndex(p, [arange(n), y])`. */
    at(...indices: (Variable | ValueLike)[]): Variable;
    /** NumPy's and Theano's name for cast. */
    astype(dtype: DType): Variable;
    /** The transpose (Theano's `x.T`): the axes reversed. */
    readonly T: Variable;
    /**
     * The run-time lengths, one int32 scalar per axis (Theano's `x.shape`, whose `x.shape[0]` is
     * `x.symShape[0]`, `x.shape[-1]` `x.symShape.at(-1)`). `x.shape` stays the static shape.
     */
    readonly symShape: readonly Variable[];
  };

declare module '@hypatia/core' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Variable extends VariableMethods {}
}

const methods: Record<string, (this: Variable, ...args: never[]) => Variable> = {
  at(this: Variable, ...indices: (Variable | ValueLike)[]) { return advancedIndex(this, indices); },
  astype(this: Variable, dtype: DType) { return A.cast(this, dtype); },
};
for (const [name, f] of Object.entries(UNARY)) methods[name] = function (this: Variable) { return f(this); };
for (const [name, f] of Object.entries(BINARY)) methods[name] = function (this: Variable, y: VarLike) { return f(this, y); };
for (const [name, f] of Object.entries(OTHERS)) {
  methods[name] = function (this: Variable, ...args: never[]) { return (f as (x: Variable, ...rest: never[]) => Variable)(this, ...args); };
}
const getters: Record<string, (this: Variable) => unknown> = {
  T(this: Variable) { return transpose(this); },
  symShape(this: Variable) { return Array.from({ length: this.ndim }, (_, d) => shapeOf(this, d)); },
};

/** The names that Variable and its subclasses set in their constructors, which a method must not shadow. */
const FIELDS = new Set(['id', 'site', 'type', 'owner', 'index', 'name', 'value', 'version', 'defaultUpdate']);
/** Marks the functions installed here, so a second copy of this module may replace them. */
const INSTALLED = Symbol.for('@hypatia/ops variable method');

/** The method names installed, for tests and error messages. */
export const VARIABLE_METHODS: readonly string[] = [...Object.keys(methods), ...Object.keys(getters)];

for (const name of VARIABLE_METHODS) {
  const member = [Variable, Constant, SharedVariable].map((c) => Object.getOwnPropertyDescriptor(c.prototype, name)).find((d) => d !== undefined);
  const ours = member && INSTALLED in ((member.value ?? member.get) as object);
  if (FIELDS.has(name) || (member && !ours)) throw new Error(`@hypatia/ops: the method ${name} would shadow a member of Variable`);
}
for (const f of [...Object.values(methods), ...Object.values(getters)]) Object.defineProperty(f, INSTALLED, { value: true });
for (const [name, f] of Object.entries(methods)) Object.defineProperty(Variable.prototype, name, { value: f, writable: true, configurable: true });
for (const [name, get] of Object.entries(getters)) Object.defineProperty(Variable.prototype, name, { get, configurable: true });
