import type { DType } from '@hypatia/core';
import { Draft } from './draft.js';
import { generateDag } from './generate-dag.js';
import { generateConv, generateMlp } from './generate-nets.js';
import { generateScan } from './generate-scan.js';
import type { Program } from './program.js';
import { Rng } from './rng.js';

const FAMILIES = { mlp: generateMlp, conv: generateConv, dag: generateDag, scan: generateScan } as const;
export type Family = keyof typeof FAMILIES;

/**
 * The program of a seed: its family and dtype are drawn first, so a seed names one program on
 * every machine. float64 programs let the CPU backends be compared tightly; float32 ones also run
 * on WebGPU (which has no float64). Loops (`scan`) are drawn only when asked for, so the seeds of
 * the other families keep naming the programs they always named.
 */
export function generateProgram(seed: number, only?: { family?: Family; dtype?: DType }): Program {
  const rng = new Rng(seed);
  const family = only?.family ?? rng.pick(['mlp', 'mlp', 'conv', 'dag', 'dag'] as const);
  const dtype = only?.dtype ?? rng.pick(['float32', 'float64'] as const);
  const d = new Draft(rng, dtype);
  FAMILIES[family](d);
  return d.finish(seed, family);
}
