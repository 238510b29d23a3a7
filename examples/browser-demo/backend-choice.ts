// Which backend trains the network: WebGPU where the browser has it, else WebAssembly, and what to
// tell the person about it in a browser's terms.
import { compile, vector, NDArray } from '@hypatia/core';
import { add } from '@hypatia/ops';
import { gpuDescription } from '@hypatia/backends';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'reference';

export const BACKEND_LABELS: Record<BackendChoice, string> = {
  auto: 'auto (WebGPU where this browser has it)',
  webgpu: 'WebGPU',
  wasm: 'WebAssembly (CPU)',
  reference: 'reference (plain JavaScript, slow)',
};

export function isBackendChoice(s: string): s is BackendChoice {
  return s in BACKEND_LABELS;
}

export interface BackendDecision {
  backend: 'webgpu' | 'wasm' | 'reference';
  /** What the page should say about the choice (empty when there is nothing to say). */
  notices: string[];
}

let probe: Promise<string | null> | null = null;

/** Why WebGPU cannot run here, in the library's words, or null when it can: a one-op function compiled and run on it, once a page. */
export function webgpuProblem(): Promise<string | null> {
  probe ??= (async () => {
    try {
      const x = vector('x');
      const f = await compile({ name: 'webgpu_probe', inputs: [x], outputs: add(x, 1), backend: 'webgpu' });
      const y = await f(NDArray.from([1, 2], 'float32'));
      return y.data[1] === 3 ? null : `a test computation on WebGPU gave ${y.data[1]} instead of 3`;
    } catch (e) {
      // The library's errors start with the op or backend they come from ('webgpu: ...').
      return (e instanceof Error ? e.message : String(e)).replace(/^webgpu: /, '');
    }
  })();
  return probe;
}

export async function decideBackend(choice: BackendChoice): Promise<BackendDecision> {
  if (choice === 'wasm' || choice === 'reference') return { backend: choice, notices: [] };
  const problem = await webgpuProblem();
  if (problem === null) {
    const emulated = /swiftshader/i.test(gpuDescription());
    return { backend: 'webgpu', notices: emulated ? ["This browser's WebGPU runs on SwiftShader, which emulates a GPU on the CPU: training is slow here, and WebAssembly is faster."] : [] };
  }
  if (choice === 'webgpu') throw new Error(`WebGPU cannot run in this browser (${problem}). Pick "auto" or "WebAssembly" to train on the CPU.`);
  return {
    backend: 'wasm',
    notices: [`This browser gives the page no WebGPU, so the network trains with WebAssembly on the CPU. Why: ${problem}.`],
  };
}

/** Whether WebAssembly can share memory with worker threads here, and what the page should say about threads. */
export function wasmThreadsNotice(): string {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (g.crossOriginIsolated !== true) {
    return 'WebAssembly runs on one thread: this page is not cross-origin isolated (its server sends no COOP/COEP headers), so it cannot share memory with worker threads.';
  }
  const cores = g.navigator?.hardwareConcurrency ?? 1;
  if (cores <= 1) return 'WebAssembly runs on one thread: this browser reports one core.';
  return `WebAssembly shares its larger kernels among ${cores} threads (Web Workers on the page's shared memory); at mini-batch 10 most kernels are too small to split and run on one.`;
}
