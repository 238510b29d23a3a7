import type { LaunchSignature } from '../function-module.js';
import type { WasmFunction } from '../wasm-encoder.js';
import { FunctionBuilder } from './function-builder.js';
import { parMinOverride } from '../wasm-fork.js';

/** Register tile: MR rows of C by two vectors (8 float32 or 4 float64 columns). */
const MR = 4;
const VECTORS = 2;
/** Depth of a k-block: a packed B panel of KC x NR floats (8 KiB) stays in L1 across the row tiles. */
const KC = 256;

export interface GemmShape { readonly esize: number; readonly nr: number }

export function gemmShape(dtype: 'float32' | 'float64'): GemmShape {
  const esize = dtype === 'float32' ? 4 : 8;
  return { esize, nr: VECTORS * (16 / esize) };
}

/** Elements of the scratch buffer one gemm launch needs: a packed B panel and a C tile. */
export function gemmScratchElements(dtype: 'float32' | 'float64'): number {
  const { nr } = gemmShape(dtype);
  return KC * nr + MR * nr;
}

export function gemmSignature(dtype: 'float32' | 'float64'): LaunchSignature {
  return {
    name: `gemm_${dtype}`,
    nParams: 11,
    buffers: [{ dtype, access: 'read' }, { dtype, access: 'read' }, { dtype, access: 'write' }, { dtype, access: 'readwrite' }],
  };
}

/**
 * C = A·B in WebAssembly SIMD, for float32 (f32x4) or float64 (f64x2): an MR x NR register tile of
 * C (8 accumulators) over k-blocks of KC, B read in place when its rows are contiguous and whole
 * (else packed into a zero-padded panel of the scratch buffer), A read through its strides one
 * element at a time and splat across the lanes, so transposes cost nothing. Edge tiles narrower
 * than NR go through a tile in the scratch buffer. With relaxed SIMD the multiply-add is fused
 * (relaxed_madd), else a multiply and an add. Sums are in the dtype, in k order within a block,
 * so results differ from the reference's float64 sums by rounding only.
 * Parameters (elements): m, n, k, rsA, csA, rsB, csB, offA, offB, offC, and 1 to add the product
 * to C (else C is overwritten); C is contiguous (row stride n). Buffers: A, B, C, scratch
 * (gemmScratchElements).
 */
export function gemmRoutine(dtype: 'float32' | 'float64', relaxed: boolean, exportName: string): WasmFunction {
  const f = new FunctionBuilder();
  emitGemm(f, dtype, relaxed, null);
  return f.finish(exportName);
}

/**
 * The gemm's walk of one share, `(record, part, parts, axis) -> 0` (the thread pool's Walk): C's
 * row tiles (MR rows) or column tiles (NR columns) divided evenly between `parts`, along whichever
 * axis leaves the largest share smallest (rows on a tie), every thread taking the same decision
 * from m and n; `axis` is unused. Each element of C is computed by one share, by the same code and
 * in the same k order as on one thread, so results are bit-identical. Part 0 packs into the
 * launch's scratch buffer; part p > 0 into its own block of GEMM_SCRATCH_BYTES at `workerScratch`
 * + (p - 1) · GEMM_SCRATCH_BYTES. A product over k = 0 is written by part 0 alone.
 */
export function gemmWalk(dtype: 'float32' | 'float64', relaxed: boolean, workerScratch: number, exportName: string): WasmFunction {
  const f = new FunctionBuilder(4);
  emitGemm(f, dtype, relaxed, { part: 1, parts: 2, workerScratch });
  return f.finish(exportName);
}

/** Multiply-adds from which a gemm launch is shared between threads (measured: docs/wasm-backend.md, Threads). */
export const GEMM_PAR_MIN = 1 << 18;

/**
 * The gemm's entry `(record) -> i32` in a threaded module: m·n·k multiply-adds counted from the
 * launch; with at least GEMM_PAR_MIN of them (HYPATIA_WASM_PAR_MIN overrides) and more than one
 * tile of C to divide, it calls `fork` (function `forkIndex`) to run the walk's shares on the
 * pool's threads; otherwise the walk (function `walkIndex`) runs the whole product here.
 */
