// Run by build-addon.test.ts in separate processes (a damaged addon could kill the process that
// loads it): build one small addon into the cache dir given as argv[2], run it, and print as JSON
// its output, the build counters and how many times the C compiler was announced.
import { addonSource } from '../addon-source.js';
import { buildAddon, buildStats, onNativeBuild, resolveBuildOptions } from '../build-addon.js';
import { elementwiseKernelC } from '../kernels/elementwise-c.js';
import type { AddonExports } from '../addon-source.js';

const x = { k: 'in', i: 0, dtype: 'float64' } as const;
const formula = { k: 'call', f: 'mul', args: [x, { k: 'const', v: 3, dtype: 'float64' }], dtype: 'float64' } as const;
const source = addonSource([{ name: 'triple', code: elementwiseKernelC('triple', formula, ['float64'], 'float64') }]);
let announced = 0;
onNativeBuild(() => announced++);
const { exports } = await buildAddon<AddonExports>(source, resolveBuildOptions({ cacheDir: process.argv[2] }));
const input = Float64Array.from([1, 2, 3]);
const out = new Float64Array(3);
exports.run(0, [input, out], Float64Array.from([3, 1, 3, 1, 1]));
console.log(JSON.stringify({ out: [...out], stats: buildStats, announced }));
