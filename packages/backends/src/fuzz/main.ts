/**
 * The differential fuzzer from the command line: `pnpm fuzz --seconds N` runs random programs on
 * every backend against the oracle until the time is up; `pnpm fuzz --seed S` reruns one program.
 * Options: --from S (first seed; default a random one), --family mlp|conv|dag|scan, --no-webgpu.
 * Without --family every fourth program is a loop program (scan), the others drawn by their seed.
 * Exits 1 on the first disagreement, after printing a script that shows it.
 */
import '../index.js';
import { getDevice } from '../webgpu/index.js';
import { fuzzConfigs } from './configs.js';
import { describeMismatch, runDifferential } from './differential.js';
import { generateProgram, type Family } from './generate.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seed = option('seed');
const seconds = Number(option('seconds') ?? 60);
const family = option('family') as Family | undefined;
let next = seed !== undefined ? Number(seed) : Number(option('from') ?? Math.floor(Math.random() * 1e9));

let webgpu = !args.includes('--no-webgpu');
if (webgpu) {
  webgpu = await getDevice().then(() => true, (e: Error) => {
    console.log(`webgpu: not compared (${e.message})`);
    return false;
  });
}
const configs = fuzzConfigs({ webgpu });
console.log(`comparing ${configs.map((c) => c.name).join(', ')} with the oracle (reference backend, rewrites off)`);

const deadline = performance.now() + seconds * 1000;
let runs = 0;
let failed = false;
do {
  const s = next++;
  const p = generateProgram(s, family ? { family } : runs % 4 === 3 ? { family: 'scan' } : undefined);
  const t0 = performance.now();
  const m = await runDifferential(p, configs);
  runs++;
  console.log(`seed ${s} ${p.family} ${p.dtype} ${p.events.length} events: ${m ? 'DISAGREES' : 'agrees'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (m) {
    console.log(describeMismatch(m));
    failed = true;
    break;
  }
} while (seed === undefined && performance.now() < deadline);
console.log(`${runs} program${runs === 1 ? '' : 's'}, ${failed ? 'a disagreement found' : 'no disagreement'}`);
if (webgpu) (await getDevice()).destroy();
process.exit(failed ? 1 : 0);
