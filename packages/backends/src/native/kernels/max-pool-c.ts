/**
 * Max pooling over the last two axes and its gradient. The window bounds come from JS (the same
 * Int32Arrays the reference uses), so padding and border rules live in one place. The first
 * maximum wins, as in the reference; an empty window yields NaN (forward) or nothing (gradient).
 * Buffers: x, [gy,] rowLo, rowHi, colLo, colHi, out. Parameters: images, h, w, oh, ow.
 */
export function maxPoolKernelC(name: string, dtype: 'float32' | 'float64', grad: boolean): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  const k = grad ? 1 : 0;
  return `
static void ${name}(void **b, const int64_t *p) {
  const ${T} *x = (const ${T} *)b[0];
  ${grad ? `const ${T} *gy = (const ${T} *)b[1];` : ''}
  const int32_t *rlo = (const int32_t *)b[${1 + k}], *rhi = (const int32_t *)b[${2 + k}];
  const int32_t *clo = (const int32_t *)b[${3 + k}], *chi = (const int32_t *)b[${4 + k}];
  ${T} *out = (${T} *)b[${5 + k}];
  const int64_t m = p[0], h = p[1], w = p[2], oh = p[3], ow = p[4];
  #pragma omp parallel for if (m * h * w >= HYP_PAR_MIN) schedule(static)
  for (int64_t img = 0; img < m; img++) {
    const ${T} *xi = x + img * h * w;
    ${grad ? `${T} *gi = out + img * h * w;
    for (int64_t e = 0; e < h * w; e++) gi[e] = 0;` : ''}
    for (int64_t a = 0; a < oh; a++) {
      for (int64_t c = 0; c < ow; c++) {
        ${T} best = -INFINITY;
        int64_t at = -1;
        for (int64_t r = rlo[a]; r < rhi[a]; r++)
          for (int64_t q = clo[c]; q < chi[c]; q++) {
            const ${T} v = xi[r * w + q];
            if (v > best || at < 0) { best = v; at = r * w + q; }
          }
        const int64_t o = (img * oh + a) * ow + c;
        ${grad ? 'if (at >= 0) gi[at] += gy[o];' : 'out[o] = at >= 0 ? best : NAN;'}
      }
    }
  }
}
`;
}
