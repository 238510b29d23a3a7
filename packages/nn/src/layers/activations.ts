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

/** The identity activation: z. */
export const linear = named('linear', (z) => z);
/** network3's sigmoid activation: 1 / (1 + exp(-z)). */
export const sigmoid = named('sigmoid', (z) => sigmoidOp(z));
/** network3's tanh activation. */
export const tanh = named('tanh', (z) => tanhOp(z));
/** network3's ReLU: max(0, z). */
export const relu = named('relu', (z) => reluOp(z));

const registry = new Map<string, Activation>([linear, sigmoid, tanh, relu].map((a) => [a.name, a]));

/** Make a user activation loadable from a saved architecture. */
export function registerActivation(a: Activation): void {
  registry.set(a.name, a);
}

/**
 * The activation registered under `name` (linear, sigmoid, tanh, relu, or one added with registerActivation).
 */
export function activationByName(name: string): Activation {
  const a = registry.get(name);
  if (!a) throw new Error(`unknown activation '${name}'; known: ${[...registry.keys()].join(', ')} (registerActivation adds one)`);
  return a;
}
