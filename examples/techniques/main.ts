// The reference texts' training-technique comparisons on MNIST: `pnpm techniques` (or `--quick`).
import { parseArgs } from 'node:util';
import '@hypatia/backends';
import { loadMnist } from '@hypatia/nn/node';
import { runTechniques } from './experiments.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false }, backend: { type: 'string', default: 'cpu' },
      limit: { type: 'string' }, out: { type: 'string', default: 'results/techniques' }, only: { type: 'string' }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) { console.log('usage: pnpm techniques -- [--quick] [--backend NAME] [--limit N] [--out DIR] [--only id,id]'); return; }
  const limit = values.limit ? Number(values.limit) : values.quick ? 500 : 10_000;
  if (!Number.isInteger(limit) || limit <= 0) throw new Error(`--limit must be a positive integer, got '${values.limit}'`);
  const { training, validation } = loadMnist({ limit });
  const t0 = performance.now();
  await runTechniques({ quick: values.quick!, backend: values.backend!, outDir: values.out!, training, validation: { x: validation.x, y: validation.y }, log: console.log, only: values.only?.split(',') });
  console.log(`wrote ${values.out}/results.md and the SVG plots in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
