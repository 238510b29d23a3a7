import type { Apply, DType, NDArray, SharedVariable, TypedArray } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';
import type { RowAt } from '@hypatia/ops/backend';

/**
 * Where a buffer of a recorded call comes from, which decides how a replay finds it: the call's
 * arguments and shared variables are read again each call, fresh outputs are allocated each call,
 * intermediates get a place in the plan's arena, and tables computed from shapes are kept as they
 * were. A derived slot is a slice of another, at an offset the plan computes from values.
 */
export type SlotSource =
  | { kind: 'arg'; index: number; shape: readonly number[] }
  | { kind: 'shared'; variable: SharedVariable; shape: readonly number[] }
  | { kind: 'static'; data: TypedArray }
  | { kind: 'pool'; bytes: number }
  | { kind: 'fresh'; dtype: DType; length: number }
  | { kind: 'derived'; parent: number }
  | { kind: 'host' };

/** A buffer as a host step sees it: its slot and the array's dtype and shape. */
export interface HostOperand { slot: number; dtype: DType; shape: number[] }

/**
 * A derived slot a loop places again at each step t: row `at(t)` of its parent, whose rows are
 * `rowBytes` bytes (`rowElements` elements) long.
 */
export interface LoopRow { dst: number; parent: number; at: RowAt; rowBytes: number; rowElements: number }

/** One recorded instruction (plan-interpreter-c.ts has their C meaning). */
export type Instr =
  | { op: 'kernel'; k: number; slots: number[]; params: Float64Array; elementwise?: { out: number; operands: { slot: number; fullShape: boolean }[] } }
  | { op: 'slice'; dst: number; src: number; esize: number; xShape: number[]; indices: readonly AxisIndex[]; scalars: number[]; shape: number[]; strides: number[] }
  | { op: 'same'; scalars: { slot: number; dtype: DType }[]; ref: number }
  | { op: 'host'; node: Apply; ins: HostOperand[]; outs: HostOperand[] }
  /** A fixed part of a buffer: `dst` is `src` from element `elements` (`bytes` bytes) on. */
  | { op: 'offset'; dst: number; src: number; bytes: number; elements: number }
  /** The recorded call took a branch because this scalar was `value` (true or false): a replay checks it still is. */
  | { op: 'truth'; slot: number; dtype: DType; value: boolean }
  /**
   * A loop of `steps` steps running `body` (its step 0, as recorded) with `rows` placed again at each
   * step; it stops after a step where the scalar in `stop` is true, and writes the steps run into `count`.
   */
  | { op: 'loop'; steps: number; rows: LoopRow[]; body: Instr[]; stop: { slot: number; dtype: DType } | null; count: number | null };

/** A graph output of the recorded call: its buffer's slot, shape, and whether the array itself was handed out (else a copy). */
export interface RecordedOutput { slot: number; dtype: DType; shape: number[]; handed: boolean }

export interface Recording {
  slots: SlotSource[];
  instrs: Instr[];
  outputs: RecordedOutput[];
}

/**
 * Watches one call on the JS path and writes down, in order, every kernel launch, every slice
 * resolved from bound values and every value a launch was planned from, naming values by slot (a
 * buffer reused for a new value gets a new slot), so the call can be replayed by the plan
 * interpreter without JS. A buffer the recorder has not seen is a table computed from shapes, kept
 * as it is (the replay runs only for the same shapes).
 */
export class PlanRecorder {
  readonly slots: SlotSource[] = [];
  readonly instrs: Instr[] = [];
  private readonly bySlot = new Map<ArrayBufferView, number>();
  /** Loops being recorded (innermost last): instructions go to the innermost one's body. */
  private readonly loops: { body: Instr[]; rows: LoopRow[] }[] = [];
  /** Why this call cannot be replayed, if it cannot. */
  unreplayable: string | null = null;

  /** The slot of a leaf's buffer; two leaves sharing one array cannot be told apart on replay. */
  leaf(data: TypedArray, source: SlotSource): void {
    const known = this.bySlot.get(data);
    if (known !== undefined) {
      const k = this.slots[known]!.kind;
      if (k !== 'static' || source.kind !== 'static') this.unreplayable = 'two leaves share one array';
      return;
    }
    this.add(data, source);
  }

  private add(data: ArrayBufferView, source: SlotSource): number {
    const id = this.slots.length;
    this.slots.push(source);
    this.bySlot.set(data, id);
    return id;
  }

  slotOf(data: ArrayBufferView): number {
    return this.bySlot.get(data) ?? this.add(data, { kind: 'static', data: data as TypedArray });
  }

  /**
   * A kernel's output buffer, about to receive a new value: always a new slot, even when the JS
   * executor's pool hands back an array that held another value earlier in this call. The plan
   * reorders instructions (in-place updates move to the end), so one slot for two values would let
   * a moved step read the later value.
   */
  pool(data: TypedArray): void {
    this.add(data, { kind: 'pool', bytes: data.byteLength });
  }

  fresh(data: TypedArray, dtype: DType): void {
    this.add(data, { kind: 'fresh', dtype, length: data.length });
  }

