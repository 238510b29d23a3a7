// What the recurrent layers' tests share: the layers' equations written out as plain loops over
// numbers (PyTorch's documented equations, in double), and a finite-difference check of a cost's
// gradient compiled on any backend.
import { compile, grad, mulberry32, NDArray, type SharedVariable, type Variable } from '@hypatia/core';

/** A seeded array of uniform values in (-scale, scale). */
export function randomArray(dtype: 'float32' | 'float64', shape: number[], seed: number, scale = 1): NDArray {
  const rng = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = (rng() * 2 - 1) * scale;
  return a;
}

/** The values of PyTorch's weight_ih, weight_hh, bias_ih, bias_hh as plain arrays. */
export interface PlainParams { wIh: ArrayLike<number>; wHh: ArrayLike<number>; bIh: ArrayLike<number>; bHh: ArrayLike<number> }

export function plainParams(params: readonly SharedVariable[]): PlainParams {
  const [wIh, wHh, bIh, bHh] = params.map((p) => p.get().data);
  return { wIh: wIh!, wHh: wHh!, bIh: bIh!, bHh: bHh! };
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Row `r` of W `[rows, n]` dotted with v (length n). */
function rowDot(w: ArrayLike<number>, r: number, v: ArrayLike<number>, vo: number, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += w[r * n + k]! * v[vo + k]!;
  return s;
}

/**
 * One recurrent step for every batch row, in plain numbers: `cell(gatesX, gatesH, h, c)` gets, for
 * one row, each gate block's input part `W_i* x + b_i*` and hidden part `W_h* h + b_h*` and returns
 * the new h (and c). Returns every step's h `[T, B, H]` and the last h and c.
 */
function unroll(
  x: NDArray, h0: ArrayLike<number>, c0: ArrayLike<number> | null, p: PlainParams, gates: number, H: number,
  cell: (gx: number[], gh: number[], h: number, c: number, j: number) => [number, number],
): { hs: number[]; hT: number[]; cT: number[] } {
  const [T, B, nIn] = x.shape as [number, number, number];
  let h = Array.from(h0); let c = c0 ? Array.from(c0) : new Array<number>(B * H).fill(0);
  const hs: number[] = [];
  for (let t = 0; t < T; t++) {
    const hNext = new Array<number>(B * H); const cNext = new Array<number>(B * H);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        const gx: number[] = []; const gh: number[] = [];
        for (let g = 0; g < gates; g++) {
          const r = g * H + j;
          gx.push(rowDot(p.wIh, r, x.data, (t * B + b) * nIn, nIn) + p.bIh[r]!);
          gh.push(rowDot(p.wHh, r, h, b * H, H) + p.bHh[r]!);
        }
        [hNext[b * H + j], cNext[b * H + j]] = cell(gx, gh, h[b * H + j]!, c[b * H + j]!, j);
      }
    }
    h = hNext; c = cNext; hs.push(...h);
  }
  return { hs, hT: h, cT: c };
}

/** PyTorch's nn.RNN (tanh): h' = tanh(W_ih x + b_ih + W_hh h + b_hh). */
export function rnnByHand(x: NDArray, h0: ArrayLike<number>, p: PlainParams, H: number) {
  return unroll(x, h0, null, p, 1, H, ([a], [b]) => [Math.tanh(a! + b!), 0]);
}

/** PyTorch's nn.LSTM, gates i, f, g, o: c' = f c + i g, h' = o tanh(c'). */
export function lstmByHand(x: NDArray, h0: ArrayLike<number>, c0: ArrayLike<number>, p: PlainParams, H: number) {
  return unroll(x, h0, c0, p, 4, H, (gx, gh, _h, c) => {
    const [i, f, g, o] = [sigmoid(gx[0]! + gh[0]!), sigmoid(gx[1]! + gh[1]!), Math.tanh(gx[2]! + gh[2]!), sigmoid(gx[3]! + gh[3]!)];
    const cNext = f * c + i * g;
    return [o * Math.tanh(cNext), cNext];
  });
}

/** PyTorch's nn.GRU, gates r, z, n: n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h. */
export function gruByHand(x: NDArray, h0: ArrayLike<number>, p: PlainParams, H: number) {
  return unroll(x, h0, null, p, 3, H, (gx, gh, h) => {
    const r = sigmoid(gx[0]! + gh[0]!); const z = sigmoid(gx[1]! + gh[1]!);
    const n = Math.tanh(gx[2]! + r * gh[2]!);
    return [(1 - z) * n + z * h, 0];
  });
}

/** The largest |a - b| / max(1, |b|) over two arrays of equal length. */
export function maxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return e;
}

/**
 * The gradient of the scalar `cost` with respect to float64 `params`, compiled on `backend`, against
 * the centred difference (c(p + h) - c(p - h)) / 2h of the same backend's compiled cost at `samples`
 * entries of each parameter. Returns the largest relative error |a - n| / max(|a|, |n|, 1e-8).
 */
export async function finiteDifferenceError(cost: Variable, params: readonly SharedVariable[], backend: string, samples = 6, h = 1e-6): Promise<number> {
  const f = await compile({ inputs: [], outputs: [cost, ...grad(cost, [...params])], backend });
  const fc = await compile({ inputs: [], outputs: cost, backend });
  const [, ...analytic] = await f();
  const rng = mulberry32(7);
  let worst = 0;
  for (const [k, p] of params.entries()) {
    const base = p.get().copy();
    for (let s = 0; s < Math.min(samples, base.size); s++) {
      const idx = Math.floor(rng() * base.size);
      const at = async (delta: number) => {
        const v = base.copy(); v.data[idx] = base.data[idx]! + delta; p.set(v);
        return (await fc()).item();
      };
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      p.set(base);
      const a = analytic[k]!.data[idx]!;
      worst = Math.max(worst, Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), 1e-8));
    }
  }
  return worst;
}
