import { describe, expect, it } from 'vitest';
import { NDArray, S, checkRewrite, evaluate, input, mulberry32, tensor, verifyGrad, type Op, type ScalarExpr } from '@hypatia/core';
import '@hypatia/backends';
import { Dot } from './dot.js';
import { MatMul } from './matmul.js';
import { ProductEpilogue } from './product-epilogue.js';
import './epilogue-rewrite.js';
import { add, mul, relu, sigmoid, sub, tanh } from '../elementwise/arithmetic.js';
import { dimshuffle, transpose } from '../shape/dimshuffle.js';
import { conv2d } from '../nnet/conv2d.js';
import { dot } from './dot.js';

function rand(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float64'): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = r() * 2 - 1;
  return a;
}

const f64 = (i: number): ScalarExpr => input(i, 'float64');
/** sigmoid($0 + $1): network3's hidden layer on (product, bias). */
const sigmoidOfSum = sigmoid.op.scalarFormula([add.op.scalarFormula([f64(0), f64(1)])]);
/** tanh($0 - $1) * $1 with the product as input 1: the product need not be the first formula input. */
const productSecond = mul.op.scalarFormula([tanh.op.scalarFormula([sub.op.scalarFormula([f64(0), f64(1)])]), f64(1)]);

const ops = (fn: { graph: { nodes: { op: Op }[] } }) => fn.graph.nodes.map((n) => n.op);

