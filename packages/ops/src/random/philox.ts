/**
 * Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3" (SC 2011), as published in Random123. A keyed bijection on 128-bit
 * counters: element i of a random tensor is a pure function of (counter + i, key), so every backend
 * can draw any element independently and all of them agree bit for bit.
 *
 * One round, on counter words (c0, c1, c2, c3) and key words (k0, k1), all uint32:
 *   (hi0, lo0) = 0xD2511F53 * c0   (full 64-bit product, split in halves)
 *   (hi1, lo1) = 0xCD9E8D57 * c2
 *   (c0, c1, c2, c3) <- (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
 * Ten rounds; between consecutive rounds the key is bumped (mod 2^32):
 *   k0 += 0x9E3779B9, k1 += 0xBB67AE85
 * The output is the counter after the tenth round.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
/** Rounds of the Philox4x32 generator (Philox4x32-10). */
export const PHILOX_ROUNDS = 10;

// The multipliers split in 16-bit halves, for the high word of the 64-bit products.
const M0H = M0 >>> 16, M0L = M0 & 0xffff;
const M1H = M1 >>> 16, M1L = M1 & 0xffff;

/**
 * Philox4x32-10 of counter (c0..c3) under key (k0, k1), written into `out` (uint32 words). The
 * allocation-free form the samplers use in their inner loops. The high product words are built
 * from 16-bit halves so every partial sum stays exact in a double.
 */
export function philoxInto(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < PHILOX_ROUNDS; r++) {
    const h0 = c0 >>> 16, l0 = c0 & 0xffff;
    const h2 = c2 >>> 16, l2 = c2 & 0xffff;
    const mid0 = M0H * l0 + M0L * h0 + ((M0L * l0) >>> 16);
    const mid1 = M1H * l2 + M1L * h2 + ((M1L * l2) >>> 16);
    const hi0 = (M0H * h0 + Math.floor(mid0 / 0x10000)) >>> 0, lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = (M1H * h2 + Math.floor(mid1 / 0x10000)) >>> 0, lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Philox4x32-10: four uint32 output words for a 4-word counter and a 2-word key (for other backends' tests). */
export function philox4x32(counter: Uint32Array, key: Uint32Array): Uint32Array {
  if (counter.length !== 4 || key.length !== 2) {
    throw new RangeError(`philox4x32: the counter has 4 words and the key 2 (got ${counter.length} and ${key.length})`);
  }
  const out = new Uint32Array(4);
  philoxInto(counter[0]!, counter[1]!, counter[2]!, counter[3]!, key[0]!, key[1]!, out);
  return out;
}
