/// <reference types="@webgpu/types" />
import { type Apply } from '@hypatia/core';
import { Conv2d, Conv2dGradFilters, Conv2dGradInput, type ConvOp } from '@hypatia/ops';
import { checkRunShape, patchLayout } from '@hypatia/ops/backend';
import { ROUTINES, bindGroup, dispatch1d, pipeline, type EncodeContext, type Step } from '../lowering.js';
import { TILE, WORKGROUP, WORKGROUP_INDEX, grid3, productKernel } from '../kernels.js';
import type { GpuTensor } from '../buffers.js';
import { WGSL_HELPERS, storageType } from '../wgsl-scalar.js';
import { boundOperands, epilogueParams, epilogueWGSL, inPlaceEpilogue, productChecksAt, type Epilogue } from './epilogue.js';

/**
 * conv2d and both of its gradients as implicit GEMMs: each is a matrix product whose operands are
 * read straight from the NCHW / OIHW tensors (the im2col matrix is never built), tiled through
 * workgroup memory as the dense matmul is. The three products:
 *   conv2d:              y[o, (n,i,j)]      = W[o, (c,di,dj)]  · cols[(c,di,dj), (n,i,j)]
 *   conv2d_grad_input:   dx[c, (n,h,w)]     = Wᵀ[c, (o,di,dj)] · dyAt[(o,di,dj), (n,h,w)]
 *   conv2d_grad_filters: dw[o, (c,di,dj)]   = dy[o, (n,i,j)]   · colsᵀ[(n,i,j), (c,di,dj)]
 * where cols reads the input at (i*sh + di - padTop, j*sw + dj - padLeft), 0 in the padding, and
 * dyAt reads dy at the output position that read input (h, w) through tap (di, dj), 0 if none.
 */

/** params: the geometry, then the product's M, N, K and its split of K (kChunk, chunks). */
const GEOMETRY_PARAMS = `
fn gN() -> u32 { return params[0]; }
fn gC() -> u32 { return params[1]; }
fn gH() -> u32 { return params[2]; }
fn gW() -> u32 { return params[3]; }
fn gO() -> u32 { return params[4]; }
fn gKH() -> u32 { return params[5]; }
fn gKW() -> u32 { return params[6]; }
fn gOH() -> u32 { return params[7]; }
fn gOW() -> u32 { return params[8]; }
fn gSH() -> u32 { return params[9]; }
fn gSW() -> u32 { return params[10]; }
fn gPT() -> i32 { return i32(params[11]); }
fn gPL() -> i32 { return i32(params[12]); }
`;
/** The geometry accessors and, for kernels that bind the input x, its readers. */
const GEOMETRY = `${GEOMETRY_PARAMS}
// The input of image n, channel c at (h, w), or 0 outside it (the padding).
fn inputAt(n: u32, c: u32, h: i32, w: i32) -> f32 {
  if (h < 0 || w < 0 || h >= i32(gH()) || w >= i32(gW())) { return 0.0; }
  return x[((n * gC() + c) * gH() + u32(h)) * gW() + u32(w)];
}
// The patch element (c, di, dj) of output position (n, i, j).
fn patchAt(k: u32, col: u32) -> f32 {
  let taps = gKH() * gKW();
  let c = k / taps; let di = (k % taps) / gKW(); let dj = k % gKW();
  let positions = gOH() * gOW();
  let n = col / positions; let i = (col % positions) / gOW(); let j = col % gOW();
  return inputAt(n, c, i32(i * gSH() + di) - gPT(), i32(j * gSW() + dj) - gPL());
}`;

interface ConvProduct {
  /**
   * Whether K may be split over workgroups: only the filter gradient, whose K is batch x output
   * positions (thousands) while M x N is the filter bank (a few tiles). The other two reduce over
   * a filter's taps and have a tile per few outputs; they skip the split kernels' pipelines.
   */
  splits: boolean;
  /** Storage buffers after params, in binding order, and the node inputs they hold. */
  buffers: [name: string, input: number][];
  loadA: string;
  loadB: string;
  /** The body of `fn outIndex(m, col) -> u32`: where product element (m, col) goes in the output. */
  index: string;
  /** M, N, K of the product from the geometry. */
  dims(g: Geometry): [number, number, number];
}

