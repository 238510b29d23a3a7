import type { Apply, DType, SharedVariable } from '@hypatia/core';
import type { RowAt } from '@hypatia/ops/backend';
import { LOOP_ROW_WORDS } from './routines/loop-wasm.js';
import { Block, type WasmTensor } from './wasm-step.js';

/**
 * Where a buffer of a recorded call comes from, which decides where a replay finds it: arguments
 * are copied into the plan's area each call, shared variables are found where they live each call,
 * constants stay where the executable put them, tables computed from shapes are kept in the plan,
 * intermediates get a place in the plan's arena placed by liveness, an update's new value gets a
 * block of its own each call (or the variable's own, in place), and a slice's view is placed by its
 * region kernel. `table` is the plan's slot table itself (a region kernel writes views into it).
 */
export type WasmSlot =
  | { kind: 'arg'; index: number; dtype: DType; shape: readonly number[] }
  | { kind: 'shared'; variable: SharedVariable; shape: readonly number[] }
  | { kind: 'fixed'; at: number }
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'pool'; bytes: number }
  | { kind: 'fresh'; dtype: DType; length: number }
  | { kind: 'derived'; parent: number }
  | { kind: 'table' };

export interface HostOperand { slot: number; dtype: DType; shape: number[] }

/** A derived slot a loop places again at each step t: row `at(t)` of its parent, rows `rowBytes` bytes long. */
export interface WasmLoopRow { dst: number; parent: number; at: RowAt; rowBytes: number }

export type WasmInstr =
  | {
    op: 'kernel'; k: number; slots: number[]; params: readonly number[];
    /** The slots it reads or writes, for liveness (a region kernel's source and view too). */
    touches: number[];
    elementwise?: { out: number; operands: { slot: number; fullShape: boolean }[] };
  }
  | { op: 'host'; node: Apply; ins: HostOperand[]; outs: HostOperand[] }
  /**
   * A loop (a Scan), plan instruction `k` (routines/loop-wasm.ts): `steps` steps of `body` (its
   * step 0, as recorded) with `rows` placed again at each step (their table in the data slot
   * `rowTable`); it stops after a step where the scalar in slot `stop` is true, and writes the
   * steps run into slot `count`'s int32.
   */
  | { op: 'loop'; k: number; steps: number; rows: WasmLoopRow[]; rowTable: number; body: WasmInstr[]; stop: number | null; count: number | null };

export interface WasmRecordedOutput { slot: number; dtype: DType; shape: number[] }

export interface WasmRecording {
  slots: WasmSlot[];
  instrs: WasmInstr[];
  outputs: WasmRecordedOutput[];
  table: number;
}

/**
 * Watches one call on the JS path and writes down every launch in order, naming buffers by slot;
 * a block that receives a new value always gets a new slot (the allocator may hand an address out
 * again within a call), so a slot names one value and the plan may reorder launches.
 */
export class WasmRecorder {
  readonly slots: WasmSlot[] = [];
  readonly instrs: WasmInstr[] = [];
  private readonly bySlot = new Map<Block, number>();
  private readonly addresses = new Set<number>();
  readonly table: number;
  /** Loops being recorded (innermost last): instructions go to the innermost one's body. */
  private readonly loops: { body: WasmInstr[]; rows: WasmLoopRow[] }[] = [];
  /** Why this call cannot be replayed, if it cannot. */
  unreplayable: string | null = null;

  constructor() {
    this.table = this.slots.push({ kind: 'table' }) - 1;
  }

  private add(block: Block, source: WasmSlot): number {
    const id = this.slots.length;
    this.slots.push(source);
    this.bySlot.set(block, id);
    return id;
  }

  /** An argument, shared variable or constant; two leaves at one address cannot be told apart on replay. */
  leaf(block: Block, source: WasmSlot): void {
    if (this.bySlot.has(block)) return;
    if (this.addresses.has(block.at)) this.unreplayable = 'two leaves share one buffer';
    this.addresses.add(block.at);
    this.add(block, source);
  }

  slotOf(block: Block): number {
    const s = this.bySlot.get(block);
    if (s === undefined) throw new Error('wasm recorder: a launch used a buffer it was not told about');
    return s;
  }

  pool(block: Block, bytes: number): void {
    this.add(block, { kind: 'pool', bytes });
  }

  fresh(block: Block, dtype: DType, length: number): void {
    this.add(block, { kind: 'fresh', dtype, length });
  }

  data(block: Block, bytes: Uint8Array): void {
    this.add(block, { kind: 'data', bytes });
  }

