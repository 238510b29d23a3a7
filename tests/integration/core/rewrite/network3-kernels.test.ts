import { describe, expect, it } from 'vitest';
import { compile, fmatrix, Fused, grad, ivector, NDArray, shared, type RewriteOptions, type SharedVariable } from '@hypatia/core';
import {
  add, advancedIndex, arange, div, dot, log, mean, mul, neg, shapeOf, sigmoid, softmax, square, sub, sum,
  Softmax, SoftmaxCrossentropyGrad, SoftmaxCrossentropyWithLabels, Sum,
} from '@hypatia/ops';
import '@hypatia/backends';

const N = 10, IN = 784, HIDDEN = 100, OUT = 10;
const ETA = 0.5, LMBDA = 0.1, N_BATCHES = 5;

/** Deterministic values in [-scale, scale), so both compilations start from identical parameters. */
function fill(shape: number[], scale: number, seed: number): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 7.31 + i * 1.618));
  return new NDArray('float32', shape, data);
}

/**
 * network3's shallow net written out the way its Theano source reads (the stable forms are the
 * optimiser's job): X[10,784] → sigmoid(X·W1 + b1) → softmax(·W2 + b2), cost = -mean(log(p)[arange(n), y])
 * plus the L2 term 0.5·λ·(ΣW1² + ΣW2²) / n_batches, and one plain SGD step on all four parameters.
 */
function network3Step() {
  const x = fmatrix('x');
  const y = ivector('y');
  const w1 = shared(fill([IN, HIDDEN], 0.05, 1), { name: 'w1' });
  const b1 = shared(fill([HIDDEN], 0.1, 2), { name: 'b1' });
  const w2 = shared(fill([HIDDEN, OUT], 0.1, 3), { name: 'w2' });
  const b2 = shared(fill([OUT], 0.1, 4), { name: 'b2' });
  const params: SharedVariable[] = [w1, b1, w2, b2];
  const hidden = sigmoid(add(dot(x, w1), b1));
  const p = softmax(add(dot(hidden, w2), b2));
  const nll = neg(mean(advancedIndex(log(p), [arange(shapeOf(y, 0)), y])));
  const l2 = add(sum(square(w1)), sum(square(w2)));
  const cost = add(nll, div(mul(0.5 * LMBDA, l2), N_BATCHES));
  const grads = grad(cost, params);
  const updates = params.map((w, i) => [w, sub(w, mul(ETA, grads[i]!))] as const);
  return { x, y, cost, params, updates };
}

/** Pixel-like inputs in [0, 1). */
const xs = new NDArray('float32', [N, IN], Float32Array.from({ length: N * IN }, (_, i) => (1 + Math.sin(i * 0.37)) / 2));
const ys = new NDArray('int32', [N], Int32Array.from({ length: N }, (_, i) => (i * 3) % OUT));

async function compileStep(rewrites: boolean | RewriteOptions) {
  const net = network3Step();
  const f = await compile({ inputs: [net.x, net.y], outputs: net.cost, updates: net.updates, backend: 'reference', rewrites });
  return { f, params: net.params };
}

type OpClass = abstract new (...args: never[]) => unknown;
const nodesOf = (f: { graph: { nodes: readonly { op: unknown }[] } }, cls: OpClass) => f.graph.nodes.filter((n) => n.op instanceof cls);
/** The consumer ops of the Fused nodes (producer fusion's). */
const consumers = (f: { graph: { nodes: readonly { op: unknown }[] } }) => f.graph.nodes.flatMap((n) => (n.op instanceof Fused ? [n.op.consumer] : []));
const opNames = (nodes: readonly { op: { name: string; key(): string } }[]) => nodes.map((n) => n.op.name);

function expectClose(got: NDArray, want: NDArray, what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) {
    const w = Number(want.data[i]), g = Number(got.data[i]);
    worst = Math.max(worst, Math.abs(g - w) / (1e-6 + 1e-4 * Math.abs(w)));
  }
  expect(worst, `${what}: worst error in units of (1e-6 + 1e-4·|want|)`).toBeLessThanOrEqual(1);
}

