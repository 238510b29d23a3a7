import type { Apply, DType, NDArray, SharedVariable, TypedArray } from '@hypatia/core';
import type { AxisIndex } from '@hypatia/ops';

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

/** One recorded instruction (plan-interpreter-c.ts has their C meaning). */
export type Instr =
  | { op: 'kernel'; k: number; slots: number[]; params: Float64Array; elementwise?: { out: number; operands: { slot: number; fullShape: boolean }[] } }
  | { op: 'slice'; dst: number; src: number; esize: number; xShape: number[]; indices: readonly AxisIndex[]; scalars: number[]; shape: number[]; strides: number[] }
  | { op: 'same'; scalars: { slot: number; dtype: DType }[]; ref: number }
  | { op: 'host'; node: Apply; ins: HostOperand[]; outs: HostOperand[] };

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

  launch(k: number, buffers: readonly ArrayBufferView[], params: Float64Array, elementwise?: { ins: readonly NDArray[]; out: NDArray }): void {
    const slots = buffers.map((b) => this.slotOf(b));
    const ew = elementwise && {
      out: this.slotOf(elementwise.out.data),
      operands: elementwise.ins.map((a) => ({ slot: this.slotOf(a.data), fullShape: sameShape(a.shape, elementwise.out.shape) })),
    };
    this.instrs.push({ op: 'kernel', k, slots, params: params.slice(), ...(ew ? { elementwise: ew } : {}) });
  }

  slice(view: TypedArray, x: NDArray, indices: readonly AxisIndex[], scalars: readonly NDArray[], shape: number[], strides: number[]): void {
    if (x.ndim > 16) this.unreplayable = 'a slice of more than 16 dimensions';
    const src = this.slotOf(x.data);
    const dst = this.add(view, { kind: 'derived', parent: src });
    this.instrs.push({
      op: 'slice', dst, src, esize: x.data.BYTES_PER_ELEMENT, xShape: [...x.shape], indices,
      scalars: scalars.map((a) => this.slotOf(a.data)), shape: [...shape], strides: [...strides],
    });
  }

  /** Scalars whose values the launches were planned for: a replay checks they still hold them. */
  same(scalars: readonly NDArray[]): void {
    const values = Float64Array.from(scalars, (a) => a.item());
    const ref = this.add(values, { kind: 'static', data: values });
    this.instrs.push({ op: 'same', scalars: scalars.map((a) => ({ slot: this.slotOf(a.data), dtype: a.dtype })), ref });
  }

  /** A host step: its operands, and its results as new slots that each replay sets from what `perform` returns. */
  host(node: Apply, ins: readonly NDArray[], outs: readonly NDArray[]): void {
    const operand = (a: NDArray, slot: number): HostOperand => ({ slot, dtype: a.dtype, shape: [...a.shape] });
    const inOps = ins.map((a) => operand(a, this.slotOf(a.data)));
    // A result that is a buffer seen before (an operand returned as is) could differ on replay.
    if (outs.some((a) => this.bySlot.has(a.data))) this.unreplayable = `${node.op.name} returned an alias of a buffer`;
    this.instrs.push({ op: 'host', node, ins: inOps, outs: outs.map((a) => operand(a, this.add(a.data, { kind: 'host' }))) });
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
