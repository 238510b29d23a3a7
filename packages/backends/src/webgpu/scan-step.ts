/// <reference types="@webgpu/types" />
import { HypatiaError, NDArray, shapeSize, type Variable } from '@hypatia/core';
import { Scan, initialRowShape, rowAt, scanSchedule, stepShapeError, type ScanSchedule } from '@hypatia/ops/backend';
import type { GpuTensor } from './buffers.js';
import { ROUTINES, pipeline, unsupported, type Step } from './lowering.js';
import { RowCopies, encodeInner, innerShapes, lowerInner, uploadWords } from './inner-steps.js';
import { IndirectPass, dispatchGate, gateKernel } from './loop-gate.js';
import { kernelToWGSL } from './wgsl-printer.js';

/**
 * A Scan's steps are encoded one after the other into the call's one compute pass, so the whole
 * loop is one submission. Its body is lowered like the function's nodes, once; each output lives in
 * a buffer laid out by the loop's schedule (scan-schedule.ts in the ops package), and at step t
 * the rows each inner input reads are copied into its buffer and each output copied into its row
 * (copy kernels with the rows' offsets as parameters). The body's own buffers are reused by every
 * step. A loop with `until` stops on the GPU (loop-gate.ts) and its steps run are read back once.
 */
ROUTINES.set(Scan, (node, op) => async (device, ctx) => {
  const { info, layout, body } = op;
  if (info.hasNSteps && !ctx.onHost(node.inputs[0]!)) {
    unsupported(node, `its number of steps (${node.inputs[0]}) is computed on the GPU; it must come from inputs, constants or shapes`);
  }
  // Rows of sequences given on the host are known there at every step.
  const known = new Set<Variable>();
  info.sequences.forEach((s, j) => {
    if (ctx.onHost(node.inputs[layout.sequence(j)]!)) s.taps.forEach((_, q) => known.add(body.inputs[layout.innerSequence(j, q)]!));
  });
  for (let k = 0; k < info.nonSequences; k++) if (ctx.onHost(node.inputs[layout.nonSequence(k)]!)) known.add(body.inputs[layout.innerNonSequence(k)]!);
  const [inner, copies, gate] = await Promise.all([
    lowerInner(node, device, body, known),
    RowCopies.create(device, [...body.outputs.map((o) => o.dtype), ...body.inputs.map((v) => v.dtype), 'int32']),
    info.until ? pipeline(device, kernelToWGSL(gateKernel(body.outputs[layout.innerCondition]!.dtype)).code) : Promise.resolve(null),
  ]);
  let argsBuffer: GPUBuffer | null = null;
  const argsOf = (bytes: number) => {
    if (!argsBuffer || argsBuffer.size < bytes) {
      argsBuffer?.destroy();
      argsBuffer = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.INDIRECT | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    }
    return argsBuffer;
  };

  const plan = (ins: readonly GpuTensor[]) => {
    const schedule = scanSchedule(info, node, ins.map((t) => t.shape), info.hasNSteps ? ins[0]!.host!.item() : undefined);
    const rowShapes = schedule.buffers.map((b) => (b.initialInput >= 0 ? initialRowShape(b, ins[b.initialInput]!.shape) : null));
    if (rowShapes.some((s) => !s)) {
      // The shapes of outputs that do not feed back, from the body's shapes at step 0.
      const shapes = innerShapes(inner, innerInputs(op, schedule, ins, rowShapes, 0, null));
      rowShapes.forEach((s, i) => { if (!s) rowShapes[i] = schedule.steps ? shapes[i]! : body.outputs[i]!.type.shape.map((d) => d ?? 0); });
    }
    return { schedule, rowShapes: rowShapes as number[][] };
  };

  const step: Step = {
    node,
    describe: `${op.toString()} (one loop in the call's submission: ${inner.steps.length} body steps a step${info.until ? ', stopped on the GPU' : ''})`,
    shapes: (ins) => {
      const { schedule, rowShapes } = plan(ins);
      return schedule.buffers.flatMap((_, i) => {
        const o = info.outputs[i]!;
        return [...(o.stacked ? [[schedule.steps, ...rowShapes[i]!]] : []), ...(o.final ? [rowShapes[i]!] : [])];
      }).concat(info.until ? [[]] : []);
    },
    hostOutputs: info.until ? [layout.count] : undefined,
    encode(pass, ins, outs, ectx) {
      const { schedule, rowShapes } = plan(ins);
      const n = rowShapes.map(shapeSize);
      const dtypes = body.outputs.map((o) => o.dtype);
      // Each output's buffer: the stacked output itself when it has no initial rows, else scratch.
      const buffers = schedule.buffers.map((b, i) => {
        const o = info.outputs[i]!;
        if (o.stacked && !b.initialRows) return outs[layout.stacked(i)]!.buffer;
        return ectx.scratch(Math.max(4, b.rows * n[i]! * 4));
      });
      schedule.buffers.forEach((b, i) => {
        if (b.initialInput < 0) return;
        const init = ins[b.initialInput]!;
        copies.copy(pass, ectx, dtypes[i]!, init.buffer, 0, buffers[i]!, 0, b.initialRows * n[i]!);
        // After 0 steps the final value is the initial state's last row.
        if (info.outputs[i]!.final) copies.copy(pass, ectx, dtypes[i]!, init.buffer, (b.initialRows - 1) * n[i]!, outs[layout.final(i)]!.buffer, 0, n[i]!);
      });

      // Each inner input read from rows gets a buffer of its own; the body's buffers are kept across steps.
      const rowBuffers = new Map<number, GPUBuffer>();
      const memory = new Map<Step, GpuTensor[]>();
      const upload = (a: NDArray) => uploadWords(ectx, a);
      let gated: { state: GPUBuffer; args: GPUBuffer; counts: Uint32Array; perStep: number } | null = null;
      for (let t = 0; t < schedule.steps; t++) {
        // With until, step 0 is counted (it sizes the others' arguments) and steps after it dispatch indirectly.
        const counting: IndirectPass | null = info.until ? new IndirectPass(pass, gated?.args ?? null, gated?.counts ?? null, gated ? 3 * (t - 1) * gated.perStep : 0) : null;
        const p = counting ? counting.asPass() : pass;
        const rowTensor = (inner: number, src: GPUBuffer, shape: number[], row: number, host?: NDArray): GpuTensor => {
          const size = shapeSize(shape);
          const dtype = body.inputs[inner]!.dtype;
          let buf = rowBuffers.get(inner);
          if (!buf) { buf = ectx.scratch(Math.max(4, size * 4)); rowBuffers.set(inner, buf); }
          copies.copy(p, ectx, dtype, src, row * size, buf, 0, size);
          return { buffer: buf, dtype, shape, size, ...(host ? { host } : {}) };
        };
        const inputs = innerInputs(op, schedule, ins, rowShapes, t, { buffers, rowTensor }) as GpuTensor[];
        const values = encodeInner(inner, p, inputs, ectx, memory, upload);
        schedule.buffers.forEach((b, i) => {
          const v = values[i]!;
          if (!sameShape(v.shape, rowShapes[i]!)) {
            throw stepShapeError(node, b, i, t, v.shape, rowShapes[i]!);
          }
          copies.copy(p, ectx, dtypes[i]!, v.buffer, 0, buffers[i]!, rowAt(b.write, t) * n[i]!, n[i]!);
          if (info.outputs[i]!.final) copies.copy(p, ectx, dtypes[i]!, v.buffer, 0, outs[layout.final(i)]!.buffer, 0, n[i]!);
        });
        if (!counting) continue;
        if (!gated) {
          const perStep: number = counting.dispatched;
          // Three words per dispatch of steps 1.., then a spare triple the last gate writes.
          const counts: Uint32Array = new Uint32Array(3 * perStep * Math.max(0, schedule.steps - 1) + 3);
          gated = { state: ectx.scratch(16), args: argsOf(counts.byteLength), counts, perStep };
          device.queue.writeBuffer(gated.state, 0, new Int32Array(4));
        } else if (counting.dispatched !== gated.perStep) {
          throw new HypatiaError('scan', `step ${t} dispatched ${counting.dispatched} kernels but step 0 dispatched ${gated.perStep}; a loop's steps must run the same kernels`, node.site);
        }
        const m = t < schedule.steps - 1 ? 3 * gated.perStep : 0;
        dispatchGate(pass, ectx, gate!, { cond: values[layout.innerCondition]!.buffer, state: gated.state, args: gated.args }, t, m, 3 * t * gated.perStep, gated.counts.length - 3);
      }
      if (info.until) {
        // The arguments start as the counts the steps asked for (written before the submission runs).
        if (gated) device.queue.writeBuffer(gated.args, 0, gated.counts.buffer, 0, gated.counts.byteLength);
        else device.queue.writeBuffer(outs[layout.count]!.buffer, 0, new Int32Array(1));
        if (gated) copies.copy(pass, ectx, 'int32', gated.state, 1, outs[layout.count]!.buffer, 0, 1);
      }
      schedule.buffers.forEach((b, i) => {
        if (info.outputs[i]!.stacked && b.initialRows) copies.copy(pass, ectx, dtypes[i]!, buffers[i]!, b.initialRows * n[i]!, outs[layout.stacked(i)]!.buffer, 0, schedule.steps * n[i]!);
      });
    },
  };
  return step;
});

