import type { DType, ScalarExpr, ScalarFn } from '@hypatia/core';

/**
 * WGSL for a scalar formula, following scalar/js.ts in core exactly. WGSL leaves NaN and infinity
 * behaviour of many builtins implementation-defined, so the cases that matter are spelled out in
 * helper functions (HELPERS) rather than trusted to the driver.
 */
export function wgslType(d: DType): string {
  switch (d) {
    case 'float32': return 'f32';
    case 'int32': return 'i32';
    case 'bool': return 'bool';
    case 'float64': throw new Error('float64');
  }
}

/** Storage element type: bool is kept as u32 (WGSL has no bool storage). */
export function storageType(d: DType): string {
  return d === 'bool' ? 'u32' : wgslType(d);
}

export function loadExpr(d: DType, ref: string): string {
  return d === 'bool' ? `(${ref} != 0u)` : ref;
}

export function storeExpr(d: DType, value: string): string {
  return d === 'bool' ? `select(0u, 1u, ${value})` : value;
}

const F = (d: DType) => d === 'float32';
/** WGSL orders no bools: compared as 0 and 1, as JS compares them. */
const ordered = (x: string, t: DType | undefined) => (t === 'bool' ? `select(0i, 1i, ${x})` : x);

const WGSL: Record<ScalarFn, (a: string[], d: DType, argTypes: DType[]) => string> = {
  add: ([a, b]) => `(${a} + ${b})`,
  sub: ([a, b]) => `(${a} - ${b})`,
  mul: ([a, b]) => `(${a} * ${b})`,
  neg: ([a]) => `(-${a})`,
  abs: ([a]) => `abs(${a})`,
  sign: ([a], d) => (F(d) ? `h_sign(${a})` : `sign(${a})`),
  // A bool max or min is computed on its operands as int32 (scalar/expr.ts's promotion).
  maximum: ([a, b], d, [t]) => (F(d) ? `h_max(${a}, ${b})` : t === 'bool' ? `(${a} || ${b})` : d === 'bool' ? `(max(${a}, ${b}) != 0i)` : `max(${a}, ${b})`),
  minimum: ([a, b], d, [t]) => (F(d) ? `h_min(${a}, ${b})` : t === 'bool' ? `(${a} && ${b})` : d === 'bool' ? `(min(${a}, ${b}) != 0i)` : `min(${a}, ${b})`),
  div: ([a, b]) => `(${a} / ${b})`,
  pow: ([a, b]) => `h_pow(${a}, ${b})`,
  exp: ([a]) => `h_exp(${a})`,
  log: ([a]) => `h_log(${a})`,
  log1p: ([a]) => `h_log1p(${a})`,
  expm1: ([a]) => `h_expm1(${a})`,
  sqrt: ([a]) => `h_sqrt(${a})`,
  tanh: ([a]) => `h_tanh(${a})`,
  sin: ([a]) => `h_trig(${a}, false)`,
  cos: ([a]) => `h_trig(${a}, true)`,
  erf: ([a]) => `h_erf(${a})`,
  floor: ([a], d) => (F(d) ? `floor(${a})` : a!),
  ceil: ([a], d) => (F(d) ? `ceil(${a})` : a!),
  round: ([a], d) => (F(d) ? `round(${a})` : a!),
  mod: ([a, b], d) => (F(d) ? `h_fmod(${a}, ${b})` : `h_imod(${a}, ${b})`),
  lt: ([a, b], _d, [t]) => `(${ordered(a!, t)} < ${ordered(b!, t)})`,
  le: ([a, b], _d, [t]) => `(${ordered(a!, t)} <= ${ordered(b!, t)})`,
  gt: ([a, b], _d, [t]) => `(${ordered(a!, t)} > ${ordered(b!, t)})`,
  ge: ([a, b], _d, [t]) => `(${ordered(a!, t)} >= ${ordered(b!, t)})`,
  eq: ([a, b]) => `(${a} == ${b})`,
  ne: ([a, b], _d, [t]) => (F(t!) ? `h_ne(${a}, ${b})` : `(${a} != ${b})`),
  and: ([a, b]) => `(${a} && ${b})`,
  or: ([a, b]) => `(${a} || ${b})`,
  not: ([a]) => `(!${a})`,
  isnan: ([a], _d, [t]) => (F(t!) ? `h_isnan(${a})` : 'false'),
  isinf: ([a], _d, [t]) => (F(t!) ? `h_isinf(${a})` : 'false'),
  // on the u32 words the i32 operands hold; shift amounts are taken mod 32, as in JS
  bitand: ([a, b]) => `(${a} & ${b})`,
  bitor: ([a, b]) => `(${a} | ${b})`,
  bitxor: ([a, b]) => `(${a} ^ ${b})`,
  shl: ([a, b]) => `bitcast<i32>(bitcast<u32>(${a}) << (bitcast<u32>(${b}) & 31u))`,
  shru: ([a, b]) => `bitcast<i32>(bitcast<u32>(${a}) >> (bitcast<u32>(${b}) & 31u))`,
  mulhi_u32: ([a, b]) => `h_mulhi_u32(${a}, ${b})`,
  select: ([c, a, b]) => `select(${b}, ${a}, ${c})`,
  cast: ([a], d, [t]) => castExpr(a!, t!, d),
};

