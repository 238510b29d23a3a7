/** A buffer's life in a plan: the first and last instruction that touch it (inclusive), and its size. */
export interface Lifetime { id: number; first: number; last: number; bytes: number }

const ALIGN = 64;

/**
 * Places buffers in one arena so that buffers alive at the same time never overlap, reusing the
 * space of dead ones (first fit, largest first). Returns each buffer's byte offset and the
 * arena's size.
 */
export function planArena(lives: readonly Lifetime[]): { offsets: Map<number, number>; size: number } {
  const placed: { off: number; end: number; first: number; last: number }[] = [];
  const offsets = new Map<number, number>();
  let size = 0;
  for (const b of [...lives].sort((x, y) => y.bytes - x.bytes || x.first - y.first)) {
    const bytes = Math.ceil(Math.max(b.bytes, 1) / ALIGN) * ALIGN;
    const busy = placed.filter((p) => p.first <= b.last && b.first <= p.last).sort((x, y) => x.off - y.off);
    let off = 0;
    for (const p of busy) {
      if (off + bytes <= p.off) break;
      off = Math.max(off, p.end);
    }
    placed.push({ off, end: off + bytes, first: b.first, last: b.last });
    offsets.set(b.id, off);
    size = Math.max(size, off + bytes);
  }
  return { offsets, size };
}
