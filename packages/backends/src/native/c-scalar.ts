import type { DType, ScalarExpr, ScalarFn } from '@hypatia/core';
import { FDLIBM_C } from './fdlibm-c.js';

/** The C type that holds one element of a dtype (bool is one byte, 0 or 1). */
export function cType(d: DType): string {
  switch (d) {
    case 'float32': return 'float';
    case 'float64': return 'double';
    case 'int32': return 'int32_t';
    case 'bool': return 'uint8_t';
  }
}

/** Math function name for the operand's float width (expf vs exp). */
const fm = (name: string, d: DType): string => (d === 'float32' ? `${name}f` : name);

/**
 * C for each scalar primitive, parallel to core/src/scalar/js.ts and with the same semantics: int32
 * arithmetic wraps (done in unsigned arithmetic, which C defines), max/min propagate NaN, mod is a
 * floor modulo, round is half to even, casts to int32 wrap like JS's `| 0` and NaN casts to false.
 * Every entry yields a C expression of exactly the node's C type, so formulas compose without
 * implicit conversions. `a` are operand expressions, `d` the result dtype, `ad` the operand dtypes.
 */
export const C_PRIMITIVES: Record<ScalarFn, (a: string[], d: DType, ad: DType[]) => string> = {
  add: ([a, b], d) => (d === 'int32' ? `hyp_iadd(${a}, ${b})` : `(${a} + ${b})`),
  sub: ([a, b], d) => (d === 'int32' ? `hyp_isub(${a}, ${b})` : `(${a} - ${b})`),
  mul: ([a, b], d) => (d === 'int32' ? `hyp_imul(${a}, ${b})` : `(${a} * ${b})`),
  neg: ([a], d) => (d === 'int32' ? `hyp_isub(0, ${a})` : `(-${a})`),
  abs: ([a], d) => (d === 'int32' ? `hyp_iabs(${a})` : d === 'bool' ? a : `${fm('fabs', d)}(${a})`),
  sign: ([a], d) => (d === 'bool' ? a : `((${cType(d)})((${a}) > 0 ? 1 : (${a}) < 0 ? -1 : (${a})))`),
  maximum: ([a, b], d) => `hyp_max_${cType(d)}(${a}, ${b})`,
  minimum: ([a, b], d) => `hyp_min_${cType(d)}(${a}, ${b})`,
  div: ([a, b]) => `(${a} / ${b})`,
  pow: ([a, b], d) => `${d === 'float32' ? 'hyp_powf' : 'hyp_pow'}(${a}, ${b})`,
  exp: ([a], d) => `${fm('exp', d)}(${a})`,
  // V8's (fdlibm's) log and cos, so float64 results and Box-Muller samples are the reference's bit for bit
  log: ([a], d) => (d === 'float32' ? `((float)hyp_log((double)${a}))` : `hyp_log(${a})`),
  log1p: ([a], d) => `${fm('log1p', d)}(${a})`,
  expm1: ([a], d) => `${fm('expm1', d)}(${a})`,
  sqrt: ([a], d) => `${fm('sqrt', d)}(${a})`,
  tanh: ([a], d) => `${fm('tanh', d)}(${a})`,
  sin: ([a], d) => `${fm('sin', d)}(${a})`,
  cos: ([a], d) => (d === 'float32' ? `((float)hyp_cos((double)${a}))` : `hyp_cos(${a})`),
  erf: ([a], d) => `${fm('erf', d)}(${a})`,
  floor: ([a], d) => (isFloatType(d) ? `${fm('floor', d)}(${a})` : a),
  ceil: ([a], d) => (isFloatType(d) ? `${fm('ceil', d)}(${a})` : a),
  // rint rounds half to even in the default rounding mode
  round: ([a], d) => (isFloatType(d) ? `${fm('rint', d)}(${a})` : a),
  mod: ([a, b], d) => (d === 'int32' ? `hyp_imod(${a}, ${b})` : isFloatType(d) ? `${d === 'float32' ? 'hyp_fmodf' : 'hyp_fmod'}(${a}, ${b})` : `hyp_bmod(${a}, ${b})`),
  lt: ([a, b]) => `((uint8_t)(${a} < ${b}))`,
  le: ([a, b]) => `((uint8_t)(${a} <= ${b}))`,
  gt: ([a, b]) => `((uint8_t)(${a} > ${b}))`,
  ge: ([a, b]) => `((uint8_t)(${a} >= ${b}))`,
  eq: ([a, b]) => `((uint8_t)(${a} == ${b}))`,
  ne: ([a, b]) => `((uint8_t)(${a} != ${b}))`,
  and: ([a, b]) => `((uint8_t)(${a} & ${b}))`,
  or: ([a, b]) => `((uint8_t)(${a} | ${b}))`,
  not: ([a]) => `((uint8_t)(1 - ${a}))`,
  isnan: ([a], _d, [ad]) => (isFloatType(ad!) ? `((uint8_t)(${a} != ${a}))` : '((uint8_t)0)'),
  isinf: ([a], _d, [ad]) => (isFloatType(ad!) ? `((uint8_t)(${a} == INFINITY || ${a} == -INFINITY))` : '((uint8_t)0)'),
  // on the uint32 words the int32 operands hold; shift amounts are taken mod 32, as in JS
  bitand: ([a, b]) => `((int32_t)((uint32_t)${a} & (uint32_t)${b}))`,
  bitor: ([a, b]) => `((int32_t)((uint32_t)${a} | (uint32_t)${b}))`,
  bitxor: ([a, b]) => `((int32_t)((uint32_t)${a} ^ (uint32_t)${b}))`,
  shl: ([a, b]) => `((int32_t)((uint32_t)${a} << ((uint32_t)${b} & 31u)))`,
  shru: ([a, b]) => `((int32_t)((uint32_t)${a} >> ((uint32_t)${b} & 31u)))`,
  mulhi_u32: ([a, b]) => `((int32_t)(uint32_t)(((uint64_t)(uint32_t)${a} * (uint32_t)${b}) >> 32))`,
  select: ([c, a, b], d) => `((${cType(d)})(${c} ? ${a} : ${b}))`,
  cast: ([a], d, [ad]) => castC(a, ad!, d),
};

