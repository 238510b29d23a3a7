import type { Backend, Executable, LowerSpec } from '@hypatia/core';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { NativeBackend } from './native-backend.js';
import { NativeBuildError, NativeUnavailableError } from './build-addon.js';
import { NATIVE_OPTION_NAMES } from './native-options.js';
import { NATIVE_REWRITES } from '../supported-rewrites.js';
import { ranBy } from '../ran-by.js';

const warned = new Set<string>();

/**
 * The default host backend: native code when a C compiler works, otherwise the reference backend,
 * saying so once per process (per reason) rather than on every compile(). A function that fell
 * back reports `fn.backend === 'reference'`.
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly supportedRewrites = NATIVE_REWRITES;
  readonly optionNames = NATIVE_OPTION_NAMES;
  private readonly native = new NativeBackend();
  private readonly reference = new ReferenceBackend();

  async lower(spec: LowerSpec): Promise<Executable> {
    try {
      return await this.native.lower(spec);
    } catch (e) {
      if (!(e instanceof NativeUnavailableError || e instanceof NativeBuildError)) throw e;
      const reason = e instanceof NativeUnavailableError ? e.message : 'the generated C did not build';
      if (!warned.has(reason)) {
        warned.add(reason);
        console.warn(`hypatia: the 'cpu' backend is running the slower reference backend: ${e.message}`);
      }
      return ranBy(this.reference.name, this.reference.lower(spec));
    }
  }
}
