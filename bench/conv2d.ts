// Time of conv2d forward + both gradients on the reference and native backends, at the sizes of
// network3's first layer (mini-batch 10 and 100) and of a second conv layer, against a direct loop
// over the definition. Prints times and the ratios. (bench/native-kernels.ts times each native
// kernel on its own.)
// Run: npx tsx bench/conv2d.ts
import { NDArray, compile, grad, tensor } from '@hypatia/core';
import { conv2d, sum, mul } from '@hypatia/ops';
import '@hypatia/backends';

function randomArray(shape: number[]): NDArray {
  const a = NDArray.zeros('float32', shape);
  for (let i = 0; i < a.size; i++) a.data[i] = Math.sin(i * 12.9898) * 0.5;
  return a;
}

/** Forward and both gradients as nested loops over every multiply-accumulate (valid, stride 1). */
function naive(x: NDArray, w: NDArray, gy: NDArray): void {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const OH = H - KH + 1, OW = W - KW + 1;
  const y = new Float32Array(N * O * OH * OW), gx = new Float32Array(x.size), gw = new Float32Array(w.size);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    const yi = ((n * O + o) * OH + i) * OW + j;
    let s = 0;
    const g = gy.data[yi]!;
    for (let c = 0; c < C; c++) for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) {
      const xi = ((n * C + c) * H + i + a) * W + j + b, wi = ((o * C + c) * KH + a) * KW + b;
      s += w.data[wi]! * x.data[xi]!;
      gx[xi] += g * w.data[wi]!;
      gw[wi] += g * x.data[xi]!;
    }
    y[yi] = s;
  }
}

async function time(label: string, reps: number, f: () => unknown): Promise<number> {
  // The best of several runs: the machine is shared, and the minimum is the least disturbed.
  await f();
  let ms = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    ms = Math.min(ms, performance.now() - t0);
  }
  console.log(`${label.padEnd(64)} ${ms.toFixed(2)} ms`);
  return ms;
}

for (const [xs, ws] of [[[10, 1, 28, 28], [20, 1, 5, 5]], [[100, 1, 28, 28], [20, 1, 5, 5]], [[10, 20, 12, 12], [40, 20, 5, 5]]] as const) {
  const x = tensor('float32', [...xs], 'x');
  const w = tensor('float32', [...ws], 'w');
  const y = conv2d(x, w);
  const gyv = randomArray(y.shape as number[]);
  const cost = sum(mul(y, gyv as never));
  const [gx, gw] = grad(cost, [x, w]);
  const f = await compile({ inputs: [x, w], outputs: [y, gx!, gw!], backend: 'reference' });
  const fn = await compile({ inputs: [x, w], outputs: [y, gx!, gw!], backend: 'native' });
  const xv = randomArray([...xs]), wv = randomArray([...ws]);
  const shape = `[${xs}]x[${ws}]`;
  const fast = await time(`reference im2col + gemm, forward + both gradients ${shape}`, 10, () => f(xv, wv));
  const native = await time(`native im2col + gemm, forward + both gradients ${shape}`, 50, () => fn(xv, wv));
  const slow = await time(`nested loops, forward + both gradients ${shape}`, 3, () => naive(xv, wv, gyv));
  console.log(`  ratios: nested / reference ${(slow / fast).toFixed(1)}x, reference / native ${(fast / native).toFixed(1)}x`);
}
