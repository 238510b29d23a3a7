import { afterAll, describe, expect, it } from 'vitest';
import { compile, evaluate, tensor, NDArray, type Variable } from '@hypatia/core';
import { add, compareArrays, conv2d, dimshuffle, dot, matmul, mul, relu, sigmoid, sub, tanh, transpose } from '@hypatia/ops';
import { forceProductKernel } from '../kernels.js';
import { gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/**
 * The product_epilogue rewrite on webgpu: the fused graph (the product's kernel applying the
 * formula before its store) agrees with the unfused one and with the reference, on both product
 * kernels (tiles and a thread per element).
 */
async function fusedAgrees(inputs: Variable[], output: Variable, args: NDArray[]): Promise<void> {
  const want = evaluate([output], new Map(inputs.map((v, i) => [v, args[i]!])))[0]!;
  for (const kernel of ['tiled', 'simple'] as const) {
    const undo = forceProductKernel(kernel);
    try {
      const fused = await compile({ inputs, outputs: [output], backend: 'webgpu', rewrites: { include: ['product_epilogue'] } });
      const plain = await compile({ inputs, outputs: [output], backend: 'webgpu', rewrites: { exclude: ['product_epilogue'] } });
      expect(fused.graph.nodes.map((n) => n.op.name)).toContain('product_epilogue');
      expect(plain.graph.nodes.map((n) => n.op.name)).not.toContain('product_epilogue');
      expect(fused.executable.kernelCount).toBeLessThan(plain.executable.kernelCount);
      const [f] = await fused(...args);
      const [p] = await plain(...args);
      expect(compareArrays(want, f!, 1e-4, 1e-5), `fused, ${kernel}`).toBeNull();
      expect(compareArrays(p!, f!, 1e-5, 1e-6), `fused vs unfused, ${kernel}`).toBeNull();
    } finally {
      undo();
    }
  }
}

describe.runIf(gpuAvailable)('webgpu product epilogues (bias and activation before the store)', () => {
  afterAll(releaseDevice);

  it("dot + bias + sigmoid (network3's layer), and the product as the formula's second input through transposes", async () => {
    const x = tensor('float32', [null, null], 'x');
    const w = tensor('float32', [null, null], 'w');
    const b = tensor('float32', [null], 'b');
    const args = [seeded([37, 21], 'float32', 1), seeded([21, 19], 'float32', 2), seeded([19], 'float32', 3)];
    await fusedAgrees([x, w, b], sigmoid(add(dot(x, w), b)), args);
    await fusedAgrees([x, w, b], mul(tanh(sub(b, dot(transpose(transpose(x)), w))), b), args);
  });

  it('batched matmul with a bias broadcast over the batch, and relu', async () => {
    const a = tensor('float32', [null, null, null], 'a');
    const c = tensor('float32', [null, null], 'c');
    const b = tensor('float32', [null], 'b');
    await fusedAgrees([a, c, b], relu(add(matmul(a, c), b)), [seeded([3, 17, 9], 'float32', 4), seeded([9, 20], 'float32', 5), seeded([20], 'float32', 6)]);
  });

  it('conv2d with a per-channel bias and relu', async () => {
    const x = tensor('float32', [null, null, null, null], 'x');
    const w = tensor('float32', [null, null, null, null], 'w');
    const b = tensor('float32', [null], 'b');
    const y = relu(add(conv2d(x, w), dimshuffle(b, 'x', 0, 'x', 'x')));
    await fusedAgrees([x, w, b], y, [seeded([2, 3, 12, 12], 'float32', 7), seeded([5, 3, 5, 5], 'float32', 8), seeded([5], 'float32', 9)]);
    // One 16x16 tile of 4 x 16 outputs, each reducing over 1,600 terms.
    await fusedAgrees([x, w, b], y, [seeded([1, 64, 8, 8], 'float32', 10), seeded([4, 64, 5, 5], 'float32', 11), seeded([4], 'float32', 12)]);
  });

  it('an epilogue operand that does not broadcast into the product at run time is an error naming the op', async () => {
    const x = tensor('float32', [null, null], 'x');
    const w = tensor('float32', [null, null], 'w');
    const b = tensor('float32', [null], 'b');
    const f = await compile({ inputs: [x, w, b], outputs: [sigmoid(add(dot(x, w), b))], backend: 'webgpu', rewrites: { include: ['product_epilogue'] } });
    await expect(f(seeded([2, 3], 'float32', 1), seeded([3, 4], 'float32', 2), seeded([5], 'float32', 3))).rejects.toThrow(/product_epilogue: at run time the epilogue operands \[\[5\]\] do not broadcast into the product's \[2, 4\]/);
  });
});
