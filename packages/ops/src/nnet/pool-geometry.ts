import { HypatiaError, I, ShapeError, TensorType, type Apply, type Dim, type Idx, type IdxLike } from '@hypatia/core';

/**
 * Options of the 2-D pooling ops: window, stride, whether border windows are dropped, and padding (Theano's pool_2d).
 */
export interface Pool2dOptions {
  /** Window height and width (Theano's ds). */
  window: readonly [number, number];
  /** Step between windows; defaults to the window (non-overlapping). */
  stride?: readonly [number, number];
  /** true drops windows that would hang over the border; false keeps them, clipped (Theano's ignore_border). */
  ignoreBorder?: boolean;
  /** Zero padding at each side of height and width; needs ignoreBorder and must be smaller than the window. */
  padding?: readonly [number, number];
}

/** Pool2dOptions resolved: every field given, as the pooling ops store them. */
export interface PoolParams {
  readonly window: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly ignoreBorder: boolean;
  readonly padding: readonly [number, number];
}

/** Pool2dOptions with defaults filled in and checked (a RangeError naming `op`). */
export function resolvePoolOptions(o: Pool2dOptions, op: string): PoolParams {
  const pair = (v: readonly number[] | undefined, what: string, min: number): [number, number] => {
    if (!v || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= min)) {
      throw new RangeError(`${op}: ${what} must be two integers >= ${min}, got ${JSON.stringify(v)}`);
    }
    return [v[0]!, v[1]!];
  };
  const window = pair(o.window, 'window', 1);
  const stride = pair(o.stride ?? window, 'stride', 1);
  const padding = pair(o.padding ?? [0, 0], 'padding', 0);
  const ignoreBorder = o.ignoreBorder ?? true;
  if ((padding[0] || padding[1]) && !ignoreBorder) throw new RangeError(`${op}: padding needs ignoreBorder: true (as in Theano)`);
  if (padding[0] >= window[0] || padding[1] >= window[1]) {
    throw new RangeError(`${op}: padding [${padding}] must be smaller than the window [${window}], or some windows would see only padding`);
  }
  return { window, stride, ignoreBorder, padding };
}

/** Output length along one axis, with Theano's pool_2d rule. */
export function poolOut(p: PoolParams, axis: 0 | 1, n: number): number {
  const r = n + 2 * p.padding[axis];
  const ds = p.window[axis], st = p.stride[axis];
  if (p.ignoreBorder) return Math.max(0, Math.floor((r - ds) / st) + 1);
  if (r === 0) return 0;
  return st >= ds ? Math.floor((r - 1) / st) + 1 : Math.max(0, Math.floor((r - 1 - ds + st) / st)) + 1;
}

/** The pooled type: the last two axes shrink, any leading axes (batch, channels) are kept. */
export function poolType(p: PoolParams, t: TensorType): TensorType {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new ShapeError(`the input must be float32 or float64, got ${t.dtype}`);
  if (t.ndim < 2) throw new ShapeError(`the input needs at least 2 dimensions (it pools the last two), got ${t.ndim}`);
  const h: Dim = t.shape[t.ndim - 2]!, w: Dim = t.shape[t.ndim - 1]!;
  return new TensorType(t.dtype, [...t.shape.slice(0, -2), h === null ? null : poolOut(p, 0, h), w === null ? null : poolOut(p, 1, w)]);
}

/**
 * One axis of the pooling geometry as integers: the input length, the pooled length, and the
 * op's window, stride and padding. The reference reads it as numbers; a kernel receives it as
 * parameters and reads it as index expressions.
 */
export interface PoolAxis<T> {
  n: T;
  out: T;
  window: T;
  stride: T;
  pad: T;
}

/**
 * The pooling geometry along one spatial axis of length `n`: its output length, window, stride and padding.
 */
export function poolAxis(p: PoolParams, axis: 0 | 1, n: number): PoolAxis<number> {
  return { n, out: poolOut(p, axis, n), window: p.window[axis], stride: p.stride[axis], pad: p.padding[axis] };
}

/**
 * Window i of an axis, in input coordinates: it covers [lo, hi) of the real input, and `span`
 * positions of the padded input (what an average that counts padding divides by). The one
 * formula for the reference (numbers in, numbers out: the index builders fold literals) and for
 * the kernels (index expressions).
 */
