import { sameShape, type SharedVariable } from '@hypatia/core';

/** What the rule reads of a plan's instructions: the kind, and an elementwise launch's output slot and operands. */
interface PlanInstr { op: string; elementwise?: { out: number; operands: readonly { slot: number; fullShape: boolean }[] } }

export interface InPlaceSpec<I extends PlanInstr> {
  /** The recorded buffers: a shared variable's slot names it and its shape. */
  slots: readonly { kind: string; variable?: SharedVariable; shape?: readonly number[] }[];
  /** The recorded call's outputs, then its updates' new values: their slots and shapes. */
  outputs: readonly { slot: number; shape: readonly number[] }[];
  nOutputs: number;
  updated: readonly SharedVariable[];
  /** The recorded program, in order. */
  instrs: readonly I[];
  /** The buffer a slot is part of (itself unless derived). */
  root: (slot: number) => number;
  /** The root slots an instruction reads or writes. */
  touched: (ins: I) => number[];
  /** Whether update j's new value is the buffer the variable then holds, not a copy; absent, every one is. */
  handed?: (j: number) => boolean;
}

/**
 * Which updates a replay writes into the variable's own buffer, as the native and wasm plans both
 * decide it: the update's only writer is an elementwise launch (or one that says which operands it
 * reads element for element and which anywhere, as a Gemm's does: RunContext.launchUpdate) whose
 * operands read the variable only as itself, at full shape; nothing else reads the new value, no output reads the old one, no
 * host step is given the old value (it may return it, and later readers would see it changed), and
 * no other in-place launch reads it. Those launches move to the end, after every instruction that
 * can fail and every other reader of the old values. Gives the fresh slots written in place (by
 * slot: the update's index) and the program with those launches last.
 */
export function inPlaceUpdates<I extends PlanInstr>(spec: InPlaceSpec<I>): { inPlace: Map<number, number>; instrs: I[] } {
  const { slots, outputs, nOutputs, instrs: program, root, touched } = spec;
  const inPlace = new Map<number, number>();
  const moved = new Set<I>();
  const targets = new Set<number>();
  spec.updated.forEach((sv, j) => {
    const out = outputs[nOutputs + j]!;
    const F = out.slot;
    const S = slots.findIndex((s) => s.kind === 'shared' && s.variable === sv);
    if (spec.handed && !spec.handed(j)) return;
    if (slots[F]!.kind !== 'fresh' || S < 0 || inPlace.has(F)) return;
    if (outputs.some((o, k) => k !== nOutputs + j && (o.slot === F || root(o.slot) === S))) return;
    const writers = program.filter((ins) => touched(ins).includes(F));
    const w = writers[0];
    if (writers.length !== 1 || w!.op !== 'kernel' || w!.elementwise?.out !== F) return;
    if (!sameShape(slots[S]!.shape!, out.shape)) return;
    if (w!.elementwise.operands.some((o) => root(o.slot) === S && (o.slot !== S || !o.fullShape))) return;
    if (program.some((ins) => ins.op === 'host' && touched(ins).includes(S))) return;
    const reads = touched(w!);
    if (reads.some((s) => targets.has(s)) || [...moved].some((m) => touched(m).includes(S))) return;
    inPlace.set(F, j);
    moved.add(w!);
    targets.add(S);
  });
  return { inPlace, instrs: [...program.filter((i) => !moved.has(i)), ...program.filter((i) => moved.has(i))] };
}
