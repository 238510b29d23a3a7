import { TEAM_BACKOFF_C } from './team-backoff-c.js';

/**
 * conv2d and its two gradients in C, as im2col plus one large product by the gemm kernel `gemm`
 * (defined earlier in the same source) over a whole group of images: at mini-batch 10, one
 * 20 x 5760 x 25 product plus copies ran 1.5x faster than ten 20 x 576 x 25 ones (same gemm), and
 * Images go in groups whose unfolded columns fit in HYP_CONV_COLS elements (1 MiB of floats:
 * larger groups fell out of L2 and ran mini-batch 100 almost 2x slower), so big batches keep a
 * bounded scratch buffer (kept between calls, per kernel and thread: a call allocates nothing once
 * warm). With threads, the groups are what is shared out: each thread unfolds, multiplies and
 * copies back whole groups on its own (its gemm on one thread), thread t group t first, then
 * the next group left on a shared counter, so the copies run in parallel too and a call wakes the team once; the filters'
 * gradient sums one partial result per thread. Threads start when the products' flops reach
 * HYP_GEMM_PAR_MIN per thread, as for a gemm, and there are at least as many groups as threads;
 * one group (a large image) is left to the gemm's own threads.
 * The column matrix is cols[(c, i, j), (image, oh, ow)]; the gemm's result and the
 * gradient dy are [o, (image, oh, ow)], so y and dy pass through a transposing copy of contiguous
 * rows. Both limits are -D overridable (tests set them to 1: one image per group, every copy on
 * threads). Geometry parameters, shared by all three:
 * N, C, H, W, O, KH, KW, SH, SW, padTop, padLeft, OH, OW.
 */
