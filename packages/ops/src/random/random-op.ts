/**
 * RandomOp: draws one tensor from a random stream's state. This header is the specification that
 * every backend (reference, C, WGSL) implements; samples must agree bit for bit except where noted.
 *
 * State: an int32[4] tensor holding uint32 bit patterns (k0, k1, lo, hi): the Philox key and a 64-bit
 * counter lo + 2^32 * hi. Inputs: [state], then [p] (binomial only: a float32 scalar), then [like]
 * when the op has no static shape (the sample takes like's run-time shape; like's values are unused).
 * Outputs: [newState, sample], with newState = (k0, k1, counter + N) where N is the sample's size.
 *
 * Element i (row-major, 0 <= i < N) draws its words from Philox4x32-10 (philox.ts) with
 *   counter = (c0, c1, b, 0),  c0 = (lo + i) mod 2^32,  c1 = (hi + carry of lo + i) mod 2^32,
 *   key = (k0, k1), and b = 0 except for binomial draws beyond the fourth (below).
 * Write w0..w3 for the output words of block b = 0 and
 *   u24(w) = (w >>> 8) * 2^-24                                  in [0, 1), exact in float32
 *   u53(wa, wb) = ((wa >>> 5) * 2^26 + (wb >>> 6)) * 2^-53       in [0, 1), exact in float64
 * Distributions:
 *   uniform float32: u24(w0).                 uniform float64: u53(w0, w1).
 *   normal  float32: u1 = u24(w0) + 2^-24 (in (0, 1]), u2 = u24(w1),
 *                    z = sqrt(-2 ln u1) * cos(2 pi u2), computed in float64 and rounded to float32
 *                    (a device without float64 computes it in float32 and agrees within tolerance).
 *           float64: u1 = u53(w0, w1) + 2^-53, u2 = u53(w2, w3), z as above in float64.
 *   binomial(n, p):  the number of j in [0, n) with u24(word j mod 4 of block b = floor(j / 4)) < p,
 *                    compared exactly (p is float32, u24 is exact); written in the output dtype
 *                    (int32, float32, float64, or bool when n = 1).
 * A size-0 sample draws nothing and leaves the counter where it was. Initial states (the key from
 * the stream's seed and the variable's ordinal, counter 0) are made on the host: initialRandomState.
 */
import { DISCONNECTED, NDArray, Op, ShapeError, TensorType, HypatiaError, type Apply, type DType, type GradResult, type KernelProgram } from '@hypatia/core';
import { philoxInto } from './philox.js';
import { randomProgram } from './random-kernels.js';

/** The distributions a RandomOp draws from. */
export type Distribution = 'uniform' | 'normal' | 'binomial';

const TWO_M24 = 2 ** -24;
const TWO_M53 = 2 ** -53;
/** Binomial sums n Bernoulli draws per element, so it is meant for small n. */
export const MAX_BINOMIAL_N = 1024;

const u24 = (w: number): number => (w >>> 8) * TWO_M24;
const u53 = (wa: number, wb: number): number => ((wa >>> 5) * 67108864 + (wb >>> 6)) * TWO_M53;

/**
 * Draws one sample from a random stream's state and returns the advanced state with it (specified at the top of this file).
 */