export function gemmForkEntry(dtype: 'float32' | 'float64', id: number, walkIndex: number, forkIndex: number, exportName: string): WasmFunction {
  const { nr: NR } = gemmShape(dtype);
  const f = new FunctionBuilder();
  const c = f.c;
  const [m, n, k] = [f.param(0), f.param(1), f.param(2)];
  const min = parMinOverride() ?? GEMM_PAR_MIN;
  c.block();
  c.localGet(m).op('i64.extend_i32_u').localGet(n).op('i64.extend_i32_u').op('i64.mul').localGet(k).op('i64.extend_i32_u').op('i64.mul').i64Const(min).op('i64.lt_s').brIf(0);
  c.localGet(m).i32Const(MR).op('i32.le_s').localGet(n).i32Const(NR).op('i32.le_s').op('i32.and').brIf(0);
  c.i32Const(id).localGet(0).i32Const(0).call(forkIndex).op('return');
  c.end();
  c.localGet(0).i32Const(0).i32Const(1).i32Const(0).call(walkIndex).op('return');
  return f.finish(exportName);
}

/** Bytes of packing scratch one share needs, whichever the dtype. */
export const GEMM_SCRATCH_BYTES = Math.max(gemmScratchElements('float32') * 4, gemmScratchElements('float64') * 8);

