import { NDArray, sameShape, shapeSize, typedArrayFor, type DType, type RunResult, type SharedVariable, type TypedArray } from '@hypatia/core';
import type { AddonExports } from './addon-source.js';
import { planArena } from './arena.js';
import { inPlaceUpdates } from './in-place-updates.js';
import { rootSlot, slotLifetimes, slotsTouched } from './plan-liveness.js';
import { BoundTag, DTYPE_CODE, PlanOp } from './plan-interpreter-c.js';
import type { HostOperand, Instr, Recording, SlotSource } from './plan-recorder.js';

/** A stretch of the program run by one native call, or a host step between two. */
type Part = { from: number; to: number } | { host: Extract<Instr, { op: 'host' }> };

/**
 * Arrays the native backend handed to shared variables as their new values. Nothing else holds
 * them (outputs are separate arrays, and get() copies), so a later call may overwrite them in
 * place; any other array a variable holds (set() by the user, another backend's result) is not
 * written to.
 */
const nativeOwned = new WeakSet<ArrayBufferView>();

export function markNativeOwned(a: ArrayBufferView): void {
  nativeOwned.add(a);
}

/** A plan dropped without free() (its function was garbage-collected) frees its C side. */
const dropped = new FinalizationRegistry<{ addon: AddonExports; handle: number }>(({ addon, handle }) => addon.freePlan(handle));

const VIEW: Record<DType, new (b: ArrayBuffer, off: number, n: number) => TypedArray> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array,
};

/**
 * A recorded call of a compiled function, replayed by one native call: the launches and the
 * value-dependent steps as a program for the plan interpreter, intermediates in one arena placed
 * by liveness, and shared-variable updates written in place where that is safe. A replay that
 * meets different shapes or a failed check says so, and the caller runs the JS path.
 */
export class ReplayPlan {
  private constructor(
    private readonly addon: AddonExports,
    private readonly handle: number,
    private readonly parts: readonly Part[],
    private readonly slots: readonly SlotSource[],
    private readonly dynamic: readonly number[],
    private readonly outputs: Recording['outputs'],
    private readonly nOutputs: number,
    /** Fresh slots that receive an update in place, by slot: the update's index. */
    private readonly inPlace: ReadonlyMap<number, number>,
    private readonly updated: readonly SharedVariable[],
    private readonly arena: ArrayBuffer,
    private readonly arenaAt: ReadonlyMap<number, number>,
    private readonly offsets: Float64Array,
    readonly instructionCount: number,
  ) {
    dropped.register(this, { addon, handle }, this);
  }

  static build(rec: Recording, nOutputs: number, updated: readonly SharedVariable[], addon: AddonExports): ReplayPlan {
    const { slots, outputs } = rec;
    const root = rootSlot(slots);
    const touched = (ins: Instr): number[] => slotsTouched(ins).map(root);
    // An array handed to one variable is the value it holds; another update of the same array is a copy.
    const { inPlace, instrs } = inPlaceUpdates({ slots, outputs, nOutputs, updated, instrs: rec.instrs, root, touched, handed: (j) => outputs[nOutputs + j]!.handed });

    const { offsets: arenaAt, size } = planArena(slotLifetimes(slots, instrs, outputs));
    const arena = new ArrayBuffer(size);

    const staticBuffers = slots.map((s, id): ArrayBufferView | null => {
      if (s.kind === 'static') return s.data;
      if (s.kind === 'pool') return new Uint8Array(arena, arenaAt.get(id)!, s.bytes);
      return null;
    });
    const dynamic = slots.map((s, id) => (['arg', 'shared', 'fresh', 'host'].includes(s.kind) ? id : -1)).filter((id) => id >= 0);
    const offsets = new Float64Array(Math.max(slots.length, 1));
    const { code, parts } = encode(instrs);
    const handle = addon.newPlan(code, staticBuffers, Int32Array.from(dynamic), offsets);
    return new ReplayPlan(addon, handle, parts, slots, dynamic, outputs, nOutputs, inPlace, updated, arena, arenaAt, offsets, instrs.length);
  }