interface Geometry {
  N: number; C: number; H: number; W: number; O: number; KH: number; KW: number; OH: number; OW: number;
  sh: number; sw: number; pt: number; pl: number;
}

const PRODUCTS: Record<string, ConvProduct> = {
  conv2d: {
    splits: false,
    buffers: [['x', 0], ['w', 1]],
    loadA: 'return w[m * params[15] + k];',
    loadB: 'return patchAt(k, col);',
    index: `let positions = gOH() * gOW();
  return ((col / positions) * gO() + m) * positions + col % positions;`,
    dims: (g) => [g.O, g.N * g.OH * g.OW, g.C * g.KH * g.KW],
  },
  conv2d_grad_input: {
    splits: false,
    buffers: [['dy', 0], ['w', 1]],
    // Wᵀ: row c, column (o, di, dj) of the filters.
    loadA: `let taps = gKH() * gKW();
  return w[((k / taps) * gC() + m) * taps + k % taps];`,
    // dy at the output (i, j) with i*sh + di - padTop = h (and likewise j), if there is one.
    loadB: `let taps = gKH() * gKW();
  let o = k / taps; let di = (k % taps) / gKW(); let dj = k % gKW();
  let pixels = gH() * gW();
  let n = col / pixels; let h = (col % pixels) / gW(); let wc = col % gW();
  let ti = i32(h) + gPT() - i32(di); let tj = i32(wc) + gPL() - i32(dj);
  if (ti < 0 || tj < 0) { return 0.0; }
  let i = u32(ti); let j = u32(tj);
  if (i % gSH() != 0u || j % gSW() != 0u) { return 0.0; }
  let oi = i / gSH(); let oj = j / gSW();
  if (oi >= gOH() || oj >= gOW()) { return 0.0; }
  return dy[((n * gO() + o) * gOH() + oi) * gOW() + oj];`,
    index: `let pixels = gH() * gW();
  return ((col / pixels) * gC() + m) * pixels + col % pixels;`,
    dims: (g) => [g.C, g.N * g.H * g.W, g.O * g.KH * g.KW],
  },
  conv2d_grad_filters: {
    splits: true,
    buffers: [['x', 0], ['dy', 1]],
    loadA: `let positions = gOH() * gOW();
  return dy[((k / positions) * gO() + m) * positions + k % positions];`,
    loadB: 'return patchAt(col, k);',
    index: 'return m * params[14] + col;',
    dims: (g) => [g.O, g.C * g.KH * g.KW, g.N * g.OH * g.OW],
  },
};

/** What both conv product kernels declare: bindings, geometry, the operand loads and the store. */
function convPrelude(p: ConvProduct, mode: 'direct' | 'partial', epi: Epilogue | null): string {
  // inputAt() and patchAt() read x, which the gradient w.r.t. the input does not bind.
  const geometry = p.buffers.some(([n]) => n === 'x') ? GEOMETRY : GEOMETRY_PARAMS;
  return `${epi && mode === 'direct' ? WGSL_HELPERS : ''}
@group(0) @binding(0) var<storage, read> params: array<u32>;
${bindingsOf(p, epi, mode)}
${geometry}
fn loadA(m: u32, k: u32) -> f32 {
  ${p.loadA}
}
fn loadB(k: u32, col: u32) -> f32 {
  ${p.loadB}
}
${mode === 'direct' ? storeFn(p, epi) : ''}`;
}

