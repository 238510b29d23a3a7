import type { Config } from './differential.js';
import { differentiatesUntil } from './generate-scan.js';

/**
 * Every way a program is compiled and compared with the oracle: the reference backend with its
 * rewrites, the native and wasm backends each with replayed plans and with the JS executor only,
 * and WebGPU (float32 programs, but not the gradient of a loop with an early stop, whose bounds
 * come from a count the GPU computes) where an adapter exists.
 */
export function fuzzConfigs(opts: { cacheDir?: string; webgpu: boolean }): Config[] {
  const native = (replay: boolean) => ({ backend: 'native', backendOptions: { replay, ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) } });
  const configs: Config[] = [
    { name: 'reference', compile: { backend: 'reference' } },
    { name: 'native', compile: native(true) },
    { name: 'native-no-replay', compile: native(false) },
    { name: 'wasm', compile: { backend: 'wasm', backendOptions: { replay: true } } },
    { name: 'wasm-no-replay', compile: { backend: 'wasm', backendOptions: { replay: false } } },
  ];
  if (opts.webgpu) configs.push({ name: 'webgpu', compile: { backend: 'webgpu' }, accepts: (p) => p.dtype !== 'float64' && !differentiatesUntil(p) });
  return configs;
}