/** The body's inputs at step t; `rows` makes the row tensors (null: their shapes and host values only). */
function innerInputs(
  op: Scan, schedule: ScanSchedule, ins: readonly GpuTensor[], rowShapes: readonly (number[] | null)[], t: number,
  rows: { buffers: readonly GPUBuffer[]; rowTensor: (inner: number, src: GPUBuffer, shape: number[], row: number, host?: NDArray) => GpuTensor } | null,
): Pick<GpuTensor, 'shape' | 'dtype' | 'host'>[] {
  const inputs: Pick<GpuTensor, 'shape' | 'dtype' | 'host'>[] = [];
  for (const r of schedule.sequenceReads) {
    const x = ins[r.input]!;
    const shape = x.shape.slice(1);
    const row = rowAt(r.row, t);
    const size = shapeSize(shape);
    const host = x.host ? new NDArray(x.dtype, shape, x.host.data.subarray(row * size, (row + 1) * size)) : undefined;
    inputs[r.inner] = rows ? rows.rowTensor(r.inner, x.buffer, shape, row, host) : { shape, dtype: x.dtype, ...(host ? { host } : {}) };
  }
  for (const r of schedule.tapReads) {
    const shape = rowShapes[r.output]!;
    inputs[r.inner] = rows ? rows.rowTensor(r.inner, rows.buffers[r.output]!, shape, rowAt(r.row, t)) : { shape, dtype: op.body.inputs[r.inner]!.dtype };
  }
  for (const r of schedule.wholeReads) inputs[r.inner] = ins[r.input]!;
  return inputs;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
