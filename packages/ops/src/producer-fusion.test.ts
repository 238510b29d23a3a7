import { describe, expect, it } from 'vitest';
import { checkRewrite, compile, dmatrix, fmatrix, Fused, ivector, NDArray, tensor, type Apply, type CompiledFunction } from '@hypatia/core';
import {
  add, advancedIndex, argmax, dot, exp, gt, log, max, maxPool2d, mul, relu, sigmoid, softmax, softmaxCrossentropyWithLabels, sub, sum, tanh,
  AdvancedSubtensor, Dot, MaxPool2d, Softmax, SoftmaxCrossentropyWithLabels, Sum,
} from '@hypatia/ops';
import { ReferenceBackend } from '@hypatia/backends';

const m = () => NDArray.from([[0.1, -0.2, 0.3], [0.5, -0.6, 0.7]], 'float64');
const fm = () => m().astype('float32');

/** The reference backend, declaring no opt-in rewrites: as a backend that cannot run Fused nodes would. */
class PlainReference extends ReferenceBackend {
  override readonly supportedRewrites: readonly string[] = [];
}

const fusedNodes = (fn: CompiledFunction<unknown>) => fn.graph.nodes.filter((n): n is Apply & { op: Fused } => n.op instanceof Fused);
const consumersOf = (fn: CompiledFunction<unknown>) => fusedNodes(fn).map((n) => n.op.consumer.constructor);

