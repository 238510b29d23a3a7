/// <reference types="@webgpu/types" />
import { afterAll, describe, expect, it } from 'vitest';
import { S, compile, evaluate, input, sconst, tensor, NDArray, type Variable } from '@hypatia/core';
import { ProductEpilogue, add, conv2d, dimshuffle, dot, matmul, mul, relu, sigmoid, sub, tanh, transpose } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { getDevice } from './index.js';
import { lowerNode } from './lowering.js';
import type { GpuTensor } from './buffers.js';
import { gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

/**
 * The product_epilogue rewrite on webgpu: the fused graph (the product's kernel applying the
 * formula before its store) agrees with the unfused one and with the reference.
 */
async function fusedAgrees(inputs: Variable[], output: Variable, args: NDArray[]): Promise<void> {
  const want = evaluate([output], new Map(inputs.map((v, i) => [v, args[i]!])))[0]!;
  const fused = await compile({ inputs, outputs: [output], backend: 'webgpu', rewrites: { include: ['product_epilogue'] } });
  const plain = await compile({ inputs, outputs: [output], backend: 'webgpu', rewrites: { exclude: ['product_epilogue'] } });
  expect(fused.graph.nodes.map((n) => n.op.name)).toContain('product_epilogue');
  expect(plain.graph.nodes.map((n) => n.op.name)).not.toContain('product_epilogue');
  expect(fused.executable.kernelCount).toBeLessThan(plain.executable.kernelCount);
  const [f] = await fused(...args);
  const [p] = await plain(...args);
  expect(compareArrays(want, f!, 1e-4, 1e-5), 'fused').toBeNull();
  expect(compareArrays(p!, f!, 1e-5, 1e-6), 'fused vs unfused').toBeNull();
}

function upload(device: GPUDevice, a: NDArray): GpuTensor {
  const buffer = device.createBuffer({ size: Math.max(4, a.size * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, a.data.buffer as ArrayBuffer, a.data.byteOffset, a.size * 4);
  return { buffer, dtype: a.dtype, shape: [...a.shape], size: a.size };
}

async function download(device: GPUDevice, t: GpuTensor): Promise<NDArray> {
  const staging = device.createBuffer({ size: t.size * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(t.buffer, 0, staging, 0, t.size * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  return new NDArray('float32', t.shape, data);
}

describe.runIf(gpuAvailable)('webgpu product epilogues on their IR kernels (bias and activation before the store)', () => {
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
    // 4 x 16 outputs, each reducing over 1,600 terms.
    await fusedAgrees([x, w, b], y, [seeded([1, 64, 8, 8], 'float32', 10), seeded([4, 64, 5, 5], 'float32', 11), seeded([4], 'float32', 12)]);
  });

  it("in place: an SGD update w - 0.5 * xᵀg written into w's own buffer by the product's kernel", async () => {
    const x = tensor('float32', [null, null], 'x');
    const g = tensor('float32', [null, null], 'g');
    const w = tensor('float32', [null, null], 'w');
    const y = sub(w, mul(dot(transpose(x), g), 0.5));
    const args = [seeded([6, 20], 'float32', 1), seeded([6, 18], 'float32', 2), seeded([20, 18], 'float32', 3)];
    const want = evaluate([y], new Map([[x, args[0]!], [g, args[1]!], [w, args[2]!]]))[0]!;
    // The rewrite leaves weight updates to the elementwise kernel (see epilogue-rewrite.ts), so the
    // node is built by hand: formula input 0 is the product xᵀ·g, input 1 is w.
    const product = dot(transpose(x), g).owner!;
    const formula = S.sub(input(1, 'float32'), S.mul(input(0, 'float32'), sconst(0.5, 'float32')));
    const node = new ProductEpilogue(product.op, 2, formula, ['float32', 'float32'], 0, ['mul', 'sub']).apply([...product.inputs, w]);
    const device = await getDevice();
    const step = await lowerNode(device, node);
    // A product operand cannot be overwritten while the product reads it.
    expect(await step.inPlace!(node.inputs.map((_, i) => i === 0))).toBeNull();
    const aliased = node.inputs.map((v) => v.name === 'w');
    expect(aliased.filter(Boolean)).toHaveLength(1);
    const inPlace = (await step.inPlace!(aliased))!;
    const tensors = new Map(['x', 'g', 'w'].map((name, i) => [name, upload(device, args[i]!)]));
    const ins = node.inputs.map((v) => tensors.get(v.name!)!);
    const out = tensors.get('w')!;
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const scratch = (bytes: number) => device.createBuffer({ size: Math.max(16, bytes), usage: GPUBufferUsage.STORAGE });
    inPlace(pass, ins, out, { device, scratch, params: (data) => upload(device, new NDArray('int32', [data.length], new Int32Array(data.buffer, data.byteOffset, data.length))).buffer });
    pass.end();
    device.queue.submit([encoder.finish()]);
    expect(compareArrays(want, await download(device, out), 1e-4, 1e-5)).toBeNull();
  });

  it('an epilogue operand that does not broadcast into the product at run time is an error naming the user\'s op and line', async () => {
    const x = tensor('float32', [null, null], 'x');
    const w = tensor('float32', [null, null], 'w');
    const b = tensor('float32', [null], 'b');
    const f = await compile({ inputs: [x, w, b], outputs: [sigmoid(add(dot(x, w), b))], backend: 'webgpu', rewrites: { include: ['product_epilogue'] } });
    await expect(f(seeded([2, 3], 'float32', 1), seeded([3, 4], 'float32', 2), seeded([5], 'float32', 3))).rejects.toThrow(/^add: at run time: shapes \[2, 4\] and \[5\] do not broadcast.*product-epilogue\.test\.ts:\d+:/s);
  });
});
