import type { DType, TypedArray } from '../dtype.js';
import { formulaKey, type ScalarExpr, type ScalarFn } from './expr.js';

/**
 * JavaScript code for a scalar formula: the reference backend's elementwise semantics, and the
 * model every other code generator follows. Booleans are carried as 0/1 numbers.
 */
export const JS_PRIMITIVES: Record<ScalarFn, (a: string[], d: DType) => string> = {
  add: ([a, b], d) => (d === 'int32' ? `((${a} + ${b}) | 0)` : `(${a} + ${b})`),
  sub: ([a, b], d) => (d === 'int32' ? `((${a} - ${b}) | 0)` : `(${a} - ${b})`),
  mul: ([a, b], d) => (d === 'int32' ? `Math.imul(${a}, ${b})` : `(${a} * ${b})`),
  neg: ([a], d) => (d === 'int32' ? `(-${a} | 0)` : `(-${a})`),
  abs: ([a]) => `Math.abs(${a})`,
  sign: ([a]) => `Math.sign(${a})`,
  // NaN propagates, as NumPy's maximum/minimum
  maximum: ([a, b]) => `((${a} >= ${b} || ${a} !== ${a}) ? ${a} : ${b})`,
  minimum: ([a, b]) => `((${a} <= ${b} || ${a} !== ${a}) ? ${a} : ${b})`,
  div: ([a, b]) => `(${a} / ${b})`,
  pow: ([a, b]) => `Math.pow(${a}, ${b})`,
  exp: ([a]) => `Math.exp(${a})`,
  log: ([a]) => `Math.log(${a})`,
  log1p: ([a]) => `Math.log1p(${a})`,
  expm1: ([a]) => `Math.expm1(${a})`,
  sqrt: ([a]) => `Math.sqrt(${a})`,
  tanh: ([a]) => `Math.tanh(${a})`,
  sin: ([a]) => `Math.sin(${a})`,
  cos: ([a]) => `Math.cos(${a})`,
  erf: ([a]) => `erf(${a})`,
  floor: ([a]) => `Math.floor(${a})`,
  ceil: ([a]) => `Math.ceil(${a})`,
  // round half to even, as NumPy
  round: ([a]) => `roundHalfEven(${a})`,
  mod: ([a, b], d) => (d === 'int32' ? `imod(${a}, ${b})` : `(${a} - Math.floor(${a} / ${b}) * ${b})`),
  lt: ([a, b]) => `(${a} < ${b} ? 1 : 0)`,
  le: ([a, b]) => `(${a} <= ${b} ? 1 : 0)`,
  gt: ([a, b]) => `(${a} > ${b} ? 1 : 0)`,
  ge: ([a, b]) => `(${a} >= ${b} ? 1 : 0)`,
  eq: ([a, b]) => `(${a} === ${b} ? 1 : 0)`,
  ne: ([a, b]) => `(${a} !== ${b} ? 1 : 0)`,
  and: ([a, b]) => `(${a} & ${b})`,
  or: ([a, b]) => `(${a} | ${b})`,
  not: ([a]) => `(1 - ${a})`,
  isnan: ([a]) => `(${a} !== ${a} ? 1 : 0)`,
  isinf: ([a]) => `((${a} === Infinity || ${a} === -Infinity) ? 1 : 0)`,
  bitand: ([a, b]) => `(${a} & ${b})`,
  bitor: ([a, b]) => `(${a} | ${b})`,
  bitxor: ([a, b]) => `(${a} ^ ${b})`,
  // JS shifts take the amount mod 32, which is the primitives' definition
  shl: ([a, b]) => `(${a} << ${b})`,
  shru: ([a, b]) => `((${a} >>> ${b}) | 0)`,
  mulhi_u32: ([a, b]) => `mulhiU32(${a}, ${b})`,
  select: ([c, a, b]) => `(${c} ? ${a} : ${b})`,
  cast: ([a], d) => (d === 'int32' ? `(${a} | 0)` : d === 'bool' ? `(${a} ? 1 : 0)` : d === 'float32' ? `Math.fround(${a})` : `(+${a})`),
};

/** A formula as a JavaScript expression, its operands named by `inputName`. */
export function scalarToJS(e: ScalarExpr, inputName: (i: number) => string): string {
  switch (e.k) {
    case 'in': return inputName(e.i);
    case 'const': return jsNumber(e.v);
    case 'call': return JS_PRIMITIVES[e.f](e.args.map((a) => scalarToJS(a, inputName)), e.dtype);
  }
}