export class RandomOp extends Op {
  readonly name: string;
  /**
   * @param shape the sample's static shape, or null to take the run-time shape of a `like` input.
   * @param n binomial only: the number of Bernoulli draws summed per element.
   */
  constructor(
    readonly distribution: Distribution,
    readonly dtype: DType,
    readonly shape: readonly number[] | null,
    readonly n = 1,
  ) {
    super();
    this.name = `random_${distribution}`;
    const allowed: readonly DType[] = distribution === 'binomial' ? (n === 1 ? ['int32', 'float32', 'float64', 'bool'] : ['int32', 'float32', 'float64']) : ['float32', 'float64'];
    if (!allowed.includes(dtype)) throw new TypeError(`${this.name}: dtype ${dtype} is not supported${distribution === 'binomial' ? ` for n = ${n}` : ''} (use ${allowed.join(', ')})`);
    if (shape && !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new RangeError(`${this.name}: size [${shape.join(', ')}] must hold non-negative integers`);
    if (!Number.isInteger(n) || n < 1 || n > MAX_BINOMIAL_N) throw new RangeError(`${this.name}: n = ${n} must be an integer from 1 to ${MAX_BINOMIAL_N}`);
  }

  // The name already carries the distribution.
  static override readonly props = ['dtype', 'shape', 'n'];

  /** How many inputs a node of this op takes. */
  get arity(): number {
    return 1 + (this.distribution === 'binomial' ? 1 : 0) + (this.shape === null ? 1 : 0);
  }

  inferTypes(inputs: readonly TensorType[]): TensorType[] {
    if (inputs.length !== this.arity) {
      throw new ShapeError(`takes ${this.arity} inputs (state${this.distribution === 'binomial' ? ', p' : ''}${this.shape === null ? ', like' : ''}), got ${inputs.length}`);
    }
    const state = inputs[0]!;
    if (state.dtype !== 'int32' || state.ndim !== 1 || (state.shape[0] !== null && state.shape[0] !== 4)) {
      throw new ShapeError(`the state must be int32[4] (key0, key1, counterLo, counterHi), not ${state}`);
    }
    if (this.distribution === 'binomial') {
      const p = inputs[1]!;
      if (p.dtype !== 'float32' || p.ndim !== 0) throw new ShapeError(`p must be a float32 scalar, not ${p}`);
    }
    const shape = this.shape ?? inputs[inputs.length - 1]!.shape;
    return [new TensorType('int32', [4]), new TensorType(this.dtype, shape)];
  }

  perform(inputs: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const state = inputs[0]!;
    checkStateSize(this, state.size, node);
    const [k0, k1, lo, hi] = Array.from(state.data, (x) => x >>> 0) as [number, number, number, number];
    const shape = this.shape ?? inputs[inputs.length - 1]!.shape;
    const prev = reuse?.[1];
    const sample = prev && prev.dtype === this.dtype && prev.shape.length === shape.length && prev.shape.every((d, i) => d === shape[i])
      ? prev : NDArray.zeros(this.dtype, shape);
    const out = sample.data;
    const n = out.length;
    const w = new Uint32Array(4);

    if (this.distribution === 'binomial') {
      const p = Math.fround(inputs[1]!.data[0]!);
      for (let i = 0; i < n; i++) {
        const c0 = (lo + i) >>> 0, c1 = (hi + Math.floor((lo + i) / 4294967296)) >>> 0;
        let count = 0;
        for (let j = 0; j < this.n; j++) {
          if (j % 4 === 0) philoxInto(c0, c1, j / 4, 0, k0, k1, w);
          if (u24(w[j % 4]!) < p) count++;
        }
        out[i] = count;
      }
    } else {
      const f64 = this.dtype === 'float64';
      const normal = this.distribution === 'normal';
      for (let i = 0; i < n; i++) {
        philoxInto((lo + i) >>> 0, (hi + Math.floor((lo + i) / 4294967296)) >>> 0, 0, 0, k0, k1, w);
        if (!normal) out[i] = f64 ? u53(w[0]!, w[1]!) : u24(w[0]!);
        else {
          const u1 = f64 ? u53(w[0]!, w[1]!) + TWO_M53 : u24(w[0]!) + TWO_M24;
          const u2 = f64 ? u53(w[2]!, w[3]!) : u24(w[1]!);
          out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        }
      }
    }
    return [advance(k0, k1, lo, hi, n), sample];
  }

  override kernels(node: Apply): KernelProgram {
    return randomProgram(this, node, (size) => checkStateSize(this, size, node));
  }

  /** Samples do not depend differentiably on the state, p or the shape source. */
  override grad(inputs: readonly unknown[]): GradResult[] {
    return inputs.map(() => DISCONNECTED);
  }
}

/** The state holds the key and the counter: four words. */
function checkStateSize(op: RandomOp, size: number, node: Apply): void {
  if (size !== 4) throw new HypatiaError(op.name, `the state has ${size} elements; it must have 4 (key0, key1, counterLo, counterHi)`, node.site);
}

/** The state after drawing `n` elements: same key, counter + n (64-bit, with carry). */
function advance(k0: number, k1: number, lo: number, hi: number, n: number): NDArray {
  const total = lo + n;
  return new NDArray('int32', [4], Int32Array.of(k0 | 0, k1 | 0, total | 0, (hi + Math.floor(total / 4294967296)) | 0));
}
