// Run by build-addon.test.ts in separate processes (a damaged addon could kill the process that
// loads it): build one small addon into the cache dir given as argv[2], run it, and print as JSON
// its output, the build counters and how many times the C compiler was announced.
import { addonSource } from '../addon-source.js';
import { buildAddon, buildStats, onNativeBuild, resolveBuildOptions } from '../build-addon.js';
import { kernelToC } from '../c-printer.js';
import type { AddonExports } from '../addon-source.js';
import { E, KernelBuilder } from '@hypatia/core';

const k = new KernelBuilder('triple');
const x = k.input('float64');
const y = k.output('float64');
const [n] = k.params(1);
const [i] = k.space(n!);
k.store(y, i!, E.mul(x.at(i!), E.c(3, 'float64')));
const source = addonSource([{ name: 'triple', code: kernelToC(k.build(), 'triple'), checked: true }]);
let announced = 0;
onNativeBuild(() => announced++);
const { exports } = await buildAddon<AddonExports>(source, resolveBuildOptions({ cacheDir: process.argv[2] }));
const input = Float64Array.from([1, 2, 3]);
const out = new Float64Array(3);
exports.run(0, [input, out], Float64Array.from([3]));
console.log(JSON.stringify({ out: [...out], stats: buildStats, announced }));
