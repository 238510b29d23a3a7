import { linearize, type Idx, type Kernel, type LExpr, type LStmt } from '@hypatia/core';
import { paramOffset } from './launch-record.js';
import { CodeWriter, type FunctionImport, type WasmFunction } from './wasm-encoder.js';
import { isMathImport } from './wasm-math.js';

/**
 * Points from which a launch is shared between threads, the native backend's rule (c-printer.ts,
 * PAR_MIN): waking a thread costs ~10 us, so plain arithmetic (memory-bound) waits for 2^21 points,
 * float32 exp for 2^15, functions imported from JavaScript for 2^13, points that loop (reductions)
 * for 2^10. HYPATIA_WASM_PAR_MIN overrides them all (tests share every launch it allows).
 */
const PAR_MIN = { plain: 1 << 21, vexp: 1 << 15, libm: 1 << 13, loop: 1 << 10 } as const;

/** The import a threaded module calls to share a launch: fork(kernel, record, axis) -> failed. */
export const FORK_IMPORT: FunctionImport = { module: 'threads', name: 'fork', type: { params: ['i32', 'i32', 'i32'], results: ['i32'] } };

/** Whether a kernel's launches can be split between threads: points independent, extents from parameters. */
export function forkable(k: Kernel): boolean {
  return !k.sequential && k.space.length > 0 && k.space.every(pureExtent);
}

function pureExtent(i: Idx): boolean {
  switch (i.k) {
    case 'lit': case 'param': return true;
    case 'op': return (i.op === 'add' || i.op === 'sub' || i.op === 'mul' || i.op === 'min' || i.op === 'max') && pureExtent(i.a) && pureExtent(i.b);
    default: return false;
  }
}

/** The points a launch must have before it is shared, from what one point costs. */
export function parMin(k: Kernel): number {
  return parMinOverride() ?? PAR_MIN[pointCost(k)];
}

/** HYPATIA_WASM_PAR_MIN, read when a module is built: the size from which every launch that can be shared is. */
export function parMinOverride(): number | null {
  const env = typeof process !== 'undefined' ? Number(process.env?.HYPATIA_WASM_PAR_MIN) : NaN;
  return Number.isFinite(env) && env > 0 ? env : null;
}

function pointCost(k: Kernel): keyof typeof PAR_MIN {
  let point: readonly LStmt[] = linearize(k, { spaceLoops: true }).body;
  for (let d = 0; d < k.space.length; d++) {
    const loop = point.find((s): s is Extract<LStmt, { k: 'for' }> => s.k === 'for' && s.axis === d);
    if (!loop) break;
    point = loop.body;
  }
  let cost: keyof typeof PAR_MIN = 'plain';
  const expr = (e: LExpr): void => {
    if (e.k !== 'call') return;
    if (e.f === 'exp' && e.dtype === 'float32') {
      if (cost === 'plain') cost = 'vexp';
    } else if (isMathImport(e.f)) cost = 'libm';
    e.args.forEach(expr);
  };
  const stmts = (ss: readonly LStmt[]): boolean => ss.some((s) => {
    switch (s.k) {
      case 'for': return true;
      case 'if': expr(s.cond); return stmts(s.then) || stmts(s.else ?? []);
      case 'decl': expr(s.init); return false;
      case 'assign': case 'store': expr(s.value); return false;
      case 'fail': return false;
    }
  });
  return stmts(point) ? 'loop' : cost;
}

/**
 * A forkable kernel's entry `(record) -> i32`: its points counted from the launch's parameters;
 * with enough of them it calls `fork` (the thread pool runs a share on each of `threads` threads,
 * this one's through the walk) along the outermost space axis at least `threads` long, else the
 * longest (a contiguous elementwise call is one long row), if that is at least 2; otherwise the
 * walk runs all the points here.
 */
export function forkEntry(k: Kernel, id: number, threads: number, walkIndex: number, forkIndex: number, exportName: string): WasmFunction {
  const c = new CodeWriter();
  const RECORD = 0;
  const rank = k.space.length;
  const E = Array.from({ length: rank }, (_, d) => 1 + d);
  const [N, LONGEST] = [1 + rank, 2 + rank];
  const AXIS = 3 + rank;
  // An extent (i64) from the launch's parameters; min and max by select, as the printer's index arithmetic.
  const extent = (i: Idx): void => {
    switch (i.k) {
      case 'lit': c.i64Const(i.v); return;
      case 'param': c.localGet(RECORD).memory('i64.load', paramOffset(i.p)); return;
      case 'op':
        if (i.op === 'min' || i.op === 'max') {
          extent(i.a);
          extent(i.b);
          extent(i.a);
          extent(i.b);
          c.op(i.op === 'min' ? 'i64.lt_s' : 'i64.gt_s').op('select');
        } else {
          extent(i.a);
          extent(i.b);
          c.op(`i64.${i.op as 'add' | 'sub' | 'mul'}`);
        }
        return;
      default: throw new Error(`wasm fork: kernel ${k.name} has an extent that is not a parameter expression`);
    }
  };
  c.i64Const(1).localSet(N);
  k.space.forEach((e, d) => {
    extent(e);
    c.localTee(E[d]!).localGet(N).op('i64.mul').localSet(N);
  });
  c.block();
  c.localGet(N).i64Const(parMin(k)).op('i64.lt_s').brIf(0);
  // The longest axis, then the outermost one long enough for every thread instead.
  c.i32Const(0).localSet(AXIS);
  c.localGet(E[0]!).localSet(LONGEST);
  for (let d = 1; d < rank; d++) {
    c.localGet(E[d]!).localGet(LONGEST).op('i64.gt_s').if();
    c.i32Const(d).localSet(AXIS).localGet(E[d]!).localSet(LONGEST);
    c.end();
  }
  for (let d = rank - 1; d >= 0; d--) {
    c.localGet(E[d]!).i64Const(threads).op('i64.ge_s').if();
    c.i32Const(d).localSet(AXIS).localGet(E[d]!).localSet(LONGEST);
    c.end();
  }
  c.localGet(LONGEST).i64Const(2).op('i64.lt_s').brIf(0);
  c.i32Const(id).localGet(RECORD).localGet(AXIS).call(forkIndex).op('return');
  c.end();
  c.localGet(RECORD).i32Const(0).i32Const(1).i32Const(0).call(walkIndex);
  return { type: { params: ['i32'], results: ['i32'] }, locals: [...E.map(() => 'i64' as const), 'i64', 'i64', 'i32'], code: c, export: exportName };
}
