import {
  HypatiaError, InnerGraph, NDArray, Op, ShapeError, TensorType, shapeSize,
  type Apply, type Dim, type GradResult, type Op as OpType, type Variable,
} from '@hypatia/core';
import { ScanLayout, initialIsState, isRecurrent, type ScanInfo } from './scan-info.js';
import { finalRow, initialRowShape, rowAt, scanSchedule, stepShapeError, noFinalValueError, type ScanSchedule } from './scan-schedule.js';
import { scanGrad } from './scan-grad.js';

/**
 * Theano's Scan: a loop whose body is a graph of its own (an InnerGraph), run once per step over
 * rows of its sequences, feeding outputs back through their taps. `scan()` (scan.ts) builds it
 * from a user's function; scan-info.ts lays out its inputs and outputs, and scan-schedule.ts is
 * the one statement of which rows each step reads and writes, which the reference semantics below
 * and every backend follow. Its gradient is another Scan (back-propagation through time,
 * scan-grad.ts). It has no kernels of its own: each backend runs its body's kernels in a loop.
 */
export class Scan extends Op {
  readonly name = 'scan';
  readonly layout: ScanLayout;
  static override readonly props = ['info', 'bodyKey'];

  constructor(readonly info: ScanInfo, readonly body: InnerGraph) {
    super();
    this.layout = new ScanLayout(info);
    const want = this.layout.nInnerInputs;
    if (body.inputs.length !== want) throw new HypatiaError('scan', `its body takes ${body.inputs.length} inputs but its layout has ${want}`);
    const outs = info.outputs.length + (info.until ? 1 : 0);
    if (body.outputs.length !== outs) throw new HypatiaError('scan', `its body gives ${body.outputs.length} outputs but its layout has ${outs}`);
  }

  /** The body, as part of the op's identity (two scans with equal bodies and info are one op). */
  get bodyKey(): string {
    return this.body.key();
  }

  get innerGraphs(): readonly InnerGraph[] {
    return [this.body];
  }

  withInnerGraphs([body]: readonly InnerGraph[]): OpType {
    return new Scan(this.info, body!);
  }

  /** The same loop with other info (which outputs are returned): the body is shared. */
  withInfo(info: ScanInfo, body: InnerGraph = this.body): Scan {
    return new Scan(info, body);
  }

  override toString(): string {
    const { info } = this;
    const outs = info.outputs.map((o) => `${o.taps.length ? `taps [${o.taps.join(',')}]` : 'no feedback'}${o.stacked ? ' stacked' : ''}${o.final ? ' final' : ''}`);
    const flags = [info.goBackwards ? 'backwards' : '', info.until ? 'until' : '', info.truncateGradient >= 0 ? `truncate ${info.truncateGradient}` : ''].filter(Boolean);
    return `scan{sequences=${info.sequences.length}, outputs=[${outs.join('; ')}], nonSequences=${info.nonSequences}${flags.length ? `, ${flags.join(', ')}` : ''}, body=${this.body.nodes.length} nodes}`;
  }

  inferTypes(ts: readonly TensorType[]): TensorType[] {
    const { info, layout, body } = this;
    if (ts.length !== layout.nOuterInputs) throw new ShapeError(`takes ${layout.nOuterInputs} inputs, got ${ts.length}`);
    if (info.hasNSteps) {
      const n = ts[0]!;
      if (n.ndim !== 0 || n.dtype !== 'int32') throw new ShapeError(`nSteps must be an int32 scalar, not ${n}`);
    }
    info.sequences.forEach((s, j) => {
      const t = ts[layout.sequence(j)]!;
      if (t.ndim < 1) throw new ShapeError(`sequence ${j} is ${t}; a sequence needs an axis 0 to step along`);
      s.taps.forEach((_, q) => {
        const why = body.inputs[layout.innerSequence(j, q)]!.type.mismatch(rowType(t));
        if (why) throw new ShapeError(`sequence ${j} has rows of ${rowType(t)}, but the body reads ${body.inputs[layout.innerSequence(j, q)]!.type}: ${why}`);
      });
    });
    for (const i of layout.recurrent) {
      const o = info.outputs[i]!;
      const init = ts[layout.initial(i)]!;
      const state = initialIsState(o) ? init : init.ndim ? rowType(init) : null;
      const placeholder = body.inputs[layout.innerTap(i, 0)]!.type;
      const why = state ? placeholder.mismatch(state) : 'it has no axis 0 to hold its rows';
      if (why) throw new ShapeError(`output ${i}'s initial state is ${init}, but the body reads its taps as ${placeholder}: ${why}`);
    }
    for (let k = 0; k < info.nonSequences; k++) {
      const t = ts[layout.nonSequence(k)]!;
      const want = body.inputs[layout.innerNonSequence(k)]!.type;
      const why = want.mismatch(t);
      if (why) throw new ShapeError(`non-sequence ${k} is ${t}, but the body reads it as ${want}: ${why}`);
    }
    if (info.until) {
      const c = body.outputs[layout.innerCondition]!.type;
      if (c.ndim !== 0) throw new ShapeError(`the stop condition must be a scalar, not ${c}`);
    }
    const out: TensorType[] = [];
    info.outputs.forEach((o, i) => {
      const value = body.outputs[i]!.type;
      let state = value;
      if (isRecurrent(o)) {
        const tap = body.inputs[layout.innerTap(i, 0)]!.type;
        const why = tap.mismatch(value);
        if (why) throw new ShapeError(`the body's output ${i} is ${value}, but it is fed back as ${tap}: ${why} (a state keeps its type from step to step)`);
        state = new TensorType(value.dtype, joinShapes(tap.shape, value.shape));
      }
      if (o.stacked) out.push(new TensorType(state.dtype, [null, ...state.shape]));
      if (o.final) out.push(state);
    });
    if (info.until) out.push(new TensorType('int32', []));
    return out;
  }

