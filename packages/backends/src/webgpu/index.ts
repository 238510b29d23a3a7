export { WebGPUBackend, pipelineCacheSize, gpuBytesAllocated } from './webgpu-backend.js';
export { getDevice, gpuDescription } from './device.js';
