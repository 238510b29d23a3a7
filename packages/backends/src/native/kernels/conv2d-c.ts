/**
 * conv2d and its two gradients in C, as im2col plus the gemm kernel `gemm` (defined earlier in
 * the same source), one image at a time with images spread over threads (the inner gemm then runs
 * on one thread). Geometry parameters, shared by all three:
 * N, C, H, W, O, KH, KW, SH, SW, padTop, padLeft, OH, OW.
 */
export function conv2dKernelsC(prefix: string, dtype: 'float32' | 'float64', gemm: string, which: 'forward' | 'grad_input' | 'grad_filters'): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  const geometry = `
  const int64_t N = p[0], C = p[1], H = p[2], W = p[3], O = p[4], KH = p[5], KW = p[6];
  const int64_t SH = p[7], SW = p[8], PT = p[9], PL = p[10], OH = p[11], OW = p[12];
  const int64_t K = C * KH * KW, P = OH * OW;
  (void)N; (void)O; (void)K; (void)P;`;
  // Unfold one image into cols[(c, i, j), (oh, ow)], or (back) add such columns into an image.
  const patches = (name: string, back: boolean) => `
static void ${name}(${back ? `const ${T} *restrict cols, ${T} *restrict x` : `const ${T} *restrict x, ${T} *restrict cols`}, const int64_t *p) {${geometry}
  int64_t row = 0;
  for (int64_t ch = 0; ch < C; ch++)
    for (int64_t i = 0; i < KH; i++)
      for (int64_t j = 0; j < KW; j++, row++) {
        ${back ? 'const ' : ''}${T} *restrict r = ${back ? '(const ' + T + ' *)' : ''}cols + row * P;
        for (int64_t oh = 0; oh < OH; oh++) {
          const int64_t ih = oh * SH - PT + i;
          const int ok = ih >= 0 && ih < H;
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t iw = ow * SW - PL + j;
            ${back
              ? `if (ok && iw >= 0 && iw < W) x[(ch * H + ih) * W + iw] += r[oh * OW + ow];`
              : `r[oh * OW + ow] = (ok && iw >= 0 && iw < W) ? x[(ch * H + ih) * W + iw] : 0;`}
          }
        }
      }
}
`;
  const gemmCall = (a: string, b: string, c: string, m: string, n: string, k: string, rsA: string, csA: string, rsB: string, csB: string) =>
    `{ void *gb[3] = { (void *)(${a}), (void *)(${b}), (void *)(${c}) }; const int64_t gp[10] = { ${m}, ${n}, ${k}, ${rsA}, ${csA}, ${rsB}, ${csB}, 0, 0, 0 }; ${gemm}(gb, gp); }`;
  const par = `#pragma omp parallel for if (N > 1 && N * O * P * K >= 64 * 64 * 64) schedule(dynamic)`;
  switch (which) {
    case 'forward': return `${patches(`${prefix}_im2col`, false)}
static void ${prefix}(void **b, const int64_t *p) {${geometry}
  const ${T} *x = (const ${T} *)b[0], *w = (const ${T} *)b[1];
  ${T} *y = (${T} *)b[2];
  ${par}
  for (int64_t n = 0; n < N; n++) {
    ${T} *cols = (${T} *)malloc((size_t)(K * P + 1) * sizeof(${T}));
    ${prefix}_im2col(x + n * C * H * W, cols, p);
    ${gemmCall('w', 'cols', 'y + n * O * P', 'O', 'P', 'K', 'K', '1', 'P', '1')}
    free(cols);
  }
}
`;
    case 'grad_input': return `${patches(`${prefix}_col2im`, true)}
static void ${prefix}(void **b, const int64_t *p) {${geometry}
  const ${T} *dy = (const ${T} *)b[0], *w = (const ${T} *)b[1];
  ${T} *dx = (${T} *)b[2];
  ${par}
  for (int64_t n = 0; n < N; n++) {
    ${T} *dcols = (${T} *)malloc((size_t)(K * P + 1) * sizeof(${T}));
    ${gemmCall('w', 'dy + n * O * P', 'dcols', 'K', 'P', 'O', '1', 'K', 'P', '1')}
    ${T} *img = dx + n * C * H * W;
    for (int64_t e = 0; e < C * H * W; e++) img[e] = 0;
    ${prefix}_col2im(dcols, img, p);
    free(dcols);
  }
}
`;
    case 'grad_filters': return `${patches(`${prefix}_im2col`, false)}
static void ${prefix}(void **b, const int64_t *p) {${geometry}
  const ${T} *x = (const ${T} *)b[0], *dy = (const ${T} *)b[1];
  ${T} *dw = (${T} *)b[2];
  for (int64_t e = 0; e < O * K; e++) dw[e] = 0;
  #pragma omp parallel if (N > 1 && N * O * P * K >= 64 * 64 * 64)
  {
    ${T} *cols = (${T} *)malloc((size_t)(K * P + 1) * sizeof(${T}));
    ${T} *part = (${T} *)malloc((size_t)(O * K + 1) * sizeof(${T}));
    ${T} *acc = (${T} *)calloc((size_t)(O * K + 1), sizeof(${T}));
    #pragma omp for schedule(dynamic)
    for (int64_t n = 0; n < N; n++) {
      ${prefix}_im2col(x + n * C * H * W, cols, p);
      ${gemmCall('dy + n * O * P', 'cols', 'part', 'O', 'K', 'P', 'P', '1', '1', 'P')}
      for (int64_t e = 0; e < O * K; e++) acc[e] += part[e];
    }
    #pragma omp critical
    for (int64_t e = 0; e < O * K; e++) dw[e] += acc[e];
    free(cols); free(part); free(acc);
  }
}
`;
  }
}
