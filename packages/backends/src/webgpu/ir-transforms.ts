import type { Expr, Idx, Kernel, Stmt } from '@hypatia/core';

/**
 * Kernel-to-kernel rewrites the WebGPU backend makes: the check statements alone (run on the host
 * when the values they read are known there), and a kernel whose loads of some buffers go to its
 * output buffer instead (an update written in place: WebGPU forbids binding one buffer read-only
 * and read-write in one dispatch).
 */

/** The buffers a kernel's check conditions read, or null when a condition reads a let (a value the checks alone cannot recompute). */
export function checkReads(k: Kernel): Set<number> | null {
  const bufs = new Set<number>();
  let ok = true;
  const idx = (i: Idx): void => {
    switch (i.k) {
      case 'read': bufs.add(i.buf); idx(i.at); return;
      case 'op': idx(i.a); idx(i.b); return;
      case 'sel': idx(i.c); idx(i.a); idx(i.b); return;
      case 'trunc': expr(i.x); return;
      default: return;
    }
  };
  const expr = (e: Expr): void => {
    switch (e.k) {
      case 'call': e.args.forEach(expr); return;
      case 'load': bufs.add(e.buf); idx(e.at); return;
      case 'index': idx(e.at); return;
      case 'get': ok = false; return;
      case 'reduce': e.over.forEach((r) => { idx(r.lo); idx(r.hi); }); expr(e.body); if (e.at) idx(e.at); return;
      default: return;
    }
  };
  for (const s of k.body) if (s.k === 'check') idx(s.cond);
  return ok ? bufs : null;
}

export function hasChecks(k: Kernel): boolean {
  return k.body.some((s) => s.k === 'check');
}

/** The kernel's checks without its lets and stores: it fails exactly where the kernel does (checkReads is not null). */
export function checksOnly(k: Kernel): Kernel {
  return { ...k, name: `${k.name}_checks`, body: k.body.filter((s) => s.k === 'check') };
}

/**
 * The kernel with every load of the buffers in `from` made from buffer `to` at the same index,
 * those buffers dropped (the others renumbered) and `to` read-write. Valid where each point reads
 * the aliased buffers only at the position it writes (an elementwise kernel whose aliased operands
 * have the output's shape).
 */
export function readingFrom(k: Kernel, from: ReadonlySet<number>, to: number): Kernel {
  const renumber = new Map<number, number>();
  k.buffers.forEach((_, b) => { if (!from.has(b)) renumber.set(b, renumber.size); });
  const buf = (b: number) => renumber.get(from.has(b) ? to : b)!;
  const idx = (i: Idx): Idx => {
    switch (i.k) {
      case 'read': return { ...i, buf: buf(i.buf), at: idx(i.at) };
      case 'op': return { ...i, a: idx(i.a), b: idx(i.b) };
      case 'sel': return { ...i, c: idx(i.c), a: idx(i.a), b: idx(i.b) };
      case 'trunc': return { ...i, x: expr(i.x) };
      default: return i;
    }
  };
  const expr = (e: Expr): Expr => {
    switch (e.k) {
      case 'call': return { ...e, args: e.args.map(expr) };
      case 'load': return { ...e, buf: buf(e.buf), at: idx(e.at) };
      case 'index': return { ...e, at: idx(e.at) };
      case 'reduce': return { ...e, over: e.over.map((r) => ({ ...r, lo: idx(r.lo), hi: idx(r.hi) })), body: expr(e.body), ...(e.at ? { at: idx(e.at) } : {}) };
      default: return e;
    }
  };
  const stmt = (s: Stmt): Stmt => {
    switch (s.k) {
      case 'let': return { ...s, value: expr(s.value) };
      case 'store': return { ...s, buf: buf(s.buf), at: idx(s.at), value: expr(s.value) };
      case 'check': return { ...s, cond: idx(s.cond) };
    }
  };
  return {
    ...k,
    name: `${k.name}_in_place`,
    buffers: k.buffers.filter((_, b) => !from.has(b)).map((d, i) => (i === buf(to) ? { ...d, access: 'readwrite' as const } : d)),
    space: k.space.map(idx),
    body: k.body.map(stmt),
  };
}
