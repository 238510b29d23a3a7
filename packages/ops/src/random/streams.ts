import { NDArray, SharedVariable, TensorType, Variable, floatX, type DType } from '@hypatia/core';
import { add, mul, sub } from '../elementwise/arithmetic.js';
import { castTo } from '../elementwise/broadcast.js';
import { asVariable, type VarLike } from '../util/as-variable.js';
import { philoxInto } from './philox.js';
import { RandomOp, type Distribution } from './random-op.js';

/** A static shape, or a variable whose run-time shape the sample takes (a dropout mask shaped like a layer's output). */
export type SizeLike = readonly number[] | Variable;

/** Options of `RandomStreams.uniform`: the size, the bounds [low, high) (default [0, 1)) and the dtype. */
export interface UniformOptions { size: SizeLike; low?: VarLike; high?: VarLike; dtype?: DType }
/**
 * Options of `RandomStreams.normal`: the size, the mean (default 0), the standard deviation (default 1) and the dtype.
 */
export interface NormalOptions { size: SizeLike; mean?: VarLike; std?: VarLike; dtype?: DType }
/**
 * Options of `RandomStreams.binomial`: the size, the number of trials n (default 1), the probability p and the dtype.
 */
export interface BinomialOptions { size: SizeLike; n?: number; p: number | Variable; dtype?: DType }

/**
 * The initial state of random variable number `ordinal` of a stream seeded with `seed`: the key is
 * the first two words of Philox4x32-10(counter = (ordinal, 0, 0, 0), key = (seed mod 2^32,
 * floor(seed / 2^32))) and the counter starts at 0. Words are stored as int32 bit patterns.
 */
export function initialRandomState(seed: number, ordinal: number): NDArray {
  const w = new Uint32Array(4);
  philoxInto(ordinal >>> 0, 0, 0, 0, seed >>> 0, Math.floor(seed / 4294967296) >>> 0, w);
  return new NDArray('int32', [4], Int32Array.of(w[0]! | 0, w[1]! | 0, 0, 0));
}

/**
 * Theano's RandomStreams: a factory of random variables from one seed. Each variable owns a state
 * (a shared int32[4]) whose default update advances it, so every call of a compiled function that
 * reads the variable draws fresh numbers, and the whole sequence is reproducible from the seed.
 */
export class RandomStreams {
  private seedValue: number;
  private readonly stateList: SharedVariable[] = [];
  private readonly stateBySample = new WeakMap<Variable, SharedVariable>();

  constructor(seed = 0) {
    this.seedValue = checkSeed(seed);
  }

  /** Every state this stream has made, in creation order. */
  get states(): readonly SharedVariable[] {
    return this.stateList;
  }

  /** Reseed: every variable made so far restarts from the state a fresh stream with this seed would give it. */
  seed(seed: number): void {
    this.seedValue = checkSeed(seed);
    this.stateList.forEach((s, k) => s.set(initialRandomState(this.seedValue, k)));
  }

  /** The state variable behind a sample this stream returned (to `set` it, or to give it an explicit update). */
  stateOf(sample: Variable): SharedVariable {
    const s = this.stateBySample.get(sample);
    if (!s) throw new Error(`RandomStreams.stateOf: ${sample} was not drawn from this stream`);
    return s;
  }

  /** The default updates of all states, as [state, newState] pairs (Theano's `updates()`). */
  updates(): [SharedVariable, Variable][] {
    return this.stateList.map((s) => [s, s.defaultUpdate!]);
  }

  /** Uniform on [low, high): low + (high - low) * u; float rounding may reach `high` in rare cases. */
  uniform({ size, low = 0, high = 1, dtype = floatX }: UniformOptions): Variable {
    const u = this.draw('uniform', dtype, size, []);
    if (low === 0 && high === 1) return this.remember(u, u);
    const scale = typeof low === 'number' && typeof high === 'number' ? high - low : sub(high, low);
    return this.remember(castTo(add(mul(u, scale), low), dtype), u);
  }

  /** Normal with the given mean and standard deviation (Box-Muller; see random-op.ts). */
  normal({ size, mean = 0, std = 1, dtype = floatX }: NormalOptions): Variable {
    const z = this.draw('normal', dtype, size, []);
    if (mean === 0 && std === 1) return this.remember(z, z);
    return this.remember(castTo(add(mul(z, std), mean), dtype), z);
  }

  /** The number of successes in n trials of probability p; n = 1 gives a Bernoulli (dropout) mask. */
  binomial({ size, n = 1, p, dtype = 'int32' }: BinomialOptions): Variable {
    if (typeof p === 'number' && !(p >= 0 && p <= 1)) throw new RangeError(`RandomStreams.binomial: p = ${p} is not a probability`);
    const pv = typeof p === 'number' ? asVariable(NDArray.from(p, 'float32')) : castTo(p, 'float32');
    const b = this.draw('binomial', dtype, size, [pv], n);
    return this.remember(b, b);
  }

  /** Make a state, apply the op to it, and install newState as its default update. */
  private draw(distribution: Distribution, dtype: DType, size: SizeLike, params: Variable[], n = 1): Variable {
    const isLike = size instanceof Variable;
    const op = new RandomOp(distribution, dtype, isLike ? null : [...size], n);
    const state = new SharedVariable(initialRandomState(this.seedValue, this.stateList.length), new TensorType('int32', [4]), `rng_state_${this.stateList.length}`);
    const node = op.apply([state, ...params, ...(isLike ? [size] : [])]);
    const [newState, sample] = node.outputs as [Variable, Variable];
    state.defaultUpdate = newState;
    this.stateList.push(state);
    this.stateBySample.set(sample, state);
    return sample;
  }

  private remember(result: Variable, sample: Variable): Variable {
    this.stateBySample.set(result, this.stateOf(sample));
    return result;
  }
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`RandomStreams: seed ${seed} must be a non-negative integer below 2^53`);
  return seed;
}
