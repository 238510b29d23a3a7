import { describe, expect, it } from 'vitest';
import { NDArray, fscalar, mulberry32, tensor, type DType } from '@hypatia/core';
import { RandomOp, type Distribution } from '@hypatia/ops';
import { addonSource, type AddonExports, type KernelSource } from '../addon-source.js';
import { DEFAULT_FLAGS, buildAddon, resolveBuildOptions } from '../build-addon.js';
import { testCacheDir } from '../testing/test-cache-dir.js';
import { RANDOM_HELPERS_C, randomKernelC } from './random-c.js';

/**
 * The random kernels called directly (no graph), against RandomOp's `perform`, which is the
 * specification, compared bit for bit; and the fdlibm log and cos that Box-Muller needs, against
 * V8's Math.log and Math.cos on every argument float32 sampling can give them.
 */

/** log(u1) and cos(2 pi u2) for arrays of u1 and u2, with the flags the random kernels get. */
const MATH_PROBE: KernelSource = {
  name: 'probe',
  code: `${RANDOM_HELPERS_C}
#pragma GCC push_options
#pragma GCC optimize ("no-fast-math", "fp-contract=off")
static void probe(void **b, const int64_t *p) {
  const double *u1 = (const double *)b[0], *u2 = (const double *)b[1];
  double *lg = (double *)b[2], *cs = (double *)b[3];
  for (int64_t i = 0; i < p[0]; i++) {
    lg[i] = hyp_fdlibm_log(u1[i]);
    cs[i] = hyp_fdlibm_cos(HYP_TWO_PI * u2[i]);
  }
}
#pragma GCC pop_options
`,
};

async function build(kernels: KernelSource[], extraFlags: string[] = []): Promise<AddonExports> {
  const { exports } = await buildAddon<AddonExports>(addonSource(kernels), resolveBuildOptions({ cacheDir: testCacheDir(), flags: [...DEFAULT_FLAGS, ...extraFlags] }));
  exports.setThreads(2);
  return exports;
}

/** Runs the probe over u1s and u2s in chunks; returns the first arguments whose results differ from V8's. */
function mathDifferences(addon: AddonExports, count: number, u1At: (i: number) => number, u2At: (i: number) => number): string[] {
  const out: string[] = [];
  const chunk = 1 << 20;
  const u1 = new Float64Array(chunk), u2 = new Float64Array(chunk), lg = new Float64Array(chunk), cs = new Float64Array(chunk);
  for (let from = 0; from < count && out.length < 5; from += chunk) {
    const n = Math.min(chunk, count - from);
    for (let i = 0; i < n; i++) {
      u1[i] = u1At(from + i);
      u2[i] = u2At(from + i);
    }
    addon.run(0, [u1, u2, lg, cs], Float64Array.of(n));
    for (let i = 0; i < n && out.length < 5; i++) {
      if (!Object.is(lg[i], Math.log(u1[i]!))) out.push(`log(${u1[i]}): ${lg[i]} vs ${Math.log(u1[i]!)}`);
      if (!Object.is(cs[i], Math.cos(2 * Math.PI * u2[i]!))) out.push(`cos(2 pi ${u2[i]}): ${cs[i]} vs ${Math.cos(2 * Math.PI * u2[i]!)}`);
    }
  }
  return out;
}

describe('fdlibm log and cos in C', () => {
  for (const flags of [[], ['-ffast-math']]) {
    it(`equal V8's Math.log and Math.cos bit for bit (flags ${[...DEFAULT_FLAGS, ...flags].join(' ')})`, async () => {
      const addon = await build([MATH_PROBE], flags);
      // float32 normals: u1 = k 2^-24 + 2^-24 and u2 = k 2^-24 for every k < 2^24.
      expect(mathDifferences(addon, 2 ** 24, (k) => k * 2 ** -24 + 2 ** -24, (k) => k * 2 ** -24)).toEqual([]);
      // float64 normals: u53 values at random, and the ends of the range.
      const rnd = mulberry32(7);
      const u53 = () => (Math.floor(rnd() * 2 ** 27) * 2 ** 26 + Math.floor(rnd() * 2 ** 26)) * 2 ** -53;
      const u1Ends = [2 ** -53, 1, 1 - 2 ** -53, 0.5, 0.25];
      const u2Ends = [0, 1 - 2 ** -53, 0.25, 0.5, 0.75];
      expect(mathDifferences(addon, 2 ** 22, (k) => u1Ends[k] ?? u53() + 2 ** -53, (k) => u2Ends[k] ?? u53())).toEqual([]);
    });
  }
});

