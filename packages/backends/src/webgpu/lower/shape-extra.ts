import { HypatiaError, stridesOf, type Apply } from '@hypatia/core';
import { Concatenate, ConcatenatePart } from '@hypatia/ops';
import { ROUTINES, dispatch1d, pipeline } from '../lowering.js';
import { WORKGROUP } from '../kernels.js';
import type { GpuTensor } from '../buffers.js';
import { gatherSource, scatterRegionSource } from './strided-kernels.js';

const groups = (n: number) => Math.ceil(n / WORKGROUP);

function joinedShape(node: Apply, xs: readonly GpuTensor[], axis: number): number[] {
  const shape = [...xs[0]!.shape];
  xs.forEach((x, i) => {
    if (i === 0) return;
    if (x.shape.some((d, k) => k !== axis && d !== shape[k])) {
      throw new HypatiaError('concatenate', `at run time tensor ${i} has shape [${x.shape.join(', ')}] but tensor 0 has [${xs[0]!.shape.join(', ')}]; only axis ${axis} may differ`, node.site);
    }
    shape[axis] = shape[axis]! + x.shape[axis]!;
  });
  return shape;
}

// concatenate: each input is written into its block of the output, one strided write per input.
ROUTINES.set(Concatenate, (node, { axis }) => async (device) => {
  const out = node.outputs[0]!;
  const pipe = await pipeline(device, scatterRegionSource(out.dtype, out.ndim, 'set'));
  return {
    node,
    describe: `concatenate on axis ${axis} (${node.inputs.length} strided writes)`,
    shapes: (xs) => [joinedShape(node, xs, axis)],
    encode: (pass, xs, [o], ctx) => {
      const os = stridesOf(o!.shape);
      let start = 0;
      for (const x of xs) {
        const params = ctx.params(Uint32Array.from([x.size, start * os[axis]!, ...x.shape, ...os, ...stridesOf(x.shape)]));
        dispatch1d(ctx.device, pass, pipe, [params, x.buffer, o!.buffer], groups(x.size));
        start += x.shape[axis]!;
      }
    },
  };
});

// concatenate_part (the gradient of concatenate): the part-th block of g, one strided copy.
ROUTINES.set(ConcatenatePart, (node, { axis, part }) => async (device) => {
  const out = node.outputs[0]!;
  const pipe = await pipeline(device, gatherSource(out.dtype, out.ndim));
  const block = ([g, ...xs]: readonly GpuTensor[]) => ({
    shape: g!.shape.map((d, k) => (k === axis ? xs[part]!.shape[k]! : d)),
    offset: xs.slice(0, part).reduce((s, x) => s + x.shape[axis]!, 0),
  });
  return {
    node,
    describe: `concatenate_part ${part} on axis ${axis} (strided copy)`,
    shapes: (ins) => [block(ins).shape],
    encode: (pass, ins, [o], ctx) => {
      const g = ins[0]!;
      const gs = stridesOf(g.shape);
      const params = ctx.params(Uint32Array.from([o!.size, block(ins).offset * gs[axis]!, ...o!.shape, ...gs]));
      dispatch1d(ctx.device, pass, pipe, [params, g.buffer, o!.buffer], groups(o!.size));
    },
  };
});