  get inPlaceUpdates(): SharedVariable[] {
    return [...this.inPlace.values()].map((j) => this.updated[j]!);
  }

  /** Native calls per replay: one, plus one per stretch after a host step. */
  get nativeCalls(): number {
    return this.parts.filter((p) => 'from' in p).length;
  }

  get arenaBytes(): number {
    return this.arena.byteLength;
  }

  /** One call; 'shapes' when the shapes differ from the recorded call's, 'check' when a check in C failed (nothing was written that outlives the call). */
  run(args: readonly NDArray[]): RunResult | 'shapes' | 'check' {
    const shared = new Map<SharedVariable, NDArray>();
    for (const s of this.slots) {
      if (s.kind === 'arg' && !sameShape(args[s.index]!.shape, s.shape)) return 'shapes';
      if (s.kind === 'shared') {
        const v = s.variable.get({ borrow: true });
        if (!sameShape(v.shape, s.shape)) return 'shapes';
        shared.set(s.variable, v);
      }
    }
    const buffers = new Map<number, TypedArray>();
    const notYet = new Float64Array(0);
    const writtenInPlace = new Set<number>();
    for (const id of this.dynamic) {
      const s = this.slots[id]!;
      if (s.kind === 'arg') buffers.set(id, args[s.index]!.data);
      else if (s.kind === 'shared') buffers.set(id, shared.get(s.variable)!.data);
      else if (s.kind === 'fresh') {
        const j = this.inPlace.get(id);
        const own = j === undefined ? undefined : shared.get(this.updated[j]!);
        if (own && this.mayOverwrite(own.data, args, shared)) {
          buffers.set(id, own.data);
          writtenInPlace.add(j!);
        } else buffers.set(id, typedArrayFor(s.dtype, s.length));
      } else buffers.set(id, notYet); // a host step's result, set when it runs
    }
    for (const part of this.parts) {
      if ('from' in part) {
        if (this.addon.runPlan(this.handle, this.dynamic.map((id) => buffers.get(id)!), part.from, part.to) !== 0) return 'check';
      } else if (!this.runHost(part.host, buffers)) return 'check';
    }
    const results = this.outputs.map((o, k) => {
      const j = k - this.nOutputs;
      if (j >= 0 && writtenInPlace.has(j)) return shared.get(this.updated[j]!)!;
      if (o.handed) return new NDArray(o.dtype, o.shape, buffers.get(o.slot)!);
      return new NDArray(o.dtype, o.shape, this.dataOf(o.slot, o.dtype, buffers).slice(0, shapeSize(o.shape)));
    });
    results.slice(this.nOutputs).forEach((a) => markNativeOwned(a.data));
    return { outputs: results.slice(0, this.nOutputs), updates: results.slice(this.nOutputs) };
  }

  /**
   * A host step between segments: its operands read where the plan keeps them, its results checked
   * against the recorded dtypes and shapes. False sends the call to the JS path (no in-place write
   * has happened: those come last), which raises the op's error itself.
   */
  private runHost(h: Extract<Instr, { op: 'host' }>, buffers: Map<number, TypedArray>): boolean {
    const view = (o: HostOperand) => {
      const d = this.dataOf(o.slot, o.dtype, buffers);
      const n = shapeSize(o.shape);
      return new NDArray(o.dtype, o.shape, d.length === n ? d : d.subarray(0, n));
    };
    let outs: NDArray[];
    try {
      outs = h.node.op.perform(h.ins.map(view), h.node, undefined);
    } catch {
      return false;
    }
    if (outs.some((a, k) => a.dtype !== h.outs[k]!.dtype || !sameShape(a.shape, h.outs[k]!.shape))) return false;
    h.outs.forEach((o, k) => buffers.set(o.slot, outs[k]!.data));
    return true;
  }