  launch(k: number, blocks: readonly Block[], params: readonly number[], elementwise?: { ins: readonly WasmTensor[]; out: WasmTensor }): void {
    const slots = blocks.map((b) => this.slotOf(b));
    const ew = elementwise && {
      out: this.slotOf(elementwise.out.block),
      operands: elementwise.ins.map((a) => ({ slot: this.slotOf(a.block), fullShape: sameShape(a.shape, elementwise.out.shape) })),
    };
    this.target.push({ op: 'kernel', k, slots, params: [...params], touches: slots, ...(ew ? { elementwise: ew } : {}) });
  }

  /** A scalar's value a plan was made from, checked on replay against a float64 copy of it. */
  same(k: number, scalar: Block, value: number, refBlock: Block): void {
    this.data(refBlock, new Uint8Array(Float64Array.of(value).buffer));
    const slots = [this.slotOf(scalar), this.slotOf(refBlock)];
    this.target.push({ op: 'kernel', k, slots, params: [], touches: slots });
  }

  /**
   * A region kernel: checks the region again and, for a view, writes where it starts into the slot
   * table. `params` are the kernel's own; src, dst and the element size are added for a view.
   */
  region(k: number, source: Block, view: Block | null, scalars: readonly Block[], params: readonly number[], esize: number): void {
    const src = this.slotOf(source);
    const scalarSlots = scalars.map((b) => this.slotOf(b));
    const dst = view ? this.add(view, { kind: 'derived', parent: src }) : -1;
    this.target.push({
      op: 'kernel', k, slots: [...scalarSlots, this.table], params: view ? [...params, src, dst, esize] : [...params],
      touches: [...scalarSlots, src, ...(view ? [dst] : [])],
    });
  }

  /** A host step: its operands, and its results in new slots (blocks of the arena on replay). */
  host(node: Apply, ins: readonly WasmTensor[], outs: readonly WasmTensor[]): void {
    const operand = (a: WasmTensor, slot: number): HostOperand => ({ slot, dtype: a.dtype, shape: [...a.shape] });
    const inOps = ins.map((a) => operand(a, this.slotOf(a.block)));
    const outOps = outs.map((a) => operand(a, this.slotOf(a.block)));
    this.target.push({ op: 'host', node, ins: inOps, outs: outOps });
  }

  /** Where instructions go: the body of the innermost loop being recorded, else the program. */
  private get target(): WasmInstr[] {
    return this.loops.at(-1)?.body ?? this.instrs;
  }

  /** From here to closeLoop, instructions are the body of a loop (its step 0). */
  openLoop(): void {
    this.loops.push({ body: [], rows: [] });
  }

  /** `view` is the row of `parent` that step 0 of the loop being recorded reads or writes; the loop places it again at each step. */
  loopRow(view: Block, parent: Block, rowBytes: number, at: RowAt): void {
    const loop = this.loops.at(-1);
    if (!loop) throw new Error('wasm recorder: loopRow outside a loop');
    const p = this.slotOf(parent);
    loop.rows.push({ dst: this.add(view, { kind: 'derived', parent: p }), parent: p, at, rowBytes });
  }

  /** The loop being recorded is complete: instruction `k` runs `steps` steps, stops on `stop`'s truth, and writes the steps run into `count`. */
  closeLoop(k: number, steps: number, stop: Block | null, count: Block | null): void {
    const loop = this.loops.pop();
    if (!loop) throw new Error('wasm recorder: closeLoop without openLoop');
    const words = new Int32Array(Math.max(1, loop.rows.length) * LOOP_ROW_WORDS);
    loop.rows.forEach((r, i) => words.set([r.dst, r.parent, r.at.c0, r.at.c1, r.at.ring, r.rowBytes], i * LOOP_ROW_WORDS));
    const rowTable = this.slots.length;
    this.data(new Block(-1), new Uint8Array(words.buffer));
    if (loop.body.some((i) => i.op === 'host')) this.unreplayable = 'a host op runs inside a loop';
    this.target.push({
      op: 'loop', k, steps, rows: loop.rows, rowTable, body: loop.body,
      stop: stop ? this.slotOf(stop) : null, count: count ? this.slotOf(count) : null,
    });
  }

  finish(outputs: readonly WasmTensor[]): WasmRecording {
    return {
      slots: this.slots,
      instrs: this.instrs,
      outputs: outputs.map((t) => ({ slot: this.slotOf(t.block), dtype: t.dtype, shape: [...t.shape] })),
      table: this.table,
    };
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