describe('producer_fusion (opt-in, declared by the backends that run Fused nodes)', () => {
  it('runs where the backend declares it, and only there unless included', async () => {
    const x = dmatrix('x');
    const declared = await compile({ inputs: [x], outputs: [sum(exp(x))], backend: 'reference' });
    expect(consumersOf(declared)).toEqual([Sum]);
    expect(declared.graph.nodes).toHaveLength(1);
    const plain = await compile({ inputs: [x], outputs: [sum(exp(x))], backend: new PlainReference() });
    expect(fusedNodes(plain)).toEqual([]);
    const included = await compile({ inputs: [x], outputs: [sum(exp(x))], backend: new PlainReference(), rewrites: { include: ['producer_fusion'] } });
    expect(consumersOf(included)).toEqual([Sum]);
  });

  it('inlines a fused elementwise group into reductions over any axes, broadcast operands included', async () => {
    const x = dmatrix('x');
    const y = tensor('float64', [1, null], 'y');
    const e = sigmoid(mul(add(x, y), 2));
    const outs = [sum(e), sum(tanh(x), 0), sum(exp(mul(x, y)), 1, true), max(sub(x, y), 1), argmax(sub(y, x), 0)];
    const r = await checkRewrite({ inputs: [x, y], outputs: outs, args: [[m(), NDArray.from([[1, 2, 3]], 'float64')]], rewrite: 'producer_fusion', rtol: 0, atol: 0 });
    expect(r.fired).toBe(true);
    expect(r.withRule.graph.nodes).toHaveLength(5);
    expect(fusedNodes(r.withRule)).toHaveLength(5);
    expect(r.withRule.graph.outputs.map((o) => o.type.shape)).toEqual([[], [null], [null, 1], [null], [null]]);
    // The node's operands are the producers' own: x and y, never an elementwise result.
    for (const n of fusedNodes(r.withRule)) expect(n.inputs.every((v) => v === x || v === y)).toBe(true);
  });

  it('inlines into softmax rows, label losses and gathers', async () => {
    const x = fmatrix('x');
    const b = tensor('float32', [null], 'b');
    const y = ivector('y');
    const outs = [softmax(add(x, b)), softmaxCrossentropyWithLabels(mul(x, 2), y), advancedIndex(sub(x, b), [y])];
    const args = [fm(), NDArray.from([0.5, -1, 2], 'float32'), NDArray.from([1, -1], 'int32')];
    const r = await checkRewrite({ inputs: [x, b, y], outputs: outs, args: [args], rewrite: 'producer_fusion', rtol: 0, atol: 0 });
    expect(consumersOf(r.withRule).sort((p, q) => p.name.localeCompare(q.name))).toEqual([AdvancedSubtensor, Softmax, SoftmaxCrossentropyWithLabels]);
    expect(r.withRule.graph.nodes).toHaveLength(3);
  });

  it('inlines an expensive formula only where each element is loaded once', async () => {
    const x = fmatrix('x');
    // A softmax loads its row three times (max, sum, value): exp would be computed three times.
    const r = await checkRewrite({ inputs: [x], outputs: [softmax(exp(x)), sum(log(add(x, 1)), 1)], args: [[fm()]], rewrite: 'producer_fusion' });
    expect(consumersOf(r.withRule)).toEqual([Sum]);
    expect(r.withRule.graph.nodes.filter((n) => n.op instanceof Softmax)).toHaveLength(1);
  });

  it('leaves an elementwise result that is also used elsewhere or returned', async () => {
    const x = fmatrix('x');
    const e = exp(x);
    expect((await checkRewrite({ inputs: [x], outputs: [sum(e), e], args: [[fm()]], rewrite: 'producer_fusion' })).fired).toBe(false);
    const t = tanh(x);
    expect((await checkRewrite({ inputs: [x], outputs: [sum(t), max(t)], args: [[fm()]], rewrite: 'producer_fusion' })).fired).toBe(false);
  });

  it('leaves the operands of products and pooling to their native routines', async () => {
    const x = fmatrix('x');
    const w = fmatrix('w');
    const img = tensor('float32', [null, null, null, null], 'img');
    const r = await checkRewrite({
      inputs: [x, w, img], outputs: [dot(relu(x), w), maxPool2d(mul(img, 2), { window: [2, 2] })],
      args: [[fm(), NDArray.from([[1], [2], [3]], 'float32'), NDArray.zeros('float32', [1, 1, 4, 4])]],
      rewrite: 'producer_fusion', exclude: ['product_epilogue'],
    });
    expect(r.fired).toBe(false);
    expect(r.withRule.graph.nodes.filter((n) => n.op instanceof Dot || n.op instanceof MaxPool2d)).toHaveLength(2);
  });

  it('keeps each kernel within the buffers WebGPU guarantees', async () => {
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((n) => fmatrix(n));
    const y = ivector('y');
    // A kernel that checks binds a flag besides its buffers and the parameters: six buffers at most.
    // The gather binds x, the index and its result: four operands in x's place make six.
    const gathered = advancedIndex(add(add(add(a!, b!), c!), d!), [y]);
    // So does the loss, with z, the labels and its result: five in z's place would make seven.
    const z = fmatrix('z');
    const loss = softmaxCrossentropyWithLabels(add(add(add(add(z, a!), b!), c!), e!), y);
    const args = [...[1, 2, 3, 4, 5].map((k) => NDArray.from([[k, -k], [k / 2, 1]], 'float32')), NDArray.from([1, 0], 'int32'), NDArray.from([[1, 2], [3, 4]], 'float32')];
    const r = await checkRewrite({ inputs: [a!, b!, c!, d!, e!, y, z], outputs: [gathered, loss], args: [args], rewrite: 'producer_fusion' });
    expect(consumersOf(r.withRule)).toEqual([AdvancedSubtensor]);
  });

  it('counts booleans as int32, as Sum does', async () => {
    const x = dmatrix('x');
    const r = await checkRewrite({ inputs: [x], outputs: [sum(gt(x, 0), 1)], args: [[m()]], rewrite: 'producer_fusion' });
    expect(r.fired).toBe(true);
    const [c] = await r.withRule(m());
    expect(c!.dtype).toBe('int32');
    expect(Array.from(c!.data)).toEqual([2, 2]);
  });

  it("raises the unfused graph's errors, naming the user's node", async () => {
    const x = fmatrix('x');
    const v = tensor('float32', [null], 'v');
    const y = ivector('y');
    const product = mul(x, v);
    const fn = await compile({ inputs: [x, v, y], outputs: [sum(product, 1), softmaxCrossentropyWithLabels(add(x, 1), y)], backend: 'reference' });
    expect(fusedNodes(fn)).toHaveLength(2);
    const line = product.owner!.site.location;
    await expect(fn(fm(), NDArray.from([1, 2], 'float32'), NDArray.from([0, 1], 'int32'))).rejects.toThrow(new RegExp(`^mul: [^]*${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await expect(fn(fm(), NDArray.from([1, 2, 3], 'float32'), NDArray.from([0, 1, 2], 'int32'))).rejects.toThrow(/^softmax_crossentropy_with_labels: /);
  });
});
