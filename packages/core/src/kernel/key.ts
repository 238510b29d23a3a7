import type { Expr, Idx, Kernel, Stmt } from './ir.js';
import { constKey } from '../scalar/expr.js';

/** Canonical texts: equal texts mean equal IR (kernel caches, deduplicated reductions). */
export function idxKey(i: Idx): string {
  switch (i.k) {
    case 'lit': return `${i.v}`;
    case 'var': return `v${i.v}`;
    case 'param': return `p${i.p}`;
    case 'read': return `b${i.buf}[${idxKey(i.at)}]`;
    case 'op': return `${i.op}(${idxKey(i.a)},${idxKey(i.b)})`;
    case 'sel': return `sel(${idxKey(i.c)},${idxKey(i.a)},${idxKey(i.b)})`;
    case 'trunc': return `trunc(${exprKey(i.x)})`;
  }
}

/** A value expression's canonical text: equal texts mean equal expressions. */
export function exprKey(e: Expr): string {
  switch (e.k) {
    case 'const': return constKey(e);
    case 'call': return `${e.f}:${e.dtype}(${e.args.map(exprKey).join(',')})`;
    case 'load': return `load:${e.dtype}:b${e.buf}[${idxKey(e.at)}]`;
    case 'index': return `index:${e.dtype}(${idxKey(e.at)})`;
    case 'get': return `get:${e.dtype}:${e.v}`;
    case 'reduce':
      return `${e.op}:${e.acc}>${e.dtype}[${e.over.map((r) => `v${r.v}=${idxKey(r.lo)}..${idxKey(r.hi)}`).join(';')}](${exprKey(e.body)})${e.at ? `@${idxKey(e.at)}` : ''}`;
  }
}

function stmtKey(s: Stmt): string {
  switch (s.k) {
    case 'let': return `let v${s.v}=${exprKey(s.value)}`;
    case 'store': return `b${s.buf}[${idxKey(s.at)}]${s.accumulate ? '+=' : '='}${exprKey(s.value)}`;
    case 'check': return `check ${idxKey(s.cond)}`;
  }
}

/** The kernel's text without its name: two kernels with equal keys compile to the same code. */
export function kernelKey(k: Kernel): string {
  return [
    k.buffers.map((b) => `${b.access}:${b.dtype}`).join(','), `p${k.nParams}`, k.space.map(idxKey).join('x'),
    k.sequential ? 'seq' : 'par', ...k.body.map(stmtKey),
  ].join('|');
}
