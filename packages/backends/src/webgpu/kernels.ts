import type { DType, ScalarExpr } from '@hypatia/core';
import { WGSL_HELPERS, loadExpr, scalarToWGSL, storageType, storeExpr, wgslType } from './wgsl-scalar.js';

/**
 * WGSL kernel sources. Shapes and strides are not baked in: they come in a small `meta` buffer
 * written before each call, so one pipeline serves every shape of a given rank, and compile()
 * can create all pipelines before the first call.
 */

export const WORKGROUP = 64;

/**
 * Workgroups per grid dimension that dispatches use: WebGPU guarantees 65,535
 * (maxComputeWorkgroupsPerDimension). Kernels never bake it in (they read num_workgroups), so
 * tests lower it to drive the grid-wrapping paths with small tensors.
 */
let gridLimit = 65535;

export function workgroupGridLimit(): number {
  return gridLimit;
}

/** For tests: dispatch with at most `limit` workgroups per dimension; returns the undo. */
export function setWorkgroupGridLimit(limit: number): () => void {
  const before = gridLimit;
  gridLimit = limit;
  return () => { gridLimit = before; };
}

/**
 * out[i] = formula(in0[o0], in1[o1], ...) where o_k walks input k with its own strides (0 on
 * broadcast axes). Also serves dimshuffle, as the identity formula with permuted strides.
 */
