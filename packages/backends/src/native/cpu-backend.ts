import type { Backend, Executable, LowerSpec } from '@hypatia/core';
import { NativeBackend } from './native-backend.js';
import { NativeBuildError, NativeUnavailableError } from './build-addon.js';
import { NATIVE_OPTION_NAMES } from './native-options.js';
import { NATIVE_REWRITES } from '../supported-rewrites.js';
import { WasmBackend } from '../wasm/wasm-backend.js';
import { WASM_OPTION_NAMES } from '../wasm/wasm-options.js';

const warned = new Set<string>();

/**
 * The default host backend: native code when a C compiler works, otherwise WebAssembly (the wasm
 * backend), saying so once per process (per reason) rather than on every compile(). A function
 * that fell back reports `fn.backend === 'wasm'`; the reference backend runs only when asked for.
 * Of the options, the wasm backend takes those it declares (replay, threads, spans).
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly supportedRewrites = NATIVE_REWRITES;
  readonly optionNames = NATIVE_OPTION_NAMES;
  private readonly native = new NativeBackend();
  /** Its values carry the name 'cpu', the backend compile() was given, so it never reads them back first. */
  private readonly wasm = new WasmBackend('cpu');

  async lower(spec: LowerSpec): Promise<Executable> {
    try {
      return await this.native.lower(spec);
    } catch (e) {
      if (!(e instanceof NativeUnavailableError || e instanceof NativeBuildError)) throw e;
      const reason = e instanceof NativeUnavailableError ? e.message : 'the generated C did not build';
      if (!warned.has(reason)) {
        warned.add(reason);
        console.warn(`hypatia: the 'cpu' backend is running WebAssembly (the wasm backend): ${e.message}`);
      }
      const options = Object.fromEntries(Object.entries(spec.options).filter(([k]) => (WASM_OPTION_NAMES as readonly string[]).includes(k)));
      return this.wasm.lower({ ...spec, options });
    }
  }
}
