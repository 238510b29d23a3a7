/** A small seeded generator (mulberry32): the same seed gives the same program on every machine. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform on [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** A value rounded to a few digits, so a printed reproducer holds exactly the numbers that ran. */
  uniform(lo: number, hi: number): number {
    return Math.round((lo + (hi - lo) * this.next()) * 1e4) / 1e4;
  }
  /** A nested array of the given shape filled by `f`. */
  array(shape: readonly number[], f: () => number): unknown {
    if (!shape.length) return f();
    return Array.from({ length: shape[0]! }, () => this.array(shape.slice(1), f));
  }
}
