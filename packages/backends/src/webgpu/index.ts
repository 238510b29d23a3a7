export { WebGPUBackend, gpuBytesAllocated } from './webgpu-backend.js';
export { ROUTINES, pipelineCacheSize, WebGPUUnsupportedError, type Routine, type Step, type EncodeContext } from './lowering.js';
export { kernelToWGSL, type WgslKernel } from './wgsl-printer.js';
export { getDevice, gpuDescription } from './device.js';
