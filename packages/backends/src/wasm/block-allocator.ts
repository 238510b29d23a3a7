/**
 * Blocks of a linear memory handed out and taken back in any order: shared variables' values live
 * as long as the variable holds them, a replayed plan's area as long as the plan, a call's
 * temporaries for one call. First fit over a free list kept sorted by address, neighbours merged
 * when freed; when nothing fits, the top moves up and `grow` is asked for the bytes below it. Blocks
 * start at multiples of 64 bytes (a cache line, and any SIMD lane's alignment); address 0 is never
 * handed out.
 */
export const BLOCK_ALIGN = 64;

export class BlockAllocator {
  /** Free ranges [at, at + size), sorted by address, never touching one another. */
  private readonly free: { at: number; size: number }[] = [];
  private readonly live = new Map<number, number>();
  private top: number;

  constructor(start: number, private readonly grow: (end: number) => void, private readonly limit = 2 ** 32) {
    this.top = roundUp(Math.max(start, BLOCK_ALIGN));
  }

  /** A block of at least `bytes` bytes (at least one alignment unit); returns its address. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i]!;
      if (f.size < size) continue;
      const at = f.at;
      if (f.size === size) this.free.splice(i, 1);
      else {
        f.at += size;
        f.size -= size;
      }
      this.live.set(at, size);
      return at;
    }
    // The last free range may end at the top: extend it rather than leave it behind.
    const last = this.free[this.free.length - 1];
    const at = last && last.at + last.size === this.top ? last.at : this.top;
    const end = at + size;
    if (end > this.limit) throw new RangeError(`WebAssembly memory: ${bytes} more bytes would pass the ${this.limit}-byte limit of a 32-bit memory`);
    this.grow(end);
    if (at !== this.top) this.free.pop();
    this.top = end;
    this.live.set(at, size);
    return at;
  }

  /** Gives a block back; freeing an address that is not a live block is an error (a double free). */
  release(at: number): void {
    const size = this.live.get(at);
    if (size === undefined) throw new Error(`WebAssembly memory: ${at} is not a live block`);
    this.live.delete(at);
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.at < at) lo = mid + 1;
      else hi = mid;
    }
    const prev = this.free[lo - 1];
    const next = this.free[lo];
    if (prev && prev.at + prev.size === at) {
      prev.size += size;
      if (next && prev.at + prev.size === next.at) {
        prev.size += next.size;
        this.free.splice(lo, 1);
      }
    } else if (next && at + size === next.at) {
      next.at = at;
      next.size += size;
    } else this.free.splice(lo, 0, { at, size });
  }

  /** The size a live block was given. */
  sizeOf(at: number): number | undefined {
    return this.live.get(at);
  }

  /** Bytes in live blocks, and how many there are (for tests and describe). */
  get stats(): { liveBytes: number; liveBlocks: number; top: number } {
    let liveBytes = 0;
    for (const s of this.live.values()) liveBytes += s;
    return { liveBytes, liveBlocks: this.live.size, top: this.top };
  }
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK_ALIGN) * BLOCK_ALIGN;
}
