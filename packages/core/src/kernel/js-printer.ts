import type { DType, TypedArray } from '../dtype.js';
import { JS_HELPERS, JS_PRIMITIVES, jsNumber } from '../scalar/js.js';
import type { Kernel } from './ir.js';
import { kernelKey } from './key.js';
import { linearize, type LExpr, type LIdx, type LStmt } from './loops.js';

/**
 * The kernel IR printed as JavaScript: the semantics every other printer must match, run on host
 * typed arrays. Tests check each op's kernels with it against the op's reference `perform`
 * before any backend prints them.
 */
export type JsKernel = (buffers: readonly TypedArray[], params: readonly number[]) => boolean;

const IDX_OP = {
  add: (a: string, b: string) => `(${a} + ${b})`,
  sub: (a: string, b: string) => `(${a} - ${b})`,
  mul: (a: string, b: string) => `(${a} * ${b})`,
  div: (a: string, b: string) => `Math.trunc(${a} / ${b})`,
  mod: (a: string, b: string) => `(${a} % ${b})`,
  min: (a: string, b: string) => `Math.min(${a}, ${b})`,
  max: (a: string, b: string) => `Math.max(${a}, ${b})`,
  lt: (a: string, b: string) => `(${a} < ${b} ? 1 : 0)`,
  le: (a: string, b: string) => `(${a} <= ${b} ? 1 : 0)`,
  eq: (a: string, b: string) => `(${a} === ${b} ? 1 : 0)`,
  ne: (a: string, b: string) => `(${a} !== ${b} ? 1 : 0)`,
  and: (a: string, b: string) => `(${a} && ${b} ? 1 : 0)`,
  or: (a: string, b: string) => `(${a} || ${b} ? 1 : 0)`,
} as const;

function idx(i: LIdx): string {
  switch (i.k) {
    case 'lit': return `${i.v}`;
    case 'var': return `v${i.v}`;
    case 'param': return `p[${i.p}]`;
    case 'read': return `b${i.buf}[${idx(i.at)}]`;
    case 'op': return IDX_OP[i.op](idx(i.a), idx(i.b));
    case 'sel': return `(${idx(i.c)} ? ${idx(i.a)} : ${idx(i.b)})`;
    case 'temp': return `t${i.t}`;
  }
}

function fromInteger(x: string, dtype: DType): string {
  return dtype === 'int32' ? `(${x} | 0)` : dtype === 'bool' ? `(${x} ? 1 : 0)` : dtype === 'float32' ? `Math.fround(${x})` : `(+${x})`;
}

function expr(e: LExpr): string {
  switch (e.k) {
    case 'const': return jsNumber(e.v);
    case 'call': return JS_PRIMITIVES[e.f](e.args.map(expr), e.dtype);
    case 'load': return `b${e.buf}[${idx(e.at)}]`;
    case 'index': return fromInteger(idx(e.at), e.dtype);
    case 'temp': return `t${e.t}`;
  }
}

function stmts(ss: readonly LStmt[], pad: string): string {
  return ss.map((s) => stmt(s, pad)).join('\n');
}

function stmt(s: LStmt, pad: string): string {
  switch (s.k) {
    case 'for': return `${pad}for (let v${s.v} = ${idx(s.lo)}, e${s.v} = ${idx(s.hi)}; v${s.v} < e${s.v}; v${s.v}++) {\n${stmts(s.body, `${pad}  `)}\n${pad}}`;
    case 'decl': return `${pad}let t${s.t} = ${expr(s.init)};`;
    case 'assign': return `${pad}t${s.t} = ${expr(s.value)};`;
    case 'if': return `${pad}if (${expr(s.cond)}) {\n${stmts(s.then, `${pad}  `)}\n${pad}}${s.else ? ` else {\n${stmts(s.else, `${pad}  `)}\n${pad}}` : ''}`;
    case 'store': return `${pad}b${s.buf}[${idx(s.at)}] ${s.accumulate ? '+=' : '='} ${expr(s.value)};`;
    case 'fail': return `${pad}failed = true;`;
  }
}

/** The kernel as JavaScript source: a function of (buffers, params) returning whether a check failed. */
export function kernelToJS(k: Kernel): string {
  const prog = linearize(k, { spaceLoops: true });
  return `${JS_HELPERS}
return function ${k.name}(b, p) {
  ${k.buffers.map((_, i) => `const b${i} = b[${i}];`).join(' ')}
  let failed = false;
${stmts(prog.body, '  ')}
  return failed;
};`;
}

const cache = new Map<string, JsKernel>();

/** A kernel printed as JavaScript and compiled (cached by the kernel's key): the IR's reference semantics. */
export function compileKernelJS(k: Kernel): JsKernel {
  const key = kernelKey(k);
  let f = cache.get(key);
  if (!f) {
    f = new Function(kernelToJS(k))() as JsKernel;
    cache.set(key, f);
  }
  return f;
}
