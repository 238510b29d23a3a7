import { linearIn, linearize, type DType, type Kernel, type LExpr, type LIdx, type LStmt } from '@hypatia/core';
import { C_PRIMITIVES, SCALAR_HELPERS, cConst, cType } from './c-scalar.js';
import { VECTOR_EXPF_C, VEXPF_ZERO, withVectorExp } from './kernels/vector-exp-c.js';
import { TEAM_BACKOFF_C } from './kernels/team-backoff-c.js';
import { jamPoints } from './point-jam.js';

/**
 * The kernel IR printed as C: `static int name(void **b, const int64_t *p)`, returning 1 when a
 * check failed. The iteration space's points are shared out between OpenMP threads as one flat
 * range, walked by nested loops (the innermost a plain loop over the last axis, which gcc
 * vectorises, versioning unit strides), with each hoisted reduction computed where its loop
 * begins. Threads start only when the points are many enough to pay for waking them.
 */
const IDX_OP = {
  add: (a: string, b: string) => `(${a} + ${b})`,
  sub: (a: string, b: string) => `(${a} - ${b})`,
  mul: (a: string, b: string) => `(${a} * ${b})`,
  div: (a: string, b: string) => `(${a} / ${b})`,
  mod: (a: string, b: string) => `(${a} % ${b})`,
  min: (a: string, b: string) => `hyp_min64(${a}, ${b})`,
  max: (a: string, b: string) => `hyp_max64(${a}, ${b})`,
  lt: (a: string, b: string) => `(int64_t)(${a} < ${b})`,
  le: (a: string, b: string) => `(int64_t)(${a} <= ${b})`,
  eq: (a: string, b: string) => `(int64_t)(${a} == ${b})`,
  ne: (a: string, b: string) => `(int64_t)(${a} != ${b})`,
  and: (a: string, b: string) => `(int64_t)(${a} && ${b})`,
  or: (a: string, b: string) => `(int64_t)(${a} || ${b})`,
} as const;

/** How a printed load or store names its element: `b3[at]` by default, `p0[j]` inside a span. */
type Access = (buf: number, at: LIdx) => string | null;
let access: Access = () => null;

function idx(i: LIdx): string {
  switch (i.k) {
    case 'lit': return `${i.v}LL`;
    case 'var': return `v${i.v}`;
    case 'param': return `p[${i.p}]`;
    case 'read': return `(int64_t)b${i.buf}[${idx(i.at)}]`;
    case 'op': return IDX_OP[i.op](idx(i.a), idx(i.b));
    case 'sel': return `(${idx(i.c)} ? ${idx(i.a)} : ${idx(i.b)})`;
    case 'temp': return `(int64_t)t${i.t}`;
  }
}

function fromInteger(x: string, d: DType): string {
  return d === 'bool' ? `((uint8_t)((${x}) != 0))` : `((${cType(d)})(${x}))`;
}

function expr(e: LExpr): string {
  switch (e.k) {
    case 'const': return cConst(e.v, e.dtype);
    case 'call': return C_PRIMITIVES[e.f](e.args.map(expr), e.dtype, e.args.map((a) => a.dtype));
    case 'load': return access(e.buf, e.at) ?? `b${e.buf}[${idx(e.at)}]`;
    case 'index': return fromInteger(idx(e.at), e.dtype);
    case 'temp': return `t${e.t}`;
  }
}

function stmts(ss: readonly LStmt[], pad: string, temps: readonly DType[], bufs: readonly DType[]): string {
  return ss.map((s) => stmt(s, pad, temps, bufs)).join('\n');
}

function stmt(s: LStmt, pad: string, temps: readonly DType[], bufs: readonly DType[]): string {
  const inner = (ss: readonly LStmt[]) => stmts(ss, `${pad}  `, temps, bufs);
  switch (s.k) {
    case 'for': return `${pad}for (int64_t v${s.v} = ${idx(s.lo)}, e${s.v} = ${idx(s.hi)}; v${s.v} < e${s.v}; v${s.v}++) {\n${inner(s.body)}\n${pad}}`;
    case 'decl': return `${pad}${cType(s.dtype)} t${s.t} = ${withVectorExp(expr(s.init))};`;
    case 'assign': return `${pad}t${s.t} = ${withVectorExp(expr(s.value))};`;
    case 'if': return `${pad}if (${expr(s.cond)}) {\n${inner(s.then)}\n${pad}}${s.else ? ` else {\n${inner(s.else)}\n${pad}}` : ''}`;
    case 'store': {
      const at = access(s.buf, s.at) ?? `b${s.buf}[${idx(s.at)}]`;
      const d = bufs[s.buf]!;
      const value = s.accumulate ? C_PRIMITIVES.add([at, expr(s.value)], d, [d, d]) : expr(s.value);
      return `${pad}${at} = ${withVectorExp(value)};`;
    }
    case 'fail': return `${pad}hyp_failed = 1;`;
  }
}

