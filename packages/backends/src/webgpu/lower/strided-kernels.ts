import type { DType } from '@hypatia/core';
import { WORKGROUP } from '../kernels.js';
import { storageType } from '../wgsl-scalar.js';

/**
 * WGSL for the indexing kernels: copies through strides. Shapes, strides and offsets come in the
 * params buffer, so one pipeline serves every shape of a given rank. Strides may be negative
 * (reversed slices): they travel as u32 and the offset arithmetic wraps modulo 2^32, which gives
 * the right non-negative offset in the end.
 */

const HEADER = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;`;

/**
 * Code that splits the flat position `v` over a shape at params[shapeAt..] (rank `nd`, row-major)
 * and adds coordinate * stride to each accumulator, the strides at params[strideAt[k]..].
 */
export function walk(v: string, nd: number, shapeAt: string, accs: readonly { acc: string; strideAt: string }[]): string {
  if (nd === 0) return '';
  const lines = [`{ var rem = ${v};`];
  for (let j = nd - 1; j >= 0; j--) {
    lines.push(`  { let len = params[${shapeAt} + ${j}u]; let c = rem % len; rem = rem / len; ${accs.map((a) => `${a.acc} += c * params[${a.strideAt} + ${j}u];`).join(' ')} }`);
  }
  lines.push('}');
  return lines.join('\n  ');
}

/** out[i] = src[base + Σ c_d s_d] over the output's shape. params: [n, base, shape(nd), strides(nd)]. */
export function gatherSource(dtype: DType, nd: number): string {
  const t = storageType(dtype);
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<${t}>;
@group(0) @binding(2) var<storage, read_write> out: array<${t}>;
${HEADER}
  if (i >= params[0]) { return; }
  var off = params[1];
  ${walk('i', nd, '2u', [{ acc: 'off', strideAt: `${2 + nd}u` }])}
  out[i] = src[off];
}`;
}

/**
 * Write y (read through its own strides, 0 on broadcast axes) into the region of `out` at
 * base + Σ c_d s_d, adding or overwriting. A basic index never names a position twice, so
 * threads never collide. params: [n, base, shape(nd), outStrides(nd), yStrides(nd)].
 */
export function scatterRegionSource(dtype: DType, nd: number, mode: 'inc' | 'set'): string {
  const t = storageType(dtype);
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> y: array<${t}>;
@group(0) @binding(2) var<storage, read_write> out: array<${t}>;
${HEADER}
  if (i >= params[0]) { return; }
  var off = params[1];
  var yo = 0u;
  ${walk('i', nd, '2u', [{ acc: 'off', strideAt: `${2 + nd}u` }, { acc: 'yo', strideAt: `${2 + 2 * nd}u` }])}
  out[off] = ${mode === 'inc' ? 'out[off] + y[yo]' : 'y[yo]'};
}`;
}

/**
 * Integer-array indexing with k index arrays broadcast to a shape of rank nb: output position
 * (o, b, t) reads x[o*block + Σ_j idx_j[b] * stride_j + t]. Negative indices count from the end;
 * out-of-range ones are clamped (a kernel cannot raise; the reference backend reports them).
 * params: [n, nPicked, inner, block, len(k), stride(k), bShape(nb), idxStrides_j(nb) for each j].
 */
function pickedOffset(k: number, nb: number, b: string): string {
  const idxAt = (j: number) => `${4 + 2 * k + nb + j * nb}u`;
  const lines = [`var p = 0u;`];
  for (let j = 0; j < k; j++) lines.push(`var q${j} = 0u;`);
  lines.push(walk(b, nb, `${4 + 2 * k}u`, Array.from({ length: k }, (_, j) => ({ acc: `q${j}`, strideAt: idxAt(j) }))));
  for (let j = 0; j < k; j++) {
    lines.push(`{ let len = i32(params[${4 + j}u]); var v = idx${j}[q${j}]; if (v < 0) { v += len; } v = clamp(v, 0, len - 1); p += u32(v) * params[${4 + k + j}u]; }`);
  }
  return lines.join('\n  ');
}

function idxBindings(k: number, first: number): string {
  return Array.from({ length: k }, (_, j) => `@group(0) @binding(${first + j}) var<storage, read> idx${j}: array<i32>;`).join('\n');
}

export function advancedGatherSource(dtype: DType, k: number, nb: number): string {
  const t = storageType(dtype);
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<${t}>;
${idxBindings(k, 2)}
@group(0) @binding(${2 + k}) var<storage, read_write> out: array<${t}>;
fn picked(b: u32) -> u32 {
  ${pickedOffset(k, nb, 'b')}
  return p;
}
${HEADER}
  if (i >= params[0]) { return; }
  let inner = params[2];
  let nPicked = params[1];
  let t = i % inner;
  let b = (i / inner) % nPicked;
  let o = i / (inner * nPicked);
  out[i] = src[o * params[3] + picked(b) + t];
}`;
}

/**
 * The scatter of AdvancedIncSubtensor without atomics (WGSL has none for f32): one thread per
 * element of the result, which scans every picked position in order and adds (or, for set, keeps
 * the last) the values that land on it. The order is the CPU's, so sums match it bit for bit.
 * params: as advancedGatherSource, then outerShape(na), yOuterStrides(na), yPickedStrides(nb),
 * innerShape(ni), yInnerStrides(ni).
 */
export function advancedScatterSource(dtype: DType, k: number, nb: number, na: number, ni: number, mode: 'inc' | 'set'): string {
  const t = storageType(dtype);
  const base = 4 + 2 * k + nb + k * nb;
  const outerShape = base, yOuter = base + na, yPicked = base + 2 * na, innerShape = base + 2 * na + nb, yInner = innerShape + ni;
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<${t}>;
@group(0) @binding(2) var<storage, read> y: array<${t}>;
${idxBindings(k, 3)}
@group(0) @binding(${3 + k}) var<storage, read_write> out: array<${t}>;
fn picked(b: u32) -> u32 {
  ${pickedOffset(k, nb, 'b')}
  return p;
}
${HEADER}
  if (i >= params[0]) { return; }
  let inner = params[2];
  let nPicked = params[1];
  let block = params[3];
  let o = i / block;
  let r = i % block;
  var acc = x[i];
  var yo = 0u;
  ${walk('o', na, `${outerShape}u`, [{ acc: 'yo', strideAt: `${yOuter}u` }])}
  for (var b = 0u; b < nPicked; b++) {
    let p = picked(b);
    if (r < p || r - p >= inner) { continue; }
    var yi = yo;
    ${walk('b', nb, `${4 + 2 * k}u`, [{ acc: 'yi', strideAt: `${yPicked}u` }])}
    ${walk('r - p', ni, `${innerShape}u`, [{ acc: 'yi', strideAt: `${yInner}u` }])}
    acc = ${mode === 'inc' ? 'acc + y[yi]' : 'y[yi]'};
  }
  out[i] = acc;
}`;
}

/** 1 where picked position b is the last to name its element, else 0 (the gradient of a set scatter). params as advancedGatherSource. */
export function lastWriteMaskSource(k: number, nb: number): string {
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
${idxBindings(k, 1)}
@group(0) @binding(${1 + k}) var<storage, read_write> out: array<f32>;
fn picked(b: u32) -> u32 {
  ${pickedOffset(k, nb, 'b')}
  return p;
}
${HEADER}
  if (i >= params[1]) { return; }
  let mine = picked(i);
  var last = 1.0;
  for (var b = i + 1u; b < params[1]; b++) {
    if (picked(b) == mine) { last = 0.0; break; }
  }
  out[i] = last;
}`;
}