  /** A variable's buffer is written in place only when this backend made it and no argument or other variable shares its memory. */
  private mayOverwrite(data: TypedArray, args: readonly NDArray[], shared: ReadonlyMap<SharedVariable, NDArray>): boolean {
    if (!nativeOwned.has(data)) return false;
    let sharers = 0;
    for (const a of args) if (a.data.buffer === data.buffer) return false;
    for (const v of shared.values()) if (v.data.buffer === data.buffer) sharers++;
    return sharers === 1;
  }

  private dataOf(slot: number, dtype: DType, buffers: ReadonlyMap<number, TypedArray>): TypedArray {
    const s = this.slots[slot]!;
    switch (s.kind) {
      case 'static': return s.data;
      case 'pool': return new VIEW[dtype](this.arena, this.arenaAt.get(slot)!, s.bytes / VIEW[dtype].prototype.BYTES_PER_ELEMENT);
      case 'derived': return this.dataOf(s.parent, dtype, buffers).subarray(this.offsets[slot]!);
      default: return buffers.get(slot)!;
    }
  }

  free(): void {
    dropped.unregister(this);
    this.addon.freePlan(this.handle);
  }
}

/** The program for plan-interpreter-c.ts, one number per int64 word, in segments split by host steps. */
function encode(instrs: readonly Instr[]): { code: Float64Array; parts: Part[] } {
  const w: number[] = [];
  const parts: Part[] = [];
  let from = 0;
  const close = () => {
    if (w.length > from) parts.push({ from, to: w.length });
    from = w.length;
  };
  for (const ins of instrs) {
    if (ins.op === 'host') {
      close();
      parts.push({ host: ins });
    } else encodeInstr(ins, w);
  }
  close();
  return { code: Float64Array.from(w), parts };
}

/** One instruction's words (a loop's body inline after its header); a host step never occurs here. */
function encodeInstr(ins: Exclude<Instr, { op: 'host' }>, w: number[]): void {
  switch (ins.op) {
    case 'kernel':
      w.push(PlanOp.kernel, ins.k, ins.slots.length, ...ins.slots, ins.params.length, ...ins.params);
      break;
    case 'slice': {
      const bound = (b: number | null | { readonly input: number }) =>
        b === null ? [BoundTag.none, 0] : typeof b === 'number' ? [BoundTag.constant, b] : [BoundTag.slot, ins.scalars[b.input]!];
      w.push(PlanOp.slice, ins.dst, ins.src, ins.esize, ins.dst, ins.xShape.length, ...ins.xShape);
      ins.xShape.forEach((_, d) => {
        const a = ins.indices[d];
        if (!a) w.push(0, 0, 0, 0, 0, 0, 0);
        else if (a.kind === 'index') w.push(1, ...bound(a.at), 0, 0, 0, 0);
        else w.push(2, ...bound(a.start), ...bound(a.stop), ...bound(a.step));
      });
      w.push(ins.shape.length, ...ins.shape, ...ins.strides);
      break;
    }
    case 'same':
      w.push(PlanOp.same, ins.scalars.length, ins.ref, ...ins.scalars.flatMap((b) => [b.slot, DTYPE_CODE[b.dtype]]));
      break;
    case 'offset':
      w.push(PlanOp.offset, ins.dst, ins.src, ins.bytes, ins.elements);
      break;
    case 'truth':
      w.push(PlanOp.truth, ins.slot, DTYPE_CODE[ins.dtype], ins.value ? 1 : 0);
      break;
    case 'loop': {
      w.push(PlanOp.loop, ins.steps, ins.stop?.slot ?? -1, ins.stop ? DTYPE_CODE[ins.stop.dtype] : 0, ins.count ?? -1, ins.rows.length);
      for (const r of ins.rows) w.push(r.dst, r.parent, r.at.c0, r.at.c1, r.at.ring, r.rowBytes, r.rowElements);
      const body: number[] = [];
      for (const b of ins.body) {
        if (b.op === 'host') throw new Error('a loop body holds a host step; such calls are not replayed');
        encodeInstr(b, body);
      }
      w.push(body.length, ...body);
      break;
    }
  }
}
