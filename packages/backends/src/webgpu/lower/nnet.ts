import { HypatiaError, type Apply } from '@hypatia/core';
import {
  CategoricalCrossentropyGrad, CategoricalCrossentropyWithLabels, LogSoftmax, Softmax, SoftmaxCrossentropyGrad, SoftmaxCrossentropyWithLabels, SoftmaxGrad,
} from '@hypatia/ops';
import { ROUTINES, dispatch1d, pipeline, type Routine } from '../lowering.js';
import { WORKGROUP } from '../kernels.js';
import { WGSL_HELPERS } from '../wgsl-scalar.js';
import type { GpuTensor } from '../buffers.js';
import { indexChecker } from '../index-checks.js';

/**
 * The softmax family and the label-indexed losses as row kernels: one workgroup per row of the
 * last axis, its threads striding over the row, with the row's max and sum combined in a
 * workgroup-memory tree. Each follows its op's perform (row-kernels.ts in ops) step by step, so
 * NaN and infinities come out where the reference puts them. Float32 only (WebGPU has no float64).
 */
function rowSource(inputs: readonly [name: string, type: string][], body: string): string {
  const bindings = inputs.map(([n, t], i) => `@group(0) @binding(${i + 1}) var<storage, read> ${n}: array<${t}>;`).join('\n');
  return `${WGSL_HELPERS}
@group(0) @binding(0) var<storage, read> params: array<u32>; // [rows, k]
${bindings}
@group(0) @binding(${inputs.length + 1}) var<storage, read_write> out: array<f32>;
var<workgroup> red: array<f32, ${WORKGROUP}>;
// The row's maximum as perform takes it: v > m, so NaN never wins and an all-NaN row gives -inf.
fn treeMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s && red[lid + s] > red[lid]) { red[lid] = red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn treeSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
// A label in [-k, k) as a column (negatives count from the end); -1 when out of range.
fn labelColumn(y: i32, k: u32) -> i32 {
  let ki = i32(k);
  if (y < -ki || y >= ki) { return -1; }
  if (y < 0) { return y + ki; }
  return y;
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params[0]) { return; }
  let lid = lid3.x;
  let k = params[1];
  let base = row * k;
  ${body}
}`;
}

/** The row max m and s = sum(exp(x - m)) of input `x` (declares m and s). */
const MAX_AND_SUM = (x: string) => `
  var m = -h_inf();
  for (var j = lid; j < k; j += ${WORKGROUP}u) { let v = ${x}[base + j]; if (v > m) { m = v; } }
  m = treeMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < k; j += ${WORKGROUP}u) { s += h_exp(${x}[base + j] - m); }
  s = treeSum(s, lid);`;

/** log(sum(exp(row))) as logSumExp computes it: an infinite max is the answer itself. */
const LOG_SUM_EXP = (x: string) => `${MAX_AND_SUM(x)}
  var lse = m;
  if (!h_isinf(m)) { lse = m + h_log(s); }`;

const SOURCES: Record<string, { inputs: [string, string][]; body: string }> = {
  softmax: {
    inputs: [['x', 'f32']],
    body: `${MAX_AND_SUM('x')}
  let inv = 1.0 / s;
  for (var j = lid; j < k; j += ${WORKGROUP}u) { out[base + j] = h_exp(x[base + j] - m) * inv; }`,
  },
  log_softmax: {
    inputs: [['x', 'f32']],
    body: `${LOG_SUM_EXP('x')}
  for (var j = lid; j < k; j += ${WORKGROUP}u) { out[base + j] = x[base + j] - lse; }`,
  },
  softmax_grad: {
    inputs: [['dy', 'f32'], ['y', 'f32']],
    body: `
  var s = 0.0;
  for (var j = lid; j < k; j += ${WORKGROUP}u) { s += dy[base + j] * y[base + j]; }
  s = treeSum(s, lid);
  for (var j = lid; j < k; j += ${WORKGROUP}u) { out[base + j] = y[base + j] * (dy[base + j] - s); }`,
  },
  softmax_crossentropy_with_labels: {
    inputs: [['z', 'f32'], ['labels', 'i32']],
    body: `${LOG_SUM_EXP('z')}
  if (lid == 0u) {
    let c = labelColumn(labels[row], k);
    if (c < 0) { out[row] = h_nan(); } else { out[row] = lse - z[base + u32(c)]; }
  }`,
  },
  softmax_crossentropy_grad: {
    inputs: [['g', 'f32'], ['z', 'f32'], ['labels', 'i32']],
    body: `${MAX_AND_SUM('z')}
  let inv = 1.0 / s;
  let c = labelColumn(labels[row], k);
  let gi = g[row];
  for (var j = lid; j < k; j += ${WORKGROUP}u) {
    var p = h_exp(z[base + j] - m) * inv;
    if (i32(j) == c) { p = p - 1.0; }
    if (c < 0) { p = h_nan(); }
    out[base + j] = p * gi;
  }`,
  },
  categorical_crossentropy_with_labels: {
    inputs: [['p', 'f32'], ['labels', 'i32']],
    body: `
  if (lid == 0u) {
    let c = labelColumn(labels[row], k);
    if (c < 0) { out[row] = h_nan(); } else { out[row] = -h_log(p[base + u32(c)]); }
  }`,
  },
  categorical_crossentropy_grad: {
    inputs: [['g', 'f32'], ['p', 'f32'], ['labels', 'i32']],
    body: `
  let c = labelColumn(labels[row], k);
  for (var j = lid; j < k; j += ${WORKGROUP}u) {
    var v = 0.0;
    if (i32(j) == c) { v = -g[row] / p[base + j]; }
    if (c < 0) { v = h_nan(); }
    out[base + j] = v;
  }`,
  },
};

