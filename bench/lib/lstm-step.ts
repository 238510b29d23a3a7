// The LSTM training step bench/lstm.ts times: an LSTM over [T, B, nIn] inputs, a linear map of every
// step's hidden state to V classes, the mean cross-entropy against int32 labels [T, B], its gradient
// and a plain SGD update. Hypatia's side compiled on a backend, PyTorch's (nn.LSTM) through
// bench/pytorch/lstm.py with the same weights and data.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, grad, imatrix, mulberry32, NDArray, shared, tensor, type CompiledFunction } from '@hypatia/core';
import { add, dot, reshape, shapeOf } from '@hypatia/ops';
import { LSTMLayer, sequenceCrossEntropy, sgd } from '@hypatia/nn';
import type { Budget } from './timing.js';

export const LSTM_ETA = 0.1;

/** The step's sizes: sequence length, batch, input features, hidden units, classes. */
export interface LstmShape { T: number; B: number; nIn: number; H: number; V: number }

/** The issue's shape: sequence 64, batch 32, hidden 256, 64 input features and 64 classes. */
export const LSTM_SHAPE: LstmShape = { T: 64, B: 32, nIn: 64, H: 256, V: 64 };

/** Initial weights (PyTorch's layout and names) and one batch of data, the same for every runner. */
export interface LstmProblem {
  shape: LstmShape;
  weights: Record<'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh' | 'w_out' | 'b_out', NDArray>;
  x: NDArray;
  y: NDArray;
}

export function lstmProblem(shape: LstmShape, seed = 1): LstmProblem {
  const rng = mulberry32(seed);
  const uniform = (dims: number[], k: number) => new NDArray('float32', dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (2 * rng() - 1) * k));
  const { T, B, nIn, H, V } = shape;
  const k = 1 / Math.sqrt(H);
  return {
    shape,
    weights: {
      weight_ih: uniform([4 * H, nIn], k), weight_hh: uniform([4 * H, H], k), bias_ih: uniform([4 * H], k), bias_hh: uniform([4 * H], k),
      w_out: uniform([H, V], k), b_out: uniform([V], k),
    },
    x: uniform([T, B, nIn], 1),
    y: new NDArray('int32', [T, B], Int32Array.from({ length: T * B }, () => Math.floor(rng() * V))),
  };
}

/** The training step compiled on `backend`: call it with (x, y) for the step's cost; the weights update in place. */
export async function compileLstmStep(p: LstmProblem, backend: string, backendOptions?: Record<string, unknown>): Promise<CompiledFunction<NDArray>> {
  const { nIn, H, V } = p.shape;
  const lstm = new LSTMLayer({ nIn, nHidden: H, seed: 1 });
  lstm.p.weightIh.set(p.weights.weight_ih.copy()); lstm.p.weightHh.set(p.weights.weight_hh.copy());
  lstm.p.biasIh.set(p.weights.bias_ih.copy()); lstm.p.biasHh.set(p.weights.bias_hh.copy());
  const wOut = shared(p.weights.w_out.copy(), { name: 'w_out' });
  const bOut = shared(p.weights.b_out.copy(), { name: 'b_out' });
  const x = tensor('float32', [null, null, nIn], 'x');
  const y = imatrix('y');
  const hs = lstm.apply(x).outputs;
  const logits = reshape(add(dot(reshape(hs, [-1, H]), wOut), bOut), [shapeOf(x, 0), shapeOf(x, 1), V]);
  const cost = sequenceCrossEntropy(logits, y);
  const params = [...lstm.params, wOut, bOut];
  return compile({ name: 'lstm_step', inputs: [x, y], outputs: cost, updates: sgd(LSTM_ETA).updates(params, grad(cost, params)), backend, backendOptions });
}

export const PYTHON = process.env.HYPATIA_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'pytorch', 'lstm.py');

/** PyTorch's steps per second by thread count and the costs of its first two steps, or why it could not run. */
export type TorchLstm = { rates: Record<string, number>; firstCosts: [number, number] } | { error: string };

export function torchLstm(p: LstmProblem, budget: Budget, threads: readonly number[]): TorchLstm {
  const dir = mkdtempSync(join(tmpdir(), 'hypatia-bench-lstm-'));
  for (const [name, a] of Object.entries(p.weights)) writeFileSync(join(dir, `${name}.f32`), a.data as Float32Array);
  writeFileSync(join(dir, 'x.f32'), p.x.data as Float32Array);
  writeFileSync(join(dir, 'y.i32'), p.y.data as Int32Array);
  const { T, B, nIn, H, V } = p.shape;
  const args = [SCRIPT, dir, T, B, nIn, H, V, budget.seconds, budget.warmup, budget.rounds, threads.join(',')].map(String);
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(Math.max(...threads)) } });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.error) return { error: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0 || !last.startsWith('{')) return { error: `lstm.py failed: ${(r.stderr || `status ${r.status}`).trim().split('\n').pop()}` };
  return JSON.parse(last) as TorchLstm;
}
