import type { SharedVariable } from '@hypatia/core';
import type { Layer } from '../layers/layer.js';

/** Parameters by their saved names, `layers.<i>.<param name>` (the names of saved networks and checkpoints). */
export function namedParams(net: { readonly layers: readonly Layer[] }): Map<string, SharedVariable> {
  const out = new Map<string, SharedVariable>();
  net.layers.forEach((l, i) => l.params.forEach((p, k) => {
    const name = `layers.${i}.${p.name ?? `param${k}`}`;
    if (out.has(name)) throw new Error(`layer ${i} has two parameters named '${p.name}'; give them distinct names`);
    out.set(name, p);
  }));
  return out;
}
