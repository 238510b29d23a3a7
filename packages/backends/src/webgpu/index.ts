export { WebGPUBackend, gpuBytesAllocated } from './webgpu-backend.js';
export { pipelineCacheSize, registerLowering, registerElementwiseLowering, type Step, type Lowering, type EncodeContext } from './lowering.js';
export { getDevice, gpuDescription } from './device.js';
