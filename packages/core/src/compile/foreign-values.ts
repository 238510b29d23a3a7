import type { SharedVariable } from '../graph/variable.js';

/**
 * Shared variables whose current value lives on another backend's device (a network trained on
 * WebGPU, then evaluated on the CPU) are read back to the host before a call; the device value is
 * kept, so going back to that backend uploads nothing. Values on the host or on the calling
 * backend's own device need nothing: a steady training loop pays one check per variable and no
 * await. Returns null when there is nothing to read.
 */
export function readForeignDeviceValues(vars: readonly SharedVariable[], backend: string): Promise<unknown> | null {
  let reads: Promise<unknown>[] | null = null;
  for (const sv of vars) {
    const d = sv.deviceValue;
    if (d && d.backend !== backend && !sv.hostValue) (reads ??= []).push(sv.getAsync({ borrow: true }));
  }
  return reads && Promise.all(reads);
}