export function conv2dKernelsC(prefix: string, dtype: 'float32' | 'float64', gemm: string, which: 'forward' | 'grad_input' | 'grad_filters'): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  const geometry = `
  const int64_t N = p[0], C = p[1], H = p[2], W = p[3], O = p[4], KH = p[5], KW = p[6];
  const int64_t SH = p[7], SW = p[8], PT = p[9], PL = p[10], OH = p[11], OW = p[12];
  const int64_t K = C * KH * KW, P = OH * OW;
  (void)N; (void)O; (void)K; (void)P; (void)H; (void)W; (void)SH; (void)SW; (void)PT; (void)PL;`;
  // The group loop, images [n0, n0 + g) with column count gP, groups taken from a shared counter by
  // the \`nt\` threads; gmax is the largest group (the scratch size). \`setup\` runs once per thread.
  const groups = (setup: string) => `
  int64_t chunks, gmax;
  const int nt = hyp_conv_plan(N, K * P, 2.0 * (double)O * (double)K * (double)P * (double)N, &chunks, &gmax);
  int64_t taken = 0;
  const int64_t started = nt > 1 ? hyp_team_start(nt) : 0;
  #pragma omp parallel num_threads(nt) if (nt > 1)
  {${setup}
  int64_t t, tn;
  hyp_conv_team(&t, &tn);
  /* Thread t starts with group t (every thread gets one), then takes the next one left. */
  for (int64_t c = t; c < chunks; c = hyp_conv_next(&taken, tn)) {
    const int64_t n0 = N * c / chunks, g = N * (c + 1) / chunks - n0, gP = g * P;`;
  const groupsEnd = `
  }
  if (nt > 1) hyp_team_settle(started, nt);`;
  const gemmCall = (a: string, b: string, c: string, m: string, n: string, k: string, rsA: string, csA: string, rsB: string, csB: string) =>
    `{ void *gb[3] = { (void *)(${a}), (void *)(${b}), (void *)(${c}) }; const int64_t gp[10] = { ${m}, ${n}, ${k}, ${rsA}, ${csA}, ${rsB}, ${csB}, 0, 0, 0 }; ${gemm}(gb, gp); }`;
  // Copies run on threads only when big: waking the OpenMP team costs more than a small copy.
  const par = (work: string) => `#pragma omp parallel for if (${work} >= HYP_CONV_PAR_MIN && hyp_team_free()) schedule(static)`;
  const common = `${TEAM_BACKOFF_C}
#ifndef HYP_CONV_COMMON
#define HYP_CONV_COMMON
#ifndef HYP_CONV_COLS
#define HYP_CONV_COLS (1 << 18)
#endif
#ifndef HYP_CONV_PAR_MIN
#define HYP_CONV_PAR_MIN (1 << 18)
#endif
#ifndef HYP_CONV_DIRECT_K
#define HYP_CONV_DIRECT_K 32
#endif
#ifndef HYP_GEMM_PAR_MIN
#define HYP_GEMM_PAR_MIN 4000000
#endif
/*
 * Threads for a convolution of N images of kp = K * P unfolded elements each doing \`flops\`, the
 * number of groups (*chunks, at least one per thread when threads run) and the largest group's images.
 */
/* This thread's number and the team's size; thread t's first group is t, then each takes tn + (*taken)++. */
static inline void hyp_conv_team(int64_t *t, int64_t *tn) {
#ifdef _OPENMP
  *t = omp_get_thread_num(); *tn = omp_get_num_threads();
#else
  *t = 0; *tn = 1;
#endif
  if (*tn > 1) hyp_team_enter(*t);
}
static inline int64_t hyp_conv_next(int64_t *taken, int64_t tn) {
  int64_t c;
#ifdef _OPENMP
  if (tn > 1) hyp_team_chunk(omp_get_thread_num());
#endif
  #pragma omp atomic capture
  c = (*taken)++;
  return tn + c;
}
static int hyp_conv_plan(int64_t N, int64_t kp, double flops, int64_t *chunks, int64_t *gmax) {
  const int64_t G = kp >= HYP_CONV_COLS ? 1 : (HYP_CONV_COLS / kp < N ? HYP_CONV_COLS / kp : N);
  int64_t groups = (N + G - 1) / G;
  int nt = 1;
#ifdef _OPENMP
  if (!omp_in_parallel()) {
    const int most = omp_get_max_threads();
    const double fit = flops / HYP_GEMM_PAR_MIN;
    nt = fit < most ? (int)fit : most;
    if (nt > N) nt = (int)N;
    if (nt < 1 || groups < 2 || !hyp_team_free()) nt = 1;
    if (groups < nt) groups = nt;
  }
#else
  (void)flops;
#endif
  *chunks = groups;
  *gmax = (N + groups - 1) / groups;
  return nt;
}
/* The output positions ow in [*lo, *hi) whose input column ow * s - pad + j lies in [0, len). */
static inline void hyp_conv_valid(int64_t out, int64_t s, int64_t pad, int64_t j, int64_t len, int64_t *lo, int64_t *hi) {
  int64_t a = pad - j <= 0 ? 0 : (pad - j + s - 1) / s;
  int64_t b = len + pad - j <= 0 ? 0 : (len + pad - j + s - 1) / s;
  *lo = a < out ? a : out;
  *hi = b < out ? b : out;
  if (*hi < *lo) *hi = *lo;
}
#endif
/* Scratch kept between calls (grown on demand), per calling thread: only the thread that enters
   the kernel uses it, and Node workers sharing this library each get their own. */
static ${T} *${prefix}_scratch(int64_t n) {
  static __thread ${T} *buf = NULL;
  static __thread int64_t cap = 0;
  if (n > cap) { free(buf); buf = (${T} *)malloc((size_t)n * sizeof(${T})); cap = n; }
  return buf;
}
`;
  // Unfold image `img` into columns [i * P, (i + 1) * P) of cols (row length ld), or (back) add those
  // columns into the image. Rows outside the image and columns outside the valid range are padding.
  const patches = (name: string, back: boolean) => `
static void ${name}(${back ? `const ${T} *restrict cols, ${T} *restrict x` : `const ${T} *restrict x, ${T} *restrict cols`}, int64_t ld, const int64_t *p) {${geometry}
  int64_t row = 0;
  for (int64_t ch = 0; ch < C; ch++)
    for (int64_t i = 0; i < KH; i++)
      for (int64_t j = 0; j < KW; j++, row++) {
        int64_t lo, hi;
        hyp_conv_valid(OW, SW, PL, j, W, &lo, &hi);
        ${back ? 'const ' : ''}${T} *restrict r = ${back ? `(const ${T} *)` : ''}cols + row * ld;
        for (int64_t oh = 0; oh < OH; oh++) {
          const int64_t ih = oh * SH - PT + i;
          ${back ? `if (ih < 0 || ih >= H) continue;
          ${T} *restrict xr = x + (ch * H + ih) * W;
          const ${T} *restrict rr = r + oh * OW;
          if (SW == 1) for (int64_t ow = lo; ow < hi; ow++) xr[ow + j - PL] += rr[ow];
          else for (int64_t ow = lo; ow < hi; ow++) xr[ow * SW + j - PL] += rr[ow];` : `${T} *restrict rr = r + oh * OW;
          if (ih < 0 || ih >= H) { for (int64_t ow = 0; ow < OW; ow++) rr[ow] = 0; continue; }
          const ${T} *restrict xr = x + (ch * H + ih) * W;
          for (int64_t ow = 0; ow < lo; ow++) rr[ow] = 0;
          if (SW == 1) for (int64_t ow = lo; ow < hi; ow++) rr[ow] = xr[ow + j - PL];
          else for (int64_t ow = lo; ow < hi; ow++) rr[ow] = xr[ow * SW + j - PL];
          for (int64_t ow = hi; ow < OW; ow++) rr[ow] = 0;`}
        }
      }
}
`;
  // dy images [n0, n0 + g) as rows [o, (image, p)] of dyT.
  const transposeDy = `
    ${par('gP * O')}
    for (int64_t i = 0; i < g; i++)
      for (int64_t o = 0; o < O; o++) memcpy(dyT + o * gP + i * P, dy + ((n0 + i) * O + o) * P, (size_t)P * sizeof(${T}));`;
  // Three vectors of 32 bytes: one row chunk of the direct path.
  const L = 3 * (32 / (dtype === 'float32' ? 4 : 8));
  const directCommon = `
static int ${prefix}_direct_fits(const int64_t *p) {${geometry}
  return K <= HYP_CONV_DIRECT_K && SH == 1 && SW == 1 && PT == 0 && PL == 0 && OH + KH - 1 <= H && OW + KW - 1 <= W && OW >= ${L} && O >= 4;
}
typedef ${T} ${prefix}_v __attribute__((vector_size(32)));
static inline ${prefix}_v ${prefix}_load(const ${T} *a) { ${prefix}_v v; memcpy(&v, a, sizeof v); return v; }
`;
  const directForward = `
/* Convolution computed in place, without unfolding, when the filter is small (K = C * KH * KW up to
   HYP_CONV_DIRECT_K), the stride 1, no padding reached and a row at least ${L} outputs wide: the
   unfold and the copy back cost as much as the product there. Each output row is built from
   4 filters x 3 vectors of accumulators, the x vectors loaded once for the 4 filters (the last block
   of filters and of a row overlap the one before when O or OW is not a multiple: those outputs are
   computed twice, identically, rather than by a slower scalar tail); every output
   sums its K products by fused multiply-adds in the gemm's order (c, i, j) from zero, so the
   result is the im2col path's, bit for bit. */
static void ${prefix}_direct(const ${T} *restrict x, const ${T} *restrict w, ${T} *restrict y, const int64_t *p) {${geometry}
  enum { VL = 32 / sizeof(${T}) };
  for (int64_t ob = 0; ob < O; ob += 4) {
    const int64_t o0 = ob + 4 <= O ? ob : O - 4;
    const ${T} *restrict w0 = w + o0 * K;
    for (int64_t oh = 0; oh < OH; oh++) {
      ${T} *restrict yr = y + o0 * P + oh * OW;
      for (int64_t oc = 0; oc < OW; oc += ${L}) {
        const int64_t ow = oc + ${L} <= OW ? oc : OW - ${L};
        ${prefix}_v a[4][3];
        for (int b = 0; b < 4; b++) for (int v = 0; v < 3; v++) a[b][v] = (${prefix}_v){0};
        int64_t k = 0;
        for (int64_t c = 0; c < C; c++)
          for (int64_t i = 0; i < KH; i++) {
            const ${T} *xr = x + (c * H + oh + i) * W + ow;
            for (int64_t j = 0; j < KW; j++, k++) {
              const ${prefix}_v x0 = ${prefix}_load(xr + j), x1 = ${prefix}_load(xr + j + VL), x2 = ${prefix}_load(xr + j + 2 * VL);
              for (int b = 0; b < 4; b++) {
                const ${T} wk = w0[b * K + k];
                a[b][0] += wk * x0; a[b][1] += wk * x1; a[b][2] += wk * x2;
              }
            }
          }
        for (int b = 0; b < 4; b++) for (int v = 0; v < 3; v++) memcpy(yr + b * P + ow + v * VL, &a[b][v], sizeof a[b][v]);
      }
    }
  }
}
`;
  const directGradFilters = `
/* The filters' gradient of one image added into acc[O, K] in place, for the shapes the forward
   computes in place (and KW >= 3): for 4 filters and 5 filter columns j at a time (3 when KW < 5),
   20 vector sums over the image of dy's rows times x's rows shifted by j (the x vectors loaded once
   for the 4 filters), then summed across their lanes; the columns past the last full vector of a
   row are summed one by one. Past the last filter, a block reads the last filter's rows again and
   drops those sums; past the last j, a block starts at KW - 5 (or 3) and skips the columns done. */
/* One block: filters o0..o0+3 (rows), filter columns j0..j0+JB-1, adding those from column jd on. */
static inline __attribute__((always_inline)) void ${prefix}_block(const ${T} *restrict x, const ${T} *const *rows, ${T} *restrict acc, const int64_t *p, int64_t o0, int64_t c, int64_t i, int64_t j0, int64_t jd, const int JB) {${geometry}
  enum { VL = 32 / sizeof(${T}) };
  const int64_t OWV = OW - OW % VL;
  ${prefix}_v a[4][5];
  ${T} s[4][5];
  for (int b = 0; b < 4; b++) for (int v = 0; v < JB; v++) { a[b][v] = (${prefix}_v){0}; s[b][v] = 0; }
  for (int64_t oh = 0; oh < OH; oh++) {
    const ${T} *xr = x + (c * H + oh + i) * W + j0;
    const int64_t r = oh * OW;
    for (int64_t ow = 0; ow < OWV; ow += VL) {
      ${prefix}_v xv[5];
      for (int v = 0; v < JB; v++) xv[v] = ${prefix}_load(xr + ow + v);
      for (int b = 0; b < 4; b++) {
        const ${prefix}_v d = ${prefix}_load(rows[b] + r + ow);
        for (int v = 0; v < JB; v++) a[b][v] += d * xv[v];
      }
    }
    for (int64_t ow = OWV; ow < OW; ow++)
      for (int b = 0; b < 4; b++)
        for (int v = 0; v < JB; v++) s[b][v] += rows[b][r + ow] * xr[ow + v];
  }
  for (int b = 0; b < 4 && o0 + b < O; b++)
    for (int v = j0 < jd ? (int)(jd - j0) : 0; v < JB; v++) {
      ${T} t = s[b][v];
      for (int l = 0; l < VL; l++) t += a[b][v][l];
      acc[(o0 + b) * K + (c * KH + i) * KW + j0 + v] += t;
    }
}
static void ${prefix}_direct(const ${T} *restrict x, const ${T} *restrict dy, ${T} *restrict acc, const int64_t *p) {${geometry}
  for (int64_t o0 = 0; o0 < O; o0 += 4) {
    const ${T} *rows[4];
    for (int b = 0; b < 4; b++) rows[b] = dy + (o0 + b < O ? o0 + b : O - 1) * P;
    for (int64_t c = 0; c < C; c++)
      for (int64_t i = 0; i < KH; i++) {
        if (KW >= 5) for (int64_t jd = 0; jd < KW; jd += 5) ${prefix}_block(x, rows, acc, p, o0, c, i, jd + 5 <= KW ? jd : KW - 5, jd, 5);
        else for (int64_t jd = 0; jd < KW; jd += 3) ${prefix}_block(x, rows, acc, p, o0, c, i, jd + 3 <= KW ? jd : KW - 3, jd, 3);
      }
  }
}
`;
  switch (which) {
    case 'forward': return `${common}${patches(`${prefix}_im2col`, false)}${directCommon}${directForward}
static void ${prefix}(void **b, const int64_t *p) {${geometry}
  const ${T} *x = (const ${T} *)b[0], *w = (const ${T} *)b[1];
  ${T} *y = (${T} *)b[2];
  if (N == 0 || O == 0 || P == 0) return;
  if (K == 0) { memset(y, 0, (size_t)(N * O * P) * sizeof(${T})); return; }
  const int direct = ${prefix}_direct_fits(p);${groups(`
  ${T} *cols = direct ? NULL : ${prefix}_scratch(K * gmax * P + O * gmax * P), *prod = direct ? NULL : cols + K * gmax * P;`)}
    if (direct) {
      for (int64_t i = 0; i < g; i++) ${prefix}_direct(x + (n0 + i) * C * H * W, w, y + (n0 + i) * O * P, p);
      continue;
    }
    ${par('K * gP')}
    for (int64_t i = 0; i < g; i++) ${prefix}_im2col(x + (n0 + i) * C * H * W, cols + i * P, gP, p);
    ${gemmCall('w', 'cols', 'prod', 'O', 'gP', 'K', 'K', '1', 'gP', '1')}
    ${par('gP * O')}
    for (int64_t i = 0; i < g; i++)
      for (int64_t o = 0; o < O; o++) memcpy(y + ((n0 + i) * O + o) * P, prod + o * gP + i * P, (size_t)P * sizeof(${T}));
  }${groupsEnd}
}
`;
    case 'grad_input': return `${common}${patches(`${prefix}_col2im`, true)}
static void ${prefix}(void **b, const int64_t *p) {${geometry}
  const ${T} *dy = (const ${T} *)b[0], *w = (const ${T} *)b[1];
  ${T} *dx = (${T} *)b[2];
  memset(dx, 0, (size_t)(N * C * H * W) * sizeof(${T}));
  if (N == 0 || K == 0 || O == 0 || P == 0) return;${groups(`
  ${T} *dyT = ${prefix}_scratch(O * gmax * P + K * gmax * P), *dcols = dyT + O * gmax * P;`)}${transposeDy}
    ${gemmCall('w', 'dyT', 'dcols', 'K', 'gP', 'O', '1', 'K', 'gP', '1')}
    ${par('K * gP')}
    for (int64_t i = 0; i < g; i++) ${prefix}_col2im(dcols + i * P, dx + (n0 + i) * C * H * W, gP, p);
  }${groupsEnd}
}
`;
    case 'grad_filters': return `${common}${patches(`${prefix}_im2col`, false)}${directCommon}${directGradFilters}
static void ${prefix}(void **b, const int64_t *p) {${geometry}
  const ${T} *x = (const ${T} *)b[0], *dy = (const ${T} *)b[1];
  ${T} *dw = (${T} *)b[2];
  memset(dw, 0, (size_t)(O * K) * sizeof(${T}));
  if (N == 0 || K == 0 || O == 0 || P == 0) return;
  const int direct = ${prefix}_direct_fits(p) && KW >= 3;${groups(`
  /* This thread's sum over its groups (acc), the latest group's product (part), then the columns. */
  ${T} *acc = ${prefix}_scratch(direct ? O * K : 2 * O * K + K * gmax * P + O * gmax * P), *part = acc + O * K, *cols = part + O * K, *dyT = cols + K * gmax * P;
  int any = 0;
  if (direct) memset(acc, 0, (size_t)(O * K) * sizeof(${T}));`)}
    if (direct) {
      for (int64_t i = 0; i < g; i++) ${prefix}_direct(x + (n0 + i) * C * H * W, dy + (n0 + i) * O * P, acc, p);
      any = 1;
      continue;
    }
    ${par('K * gP')}
    for (int64_t i = 0; i < g; i++) ${prefix}_im2col(x + (n0 + i) * C * H * W, cols + i * P, gP, p);${transposeDy}
    ${gemmCall('dyT', 'cols', 'any ? part : acc', 'O', 'K', 'gP', 'gP', '1', '1', 'gP')}
    if (any) for (int64_t e = 0; e < O * K; e++) acc[e] += part[e];
    any = 1;
  }
  if (any) {
    #pragma omp critical
    for (int64_t e = 0; e < O * K; e++) dw[e] += acc[e];
  }
  }
  if (nt > 1) hyp_team_settle(started, nt);
}
`;
  }
}
