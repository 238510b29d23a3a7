import type { CodeWriter, ValType } from './wasm-encoder.js';

/**
 * float32 exp in WebAssembly, the C printer's hyp_vexpf (native/kernels/vector-exp-c.ts) written
 * out: in double, x = k ln2 + r with |r| <= ln2 / 2 (k by the round-to-nearest shifter trick),
 * e^r by its degree-10 Taylor polynomial (relative error < 1e-11), 2^k put into the exponent bits,
 * then one rounding to float, which also gives inf on overflow and subnormals or 0 on underflow;
 * NaN flows through r. Against the correctly rounded result it differs in 2 of 330M float bit
 * patterns, by one ulp. A call into JavaScript's Math.exp costs a few ns a point and keeps a
 * loop from SIMD; this is straight-line arithmetic, and the f32x4 form (two f64x2 halves) is the
 * same operations in the same order, so a vectorised span gives the scalar loop's bits.
 */
const SHIFTER = 6755399441055744; // 0x1.8p52
const LN2_HI = 0.6931471805598903; // 0x1.62e42fefa3800p-1
const LN2_LO = 5.497923018708371e-14; // 0x1.ef35793c76730p-45
const TAYLOR = [1 / 362880, 1 / 40320, 1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1];

/** Allocates a local of a type (the printer's scratch locals). */
export type LocalOf = (t: ValType) => number;

/** exp of the f64 on the stack (a promoted float32), leaving an f32. */
export function emitExpF32(c: CodeWriter, local: LocalOf): void {
  const [x, xc, kd0, kd, r] = [local('f64'), local('f64'), local('f64'), local('f64'), local('f64')];
  c.localSet(x);
  const clamp = (l: number, bound: number, cmp: 'f64.lt' | 'f64.gt') => c.f64Const(bound).localGet(l).localGet(l).f64Const(bound).op(cmp).op('select');
  clamp(x, -110, 'f64.lt');
  c.localSet(xc);
  clamp(xc, 90, 'f64.gt');
  c.localSet(xc);
  c.localGet(xc).f64Const(Math.LOG2E).op('f64.mul').f64Const(SHIFTER).op('f64.add').localSet(kd0);
  c.localGet(kd0).f64Const(SHIFTER).op('f64.sub').localSet(kd);
  c.localGet(x).localGet(kd).f64Const(LN2_HI).op('f64.mul').op('f64.sub').localGet(kd).f64Const(LN2_LO).op('f64.mul').op('f64.sub').localSet(r);
  clamp(r, -0.75, 'f64.lt');
  c.localSet(r);
  c.f64Const(1 / 3628800);
  for (const t of TAYLOR) c.localGet(r).op('f64.mul').f64Const(t).op('f64.add');
  c.localGet(kd0).op('i64.reinterpret_f64').i64Const(32).op('i64.shl').i64Const(32).op('i64.shr_s');
  c.i64Const(1023).op('i64.add').i64Const(52).op('i64.shl').op('f64.reinterpret_i64');
  c.op('f64.mul').op('f32.demote_f64');
}

/** exp of each lane of the f32x4 on the stack, leaving an f32x4: the scalar steps on two f64x2 halves. */
export function emitExpF32x4(c: CodeWriter, local: LocalOf): void {
  const [v, lo, hi, x, xc, kd0, kd, r] = Array.from({ length: 8 }, () => local('v128')) as number[];
  c.localSet(v!);
  const half = (out: number) => {
    c.localSet(x!);
    const clamp = (l: number, bound: number, cmp: 'f64x2.lt' | 'f64x2.gt') => c.f64x2Const(bound).localGet(l).localGet(l).f64x2Const(bound).simd(cmp).simd('v128.bitselect');
    clamp(x!, -110, 'f64x2.lt');
    c.localSet(xc!);
    clamp(xc!, 90, 'f64x2.gt');
    c.localSet(xc!);
    c.localGet(xc!).f64x2Const(Math.LOG2E).simd('f64x2.mul').f64x2Const(SHIFTER).simd('f64x2.add').localSet(kd0!);
    c.localGet(kd0!).f64x2Const(SHIFTER).simd('f64x2.sub').localSet(kd!);
    c.localGet(x!).localGet(kd!).f64x2Const(LN2_HI).simd('f64x2.mul').simd('f64x2.sub').localGet(kd!).f64x2Const(LN2_LO).simd('f64x2.mul').simd('f64x2.sub').localSet(r!);
    clamp(r!, -0.75, 'f64x2.lt');
    c.localSet(r!);
    c.f64x2Const(1 / 3628800);
    for (const t of TAYLOR) c.localGet(r!).simd('f64x2.mul').f64x2Const(t).simd('f64x2.add');
    c.localGet(kd0!).i32Const(32).simd('i64x2.shl').i32Const(32).simd('i64x2.shr_s');
    c.v128Const(new Uint8Array(BigInt64Array.of(1023n, 1023n).buffer)).simd('i64x2.add').i32Const(52).simd('i64x2.shl');
    c.simd('f64x2.mul').simd('f32x4.demote_f64x2_zero').localSet(out);
  };
  c.localGet(v!).simd('f64x2.promote_low_f32x4');
  half(lo!);
  // The high two lanes moved down, then promoted.
  c.localGet(v!).localGet(v!).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]).simd('f64x2.promote_low_f32x4');
  half(hi!);
  c.localGet(lo!).localGet(hi!).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
}
