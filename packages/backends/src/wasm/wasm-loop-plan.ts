import { INSTRUCTION_HEADER_WORDS } from './plan-interpreter-wasm.js';
import type { WasmInstr } from './wasm-recorder.js';

type KernelInstr = Extract<WasmInstr, { op: 'kernel' }>;
type HostInstr = Extract<WasmInstr, { op: 'host' }>;

/**
 * A recording's program with its loops lowered for the plan interpreter: each loop becomes one
 * loop instruction (routines/loop-wasm.ts) in the program that holds it, and its body a program of
 * its own (a segment) that the interpreter runs by calling itself once per step.
 * A loop's launch touches everything its body touches, so liveness keeps every buffer of the body
 * for the whole loop (as native's LOOP instruction does) and nothing inside is written in place.
 */
export interface LoweredProgram {
  /** The top-level program: launches and host steps. */
  readonly main: readonly (KernelInstr | HostInstr)[];
  /** Loop bodies, each run by one loop launch, in the order they follow the main program. */
  readonly segments: readonly (readonly KernelInstr[])[];
  /** Writes each loop instruction's body address range, once the program's first word is at byte `programAt`. */
  place(programAt: number): void;
}

export function lowerLoops(instrs: readonly WasmInstr[]): LoweredProgram {
  const segments: KernelInstr[][] = [];
  const loops: { params: number[]; segment: number }[] = [];
  const lower = (list: readonly WasmInstr[], inLoop: boolean): (KernelInstr | HostInstr)[] => list.map((i) => {
    if (i.op !== 'loop') {
      if (i.op === 'host' && inLoop) throw new Error('a loop body holds a host step; such calls are not replayed');
      return i;
    }
    const segment = segments.push([]) - 1;
    const body = lower(i.body, true) as KernelInstr[];
    segments[segment] = body;
    // steps, stop, count, rows, then the body's [from, to), written by place().
    const params = [i.steps, i.stop ?? -1, i.count ?? -1, i.rows.length, 0, 0];
    loops.push({ params, segment });
    const touches = [
      ...i.rows.flatMap((r) => [r.dst, r.parent]), i.rowTable, ...body.flatMap((b) => b.touches),
      ...(i.stop !== null ? [i.stop] : []), ...(i.count !== null ? [i.count] : []),
    ];
    return { op: 'kernel', k: i.k, slots: [i.rowTable], params, touches };
  });
  const main = lower(instrs, false);
  const words = (list: readonly (KernelInstr | HostInstr)[]) => list.reduce((n, i) => n + (i.op === 'kernel' ? INSTRUCTION_HEADER_WORDS + i.slots.length : 0), 0);
  return {
    main,
    segments,
    place(programAt) {
      const starts: number[] = [];
      let at = programAt + 4 * words(main);
      for (const s of segments) {
        starts.push(at);
        at += 4 * words(s);
      }
      for (const { params, segment } of loops) {
        params[4] = starts[segment]!;
        params[5] = starts[segment]! + 4 * words(segments[segment]!);
      }
    },
  };
}
