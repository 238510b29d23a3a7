import { graphInputs, SharedVariable, type Backend, type Executable, type FunctionGraph, type LowerSpec } from '@hypatia/core';
import { WasmBackend } from './wasm/wasm-backend.js';
import { WebGPUBackend } from './webgpu/webgpu-backend.js';
import { getDevice } from './webgpu/device.js';
import { WebGPUUnsupportedError } from './webgpu/lowering.js';
import { ranBy } from './ran-by.js';

/** What a BrowserCpuBackend chooses between, and how it finds out whether WebGPU works. */
export interface BrowserCpuOptions {
  /** Runs what WebGPU cannot: every graph on a page without WebGPU, and graphs with float64 values. Default: the wasm backend. */
  fallback?: Backend;
  /** Default: the WebGPU backend. */
  webgpu?: Backend;
  /** Why WebGPU cannot be used here, or null when it can. Default: whether a GPU device opens. */
  webgpuProblem?: () => Promise<string | null>;
}

/**
 * 'cpu' in a browser, the default backend of compile(): the best backend the page has for each
 * graph. That is WebGPU when the browser gives a GPU device and WebGPU can run the graph (no
 * float64 value, which WGSL lacks; every op with kernels), else WebAssembly (the wasm backend).
 * Which one runs a function is its `fn.backend`; the first time a reason sends a graph to the
 * fallback, one warning says it.
 *
 * Both default backends label their shared-variable values 'cpu', the backend compile() was
 * given, so a training loop's weights stay on their device between calls; a value the GPU holds
 * is read back (asynchronously) before a fallback function reads it.
 */
export class BrowserCpuBackend implements Backend {
  readonly name = 'cpu';
  readonly supportedRewrites: readonly string[];
  readonly optionNames: readonly string[];
  private readonly fallback: Backend;
  private readonly webgpu: Backend;
  private readonly webgpuProblem: () => Promise<string | null>;
  private problem: Promise<string | null> | null = null;
  private readonly warned = new Set<string>();

  constructor(options: BrowserCpuOptions = {}) {
    this.fallback = options.fallback ?? new WasmBackend(this.name);
    this.webgpu = options.webgpu ?? new WebGPUBackend(this.name);
    this.webgpuProblem = options.webgpuProblem ?? (() => getDevice().then(() => null, (e: Error) => e.message));
    // A rewrite is run only when both backends can run its result: compile() picks the rewrites before a graph is placed.
    const fallbackRewrites = new Set(this.fallback.supportedRewrites ?? []);
    this.supportedRewrites = (this.webgpu.supportedRewrites ?? []).filter((r) => fallbackRewrites.has(r));
    this.optionNames = [...new Set([...(this.webgpu.optionNames ?? []), ...(this.fallback.optionNames ?? [])])];
  }

  async lower(spec: LowerSpec): Promise<Executable> {
    this.problem ??= this.webgpuProblem();
    let problem = (await this.problem) ?? (hasFloat64(spec.graph) ? 'the graph has float64 values and WebGPU has none' : null);
    if (problem === null) {
      try {
        return ranBy(this.webgpu.name, await this.webgpu.lower(optionsFor(this.webgpu, spec)));
      } catch (e) {
        if (!(e instanceof WebGPUUnsupportedError)) throw e;
        problem = `${e.op}: ${e.detail}`;
      }
    }
    if (!this.warned.has(problem)) {
      this.warned.add(problem);
      console.warn(`hypatia: the 'cpu' backend is running the ${this.fallback.name} backend: ${problem}`);
    }
    const exe = await this.fallback.lower(optionsFor(this.fallback, spec));
    const shared = graphInputs(spec.graph.outputs).filter((v): v is SharedVariable => v instanceof SharedVariable);
    return ranBy(this.fallback.name, {
      ...exe,
      describe: () => exe.describe(),
      kernelCount: exe.kernelCount,
      run: async (args, opts) => {
        await readBackAsyncValues(shared);
        return exe.run(args, opts);
      },
    });
  }
}

/**
 * Values only an asynchronous read can reach (a GPU's) are read back to the host, which a host
 * backend then reads; compile() does not, since they carry the name 'cpu' too.
 */
async function readBackAsyncValues(vars: readonly SharedVariable[]): Promise<void> {
  const reads = vars.filter((v) => v.deviceValue && !v.deviceValue.readSync && !v.hostValue).map((v) => v.getAsync({ borrow: true }));
  if (reads.length) await Promise.all(reads);
}

function hasFloat64(graph: FunctionGraph): boolean {
  return graph.inputs.some((v) => v.dtype === 'float64')
    || graph.nodes.some((n) => [...n.inputs, ...n.outputs].some((v) => v.dtype === 'float64'));
}

/** The spec with only the options `backend` reads: compile() checked them against the union. */
function optionsFor(backend: Backend, spec: LowerSpec): LowerSpec {
  if (!backend.optionNames) return spec;
  const names = new Set(backend.optionNames);
  return { ...spec, options: Object.fromEntries(Object.entries(spec.options).filter(([k]) => names.has(k))) };
}
