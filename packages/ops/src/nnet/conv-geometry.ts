import { ShapeError, type Dim } from '@hypatia/core';

/** 'valid': no padding; 'same': output ceil(in / stride) (extra padding after, as TensorFlow); 'full': k - 1 each side; [ph, pw]: explicit. */
export type ConvPadding = 'valid' | 'same' | 'full' | readonly [number, number];

/** Options of `conv2d`: the stride (default [1, 1]) and the padding (default 'valid'). */
export interface Conv2dOptions {
  stride?: readonly [number, number];
  padding?: ConvPadding;
}

/** The resolved form stored in an op's props. */
export interface ConvParams {
  readonly stride: readonly [number, number];
  readonly padding: ConvPadding;
}

/** Padding before and after, and the output length, along one spatial axis. */
export interface AxisGeometry {
  before: number;
  after: number;
  out: number;
}

/**
 * Conv2dOptions with defaults filled in and checked (a RangeError naming `op` for a bad stride or padding).
 */
export function resolveConvOptions(opts: Conv2dOptions, op: string): ConvParams {
  const stride = opts.stride ?? [1, 1];
  const padding = opts.padding ?? 'valid';
  if (stride.length !== 2 || !stride.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeError(`${op}: stride must be two positive integers, got [${stride.join(', ')}]`);
  }
  if (typeof padding !== 'string' ? padding.length !== 2 || !padding.every((p) => Number.isInteger(p) && p >= 0) : !['valid', 'same', 'full'].includes(padding)) {
    throw new RangeError(`${op}: padding must be 'valid', 'same', 'full' or two non-negative integers, got ${JSON.stringify(padding)}`);
  }
  return { stride: [stride[0], stride[1]], padding: typeof padding === 'string' ? padding : [padding[0], padding[1]] };
}

/** Geometry of one axis (0: height, 1: width) for an input of length n and a kernel of length k. */
export function axisGeometry(p: ConvParams, axis: 0 | 1, n: number, k: number): AxisGeometry {
  const s = p.stride[axis];
  let before: number, after: number;
  if (p.padding === 'valid') before = after = 0;
  else if (p.padding === 'full') before = after = k - 1;
  else if (p.padding === 'same') {
    const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
    before = Math.floor(total / 2);
    after = total - before;
  } else before = after = p.padding[axis];
  const span = n + before + after - k;
  if (span < 0) throw new ShapeError(`the ${axis === 0 ? 'height' : 'width'} ${n} (padded ${n + before + after}) is smaller than the filter's ${k}`);
  return { before, after, out: Math.floor(span / s) + 1 };
}

/** Static output length, or null when the input or kernel length is only known at run time. */
export function staticOut(p: ConvParams, axis: 0 | 1, n: Dim, k: Dim): Dim {
  return n === null || k === null ? null : axisGeometry(p, axis, n, k).out;
}

/** Both spatial axes of an NCHW input and an OIHW (or any [.., .., kh, kw]) kernel. */
export function convGeometry(p: ConvParams, h: number, w: number, kh: number, kw: number): [AxisGeometry, AxisGeometry] {
  return [axisGeometry(p, 0, h, kh), axisGeometry(p, 1, w, kw)];
}

/** Check the NCHW input and OIHW filters of a convolution (as types) and give the output type's shape. */
export function convOutputShape(p: ConvParams, x: { dtype: string; shape: readonly Dim[] }, w: { dtype: string; shape: readonly Dim[] }): Dim[] {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new ShapeError(`the input must be float32 or float64, got ${x.dtype}`);
  if (w.dtype !== x.dtype) throw new ShapeError(`the filters are ${w.dtype} but the input is ${x.dtype}; cast one of them`);
  if (x.shape.length !== 4) throw new ShapeError(`the input must be 4-d [batch, channels, height, width], got ${x.shape.length} dimensions`);
  if (w.shape.length !== 4) throw new ShapeError(`the filters must be 4-d [out channels, in channels, height, width], got ${w.shape.length} dimensions`);
  const [n, c, h, wd] = x.shape as [Dim, Dim, Dim, Dim];
  const [o, c2, kh, kw] = w.shape as [Dim, Dim, Dim, Dim];
  if (c !== null && c2 !== null && c !== c2) throw new ShapeError(`the input has ${c} channels but the filters expect ${c2}`);
  return [n, o, staticOut(p, 0, h, kh), staticOut(p, 1, wd, kw)];
}
