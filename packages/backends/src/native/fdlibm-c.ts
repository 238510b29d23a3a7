/**
 * fdlibm's log and cos (Sun Microsystems, 1993, freely distributable: the same constants and order
 * of operations), which is what V8's Math.log and Math.cos compute. glibc's differ from them in the
 * last bit for about one argument in 14 (log) or 30 (cos), so the float64 log and cos primitives
 * use these where they cover the argument (log of a positive normal number, cos of |x| < 2 pi) and
 * libm elsewhere (special values, where both agree, and huge arguments): the random ops' normal
 * samples (Box-Muller) are then bit for bit the reference's. Compiled without contraction into
 * fused multiply-adds and without fast-math reordering, whatever the addon's flags.
 */
export const FDLIBM_C = `
#ifndef HYP_FDLIBM
#define HYP_FDLIBM
#pragma GCC push_options
#pragma GCC optimize ("no-fast-math", "fp-contract=off")
static inline uint32_t hyp_high_word(double x) { uint64_t u; memcpy(&u, &x, 8); return (uint32_t)(u >> 32); }
static inline double hyp_set_high_word(double x, uint32_t hi) {
  uint64_t u;
  memcpy(&u, &x, 8);
  u = (u & 0xFFFFFFFFu) | ((uint64_t)hi << 32);
  memcpy(&x, &u, 8);
  return x;
}

/* fdlibm's log for a positive normal x: x = 2^k (1 + f), log(1 + f) from s = f / (2 + f). */
static double hyp_fdlibm_log(double x) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
    Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
    Lg7 = 1.479819860511658591e-01;
  int32_t hx = (int32_t)hyp_high_word(x);
  int32_t k = (hx >> 20) - 1023;
  hx &= 0x000FFFFF;
  int32_t i = (hx + 0x95F64) & 0x100000;
  x = hyp_set_high_word(x, (uint32_t)(hx | (i ^ 0x3FF00000))); /* x or x / 2, in [sqrt(2)/2, sqrt(2)) */
  k += i >> 20;
  const double f = x - 1.0, dk = (double)k;
  if ((0x000FFFFF & (2 + hx)) < 3) { /* |f| < 2^-20 */
    if (f == 0.0) return k == 0 ? 0.0 : dk * ln2_hi + dk * ln2_lo;
    const double R = f * f * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - R : dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  const double s = f / (2.0 + f), z = s * s, w = z * z;
  const int32_t far = (hx - 0x6147A) | (0x6B851 - hx);
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double R = t2 + t1;
  if (far > 0) {
    const double hfsq = 0.5 * f * f;
    return k == 0 ? f - (hfsq - s * (hfsq + R)) : dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  return k == 0 ? f - s * (f - R) : dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

/* fdlibm's cosine kernel on [-pi/4, pi/4], x + y the reduced argument. */
static double hyp_fdlibm_kcos(double x, double y) {
  const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
    C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const int32_t ix = (int32_t)(hyp_high_word(x) & 0x7FFFFFFF);
  if (ix < 0x3E400000 && (int)x == 0) return 1.0;
  const double z = x * x;
  const double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3FD33333) return 1.0 - (0.5 * z - (z * r - x * y));
  /* 1 - qx and z / 2 - qx are exact, qx being about x / 4 with a short mantissa */
  const double qx = ix > 0x3FE90000 ? 0.28125 : hyp_set_high_word(0.0, (uint32_t)(ix - 0x00200000));
  return (1.0 - qx) - ((0.5 * z - qx) - (z * r - x * y));
}

/* fdlibm's sine kernel on [-pi/4, pi/4] with a non-zero tail y. */
static double hyp_fdlibm_ksin(double x, double y) {
  const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
    S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  const int32_t ix = (int32_t)(hyp_high_word(x) & 0x7FFFFFFF);
  if (ix < 0x3E400000 && (int)x == 0) return x;
  const double z = x * x, v = z * x;
  const double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

/* fdlibm's cos for 0 <= x < 2 pi: x - n pi/2 in y0 + y1 (pi/2 in 33-bit pieces), then a kernel by n mod 4. */
static double hyp_fdlibm_cos(double x) {
  const double invpio2 = 6.36619772367581382433e-01,
    pio2_1 = 1.57079632673412561417e+00, pio2_1t = 6.07710050650619224932e-11,
    pio2_2 = 6.07710050630396597660e-11, pio2_2t = 2.02226624879595063154e-21,
    pio2_3 = 2.02226624871116645580e-21, pio2_3t = 8.47842766036889956997e-32;
  /* High words of n pi/2 for n = 1..4 (x < 2 pi gives n <= 4): there the first reduction may cancel. */
  static const int32_t npio2_hw[4] = { 0x3FF921FB, 0x400921FB, 0x4012D97C, 0x401921FB };
  const int32_t ix = (int32_t)(hyp_high_word(x) & 0x7FFFFFFF);
  if (ix <= 0x3FE921FB) return hyp_fdlibm_kcos(x, 0.0);
  double y0, y1;
  int32_t n;
  if (ix < 0x4002D97C) { /* x < 3 pi/4: n = 1 */
    double z = x - pio2_1;
    if (ix != 0x3FF921FB) {
      y0 = z - pio2_1t;
      y1 = (z - y0) - pio2_1t;
    } else { /* near pi/2: 33 + 33 + 53 bits of pi/2 */
      z -= pio2_2;
      y0 = z - pio2_2t;
      y1 = (z - y0) - pio2_2t;
    }
    n = 1;
  } else {
    n = (int32_t)(x * invpio2 + 0.5);
    const double fn = (double)n;
    double r = x - fn * pio2_1, w = fn * pio2_1t;
    y0 = r - w;
    if (ix == npio2_hw[n - 1]) {
      const int32_t j = ix >> 20;
      int32_t lost = j - (int32_t)((hyp_high_word(y0) >> 20) & 0x7FF);
      if (lost > 16) { /* a second round, good to 118 bits */
        double t = r;
        w = fn * pio2_2;
        r = t - w;
        w = fn * pio2_2t - ((t - r) - w);
        y0 = r - w;
        lost = j - (int32_t)((hyp_high_word(y0) >> 20) & 0x7FF);
        if (lost > 49) { /* a third, good to 151 bits */
          t = r;
          w = fn * pio2_3;
          r = t - w;
          w = fn * pio2_3t - ((t - r) - w);
          y0 = r - w;
        }
      }
    }
    y1 = (r - y0) - w;
  }
  switch (n & 3) {
    case 0: return hyp_fdlibm_kcos(y0, y1);
    case 1: return -hyp_fdlibm_ksin(y0, y1);
    case 2: return -hyp_fdlibm_kcos(y0, y1);
    default: return hyp_fdlibm_ksin(y0, y1);
  }
}

/*
 * Math.log: fdlibm for positive normal numbers, libm for 0, subnormals, negatives, infinities and
 * NaN; Math.cos: fdlibm below 2 pi in magnitude, libm beyond and for NaN. The ranges are tested on
 * the high word, which -ffast-math's finite-math assumptions cannot fold away once inlined.
 */
static inline double hyp_log(double x) {
  const uint32_t hw = hyp_high_word(x);
  return hw - 0x00100000u < 0x7FE00000u ? hyp_fdlibm_log(x) : log(x);
}
static inline double hyp_cos(double x) {
  return (hyp_high_word(x) & 0x7FFFFFFFu) < 0x401921FBu ? hyp_fdlibm_cos(fabs(x)) : cos(x);
}
#pragma GCC pop_options
#endif
`;
