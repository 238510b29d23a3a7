import { HypatiaError, broadcastRuntime, broadcastStrides, shapeSize, type Apply, type DType } from '@hypatia/core';
/// <reference types="@webgpu/types" />
import { MatMul } from '@hypatia/ops';
import { ROUTINES, bindGroup, pipeline, unsupported, type EncodeContext, type Step } from '../lowering.js';
import { TILE, WORKGROUP, WORKGROUP_INDEX, grid3, productKernel } from '../kernels.js';
import { WGSL_HELPERS, storageType, wgslType } from '../wgsl-scalar.js';
import { boundOperands, epilogueParams, epilogueWGSL, inPlaceEpilogue, productChecksAt, type Epilogue } from './epilogue.js';
import { walk } from './walk-wgsl.js';
import type { GpuTensor } from '../buffers.js';

/**
 * C = A·B tiled through workgroup memory, operands read through strides (so transposed and
 * vector operands need no copy), with broadcast batch axes: the flat batch index is split over
 * the batch shape into each operand's own offset (0 strides where it broadcasts).
 * With nb = 0 it is the plain matrix product that `dot` uses. Workgroups are numbered flat
 * (column tile, then row tile, then batch) over a grid3, so no count meets the per-dimension limit.
 * params: [M, N, K, sAm, sAk, sBk, sBn, batchCount, batchShape(nb), batchStridesA(nb), batchStridesB(nb)].
 */
export function batchedMatmulSource(dtype: DType, nb: number, epi: Epilogue | null = null): string {
  const t = wgslType(dtype);
  return `${header(dtype, nb, epi)}
var<workgroup> ta: array<array<${t}, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<${t}, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let M = params[0]; let N = params[1]; let K = params[2];
  ${WORKGROUP_INDEX}
  let tilesN = (N + ${TILE - 1}u) / ${TILE}u;
  let tilesM = (M + ${TILE - 1}u) / ${TILE}u;
  let b = flatGroup / (tilesN * tilesM);
  // The grid's overshoot: whole workgroups leave together, so the barriers below stay uniform.
  if (b >= params[7]) { return; }
  var oa = 0u;
  var ob = 0u;
  ${walk('b', nb, '8u', [{ acc: 'oa', strideAt: `${8 + nb}u` }, { acc: 'ob', strideAt: `${8 + 2 * nb}u` }])}
  let row = ((flatGroup / tilesN) % tilesM) * ${TILE}u + lid.y;
  let col = (flatGroup % tilesN) * ${TILE}u + lid.x;
  var acc: ${t} = ${t}(0);
  for (var t0 = 0u; t0 < K; t0 += ${TILE}u) {
    let ka = t0 + lid.x;
    var va: ${t} = ${t}(0);
    if (row < M && ka < K) { va = A[oa + row * params[3] + ka * params[4]]; }
    ta[lid.y][lid.x] = va;
    let kb = t0 + lid.y;
    var vb: ${t} = ${t}(0);
    if (kb < K && col < N) { vb = B[ob + kb * params[5] + col * params[6]]; }
    tb[lid.y][lid.x] = vb;
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k++) { acc += ta[lid.y][k] * tb[k][lid.x]; }
    workgroupBarrier();
  }
  if (row < M && col < N) { let i = (b * M + row) * N + col; C[i] = ${epi ? 'epilogue(acc, i)' : 'acc'}; }
}`;
}

/**
 * The same product with one thread per output element and no workgroup memory, for small
 * products (simpleProductLimit in kernels.ts); it adds the terms in the tiled kernel's order.
 * params as batchedMatmulSource's.
 */
export function batchedMatmulSimpleSource(dtype: DType, nb: number, epi: Epilogue | null = null): string {
  const t = wgslType(dtype);
  return `${header(dtype, nb, epi)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let M = params[0]; let N = params[1]; let K = params[2];
  ${WORKGROUP_INDEX}
  let i = flatGroup * ${WORKGROUP}u + lid.x;
  let b = i / (M * N);
  if (b >= params[7]) { return; }
  var oa = 0u;
  var ob = 0u;
  ${walk('b', nb, '8u', [{ acc: 'oa', strideAt: `${8 + nb}u` }, { acc: 'ob', strideAt: `${8 + 2 * nb}u` }])}
  let row = (i / N) % M;
  let col = i % N;
  var acc: ${t} = ${t}(0);
  for (var k = 0u; k < K; k++) { acc += A[oa + row * params[3] + k * params[4]] * B[ob + k * params[5] + col * params[6]]; }
  C[i] = ${epi ? 'epilogue(acc, i)' : 'acc'};
}`;
}

/** Bindings: params, A, B, the epilogue's operands, C (in the epilogue's output type). */
function header(dtype: DType, nb: number, epi: Epilogue | null): string {
  const t = wgslType(dtype);
  const k = boundOperands(epi, epi?.operands ?? []).length;
  return `${epi ? WGSL_HELPERS : ''}
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> A: array<${t}>;
@group(0) @binding(2) var<storage, read> B: array<${t}>;
${epi ? epilogueWGSL(epi, 3, epilogueAt(nb), 'C') : ''}
@group(0) @binding(${3 + k}) var<storage, read_write> C: array<${epi ? storageType(epi.outDtype) : t}>;`;
}

