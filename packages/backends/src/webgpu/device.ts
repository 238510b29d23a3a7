/// <reference types="@webgpu/types" />
import { HypatiaError } from '@hypatia/core';
import { currentGpuHost, noAdapterMessage, noWebGpuMessage, type GpuHost } from './unavailable.js';

/**
 * One GPUDevice per process, found lazily: the browser's navigator.gpu, or in Node the `webgpu`
 * package (Dawn). Nothing Node-specific is touched at import, so the package bundles for browsers.
 */
let pending: Promise<GPUDevice> | null = null;
// Held for the life of the process: when Dawn's instance or adapter wrapper is garbage-collected
// while a device lives, the native side aborts the process.
const keepAlive: unknown[] = [];

export interface GpuInfo {
  device: GPUDevice;
  description: string;
}
let info: string = 'unknown';

/** The GPU adapter in use (vendor, architecture, description), once a device has been opened; 'unknown' before. */
export function gpuDescription(): string {
  return info;
}

/** The host's WebGPU, or why there is none. */
async function findGpu(host: GpuHost): Promise<GPU | string> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (host.kind !== 'node') return noWebGpuMessage(host);
  try {
    const name = 'webgpu';
    const mod = (await import(/* @vite-ignore */ name)) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return mod.create([]);
  } catch (e) {
    return noWebGpuMessage(host, e as { code?: string; message: string });
  }
}

export function getDevice(): Promise<GPUDevice> {
  if (!pending) {
    pending = (async () => {
      const host = currentGpuHost();
      const gpu = await findGpu(host);
      if (typeof gpu === 'string') throw new HypatiaError('webgpu', gpu);
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      keepAlive.push(gpu, adapter);
      if (!adapter) {
        throw new HypatiaError('webgpu', noAdapterMessage(host));
      }
      const a = adapter.info;
      info = [a?.vendor, a?.architecture, a?.description].filter(Boolean).join(' ') || 'unknown adapter';
      const limits: Record<string, number> = {};
      for (const k of ['maxStorageBuffersPerShaderStage', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize'] as const) {
        limits[k] = adapter.limits[k];
      }
      const device = await adapter.requestDevice({ requiredLimits: limits });
      watchLoss(device);
      return device;
    })();
    pending.catch(() => { pending = null; });
  }
  return pending;
}

/** Why each lost device was lost, once its `lost` promise has settled. */
const lostReasons = new WeakMap<GPUDevice, string>();
const lossHandlers = new WeakMap<GPUDevice, ((reason: string) => void)[]>();

function watchLoss(device: GPUDevice): void {
  void device.lost.then((l) => {
    // The next getDevice() finds a fresh device; functions compiled for this one must be compiled again.
    pending = null;
    const reason = l.reason === 'destroyed' ? 'destroyed' : `lost (${l.message || 'no reason given'})`;
    lostReasons.set(device, reason);
    for (const h of lossHandlers.get(device) ?? []) h(reason);
  });
}

/** Why `device` was lost, or null while it is usable. */
export function deviceLostReason(device: GPUDevice): string | null {
  return lostReasons.get(device) ?? null;
}

/** Run `handler` once when `device` is lost (at once if it already is). */
export function onDeviceLost(device: GPUDevice, handler: (reason: string) => void): void {
  const reason = lostReasons.get(device);
  if (reason !== undefined) { handler(reason); return; }
  const list = lossHandlers.get(device);
  if (list) list.push(handler); else lossHandlers.set(device, [handler]);
}