/**
 * The tiled product, workgroups numbered flat (column tile, row tile, K chunk) over a grid3.
 * 'direct' stores each result through the product's layout (and epilogue); 'partial' computes one
 * chunk of the reduction over K and writes it to partials[chunk][m][col], summed later by
 * chunkSumSource.
 * params: geometry (13), M, N, K, kChunk, chunks.
 */
function convSource(p: ConvProduct, mode: 'direct' | 'partial', epi: Epilogue | null): string {
  const result = mode === 'direct' ? 'store(row, col, acc);' : 'out[(chunk * M + row) * N + col] = acc;';
  return `${convPrelude(p, mode, epi)}
var<workgroup> ta: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let M = params[13]; let N = params[14]; let K = params[15];
  ${WORKGROUP_INDEX}
  let tilesN = (N + ${TILE - 1}u) / ${TILE}u;
  let tilesM = (M + ${TILE - 1}u) / ${TILE}u;
  let chunk = flatGroup / (tilesN * tilesM);
  // The grid's overshoot: whole workgroups leave together, so the barriers below stay uniform.
  if (chunk >= params[17]) { return; }
  let row = ((flatGroup / tilesN) % tilesM) * ${TILE}u + lid.y;
  let col = (flatGroup % tilesN) * ${TILE}u + lid.x;
  let kBegin = chunk * params[16];
  let kEnd = min(K, kBegin + params[16]);
  var acc = 0.0;
  for (var t0 = kBegin; t0 < kEnd; t0 += ${TILE}u) {
    let ka = t0 + lid.x;
    var va = 0.0;
    if (row < M && ka < kEnd) { va = loadA(row, ka); }
    ta[lid.y][lid.x] = va;
    let kb = t0 + lid.y;
    var vb = 0.0;
    if (kb < kEnd && col < N) { vb = loadB(kb, col); }
    tb[lid.y][lid.x] = vb;
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k++) { acc += ta[lid.y][k] * tb[k][lid.x]; }
    workgroupBarrier();
  }
  if (row < M && col < N) { ${result} }
}`;
}

/**
 * The same product with one thread per output element (and chunk), looping over its part of K
 * with no workgroup memory and no barriers, for short or small products (productKernel in kernels.ts).
 * It adds the terms in the tiled kernel's order. params as convSource's.
 */
function convSimpleSource(p: ConvProduct, mode: 'direct' | 'partial', epi: Epilogue | null): string {
  const result = mode === 'direct' ? 'store(row, col, acc);' : 'out[t] = acc;';
  return `${convPrelude(p, mode, epi)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let M = params[13]; let N = params[14]; let K = params[15];
  ${WORKGROUP_INDEX}
  // Thread t computes chunk t / MN of element t % MN: partials[chunk][m][col] is partials[t].
  let t = flatGroup * ${WORKGROUP}u + lid.x;
  let MN = M * N;
  let chunk = t / MN;
  if (chunk >= params[17]) { return; }
  let row = (t % MN) / N;
  let col = t % N;
  let kBegin = chunk * params[16];
  let kEnd = min(K, kBegin + params[16]);
  var acc = 0.0;
  for (var k = kBegin; k < kEnd; k++) { acc += loadA(row, k) * loadB(k, col); }
  ${result}
}`;
}

function storeFn(p: ConvProduct, epi: Epilogue | null): string {
  return `fn outIndex(m: u32, col: u32) -> u32 {
  ${p.index}
}
fn store(m: u32, col: u32, v: f32) {
  let i = outIndex(m, col);
  out[i] = ${epi ? 'epilogue(v, i)' : 'v'};
}`;
}

/** Where the epilogue's params start: after the geometry, M, N, K, kChunk and chunks. */
const EPILOGUE_AT = 18;

/**
 * Bindings after params: the product's operands, then (when the kernel stores results) the
 * epilogue's, then out: the output in the epilogue's type, or the f32 partial sums.
 */
