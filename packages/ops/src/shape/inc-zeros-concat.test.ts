import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { NDArray, checkRewrite, grad, mulberry32, tensor, type FunctionGraph, type Variable } from '@hypatia/core';
import { add, exp, mul, sigmoid, tanh } from '../elementwise/arithmetic.js';
import { zerosLike } from '../creation/fill.js';
import { incSubtensor } from './inc-subtensor.js';
import { sum } from '../reduce/sum.js';
import { subtensor } from './subtensor.js';

const rng = mulberry32(5);
const random = (shape: number[]) => new NDArray('float64', shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() - 0.5));
const count = (g: FunctionGraph, name: string) => g.nodes.filter((n) => n.op.name === name).length;
const z = tensor('float64', [null, 8], 'z');

describe('inc_zeros_concat', () => {
  it('the gradient of a tensor read in slices that tile an axis (gates) is one concatenation', async () => {
    // Gates as an LSTM reads them, in another order than their columns'.
    const gates = [[4, 6], [0, 2], [6, 8], [2, 4]].map(([a, b]) => subtensor(z, [null, [a!, b!]]));
    const cost = sum(mul(mul(sigmoid(gates[0]!), tanh(gates[1]!)), exp(mul(gates[2]!, gates[3]!))));
    const { withRule, withoutRule, fired } = await checkRewrite({ inputs: [z], outputs: [grad(cost, [z])[0]!], rewrite: 'inc_zeros_concat', args: [[random([3, 8])]], rtol: 1e-12, atol: 1e-12 });
    expect(fired).toBe(true);
    expect(count(withoutRule.graph, 'inc_subtensor')).toBe(4);
    expect(count(withRule.graph, 'inc_subtensor')).toBe(0);
    expect(count(withRule.graph, 'concatenate')).toBe(1);
  });

  it('leaves slices that leave a gap or overlap, and a block that would broadcast', async () => {
    const gap = add(sum(tanh(subtensor(z, [null, [0, 3]]))), sum(exp(subtensor(z, [null, [4, 8]]))));
    const overlap = add(sum(tanh(subtensor(z, [null, [0, 5]]))), sum(exp(subtensor(z, [null, [4, 8]]))));
    for (const cost of [gap, overlap]) {
      const { fired } = await checkRewrite({ inputs: [z], outputs: [grad(cost, [z])[0]!], rewrite: 'inc_zeros_concat', args: [[random([3, 8])]] });
      expect(fired).toBe(false);
    }
    // A [1, 4] row written over both rows of a [2, 4] region stretches: not a concatenation.
    const z2 = tensor('float64', [null, 8], 'z2');
    const row = tensor('float64', [1, 4], 'row');
    const block = (a: number, b: number, g: Variable) => incSubtensor(subtensor(zerosLike(z2), [null, [a, b]]), g);
    const stretched = add(block(0, 4, row), block(4, 8, subtensor(z2, [null, [0, 4]])));
    const { fired } = await checkRewrite({ inputs: [z2, row], outputs: [stretched], rewrite: 'inc_zeros_concat', args: [[random([2, 8]), random([1, 4])]] });
    expect(fired).toBe(false);
    // With the rows known too, zeros_like folds into a zero constant: still a concatenation.
    const z3 = tensor('float64', [2, 8], 'z3');
    const fixed = add(incSubtensor(subtensor(zerosLike(z3), [null, [0, 4]]), subtensor(z3, [null, [4, 8]])), incSubtensor(subtensor(zerosLike(z3), [null, [4, 8]]), subtensor(z3, [null, [0, 4]])));
    expect((await checkRewrite({ inputs: [z3], outputs: [fixed], rewrite: 'inc_zeros_concat', args: [[random([2, 8])]] })).fired).toBe(true);
    const fits = add(block(0, 4, subtensor(z2, [null, [4, 8]])), block(4, 8, subtensor(z2, [null, [0, 4]])));
    expect((await checkRewrite({ inputs: [z2], outputs: [fits], rewrite: 'inc_zeros_concat', args: [[random([2, 8])]] })).fired).toBe(true);
  });
});
