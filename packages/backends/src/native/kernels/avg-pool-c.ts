import { poolWindowHelpersC } from './pool-windows-c.js';

/**
 * Average pooling over the last two axes and its gradient, with the window bounds and padded spans
 * from JS (the reference's geometry). Sums in double and scales by 1 / count as the reference does
 * (count = the real elements, or the padded span with includePad); the gradient spreads
 * gy * scale over the window, rounding through the dtype at each addition like the reference.
 * Buffers: x (forward) or gy (gradient), rowLo, rowHi, colLo, colHi, rowSpan, colSpan, out.
 * Parameters: images, h, w, oh, ow, includePad.
 *
 * Regular windows (see pool-windows-c.ts; every count is then kh * kw) take a fast path whose
 * innermost loop walks the output columns, summing in the reference's order (2x2 stride 2 has its
 * own loop); the gradient's fast
 * path needs non-overlapping windows and writes each input element once (a single addition onto
 * 0, so the same rounding as the reference).
 */
export function avgPoolKernelC(name: string, dtype: 'float32' | 'float64', grad: boolean): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  const regular = grad ? `
static inline void ${name}_regular(const ${T} *restrict gyi, ${T} *restrict gi, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw) {
  const double scale = 1 / ((double)kh * kw);
  for (int64_t a = 0; a < oh; a++) {
    const ${T} *restrict g = gyi + a * ow;
    for (int64_t i = 0; i < sh && a * sh + i < h; i++) {
      ${T} *restrict gr = gi + (a * sh + i) * w;
      if (i >= kh || sw > kw) { for (int64_t q = 0; q < w; q++) gr[q] = 0; }
      else for (int64_t q = ow * sw; q < w; q++) gr[q] = 0;
      if (i >= kh) continue;
      for (int64_t j = 0; j < kw; j++)
        for (int64_t c = 0; c < ow; c++) gr[c * sw + j] = (${T})(0.0 + (double)g[c] * scale);
    }
  }
  for (int64_t e = oh * sh * w; e < h * w; e++) gi[e] = 0;
}
` : `
static inline void ${name}_regular(const ${T} *restrict xi, ${T} *restrict yi, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw) {
  const double scale = 1 / ((double)kh * kw);
  double s[ow];
  for (int64_t a = 0; a < oh; a++) {
    for (int64_t c = 0; c < ow; c++) s[c] = 0;
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = 0; j < kw; j++) {
        const ${T} *restrict xr = xi + (a * sh + i) * w + j;
        for (int64_t c = 0; c < ow; c++) s[c] += xr[c * sw];
      }
    for (int64_t c = 0; c < ow; c++) yi[a * ow + c] = (${T})(s[c] * scale);
  }
}
`;
  // 2x2 stride 2: the four elements of each window read or written together (interleaved pairs,
  // which gcc vectorises with shuffles), summed in the reference's order.
  const two = grad ? `
static inline void ${name}_2x2(const ${T} *restrict gyi, ${T} *restrict gi, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  for (int64_t a = 0; a < oh; a++) {
    const ${T} *restrict g = gyi + a * ow;
    ${T} *restrict g0 = gi + 2 * a * w, *restrict g1 = g0 + w;
    for (int64_t c = 0; c < ow; c++) {
      const ${T} v = (${T})(0.0 + (double)g[c] * 0.25);
      g0[2 * c] = v; g0[2 * c + 1] = v; g1[2 * c] = v; g1[2 * c + 1] = v;
    }
    for (int64_t q = 2 * ow; q < w; q++) { g0[q] = 0; g1[q] = 0; }
  }
  for (int64_t e = 2 * oh * w; e < h * w; e++) gi[e] = 0;
}
` : `
static inline void ${name}_2x2(const ${T} *restrict xi, ${T} *restrict yi, int64_t w, int64_t oh, int64_t ow) {
  for (int64_t a = 0; a < oh; a++) {
    const ${T} *restrict x0 = xi + 2 * a * w, *restrict x1 = x0 + w;
    ${T} *restrict y = yi + a * ow;
    for (int64_t c = 0; c < ow; c++) {
      double s = 0;
      s += x0[2 * c]; s += x0[2 * c + 1]; s += x1[2 * c]; s += x1[2 * c + 1];
      y[c] = (${T})(s * 0.25);
    }
  }
}
`;
  return `${poolWindowHelpersC}${regular}${two}
static void ${name}(void **b, const int64_t *p) {
  const ${T} *src = (const ${T} *)b[0];
  const int32_t *rlo = (const int32_t *)b[1], *rhi = (const int32_t *)b[2], *clo = (const int32_t *)b[3], *chi = (const int32_t *)b[4];
  const int32_t *rsp = (const int32_t *)b[5], *csp = (const int32_t *)b[6];
  ${T} *out = (${T} *)b[7];
  const int64_t m = p[0], h = p[1], w = p[2], oh = p[3], ow = p[4], pad = p[5];
  int64_t kh, kw, sh, sw;
  int fast = hyp_regular_windows(rlo, rhi, oh, h, &kh, &sh) && hyp_regular_windows(clo, chi, ow, w, &kw, &sw)${grad ? ' && sh >= kh && sw >= kw' : ''};
  for (int64_t a = 0; fast && a < oh; a++) fast = rsp[a] == kh;
  for (int64_t c = 0; fast && c < ow; c++) fast = csp[c] == kw;
  if (fast) {
    const int two = kh == 2 && kw == 2 && sh == 2 && sw == 2;
    #pragma omp parallel for if (m * h * w >= HYP_POOL_PAR_MIN) schedule(static)
    for (int64_t img = 0; img < m; img++) {
      ${grad ? `if (two) ${name}_2x2(src + img * oh * ow, out + img * h * w, h, w, oh, ow);
      else ${name}_regular(src + img * oh * ow, out + img * h * w, h, w, oh, ow, kh, kw, sh, sw);`
        : `if (two) ${name}_2x2(src + img * h * w, out + img * oh * ow, w, oh, ow);
      else ${name}_regular(src + img * h * w, out + img * oh * ow, w, oh, ow, kh, kw, sh, sw);`}
    }
    return;
  }
  #pragma omp parallel for if (m * h * w >= HYP_POOL_PAR_MIN) schedule(static)
  for (int64_t img = 0; img < m; img++) {
    ${grad ? `${T} *gi = out + img * h * w;
    for (int64_t e = 0; e < h * w; e++) gi[e] = 0;` : `const ${T} *xi = src + img * h * w;`}
    for (int64_t a = 0; a < oh; a++)
      for (int64_t c = 0; c < ow; c++) {
        const int64_t o = (img * oh + a) * ow + c;
        const double count = pad ? (double)rsp[a] * csp[c] : (double)(rhi[a] - rlo[a]) * (chi[c] - clo[c]);
        const double scale = 1 / count;
        ${grad ? `const double v = (double)src[o] * scale;
        for (int64_t r = rlo[a]; r < rhi[a]; r++)
          for (int64_t q = clo[c]; q < chi[c]; q++) gi[r * w + q] = (${T})((double)gi[r * w + q] + v);` : `double s = 0;
        for (int64_t r = rlo[a]; r < rhi[a]; r++)
          for (int64_t q = clo[c]; q < chi[c]; q++) s += xi[r * w + q];
        out[o] = (${T})(s * scale);`}
      }
  }
}
`;
}
