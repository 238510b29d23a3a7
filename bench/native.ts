// Native backend versus the reference backend on the kernels a training step spends its time in.
// Run: npx tsx bench/native.ts   (the first run builds the addons; later runs load them from the cache)
import { NDArray, compile, tensor, type Variable } from '@hypatia/core';
import { add, dot, exp, mul, sigmoid, sum, tanh, transpose } from '@hypatia/ops';
import '@hypatia/backends';

const filled = (shape: number[]): NDArray => {
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = Math.sin(i) * 0.5;
  return a;
};

async function time(backend: string, inputs: Variable[], outputs: Variable[], args: NDArray[]): Promise<number> {
  const fn = await compile({ inputs, outputs, backend });
  await fn(...args);
  const reps = 10;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn(...args);
  return (performance.now() - t0) / reps;
}

async function bench(label: string, build: () => { inputs: Variable[]; outputs: Variable[]; args: NDArray[] }): Promise<void> {
  const r = build();
  const ref = await time('reference', r.inputs, r.outputs, r.args);
  const nat = await time('native', r.inputs, r.outputs, r.args);
  console.log(`${label.padEnd(44)} reference ${ref.toFixed(2).padStart(8)} ms   native ${nat.toFixed(2).padStart(7)} ms   ${(ref / nat).toFixed(1).padStart(6)}x`);
}

await bench('fused sigmoid(x+b)*(1-tanh x), [1000x1000]', () => {
  const x = tensor('float32', [null, null], 'x'); const b = tensor('float32', [null], 'b');
  return { inputs: [x, b], outputs: [mul(sigmoid(add(x, b)), add(1, mul(-1, tanh(x))))], args: [filled([1000, 1000]), filled([1000])] };
});
await bench('exp, [1000x1000]', () => {
  const x = tensor('float32', [null, null], 'x');
  return { inputs: [x], outputs: [exp(x)], args: [filled([1000, 1000])] };
});
await bench('sum over rows / columns, [1000x1000]', () => {
  const x = tensor('float32', [null, null], 'x');
  return { inputs: [x], outputs: [sum(x, 0), sum(x, 1)], args: [filled([1000, 1000])] };
});
await bench('transpose copy, [1000x1000]', () => {
  const x = tensor('float32', [null, null], 'x');
  return { inputs: [x], outputs: [mul(transpose(x), 1)], args: [filled([1000, 1000])] };
});
for (const [m, k, n] of [[512, 512, 512], [100, 784, 100], [10, 784, 30]] as const) {
  await bench(`dot [${m}x${k}]·[${k}x${n}] float32`, () => {
    const a = tensor('float32', [null, null], 'a'); const b = tensor('float32', [null, null], 'b');
    return { inputs: [a, b], outputs: [dot(a, b)], args: [filled([m, k]), filled([k, n])] };
  });
}

// One SGD step of a 784-100-10 sigmoid network: small kernels, so per-call overhead shows.
{
  const { grad, matrix, shared } = await import('@hypatia/core');
  const { mean, sub } = await import('@hypatia/ops');
  for (const batch of [10, 100]) {
    await bench(`SGD step 784-100-10, batch ${batch}`, () => {
      const x = matrix('x'), y = matrix('y');
      const w1 = shared(filled([784, 100]), 'w1'), w2 = shared(filled([100, 10]), 'w2');
      const out = sigmoid(dot(sigmoid(dot(x, w1)), w2));
      const d = sub(out, y);
      const cost = mean(mul(d, d));
      const [g1, g2] = grad(cost, [w1, w2]);
      // Weights are not updated, so every timed call does the same work.
      return { inputs: [x, y], outputs: [cost, g1!, g2!], args: [filled([batch, 784]), filled([batch, 10])] };
    });
  }
}