describe('network3 shallow training step on the reference backend', () => {
  it('stabilises log(softmax) into the fused cross-entropy op', async () => {
    const { f } = await compileStep(true);
    const nodes = f.graph.nodes;
    expect(nodes.filter((n) => n.op instanceof SoftmaxCrossentropyWithLabels)).toHaveLength(1);
    // No plain log is left, neither alone nor folded into a fused kernel, and none reads a softmax.
    expect(opNames(nodes)).not.toContain('log');
    expect(nodes.filter((n) => /composite\{[^}]*\blog\b/.test(n.op.key()))).toEqual([]);
    expect(nodes.filter((n) => n.op.name === 'log' && n.inputs.some((v) => v.owner?.op instanceof Softmax))).toEqual([]);
    // Without rewrites the graph does hold the unstable log(softmax(z)) the rewrite removes.
    const plain = (await compileStep(false)).f.graph.nodes;
    expect(plain.some((n) => n.op.name === 'log' && n.inputs[0]!.owner?.op instanceof Softmax)).toBe(true);
  });

  /*
   * The 27 kernels of the rewritten step before product epilogues (read from debugPrint(f)), and
   * why each is there. product_epilogue (a fuse rule of the linalg ops) then folds the elementwise
   * reader of each product into it; it is left out here so that this list stays about the rules
   * above it, and the default pipeline is only required to do no worse.
   *
   * Forward, 13:
   *  - dot(X, W1); composite{add,sigmoid} = the hidden layer h (also read by both weight gradients).
   *  - dot(h, W2); add(·, b2) = z. z stays its own kernel: its readers (the row gather, zeros_like)
   *    are not elementwise, so there is nothing to fuse it into.
   *  - shape_at(y), arange = the row indices; advanced_subtensor z[arange(n)] (n is not provably z's
   *    row count, so the gather stays); softmax_crossentropy_with_labels; fused{sum(neg)} = Σ nll
   *    (the neg inlined into the sum: the loss vector's other readers take only its shape, and
   *    label_loss_length / second_shape_source send those to y and the loss itself).
   *  - cast(shape_at(y)) = n for the mean (the shape_at merged with arange's).
   *  - fused{sum(square)}(W1), fused{sum(square)}(W2) = the L2 terms, one pass each: the
   *    gradient's second(square(W), g) reads W for the shape instead (second_shape_source).
   *  - composite{add,mul,div,div,neg,add} = the scalar cost.
   * Backward of the cost to z, 4 (log_softmax_nll_grad; 9 before it):
   *  - div(-1, n) = the per-row seed's value.
   *  - fused{softmax_crossentropy_grad(second,neg; _; _)} = (softmax - onehot)·seed for the
   *    gathered rows, the seed (div's value broadcast to the loss's length and negated, mean's
   *    dimshuffle of the scalar dropped by elemwise_leading_axes) computed inside its kernel.
   *  - zeros_like(z), advanced_inc_subtensor = the rows scattered back into dz: needed because rows
   *    = arange(len(y)) is not provably every row of z (with static shapes, or rows = arange of z's
   *    own row count, the rule uses z directly and these two go).
   * Backward through the layers and the SGD updates, 10:
   *  - dot(dz, W2ᵀ); composite{sub,mul,mul} = dh·h·(1-h), the sigmoid's gradient.
   *  - W1: dot(Xᵀ, dh), composite update (L2 term + SGD step in one kernel).
   *  - b1: sum(dh, rows), composite update (the keepdims-then-dimshuffle of the bias gradient is one
   *    sum: reduce_keepdims_dimshuffle). dh is also read by a product, so it cannot fuse into the sum.
   *  - W2: dot(hᵀ, dz), composite update; b2: sum(dz, rows), composite update.
   */
  it('leaves 27 kernels after fusion (before product epilogues)', async () => {
    const { f } = await compileStep({ exclude: ['product_epilogue'] });
    const unfused = (await compileStep(false)).f;
    expect(f.executable.kernelCount).toBe(27);
    expect(unfused.executable.kernelCount).toBeGreaterThan(f.executable.kernelCount);
    expect((await compileStep(true)).f.executable.kernelCount).toBeLessThanOrEqual(27);
    const names = opNames(f.graph.nodes);
    // Two forward products and three backward ones (dz·W2ᵀ, Xᵀ·dh, hᵀ·dz); the transposes are read in place.
    expect(names.filter((n) => n === 'dot')).toHaveLength(5);
    expect(names.filter((n) => n === 'transpose' || n === 'dimshuffle')).toEqual([]);
    // The backward pass to z: one fused gradient (its seed inlined), no log-softmax, softmax or row sum.
    expect(consumers(f).filter((c) => c instanceof SoftmaxCrossentropyGrad)).toHaveLength(1);
    for (const gone of ['log_softmax', 'softmax', 'square']) expect(names, gone).not.toContain(gone);
    // Sums with their elementwise operand inlined: Σ nll and the two L2 terms.
    expect(consumers(f).filter((c) => c instanceof Sum)).toHaveLength(3);
    // Fused groups: hidden layer, cost, sigmoid gradient, four updates.
    expect(f.graph.nodes.filter((n) => n.op.key().startsWith('composite'))).toHaveLength(7);
  });

  it('computes the same cost and updated parameters as the unrewritten step', async () => {
    const fast = await compileStep(true);
    const slow = await compileStep(false);
    for (let step = 0; step < 2; step++) {
      const [a, b] = [await fast.f(xs, ys), await slow.f(xs, ys)];
      expectClose(a, b, `cost at step ${step}`);
      fast.params.forEach((p, i) => expectClose(p.get(), slow.params[i]!.get(), `${p.name} after step ${step}`));
    }
    // The step really trains: the second cost is lower than the first.
    const before = (await compileStep(true)).f;
    expect(Number((await fast.f(xs, ys)).data[0])).toBeLessThan(Number((await before(xs, ys)).data[0]));
  });
});