/** A number literal in JS. */
export function jsNumber(v: number): string {
  // String(-0) is "0": the sign of a zero decides x / 0 and x * 0.
  if (Object.is(v, -0)) return '(-0)';
  return Number.isFinite(v) ? `(${v})` : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
}

/** The functions the primitives' JS calls (round half to even, floor modulo, the high product word, erf). */
export const JS_HELPERS = `
function roundHalfEven(x) { const r = Math.round(x); return (Math.abs(x % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r; }
function imod(a, b) { const m = a % b; return (m !== 0 && (m < 0) !== (b < 0)) ? m + b : m; }
function mulhiU32(a, b) {
  // From 16-bit halves, so every partial sum is exact in a double.
  const ah = a >>> 16, al = a & 0xffff, bh = b >>> 16, bl = b & 0xffff;
  const mid = ah * bl + al * bh + ((al * bl) >>> 16);
  return (ah * bh + Math.floor(mid / 65536)) | 0;
}
function erf(x) {
  // Abramowitz-Stegun 7.1.26 refined by one Newton step is not enough for float64; use a series/continued fraction split.
  const ax = Math.abs(x);
  if (ax < 2.5) { let s = x, t = x, n = 0; const x2 = x * x; do { n++; t *= -x2 / n; s += t / (2 * n + 1); } while (Math.abs(t) > 1e-17 * Math.abs(s) && n < 200); return s * 1.1283791670955126; }
  let f = 0; for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const r = 1 - Math.exp(-ax * ax) / (ax + f) / 1.7724538509055159; return x < 0 ? -r : r;
}`;

/**
 * A formula compiled to JavaScript over whole arrays: reads the inputs through their (broadcast) strides, writes `out` of shape `outShape`.
 */
export type ElementwiseKernel = (ins: readonly TypedArray[], inStrides: readonly (readonly number[])[], out: TypedArray, outShape: readonly number[]) => void;

const cache = new Map<string, ElementwiseKernel>();

/**
 * A broadcasting loop around a formula. Inputs with a stride vector of all-contiguous layout take
 * a flat fast path; others walk an N-d counter with per-input strides (0 on broadcast axes).
 * Compiled once per formula text and operand count, which together fix the code: the loop walks
 * every operand, also one the formula ignores (a fused `second(x, 2)` has the text of `2` over one
 * operand); shapes, strides and the arrays come at run time.
 */
export function elementwiseKernel(e: ScalarExpr, nInputs: number): ElementwiseKernel {
  const key = `${nInputs}|${formulaKey(e)}`;
  let k = cache.get(key);
  if (k) return k;
  const expr = scalarToJS(e, (i) => `in${i}[o${i}]`);
  const flatExpr = scalarToJS(e, (i) => `in${i}[i]`);
  const ins = Array.from({ length: nInputs }, (_, i) => i);
  const body = `${JS_HELPERS}
return function kernel(ins, inStrides, out, outShape) {
  ${ins.map((i) => `const in${i} = ins[${i}];`).join(' ')}
  const n = out.length, nd = outShape.length;
  let flat = true;
  ${ins.map((i) => `if (in${i}.length !== n) flat = false;`).join(' ')}
  if (flat) { for (let i = 0; i < n; i++) out[i] = ${flatExpr}; return; }
  if (n === 0) return;
  const idx = new Int32Array(nd);
  ${ins.map((i) => `let o${i} = 0; const s${i} = inStrides[${i}];`).join(' ')}
  const last = nd - 1;
  const inner = nd ? outShape[last] : 1;
  ${ins.map((i) => `const t${i} = nd ? s${i}[last] : 0;`).join(' ')}
  let p = 0;
  while (p < n) {
    for (let j = 0; j < inner; j++) {
      out[p++] = ${expr};
      ${ins.map((i) => `o${i} += t${i};`).join(' ')}
    }
    ${ins.map((i) => `o${i} -= t${i} * inner;`).join(' ')}
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      ${ins.map((i) => `o${i} += s${i}[d];`).join(' ')}
      if (idx[d] < outShape[d]) break;
      ${ins.map((i) => `o${i} -= s${i}[d] * outShape[d];`).join(' ')}
      idx[d] = 0;
    }
    if (d < 0) break;
  }
};`;
  k = new Function(body)() as ElementwiseKernel;
  cache.set(key, k);
  return k;
}
