/// <reference types="@webgpu/types" />
import { HypatiaError } from '@hypatia/core';

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

export function gpuDescription(): string {
  return info;
}

async function findGpu(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) return null;
  try {
    const name = 'webgpu';
    const mod = (await import(/* @vite-ignore */ name)) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    return mod.create([]);
  } catch {
    return null;
  }
}

export function getDevice(): Promise<GPUDevice> {
  if (!pending) {
    pending = (async () => {
      const gpu = await findGpu();
      if (!gpu) throw new HypatiaError('webgpu', 'no WebGPU implementation: in Node install the `webgpu` package; in a browser enable WebGPU');
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      keepAlive.push(gpu, adapter);
      if (!adapter) {
        throw new HypatiaError('webgpu', 'no GPU adapter found (without a GPU, install a Vulkan driver such as SwiftShader and set VK_ICD_FILENAMES)');
      }
      const a = adapter.info;
      info = [a?.vendor, a?.architecture, a?.description].filter(Boolean).join(' ') || 'unknown adapter';
      const limits: Record<string, number> = {};
      for (const k of ['maxStorageBuffersPerShaderStage', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize'] as const) {
        limits[k] = adapter.limits[k];
      }
      const device = await adapter.requestDevice({ requiredLimits: limits });
      device.lost.then((l) => {
        pending = null;
        lostReason = `${l.reason}: ${l.message}`;
      });
      return device;
    })();
    pending.catch(() => { pending = null; });
  }
  return pending;
}

let lostReason: string | null = null;
export function deviceLostReason(): string | null {
  return lostReason;
}
