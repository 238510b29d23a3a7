import { type Apply } from '@hypatia/core';
import { AvgPool2d, AvgPool2dGrad, MaxPool2d, MaxPool2dGrad, MaxPool2dGradGrad } from '@hypatia/ops';
import { checkPooledGrad, poolOut, type AvgPoolParams, type PoolParams } from '@hypatia/ops/backend';
import { ROUTINES, dispatch1d, pipeline, type Routine } from '../lowering.js';
import { WORKGROUP } from '../kernels.js';
import type { GpuTensor } from '../buffers.js';

/**
 * Max and average pooling over the last two axes and their gradients, one thread per element
 * written, with Theano's pool_2d windows (pool-geometry.ts in ops). The gradients gather rather
 * than scatter: each input element visits the few windows that contain it, in the order the
 * reference adds them, so no atomics are needed. Max pooling's winner is the first maximum in
 * row-major order (v > best), recomputed where needed rather than stored.
 */
const COMMON = `
@group(0) @binding(0) var<storage, read> params: array<u32>; // [m, h, w, oh, ow, dsH, dsW, stH, stW, padH, padW, includePad]
fn pH() -> u32 { return params[1]; }
fn pW() -> u32 { return params[2]; }
fn pOH() -> u32 { return params[3]; }
fn pOW() -> u32 { return params[4]; }
// Window i along an axis (0: rows, 1: columns): [lo, hi) of the real input, and its span in the padded one.
fn window(i: u32, axis: u32) -> vec3i {
  let n = i32(params[1u + axis]);
  let ds = i32(params[5u + axis]);
  let st = i32(params[7u + axis]);
  let pad = i32(params[9u + axis]);
  let start = i32(i) * st;
  let end = min(start + ds, n + 2 * pad);
  return vec3i(max(start - pad, 0), min(end - pad, n), end - start);
}
// The windows along an axis that contain input position p: [first, last].
fn containing(p: u32, axis: u32, outs: u32) -> vec2u {
  let ds = i32(params[5u + axis]);
  let st = i32(params[7u + axis]);
  let pad = i32(params[9u + axis]);
  let q = i32(p) + pad;
  var first = 0;
  if (q - ds >= 0) { first = (q - ds) / st + 1; }
  let last = min(q / st, i32(outs) - 1);
  return vec2u(u32(first), u32(max(last + 1, first)));
}`;

const ARGMAX = `
// The index in x of window (a, b)'s first maximum, -1 for an empty window.
fn argmaxAt(base: u32, a: u32, b: u32) -> i32 {
  let R = window(a, 0u);
  let C = window(b, 1u);
  var best = 0.0;
  var at = -1;
  for (var r = R.x; r < R.y; r++) {
    for (var c = C.x; c < C.y; c++) {
      let idx = i32(base) + r * i32(pW()) + c;
      let v = x[idx];
      if (at < 0 || v > best) { best = v; at = idx; }
    }
  }
  return at;
}`;

const AVERAGE = `
fn scaleAt(a: u32, b: u32) -> f32 {
  let R = window(a, 0u);
  let C = window(b, 1u);
  var count = (R.y - R.x) * (C.y - C.x);
  if (params[11] != 0u) { count = R.z * C.z; }
  return 1.0 / f32(count);
}`;

interface PoolKernel {
  /** Bindings after params: the name in WGSL and the node input it holds. */
  inputs: [name: string, input: number][];
  /** The node inputs holding the pooled input x (for its shape) and, for gradients, the pooled-shape gradient. */
  x: number;
  pooled?: number;
  helpers: string;
  /** Writes out[o] for thread o; forward kernels run per pooled element, gradients per input element. */
  body: string;
  perInput: boolean;
}

/** Decomposes o into image, and (a, b) pooled or (r, c) input coordinates. */
const FORWARD_INDEX = `let img = o / (pOH() * pOW()); let a = (o / pOW()) % pOH(); let b = o % pOW(); let base = img * pH() * pW();`;
const INPUT_INDEX = `let img = o / (pH() * pW()); let r = (o / pW()) % pH(); let c = o % pW(); let base = img * pH() * pW();
  let rows = containing(r, 0u, pOH()); let cols = containing(c, 1u, pOW()); let obase = img * pOH() * pOW();`;