export function elementwiseSource(formula: ScalarExpr, inDtypes: readonly DType[], outDtype: DType, nd: number): string {
  const k = inDtypes.length;
  const bindings = inDtypes.map((d, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${storageType(d)}>;`).join('\n');
  const offsets = inDtypes.map((_, i) => `var o${i} = 0u;`).join(' ');
  const walk = Array.from({ length: nd }, (_, j) => {
    const d = nd - 1 - j;
    return `{ let len = params[${1 + d}]; let c = rem % len; rem = rem / len; ${inDtypes.map((_, i) => `o${i} += c * params[${1 + nd + i * nd + d}];`).join(' ')} }`;
  }).join('\n    ');
  const expr = scalarToWGSL(formula, (i) => loadExpr(inDtypes[i]!, `in${i}[o${i}]`));
  return `${WGSL_HELPERS}
@group(0) @binding(0) var<storage, read> params: array<u32>;
${bindings}
@group(0) @binding(${k + 1}) var<storage, read_write> out: array<${storageType(outDtype)}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  // Every binding is statically used, so the automatic layout keeps the ones a formula ignores.
  ${inDtypes.map((_, j) => `_ = in${j}[0];`).join(' ')}
  if (i >= params[0]) { return; }
  var rem = i;
  ${offsets}
  ${walk}
  let v: ${wgslType(outDtype)} = ${expr};
  out[i] = ${storeExpr(outDtype, 'v')};
}`;
}

/** meta for elementwiseSource: [n, shape..., strides of input 0..., strides of input 1...]. */
export function elementwiseMeta(outShape: readonly number[], inStrides: readonly (readonly number[])[]): Uint32Array {
  const n = outShape.reduce((a, b) => a * b, 1);
  return Uint32Array.from([n, ...outShape, ...inStrides.flat()]);
}

/**
 * Sum over some axes: one workgroup per output element; its threads stride over the reduced
 * elements and combine partial sums in a workgroup-memory tree.
 */
export function sumSource(inDtype: DType, outDtype: DType, ndKept: number, ndRed: number): string {
  const acc = wgslType(outDtype);
  const load = inDtype === 'bool' ? `i32(src[off])` : outDtype === inDtype ? `src[off]` : `${acc}(src[off])`;
  // meta: [nOut, nRed, keptShape(ndKept), keptStrides(ndKept), redShape(ndRed), redStrides(ndRed)]
  const kept = keptOffsetWGSL(ndKept);
  const red = reducedOffsetWGSL(ndKept, ndRed);
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<${storageType(inDtype)}>;
@group(0) @binding(2) var<storage, read_write> out: array<${acc}>;
var<workgroup> partial: array<${acc}, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = wid.x + wid.y * nwg.x;
  let inRange = o < params[0];
  var rem = o;
  var base = 0u;
  ${kept}
  var total: ${acc} = ${acc}(0);
  if (inRange) {
    for (var r = lid.x; r < params[1]; r += ${WORKGROUP}u) {
      var q = r;
      var off = base;
      ${red}
      total += ${load};
    }
  }
  ${WORKGROUP_SUM_TAIL}
}`;
}

/**
 * For reduction kernels with meta [nOut, nRed, keptShape(ndKept), keptStrides(ndKept),
 * redShape(ndRed), redStrides(ndRed)]: WGSL that turns output index `rem` into the input offset
 * `base` (kept axes) ...
 */
export function keptOffsetWGSL(ndKept: number): string {
  return Array.from({ length: ndKept }, (_, j) => {
    const d = ndKept - 1 - j;
    return `{ let len = params[${2 + d}]; base += (rem % len) * params[${2 + ndKept + d}]; rem = rem / len; }`;
  }).join(' ');
}

/** ... and reduction index `q` into the offset `off` added to it (reduced axes). */
export function reducedOffsetWGSL(ndKept: number, ndRed: number): string {
  const s = 2 + 2 * ndKept;
  return Array.from({ length: ndRed }, (_, j) => {
    const d = ndRed - 1 - j;
    return `{ let len = params[${s + d}]; off += (q % len) * params[${s + ndRed + d}]; q = q / len; }`;
  }).join(' ');
}

/** The end of a workgroup sum: each thread's `total` into `partial`, the tree, and out[o] from thread 0. */
export const WORKGROUP_SUM_TAIL = `partial[lid.x] = total;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { partial[lid.x] += partial[lid.x + s]; }
    workgroupBarrier();
  }
  if (lid.x == 0u && inRange) { out[o] = partial[0]; }`;

export const TILE = 16;

/**
 * Which kernel a matrix product (matmul, dot, the conv GEMMs) runs on: 16x16 tiles through
 * workgroup memory, or a simple kernel with one thread per output element looping over K (no
 * workgroup memory, no barriers). Tiles pay off when each thread's K is long enough to reuse the
 * loaded tiles; when it is short (K, or a split-K chunk, of at most 64) or the whole product is
 * small (2^20 multiply-adds), the simple kernel does as well on a GPU (a handful of tiles, operands
 * in cache) and much better on SwiftShader, where every barrier switches coroutines: measured there
 * (shared 2-core machine), 784x10x100 14x faster, network3's first conv layer 3x, 10x784x100 2x.
 */
export type ProductKernel = 'tiled' | 'simple';
let forced: ProductKernel | null = null;

export function productKernel(M: number, N: number, kPerThread: number): ProductKernel {
  if (forced) return forced;
  return kPerThread <= 64 || M * N * kPerThread <= 2 ** 20 ? 'simple' : 'tiled';
}

/** For tests: run every product on one kernel (null: choose by size); returns the undo. */
export function forceProductKernel(kernel: ProductKernel | null): () => void {
  const before = forced;
  forced = kernel;
  return () => { forced = before; };
}

/**
 * Grid for `groups` one-dimensional workgroups: one row, wrapping into y past the per-dimension
 * limit. Kernels take their index as x + y * num_workgroups.x and ignore the overshoot of the last
 * row. Two dimensions reach 65,535² workgroups, more threads than a u32 index can name.
 */
export function grid(groups: number): [number, number] {
  const L = gridLimit;
  if (groups <= L) return [Math.max(1, groups), 1];
  const rows = Math.ceil(groups / L);
  if (rows > L) throw new Error(`${groups} workgroups exceed a ${L} x ${L} grid`);
  return [L, rows];
}

/** Grid for `groups` workgroups that the kernel numbers with WORKGROUP_INDEX: x, then y, then z. */
export function grid3(groups: number): [number, number, number] {
  const L = gridLimit;
  const x = Math.min(Math.max(1, groups), L);
  const y = Math.min(Math.ceil(groups / x), L);
  const z = Math.ceil(groups / (x * y));
  if (z > L) throw new Error(`${groups} workgroups exceed a ${L}³ grid`);
  return [x, y, z];
}

/** The flat workgroup number of a grid3 dispatch (needs wid and nwg); the grid may overshoot, so kernels compare it with their count. */
export const WORKGROUP_INDEX = 'let flatGroup = wid.x + nwg.x * (wid.y + nwg.y * wid.z);';

