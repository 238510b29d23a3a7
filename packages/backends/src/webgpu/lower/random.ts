import type { DType } from '@hypatia/core';
import { RandomOp } from '@hypatia/ops';
import { ROUTINES, dispatch1d, pipeline } from '../lowering.js';
import { WORKGROUP } from '../kernels.js';
import { storageType } from '../wgsl-scalar.js';

/**
 * Philox4x32-10 in WGSL, word for word the generator of packages/ops/src/random/philox.ts, and the
 * samplers of random-op.ts (whose header is the specification): uniform and binomial agree with the
 * CPU bit for bit, normal within float32 tolerance (computed in f32; the CPU uses float64).
 * WGSL has no 32x32->64 multiply, so the high word is built from 16-bit halves.
 */
export const PHILOX_WGSL = `
fn mulhi(a: u32, b: u32) -> u32 {
  let ah = a >> 16u; let al = a & 0xffffu;
  let bh = b >> 16u; let bl = b & 0xffffu;
  let lh = al * bh; let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
}
fn philox(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi(0xd2511f53u, c.x); let lo0 = 0xd2511f53u * c.x;
    let hi1 = mulhi(0xcd9e8d57u, c.z); let lo1 = 0xcd9e8d57u * c.z;
    c = vec4u(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2u(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}
// (w >>> 8) * 2^-24: exact in f32.
fn u24(w: u32) -> f32 { return f32(w >> 8u) * 5.9604644775390625e-8; }
`;

/**
 * ln and cos(2 pi t) for the normal sampler, to a few float32 ulps. WGSL's builtins only promise an
 * absolute error of 2^-21 (log near 1) and 2^-11 (cos), which would put samples 1e-4 off the CPU's
 * and could even make ln(u1) positive for u1 just below 1 (a NaN sample).
 */
const BOX_MULLER_WGSL = `
// ln(x) for x in (0, 1]: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)) by its series.
fn ln_precise(x: f32) -> f32 {
  let fe = frexp(x);
  var m = fe.fract;
  var e = f32(fe.exp);
  if (m < 0.70710678) { m = m * 2.0; e = e - 1.0; }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = s * (2.0 + s2 * (0.6666666667 + s2 * (0.4 + s2 * (0.2857142857 + s2 * (0.2222222222 + s2 * 0.1818181818)))));
  return series + e * 0.69314718056;
}
// cos(2 pi t) for t in [0, 1): exact quarter-turn reduction, then Taylor polynomials on [0, pi/4].
fn cos2pi(t: f32) -> f32 {
  let q = floor(t * 4.0);
  var r = t - q * 0.25;
  var useSin = false;
  if (r > 0.125) { r = 0.25 - r; useSin = true; }
  let y = 6.283185307179586 * r;
  let y2 = y * y;
  let c = 1.0 - y2 * (0.5 - y2 * (0.041666666667 - y2 * (0.0013888888889 - y2 * 0.0000248015873)));
  let sn = y * (1.0 - y2 * (0.16666666667 - y2 * (0.0083333333333 - y2 * (0.00019841269841 - y2 * 0.0000027557319))));
  // cos(x) for r as first reduced, sin(x) for the complement; then the quarter turn's sign and swap.
  let cosR = select(c, sn, useSin);
  let sinR = select(sn, c, useSin);
  let k = u32(q);
  if (k == 0u) { return cosR; }
  if (k == 1u) { return -sinR; }
  if (k == 2u) { return -cosR; }
  return sinR;
}
`;

type Distribution = 'uniform' | 'normal' | 'binomial';

/**
 * One thread per element; thread 0 also writes the advanced state (a size-0 sample still runs one
 * workgroup, so the state is always written). params: [N].
 */
function randomSource(distribution: Distribution, dtype: DType, n: number): string {
  const t = storageType(dtype);
  const pBinding = distribution === 'binomial' ? `@group(0) @binding(2) var<storage, read> prob: array<f32>;` : '';
  const o = distribution === 'binomial' ? 3 : 2;
  let sample: string;
  if (distribution === 'uniform') sample = `let v = u24(philox(ctr, key).x);`;
  else if (distribution === 'normal') {
    sample = `let w = philox(ctr, key);
  let u1 = u24(w.x) + 5.9604644775390625e-8;
  let u2 = u24(w.y);
  let v = sqrt(-2.0 * ln_precise(u1)) * cos2pi(u2);`;
  } else {
    sample = `let p = prob[0];
  var count = 0u;
  var w = vec4u(0u);
  for (var j = 0u; j < ${n}u; j++) {
    if (j % 4u == 0u) { w = philox(vec4u(ctr.x, ctr.y, j / 4u, 0u), key); }
    if (u24(w[j % 4u]) < p) { count++; }
  }
  let v = count;`;
  }
  const store = dtype === 'bool' ? 'select(0u, 1u, v != 0u)' : `${t}(v)`;
  return `${PHILOX_WGSL}${distribution === 'normal' ? BOX_MULLER_WGSL : ''}
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> state: array<u32>;
${pBinding}
@group(0) @binding(${o}) var<storage, read_write> newState: array<u32>;
@group(0) @binding(${o + 1}) var<storage, read_write> out: array<${t}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  let N = params[0];
  let key = vec2u(state[0], state[1]);
  let lo = state[2]; let hi = state[3];
  if (i == 0u) {
    let total = lo + N;
    newState[0] = key.x; newState[1] = key.y; newState[2] = total; newState[3] = hi + select(0u, 1u, total < lo);
  }
  if (i >= N) { return; }
  let c0 = lo + i;
  let ctr = vec4u(c0, hi + select(0u, 1u, c0 < lo), 0u, 0u);
  ${sample}
  out[i] = ${store};
}`;
}

ROUTINES.set(RandomOp, (node, op) => async (device) => {
  const { distribution } = op;
  const pipe = await pipeline(device, randomSource(distribution, op.dtype, op.n));
  return {
    node,
    describe: `random_${distribution} (Philox4x32-10, one counter per element, as on the CPU)`,
    shapes: (ins) => [[4], op.shape ? [...op.shape] : [...ins[ins.length - 1]!.shape]],
    encode: (pass, ins, [st, o], ctx) => {
      const bufs = [ctx.params(Uint32Array.of(o!.size)), ins[0]!.buffer, ...(distribution === 'binomial' ? [ins[1]!.buffer] : []), st!.buffer, o!.buffer];
      dispatch1d(ctx.device, pass, pipe, bufs, Math.max(1, Math.ceil(o!.size / WORKGROUP)));
    },
  };
});
