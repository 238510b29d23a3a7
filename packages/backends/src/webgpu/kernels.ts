/**
 * What every WGSL kernel shares: the workgroup size, the dispatch grids (wrapping past the
 * per-dimension limit) and the choice between the matrix products' two kernels.
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

