import { NDArray } from './ndarray.js';
import { HypatiaError } from './errors.js';
import { Constant, Variable } from './graph/variable.js';
import { TensorType } from './graph/type.js';
import { grad } from './grad.js';
import { evaluate } from './evaluate.js';

/**
 * Options of `verifyGrad`: the finite-difference step, tolerances, seed, and when to check along random directions.
 */
export interface VerifyGradOptions {
  /** Finite-difference step (default 1e-6 in float64). */
  eps?: number;
  /** Relative tolerance of the comparison (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Seed of the random output projection and directions. */
  seed?: number;
  /** Inputs with more elements than this are checked along random directions instead of one by one. */
  maxElementwise?: number;
}

/**
 * The largest absolute and relative differences `verifyGrad` found between the symbolic and numeric gradients.
 */
export interface GradCheckReport {
  maxAbsError: number;
  maxRelError: number;
}

/**
 * Theano's verify_grad: project the output onto a random tensor to get a scalar, then compare the
 * symbolic gradient with two-sided finite differences, in float64. Throws with the worst entry.
 */
export function verifyGrad(f: (...xs: Variable[]) => Variable, points: readonly NDArray[], options: VerifyGradOptions = {}): GradCheckReport {
  const eps = options.eps ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-6;
  const rng = mulberry32(options.seed ?? 1234);
  const xs = points.map((p, i) => {
    if (p.dtype !== 'float64') throw new HypatiaError('verifyGrad', `point ${i} must be float64, got ${p.dtype}`);
    return new Variable(new TensorType('float64', p.shape), null, 0, `x${i}`);
  });
  const out = f(...xs);
  const probe = evaluate([out], new Map(xs.map((x, i) => [x, points[i]!])))[0]!;
  const proj = NDArray.zeros(out.dtype, probe.shape);
  for (let i = 0; i < proj.size; i++) proj.data[i] = rng() * 2 - 1;
  const gs = grad(null, xs, { knownGrads: [[out, new Constant(proj)]], disconnected: 'zero' });

  const cost = (vals: readonly NDArray[]): number => {
    const o = evaluate([out], new Map(xs.map((x, i) => [x, vals[i]!])))[0]!;
    let s = 0;
    for (let i = 0; i < o.size; i++) s += o.data[i]! * proj.data[i]!;
    return s;
  };
  const analytic = evaluate(gs, new Map(xs.map((x, i) => [x, points[i]!])));

  let maxAbs = 0;
  let maxRel = 0;
  const check = (label: string, sym: number, num: number) => {
    const abs = Math.abs(sym - num);
    const rel = abs / Math.max(Math.abs(sym), Math.abs(num), 1e-12);
    maxAbs = Math.max(maxAbs, abs);
    if (abs > atol) maxRel = Math.max(maxRel, rel);
    if (!(abs <= atol || rel <= rtol)) {
      throw new HypatiaError('verifyGrad', `${label}: symbolic ${sym} vs numeric ${num} (abs error ${abs.toExponential(2)}, rel error ${rel.toExponential(2)}) for ${out.owner?.op.name ?? 'output'}`);
    }
  };
  points.forEach((p, k) => {
    const g = analytic[k]!;
    const perturbed = (delta: (j: number) => number, sign: number) => {
      const q = p.copy();
      for (let j = 0; j < q.size; j++) q.data[j] = q.data[j]! + sign * eps * delta(j);
      return points.map((o, i) => (i === k ? q : o));
    };
    if (p.size <= (options.maxElementwise ?? 400)) {
      for (let j = 0; j < p.size; j++) {
        const e = (m: number) => (m === j ? 1 : 0);
        const num = (cost(perturbed(e, 1)) - cost(perturbed(e, -1))) / (2 * eps);
        check(`input ${k} element ${j}`, g.data[j]!, num);
      }
    } else {
      for (let t = 0; t < 8; t++) {
        const dir = Array.from({ length: p.size }, () => rng() * 2 - 1);
        const num = (cost(perturbed((j) => dir[j]!, 1)) - cost(perturbed((j) => dir[j]!, -1))) / (2 * eps);
        let sym = 0;
        for (let j = 0; j < p.size; j++) sym += g.data[j]! * dir[j]!;
        check(`input ${k} direction ${t}`, sym, num);
      }
    }
  });
  return { maxAbsError: maxAbs, maxRelError: maxRel };
}

/** A small seeded generator for test data (not the RandomStreams generator). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
