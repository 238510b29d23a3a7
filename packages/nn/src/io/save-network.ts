// Node-only: writes and reads the two files of a saved network.
import { existsSync, readFileSync } from 'node:fs';
import type { Network } from '../network.js';
import { architectureOf, encodeWeights, loadWeightsInto, networkFromSaved, parseArchitecture } from './network-io.js';
import { writeFileAtomic } from './checkpoint-files.js';

/** The two files of a saved network: `<base>.json` (architecture) and `<base>.safetensors` (weights). */
export function savedPaths(base: string): { architecture: string; weights: string } {
  const stem = base.replace(/\.(json|safetensors)$/, '');
  return { architecture: `${stem}.json`, weights: `${stem}.safetensors` };
}

/**
 * Save, creating missing folders; weights that live on a GPU are read back first. Each file is
 * replaced atomically (writeFileAtomic), so an interrupted save leaves the old files whole.
 */
export async function saveNetwork(net: Network, base: string): Promise<{ architecture: string; weights: string }> {
  const paths = savedPaths(base);
  const arch = JSON.stringify(architectureOf(net), null, 2);
  const weights = await encodeWeights(net);
  writeFileAtomic(paths.weights, weights);
  writeFileAtomic(paths.architecture, new TextEncoder().encode(arch));
  return paths;
}

/** The network `saveNetwork` wrote at `base` (`<base>.json` and `<base>.safetensors`). */
export function loadNetwork(base: string): Network {
  const paths = savedPaths(base);
  for (const p of [paths.architecture, paths.weights]) if (!existsSync(p)) throw new Error(`loadNetwork: ${p} is missing`);
  try {
    return networkFromSaved(parseArchitecture(readFileSync(paths.architecture, 'utf8')), new Uint8Array(readFileSync(paths.weights)));
  } catch (e) {
    throw new Error(`loadNetwork ${paths.weights}: ${(e as Error).message}`);
  }
}

/** Load saved weights into an existing network of the same architecture; a bad file changes nothing. */
export function loadWeights(net: Network, base: string): void {
  const { weights } = savedPaths(base);
  if (!existsSync(weights)) throw new Error(`loadWeights: ${weights} is missing`);
  try {
    loadWeightsInto(net, new Uint8Array(readFileSync(weights)));
  } catch (e) {
    throw new Error(`loadWeights ${weights}: ${(e as Error).message}`);
  }
}
