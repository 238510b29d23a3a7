import type { Lifetime } from './arena.js';
import type { Instr, RecordedOutput, SlotSource } from './plan-recorder.js';

/**
 * The liveness rule of a replayed plan, stated once. The recorder gives a buffer a new slot each
 * time it receives a new value, so a slot is one value, and the plan may reorder instructions (it
 * moves in-place updates to the end) without two values ever sharing a slot. A slot lives from the
 * first to the last instruction that touches it or any slot derived from it (a slice of it); to
 * the end when it is handed out; and, because a host step's results may alias its operands, its
 * operands live as long as its results. Intermediates ('pool' slots) whose lives overlap are
 * placed apart in the arena (arena.ts).
 */
export function slotLifetimes(slots: readonly SlotSource[], instrs: readonly Instr[], outputs: readonly RecordedOutput[]): Lifetime[] {
  const root = rootSlot(slots);
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const use = (s: number, at: number) => {
    if (!first.has(s)) first.set(s, at);
    last.set(s, Math.max(last.get(s) ?? at, at));
  };
  instrs.forEach((ins, at) => slotsTouched(ins).forEach((s) => use(root(s), at)));
  outputs.forEach((o) => use(root(o.slot), instrs.length));
  for (let at = instrs.length - 1; at >= 0; at--) {
    const ins = instrs[at]!;
    if (ins.op !== 'host') continue;
    const until = Math.max(at, ...ins.outs.map((o) => last.get(root(o.slot)) ?? at));
    for (const o of ins.ins) use(root(o.slot), until);
  }
  const lives: Lifetime[] = [];
  slots.forEach((s, id) => {
    if (s.kind !== 'pool') return;
    // A buffer no instruction touches still gets a (dead) place, so every pool slot has an offset.
    const at = first.get(id) ?? instrs.length;
    lives.push({ id, first: at, last: last.get(id) ?? at, bytes: s.bytes });
  });
  return lives;
}

/** The slot whose buffer a slot lives in: itself, or the root of the slot it was sliced from. */
export function rootSlot(slots: readonly SlotSource[]): (s: number) => number {
  return (s) => {
    for (let src = slots[s]!; src.kind === 'derived'; src = slots[s]!) s = src.parent;
    return s;
  };
}

/** Every slot an instruction reads or writes. */
export function slotsTouched(ins: Instr): number[] {
  switch (ins.op) {
    case 'kernel': return ins.slots;
    case 'slice': return [ins.dst, ins.src, ...ins.scalars];
    case 'same': return [ins.ref, ...ins.scalars.map((b) => b.slot)];
    case 'host': return [...ins.ins, ...ins.outs].map((o) => o.slot);
    case 'offset': return [ins.dst, ins.src];
    case 'truth': return [ins.slot];
    // A loop is one instruction: everything its body touches lives across all of it.
    case 'loop': return [
      ...ins.rows.flatMap((r) => [r.dst, r.parent]), ...ins.body.flatMap(slotsTouched),
      ...(ins.stop ? [ins.stop.slot] : []), ...(ins.count !== null ? [ins.count] : []),
    ];
  }
}