describe('ProductEpilogue', () => {
  it('computes the product, then the formula (against the unfused graph)', () => {
    const x = tensor('float64', [null, null], 'x'), w = tensor('float64', [null, null], 'w'), b = tensor('float64', [null], 'b');
    const fused = new ProductEpilogue(new Dot(), 2, sigmoidOfSum, ['float64', 'float64'], 0, ['add', 'sigmoid']).call(x, w, b);
    const plain = sigmoid(add(dot(x, w), b));
    const [got, want] = evaluate([fused, plain], new Map([[x, rand([3, 4], 1)], [w, rand([4, 5], 2)], [b, rand([5], 3)]]));
    expect(got!.shape).toEqual([3, 5]);
    expect([...got!.data]).toEqual([...want!.data]);
    expect(fused.owner!.op.toString()).toBe('product_epilogue{dot{transA=false, transB=false},add,sigmoid}');
  });

  it('says which operand does not broadcast into the product, with the user line', () => {
    const x = tensor('float64', [3, 4], 'x'), w = tensor('float64', [4, 5], 'w'), b = tensor('float64', [6], 'b');
    expect(() => new ProductEpilogue(new Dot(), 2, sigmoidOfSum, ['float64', 'float64'], 0, ['add', 'sigmoid']).call(x, w, b))
      .toThrow(/product_epilogue: epilogue operand 0 .* does not broadcast into the product's float64\[3, 5\].*product-epilogue\.test\.ts/s);
  });

  describe('float64 gradients of the decomposed graph', () => {
    it('dot, both operand orders of the formula, transposed reads', () => {
      verifyGrad((x, w, b) => new ProductEpilogue(new Dot(), 2, sigmoidOfSum, ['float64', 'float64'], 0, ['add', 'sigmoid']).call(x!, w!, b!),
        [rand([3, 4], 4), rand([4, 5], 5), rand([5], 6)]);
      verifyGrad((x, w, b) => new ProductEpilogue(new Dot(true, true), 2, productSecond, ['float64', 'float64'], 1, ['sub', 'tanh', 'mul']).call(x!, w!, b!),
        [rand([4, 3], 7), rand([5, 4], 8), rand([3, 1], 9)]);
    });
    it('matmul with a batch and erf (a scalar function with no catalogue op)', () => {
      const f = S.erf(S.add(f64(0), f64(1)));
      verifyGrad((a, c, b) => new ProductEpilogue(new MatMul(), 2, f, ['float64', 'float64'], 0, ['add', 'erf']).call(a!, c!, b!),
        [rand([2, 3, 4], 10), rand([2, 4, 2], 11), rand([2], 12)]);
    });
    it('conv2d with a per-channel bias', () => {
      verifyGrad((x, w, b) => {
        const conv = conv2d(x!, w!).owner!.op;
        return new ProductEpilogue(conv, 2, sigmoidOfSum, ['float64', 'float64'], 0, ['add', 'sigmoid']).call(x!, w!, dimshuffle(b!, 'x', 0, 'x', 'x'));
      }, [rand([2, 2, 5, 5], 13), rand([3, 2, 3, 3], 14), rand([3], 15)]);
    });
  });
});

describe('product_epilogue rewrite', () => {
  it("fuses network3's hidden layer sigmoid(dot(x, W) + b) into one node", async () => {
    const x = tensor('float32', [null, 784], 'x'), w = tensor('float32', [784, 30], 'w'), b = tensor('float32', [30], 'b');
    const r = await checkRewrite({
      inputs: [x, w, b], outputs: [sigmoid(add(dot(x, w), b))], rewrite: 'product_epilogue',
      args: [[rand([10, 784], 1, 'float32'), rand([784, 30], 2, 'float32'), rand([30], 3, 'float32')]],
    });
    expect(r.fired).toBe(true);
    const after = ops(r.withRule);
    expect(after).toHaveLength(1);
    expect(after[0]).toBeInstanceOf(ProductEpilogue);
  });

  it('fuses two layers in a row: the second reads the first fused node, and nothing unfused is left', async () => {
    const x = tensor('float64', [null, null], 'x'), w1 = tensor('float64', [null, null], 'w1'), b1 = tensor('float64', [null], 'b1');
    const w2 = tensor('float64', [null, null], 'w2'), b2 = tensor('float64', [null], 'b2');
    const r = await checkRewrite({
      inputs: [x, w1, b1, w2, b2], outputs: [tanh(add(dot(sigmoid(add(dot(x, w1), b1)), w2), b2))], rewrite: 'product_epilogue',
      args: [[rand([3, 4], 20), rand([4, 5], 21), rand([5], 22), rand([5, 2], 23), rand([2], 24)]],
    });
    const after = r.withRule.graph.nodes;
    expect(after.map((n) => n.op.name)).toEqual(['product_epilogue', 'product_epilogue']);
    expect(after[1]!.inputs[0]).toBe(after[0]!.outputs[0]);
  });

  it('fuses a relu conv layer, and a product read as the second formula operand', async () => {
    const x = tensor('float64', [null, 1, 8, 8], 'x'), w = tensor('float64', [4, 1, 3, 3], 'w'), b = tensor('float64', [4], 'b');
    const a = tensor('float64', [null, null], 'a'), c = tensor('float64', [null, null], 'c'), d = tensor('float64', [null], 'd');
    const r = await checkRewrite({
      inputs: [x, w, b, a, c, d],
      outputs: [relu(add(conv2d(x, w), dimshuffle(b, 'x', 0, 'x', 'x'))), tanh(sub(d, dot(a, c)))],
      rewrite: 'product_epilogue',
      args: [[rand([2, 1, 8, 8], 4), rand([4, 1, 3, 3], 5), rand([4], 6), rand([3, 4], 7), rand([4, 5], 8), rand([5], 9)]],
    });
    expect(r.fired).toBe(true);
    expect(ops(r.withRule).filter((o) => o instanceof ProductEpilogue)).toHaveLength(2);
  });

  it('leaves a product alone when its result is used elsewhere, returned, broadcast larger, or updates a weight', async () => {
    const x = tensor('float64', [null, null], 'x'), w = tensor('float64', [null, null], 'w'), b = tensor('float64', [null], 'b');
    const v = tensor('float64', [null], 'v'), m = tensor('float64', [3, null, null], 'm'), u = tensor('float64', [null, null], 'u');
    const p = dot(x, w);
    const q = dot(x, v);
    // u - 0.5·(xᵀ·x), the shape of an SGD step: an elementwise update may run in place in u's buffer, an epilogue may not.
    const update = sub(u, mul(0.5, dot(transpose(x), x)));
    const r = await checkRewrite({
      inputs: [x, w, b, v, m, u],
      outputs: [sigmoid(add(p, b)), p, add(q, m), update],
      rewrite: 'product_epilogue',
      args: [[rand([3, 4], 10), rand([4, 5], 11), rand([5], 12), rand([4], 13), rand([3, 2, 3], 14), rand([4, 4], 15)]],
    });
    expect(r.fired).toBe(false);
    expect(ops(r.withRule).some((o) => o instanceof ProductEpilogue)).toBe(false);
  });
});
