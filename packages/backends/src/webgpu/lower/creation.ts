import { HypatiaError, type DType } from '@hypatia/core';
import { ARange, Eye } from '@hypatia/ops';
import { arangeLength } from '@hypatia/ops/backend';
import { ROUTINES, dispatch1d, pipeline, unsupported } from '../lowering.js';
import { WORKGROUP } from '../kernels.js';
import { storageType } from '../wgsl-scalar.js';

// arange and eye with run-time bounds: the lengths come from host values (host-eval.ts), the
// elements from a kernel, so the result is born on the GPU.

const HEAD = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;`;

/** out[i] = start + i*step, computed in the output type (f32 or i32). params: [n, start bits, step bits]. */
function arangeSource(dtype: DType): string {
  const t = storageType(dtype);
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
${HEAD}
  if (i >= params[0]) { return; }
  out[i] = bitcast<${t}>(params[1]) + ${t}(i) * bitcast<${t}>(params[2]);
}`;
}

/** Ones where col = row + k. params: [n, cols, k as i32 bits]. */
function eyeSource(dtype: DType): string {
  const t = storageType(dtype);
  return `
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<${t}>;
${HEAD}
  if (i >= params[0]) { return; }
  let row = i32(i / params[1]);
  let col = i32(i % params[1]);
  out[i] = select(${t}(0), ${t}(1), col == row + bitcast<i32>(params[2]));
}`;
}

function bits(v: number, dtype: DType): number {
  return dtype === 'float32' ? new Uint32Array(Float32Array.of(v).buffer)[0]! : new Uint32Array(Int32Array.of(v).buffer)[0]!;
}

ROUTINES.set(ARange, (node) => async (device, ctx) => {
  const out = node.outputs[0]!;
  if (!node.inputs.every((v) => ctx.onHost(v))) unsupported(node, 'its bounds are computed on the GPU; they must come from inputs, constants or shapes');
  if (out.dtype === 'bool') unsupported(node, 'a bool arange');
  const pipe = await pipeline(device, arangeSource(out.dtype));
  const bounds = (ins: readonly { host?: { item(): number } }[]) => {
    const [start, stop, step] = ins.map((t) => t.host!.item());
    if (step === 0 || ![start, stop, step].every(Number.isFinite)) {
      throw new HypatiaError('arange', `needs finite bounds and a non-zero step, got start ${start}, stop ${stop}, step ${step}`, node.site);
    }
    return { start: start!, step: step!, n: arangeLength(start!, stop!, step!) };
  };
  return {
    node,
    describe: 'arange (length from the host, elements from a kernel)',
    shapes: (ins) => [[bounds(ins).n]],
    encode: (pass, ins, [o], c) => {
      const { start, step, n } = bounds(ins);
      dispatch1d(c.device, pass, pipe, [c.params(Uint32Array.from([n, bits(start, out.dtype), bits(step, out.dtype)])), o!.buffer], Math.ceil(n / WORKGROUP));
    },
  };
});

ROUTINES.set(Eye, (node, { k }) => async (device, ctx) => {
  const out = node.outputs[0]!;
  if (!node.inputs.every((v) => ctx.onHost(v))) unsupported(node, 'its sizes are computed on the GPU; they must come from inputs, constants or shapes');
  const pipe = await pipeline(device, eyeSource(out.dtype));
  const dims = (ins: readonly { host?: { item(): number } }[]) => ins.map((t) => {
    const v = t.host!.item();
    if (!Number.isInteger(v) || v < 0) throw new HypatiaError('eye', `sizes must be non-negative integers, got ${v}`, node.site);
    return v;
  });
  return {
    node,
    describe: `eye k=${k} (sizes from the host)`,
    shapes: (ins) => [dims(ins)],
    encode: (pass, ins, [o], c) => {
      const [n, m] = dims(ins);
      dispatch1d(c.device, pass, pipe, [c.params(Uint32Array.from([n! * m!, m!, bits(k, 'int32')])), o!.buffer], Math.ceil((n! * m!) / WORKGROUP));
    },
  };
});
