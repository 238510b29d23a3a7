import { addonSource, type AddonExports } from '../addon-source.js';
import { DEFAULT_FLAGS, buildAddon, resolveBuildOptions } from '../build-addon.js';
import { gemmKernelC } from '../kernels/gemm-c.js';
import { testCacheDir } from './test-cache-dir.js';

export interface GemmTestBuild {
  /** HYP_GEMM_PAR_MIN: the work from which a product is split between threads (1: every product). */
  parMin?: number;
  /** HYP_GEMM_NARROW: the 6-row tiles of a machine without AVX-512. */
  narrow?: boolean;
  /** The accumulating kernel (C = β·Z + α·op(A)·op(B)) rather than the plain one. */
  accumulate?: boolean;
}

/** An addon holding one gemm kernel named `name`, called directly by the kernel tests, on two threads. */
export async function buildGemmTestAddon(name: string, dtype: 'float32' | 'float64', options: GemmTestBuild = {}): Promise<AddonExports> {
  const { parMin, narrow = false, accumulate = false } = options;
  const flags = [...DEFAULT_FLAGS, ...(parMin === undefined ? [] : [`-DHYP_GEMM_PAR_MIN=${parMin}`]), ...(narrow ? ['-DHYP_GEMM_NARROW'] : [])];
  const code = accumulate ? gemmKernelC(name, dtype, undefined, true) : gemmKernelC(name, dtype);
  const { exports } = await buildAddon<AddonExports>(addonSource([{ name, code }]), resolveBuildOptions({ cacheDir: testCacheDir(), flags }));
  exports.setThreads(2);
  return exports;
}
