import { HypatiaError, NDArray, sameShape, shapeSize, type RunResult, type SharedVariable } from '@hypatia/core';
import { planArena } from '../native/arena.js';
import { inPlaceUpdates } from '../native/in-place-updates.js';
import { slotLifetimes } from '../native/plan-liveness.js';
import type { Instr, SlotSource } from '../native/plan-recorder.js';
import { writeLaunchRecord } from './launch-record.js';
import { BYTES, type LinearMemory } from './linear-memory.js';
import type { FunctionModule, WasmKernelTable } from './function-module.js';
import { INSTRUCTION_HEADER_WORDS } from './plan-interpreter-wasm.js';
import type { HostOperand, WasmInstr, WasmRecording, WasmSlot } from './wasm-recorder.js';
import { WasmValue, sharedAddress } from './wasm-values.js';
import { lowerLoops } from './wasm-loop-plan.js';
import { instructionSignature } from './routines/loop-wasm.js';

/** An instruction of the lowered program: a launch (a loop is its routine's launch) or a host step. */
type FlatInstr = Exclude<WasmInstr, { op: 'loop' }>;

/** A stretch of the program run by one call into the module, or a host step between two. */
type Part = { from: number; to: number } | { host: Extract<FlatInstr, { op: 'host' }> };

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * A recorded call of a compiled function, replayed by one call into its module (one more per host
 * step): the launches as a program for the plan interpreter (plan-interpreter-wasm.ts), with their
 * records, the slot table, the plan's tables and argument area and an arena for intermediates
 * (placed by liveness, plan-liveness.ts's rule) in one block of linear memory. Updates are written
 * in place where that is safe. A replay that meets other shapes or a failed check says so, and the
 * caller runs the JS path.
 */
export class WasmReplayPlan {
  private freed = false;

  private constructor(
    private readonly memory: LinearMemory,
    private readonly module: FunctionModule,
    private readonly block: number,
    private readonly tableAt: number,
    private readonly parts: readonly Part[],
    private readonly slots: readonly WasmSlot[],
    /** Where each argument slot's data is copied before a call. */
    private readonly argAt: ReadonlyMap<number, number>,
    private readonly outputs: WasmRecording['outputs'],
    private readonly nOutputs: number,
    /** Fresh slots that receive an update in place, by slot: the update's index. */
    private readonly inPlace: ReadonlyMap<number, number>,
    private readonly updated: readonly SharedVariable[],
    private readonly label: string,
    readonly instructionCount: number,
    readonly arenaBytes: number,
  ) {}

  static build(rec: WasmRecording, nOutputs: number, updated: readonly SharedVariable[], module: FunctionModule, table: WasmKernelTable, memory: LinearMemory, label: string): WasmReplayPlan {
    const { slots, outputs } = rec;
    const root = (s: number): number => {
      for (let src = slots[s]!; src.kind === 'derived'; src = slots[s]!) s = src.parent;
      return s;
    };
    // A loop is one instruction, its body a program of its own (wasm-loop-plan.ts).
    const lowered = lowerLoops(rec.instrs);
    const touched = (ins: FlatInstr): number[] => (ins.op === 'kernel' ? ins.touches : [...ins.ins, ...ins.outs].map((o) => o.slot)).map(root);
    const { inPlace, instrs } = inPlaceUpdates({ slots, outputs, nOutputs, updated, instrs: lowered.main, root, touched });

    // The arena, by the native plan's liveness rule (plan-liveness.ts) on the same slot relations.
    const asNative: SlotSource[] = slots.map((s) => (s.kind === 'pool' ? { kind: 'pool', bytes: s.bytes } : s.kind === 'derived' ? { kind: 'derived', parent: s.parent } : { kind: 'host' }));
    const noParams = new Float64Array(0);
    const nativeInstrs: Instr[] = instrs.map((i) => (i.op === 'kernel' ? { op: 'kernel', k: i.k, slots: i.touches, params: noParams } : { op: 'host', node: i.node, ins: i.ins, outs: i.outs }));
    const { offsets: arenaAt, size: arenaBytes } = planArena(slotLifetimes(asNative, nativeInstrs, outputs.map((o) => ({ ...o, handed: false }))));

    // Layout: slot table, program, launch records, tables, arguments, arena.
    let at = 0;
    const tableOff = at;
    at = align(at + 4 * slots.length, 16);
    const programOff = at;
    const kernelInstrs = [...instrs.filter((i): i is Extract<FlatInstr, { op: 'kernel' }> => i.op === 'kernel'), ...lowered.segments.flat()];
    at += 4 * kernelInstrs.reduce((n, i) => n + INSTRUCTION_HEADER_WORDS + i.slots.length, 0);
    at = align(at, 8);
    const recordOff = new Map<FlatInstr, number>();
    for (const i of kernelInstrs) {
      recordOff.set(i, at);
      const sig = instructionSignature(table, i.k);
      at = align(at + 8 * sig.nParams + 4 * sig.buffers.length, 8);
    }
    const slotOff = new Map<number, number>();
    slots.forEach((s, id) => {
      if (s.kind === 'data') {
        at = align(at, 16);
        slotOff.set(id, at);
        at += s.bytes.byteLength;
      } else if (s.kind === 'arg') {
        at = align(at, 64);
        slotOff.set(id, at);
        at += Math.max(1, shapeSize(s.shape) * BYTES[s.dtype]);
      }
    });
    at = align(at, 64);
    const arenaOff = at;
    const block = memory.alloc(at + arenaBytes);

    const tableAt = block + tableOff;
    const entries = new Uint32Array(slots.length);
    const argAt = new Map<number, number>();
    slots.forEach((s, id) => {
      if (s.kind === 'table') entries[id] = tableAt;
      else if (s.kind === 'fixed') entries[id] = s.at;
      else if (s.kind === 'pool') entries[id] = block + arenaOff + arenaAt.get(id)!;
      else if (s.kind === 'data' || s.kind === 'arg') entries[id] = block + slotOff.get(id)!;
      if (s.kind === 'arg') argAt.set(id, entries[id]!);
    });
    const words: number[] = [];
    const parts: Part[] = [];
    let from = block + programOff;
    const close = () => {
      const to = block + programOff + 4 * words.length;
      if (to > from) parts.push({ from, to });
      from = to;
    };
    lowered.place(block + programOff);
    const emit = (i: Extract<FlatInstr, { op: 'kernel' }>) => {
      const sig = instructionSignature(table, i.k);
      const rec = block + recordOff.get(i)!;
      words.push(i.k, rec, rec + 8 * sig.nParams, i.slots.length, ...i.slots);
      writeLaunchRecord(memory.buffer, rec, sig, i.params, i.slots.map(() => 0));
    };
    for (const i of instrs) {
      if (i.op === 'host') {
        close();
        parts.push({ host: i });
        continue;
      }
      emit(i);
    }
    close();
    // Loop bodies follow the top-level program, outside every part: only their loop's routine runs them.
    for (const segment of lowered.segments) segment.forEach(emit);
    new Int32Array(memory.buffer, block + programOff, words.length).set(words);
    new Uint32Array(memory.buffer, tableAt, slots.length).set(entries);
    slots.forEach((s, id) => {
      if (s.kind === 'data') new Uint8Array(memory.buffer, entries[id]!, s.bytes.byteLength).set(s.bytes);
    });
    return new WasmReplayPlan(memory, module, block, tableAt, parts, slots, argAt, outputs, nOutputs, inPlace, updated, label, instrs.length, arenaBytes);
  }

  get inPlaceUpdates(): SharedVariable[] {
    return [...this.inPlace.values()].map((j) => this.updated[j]!);
  }

  /** Calls into the module per replay: one, plus one per stretch after a host step. */
  get moduleCalls(): number {
    return this.parts.filter((p) => 'from' in p).length;
  }

  /**
   * One call; 'shapes' when the shapes differ from the recorded call's, 'check' when a check failed
   * (nothing that outlives the call was written). `readOutputs: false` leaves the outputs unread.
   */
  run(args: readonly NDArray[], name: string, readOutputs = true): RunResult | 'shapes' | 'check' {
    const { slots, memory } = this;
    for (const s of slots) {
      if (s.kind === 'arg' && !sameShape(args[s.index]!.shape, s.shape)) return 'shapes';
      if (s.kind === 'shared' && !sameShape(s.variable.valueShape, s.shape)) return 'shapes';
    }
    const dynamic: [number, number][] = [];
    const own = new Map<SharedVariable, WasmValue>();
    for (const [id, s] of slots.entries()) {
      if (s.kind !== 'shared') continue;
      const a = sharedAddress(s.variable, memory);
      dynamic.push([id, a.at]);
      if (a.own) own.set(s.variable, a.own);
    }
    const allocated = new Map<number, number>();
    const writtenInPlace = new Set<number>();
    for (const [id, s] of slots.entries()) {
      if (s.kind !== 'fresh') continue;
      const j = this.inPlace.get(id);
      const target = j === undefined ? undefined : own.get(this.updated[j]!);
      if (target && dynamic.filter(([, a]) => a === target.at).length === 1) {
        dynamic.push([id, target.at]);
        writtenInPlace.add(j!);
      } else {
        const a = memory.alloc(s.length * BYTES[s.dtype]);
        allocated.set(id, a);
        dynamic.push([id, a]);
      }
    }
    const dropAllocated = () => {
      for (const a of allocated.values()) memory.free(a);
    };
    for (const [id, at] of this.argAt) memory.write(at, args[(slots[id] as { index: number }).index]!.data);
    const table = new Uint32Array(memory.buffer, this.tableAt, slots.length);
    for (const [id, a] of dynamic) table[id] = a;
    try {
      for (const part of this.parts) {
        if ('from' in part) {
          if (this.module.run(this.tableAt, part.from, part.to) !== 0) {
            dropAllocated();
            return 'check';
          }
        } else if (!this.runHost(part.host)) {
          dropAllocated();
          return 'check';
        }
      }
    } catch (e) {
      dropAllocated();
      if (e instanceof WebAssembly.RuntimeError) throw new HypatiaError(name, `a replayed call trapped in WebAssembly (${e.message})`);
      throw e;
    }
    const addressOf = (slot: number) => new Uint32Array(memory.buffer, this.tableAt, slots.length)[slot]!;
    const outputs = readOutputs
      ? this.outputs.slice(0, this.nOutputs).map((o) => new NDArray(o.dtype, o.shape, memory.read(o.dtype, addressOf(o.slot), shapeSize(o.shape))))
      : [];
    const claimed = new Set<number>();
    const updates = this.updated.map((sv, j) => {
      const o = this.outputs[this.nOutputs + j]!;
      if (writtenInPlace.has(j)) return own.get(sv)!;
      const mine = allocated.get(o.slot);
      if (mine !== undefined && !claimed.has(o.slot)) {
        claimed.add(o.slot);
        return new WasmValue(this.label, o.dtype, o.shape, mine, memory);
      }
      const bytes = shapeSize(o.shape) * BYTES[o.dtype];
      const copy = memory.alloc(bytes);
      memory.copy(copy, addressOf(o.slot), bytes);
      return new WasmValue(this.label, o.dtype, o.shape, copy, memory);
    });
    for (const [slot, a] of allocated) if (!claimed.has(slot)) memory.free(a);
    return { outputs, updates };
  }

  /** A host step between segments: operands read where the plan keeps them, results checked and written to their arena places. */
  private runHost(h: Extract<FlatInstr, { op: 'host' }>): boolean {
    const { memory } = this;
    const addressOf = (slot: number) => new Uint32Array(memory.buffer, this.tableAt, this.slots.length)[slot]!;
    const value = (o: HostOperand) => new NDArray(o.dtype, o.shape, memory.read(o.dtype, addressOf(o.slot), shapeSize(o.shape)));
    let outs: NDArray[];
    try {
      outs = h.node.op.perform(h.ins.map(value), h.node, undefined);
    } catch {
      return false;
    }
    if (outs.some((a, k) => a.dtype !== h.outs[k]!.dtype || !sameShape(a.shape, h.outs[k]!.shape))) return false;
    h.outs.forEach((o, k) => memory.write(addressOf(o.slot), outs[k]!.data));
    return true;
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.memory.free(this.block);
  }
}
