import { describe, expect, it } from 'vitest';
import { NDArray, compile, grad, ivector, tensor, type DType, type Variable } from '@hypatia/core';
import { advancedIndex, arange, log, mean, neg, shapeOf, softmax } from '@hypatia/ops';
import '@hypatia/backends';

// network3's log-likelihood cost at saturated logits, in both spellings and with each kind of row
// index, on every backend: the stabilising rewrites must give the cost and its gradient as a float64
// computation from the logits does, where the graph as written takes log(0) and divides by 0.

const N = 4;
const K = 4;
/** Each row holds the largest, the smallest and middling logits; the labels pick each kind. */
const SHAPE = [[1, -1, 0.5, 0], [-1, 1, 0, 0.25], [0.3, -0.7, 1, -1], [0, 0, 0, 0]];
const LABELS = [1, 0, 3, 2];
const SCALES = [1000, 100];

const FORMS = {
  'log(softmax(z))[rows, y]': (z: Variable, rows: Variable, y: Variable) => neg(mean(advancedIndex(log(softmax(z)), [rows, y]))),
  'log(softmax(z)[rows, y])': (z: Variable, rows: Variable, y: Variable) => neg(mean(log(advancedIndex(softmax(z), [rows, y])))),
};

/** The rows as network3 builds them, as a constant, and as a vector the graph cannot see into. */
const ROWS: Record<string, (y: Variable) => { rows: Variable; input?: Variable }> = {
  'arange(y.shape[0])': (y) => ({ rows: arange(shapeOf(y, 0)) }),
  'constant arange(4)': () => ({ rows: arange(N) }),
  'an ivector of rows': () => {
    const rows = ivector('rows');
    return { rows, input: rows };
  },
};

/** -mean(z[i, y_i] - logsumexp(z_i)) and its gradient (softmax(z) - onehot(y)) / n, in float64. */
function stableReference(z: NDArray, labels: readonly number[]): { cost: number; grad: number[] } {
  let cost = 0;
  const g: number[] = [];
  for (let i = 0; i < N; i++) {
    const row = Array.from(z.data.subarray(i * K, (i + 1) * K));
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    cost += max + Math.log(sum) - row[labels[i]!]!;
    row.forEach((v, j) => g.push((Math.exp(v - max) / sum - (j === labels[i] ? 1 : 0)) / N));
  }
  return { cost: cost / N, grad: g };
}

const webgpuAvailable: boolean = await (async () => {
  try {
    const x = tensor('float32', [1], 'x');
    await (await compile({ inputs: [x], outputs: [neg(x)], backend: 'webgpu' }))(NDArray.from([1], 'float32'));
    return true;
  } catch (e) {
    if (process.env.CI === 'true') throw e;
    console.warn(`WebGPU cases skipped: ${(e as Error).message}`);
    return false;
  }
})();

const BACKENDS: { backend: string; dtypes: DType[]; run: boolean }[] = [
  { backend: 'reference', dtypes: ['float32', 'float64'], run: true },
  { backend: 'native', dtypes: ['float32', 'float64'], run: true },
  // WebGPU has no float64.
  { backend: 'webgpu', dtypes: ['float32'], run: webgpuAvailable },
];

for (const { backend, dtypes, run } of BACKENDS) {
  describe.runIf(run)(`network3 cost at saturated logits on ${backend}`, () => {
    for (const dtype of dtypes) {
      for (const [formName, form] of Object.entries(FORMS)) {
        for (const [rowsName, rowsOf] of Object.entries(ROWS)) {
          it(`${formName}, ${dtype}, rows = ${rowsName}: cost and gradient finite and exact at logits ±${SCALES.join(', ±')}`, async () => {
            const z = tensor(dtype, [null, K], 'z');
            const y = ivector('y');
            const { rows, input } = rowsOf(y);
            const cost = form(z, rows, y);
            const inputs = input ? [z, input, y] : [z, y];
            const fn = await compile({ inputs, outputs: [cost, grad(cost, z)], backend });
            for (const scale of SCALES) {
              const zv = NDArray.from(SHAPE.map((r) => r.map((v) => v * scale)), dtype);
              const args = input ? [zv, NDArray.from([0, 1, 2, 3], 'int32'), NDArray.from(LABELS, 'int32')] : [zv, NDArray.from(LABELS, 'int32')];
              const [c, g] = await fn(...args);
              const want = stableReference(zv, LABELS);
              // float32 keeps about 7 digits of a cost near 10^3, and of gradients near 1/n.
              const tol = dtype === 'float32' ? 1e-6 : 1e-12;
              expect(c!.dtype).toBe(dtype);
              expect(Math.abs(c!.item() - want.cost), `cost at ±${scale}: ${c!.item()} vs ${want.cost}`).toBeLessThanOrEqual(tol * want.cost);
              Array.from(g!.data).forEach((v, i) => expect(Math.abs(v - want.grad[i]!), `gradient element ${i} at ±${scale}: ${v} vs ${want.grad[i]}`).toBeLessThanOrEqual(tol));
            }
          });
        }
      }
    }
  });
}

describe('the saturated cases', () => {
  it('overflow when compiled as written (so the cases above test the rewrites)', async () => {
    const z = tensor('float32', [null, K], 'z');
    const y = ivector('y');
    for (const form of Object.values(FORMS)) {
      const cost = form(z, arange(shapeOf(y, 0)), y);
      const fn = await compile({ inputs: [z, y], outputs: [cost, grad(cost, z)], backend: 'reference', rewrites: false });
      // In float32, e^-200 (logits ±100) already underflows to 0.
      for (const scale of SCALES) {
        const [c, g] = await fn(NDArray.from(SHAPE.map((r) => r.map((v) => v * scale)), 'float32'), NDArray.from(LABELS, 'int32'));
        expect(c!.item()).toBe(Infinity);
        expect(Array.from(g!.data).every(Number.isFinite)).toBe(false);
      }
    }
  });
});