function castExpr(a: string, from: DType, to: DType): string {
  if (from === to) return a;
  if (from === 'bool') return to === 'float32' ? `select(0.0, 1.0, ${a})` : `select(0i, 1i, ${a})`;
  if (to === 'bool') return from === 'float32' ? `h_f32_bool(${a})` : `(${a} != 0i)`;
  if (to === 'int32' && from === 'float32') return `h_f32_i32(${a})`;
  return to === 'float32' ? `f32(${a})` : `i32(${a})`;
}

export function scalarConst(v: number, d: DType): string {
  if (d === 'bool') return v ? 'true' : 'false';
  // WGSL reads -2147483648i as the negation of 2147483648i, which is out of range.
  if (d === 'int32') return (v | 0) === -2147483648 ? 'bitcast<i32>(0x80000000u)' : `${v | 0}i`;
  if (Number.isNaN(v)) return 'h_nan()';
  if (v === Infinity) return 'h_inf()';
  if (v === -Infinity) return '(-h_inf())';
  if (Object.is(v, -0)) return 'h_neg_zero()';
  if (v !== 0 && Math.abs(v) < 1.1754943508222875e-38) return `bitcast<f32>(${new Uint32Array(new Float32Array([v]).buffer)[0]}u)`;
  const s = String(Math.fround(v));
  return /[.e]/.test(s) ? `f32(${s})` : `f32(${s}.0)`;
}

export function scalarToWGSL(e: ScalarExpr, inputName: (i: number) => string): string {
  switch (e.k) {
    case 'in': return inputName(e.i);
    case 'const': return scalarConst(e.v, e.dtype);
    case 'call': return callWGSL(e.f, e.args.map((a) => scalarToWGSL(a, inputName)), e.dtype, e.args.map((a) => a.dtype));
  }
}

/** One primitive applied to printed operands of dtypes `argTypes`, giving dtype `d`. */
export function callWGSL(f: ScalarFn, args: string[], d: DType, argTypes: DType[]): string {
  return WGSL[f](args, d, argTypes);
}