/** Where the epilogue's params start: after batchedMatmulSource's own. */
export const epilogueAt = (nb: number) => 8 + 3 * nb;

/** Both kernels of a product of `dtype` with nb batch axes; encodeMatmul picks one by size. */
export async function matmulPipelines(device: GPUDevice, dtype: DType, nb: number, epi: Epilogue | null = null): Promise<MatmulPipelines> {
  const [tiled, simple] = await Promise.all([pipeline(device, batchedMatmulSource(dtype, nb, epi)), pipeline(device, batchedMatmulSimpleSource(dtype, nb, epi))]);
  return { tiled, simple };
}

export interface MatmulPipelines {
  tiled: GPUComputePipeline;
  simple: GPUComputePipeline;
}

/** Records one batched product: `params` as batchedMatmulSource's, buffers [A, B, C]. */
export function encodeMatmul(
  pass: GPUComputePassEncoder, ctx: EncodeContext, pipes: MatmulPipelines,
  params: readonly number[], buffers: readonly GPUBuffer[],
): void {
  const [M, N, K, , , , , count] = params as [number, number, number, number, number, number, number, number];
  if (count === 0 || M === 0 || N === 0) return;
  const simple = productKernel(M * count, N, K) === 'simple';
  const pipe = simple ? pipes.simple : pipes.tiled;
  pass.setPipeline(pipe);
  pass.setBindGroup(0, bindGroup(ctx.device, pipe, [ctx.params(Uint32Array.from(params)), ...buffers]));
  pass.dispatchWorkgroups(...grid3(simple ? Math.ceil((M * N * count) / WORKGROUP) : Math.ceil(N / TILE) * Math.ceil(M / TILE) * count));
}

/**
 * matmul: batched matrix products with broadcast batch axes and transposed reads; with an
 * epilogue (a ProductEpilogue node), its formula applied to each element before the store.
 */
export async function matmulStep(device: GPUDevice, node: Apply, op: { transA: boolean; transB: boolean }, epi: Epilogue | null): Promise<Step> {
  const [a, b] = node.inputs;
  const out = node.outputs[0]!;
  if (a!.dtype !== b!.dtype) unsupported(node, `mixed dtypes ${a!.dtype} and ${b!.dtype}`);
  if (a!.dtype === 'bool') unsupported(node, 'bool operands');
  const { transA, transB } = op;
  const nb = out.ndim - 2;
  const pipes = await matmulPipelines(device, a!.dtype, nb, epi);
  const at = productChecksAt(node);
  const layout = (sa: readonly number[], sb: readonly number[]) => {
    const [ra, ca] = sa.slice(-2) as [number, number];
    const [rb, cb] = sb.slice(-2) as [number, number];
    const [M, K] = transA ? [ca, ra] : [ra, ca];
    const [Kb, N] = transB ? [cb, rb] : [rb, cb];
    if (K !== Kb) throw new HypatiaError(at.op.name, `inner dimensions do not match: [${sa}] @ [${sb}]`, at.site);
    const batch = broadcastRuntime([sa.slice(0, -2), sb.slice(0, -2)]);
    if (typeof batch === 'string') throw new HypatiaError(at.op.name, `at run time, batch dimensions: ${batch}`, at.site);
    // Batch strides of each operand in elements (whole matrices), 0 on the axes it broadcasts along.
    const bsA = broadcastStrides(sa.slice(0, -2), batch).map((s) => s * ra * ca);
    const bsB = broadcastStrides(sb.slice(0, -2), batch).map((s) => s * rb * cb);
    const [sAm, sAk] = transA ? [1, ca] : [ca, 1];
    const [sBk, sBn] = transB ? [1, cb] : [cb, 1];
    return { M, N, K, batch, params: [M, N, K, sAm, sAk, sBk, sBn, shapeSize(batch), ...batch, ...bsA, ...bsB] };
  };
  return {
    node,
    describe: `batched matmul ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} over ${nb} batch axes (${TILE}x${TILE} tiles, or a thread per element when small)${epi ? ' with its elementwise epilogue' : ''}`,
    shapes: ([x, y]) => {
      const l = layout(x!.shape, y!.shape);
      return [[...l.batch, l.M, l.N]];
    },
    encode: (pass, ins, [o], ctx) => encode(pass, ins, o!, ctx, pipes, epi),
    inPlace: epi ? async (aliased) => {
      const e = inPlaceEpilogue(epi, 2, aliased);
      if (!e) return null;
      const p = await matmulPipelines(device, a!.dtype, nb, e);
      return (pass, ins, o, ctx) => encode(pass, ins, o, ctx, p, e);
    } : undefined,
  };
  function encode(pass: GPUComputePassEncoder, [x, y, ...rest]: readonly GpuTensor[], o: GpuTensor, ctx: EncodeContext, p: MatmulPipelines, e: Epilogue | null): void {
    const l = layout(x!.shape, y!.shape);
    const params = e ? [...l.params, ...epilogueParams(node, o.shape, rest.map((t) => t.shape))] : l.params;
    encodeMatmul(pass, ctx, p, params, [x!.buffer, y!.buffer, ...boundOperands(e, rest).map((t) => t.buffer), o.buffer]);
  }
}

ROUTINES.set(MatMul, (node, op) => (device) => matmulStep(device, node, op, null));
