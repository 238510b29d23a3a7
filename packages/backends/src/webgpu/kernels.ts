/** What every WGSL kernel shares: the workgroup size and the dispatch grid (wrapping past the per-dimension limit). */

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