/** The gemm's code into `f`; with `share`, only the share whose part and parts are in those locals. */
function emitGemm(f: FunctionBuilder, dtype: 'float32' | 'float64', relaxed: boolean, share: { part: number; parts: number; workerScratch: number } | null): void {
  const { esize: E, nr: NR } = gemmShape(dtype);
  const lanes = dtype === 'float32' ? 'f32x4' : 'f64x2';
  const scalar = dtype === 'float32' ? 'f32' : 'f64';
  const c = f.c;
  const [m, n, k] = [f.param(0), f.param(1), f.param(2)];
  const bytes = (p: number) => {
    const l = f.param(p);
    c.localGet(l).i32Const(E).op('i32.mul').localSet(l);
    return l;
  };
  const [rsA, csA, rsB, csB] = [bytes(3), bytes(4), bytes(5), bytes(6)];
  const [offA, offB, offC] = [bytes(7), bytes(8), bytes(9)];
  const addTo = f.param(10);
  const [A, B, C, S] = [0, 1, 2, 3].map((b) => f.buffer(11, b)) as [number, number, number, number];
  c.localGet(A).localGet(offA).op('i32.add').localSet(A);
  c.localGet(B).localGet(offB).op('i32.add').localSet(B);
  c.localGet(C).localGet(offC).op('i32.add').localSet(C);
  const ldc = f.i32();
  c.localGet(n).i32Const(E).op('i32.mul').localSet(ldc);
  const tile = f.i32();
  c.localGet(S).i32Const(KC * NR * E).op('i32.add').localSet(tile);
  const [pc, kc, j0, w, i0, h, ap, bp, bs, cp, cs, p, b, r, cc, t, end] = Array.from({ length: 17 }, () => f.i32());
  const a = Array.from({ length: MR }, () => f.i32());
  const acc = Array.from({ length: MR }, () => Array.from({ length: VECTORS }, () => f.local('v128')));
  const bv = Array.from({ length: VECTORS }, () => f.local('v128'));
  const av = f.local('v128');
  const load = (addr: () => void) => { addr(); c.memory(`${scalar}.load`); };
  const store = (addr: () => void, value: () => void) => { addr(); value(); c.memory(`${scalar}.store`); };

  // Nothing to do for an empty C; a product over k = 0 is all zeros.
  c.localGet(m).op('i32.eqz').localGet(n).op('i32.eqz').op('i32.or').if().i32Const(0).op('return').end();
  c.localGet(k).op('i32.eqz').if();
  c.localGet(addTo).if().i32Const(0).op('return').end();
  if (share) c.localGet(share.part).if().i32Const(0).op('return').end();
  c.localGet(m).localGet(n).op('i32.mul').localSet(end);
  f.forRange(t, () => c.i32Const(0), end, 1, () => store(() => c.localGet(C).localGet(t).i32Const(E).op('i32.mul').op('i32.add'), () => (scalar === 'f32' ? c.f32Const(0) : c.f64Const(0))));
  c.i32Const(0).op('return').end();
  if (share) {
    // This share's tiles [t0, t1) of the axis divided; the other axis whole.
    const [mt, nt, rows, t0, t1] = [f.i32(), f.i32(), f.i32(), f.i32(), f.i32()];
    const { part, parts } = share;
    c.localGet(m).i32Const(MR - 1).op('i32.add').i32Const(MR).op('i32.div_u').localSet(mt);
    c.localGet(n).i32Const(NR - 1).op('i32.add').i32Const(NR).op('i32.div_u').localSet(nt);
    const ceilShare = (tiles: number) => c.localGet(tiles).localGet(parts).op('i32.add').i32Const(1).op('i32.sub').localGet(parts).op('i32.div_u').op('i64.extend_i32_u');
    const wide = (l: number) => c.localGet(l).op('i64.extend_i32_u');
    // rows = ceil(mt / parts)·MR·n <= ceil(nt / parts)·NR·m
    ceilShare(mt); c.i64Const(MR).op('i64.mul'); wide(n); c.op('i64.mul');
    ceilShare(nt); c.i64Const(NR).op('i64.mul'); wide(m); c.op('i64.mul');
    c.op('i64.le_s').localSet(rows);
    const bounds = (tiles: number) => {
      for (const [t, p] of [[t0, () => c.localGet(part)], [t1, () => c.localGet(part).i32Const(1).op('i32.add')]] as const) {
        p();
        c.op('i64.extend_i32_u');
        wide(tiles);
        c.op('i64.mul');
        wide(parts);
        c.op('i64.div_u').op('i32.wrap_i64').localSet(t);
      }
    };
    c.localGet(rows).if();
    bounds(mt);
    f.set(t1, () => f.min(() => c.localGet(t1).i32Const(MR).op('i32.mul'), () => c.localGet(m)));
    c.localGet(t0).i32Const(MR).op('i32.mul').localSet(t0);
    c.localGet(A).localGet(t0).localGet(rsA).op('i32.mul').op('i32.add').localSet(A);
    c.localGet(C).localGet(t0).localGet(ldc).op('i32.mul').op('i32.add').localSet(C);
    c.localGet(t1).localGet(t0).op('i32.sub').localSet(m);
    c.else();
    bounds(nt);
    f.set(t1, () => f.min(() => c.localGet(t1).i32Const(NR).op('i32.mul'), () => c.localGet(n)));
    c.localGet(t0).i32Const(NR).op('i32.mul').localSet(t0);
    c.localGet(B).localGet(t0).localGet(csB).op('i32.mul').op('i32.add').localSet(B);
    c.localGet(C).localGet(t0).i32Const(E).op('i32.mul').op('i32.add').localSet(C);
    c.localGet(t1).localGet(t0).op('i32.sub').localSet(n);
    c.end();
    c.localGet(m).i32Const(1).op('i32.lt_s').localGet(n).i32Const(1).op('i32.lt_s').op('i32.or').if().i32Const(0).op('return').end();
    c.localGet(part).if();
    c.i32Const(share.workerScratch - GEMM_SCRATCH_BYTES).localGet(part).i32Const(GEMM_SCRATCH_BYTES).op('i32.mul').op('i32.add').localSet(S);
    c.localGet(S).i32Const(KC * NR * E).op('i32.add').localSet(tile);
    c.end();
  }

  /** Copies an h x w block between C (at row i0, column j0) and the tile, in either direction. */
  const copyTile = (toTile: boolean) => {
    f.forRange(r, () => c.i32Const(0), h, 1, () => {
      f.forRange(cc, () => c.i32Const(0), w, 1, () => {
        const atC = () => c.localGet(C).localGet(i0).localGet(r).op('i32.add').localGet(ldc).op('i32.mul').op('i32.add').localGet(j0).localGet(cc).op('i32.add').i32Const(E).op('i32.mul').op('i32.add');
        const atTile = () => c.localGet(tile).localGet(r).i32Const(NR * E).op('i32.mul').op('i32.add').localGet(cc).i32Const(E).op('i32.mul').op('i32.add');
        if (toTile) store(atTile, () => load(atC));
        else store(atC, () => load(atTile));
      });
    });
  };

  /** The register tile for `rows` rows: kc steps of one B row (two vectors) times each row's splat A element. */
  const micro = (rows: number) => {
    for (let i = 0; i < rows; i++) c.localGet(ap).localGet(rsA).i32Const(i).op('i32.mul').op('i32.add').localSet(a[i]!);
    c.localGet(pc).localGet(addTo).op('i32.or').if();
    for (let i = 0; i < rows; i++) for (let v = 0; v < VECTORS; v++) c.localGet(cp).localGet(cs).i32Const(i).op('i32.mul').op('i32.add').simdMemory('v128.load', 16 * v).localSet(acc[i]![v]!);
    c.else();
    for (let i = 0; i < rows; i++) for (let v = 0; v < VECTORS; v++) c.i32x4Const(0).localSet(acc[i]![v]!);
    c.end();
    c.localGet(kc).localSet(p);
    c.localGet(bp).localSet(b);
    c.loop();
    for (let v = 0; v < VECTORS; v++) c.localGet(b).simdMemory('v128.load', 16 * v).localSet(bv[v]!);
    for (let i = 0; i < rows; i++) {
      c.localGet(a[i]!).simdMemory(scalar === 'f32' ? 'v128.load32_splat' : 'v128.load64_splat').localSet(av);
      for (let v = 0; v < VECTORS; v++) {
        if (relaxed) c.localGet(av).localGet(bv[v]!).localGet(acc[i]![v]!).simd(`${lanes}.relaxed_madd`);
        else c.localGet(acc[i]![v]!).localGet(av).localGet(bv[v]!).simd(`${lanes}.mul`).simd(`${lanes}.add`);
        c.localSet(acc[i]![v]!);
      }
      c.localGet(a[i]!).localGet(csA).op('i32.add').localSet(a[i]!);
    }
    c.localGet(b).localGet(bs).op('i32.add').localSet(b);
    c.localGet(p).i32Const(1).op('i32.sub').localTee(p).brIf(0);
    c.end();
    for (let i = 0; i < rows; i++) {
      for (let v = 0; v < VECTORS; v++) {
        c.localGet(cp).localGet(cs).i32Const(i).op('i32.mul').op('i32.add').localGet(acc[i]![v]!).simdMemory('v128.store', 16 * v);
      }
    }
  };

  f.forRange(pc, () => c.i32Const(0), k, KC, () => {
    f.set(kc, () => f.min(() => c.i32Const(KC), () => c.localGet(k).localGet(pc).op('i32.sub')));
    f.forRange(j0, () => c.i32Const(0), n, NR, () => {
      f.set(w, () => f.min(() => c.i32Const(NR), () => c.localGet(n).localGet(j0).op('i32.sub')));
      // B's rows read in place when contiguous and whole, else packed (zero-padded) into the panel.
      c.localGet(csB).i32Const(E).op('i32.eq').localGet(w).i32Const(NR).op('i32.eq').op('i32.and').if();
      c.localGet(B).localGet(pc).localGet(rsB).op('i32.mul').op('i32.add').localGet(j0).i32Const(E).op('i32.mul').op('i32.add').localSet(bp);
      c.localGet(rsB).localSet(bs);
      c.else();
      f.forRange(r, () => c.i32Const(0), kc, 1, () => {
        for (let col = 0; col < NR; col++) {
          const at = () => c.localGet(S).localGet(r).i32Const(NR * E).op('i32.mul').op('i32.add').i32Const(col * E).op('i32.add');
          c.i32Const(col).localGet(w).op('i32.lt_s').if();
          store(at, () => load(() => c.localGet(B).localGet(pc).localGet(r).op('i32.add').localGet(rsB).op('i32.mul').op('i32.add')
            .localGet(j0).i32Const(col).op('i32.add').localGet(csB).op('i32.mul').op('i32.add')));
          c.else();
          store(at, () => (scalar === 'f32' ? c.f32Const(0) : c.f64Const(0)));
          c.end();
        }
      });
      c.localGet(S).localSet(bp);
      c.i32Const(NR * E).localSet(bs);
      c.end();
      f.forRange(i0, () => c.i32Const(0), m, MR, () => {
        f.set(h, () => f.min(() => c.i32Const(MR), () => c.localGet(m).localGet(i0).op('i32.sub')));
        c.localGet(A).localGet(i0).localGet(rsA).op('i32.mul').op('i32.add').localGet(pc).localGet(csA).op('i32.mul').op('i32.add').localSet(ap);
        c.localGet(w).i32Const(NR).op('i32.eq').if();
        c.localGet(C).localGet(i0).localGet(ldc).op('i32.mul').op('i32.add').localGet(j0).i32Const(E).op('i32.mul').op('i32.add').localSet(cp);
        c.localGet(ldc).localSet(cs);
        c.else();
        c.localGet(tile).localSet(cp);
        c.i32Const(NR * E).localSet(cs);
        c.localGet(pc).localGet(addTo).op('i32.or').if();
        copyTile(true);
        c.end();
        c.end();
        for (let rows = MR; rows >= 1; rows--) {
          c.localGet(h).i32Const(rows).op('i32.eq').if();
          micro(rows);
          c.end();
        }
        c.localGet(w).i32Const(NR).op('i32.lt_s').if();
        copyTile(false);
        c.end();
      });
    });
  });
}
