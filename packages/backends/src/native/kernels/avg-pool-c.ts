/**
 * Average pooling over the last two axes and its gradient, with the window bounds and padded spans
 * from JS (the reference's geometry). Sums in double and scales by 1 / count as the reference does
 * (count = the real elements, or the padded span with includePad); the gradient spreads
 * gy * scale over the window, rounding through the dtype at each addition like the reference.
 * Buffers: x (forward) or gy (gradient), rowLo, rowHi, colLo, colHi, rowSpan, colSpan, out.
 * Parameters: images, h, w, oh, ow, includePad.
 */
export function avgPoolKernelC(name: string, dtype: 'float32' | 'float64', grad: boolean): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  return `
static void ${name}(void **b, const int64_t *p) {
  const ${T} *src = (const ${T} *)b[0];
  const int32_t *rlo = (const int32_t *)b[1], *rhi = (const int32_t *)b[2], *clo = (const int32_t *)b[3], *chi = (const int32_t *)b[4];
  const int32_t *rsp = (const int32_t *)b[5], *csp = (const int32_t *)b[6];
  ${T} *out = (${T} *)b[7];
  const int64_t m = p[0], h = p[1], w = p[2], oh = p[3], ow = p[4], pad = p[5];
  #pragma omp parallel for if (m * h * w >= HYP_PAR_MIN) schedule(static)
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