export function windowAt(i: IdxLike, ax: PoolAxis<IdxLike>): { lo: Idx; hi: Idx; span: Idx } {
  const start = I.mul(i, ax.stride);
  const end = I.min(I.add(start, ax.window), I.add(ax.n, I.mul(2, ax.pad)));
  return { lo: I.max(I.sub(start, ax.pad), 0), hi: I.min(I.sub(end, ax.pad), ax.n), span: I.sub(end, start) };
}

/**
 * The windows of an axis that contain input position q (0 <= q < n): a in [first, end), empty for
 * a position no window covers. Window a covers q when a·stride - pad <= q < a·stride - pad + window,
 * so an axis has at most ceil(window / stride) of them (`windowsPerPosition`).
 */
export function windowsContaining(q: IdxLike, ax: PoolAxis<IdxLike>): { first: Idx; end: Idx } {
  // Both quotients have non-negative operands, so truncation is floor.
  const reach = I.max(I.add(I.sub(I.add(q, ax.pad), ax.window), 1), 0);
  return { first: I.div(I.add(reach, I.sub(ax.stride, 1)), ax.stride), end: I.min(ax.out, I.add(I.div(I.add(q, ax.pad), ax.stride), 1)) };
}

/** The most windows of an axis one input position can lie in. */
export function windowsPerPosition(p: PoolParams, axis: 0 | 1): number {
  return Math.ceil(p.window[axis] / p.stride[axis]);
}

/** The value of a window formula evaluated on numbers. */
function num(i: Idx): number {
  if (i.k !== 'lit') throw new Error('pool geometry: a formula on numbers did not fold to a number');
  return i.v;
}

/**
 * Window bounds along one axis, in input coordinates: window i covers [lo[i], hi[i]) of the real
 * input, and `span[i]` positions of the padded input.
 */
export interface AxisWindows {
  lo: Int32Array;
  hi: Int32Array;
  span: Int32Array;
}

/** Each window's bounds along one spatial axis of length `n`. */
export function axisWindows(p: PoolParams, axis: 0 | 1, n: number): AxisWindows {
  const ax = poolAxis(p, axis, n);
  const lo = new Int32Array(ax.out), hi = new Int32Array(ax.out), span = new Int32Array(ax.out);
  for (let i = 0; i < ax.out; i++) {
    const w = windowAt(i, ax);
    lo[i] = num(w.lo);
    hi[i] = num(w.hi);
    span[i] = num(w.span);
  }
  return { lo, hi, span };
}

/** The run-time layout: `m` stacked images of h x w, pooled to oh x ow. */
export interface PoolLayout {
  m: number;
  h: number;
  w: number;
  rows: AxisWindows;
  cols: AxisWindows;
}

/**
 * The run-time layout of an operand of `shape`: its stacked images and their windows along rows and columns.
 */
export function poolLayout(p: PoolParams, shape: readonly number[]): PoolLayout {
  const { m, h, w } = poolImages(shape);
  return { m, h, w, rows: axisWindows(p, 0, h), cols: axisWindows(p, 1, w) };
}

/** A pooled operand of `shape` as `m` stacked images of h x w (the leading axes are the stack). */
export function poolImages(shape: readonly number[]): { m: number; h: number; w: number } {
  return { m: shape.slice(0, -2).reduce((a, b) => a * b, 1), h: shape[shape.length - 2]!, w: shape[shape.length - 1]! };
}

/** The pooled output's shape for an operand of `shape` laid out as `L`. */
export function pooledShape(shape: readonly number[], L: PoolLayout): number[] {
  return [...shape.slice(0, -2), L.rows.lo.length, L.cols.lo.length];
}

/** Run-time check that an incoming gradient has the pooled output's shape. */
export function checkPooledGrad(op: string, node: Apply, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new HypatiaError(op, `at run time the output gradient has shape [${got.join(', ')}] but the pooled output is [${want.join(', ')}]`, node.site);
  }
}

/** Run-time check that an operand read at the input's positions (max_pool2d_grad_grad's h) has the input's shape. */
export function checkSameShape(op: string, node: Apply, name: string, got: readonly number[], x: readonly number[]): void {
  if (got.length !== x.length || got.some((d, i) => d !== x[i])) {
    throw new HypatiaError(op, `at run time the operand ${name} has shape [${got.join(', ')}] but the input x has [${x.join(', ')}]; they must match`, node.site);
  }
}

/** Type rule of the gradient ops: gy must have the pooled type of x. */
export function checkPooledGradType(p: PoolParams, x: TensorType, gy: TensorType): void {
  const want = poolType(p, x);
  const why = want.mismatch(gy);
  if (why) throw new ShapeError(`the output gradient ${gy} does not fit the pooled output ${want}: ${why}`);
}
