import type { Variable } from '@hypatia/core';
import { relu as reluOp, sigmoid as sigmoidOp, tanh as tanhOp } from '@hypatia/ops';

/** An activation function on symbolic tensors, with a name so an architecture can be saved. */
export interface Activation {
  readonly name: string;
  (z: Variable): Variable;
}

function named(name: string, f: (z: Variable) => Variable): Activation {
  const fn = (z: Variable) => f(z);
  // A function's own `name` is read-only; redefine it.
  Object.defineProperty(fn, 'name', { value: name });
  return fn as Activation;
}

export const linear = named('linear', (z) => z);
export const sigmoid = named('sigmoid', (z) => sigmoidOp(z));
export const tanh = named('tanh', (z) => tanhOp(z));
/** network3's ReLU: max(0, z). */
export const relu = named('relu', (z) => reluOp(z));

const registry = new Map<string, Activation>([linear, sigmoid, tanh, relu].map((a) => [a.name, a]));

/** Make a user activation loadable from a saved architecture. */
export function registerActivation(a: Activation): void {
  registry.set(a.name, a);
}

export function activationByName(name: string): Activation {
  const a = registry.get(name);
  if (!a) throw new Error(`unknown activation '${name}'; known: ${[...registry.keys()].join(', ')} (registerActivation adds one)`);
  return a;
}
