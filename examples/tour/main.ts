// The README's API tour, following Theano's tutorial: run with `pnpm tour`; tour.test.ts runs it too.
import '@hypatia/backends'; // registers the backends: 'reference', 'cpu', 'native', 'webgpu'
import { compile, grad, shared, scalar, matrix, vector, tensor, ivector, NDArray, debugPrint, pprint } from '@hypatia/core';
import { add, mul, sub, sigmoid, dot, mean, log, neg, advancedIndex, arange, shapeOf, softmax, formula, sort, topk, cumsum, booleanMask, gt } from '@hypatia/ops';

export async function tour(print: (...xs: unknown[]) => void = console.log): Promise<Record<string, unknown>> {
  // 1. Symbolic variables and expressions: nothing is computed yet.
  const x = scalar('x');
  const y = scalar('y');
  const z = add(x, y);
  const f = await compile({ inputs: [x, y], outputs: z });
  const five = (await f(2, 3)).item();
  print('2 + 3 =', five);

  // 2. Derivatives are more graph: d(x^2)/dx = 2x.
  const dx = grad(mul(x, x), x);
  const fdx = await compile({ inputs: [x], outputs: dx });
  const eight = (await fdx(4)).item();
  print('d(x^2)/dx at 4 =', eight);

  // 3. Elementwise functions on matrices, written as ops or as a formula.
  const m = matrix('m');
  const logistic = await compile({ inputs: [m], outputs: [sigmoid(m), formula('1 / (1 + exp(-m))', { m })] });
  const [s1, s2] = await logistic([[0, 1], [-1, -2]]);
  print('sigmoid:', s1!.toArray(), 'formula agrees:', s1!.data.every((v, i) => Math.abs(v - s2!.data[i]!) < 1e-6));

  // 4. Shared variables and updates: state that lives between calls.
  const state = shared(0, 'state');
  const inc = scalar('inc');
  const accumulate = await compile({ inputs: [inc], outputs: state, updates: [[state, add(state, inc)]] });
  await accumulate(1);
  await accumulate(10);
  print('accumulated:', state.get().item());

  // 5. Logistic regression trained by a compiled step with givens and updates.
  const X = matrix('X');
  const labels = ivector('labels');
  const W = shared(NDArray.zeros('float32', [2, 2]), 'W');
  const b = shared(NDArray.zeros('float32', [2]), 'b');
  const p = softmax(add(dot(X, W), b));
  const cost = neg(mean(log(advancedIndex(p, [arange(shapeOf(labels, 0)), labels]))));
  const [gW, gb] = grad(cost, [W, b]);
  const data = shared(NDArray.from([[1, 2], [2, 1], [-1, -2], [-2, -1]], 'float32'), 'data');
  const batch = matrix('batch');
  const train = await compile({
    inputs: [batch, labels],
    outputs: cost,
    updates: [[W, sub(W, mul(gW!, 0.5))], [b, sub(b, mul(gb!, 0.5))]],
    givens: [[X, batch]],
  });
  let last = 0;
  for (let i = 0; i < 50; i++) last = (await train(data.get(), [0, 0, 1, 1])).item();
  print('training cost after 50 steps:', last.toFixed(4));
  print(debugPrint(train).split('\n').slice(0, 6).join('\n'), '\n...');

  // 6. The same cost as chained methods (Theano's reading, no operator overloading): one graph.
  const chained = X.dot(W).add(b).softmax().at(arange(labels.symShape[0]!), labels).log().mean().neg();
  const sameGraph = pprint(chained) === pprint(cost);
  print('chained cost is the same graph:', sameGraph);

  // 7. Sorting, running sums and x[mask], whose length only the mask's values tell.
  const v = vector('v');
  const extras = await compile({ inputs: [v], outputs: [sort(v), topk(v, 2), cumsum(v), booleanMask(v, gt(v, 0))] });
  const [sorted, top2, running, positive] = await extras([3, -1, 2, 0.5]);
  print('sort:', sorted!.toArray(), 'top 2:', top2!.toArray(), 'cumsum:', running!.toArray(), 'v[v > 0]:', positive!.toArray());

  // 8. Errors name the op, the shapes and your line.
  let message = '';
  try {
    dot(tensor('float32', [10, 784], 'images'), tensor('float32', [100, 10], 'weights'));
  } catch (e) {
    message = (e as Error).message;
  }
  print('error:', message);
  return { five, eight, accumulated: state.get().item(), cost: last, sameGraph, top2: top2!.toArray(), positive: positive!.toArray(), message };
}

if (import.meta.url === `file://${process.argv[1]}`) await tour();
