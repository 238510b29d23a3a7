/**
 * `@hypatia/backends` in a browser (the package's `browser` export condition): the backends a page
 * can run, registered by name on import: `reference`, `webgpu`, `wasm` and `cpu` (WebGPU, else
 * wasm). The native backend is left out: it builds C with a compiler into a Node addon.
 *
 * @module @hypatia/backends/browser
 */
import { HypatiaError, registerBackend } from '@hypatia/core';
import { ReferenceBackend } from './reference/reference-backend.js';
import { WebGPUBackend } from './webgpu/index.js';
import { WasmBackend } from './wasm/wasm-backend.js';
import { BrowserCpuBackend } from './browser-cpu-backend.js';

export { ReferenceBackend } from './reference/reference-backend.js';
export { WebGPUBackend, gpuDescription } from './webgpu/index.js';
export { BrowserCpuBackend, type BrowserCpuOptions } from './browser-cpu-backend.js';
export { runProgramWasm } from './wasm/run-wasm.js';
export { WasmBackend } from './wasm/wasm-backend.js';

registerBackend('reference', () => new ReferenceBackend());
registerBackend('webgpu', () => new WebGPUBackend());
registerBackend('wasm', () => new WasmBackend());
// One 'cpu' for the page: it probes WebGPU once and warns once.
let cpu: BrowserCpuBackend | undefined;
registerBackend('cpu', () => (cpu ??= new BrowserCpuBackend()));
registerBackend('native', () => {
  throw new HypatiaError('compile', "the 'native' backend needs Node (it builds C into a Node addon); in a browser use 'cpu' (WebGPU when the page has a GPU, else WebAssembly), 'webgpu' or 'wasm'");
});
