import { HypatiaError, NDArray, shapeSize, type DType } from '@hypatia/core';
import { Scan, initialRowShape, scanSchedule, stepShapeError, noFinalValueError } from '@hypatia/ops/backend';
import { family, type NativeStep } from '../step-family.js';
import { InnerRun, copyElements, copyKernel, innerHostOps, planInner, type InnerProgram } from './inner-program.js';

interface ScanStep extends NativeStep { op: Scan; body: InnerProgram; copies: ReadonlyMap<DType, number> }

/**
 * A Scan runs as one loop. Its body's nodes are planned like the function's own (their kernels in
 * the same addon) and each output lives in one buffer laid out by the loop's schedule
 * (scan-schedule.ts in the ops package): the initial state's rows, then a row per step (a ring when
 * only the final value is returned). On the JS path each step runs the body's steps on rows of
 * the sequences and buffers and copies each output into its row; the recorder keeps step 0 as the
 * body of one LOOP instruction, so a replay runs every step in the same native call, placing the
 * rows again at each step and stopping on `until`'s condition in C.
 */
export const scanLoop = family<ScanStep>({
  kind: 'loop',
  output: 'kernel',
  plan(node, kernels) {
    const op = node.op;
    if (!(op instanceof Scan)) return null;
    const dtypes = new Set<DType>(op.body.outputs.map((o) => o.dtype));
    return { node, op, body: planInner(op.body, kernels), copies: new Map([...dtypes].map((d) => [d, copyKernel(kernels, d)])) };
  },
  run(s, ins, ctx) {
    const { op, node } = s;
    const { info, layout, body } = op;
    if (info.hasNSteps) ctx.same([ins[0]!]);
    const schedule = scanSchedule(info, node, ins.map((a) => a.shape), info.hasNSteps ? ins[0]!.item() : undefined);
    const rowShapes = schedule.buffers.map((b) => (b.initialInput >= 0 ? initialRowShape(b, ins[b.initialInput]!.shape) : null));
    const buffers: (NDArray | null)[] = schedule.buffers.map(() => null);
    const finals: (NDArray | null)[] = schedule.buffers.map(() => null);
    const copy = (dtype: DType) => s.copies.get(dtype)!;
    // An output's buffer (the stacked output's own allocation, else scratch for a ring) and its final value.
    const open = (i: number, shape: number[]) => {
      const b = schedule.buffers[i]!;
      const o = info.outputs[i]!;
      const dtype = body.outputs[i]!.dtype;
      const n = shapeSize(shape);
      buffers[i] = o.stacked
        ? ctx.allocate(node, dtype, [b.rows, ...shape], layout.stacked(i))
        : new NDArray(dtype, [b.rows, ...shape], ctx.scratch(dtype, b.rows * n));
      if (o.final) finals[i] = ctx.allocate(node, dtype, shape, layout.final(i));
      if (b.initialInput >= 0) {
        const init = ins[b.initialInput]!;
        copyElements(ctx, copy(dtype), init.data, buffers[i]!.data, b.initialRows * n);
        // After 0 steps the final value is the initial state's last row.
        if (o.final) copyElements(ctx, copy(dtype), init.data.subarray((b.initialRows - 1) * n), finals[i]!.data, n);
      }
    };
    rowShapes.forEach((shape, i) => { if (shape) open(i, shape); });
    const count = info.until ? ctx.allocate(node, 'int32', [], layout.count) : undefined;
    const run = new InnerRun(s.body);

    ctx.loop(schedule.steps, (c, t) => {
      const inputs = new Array<NDArray>(layout.nInnerInputs);
      for (const r of schedule.sequenceReads) {
        const x = ins[r.input]!;
        const shape = x.shape.slice(1);
        inputs[r.inner] = new NDArray(x.dtype, shape, c.row(x.data, shapeSize(shape), r.row, t));
      }
      for (const r of schedule.tapReads) {
        const buf = buffers[r.output]!;
        inputs[r.inner] = new NDArray(buf.dtype, rowShapes[r.output]!, c.row(buf.data, shapeSize(rowShapes[r.output]!), r.row, t));
      }
      for (const r of schedule.wholeReads) inputs[r.inner] = ins[r.input]!;
      const outs = run.run(inputs, c);
      schedule.buffers.forEach((b, i) => {
        const v = outs[i]!;
        const shape = rowShapes[i];
        if (!shape) {
          rowShapes[i] = [...v.shape];
          open(i, rowShapes[i]!);
        } else if (!sameShape(v.shape, shape)) {
          throw stepShapeError(node, b, i, t, v.shape, shape);
        }
        const n = shapeSize(rowShapes[i]!);
        const k = copy(v.dtype);
        copyElements(c, k, v.data, c.row(buffers[i]!.data, n, b.write, t), n);
        if (finals[i]) copyElements(c, k, v.data, finals[i]!.data, n);
      });
      return info.until ? outs[layout.innerCondition]! : null;
    }, count);

    return schedule.buffers.flatMap((b, i) => {
      const o = info.outputs[i]!;
      const dtype = body.outputs[i]!.dtype;
      const shape = rowShapes[i] ?? body.outputs[i]!.type.shape.map((d) => d ?? 0);
      const n = shapeSize(shape);
      const results: NDArray[] = [];
      if (o.stacked) {
        // A loop that never ran a step still returns its stacked steps: none.
        const buf = buffers[i] ?? ctx.allocate(node, dtype, [0, ...shape], layout.stacked(i));
        results.push(b.initialRows ? new NDArray(dtype, [schedule.steps, ...shape], ctx.view(buf.data, b.initialRows * n, schedule.steps * n)) : buf);
      }
      if (o.final) {
        if (!finals[i]) throw noFinalValueError(node, i);
        results.push(finals[i]!);
      }
      return results;
    }).concat(count ? [count] : []);
  },
  note: (s) => {
    const host = innerHostOps(s.body);
    return `(body: ${s.body.steps.length} nodes run as one loop in the replayed plan${host.length ? `; host ops ${host.join(', ')} keep it on the JS path` : ''})`;
  },
});

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
