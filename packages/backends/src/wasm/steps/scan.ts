import { HypatiaError, shapeSize, type DType } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import { Scan, initialRowShape, initialRows, scanSchedule, stepShapeError, noFinalValueError } from '@hypatia/ops/backend';
import { BYTES } from '../linear-memory.js';
import { regionKernel, sameKernel } from '../replay-checks.js';
import { loopInstruction } from '../routines/loop-wasm.js';
import { wasmFamily, type WasmStep, type WasmTensor } from '../wasm-step.js';
import { InnerRun, copyElements, copyFunction, planInner, type InnerProgram } from './inner-program.js';

interface ScanStep extends WasmStep {
  op: Scan;
  body: InnerProgram;
  /** The plan instruction of the loop (its stop condition's dtype). */
  loop: number;
  /** The check that a replay's number of steps is the recorded one. */
  same: number | null;
  copies: ReadonlyMap<DType, number>;
  /** By a stacked output's initial rows: the region kernel placing the view of its rows after them. */
  after: ReadonlyMap<number, { indices: AxisIndex[]; kernel: number }>;
}

/**
 * A Scan runs as one loop in the module. Its body's nodes are planned like the function's own
 * (their kernels in the same module) and each output lives in one buffer laid out by the loop's
 * schedule (scan-schedule.ts in the ops package): the initial state's rows, then a row per step
 * (a ring when only the final value is returned). On the JS path each step runs the body's steps
 * on rows of the sequences and buffers and copies each output into its row; the recorder keeps
 * step 0 as the body of the loop, which a replay runs at every step through the plan
 * interpreter's loop instruction (routines/loop-wasm.ts), placing the rows again and testing
 * `until` in WebAssembly. A body
 * holding a node without a step (a user op) leaves the whole Scan to its JS perform.
 */
export const scanLoop = wasmFamily<ScanStep>({
  kind: 'loop',
  output: 'kernel',
  plan(node, table) {
    const op = node.op;
    if (!(op instanceof Scan)) return null;
    const body = planInner(op.body, table);
    if (!body) return null;
    const { info, layout } = op;
    const dtypes = new Set<DType>(op.body.outputs.map((o) => o.dtype));
    const after = new Map<number, { indices: AxisIndex[]; kernel: number }>();
    for (const o of info.outputs) {
      const rows = initialRows(o);
      if (!o.stacked || !rows || after.has(rows)) continue;
      const indices: AxisIndex[] = [{ kind: 'slice', start: rows, stop: null, step: null }];
      after.set(rows, { indices, kernel: table.kernel(regionKernel(indices, 2, 0, true)) });
    }
    const stop = info.until ? op.body.outputs[layout.innerCondition]!.dtype : null;
    const same = info.hasNSteps ? table.kernel(sameKernel(node.inputs[0]!.dtype)) : null;
    return { node, op, body, loop: loopInstruction(stop), same, copies: new Map([...dtypes].map((d) => [d, copyFunction(table, d)])), after };
  },
  run(s, ins, ctx) {
    const { op, node } = s;
    const { info, layout, body } = op;
    if (s.same !== null) ctx.same([ins[0]!], [s.same]);
    const steps = info.hasNSteps ? ctx.value(ins[0]!).item() : undefined;
    const schedule = scanSchedule(info, node, ins.map((a) => a.shape), steps);
    const rowShapes = schedule.buffers.map((b) => (b.initialInput >= 0 ? initialRowShape(b, ins[b.initialInput]!.shape) : null));
    const buffers: (WasmTensor | null)[] = schedule.buffers.map(() => null);
    const finals: (WasmTensor | null)[] = schedule.buffers.map(() => null);
    const copy = (dtype: DType) => s.copies.get(dtype)!;
    // An output's buffer (the stacked output's own allocation, else scratch for a ring) and its final value.
    const open = (i: number, shape: number[]) => {
      const b = schedule.buffers[i]!;
      const o = info.outputs[i]!;
      const dtype = body.outputs[i]!.dtype;
      const n = shapeSize(shape);
      buffers[i] = o.stacked
        ? ctx.allocate(node, dtype, [b.rows, ...shape], layout.stacked(i))
        : { dtype, shape: [b.rows, ...shape], block: ctx.scratch(dtype, Math.max(1, b.rows * n)) };
      if (o.final) finals[i] = ctx.allocate(node, dtype, shape, layout.final(i));
      if (b.initialInput >= 0) {
        const init = ins[b.initialInput]!;
        copyElements(ctx, copy(dtype), init.block, buffers[i]!.block, b.initialRows * n);
        // After 0 steps the final value is the initial state's last row.
        if (o.final) copyElements(ctx, copy(dtype), init.block, finals[i]!.block, n, (b.initialRows - 1) * n);
      }
    };
    rowShapes.forEach((shape, i) => { if (shape) open(i, shape); });
    const count = info.until ? ctx.allocate(node, 'int32', [], layout.count) : undefined;
    const run = new InnerRun(s.body, node);

    ctx.loop(s.loop, schedule.steps, (c, t) => {
      const inputs = new Array<WasmTensor>(layout.nInnerInputs);
      for (const r of schedule.sequenceReads) {
        const x = ins[r.input]!;
        const shape = x.shape.slice(1);
        inputs[r.inner] = { dtype: x.dtype, shape, block: c.row(x.block, shapeSize(shape) * BYTES[x.dtype], r.row, t) };
      }
      for (const r of schedule.tapReads) {
        const buf = buffers[r.output]!;
        const shape = rowShapes[r.output]!;
        inputs[r.inner] = { dtype: buf.dtype, shape, block: c.row(buf.block, shapeSize(shape) * BYTES[buf.dtype], r.row, t) };
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
        copyElements(c, k, v.block, c.row(buffers[i]!.block, n * BYTES[v.dtype], b.write, t), n);
        if (finals[i]) copyElements(c, k, v.block, finals[i]!.block, n);
      });
      return info.until ? outs[layout.innerCondition]! : null;
    }, count);

    return schedule.buffers.flatMap((b, i) => {
      const o = info.outputs[i]!;
      const dtype = body.outputs[i]!.dtype;
      const shape = rowShapes[i] ?? body.outputs[i]!.type.shape.map((d) => d ?? 0);
      const n = shapeSize(shape);
      const results: WasmTensor[] = [];
      if (o.stacked) {
        // A loop that never ran a step still returns its stacked steps: none.
        const buf = buffers[i] ?? ctx.allocate(node, dtype, [0, ...shape], layout.stacked(i));
        if (b.initialRows) {
          const after = s.after.get(b.initialRows)!;
          const { block } = ctx.region(node, after.indices, { dtype, shape: [b.rows, n], block: buf.block }, [], after.kernel, true);
          results.push({ dtype, shape: [schedule.steps, ...shape], block: block! });
        } else results.push(buf);
      }
      if (o.final) {
        if (!finals[i]) throw noFinalValueError(node, i);
        results.push(finals[i]!);
      }
      return results;
    }).concat(count ? [count] : []);
  },
  note: (s) => `(body: ${s.body.steps.length} nodes run as one loop in the module)`,
});

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