function isFloatType(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

function castC(a: string, from: DType, to: DType): string {
  if (from === to) return a;
  if (to === 'int32') return isFloatType(from) ? `hyp_f2i((double)(${a}))` : `((int32_t)(${a}))`;
  // JS: `x ? 1 : 0`, so NaN is false
  if (to === 'bool') return isFloatType(from) ? `((uint8_t)((${a}) != 0 && (${a}) == (${a})))` : `((uint8_t)((${a}) != 0))`;
  return `((${cType(to)})(${a}))`;
}

/** A constant of a dtype as a C expression of that exact type. */
export function cConst(v: number, d: DType): string {
  if (Number.isNaN(v)) return `((${cType(d)})NAN)`;
  if (!Number.isFinite(v)) return `((${cType(d)})(${v > 0 ? '' : '-'}INFINITY))`;
  if (d === 'int32') return `((int32_t)${v}LL)`;
  if (d === 'bool') return `((uint8_t)${v ? 1 : 0})`;
  // Shortest round-trip text of the (already rounded) value; exact as a double literal.
  const text = Object.is(v, -0) ? '-0.0' : String(v).includes('e') || String(v).includes('.') ? String(v) : `${v}.0`;
  return `((${cType(d)})${text})`;
}

/** The C expression of a formula; input i is read from the C variable `inputName(i)`. */
export function scalarToC(e: ScalarExpr, inputName: (i: number) => string): string {
  switch (e.k) {
    case 'in': return inputName(e.i);
    case 'const': return cConst(e.v, e.dtype);
    case 'call': return C_PRIMITIVES[e.f](e.args.map((a) => scalarToC(a, inputName)), e.dtype, e.args.map((a) => a.dtype));
  }
}

/** Helpers the scalar table calls; all static inline so the compiler can vectorise loops around them. */
export const SCALAR_HELPERS = `${FDLIBM_C}
static inline int32_t hyp_iadd(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t hyp_isub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t hyp_imul(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }
static inline int32_t hyp_iabs(int32_t a) { return a < 0 ? hyp_isub(0, a) : a; }
/* floor modulo; x % 0 is NaN in JS, which an int32 array stores as 0 */
static inline int32_t hyp_imod(int32_t a, int32_t b) {
  if (b == 0 || b == -1) return 0;
  int32_t m = a % b;
  return (m != 0 && ((m < 0) != (b < 0))) ? m + b : m;
}
static inline uint8_t hyp_bmod(uint8_t a, uint8_t b) { return b == 0 ? 0 : (uint8_t)(a % b); }
static inline double hyp_fmod(double a, double b) { return a - floor(a / b) * b; }
/* in double, as JS computes it: a float quotient loses the remainder of large operands */
static inline float hyp_fmodf(float a, float b) { return (float)hyp_fmod(a, b); }
/* JS's Math.pow differs from C's pow where C gives 1: pow(1, NaN) and pow(+-1, +-Inf) are NaN */
static inline double hyp_pow(double a, double b) {
  if (b != b || ((b == INFINITY || b == -INFINITY) && (a == 1 || a == -1))) return NAN;
  return pow(a, b);
}
static inline float hyp_powf(float a, float b) {
  if (b != b || ((b == INFINITY || b == -INFINITY) && (a == 1 || a == -1))) return NAN;
  return powf(a, b);
}
/* JS's ToInt32: truncate, wrap modulo 2^32, NaN and infinities give 0 */
static inline int32_t hyp_f2i(double x) {
  if (x > -2147483649.0 && x < 2147483648.0) return (int32_t)x;
  if (x != x || x == INFINITY || x == -INFINITY) return 0;
  double t = fmod(trunc(x), 4294967296.0);
  if (t < 0) t += 4294967296.0;
  return (int32_t)(uint32_t)t;
}
#define HYP_MINMAX(T) \\
  static inline T hyp_max_##T(T a, T b) { return (a >= b || a != a) ? a : b; } \\
  static inline T hyp_min_##T(T a, T b) { return (a <= b || a != a) ? a : b; }
HYP_MINMAX(float) HYP_MINMAX(double) HYP_MINMAX(int32_t) HYP_MINMAX(uint8_t)
`;
