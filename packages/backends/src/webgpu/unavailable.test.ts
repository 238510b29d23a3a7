import { describe, expect, it } from 'vitest';
import { currentGpuHost, noAdapterMessage, noWebGpuMessage } from './unavailable.js';

describe('why WebGPU is unavailable', () => {
  it('tells a Node user to install the optional webgpu package when it is missing', () => {
    const m = noWebGpuMessage({ kind: 'node' }, { code: 'ERR_MODULE_NOT_FOUND', message: "Cannot find package 'webgpu'" });
    expect(m).toContain('npm install webgpu@^0.6.2');
  });

  it('says why the webgpu package failed to load when it is installed', () => {
    const m = noWebGpuMessage({ kind: 'node' }, { message: 'libvulkan.so.1: cannot open shared object file' });
    expect(m).toContain('did not load (libvulkan.so.1');
    expect(m).not.toContain('npm install');
  });

  it('gives a page browser advice, never Node advice', () => {
    for (const m of [noWebGpuMessage({ kind: 'browser', secureContext: true }), noWebGpuMessage({ kind: 'browser', secureContext: false }), noAdapterMessage({ kind: 'browser' })]) {
      expect(m).not.toMatch(/npm|Node|VK_ICD_FILENAMES|Vulkan/);
    }
    expect(noWebGpuMessage({ kind: 'browser', secureContext: false })).toContain('not a secure context');
    expect(noWebGpuMessage({ kind: 'browser', secureContext: true })).toContain('does not expose navigator.gpu');
    expect(noAdapterMessage({ kind: 'browser' })).toContain('chrome://gpu');
  });

  it('knows it runs in Node here', () => {
    expect(currentGpuHost()).toEqual({ kind: 'node' });
    expect(noAdapterMessage({ kind: 'node' })).toContain('VK_ICD_FILENAMES');
  });
});
