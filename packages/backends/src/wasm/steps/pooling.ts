import { AvgPool2d, AvgPool2dGrad, MaxPool2d, MaxPool2dGrad } from '@hypatia/ops';
import { checkPooledGrad, poolImages, poolOut, type PoolParams } from '@hypatia/ops/backend';
import type { Apply } from '@hypatia/core';
import type { WasmKernelTable } from '../function-module.js';
import { poolingCovers, poolingRoutine, poolingSignature, type PoolKind } from '../routines/pooling-wasm.js';
import { wasmFamily, type Block, type WasmRunContext, type WasmStep, type WasmTensor } from '../wasm-step.js';
import { sameFloatDtype } from './gemm-function.js';

interface PoolStep extends WasmStep { kind: PoolKind; dtype: 'float32' | 'float64'; params: PoolParams; routine: number }

/** The pooling op's kind, or null for any other op. */
function poolKind(node: Apply): { kind: PoolKind; params: PoolParams } | null {
  const op = node.op;
  if (op instanceof MaxPool2d) return { kind: 'max', params: op.params };
  if (op instanceof MaxPool2dGrad) return { kind: 'max_grad', params: op.params };
  if (op instanceof AvgPool2d) return { kind: 'avg', params: op.params };
  if (op instanceof AvgPool2dGrad) return { kind: 'avg_grad', params: op.params };
  return null;
}

/**
 * One launch of the routine for `x`'s geometry: the pooled output, or for a gradient x's
 * gradient (with the reference's check that gy has the pooled shape).
 */
function launchPool(s: PoolStep, x: WasmTensor, gy: WasmTensor | null, buffers: readonly Block[], ctx: WasmRunContext): WasmTensor {
  const p = s.params;
  const { m, h, w } = poolImages(x.shape);
  const oh = poolOut(p, 0, h), ow = poolOut(p, 1, w);
  const pooled = [...x.shape.slice(0, -2), oh, ow];
  if (gy) checkPooledGrad(s.node.op.name, s.node, gy.shape, pooled);
  const out = ctx.allocate(s.node, s.dtype, gy ? x.shape : pooled);
  if (out.shape.every((d) => d > 0)) ctx.launch(s.routine, [...buffers, out.block], [m, h, w, oh, ow, ...p.window, ...p.stride]);
  return out;
}

/**
 * max_pool2d, avg_pool2d and their gradients on regular windows through the pooling routines
 * (2x2 stride 2 max pooling in SIMD lanes); other geometries and dtypes run the ops' IR kernels.
 */
export const pooling = wasmFamily<PoolStep>({
  kind: 'pooling',
  output: 'kernel',
  plan(node, table: WasmKernelTable) {
    const found = poolKind(node);
    const dtype = sameFloatDtype(node);
    if (!found || !dtype || !poolingCovers(found.params, found.kind.endsWith('grad'))) return null;
    const { kind, params } = found;
    return { node, kind, dtype, params, routine: table.get(`pool:${kind}:${dtype}`, poolingSignature(kind, dtype), (name) => poolingRoutine(kind, dtype, name)) };
  },
  run(s, ins, ctx) {
    if (s.kind === 'max_grad') return launchPool(s, ins[0]!, ins[1]!, [ins[0]!.block, ins[1]!.block], ctx);
    // avg_pool2d_grad's operands are (gy, x): x gives the geometry, and only gy is read.
    if (s.kind === 'avg_grad') return launchPool(s, ins[1]!, ins[0]!, [ins[0]!.block], ctx);
    return launchPool(s, ins[0]!, null, [ins[0]!.block], ctx);
  },
  note: (s) => `(${s.kind}_pool_${s.dtype} routine)`,
});
