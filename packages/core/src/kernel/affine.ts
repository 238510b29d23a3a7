import type { LIdx } from './loops.js';

/**
 * An index as coef * v + rest, with neither part depending on variable v, or null when v appears
 * otherwise (divided, in a min or a select, inside a buffer read) or the index reads a temporary. Printers use it to walk an
 * operand along a loop with a pointer and a stride (a stride of 1 or 0 makes a vectorisable loop).
 */
export function linearIn(i: LIdx, v: number): { coef: LIdx; rest: LIdx } | null {
  // A temporary is computed inside the loop and may depend on v.
  if (readsTemp(i)) return null;
  const zero: LIdx = { k: 'lit', v: 0 };
  if (!mentions(i, v)) return { coef: zero, rest: i };
  switch (i.k) {
    case 'var': return { coef: { k: 'lit', v: 1 }, rest: zero };
    case 'op': {
      if (i.op === 'add' || i.op === 'sub') {
        const a = linearIn(i.a, v);
        const b = linearIn(i.b, v);
        if (!a || !b) return null;
        return { coef: combine(i.op, a.coef, b.coef), rest: combine(i.op, a.rest, b.rest) };
      }
      if (i.op === 'mul') {
        if (!mentions(i.b, v)) {
          const a = linearIn(i.a, v);
          return a && { coef: combine('mul', a.coef, i.b), rest: combine('mul', a.rest, i.b) };
        }
        if (!mentions(i.a, v)) {
          const b = linearIn(i.b, v);
          return b && { coef: combine('mul', i.a, b.coef), rest: combine('mul', i.a, b.rest) };
        }
      }
      return null;
    }
    default: return null;
  }
}

function combine(op: 'add' | 'sub' | 'mul', a: LIdx, b: LIdx): LIdx {
  const lit = (x: LIdx) => (x.k === 'lit' ? x.v : null);
  const [x, y] = [lit(a), lit(b)];
  if (x !== null && y !== null) return { k: 'lit', v: op === 'add' ? x + y : op === 'sub' ? x - y : x * y };
  if (op === 'mul' && (x === 0 || y === 0)) return { k: 'lit', v: 0 };
  if (op === 'mul' && x === 1) return b;
  if (op === 'mul' && y === 1) return a;
  if (op !== 'mul' && y === 0) return a;
  if (op === 'add' && x === 0) return b;
  return { k: 'op', op, a, b };
}

/** Whether the index depends on variable v. */
export function mentions(i: LIdx, v: number): boolean {
  switch (i.k) {
    case 'var': return i.v === v;
    case 'lit': case 'param': case 'temp': return false;
    case 'read': return mentions(i.at, v);
    case 'op': return mentions(i.a, v) || mentions(i.b, v);
    case 'sel': return mentions(i.c, v) || mentions(i.a, v) || mentions(i.b, v);
  }
}

function readsTemp(i: LIdx): boolean {
  switch (i.k) {
    case 'temp': return true;
    case 'lit': case 'var': case 'param': return false;
    case 'read': return readsTemp(i.at);
    case 'op': return readsTemp(i.a) || readsTemp(i.b);
    case 'sel': return readsTemp(i.c) || readsTemp(i.a) || readsTemp(i.b);
  }
}
