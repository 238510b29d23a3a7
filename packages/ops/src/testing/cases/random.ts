import { NDArray, tensor } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { randomArray } from './elementwise.js';
import { mul } from '../../elementwise/arithmetic.js';
import { RandomStreams } from '../../random/streams.js';

/**
 * The random family's entries in the shared op table. Each build makes a fresh stream from a fixed
 * seed, so the state (a shared variable) starts at the same place on every run and every backend
 * must reproduce the reference draws (see random/random-op.ts for the algorithm).
 */
export const randomCases: OpCase[] = [
  {
    name: 'random_uniform/float32',
    build: () => ({ inputs: [], outputs: [new RandomStreams(1).uniform({ size: [3, 5] })] }),
    args: () => [],
  },
  {
    name: 'random_uniform/float64-low-high',
    build: () => ({ inputs: [], outputs: [new RandomStreams(2).uniform({ size: [4, 3], low: -2, high: 3, dtype: 'float64' })] }),
    args: () => [],
    skip: skipFloat64('float64'),
  },
  {
    name: 'random_normal/float32',
    build: () => ({ inputs: [], outputs: [new RandomStreams(3).normal({ size: [9] })] }),
    args: () => [],
    // Devices without float64 evaluate Box-Muller in float32.
    rtol: 1e-3,
  },
  {
    name: 'random_normal/float64-mean-std',
    build: () => ({ inputs: [], outputs: [new RandomStreams(4).normal({ size: [2, 4], mean: 1, std: 0.25, dtype: 'float64' })] }),
    args: () => [],
    skip: skipFloat64('float64'),
  },
  {
    name: 'random_binomial/dropout-like-input',
    build: () => {
      const x = tensor('float32', [null, null], 'x');
      return { inputs: [x], outputs: [mul(x, new RandomStreams(5).binomial({ size: x, p: 0.7, dtype: 'float32' }))] };
    },
    args: () => [randomArray([4, 5], 'float32', 11)],
  },
  {
    name: 'random_binomial/n6-int32',
    build: () => ({ inputs: [], outputs: [new RandomStreams(6).binomial({ size: [7], n: 6, p: 0.35 })] }),
    args: () => [],
  },
  {
    name: 'random_uniform/counter-carry-and-new-state',
    build: () => {
      const rs = new RandomStreams(7);
      const u = rs.uniform({ size: [3, 2] });
      const state = rs.stateOf(u);
      const [k0, k1] = state.get().data;
      // Start two elements short of the low word's wrap, so the draw carries into the high word.
      state.set(new NDArray('int32', [4], Int32Array.of(k0!, k1!, -2, 9)));
      return { inputs: [], outputs: [u, state.defaultUpdate!] };
    },
    args: () => [],
  },
  {
    // Nine words per element: three Philox blocks, the last one partly used.
    name: 'random_binomial/n9-float32-three-blocks',
    build: () => ({ inputs: [], outputs: [new RandomStreams(8).binomial({ size: [3, 4], n: 9, p: 0.6, dtype: 'float32' })] }),
    args: () => [],
  },
];

