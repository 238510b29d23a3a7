/**
 * Why WebGPU cannot be used, said in terms of where the program runs: a page's reader needs
 * browser advice (secure contexts, browser versions, chrome://gpu), a Node user needs to install
 * the `webgpu` package or a Vulkan driver.
 */

/** Where the program runs, as far as finding a GPU goes. */
export interface GpuHost {
  kind: 'node' | 'browser';
  /** A browser's `isSecureContext`: WebGPU exists only in secure contexts. */
  secureContext?: boolean;
}

export function currentGpuHost(): GpuHost {
  const g = globalThis as { process?: { versions?: { node?: string } }; isSecureContext?: boolean };
  if (g.process?.versions?.node) return { kind: 'node' };
  return { kind: 'browser', secureContext: g.isSecureContext };
}

/** The host has no WebGPU API at all. `loadError` is why the `webgpu` package did not load in Node. */
export function noWebGpuMessage(host: GpuHost, loadError?: { code?: string; message: string }): string {
  if (host.kind === 'browser') {
    if (host.secureContext === false) {
      return 'WebGPU is not available: this page is not a secure context (serve it over https:, or from http://localhost while developing)';
    }
    return 'WebGPU is not available: this browser does not expose navigator.gpu (it is in Chrome and Edge 113+, Safari 26+ and Firefox 141+ on Windows, or behind a flag); '
      + "compile with backend 'cpu' to run without a GPU";
  }
  if (!loadError || loadError.code === 'ERR_MODULE_NOT_FOUND' || loadError.code === 'MODULE_NOT_FOUND') {
    return 'WebGPU is not available in Node without the optional `webgpu` package (Dawn): npm install webgpu@^0.6.2';
  }
  return `WebGPU is not available: the \`webgpu\` package did not load (${loadError.message})`;
}

/** The host has WebGPU but `requestAdapter()` found no GPU. */
export function noAdapterMessage(host: GpuHost): string {
  if (host.kind === 'browser') {
    return 'WebGPU found no GPU adapter: the browser supports WebGPU but offers no adapter here (hardware acceleration off, or the GPU or its driver blocklisted; chrome://gpu says which)';
  }
  return 'no GPU adapter found (without a GPU, install a Vulkan driver such as SwiftShader and set VK_ICD_FILENAMES)';
}