/** What a point costs: a loop (a reduction), libm calls, the vectorised float32 exp, or plain arithmetic. */
function pointCost(ss: readonly LStmt[], text: string): keyof typeof PAR_MIN {
  if (ss.some(function loops(s: LStmt): boolean { return s.k === 'for' || (s.k === 'if' && [...s.then, ...(s.else ?? [])].some(loops)); })) return 'loop';
  const calls = text.replace(/\b(hyp_(iadd|isub|imul|iabs|max_\w+|min_\w+|f2i|vexpf|max64|min64)|fabsf?|floorf?|ceilf?|rintf?)\s*\(/g, '');
  if (/\b[a-z_0-9]+\s*\(/.test(calls.replace(/\((int64_t|int32_t|uint8_t|float|double)\)/g, ''))) return 'libm';
  return text.includes('hyp_vexpf(') ? 'vexp' : 'plain';
}

/**
 * Points from which a parallel region pays for itself while the team's threads still spin after
 * the last shared launch (a hand-over of a few us): plain arithmetic is memory-bound and waits for
 * 2^17 points, the vectorised exp (~0.3-1 ns a point) for 2^15, libm calls (several ns a point)
 * for 2^13, points that loop (reductions) for 2^10. Waking a sleeping thread costs 20-30 us of the
 * caller's time on a 2-vCPU VM and as much again before the thread starts, so a launch that
 * finds the team asleep waits for 8 times as many points (2^21 for plain arithmetic).
 */
const PAR_MIN = { plain: 1 << 17, vexp: 1 << 15, libm: 1 << 13, loop: 1 << 10 } as const;
const PAR_MIN_COLD = { plain: 1 << 21, vexp: 1 << 18, libm: 1 << 16, loop: 1 << 13 } as const;

const HELPERS = `${VECTOR_EXPF_C}${TEAM_BACKOFF_C}
#ifndef HYP_IR_COMMON
#define HYP_IR_COMMON
/* The walk of points that call the vectorised exp: compute-bound, so gcc is let use 64-byte
   vectors there (it prefers 32-byte ones on AVX-512 machines; a no-op without AVX-512). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HYP_WIDE_VECTORS __attribute__((target("prefer-vector-width=512")))
#else
#define HYP_WIDE_VECTORS
#endif
static inline int64_t hyp_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t hyp_max64(int64_t a, int64_t b) { return a > b ? a : b; }
/* This thread's share [*lo, *hi) of n points. */
static inline void hyp_ir_share(int64_t n, int64_t *lo, int64_t *hi) {
#ifdef _OPENMP
  const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
  const int64_t t = 0, nt = 1;
#endif
  const int64_t per = (n + nt - 1) / nt;
  *lo = t * per < n ? t * per : n;
  *hi = *lo + per < n ? *lo + per : n;
}
#endif
`;

/** What a translation unit holding printed kernels starts with (the addon's header has the same). */
export const C_PRINTER_PRELUDE = `#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
${SCALAR_HELPERS}`;

/** Elements of a span: the chunk a stride-0 operand is splatted into, so every operand walks with stride 1. */
const SPAN = 512;

/**
 * The innermost space loop (variable v over [first, end)) as unit-stride spans when the point's
 * statements are straight-line code whose loads and stores all move along v with stride 0 or 1
 * (checked at run time; stores with stride 1): a loop gcc vectorises, each stride-0 operand read
 * from a small buffer filled once a row. Its points are independent and each reads an element only
 * where it writes it (an update in place), so the loop is marked ivdep: gcc would otherwise test
 * the pointers for overlap at run time and, for an update in place, run the scalar loop.
 * Otherwise, or for other strides, the plain loop.
 */
function innermost(v: number, first: string, end: string, point: readonly LStmt[], print: (ss: readonly LStmt[]) => string, bufs: readonly DType[], pad: string, freeTemp: number): string {
  const plain = (from: string, to: string) => `${pad}for (int64_t v${v} = ${from}, e${v} = ${to}; v${v} < e${v}; v${v}++) {\n${print(point)}\n${pad}}`;
  const accesses = spanAccesses(point, v);
  if (!accesses) {
    const jammed = jamPoints(point, v, JAM, freeTemp);
    if (!jammed) return plain(first, end);
    return `${pad}{
${pad}  int64_t v${v} = ${first}; const int64_t e${v} = ${end};
${pad}  for (; v${v} + ${JAM} <= e${v}; v${v} += ${JAM}) {
${print(jammed)}
${pad}  }
${pad}  for (; v${v} < e${v}; v${v}++) {
${print(point)}
${pad}  }
${pad}}`;
  }
  const loads = accesses.filter((a) => !a.store);
  const stores = accesses.filter((a) => a.store);
  const unit = [...loads.map((a) => `(s${a.id} == 0 || s${a.id} == 1)`), ...stores.map((a) => `s${a.id} == 1`)].join(' && ') || '1';
  const T = (a: SpanAccess) => cType(bufs[a.buf]!);
  const invariant = invariantLoads(point, v);
  const previous = access;
  access = (buf, at) => {
    const a = accesses.find((x) => x.buf === buf && idxKeyL(x.at) === idxKeyL(at));
    if (a) return `q${a.id}[j]`;
    const c = invariant.findIndex((x) => x.buf === buf && idxKeyL(x.at) === idxKeyL(at));
    return c >= 0 ? `c${c}` : null;
  };
  const body = print(point);
  access = previous;
  return `${pad}{
${pad}  const int64_t jb = ${first}, je = ${end};
${pad}  ${accesses.map((a) => `const int64_t s${a.id} = ${idx(a.coef)}, o${a.id} = ${idx(a.rest)};`).join(' ')}
${pad}  if (${unit}) {
${pad}    ${invariant.map((x, c) => `const ${cType(bufs[x.buf]!)} c${c} = b${x.buf}[${idx(x.at)}];`).join(' ')}
${pad}    ${loads.map((a) => `${T(a)} splat${a.id}[${SPAN}];`).join(' ')}
${pad}    const int64_t fill = je - jb < ${SPAN} ? je - jb : ${SPAN};
${pad}    ${loads.map((a) => `if (s${a.id} == 0) { const ${T(a)} x = b${a.buf}[o${a.id}]; for (int64_t j = 0; j < fill; j++) splat${a.id}[j] = x; }`).join(`
${pad}    `)}
${pad}    for (int64_t j0 = jb; j0 < je; j0 += ${SPAN}) {
${pad}      const int64_t len = je - j0 < ${SPAN} ? je - j0 : ${SPAN};
${pad}      ${loads.map((a) => `const ${T(a)} *restrict q${a.id} = s${a.id} ? b${a.buf} + o${a.id} + j0 : splat${a.id};`).join(' ')}
${pad}      ${stores.map((a) => `${T(a)} *restrict q${a.id} = b${a.buf} + o${a.id} + j0;`).join(' ')}
${pad}      #pragma GCC ivdep
${pad}      for (int64_t j = 0; j < len; j++) {
${pad}        const int64_t v${v} = j0 + j; (void)v${v};
${body}
${pad}      }
${pad}    }
${pad}  } else {
${plain('jb', 'je')}
${pad}  }
${pad}}`;
}

/** Points that loop, run side by side (`point-jam.ts`): 4 gave most of 8's gain in C, with half the code. */
const JAM = 4;

interface SpanAccess { id: number; buf: number; at: LIdx; coef: LIdx; rest: LIdx; store: boolean }

/** The distinct loads and stores of straight-line statements, each linear in v; null when a span cannot run them. */
function spanAccesses(point: readonly LStmt[], v: number): SpanAccess[] | null {
  const found: SpanAccess[] = [];
  let ok = true;
  const add = (buf: number, at: LIdx, store: boolean) => {
    const key = idxKeyL(at);
    const known = found.find((a) => a.buf === buf && idxKeyL(a.at) === key);
    if (known) {
      known.store ||= store;
      return;
    }
    const lin = linearIn(at, v);
    if (!lin) ok = false;
    else found.push({ id: found.length, buf, at, coef: lin.coef, rest: lin.rest, store });
  };
  const visit = (e: LExpr): void => {
    // A load that does not move along v (a scalar operand) is read once a row instead.
    if (e.k === 'load') { if (mentionsOrTemp(e.at, v)) add(e.buf, e.at, false); }
    else if (e.k === 'call') e.args.forEach(visit);
  };
  for (const st of point) {
    if (st.k === 'decl') visit(st.init);
    else if (st.k === 'assign') visit(st.value);
    else if (st.k === 'store') { visit(st.value); add(st.buf, st.at, true); }
    else return null;
  }
  if (!ok || !found.some((a) => a.store)) return null;
  // A buffer read at one element and written at another could carry a value from one point to the
  // next, which a vectorised span would break.
  for (const w of found.filter((a) => a.store)) if (found.some((a) => a !== w && a.buf === w.buf)) return null;
  return found;
}

/** Whether an index may change along v (it names v, or reads a temporary computed in the loop). */
function mentionsOrTemp(i: LIdx, v: number): boolean {
  switch (i.k) {
    case 'var': return i.v === v;
    case 'temp': return true;
    case 'lit': case 'param': return false;
    case 'read': return mentionsOrTemp(i.at, v);
    case 'op': return mentionsOrTemp(i.a, v) || mentionsOrTemp(i.b, v);
    case 'sel': return mentionsOrTemp(i.c, v) || mentionsOrTemp(i.a, v) || mentionsOrTemp(i.b, v);
  }
}

/** The loads of straight-line statements that stay put along v: read once before the loop. */
function invariantLoads(point: readonly LStmt[], v: number): { buf: number; at: LIdx }[] {
  const found: { buf: number; at: LIdx }[] = [];
  const visit = (e: LExpr): void => {
    if (e.k === 'load' && !mentionsOrTemp(e.at, v) && !found.some((f) => f.buf === e.buf && idxKeyL(f.at) === idxKeyL(e.at))) found.push({ buf: e.buf, at: e.at });
    else if (e.k === 'call') e.args.forEach(visit);
  };
  for (const st of point) {
    if (st.k === 'decl') visit(st.init);
    else if (st.k === 'assign') visit(st.value);
    else if (st.k === 'store') visit(st.value);
  }
  return found;
}

function idxKeyL(i: LIdx): string {
  switch (i.k) {
    case 'lit': return `${i.v}`;
    case 'var': return `v${i.v}`;
    case 'param': return `p${i.p}`;
    case 'temp': return `t${i.t}`;
    case 'read': return `b${i.buf}[${idxKeyL(i.at)}]`;
    case 'op': return `${i.op}(${idxKeyL(i.a)},${idxKeyL(i.b)})`;
    case 'sel': return `sel(${idxKeyL(i.c)},${idxKeyL(i.a)},${idxKeyL(i.b)})`;
  }
}

export function kernelToC(k: Kernel, name: string): string {
  const prog = linearize(k, { spaceLoops: true });
  const bufs = k.buffers.map((b) => b.dtype);
  const rank = k.space.length;
  // Peel the chain of space loops: statements before each, and the point's body innermost.
  const levels: { before: LStmt[]; loop: Extract<LStmt, { k: 'for' }> | null }[] = [];
  let body: readonly LStmt[] = prog.body;
  for (let d = 0; d <= rank; d++) {
    const loop = body.find((s): s is Extract<LStmt, { k: 'for' }> => s.k === 'for' && s.axis === d) ?? null;
    levels.push({ before: body.filter((s) => s !== loop), loop });
    if (!loop) break;
    body = loop.body;
  }
  const pad = (d: number) => '  '.repeat(d + 3);
  const print = (ss: readonly LStmt[], d: number) => stmts(ss, pad(d), prog.temps, bufs);
  const point = levels[rank]!.before;
  const cost = pointCost(point, print(point, rank));
  // Extents, strides of each axis in the flat range, and the nested walk of [lo, hi].
  const E = (d: number) => `E${d}`;
  const S = (d: number) => `S${d}`;
  const lines: string[] = [];
  for (let d = 0; d < rank; d++) lines.push(`  const int64_t ${E(d)} = ${idx(levels[d]!.loop!.hi)};`);
  for (let d = rank - 1; d >= 0; d--) lines.push(`  const int64_t ${S(d)} = ${d === rank - 1 ? '1' : `${E(d + 1)} * ${S(d + 1)}`};`);
  const n = rank ? `${E(0)} * ${S(0)}` : '1';
  let walk = print(point, rank);
  for (let d = rank - 1; d >= 0; d--) {
    const first = d === 0 ? `l / ${S(0)}` : `P${d - 1} == l - l % ${S(d - 1)} ? (l / ${S(d)}) % ${E(d)} : 0`;
    const end = d === 0 ? `h / ${S(0)} + 1` : `P${d - 1} == h - h % ${S(d - 1)} ? (h / ${S(d)}) % ${E(d)} + 1 : ${E(d)}`;
    const prefix = d < rank - 1 ? `\n${pad(d + 1)}const int64_t P${d} = ${d === 0 ? '' : `P${d - 1} + `}v${d} * ${S(d)};` : '';
    const hoisted = levels[d + 1]!.before;
    if (d === rank - 1 && !k.sequential) {
      walk = innermost(d, first, end, point, (ss) => print(ss, rank + 3), bufs, pad(d), prog.temps.length);
      continue;
    }
    const inner = d === rank - 1 ? walk : `${hoisted.length ? `${print(hoisted, d + 1)}\n` : ''}${walk}`;
    walk = `${pad(d)}for (int64_t v${d} = ${first}, e${d} = ${end}; v${d} < e${d}; v${d}++) {${prefix}\n${inner}\n${pad(d)}}`;
  }
  // The walk of a range of points is a function of its own, so a launch too small for threads
  // calls it directly instead of entering an OpenMP region (a team set up even for one thread,
  // which made many small launches dearer). Values the prelude computes are passed in.
  // With no space loops the point itself is levels[0]: it runs in the walk only, not also as a prelude.
  const prelude = rank ? levels[0]!.before : [];
  const shared = prelude.filter((st): st is Extract<LStmt, { k: 'decl' }> => st.k === 'decl');
  const sharedParams = shared.map((st) => `, const ${cType(st.dtype)} t${st.t}`).join('');
  const sharedArgs = shared.map((st) => `, t${st.t}`).join('');
  const buffers = k.buffers.map((buf, i) => `${buf.access === 'read' ? 'const ' : ''}${cType(buf.dtype)} *b${i} = (${buf.access === 'read' ? 'const ' : ''}${cType(buf.dtype)} *)b[${i}];`).join('\n  ');
  const serial = k.sequential ? '1' : `!hyp_team_share(N, ${PAR_MIN[cost]}, ${PAR_MIN_COLD[cost]})`;
  return `${HELPERS}
static inline ${cost === 'vexp' ? 'HYP_WIDE_VECTORS ' : ''}int ${name}_walk(void **b, const int64_t *p, const int64_t lo, const int64_t hi${sharedParams}) {
  ${buffers}
  int hyp_failed = 0;
  const double ${VEXPF_ZERO} = hyp_vexpf_zero; (void)${VEXPF_ZERO};
${lines.join('\n')}
  if (lo < hi) {
    const int64_t l = lo, h = hi - 1;
    (void)l; (void)h;
${walk}
  }
  return hyp_failed;
}
static int ${name}(void **b, const int64_t *p) {
  ${buffers}
  const double ${VEXPF_ZERO} = hyp_vexpf_zero; (void)${VEXPF_ZERO};
  (void)p;
${print(prelude, -2)}
${lines.join('\n')}
  const int64_t N = ${n};
  if (${serial}) return ${name}_walk(b, p, 0, N${sharedArgs});
  int hyp_failed = 0;
  #pragma omp parallel reduction(|:hyp_failed)
  {
    int64_t lo, hi;
    hyp_ir_share(N, &lo, &hi);
    hyp_failed |= ${name}_walk(b, p, lo, hi${sharedArgs});
  }
  hyp_team_ran();
  return hyp_failed;
}
`;
}