  perform(ins: readonly NDArray[], node: Apply): NDArray[] {
    const { info, layout, body } = this;
    const schedule = scanSchedule(info, node, ins.map((a) => a.shape), info.hasNSteps ? ins[0]!.item() : undefined);
    const rowShapes: (number[] | null)[] = schedule.buffers.map((b) => (b.initialInput >= 0 ? initialRowShape(b, ins[b.initialInput]!.shape) : null));
    const buffers: (NDArray | null)[] = schedule.buffers.map((b, i) => {
      const shape = rowShapes[i];
      if (!shape) return null;
      const buf = NDArray.zeros(body.outputs[i]!.dtype, [b.rows, ...shape]);
      buf.data.set(ins[b.initialInput]!.data, 0);
      return buf;
    });
    let count = schedule.steps;
    for (let t = 0; t < schedule.steps; t++) {
      const values = innerValues(schedule, t, ins, buffers, rowShapes, layout.nInnerInputs);
      const outs = body.evaluate(values);
      schedule.buffers.forEach((b, i) => {
        const v = outs[i]!;
        const shape = rowShapes[i];
        if (!shape) {
          rowShapes[i] = [...v.shape];
          buffers[i] = NDArray.zeros(v.dtype, [b.rows, ...v.shape]);
        } else if (v.shape.length !== shape.length || v.shape.some((d, a) => d !== shape[a])) {
          throw stepShapeError(node, b, i, t, v.shape, shape);
        }
        const n = shapeSize(rowShapes[i]!);
        buffers[i]!.data.set(v.data, rowAt(b.write, t) * n);
      });
      if (info.until && Boolean(outs[layout.innerCondition]!.data[0])) {
        count = t + 1;
        break;
      }
    }
    const results: NDArray[] = [];
    schedule.buffers.forEach((b, i) => {
      const o = info.outputs[i]!;
      const shape = rowShapes[i] ?? emptyRowShape(body.outputs[i]!.type.shape);
      const n = shapeSize(shape);
      const buf = buffers[i];
      if (o.stacked) {
        const out = NDArray.zeros(body.outputs[i]!.dtype, [schedule.steps, ...shape]);
        if (buf) out.data.set(buf.data.subarray(b.stackedFrom * n, (b.stackedFrom + count) * n));
        results.push(out);
      }
      if (o.final) {
        if (!buf || count === 0 && b.initialInput < 0) throw noFinalValueError(node, i);
        const r = finalRow(b, count);
        results.push(new NDArray(buf.dtype, shape, buf.data.slice(r * n, (r + 1) * n)));
      }
    });
    if (info.until) results.push(NDArray.from(count, 'int32'));
    return results;
  }

  override grad(inputs: readonly Variable[], outputs: readonly Variable[], gOutputs: readonly Variable[]): GradResult[] {
    return scanGrad(this, inputs, outputs, gOutputs);
  }
}

/** The body's input values at step t: rows of sequences and of the outputs' buffers, and whole non-sequences. */
function innerValues(s: ScanSchedule, t: number, ins: readonly NDArray[], buffers: readonly (NDArray | null)[], rowShapes: readonly (number[] | null)[], n: number): NDArray[] {
  const values = new Array<NDArray>(n);
  for (const r of s.sequenceReads) values[r.inner] = rowOf(ins[r.input]!, rowAt(r.row, t), ins[r.input]!.shape.slice(1));
  for (const r of s.tapReads) values[r.inner] = rowOf(buffers[r.output]!, rowAt(r.row, t), rowShapes[r.output]!);
  for (const r of s.wholeReads) values[r.inner] = ins[r.input]!;
  return values;
}

function rowOf(a: NDArray, r: number, shape: number[]): NDArray {
  const n = shapeSize(shape);
  return new NDArray(a.dtype, shape, a.data.subarray(r * n, (r + 1) * n));
}

/** A row of an output that never ran: its static shape, unknown lengths taken as 0. */
function emptyRowShape(shape: readonly Dim[]): number[] {
  return shape.map((d) => d ?? 0);
}

/** One row (axis 0 dropped) of a tensor type. */
export function rowType(t: TensorType): TensorType {
  return new TensorType(t.dtype, t.shape.slice(1));
}

/** Lengths known in either shape (they agree wherever both know them). */
export function joinShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  return a.map((d, i) => d ?? b[i] ?? null);
}
