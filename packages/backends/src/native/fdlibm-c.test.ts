import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@hypatia/core';
import { addonSource, type AddonExports, type KernelSource } from './addon-source.js';
import { DEFAULT_FLAGS, buildAddon, resolveBuildOptions } from './build-addon.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/**
 * The float64 log and cos primitives (fdlibm's where they cover the argument) against V8's
 * Math.log and Math.cos, bit for bit: on every argument a float32 normal sample gives Box-Muller,
 * on random float64 ones, and (with the addon's flags) on special values; with the addon's flags and
 * with -ffast-math.
 */
const PROBE: KernelSource = {
  name: 'probe',
  code: `
static void probe(void **b, const int64_t *p) {
  const double *u1 = (const double *)b[0], *u2 = (const double *)b[1];
  double *lg = (double *)b[2], *cs = (double *)b[3];
  for (int64_t i = 0; i < p[0]; i++) {
    lg[i] = hyp_log(u1[i]);
    cs[i] = hyp_cos(u2[i]);
  }
}
`,
};

async function build(extraFlags: string[]): Promise<AddonExports> {
  const { exports } = await buildAddon<AddonExports>(addonSource([PROBE]), resolveBuildOptions({ cacheDir: testCacheDir(), flags: [...DEFAULT_FLAGS, ...extraFlags] }));
  return exports;
}

/** log(xs) and cos(ys) over `count` arguments in chunks; the first results that differ from V8's. */
function differences(addon: AddonExports, count: number, xAt: (i: number) => number, yAt: (i: number) => number): string[] {
  const out: string[] = [];
  const chunk = 1 << 20;
  const xs = new Float64Array(chunk), ys = new Float64Array(chunk), lg = new Float64Array(chunk), cs = new Float64Array(chunk);
  for (let from = 0; from < count && out.length < 5; from += chunk) {
    const n = Math.min(chunk, count - from);
    for (let i = 0; i < n; i++) {
      xs[i] = xAt(from + i);
      ys[i] = yAt(from + i);
    }
    addon.run(0, [xs, ys, lg, cs], Float64Array.of(n));
    for (let i = 0; i < n && out.length < 5; i++) {
      if (!Object.is(lg[i], Math.log(xs[i]!))) out.push(`log(${xs[i]}): ${lg[i]} vs ${Math.log(xs[i]!)}`);
      if (!Object.is(cs[i], Math.cos(ys[i]!))) out.push(`cos(${ys[i]}): ${cs[i]} vs ${Math.cos(ys[i]!)}`);
    }
  }
  return out;
}

describe('the float64 log and cos primitives in C', () => {
  for (const flags of [[], ['-ffast-math']]) {
    it(`equal V8's Math.log and Math.cos bit for bit (flags ${[...DEFAULT_FLAGS, ...flags].join(' ')})`, async () => {
      const addon = await build(flags);
      // Box-Muller's arguments from float32 draws: u1 = k 2^-24 + 2^-24, 2 pi u2 with u2 = k 2^-24.
      expect(differences(addon, 2 ** 24, (k) => k * 2 ** -24 + 2 ** -24, (k) => 2 * Math.PI * (k * 2 ** -24))).toEqual([]);
      // float64 draws, and values anywhere.
      const rnd = mulberry32(7);
      const u53 = () => (Math.floor(rnd() * 2 ** 27) * 2 ** 26 + Math.floor(rnd() * 2 ** 26)) * 2 ** -53;
      expect(differences(addon, 2 ** 21, () => u53() + 2 ** -53, () => 2 * Math.PI * u53())).toEqual([]);
      expect(differences(addon, 2 ** 20, () => Math.exp((rnd() - 0.5) * 1400), () => (rnd() - 0.5) * 12)).toEqual([]);
      // Special values take libm's results, which are V8's (-ffast-math gives up exact special values).
      if (flags.length) return;
      const specials = [0, -0, -1, Infinity, -Infinity, NaN, 5e-324, 2.2e-308, Number.MAX_VALUE, 1e300, -1e300, 2 * Math.PI, -2 * Math.PI];
      expect(differences(addon, specials.length, (i) => specials[i]!, (i) => specials[i]!)).toEqual([]);
    });
  }
});
