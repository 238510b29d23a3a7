import { E, type Expr, type KernelBuilder } from '@hypatia/core';
import { PHILOX_ROUNDS } from './philox.js';

/**
 * Philox4x32-10 (philox.ts) in the kernel IR, on uint32 words held as int32: int32 addition and
 * multiplication wrap modulo 2^32, and mulhi_u32 gives the high word of the unsigned product, so
 * every printer computes the same words as the reference. Each round's words are lets, which keeps
 * the expressions small (a word depends on two words of the round before).
 */
const M0 = 0xd2511f53 | 0;
const M1 = 0xcd9e8d57 | 0;
const W0 = 0x9e3779b9 | 0;
const W1 = 0xbb67ae85 | 0;

export const word = (v: number): Expr => E.c(v | 0, 'int32');
export const bitxor = (a: Expr, b: Expr): Expr => E.call('bitxor', [a, b]);
const mulhi = (a: Expr, b: Expr): Expr => E.call('mulhi_u32', [a, b]);

/** The four output words for counter (c0..c3) under key (k0, k1). */
export function philoxWords(k: KernelBuilder, counter: readonly [Expr, Expr, Expr, Expr], key: readonly [Expr, Expr]): [Expr, Expr, Expr, Expr] {
  let [c0, c1, c2, c3] = counter;
  for (let r = 0; r < PHILOX_ROUNDS; r++) {
    // The key of round r: bumped r times, modulo 2^32.
    const k0 = E.add(key[0], word(Math.imul(r, W0)));
    const k1 = E.add(key[1], word(Math.imul(r, W1)));
    const n0 = k.let(bitxor(bitxor(mulhi(word(M1), c2), c1), k0));
    const n1 = k.let(E.mul(word(M1), c2));
    const n2 = k.let(bitxor(bitxor(mulhi(word(M0), c0), c3), k1));
    const n3 = k.let(E.mul(word(M0), c0));
    [c0, c1, c2, c3] = [n0, n1, n2, n3];
  }
  return [c0, c1, c2, c3];
}

/** Unsigned a < b on uint32 words held as int32: flipping the sign bit orders them as signed. */
export function unsignedLess(a: Expr, b: Expr): Expr {
  return E.lt(bitxor(a, word(0x80000000)), bitxor(b, word(0x80000000)));
}

/** The 64-bit counter (lo, hi) plus n (int32, non-negative) as its two words: lo wraps and carries into hi. */
export function counterPlus(lo: Expr, hi: Expr, n: Expr): [Expr, Expr] {
  const sum = E.add(lo, n);
  return [sum, E.add(hi, E.cast(unsignedLess(sum, lo), 'int32'))];
}
