import { type Apply } from '@hypatia/core';
import { checkRunShape, patchLayout, type Conv2d } from '@hypatia/ops';
import { bindGroup, pipeline, registerLowering } from '../lowering.js';
import { GRID_X, TILE } from '../kernels.js';
import type { GpuTensor } from '../buffers.js';

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

/** params: the geometry, then the product's M, N, K. */
const GEOMETRY = `
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
  /** Storage buffers after params, in binding order, and the node inputs they hold. */
  buffers: [name: string, input: number][];
  loadA: string;
  loadB: string;
  store: string;
  /** M, N, K of the product from the geometry. */
  dims(g: Geometry): [number, number, number];
}

interface Geometry {
  N: number; C: number; H: number; W: number; O: number; KH: number; KW: number; OH: number; OW: number;
  sh: number; sw: number; pt: number; pl: number;
}

const PRODUCTS: Record<string, ConvProduct> = {
  conv2d: {
    buffers: [['x', 0], ['w', 1]],
    loadA: 'return w[m * params[15] + k];',
    loadB: 'return patchAt(k, col);',
    store: `let positions = gOH() * gOW();
  out[((col / positions) * gO() + m) * positions + col % positions] = v;`,
    dims: (g) => [g.O, g.N * g.OH * g.OW, g.C * g.KH * g.KW],
  },
  conv2d_grad_input: {
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
    store: `let pixels = gH() * gW();
  out[((col / pixels) * gC() + m) * pixels + col % pixels] = v;`,
    dims: (g) => [g.C, g.N * g.H * g.W, g.O * g.KH * g.KW],
  },
  conv2d_grad_filters: {
    buffers: [['x', 0], ['dy', 1]],
    loadA: `let positions = gOH() * gOW();
  return dy[((k / positions) * gO() + m) * positions + k % positions];`,
    loadB: 'return patchAt(col, k);',
    store: 'out[m * params[14] + col] = v;',
    dims: (g) => [g.O, g.C * g.KH * g.KW, g.N * g.OH * g.OW],
  },
};

function convSource(p: ConvProduct): string {
  const bindings = p.buffers.map(([name], i) => `@group(0) @binding(${i + 1}) var<storage, read> ${name}: array<f32>;`).join('\n');
  // inputAt() and patchAt() read x, which the gradient w.r.t. the input does not bind.
  const geometry = p.buffers.some(([n]) => n === 'x') ? GEOMETRY : GEOMETRY.slice(0, GEOMETRY.indexOf('// The input of image'));
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
${bindings}
@group(0) @binding(${p.buffers.length + 1}) var<storage, read_write> out: array<f32>;
${geometry}
fn loadA(m: u32, k: u32) -> f32 {
  ${p.loadA}
}
fn loadB(k: u32, col: u32) -> f32 {
  ${p.loadB}
}
fn store(m: u32, col: u32, v: f32) {
  ${p.store}
}
var<workgroup> ta: array<array<f32, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<f32, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let M = params[13]; let N = params[14]; let K = params[15];
  let row = wid.y * ${TILE}u + lid.y;
  let col = (wid.x + wid.z * ${GRID_X}u) * ${TILE}u + lid.x;
  var acc = 0.0;
  for (var t0 = 0u; t0 < K; t0 += ${TILE}u) {
    let ka = t0 + lid.x;
    var va = 0.0;
    if (row < M && ka < K) { va = loadA(row, ka); }
    ta[lid.y][lid.x] = va;
    let kb = t0 + lid.y;
    var vb = 0.0;
    if (kb < K && col < N) { vb = loadB(kb, col); }
    tb[lid.y][lid.x] = vb;
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k++) { acc += ta[lid.y][k] * tb[k][lid.x]; }
    workgroupBarrier();
  }
  if (row < M && col < N) { store(row, col, acc); }
}`;
}

for (const [name, product] of Object.entries(PRODUCTS)) {
  registerLowering(name, async (device, node: Apply) => {
    const op = node.op as unknown as Conv2d;
    const pipe = await pipeline(device, convSource(product));
    // The forward input and filter shapes, wherever this op keeps them.
    const shapesOf = (ins: readonly GpuTensor[]): [number[], number[]] =>
      name === 'conv2d' ? [ins[0]!.shape, ins[1]!.shape] : name === 'conv2d_grad_input' ? [ins[2]!.shape, ins[1]!.shape] : [ins[0]!.shape, ins[2]!.shape];
    const geometry = (ins: readonly GpuTensor[]): Geometry => {
      const [xs, ws] = shapesOf(ins);
      const L = patchLayout(op, node, xs, ws);
      const g = { N: xs[0]!, C: L.c, H: L.h, W: L.w, O: ws[0]!, KH: L.kh, KW: L.kw, OH: L.gh.out, OW: L.gw.out, sh: L.sh, sw: L.sw, pt: L.gh.before, pl: L.gw.before };
      if (name !== 'conv2d') checkRunShape(name, node, ins[name === 'conv2d_grad_input' ? 0 : 1]!.shape, [g.N, g.O, g.OH, g.OW]);
      return g;
    };
    return {
      node,
      describe: `${name} as an implicit GEMM (${TILE}x${TILE} tiles in workgroup memory)`,
      shapes: (ins) => {
        const g = geometry(ins);
        const [xs, ws] = shapesOf(ins);
        return [name === 'conv2d' ? [g.N, g.O, g.OH, g.OW] : name === 'conv2d_grad_input' ? [...xs] : [...ws]];
      },
      encode: (pass, ins, [o], ctx) => {
        const g = geometry(ins);
        const [M, N, K] = product.dims(g);
        if (M === 0 || N === 0) return;
        const params = ctx.params(Uint32Array.from([g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.pt, g.pl, M, N, K]));
        pass.setPipeline(pipe);
        pass.setBindGroup(0, bindGroup(ctx.device, pipe, [params, ...product.buffers.map(([, i]) => ins[i]!.buffer), o!.buffer]));
        const tiles = Math.ceil(N / TILE);
        pass.dispatchWorkgroups(Math.min(tiles, GRID_X), Math.ceil(M / TILE), Math.ceil(tiles / GRID_X));
      },
    };
  });
}
