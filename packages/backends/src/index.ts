/**
 * The backends, registered by name on import: `reference`, `native`, `cpu` (native, else wasm),
 * `wasm` and `webgpu`. Bundlers building for a browser get `@hypatia/backends/browser` instead.
 *
 * @module @hypatia/backends
 */
import { registerBackend } from '@hypatia/core';
import { ReferenceBackend } from './reference/reference-backend.js';

export { ReferenceBackend } from './reference/reference-backend.js';

registerBackend('reference', () => new ReferenceBackend());
export { NativeBackend } from './native/native-backend.js';
export { CpuBackend } from './native/cpu-backend.js';
export { buildStats as nativeBuildStats, onNativeBuild, type NativeBuildEvent } from './native/build-addon.js';
import { NativeBackend } from './native/native-backend.js';
import { CpuBackend } from './native/cpu-backend.js';
registerBackend('native', () => new NativeBackend());
// 'cpu' is the best host backend available: native code when a C compiler works, else the reference one.
registerBackend('cpu', () => new CpuBackend());

export { WebGPUBackend, gpuDescription } from './webgpu/index.js';
import { WebGPUBackend } from './webgpu/index.js';
registerBackend('webgpu', () => new WebGPUBackend());

// The kernel IR printed as WebAssembly, run on host arrays (the wasm backend will grow from it).
export { runProgramWasm } from './wasm/run-wasm.js';

// The wasm backend: a compiled function's kernels in one WebAssembly module, its calls replayed in one call into it.
export { WasmBackend } from './wasm/wasm-backend.js';
import { WasmBackend } from './wasm/wasm-backend.js';
registerBackend('wasm', () => new WasmBackend());
