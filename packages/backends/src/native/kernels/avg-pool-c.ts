import { poolThreadsC } from './pool-threads-c.js';

/**
 * Average pooling over the last two axes and its gradient, on regular windows (window i of an axis
 * is [i * stride, i * stride + window), inside the image: no padding, ignoreBorder, so every
 * window counts kh * kw elements with or without includePad), and for the gradient
 * non-overlapping ones (stride >= window); steps/pooling.ts sends every other geometry to the op's
 * IR kernels. Sums in double in the reference's order and scales by 1 / (kh * kw); the gradient
 * writes gy * scale to each input element of its window once (a single addition onto 0, so the
 * same rounding as the reference) and 0 elsewhere. The innermost loop walks the output columns,
 * and 2x2 stride 2 has its own loop.
 * Buffers: x (forward) or gy (gradient), out. Parameters: images, h, w, oh, ow, window rows,
 * window cols, stride rows, stride cols.
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
  double s[ow > 0 ? ow : 1];
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
  return `${poolThreadsC}${regular}${two}
static void ${name}(void **b, const int64_t *p) {
  const ${T} *src = (const ${T} *)b[0];
  ${T} *out = (${T} *)b[1];
  const int64_t m = p[0], h = p[1], w = p[2], oh = p[3], ow = p[4], kh = p[5], kw = p[6], sh = p[7], sw = p[8];
  const int two = kh == 2 && kw == 2 && sh == 2 && sw == 2;
  const int share = hyp_team_share(m * h * w, HYP_POOL_PAR_MIN_HOT, HYP_POOL_PAR_MIN);
  #pragma omp parallel for if (share) schedule(static)
  for (int64_t img = 0; img < m; img++) {
    ${grad ? `if (two) ${name}_2x2(src + img * oh * ow, out + img * h * w, h, w, oh, ow);
    else ${name}_regular(src + img * oh * ow, out + img * h * w, h, w, oh, ow, kh, kw, sh, sw);`
      : `if (two) ${name}_2x2(src + img * h * w, out + img * oh * ow, w, oh, ow);
    else ${name}_regular(src + img * h * w, out + img * oh * ow, w, oh, ow, kh, kw, sh, sw);`}
  }
  if (share) hyp_team_ran();
}
`;
}
