// Two user-defined ops in compiled training functions: `pnpm custom-op [--backend B] [--json]`.
// Swish (swish.ts) is elementwise: a scalar formula, so it fuses with its neighbours. Cumsum
// (cumsum.ts) is not: it gives its kernel in the kernel IR. Both are checked with verifyGrad, then
// trained; --json ends with one line {"backend", "ops": [{name, elementwise, initialLoss,
// finalLoss, hostOps}]} (hostOps: nodes of the compiled step that ran as JavaScript host ops).
import '@hypatia/backends';
import { compile, grad, NDArray, shared, verifyGrad, matrix, type SharedVariable, type Variable } from '@hypatia/core';
import { add, dot, mean, mul, square, sub, tanh } from '@hypatia/ops';
import { swish } from './swish.js';
import { cumsum } from './cumsum.js';

export interface OpReport { name: string; elementwise: boolean; initialLoss: number; finalLoss: number; hostOps: number; gradError: number }

/** Full-batch gradient descent on `loss`; the loss before the first step and after the last. */
async function fit(name: string, loss: Variable, params: SharedVariable[], inputs: Variable[], args: NDArray[], backend: string, steps: number, eta: number) {
  const grads = grad(loss, params);
  const step = await compile({ name, inputs, outputs: loss, backend, updates: params.map((p, i) => [p, sub(p, mul(eta, grads[i]!))] as const) });
  const first = (await step(...args)).item();
  let last = first;
  for (let s = 1; s < steps; s++) last = (await step(...args)).item();
  return { first, last, hostOps: step.executable.hostOps?.length ?? 0 };
}

const wave = (shape: number[], scale: number, phase: number) => {
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = scale * Math.sin(1 + i * 2.39996 + phase);
  return a;
};

/** A 1-32-1 network with swish hidden units fitted to y = sin(3x). */
export async function trainWithSwish(backend = 'reference', steps = 300): Promise<OpReport> {
  const check = verifyGrad((x) => swish(x, 1.5), [NDArray.from([[-2, -0.5, 0], [0.3, 1, 4]], 'float64')]);
  const n = 64;
  const xs = NDArray.zeros('float32', [n, 1]);
  const ys = NDArray.zeros('float32', [n, 1]);
  for (let i = 0; i < n; i++) { xs.data[i] = -1 + (2 * i) / (n - 1); ys.data[i] = Math.sin(3 * xs.data[i]!); }
  const params = [shared(wave([1, 32], 2, 0), 'W1'), shared(wave([32], 0.5, 1), 'b1'), shared(wave([32, 1], 0.3, 2), 'W2'), shared(NDArray.zeros('float32', [1]), 'b2')];
  const [W1, b1, W2, b2] = params as [SharedVariable, SharedVariable, SharedVariable, SharedVariable];
  const x = matrix('x');
  const y = matrix('y');
  const loss = mean(square(sub(add(dot(swish(add(dot(x, W1), b1)), W2), b2), y)));
  const r = await fit('swish_step', loss, params, [x, y], [xs, ys], backend, steps, 0.1);
  return { name: 'swish', elementwise: true, initialLoss: r.first, finalLoss: r.last, hostOps: r.hostOps, gradError: check.maxAbsError };
}

/** Running sums of a learned squashing of each sequence, fitted to those of a hidden one. */
export async function trainWithCumsum(backend = 'reference', steps = 300): Promise<OpReport> {
  const check = verifyGrad((x) => cumsum(x, false), [NDArray.from([[-2, -0.5, 0, 1], [0.3, 1, 4, -1]], 'float64')]);
  const [n, len] = [32, 12];
  const xs = wave([n, len], 1, 3);
  const ys = NDArray.zeros('float32', [n, len]);
  for (let r = 0; r < n; r++) {
    let acc = 0;
    for (let c = 0; c < len; c++) ys.data[r * len + c] = acc += Math.tanh(1.5 * xs.data[r * len + c]! - 0.3);
  }
  const w = shared(wave([len], 0.2, 4), 'w');
  const b = shared(NDArray.zeros('float32', [len]), 'b');
  const x = matrix('x');
  const y = matrix('y');
  const loss = mean(square(sub(cumsum(tanh(add(mul(x, w), b))), y)));
  const r = await fit('cumsum_step', loss, [w, b], [x, y], [xs, ys], backend, steps, 0.05);
  return { name: 'cumsum', elementwise: false, initialLoss: r.first, finalLoss: r.last, hostOps: r.hostOps, gradError: check.maxAbsError };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const argv = process.argv;
  const backend = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1]! : 'cpu';
  Promise.all([trainWithSwish(backend), trainWithCumsum(backend)]).then((ops) => {
    for (const op of ops) {
      console.log(`${op.name} (${op.elementwise ? 'elementwise' : 'kernel in the IR'}) on ${backend}: verifyGrad max abs error ${op.gradError.toExponential(2)}, loss ${op.initialLoss.toFixed(4)} -> ${op.finalLoss.toFixed(4)}, host ops ${op.hostOps}`);
    }
    if (argv.includes('--json')) console.log(JSON.stringify({ backend, ops: ops.map(({ gradError: _, ...o }) => o) }));
  }).catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
