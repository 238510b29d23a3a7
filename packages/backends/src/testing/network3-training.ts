import { NDArray, compile, grad, iscalar, shared, type Variable } from '@hypatia/core';
import { add, mul, sliceAxis } from '@hypatia/ops';
import { FullyConnectedLayer, Network, SoftmaxLayer, sgdRule } from '@hypatia/nn';

/**
 * network3's SGD step on fixed data of five mini-batches, the mini-batch picked by givens from an
 * int32 index: the training program the backends' tests replay, thread and compare. `options` are
 * compile()'s backend and backend options; the labels are a shared variable (`ty`) so a test can
 * plant a bad one.
 */
export async function network3Training(options: Record<string, unknown>, { mb = 3, hidden = 20 } = {}) {
  const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: hidden, seed: 1 }), new SoftmaxLayer({ nIn: hidden, nOut: 10, seed: 2 })], mb);
  const cost = (net as unknown as { last: { cost(y: Variable): Variable } }).last.cost(net.y);
  const n = 5 * mb;
  const x = NDArray.zeros('float32', [n, 784]);
  for (let i = 0; i < x.size; i++) x.data[i] = (Math.sin(i * 0.37) + 1) / 2;
  const y = NDArray.from(Array.from({ length: n }, (_, i) => (i * 7) % 10), 'int32');
  const tx = shared(x);
  const ty = shared(y, 'labels');
  const i = iscalar('i');
  const f = await compile({
    inputs: [i], outputs: cost, updates: sgdRule(0.5).updates(net.params, grad(cost, net.params)),
    givens: [[net.x, sliceAxis(tx, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(ty, 0, mul(i, mb), mul(add(i, 1), mb))]],
    ...options,
  });
  return { f, params: net.params, ty };
}
