// Child process of the benchmark: seconds to build network3's conv net, take the gradient and compile
// its training function (mini-batch 10) on one backend, printed as one JSON line. A separate process
// so that nothing is cached in memory; $HYPATIA_CACHE_DIR decides whether the disk cache is cold.
// With 'jax-js' as the backend it times jax-js's first jitted conv step instead.
// Run: npx tsx bench/compile-conv.ts native
import '@hypatia/backends';
import { initialParams } from './lib/workloads.js';
import { loadBenchData } from './lib/bench-data.js';
import { compileTraining } from './lib/hypatia-runner.js';

const backend = process.argv[2] ?? 'cpu';
if (backend === 'webgpu') {
  process.env.VK_ICD_FILENAMES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
}
const data = loadBenchData(100, 10);
if (backend === 'jax-js') {
  // jax-js's first call of the jitted step in a fresh process (its kernel cache is per process).
  const { JaxRunner } = await import('./lib/jax-runner.js');
  const seconds = await new JaxRunner().compileConv(false, initialParams('conv'), data);
  console.log(JSON.stringify({ backend, seconds, cost: 0 }));
  process.exit(0);
}
const t0 = performance.now();
const train = await compileTraining(backend, 'conv', 10, null, data);
const seconds = (performance.now() - t0) / 1000;
// One call proves that what was compiled runs; it is not part of the compile time.
const cost = (await train(0)).data[0]!;
console.log(JSON.stringify({ backend, seconds, cost }));
