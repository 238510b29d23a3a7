import { describe, expect, it } from 'vitest';
import { BLOCK_ALIGN, BlockAllocator } from './block-allocator.js';

describe('the block allocator', () => {
  it('hands out aligned, disjoint blocks, reuses freed ones and merges neighbours', () => {
    let grown = 0;
    const a = new BlockAllocator(100, (end) => { grown = Math.max(grown, end); });
    const x = a.alloc(10);
    const y = a.alloc(100);
    const z = a.alloc(1);
    for (const at of [x, y, z]) expect(at % BLOCK_ALIGN).toBe(0);
    expect(x).toBeGreaterThan(0);
    expect(y).toBeGreaterThanOrEqual(x + 64);
    expect(z).toBeGreaterThanOrEqual(y + 128);
    expect(grown).toBe(z + 64);
    a.release(y);
    expect(a.alloc(64)).toBe(y);
    a.release(x);
    a.release(y);
    // x and y merged: a block of 192 bytes fits where they were.
    expect(a.alloc(192)).toBe(x);
    expect(() => a.release(z + 64)).toThrow(/not a live block/);
  });

  it('a random workload never hands out overlapping live blocks, and freeing everything leaves one free range', () => {
    const a = new BlockAllocator(64, () => {});
    const live = new Map<number, number>();
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let step = 0; step < 2000; step++) {
      if (live.size && rand() < 0.45) {
        const keys = [...live.keys()];
        const at = keys[Math.floor(rand() * keys.length)]!;
        a.release(at);
        live.delete(at);
      } else {
        const bytes = 1 + Math.floor(rand() ** 3 * 5000);
        const at = a.alloc(bytes);
        const clash = [...live].find(([b, n]) => !(at + bytes <= b || b + n <= at));
        if (clash) expect.fail(`block ${at}+${bytes} overlaps ${clash[0]}+${clash[1]}`);
        live.set(at, bytes);
      }
    }
    for (const at of live.keys()) a.release(at);
    expect(a.stats.liveBlocks).toBe(0);
    const top = a.stats.top;
    expect(a.alloc(top - 64)).toBe(64);
  });
});