interface Variant { distribution: Distribution; dtype: DType; n: number }

const VARIANTS: Variant[] = [
  { distribution: 'uniform', dtype: 'float32', n: 1 },
  { distribution: 'uniform', dtype: 'float64', n: 1 },
  { distribution: 'normal', dtype: 'float32', n: 1 },
  { distribution: 'normal', dtype: 'float64', n: 1 },
  { distribution: 'binomial', dtype: 'bool', n: 1 },
  { distribution: 'binomial', dtype: 'int32', n: 4 },
  { distribution: 'binomial', dtype: 'float32', n: 5 },
  { distribution: 'binomial', dtype: 'float64', n: 9 },
  { distribution: 'binomial', dtype: 'int32', n: 1024 },
];

/** Counters (lo, hi) at the ends of both words, so draws carry from lo into hi and hi wraps. */
const COUNTERS: [number, number][] = [[0, 0], [0xffffffff, 0], [0xfffffff0, 41], [0xfffffffd, 0xffffffff], [123456789, 0xfffffffe]];

function compareWithPerform(addon: AddonExports, sizes: readonly number[]): string[] {
  const failures: string[] = [];
  const rnd = mulberry32(3);
  VARIANTS.forEach((v, k) => {
    for (const size of sizes) {
      const op = new RandomOp(v.distribution, v.dtype, [size], v.n);
      const binomial = v.distribution === 'binomial';
      const node = op.apply([tensor('int32', [4], 'state'), ...(binomial ? [fscalar('p')] : [])]);
      for (const [lo, hi] of COUNTERS) {
        const state = new NDArray('int32', [4], Int32Array.of(Math.floor(rnd() * 2 ** 32) | 0, Math.floor(rnd() * 2 ** 32) | 0, lo | 0, hi | 0));
        const p = NDArray.from(Math.fround(rnd()), 'float32');
        const [wantState, want] = op.perform([state, ...(binomial ? [p] : [])], node) as [NDArray, NDArray];
        const next = new Int32Array(4);
        const got = NDArray.zeros(v.dtype, [size]);
        addon.run(k, [state.data, ...(binomial ? [p.data] : []), next, got.data], Float64Array.of(size));
        const label = `${op.name} ${v.dtype} n=${v.n} size ${size} counter (${lo}, ${hi})`;
        if (next.join() !== Array.from(wantState.data).join()) failures.push(`${label}: state ${next.join()} vs ${wantState.data.join()}`);
        const bytes = (a: NDArray) => new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
        const at = bytes(want).findIndex((b, i) => b !== bytes(got)[i]);
        if (at >= 0) {
          const i = Math.floor(at / want.data.BYTES_PER_ELEMENT);
          failures.push(`${label}: element ${i} is ${got.data[i]}, the reference draws ${want.data[i]}`);
        }
      }
    }
  });
  return failures;
}

describe('random kernels', () => {
  const kernels = VARIANTS.map((v, k) => ({ name: `hyp_k${k}`, code: randomKernelC(`hyp_k${k}`, v.distribution, v.dtype, v.n) }));
  it('draw what RandomOp.perform draws, bit for bit, and advance the counter with its carries', async () => {
    expect(compareWithPerform(await build(kernels), [0, 1, 7, 3000])).toEqual([]);
  });
  it('the same with every draw split between threads', async () => {
    expect(compareWithPerform(await build(kernels, ['-DHYP_RANDOM_PAR_MIN=1']), [1, 7, 300])).toEqual([]);
  });
});
