/// <reference types="@webgpu/types" />
import type { NDArray, SharedVariable } from '@hypatia/core';
import { download, type GpuTensor } from './buffers.js';
import { onDeviceLost } from './device.js';

/**
 * Host copies of the shared variables that live only on the GPU, so that a lost device does not
 * lose them. A variable's copy is its host value when it was uploaded, then a snapshot of its
 * buffer taken after every k-th call that updated it (backendOptions.hostMirrorEvery). A snapshot
 * is a buffer copy queued after the call's work and mapped asynchronously: no call ever waits for
 * one. When the device is lost, every variable whose value was on it falls back to its newest
 * complete copy, and the loss error says which call that copy dates from.
 */

interface Mirror {
  value: NDArray;
  /** Which state the copy holds, for the error message. */
  from: string;
  /** Snapshots complete out of order; a newer one is never replaced by an older one. */
  seq: number;
}

const mirrors = new WeakMap<SharedVariable, Mirror>();
/** The variables whose value may be on each device, restored when it is lost. */
const residents = new WeakMap<GPUDevice, Set<WeakRef<SharedVariable>>>();
const inFlight = new Set<Promise<void>>();
let seq = 0;

/** What each device's loss did to the shared variables, for every later call's error. */
const restoredOn = new WeakMap<GPUDevice, string>();

function remember(sv: SharedVariable, value: NDArray, from: string, at: number): void {
  const m = mirrors.get(sv);
  if (!m || m.seq < at) mirrors.set(sv, { value, from, seq: at });
}

/** Record a host value just uploaded to `device` (the variable's copy until a snapshot replaces it). */
export function mirrorUpload(device: GPUDevice, sv: SharedVariable, value: NDArray, from: string): void {
  track(device, sv);
  remember(sv, value, from, ++seq);
}

/** Queue a snapshot of the variables' device tensors; it lands when the GPU gets there. */
export function snapshot(device: GPUDevice, vars: readonly SharedVariable[], tensors: readonly GpuTensor[], from: string): void {
  if (vars.length === 0) return;
  const at = ++seq;
  vars.forEach((sv) => track(device, sv));
  const p = download(device, tensors).then(
    (values) => vars.forEach((sv, i) => remember(sv, values[i]!, from, at)),
    // The device went away before the copy was mapped: the older copy stays the newest complete one.
    () => {},
  );
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
}

/** Whether a snapshot is still being copied (callers skip a snapshot rather than queue a second). */
export function snapshotsPending(): boolean {
  return inFlight.size > 0;
}

/** Resolves once every queued snapshot has landed or failed (for tests and orderly shutdown). */
export async function hostMirrorsSettled(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}

/** The state each variable's newest complete host copy holds, or undefined if it has none. */
export function mirrorOf(sv: SharedVariable): { value: NDArray; from: string } | undefined {
  return mirrors.get(sv);
}

/** What the loss of `device` did (the variables restored and from when), once it was lost. */
export function restoredAfterLoss(device: GPUDevice): string | undefined {
  return restoredOn.get(device);
}

function track(device: GPUDevice, sv: SharedVariable): void {
  let set = residents.get(device);
  if (!set) {
    const fresh = new Set<WeakRef<SharedVariable>>();
    residents.set(device, fresh);
    set = fresh;
    onDeviceLost(device, () => restore(device, fresh));
  }
  for (const r of set) if (r.deref() === sv) return;
  set.add(new WeakRef(sv));
}

/** Every variable whose value was on the lost device takes its newest complete host copy. */
function restore(device: GPUDevice, set: Set<WeakRef<SharedVariable>>): void {
  const groups = new Map<string, string[]>();
  for (const ref of set) {
    const sv = ref.deref();
    const dv = sv?.deviceValue as { device?: GPUDevice } | null | undefined;
    if (!sv || !dv || dv.device !== device) continue;
    // A value already read back (getAsync) is the current one; otherwise the newest snapshot.
    const m = sv.hostValue ? { value: sv.hostValue, from: 'its current value, read back before the loss' } : mirrors.get(sv);
    if (!m) continue;
    sv.assign(m.value);
    const names = groups.get(m.from);
    if (names) names.push(sv.toString()); else groups.set(m.from, [sv.toString()]);
  }
  set.clear();
  restoredOn.set(device, groups.size === 0
    ? 'no shared variable lived only on it'
    : `shared variables were restored from their newest complete host copies: ${[...groups].map(([from, names]) => `${names.join(', ')} (${from})`).join('; ')}`);
}