const KERNELS: Record<string, PoolKernel> = {
  max_pool2d: {
    inputs: [['x', 0]], x: 0, helpers: ARGMAX, perInput: false,
    body: `${FORWARD_INDEX}
  let at = argmaxAt(base, a, b);
  var v = 0.0;
  if (at >= 0) { v = x[at]; }
  out[o] = v;`,
  },
  max_pool2d_grad: {
    inputs: [['x', 0], ['gy', 1]], x: 0, pooled: 1, helpers: ARGMAX, perInput: true,
    body: `${INPUT_INDEX}
  var acc = 0.0;
  for (var a = rows.x; a < rows.y; a++) {
    for (var b = cols.x; b < cols.y; b++) {
      if (argmaxAt(base, a, b) == i32(o)) { acc += gy[obase + a * pOW() + b]; }
    }
  }
  out[o] = acc;`,
  },
  max_pool2d_grad_grad: {
    inputs: [['x', 0], ['h', 1]], x: 0, helpers: ARGMAX, perInput: false,
    body: `${FORWARD_INDEX}
  let at = argmaxAt(base, a, b);
  var v = 0.0;
  if (at >= 0) { v = h[at]; }
  out[o] = v;`,
  },
  avg_pool2d: {
    inputs: [['x', 0]], x: 0, helpers: AVERAGE, perInput: false,
    body: `${FORWARD_INDEX}
  let R = window(a, 0u);
  let C = window(b, 1u);
  var s = 0.0;
  for (var r = R.x; r < R.y; r++) { for (var c = C.x; c < C.y; c++) { s += x[i32(base) + r * i32(pW()) + c]; } }
  out[o] = s * scaleAt(a, b);`,
  },
  avg_pool2d_grad: {
    inputs: [['gy', 0]], x: 1, pooled: 0, helpers: AVERAGE, perInput: true,
    body: `${INPUT_INDEX}
  var acc = 0.0;
  for (var a = rows.x; a < rows.y; a++) {
    for (var b = cols.x; b < cols.y; b++) { acc += gy[obase + a * pOW() + b] * scaleAt(a, b); }
  }
  out[o] = acc;`,
  },
};

function poolSource(k: PoolKernel): string {
  const bindings = k.inputs.map(([n], i) => `@group(0) @binding(${i + 1}) var<storage, read> ${n}: array<f32>;`).join('\n');
  return `${COMMON}
${bindings}
@group(0) @binding(${k.inputs.length + 1}) var<storage, read_write> out: array<f32>;
${k.helpers}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (o >= params[12]) { return; }
  ${k.body}
}`;
}

function poolRoutine(name: keyof typeof KERNELS): (node: Apply) => Routine {
  const kernel = KERNELS[name]!;
  return (node) => async (device) => {
    const p = (node.op as unknown as { params: PoolParams & Partial<AvgPoolParams> }).params;
    const pipe = await pipeline(device, poolSource(kernel));
    const layout = (ins: readonly GpuTensor[]) => {
      const xs = ins[kernel.x]!.shape;
      const h = xs[xs.length - 2]!, w = xs[xs.length - 1]!;
      const m = xs.slice(0, -2).reduce((a, b) => a * b, 1);
      const pooled = [...xs.slice(0, -2), poolOut(p, 0, h), poolOut(p, 1, w)];
      if (kernel.pooled !== undefined) checkPooledGrad(name, node, ins[kernel.pooled]!.shape, pooled);
      return { xs, m, h, w, pooled };
    };
    return {
      node,
      describe: `${name} (one thread per ${kernel.perInput ? 'input element, gathering from its windows' : 'window'})`,
      shapes: (ins) => {
        const L = layout(ins);
        return [kernel.perInput ? [...L.xs] : L.pooled];
      },
      encode: (pass, ins, [o], ctx) => {
        const L = layout(ins);
        const oh = L.pooled[L.pooled.length - 2]!, ow = L.pooled[L.pooled.length - 1]!;
        const count = kernel.perInput ? L.m * L.h * L.w : L.m * oh * ow;
        const params = ctx.params(Uint32Array.from([
          L.m, L.h, L.w, oh, ow, p.window[0], p.window[1], p.stride[0], p.stride[1], p.padding[0], p.padding[1], p.includePad ? 1 : 0, count,
        ]));
        const bound = kernel.inputs.map(([, i]) => ins[i]!.buffer);
        dispatch1d(ctx.device, pass, pipe, [params, ...bound, o!.buffer], Math.ceil(count / WORKGROUP));
      },
    };
  };
}

ROUTINES
  .set(MaxPool2d, poolRoutine('max_pool2d'))
  .set(MaxPool2dGrad, poolRoutine('max_pool2d_grad'))
  .set(MaxPool2dGradGrad, poolRoutine('max_pool2d_grad_grad'))
  .set(AvgPool2d, poolRoutine('avg_pool2d'))
  .set(AvgPool2dGrad, poolRoutine('avg_pool2d_grad'));

