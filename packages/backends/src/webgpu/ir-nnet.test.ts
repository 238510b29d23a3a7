import { afterAll, describe, expect, it } from 'vitest';
import { compile, grad, shared, tensor, NDArray } from '@hypatia/core';
import {
  categoricalCrossentropy, categoricalCrossentropyGrad, logSoftmax, softmax, softmaxCrossentropyGrad,
  softmaxCrossentropyWithLabels, softmaxGrad, sum, mul,
} from '@hypatia/ops';
import { agreesWithReference, gpuAvailable, releaseDevice, seeded } from './gpu-test-helpers.js';

describe.runIf(gpuAvailable)('webgpu softmax family and label losses on their IR kernels', () => {
  afterAll(releaseDevice);

  it('softmax, log_softmax and softmax_grad on long rows, many rows', async () => {
    const x = tensor('float32', [null, null], 'x');
    const dy = tensor('float32', [null, null], 'dy');
    const outs = [softmax(x), logSoftmax(x), softmaxGrad(dy, softmax(x))];
    await agreesWithReference([x, dy], outs, [seeded([100, 257], 'float32', 1, -30, 30), seeded([100, 257], 'float32', 2)]);
    // Rows of one element, and 3-d input.
    await agreesWithReference([x, dy], outs, [seeded([500, 1], 'float32', 3), seeded([500, 1], 'float32', 4)]);
    const t = tensor('float32', [null, null, null], 't');
    await agreesWithReference([t], [softmax(t), logSoftmax(t)], [seeded([2, 3, 70], 'float32', 5, -5, 5)]);
  });

  it('rows with -inf, +inf and NaN come out as the reference defines them', async () => {
    const x = tensor('float32', [null, null], 'x');
    const rows = NDArray.from([
      [-Infinity, -Infinity, -Infinity], // no finite max: NaN everywhere
      [-Infinity, 0, 1], // exp(-inf) is an exact 0
      [Infinity, 0, 1], // inf - inf: NaN for softmax; log_softmax gives NaN and -inf
      [NaN, 0, 1], // NaN poisons the sum
      [NaN, -Infinity, -Infinity], // max ignores NaN: lse is -inf
      [88, 89, 90], // near float32's exp overflow
    ], 'float32');
    const [s, l] = await agreesWithReference([x], [softmax(x), logSoftmax(x)], [rows]);
    expect(Array.from(s!.data.slice(0, 3))).toEqual([NaN, NaN, NaN]);
    expect(s!.data[3]).toBe(0);
    expect(Array.from(l!.data.slice(6, 9))).toEqual([NaN, -Infinity, -Infinity]);
  });

  it('the fused softmax cross-entropy and its gradient, with negative labels and many classes', async () => {
    const z = tensor('float32', [null, null], 'z');
    const y = tensor('int32', [null], 'y');
    const g = tensor('float32', [null], 'g');
    const loss = softmaxCrossentropyWithLabels(z, y);
    const outs = [loss, softmaxCrossentropyGrad(g, z, y), grad(sum(mul(loss, g)), z)];
    const labels = seeded([130], 'int32', 7, -100, 100);
    await agreesWithReference([z, y, g], outs, [seeded([130, 100], 'float32', 6, -8, 8), labels, seeded([130], 'float32', 8)]);
  });

  it('categorical cross-entropy with int labels and its gradient', async () => {
    const p = tensor('float32', [null, null], 'p');
    const y = tensor('int32', [null], 'y');
    const g = tensor('float32', [null], 'g');
    const outs = [categoricalCrossentropy(p, y), categoricalCrossentropyGrad(g, p, y)];
    await agreesWithReference([p, y, g], outs, [seeded([90, 70], 'float32', 9, 0, 1), seeded([90], 'int32', 10, -70, 70), seeded([90], 'float32', 11)]);
    // A zero probability at the label: the loss is +inf, as -log(0).
    const [l] = await agreesWithReference([p, y, g], outs, [NDArray.from([[0, 1], [0.5, 0.5]], 'float32'), NDArray.from([0, -1], 'int32'), NDArray.from([1, 1], 'float32')]);
    expect(l!.data[0]).toBe(Infinity);
  });

  it('labels out of range raise the reference backend\'s error, from the host or from the GPU', async () => {
    const z = tensor('float32', [null, null], 'z');
    const y = tensor('int32', [null], 'y');
    const f = await compile({ inputs: [z, y], outputs: [softmaxCrossentropyWithLabels(z, y)], backend: 'webgpu' });
    const zs = NDArray.from([[1, 2], [3, 4]], 'float32');
    await expect(f(zs, NDArray.from([5, 1], 'int32'))).rejects.toThrow(/softmax_crossentropy_with_labels: label 5 at row 0 is out of range for 2 classes/);
    // Labels that live on the GPU (a shared dataset) are checked by a kernel; the error is the same.
    const labels = shared(NDArray.from([1, -3], 'int32'), 'labels');
    const g = await compile({ inputs: [z], outputs: [softmaxCrossentropyWithLabels(z, labels)], backend: 'webgpu' });
    await expect(g(zs)).rejects.toThrow(/softmax_crossentropy_with_labels: label -3 at row 1 is out of range for 2 classes; no shared variable was changed/);
    labels.set(NDArray.from([-2, 1], 'int32'));
    const [l] = await g(zs);
    expect(l!.data[1]).toBeCloseTo(Math.log(Math.exp(3) + Math.exp(4)) - 4, 5);
    await expect(f(NDArray.from([[1, 2], [3, 4]], 'float32'), NDArray.from([1], 'int32'))).rejects.toThrow(/softmax_crossentropy_with_labels: at run time there are 2 rows but 1 labels/);
  });
});