  /**
   * A launch; with `elementwise`, one whose output may receive an update in place: it reads `ins`
   * element for element and `anywhere` (a product's operands) at any element, so an update is never
   * written over one of those.
   */
  launch(k: number, buffers: readonly ArrayBufferView[], params: Float64Array, elementwise?: { ins: readonly NDArray[]; out: NDArray; anywhere?: readonly ArrayBufferView[] }): void {
    const slots = buffers.map((b) => this.slotOf(b));
    const ew = elementwise && {
      out: this.slotOf(elementwise.out.data),
      operands: [
        ...elementwise.ins.map((a) => ({ slot: this.slotOf(a.data), fullShape: sameShape(a.shape, elementwise.out.shape) })),
        ...(elementwise.anywhere ?? []).map((b) => ({ slot: this.slotOf(b), fullShape: false })),
      ],
    };
    this.target.push({ op: 'kernel', k, slots, params: params.slice(), ...(ew ? { elementwise: ew } : {}) });
  }

  slice(view: TypedArray, x: NDArray, indices: readonly AxisIndex[], scalars: readonly NDArray[], shape: number[], strides: number[]): void {
    if (x.ndim > 16) this.unreplayable = 'a slice of more than 16 dimensions';
    const src = this.slotOf(x.data);
    const dst = this.add(view, { kind: 'derived', parent: src });
    this.target.push({
      op: 'slice', dst, src, esize: x.data.BYTES_PER_ELEMENT, xShape: [...x.shape], indices,
      scalars: scalars.map((a) => this.slotOf(a.data)), shape: [...shape], strides: [...strides],
    });
  }

  /** Scalars whose values the launches were planned for: a replay checks they still hold them. */
  same(scalars: readonly NDArray[]): void {
    const values = Float64Array.from(scalars, (a) => a.item());
    const ref = this.add(values, { kind: 'static', data: values });
    this.target.push({ op: 'same', scalars: scalars.map((a) => ({ slot: this.slotOf(a.data), dtype: a.dtype })), ref });
  }

  /** Where instructions go: the body of the innermost loop being recorded, else the program. */
  private get target(): Instr[] {
    return this.loops.at(-1)?.body ?? this.instrs;
  }

  /** `view` is `parent` from element `elements` on, for the whole call (a loop's stacked rows after its initial state). */
  view(view: TypedArray, parent: TypedArray, elements: number): void {
    const src = this.slotOf(parent);
    const dst = this.add(view, { kind: 'derived', parent: src });
    this.target.push({ op: 'offset', dst, src, bytes: elements * parent.BYTES_PER_ELEMENT, elements });
  }

  /** A branch was chosen by `cond`'s truth: a replay holds only while it is the same. */
  truth(cond: NDArray): void {
    this.target.push({ op: 'truth', slot: this.slotOf(cond.data), dtype: cond.dtype, value: Boolean(cond.data[0]) });
  }

  /** From here to closeLoop, instructions are the body of a loop (its step 0). */
  openLoop(): void {
    this.loops.push({ body: [], rows: [] });
  }

  /** `view` is the row of `parent` that step 0 of the loop being recorded reads or writes; the loop places it again at each step. */
  loopRow(view: TypedArray, parent: TypedArray, rowElements: number, at: RowAt): void {
    const loop = this.loops.at(-1);
    if (!loop) throw new Error('PlanRecorder.loopRow outside a loop');
    const p = this.slotOf(parent);
    const dst = this.add(view, { kind: 'derived', parent: p });
    loop.rows.push({ dst, parent: p, at, rowBytes: rowElements * parent.BYTES_PER_ELEMENT, rowElements });
  }

  /** The loop being recorded is complete: it runs `steps` steps, stops on `stop`'s truth, and writes the steps run into `count`. */
  closeLoop(steps: number, stop: NDArray | null, count: NDArray | undefined): void {
    const loop = this.loops.pop();
    if (!loop) throw new Error('PlanRecorder.closeLoop without openLoop');
    this.target.push({
      op: 'loop', steps, rows: loop.rows, body: loop.body,
      stop: stop ? { slot: this.slotOf(stop.data), dtype: stop.dtype } : null,
      count: count ? this.slotOf(count.data) : null,
    });
  }

  /** A host step: its operands, and its results as new slots that each replay sets from what `perform` returns. */
  host(node: Apply, ins: readonly NDArray[], outs: readonly NDArray[]): void {
    const operand = (a: NDArray, slot: number): HostOperand => ({ slot, dtype: a.dtype, shape: [...a.shape] });
    const inOps = ins.map((a) => operand(a, this.slotOf(a.data)));
    // A result that is a buffer seen before (an operand returned as is) could differ on replay.
    if (outs.some((a) => this.bySlot.has(a.data))) this.unreplayable = `${node.op.name} returned an alias of a buffer`;
    // A loop's body runs in one native call: a JS step inside it cannot be replayed.
    if (this.loops.length) this.unreplayable = `${node.op.name} runs its JS perform inside a loop`;
    this.target.push({ op: 'host', node, ins: inOps, outs: outs.map((a) => operand(a, this.add(a.data, { kind: 'host' }))) });
  }

  finish(outputs: readonly { array: NDArray; handed: boolean }[]): Recording {
    return {
      slots: this.slots,
      instrs: this.instrs,
      outputs: outputs.map(({ array, handed }) => ({ slot: this.slotOf(array.data), dtype: array.dtype, shape: [...array.shape], handed })),
    };
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
