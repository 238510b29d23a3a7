// A custom op in a compiled training function: `pnpm custom-op`. The op (Swish, swish.ts) is checked
// with verifyGrad, then used as the hidden activation of a small network fitted to y = sin(3x).
import '@hypatia/backends';
import { compile, grad, NDArray, shared, verifyGrad, matrix } from '@hypatia/core';
import { add, dot, mean, mul, square, sub } from '@hypatia/ops';
import { swish } from './swish.js';

export async function trainWithSwish(backend = 'reference', steps = 300) {
  // 1. The gradient agrees with finite differences (float64).
  const report = verifyGrad((x) => swish(x, 1.5), [NDArray.from([[-2, -0.5, 0], [0.3, 1, 4]], 'float64')]);

  // 2. A 1-32-1 network with swish hidden units, trained by full-batch gradient descent.
  const n = 64;
  const xs = NDArray.zeros('float32', [n, 1]);
  const ys = NDArray.zeros('float32', [n, 1]);
  for (let i = 0; i < n; i++) { xs.data[i] = -1 + (2 * i) / (n - 1); ys.data[i] = Math.sin(3 * xs.data[i]!); }
  const init = (shape: number[], scale: number, phase: number) => {
    const a = NDArray.zeros('float32', shape);
    for (let i = 0; i < a.size; i++) a.data[i] = scale * Math.sin(1 + i * 2.39996 + phase);
    return a;
  };
  const W1 = shared(init([1, 32], 2, 0), 'W1');
  const b1 = shared(init([32], 0.5, 1), 'b1');
  const W2 = shared(init([32, 1], 0.3, 2), 'W2');
  const b2 = shared(NDArray.zeros('float32', [1]), 'b2');
  const params = [W1, b1, W2, b2];
  const x = matrix('x');
  const y = matrix('y');
  const prediction = add(dot(swish(add(dot(x, W1), b1)), W2), b2);
  const loss = mean(square(sub(prediction, y)));
  const grads = grad(loss, params);
  const eta = 0.1;
  const step = await compile({ name: 'swish_step', inputs: [x, y], outputs: loss, backend, updates: params.map((p, i) => [p, sub(p, mul(eta, grads[i]!))] as const) });

  const first = (await step(xs, ys)).item();
  let last = first;
  for (let s = 1; s < steps; s++) last = (await step(xs, ys)).item();
  return { gradCheck: report, firstLoss: first, lastLoss: last };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  trainWithSwish(process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'cpu').then((r) => {
    console.log(`verifyGrad(swish): max abs error ${r.gradCheck.maxAbsError.toExponential(2)}, max rel error ${r.gradCheck.maxRelError.toExponential(2)}`);
    console.log(`fit of sin(3x) with swish units: loss ${r.firstLoss.toFixed(4)} -> ${r.lastLoss.toFixed(4)}`);
  }).catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