function bindingsOf(p: ConvProduct, epi: Epilogue | null, mode: 'direct' | 'partial'): string {
  const operands = p.buffers.map(([name], i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`).join('\n');
  const withEpi = mode === 'direct' && epi;
  const first = p.buffers.length + 1;
  return `${operands}
${withEpi ? epilogueWGSL(epi, first, EPILOGUE_AT, 'out') : ''}
@group(0) @binding(${first + (withEpi ? boundOperands(epi, epi.operands).length : 0)}) var<storage, read_write> out: array<${withEpi ? storageType(epi.outDtype) : 'f32'}>;`;
}

/** The second pass of a split product: each output element sums its chunks in order, then stores. params as convSource's. */
function chunkSumSource(p: ConvProduct): string {
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${GEOMETRY_PARAMS}
${storeFn(p, null)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  let MN = params[13] * params[14];
  if (i >= MN) { return; }
  var acc = 0.0;
  for (var c = 0u; c < params[17]; c++) { acc += partials[c * MN + i]; }
  store(i / params[14], i % params[14], acc);
}`;
}

/**
 * How many chunks to split K into: enough workgroups to occupy a GPU (the filter gradient of a
 * small layer is a few 16x16 tiles reducing over batch x positions, thousands of terms), while
 * each chunk still loops over at least MIN_CHUNK terms. Chunks are whole tiles of K.
 */
const TARGET_WORKGROUPS = 256;
const MIN_CHUNK = 128;
export function splitK(tiles: number, K: number): { chunks: number; kChunk: number } {
  const want = Math.min(Math.ceil(TARGET_WORKGROUPS / tiles), Math.floor(K / MIN_CHUNK));
  if (want <= 1) return { chunks: 1, kChunk: Math.max(K, 1) };
  const kChunk = Math.ceil(K / want / TILE) * TILE;
  return { chunks: Math.ceil(K / kChunk), kChunk };
}

/**
 * conv2d or one of its gradients (`name`, from the op `op`) as a step; with an epilogue (a
 * ProductEpilogue node, whose operands after the product's `arity` feed it), its formula is
 * applied to each output element before the store.
 */
export async function convStep(device: GPUDevice, node: Apply, name: string, op: ConvOp, arity: number, epi: Epilogue | null): Promise<Step> {
  const product = PRODUCTS[name]!;
  // An epilogue runs at the store, which a split product leaves to its chunk sum: none is lowered with both.
  if (epi && product.splits) throw new Error(`no epilogue for ${name}, whose K is split`);
  const [direct, simpleDirect] = await Promise.all([pipeline(device, convSource(product, 'direct', epi)), pipeline(device, convSimpleSource(product, 'direct', epi))]);
  const [partial, simplePartial, chunkSum] = product.splits
    ? await Promise.all([pipeline(device, convSource(product, 'partial', null)), pipeline(device, convSimpleSource(product, 'partial', null)), pipeline(device, chunkSumSource(product))])
    : [null, null, null];
  // Partial sums of a split product, owned by this step and grown as needed (calls run in queue order, so one suffices).
  let scratch: GPUBuffer | null = null;
  const scratchOf = (gpu: GPUDevice, bytes: number): GPUBuffer => {
    if (!scratch || scratch.size < bytes) {
      scratch?.destroy();
      scratch = gpu.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE });
    }
    return scratch;
  };
  const at = productChecksAt(node);
  // The forward input and filter shapes, wherever this op keeps them.
  const shapesOf = (ins: readonly GpuTensor[]): [number[], number[]] =>
    name === 'conv2d' ? [ins[0]!.shape, ins[1]!.shape] : name === 'conv2d_grad_input' ? [ins[2]!.shape, ins[1]!.shape] : [ins[0]!.shape, ins[2]!.shape];
  const geometry = (ins: readonly GpuTensor[]): Geometry => {
    const [xs, ws] = shapesOf(ins);
    const L = patchLayout(op, at, xs, ws);
    const g = { N: xs[0]!, C: L.c, H: L.h, W: L.w, O: ws[0]!, KH: L.kh, KW: L.kw, OH: L.gh.out, OW: L.gw.out, sh: L.sh, sw: L.sw, pt: L.gh.before, pl: L.gw.before };
    if (name !== 'conv2d') checkRunShape(name, at, ins[name === 'conv2d_grad_input' ? 0 : 1]!.shape, [g.N, g.O, g.OH, g.OW]);
    return g;
  };
  return {
    node,
    describe: `${name} as an implicit GEMM (${TILE}x${TILE} tiles in workgroup memory or a thread per element by size, K split over workgroups when the tiles are few)${epi ? ' with its elementwise epilogue' : ''}`,
    shapes: (ins) => {
      const g = geometry(ins);
      const [xs, ws] = shapesOf(ins);
      return [name === 'conv2d' ? [g.N, g.O, g.OH, g.OW] : name === 'conv2d_grad_input' ? [...xs] : [...ws]];
    },
    encode: (pass, ins, [o], ctx) => encode(pass, ins, o!, ctx, direct, simpleDirect, epi),
    // Only an unsplit product stores through the epilogue, so only those have an in-place form.
    inPlace: epi ? async (aliased) => {
      const e = inPlaceEpilogue(epi, arity, aliased);
      if (!e) return null;
      const [d, sd] = await Promise.all([pipeline(device, convSource(product, 'direct', e)), pipeline(device, convSimpleSource(product, 'direct', e))]);
      return (pass, ins, o, ctx) => encode(pass, ins, o, ctx, d, sd, e);
    } : undefined,
  };
  function encode(
    pass: GPUComputePassEncoder, ins: readonly GpuTensor[], o: GpuTensor, ctx: EncodeContext,
    direct: GPUComputePipeline, simpleDirect: GPUComputePipeline, epi: Epilogue | null,
  ): void {
    const g = geometry(ins);
    const [M, N, K] = product.dims(g);
    if (M === 0 || N === 0) return;
    const tiles = Math.ceil(N / TILE) * Math.ceil(M / TILE);
    const { chunks, kChunk } = product.splits ? splitK(tiles, K) : { chunks: 1, kChunk: Math.max(K, 1) };
    const rest = ins.slice(arity);
    const epiParams = epi ? epilogueParams(node, o.shape, rest.map((t) => t.shape)) : [];
    const params = ctx.params(Uint32Array.from([g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.pt, g.pl, M, N, K, kChunk, chunks, ...epiParams]));
    const operands = product.buffers.map(([, i]) => ins[i]!.buffer);
    const epiOperands = boundOperands(epi, rest).map((t) => t.buffer);
    const simple = productKernel(M, N, kChunk) === 'simple';
    const groups = simple ? Math.ceil((M * N * chunks) / WORKGROUP) : tiles * chunks;
    if (chunks === 1) {
      const pipe = simple ? simpleDirect : direct;
      pass.setPipeline(pipe);
      pass.setBindGroup(0, bindGroup(ctx.device, pipe, [params, ...operands, ...epiOperands, o.buffer]));
      pass.dispatchWorkgroups(...grid3(groups));
      return;
    }
    const pipe = (simple ? simplePartial : partial)!;
    const partials = scratchOf(ctx.device, chunks * M * N * 4);
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bindGroup(ctx.device, pipe, [params, ...operands, partials]));
    pass.dispatchWorkgroups(...grid3(groups));
    dispatch1d(ctx.device, pass, chunkSum!, [params, partials, o.buffer], Math.ceil((M * N) / WORKGROUP));
  }
}

ROUTINES
  .set(Conv2d, (node, op) => (device) => convStep(device, node, 'conv2d', op, node.inputs.length, null))
  .set(Conv2dGradInput, (node, op) => (device) => convStep(device, node, 'conv2d_grad_input', op, node.inputs.length, null))
  .set(Conv2dGradFilters, (node, op) => (device) => convStep(device, node, 'conv2d_grad_filters', op, node.inputs.length, null));