/** Which input holds the rows, and the output shape from it. */
interface RowOp {
  rowsFrom: number;
  /** Output is one value per row rather than the rows' shape. */
  perRow: boolean;
  /** Run-time checks perform makes on the shapes. */
  check(ins: readonly GpuTensor[], rows: number, fail: (why: string) => never): void;
  /** The input holding class labels, checked against [-k, k) as perform does (index-checks.ts); the kernels also write NaN for a bad label. */
  labels?: number;
}

const sameSize = (a: number, b: number): RowOp['check'] => (ins, _rows, fail) => {
  if (ins[a]!.size !== ins[b]!.size) fail(`at run time the gradient has ${ins[a]!.size} elements but the output ${ins[b]!.size}`);
};
const labelled = (labels: number, grads?: number): RowOp['check'] => (ins, rows, fail) => {
  if (ins[labels]!.size !== rows) fail(`at run time there are ${rows} rows but ${ins[labels]!.size} labels`);
  if (grads !== undefined && ins[grads]!.size !== rows) fail(`at run time the loss gradient has ${ins[grads]!.size} entries for ${rows} rows`);
};

const ROW_OPS: Record<string, RowOp> = {
  softmax: { rowsFrom: 0, perRow: false, check: () => {} },
  log_softmax: { rowsFrom: 0, perRow: false, check: () => {} },
  softmax_grad: { rowsFrom: 1, perRow: false, check: sameSize(0, 1) },
  softmax_crossentropy_with_labels: { rowsFrom: 0, perRow: true, check: labelled(1), labels: 1 },
  softmax_crossentropy_grad: { rowsFrom: 1, perRow: false, check: labelled(2, 0), labels: 2 },
  categorical_crossentropy_with_labels: { rowsFrom: 0, perRow: true, check: labelled(1), labels: 1 },
  categorical_crossentropy_grad: { rowsFrom: 1, perRow: false, check: labelled(2, 0), labels: 2 },
};

function rowRoutine(name: keyof typeof ROW_OPS): (node: Apply) => Routine {
  const spec = ROW_OPS[name]!;
  return (node) => async (device, ctx) => {
    const src = SOURCES[name]!;
    const [pipe, checker] = await Promise.all([pipeline(device, rowSource(src.inputs, src.body)), spec.labels === undefined ? null : indexChecker(device)]);
    const fail = (why: string): never => { throw new HypatiaError(name, why, node.site); };
    const geometry = (ins: readonly GpuTensor[]) => {
      const shape = ins[spec.rowsFrom]!.shape;
      const k = shape[shape.length - 1]!;
      const rows = k === 0 ? 0 : ins[spec.rowsFrom]!.size / k;
      return { shape, k, rows: spec.perRow ? shape[0]! : rows };
    };
    return {
      node,
      describe: `${name} (one workgroup per row, tree max and sum)`,
      checksOnGpu: spec.labels !== undefined && !ctx.onHost(node.inputs[spec.labels]!),
      shapes: (ins) => {
        const { shape, rows } = geometry(ins);
        spec.check(ins, rows, fail);
        return [spec.perRow ? [shape[0]!] : [...shape]];
      },
      encode: (pass, ins, [o], ctx) => {
        const { k, rows } = geometry(ins);
        if (checker && spec.labels !== undefined) {
          checker.check(pass, ctx, ins[spec.labels]!, k, (y, row) => new HypatiaError(name, `label ${y} at row ${row} is out of range for ${k} classes`, node.site));
        }
        const params = ctx.params(Uint32Array.from([rows, k]));
        dispatch1d(ctx.device, pass, pipe, [params, ...ins.map((t) => t.buffer), o!.buffer], k === 0 && !spec.perRow ? 0 : rows);
      },
    };
  };
}

ROUTINES
  .set(Softmax, rowRoutine('softmax'))
  .set(LogSoftmax, rowRoutine('log_softmax'))
  .set(SoftmaxGrad, rowRoutine('softmax_grad'))
  .set(SoftmaxCrossentropyWithLabels, rowRoutine('softmax_crossentropy_with_labels'))
  .set(SoftmaxCrossentropyGrad, rowRoutine('softmax_crossentropy_grad'))
  .set(CategoricalCrossentropyWithLabels, rowRoutine('categorical_crossentropy_with_labels'))
  .set(CategoricalCrossentropyGrad, rowRoutine('categorical_crossentropy_grad'));