/** Formula helpers with explicit special cases (NaN, infinities, domains), as NumPy defines them. */
export const WGSL_HELPERS = /* wgsl */ `
// Special values come from private variables: a literal bitcast would be constant-folded, and
// shader compilers reject a constant infinity (and fold away the sign of a constant -0).
var<private> H_BITS_INF: u32 = 0x7f800000u;
var<private> H_BITS_NAN: u32 = 0x7fc00000u;
var<private> H_BITS_NEG_ZERO: u32 = 0x80000000u;
fn h_inf() -> f32 { return bitcast<f32>(H_BITS_INF); }
fn h_nan() -> f32 { return bitcast<f32>(H_BITS_NAN); }
fn h_neg_zero() -> f32 { return bitcast<f32>(H_BITS_NEG_ZERO); }
fn h_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn h_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// NaN differs from everything; a plain != may compile to an ordered comparison, false for NaN.
fn h_ne(a: f32, b: f32) -> bool { return h_isnan(a) || h_isnan(b) || a != b; }
// Casts as JS does them: to int32 like x | 0 in JS (NaN and infinities give 0, other values truncate and
// wrap modulo 2^32, where WGSL's i32() saturates), to bool like x ? 1 : 0 (NaN is false).
fn h_f32_i32(x: f32) -> i32 {
  if (h_isnan(x) || h_isinf(x)) { return 0i; }
  if (abs(x) < 2147483648.0) { return i32(x); }
  // |x| >= 2^31 is an integer with at most 24 significant bits, so the remainder below is exact.
  let r = x - 4294967296.0 * floor(x / 4294967296.0);
  return bitcast<i32>(u32(r));
}
fn h_f32_bool(x: f32) -> bool { return !h_isnan(x) && x != 0.0; }
fn h_max(a: f32, b: f32) -> f32 { if (h_isnan(a) || a >= b) { return a; } return b; }
fn h_min(a: f32, b: f32) -> f32 { if (h_isnan(a) || a <= b) { return a; } return b; }
fn h_sign(x: f32) -> f32 { if (h_isnan(x)) { return x; } return sign(x); }
fn h_exp(x: f32) -> f32 { if (h_isnan(x)) { return x; } if (x > 88.72284) { return h_inf(); } if (x < -103.97208) { return 0.0; } return exp(x); }
// ln to about an ulp for x >= 0 (the builtin only promises an absolute 2^-21 near 1, which
// would make ln(u) positive for u just below 1): x = m 2^e with m in [sqrt(1/2), sqrt(2)),
// ln m = 2 atanh((m-1)/(m+1)) by its series, e ln 2 in two parts.
fn h_ln(x: f32) -> f32 {
  if (x == 0.0) { return -h_inf(); }
  if (h_isinf(x)) { return x; }
  let fe = frexp(x);
  var m = fe.fract;
  var e = f32(fe.exp);
  if (m < 0.70710678) { m = m * 2.0; e = e - 1.0; }
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  let series = s * (2.0 + s2 * (0.6666666667 + s2 * (0.4 + s2 * (0.2857142857 + s2 * (0.2222222222 + s2 * 0.1818181818)))));
  return e * 0.693145751953125 + (series + e * 1.428606765330187e-6);
}
// sin (or cos) to a few ulps for |x| <= 8192: k quarter turns taken off in three exact parts
// (Cody-Waite), then polynomials on [-pi/4, pi/4] (Cephes' sinf and cosf); the builtins beyond,
// whose error the driver sets (Vulkan promises only an absolute 2^-11).
fn h_trig(x: f32, cosine: bool) -> f32 {
  if (h_isnan(x) || h_isinf(x)) { return h_nan(); }
  if (abs(x) > 8192.0) { return select(sin(x), cos(x), cosine); }
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let z = r * r;
  let sr = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let cr = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  // sin x is sr, cr, -sr, -cr by the quarter turn; cos x is sin of a quarter turn more.
  let q = (i32(k) + select(0i, 1i, cosine)) & 3i;
  if (q == 0i) { return sr; }
  if (q == 1i) { return cr; }
  if (q == 2i) { return -sr; }
  return -cr;
}
fn h_log(x: f32) -> f32 { if (h_isnan(x) || x < 0.0) { return h_nan(); } if (x == 0.0) { return -h_inf(); } if (h_isinf(x)) { return x; } return h_ln(x); }
fn h_sqrt(x: f32) -> f32 { if (h_isnan(x) || x < 0.0) { return h_nan(); } if (h_isinf(x)) { return x; } return sqrt(x); }
fn h_log1p(x: f32) -> f32 { if (h_isnan(x) || x < -1.0) { return h_nan(); } if (x == -1.0) { return -h_inf(); } if (h_isinf(x)) { return x; } let u = 1.0 + x; if (u == 1.0) { return x; } return h_ln(u) * x / (u - 1.0); }
fn h_expm1(x: f32) -> f32 { if (h_isnan(x)) { return x; } if (abs(x) < 1e-5) { return x + 0.5 * x * x; } return h_exp(x) - 1.0; }
fn h_tanh(x: f32) -> f32 { if (h_isnan(x)) { return x; } return tanh(clamp(x, -15.0, 15.0)); }
fn h_fmod(a: f32, b: f32) -> f32 { return a - floor(a / b) * b; }
// The high word of the unsigned 64-bit product, from 16-bit halves (WGSL has no 64-bit integers).
fn h_mulhi_u32(a: i32, b: i32) -> i32 {
  let x = bitcast<u32>(a);
  let y = bitcast<u32>(b);
  let xl = x & 0xffffu; let xh = x >> 16u; let yl = y & 0xffffu; let yh = y >> 16u;
  let lh = xl * yh; let hl = xh * yl;
  let mid = ((xl * yl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return bitcast<i32>(xh * yh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u));
}
fn h_imod(a: i32, b: i32) -> i32 { if (b == 0i) { return 0i; } let m = a % b; if (m != 0i && ((m < 0i) != (b < 0i))) { return m + b; } return m; }
fn h_pow(a: f32, b: f32) -> f32 {
  if (h_isnan(a) || h_isnan(b)) { if (b == 0.0) { return 1.0; } return h_nan(); }
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { if (b > 0.0) { return 0.0; } return h_inf(); }
  if (a > 0.0) { return h_exp(b * h_ln(a)); }
  if (b != floor(b)) { return h_nan(); }
  let r = h_exp(b * h_ln(-a));
  if (abs(b % 2.0) == 1.0) { return -r; }
  return r;
}
fn h_erf(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-x * x);
  return select(-y, y, x >= 0.0);
}
`;
