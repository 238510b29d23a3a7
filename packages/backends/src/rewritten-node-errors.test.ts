import { afterAll, describe, expect, it } from 'vitest';
import { compile, HypatiaError, ivector, matrix, NDArray, tensor, vector, type Variable } from '@hypatia/core';
import { add, categoricalCrossentropy, dot, exp, matmul, mean, mul, sigmoid, softmax, sum, tanh } from '@hypatia/ops';
import { gpuAvailable, releaseDevice } from './webgpu/gpu-test-helpers.js';

// Graphs whose failing node a rewrite replaces (by a fused kernel, or by a stabilised op). Every
// node is built on its own line: a run-time error must name the user's node and line exactly as
// it does with `rewrites: false`.
const x = vector('x'), y = vector('y');
const s = add(x, y);
const chain = mul(exp(s), 2);
const summed = sum(mul(exp(s), 2));
const X = matrix('X'), W = matrix('W'), b = vector('b'), labels = ivector('labels');
const h = dot(X, W);
const z = add(h, b);
const layer = tanh(z);
const xent = categoricalCrossentropy(softmax(z), labels);
const cost = mean(xent);
const P = tensor('float32', [null, null, null], 'P'), Q = tensor('float32', [null, null, null], 'Q');
const batched = matmul(P, Q);
const squashed = sigmoid(batched);

const zeros = (...shape: number[]) => NDArray.zeros('float32', shape);

interface Case {
  name: string;
  inputs: Variable[];
  output: Variable;
  /** The op the rewrites put in place of the failing node. */
  rewrittenTo: string;
  /** The user's node the error must name. */
  culprit: Variable;
  good: () => NDArray[];
  bad: () => NDArray[];
}

const CASES: Case[] = [
  { name: 'a fused chain whose operands do not broadcast', inputs: [x, y], output: chain, rewrittenTo: 'composite', culprit: s, good: () => [zeros(3), zeros(3)], bad: () => [zeros(3), zeros(4)] },
  { name: 'a fused chain with a length-1 operand its type does not declare broadcastable', inputs: [x, y], output: chain, rewrittenTo: 'composite', culprit: s, good: () => [zeros(3), zeros(3)], bad: () => [zeros(1), zeros(3)] },
  { name: 'a fused sum whose operands do not broadcast', inputs: [x, y], output: summed, rewrittenTo: 'fused', culprit: s, good: () => [zeros(3), zeros(3)], bad: () => [zeros(3), zeros(4)] },
  { name: 'a product epilogue whose bias does not fit the product', inputs: [X, W, b], output: layer, rewrittenTo: 'product_epilogue', culprit: z, good: () => [zeros(2, 3), zeros(3, 4), zeros(4)], bad: () => [zeros(2, 3), zeros(3, 4), zeros(5)] },
  { name: 'a product epilogue whose product has mismatched inner dimensions', inputs: [X, W, b], output: layer, rewrittenTo: 'product_epilogue', culprit: h, good: () => [zeros(2, 3), zeros(3, 4), zeros(4)], bad: () => [zeros(2, 3), zeros(5, 4), zeros(4)] },
  {
    name: 'a product epilogue whose batched product has a length-1 batch axis its type does not declare broadcastable', inputs: [P, Q], output: squashed, rewrittenTo: 'product_epilogue', culprit: batched,
    good: () => [zeros(2, 3, 4), zeros(2, 4, 5)], bad: () => [zeros(1, 3, 4), zeros(2, 4, 5)],
  },
  {
    name: 'a stabilised crossentropy with more labels than rows', inputs: [X, W, b, labels], output: cost, rewrittenTo: 'softmax_crossentropy_with_labels', culprit: xent,
    good: () => [zeros(2, 3), zeros(3, 4), zeros(4), NDArray.zeros('int32', [2])], bad: () => [zeros(2, 3), zeros(3, 4), zeros(4), NDArray.zeros('int32', [3])],
  },
];

async function failure(p: Promise<unknown>): Promise<HypatiaError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e, String((e as Error | null)?.stack)).toBeInstanceOf(HypatiaError);
  return e as HypatiaError;
}

function suite(backend: string): void {
  for (const c of CASES) {
    it(`${c.name}: the error names the user's op, shapes and line`, async () => {
      const want = await failure((await compile({ inputs: c.inputs, outputs: c.output, backend: 'reference', rewrites: false }))(...c.bad()));
      expect(want.site?.location).toMatch(/rewritten-node-errors\.test\.ts:\d+:\d+$/);
      expect(want.site?.location).toBe(c.culprit.owner!.site.location);

      const f = await compile({ inputs: c.inputs, outputs: c.output, backend });
      expect(f.graph.nodes.map((n) => n.op.name)).toContain(c.rewrittenTo);
      // Failing on the first call, and on a call after a good one (the native backend then replays a plan).
      const first = await failure(f(...c.bad()));
      await f(...c.good());
      const again = await failure(f(...c.bad()));
      for (const got of [first, again]) {
        expect(got.site?.location).toBe(want.site!.location);
        if (c.rewrittenTo === 'softmax_crossentropy_with_labels') {
          // A different op computes it: the message adds the op the user wrote.
          expect([got.op, got.detail, got.site?.origin]).toEqual([c.rewrittenTo, want.detail.replace(want.op, c.rewrittenTo), want.op]);
          expect(got.message).toContain(`as ${want.op}, then rewritten`);
        } else {
          expect(got.message).toBe(want.message);
        }
      }
    });
  }
}

describe.each(['reference', 'native'])('errors from rewritten nodes on %s', suite);

describe.runIf(gpuAvailable)('errors from rewritten nodes on webgpu', () => {
  afterAll(releaseDevice);
  suite('webgpu');
});
