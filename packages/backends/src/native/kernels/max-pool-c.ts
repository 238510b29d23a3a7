import { poolThreadsC } from './pool-threads-c.js';

/**
 * Max pooling over the last two axes and its gradient, on regular windows (window i of an axis is
 * [i * stride, i * stride + window), inside the image: no padding, ignoreBorder), and for the
 * gradient non-overlapping ones (stride >= window); steps/pooling.ts sends every other geometry to
 * the op's IR kernels. The first maximum wins, as in the reference.
 * Buffers: x, [gy,] out. Parameters: images, h, w, oh, ow, window rows, window cols, stride rows,
 * stride cols.
 *
 * The innermost loop walks the output columns, which gcc vectorises; 2x2 stride 2 gets its own
 * loop. The gradient writes each input element once instead of zeroing the image and scattering
 * into it. Both 2x2 loops are written in vector extensions (32-byte vectors, shuffles, bit masks):
 * gcc's own vectorisation of the gradient branched and ran 5x slower on real data, and left most
 * of a 12-wide row to scalar code.
 */
export function maxPoolKernelC(name: string, dtype: 'float32' | 'float64', grad: boolean): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  const U = dtype === 'float32' ? 'uint32_t' : 'uint64_t';
  const k = grad ? 1 : 0;
  // Lanes of a 32-byte vector, and the shuffles that split interleaved pairs and weave them back.
  const L = dtype === 'float32' ? 8 : 4;
  const idx = (f: (i: number) => number) => `{ ${Array.from({ length: L }, (_, i) => f(i)).join(', ')} }`;
  const vectorTypes = `
typedef ${T} ${name}_vT __attribute__((vector_size(32)));
typedef ${U} ${name}_vU __attribute__((vector_size(32)));
typedef ${dtype === 'float32' ? 'int32_t' : 'int64_t'} ${name}_vI __attribute__((vector_size(32)));
static const ${name}_vI ${name}_even = ${idx((i) => 2 * i)}, ${name}_odd = ${idx((i) => 2 * i + 1)};
static const ${name}_vI ${name}_lo = ${idx((i) => (i >> 1) + (i & 1) * L)}, ${name}_hi = ${idx((i) => (i >> 1) + L / 2 + (i & 1) * L)};
`;
  const imageArgs = grad ? `const ${T} *restrict xi, const ${T} *restrict gyi, ${T} *restrict gi, int64_t h, int64_t w, int64_t oh, int64_t ow`
    : `const ${T} *restrict xi, ${T} *restrict yi, int64_t w, int64_t oh, int64_t ow`;
  // One image. The fold `v > best` over the window in row-major order is the
  // reference's first-maximum rule, NaNs included (a NaN first element sticks, later NaNs lose).
  const regular = `
static inline void ${name}_regular(${imageArgs}, int64_t kh, int64_t kw, int64_t sh, int64_t sw) {
  for (int64_t a = 0; a < oh; a++) {
    ${grad ? `const ${T} *restrict g = gyi + a * ow;
    ${T} best[ow > 0 ? ow : 1];
    int32_t at[ow > 0 ? ow : 1];
    for (int64_t c = 0; c < ow; c++) at[c] = 0;` : `${T} *restrict best = yi + a * ow;`}
    for (int64_t c = 0; c < ow; c++) best[c] = xi[a * sh * w + c * sw];
    for (int64_t i = 0; i < kh; i++)
      for (int64_t j = (i == 0); j < kw; j++) {
        const ${T} *restrict xr = xi + (a * sh + i) * w + j;
        ${grad ? `const int32_t pos = (int32_t)(i * kw + j);
        for (int64_t c = 0; c < ow; c++) {
          const ${T} v = xr[c * sw];
          const int gt = v > best[c];
          at[c] = gt ? pos : at[c];
          best[c] = gt ? v : best[c];
        }` : `for (int64_t c = 0; c < ow; c++) { const ${T} v = xr[c * sw]; best[c] = v > best[c] ? v : best[c]; }`}
      }${grad ? `
    // Rows of this band: window rows get gy at the argmax and 0 elsewhere; gaps and the border get 0.
    for (int64_t i = 0; i < sh && a * sh + i < h; i++) {
      ${T} *restrict gr = gi + (a * sh + i) * w;
      if (i >= kh || sw > kw) { for (int64_t q = 0; q < w; q++) gr[q] = 0; }
      else for (int64_t q = ow * sw; q < w; q++) gr[q] = 0;
      if (i >= kh) continue;
      for (int64_t j = 0; j < kw; j++) {
        const int32_t pos = (int32_t)(i * kw + j);
        for (int64_t c = 0; c < ow; c++) gr[c * sw + j] = at[c] == pos ? (${T})0 + g[c] : (${T})0;
      }
    }` : ''}
  }${grad ? `
  for (int64_t e = oh * sh * w; e < h * w; e++) gi[e] = 0;` : ''}
}
`;
  // 2x2 stride 2: one loop over the windows of a row pair, the four elements of each read and
  // written together (interleaved pairs, which gcc vectorises with shuffles).
  const two = `
static inline void ${name}_2x2(${imageArgs}) {
  for (int64_t a = 0; a < oh; a++) {
    const ${T} *restrict x0 = xi + 2 * a * w, *restrict x1 = x0 + w;
    ${grad ? `const ${T} *restrict g = gyi + a * ow;
    ${T} *restrict g0 = gi + 2 * a * w, *restrict g1 = g0 + w;
    int64_t c = 0;
    for (; c + ${L} <= ow; c += ${L}) {
      ${name}_vT r0a, r0b, r1a, r1b, gv;
      __builtin_memcpy(&r0a, x0 + 2 * c, sizeof r0a);
      __builtin_memcpy(&r0b, x0 + 2 * c + ${L}, sizeof r0b);
      __builtin_memcpy(&r1a, x1 + 2 * c, sizeof r1a);
      __builtin_memcpy(&r1b, x1 + 2 * c + ${L}, sizeof r1b);
      __builtin_memcpy(&gv, g + c, sizeof gv);
      const ${name}_vT v00 = __builtin_shuffle(r0a, r0b, ${name}_even), v01 = __builtin_shuffle(r0a, r0b, ${name}_odd);
      const ${name}_vT v10 = __builtin_shuffle(r1a, r1b, ${name}_even), v11 = __builtin_shuffle(r1a, r1b, ${name}_odd);
      const ${name}_vU m1 = (${name}_vU)(v01 > v00);
      const ${name}_vT b1 = (${name}_vT)(((${name}_vU)v01 & m1) | ((${name}_vU)v00 & ~m1));
      const ${name}_vU m2 = (${name}_vU)(v10 > b1);
      const ${name}_vT b2 = (${name}_vT)(((${name}_vU)v10 & m2) | ((${name}_vU)b1 & ~m2));
      const ${name}_vU m3 = (${name}_vU)(v11 > b2);
      const ${name}_vU gb = (${name}_vU)(gv + (${T})0);
      const ${name}_vU k0 = gb & ~m1 & ~m2 & ~m3, k1 = gb & m1 & ~m2 & ~m3, k2 = gb & m2 & ~m3, k3 = gb & m3;
      const ${name}_vU o0a = __builtin_shuffle(k0, k1, ${name}_lo), o0b = __builtin_shuffle(k0, k1, ${name}_hi);
      const ${name}_vU o1a = __builtin_shuffle(k2, k3, ${name}_lo), o1b = __builtin_shuffle(k2, k3, ${name}_hi);
      __builtin_memcpy(g0 + 2 * c, &o0a, sizeof o0a);
      __builtin_memcpy(g0 + 2 * c + ${L}, &o0b, sizeof o0b);
      __builtin_memcpy(g1 + 2 * c, &o1a, sizeof o1a);
      __builtin_memcpy(g1 + 2 * c + ${L}, &o1b, sizeof o1b);
    }
    for (; c < ow; c++) {
      const ${T} v00 = x0[2 * c], v01 = x0[2 * c + 1], v10 = x1[2 * c], v11 = x1[2 * c + 1];
      ${U} u00, u01, u10, gb;
      __builtin_memcpy(&u00, &v00, sizeof u00);
      __builtin_memcpy(&u01, &v01, sizeof u01);
      __builtin_memcpy(&u10, &v10, sizeof u10);
      // Every choice is a bit mask, so the loop is branch-free, vectorised or not (the scalar tail
      // of a 12-wide row): float selects became branches, 4x slower on real data (mispredicted).
      const ${U} m1 = -(${U})(v01 > v00);
      const ${U} ub1 = (u01 & m1) | (u00 & ~m1);
      ${T} b1;
      __builtin_memcpy(&b1, &ub1, sizeof b1);
      const ${U} m2 = -(${U})(v10 > b1);
      const ${U} ub2 = (u10 & m2) | (ub1 & ~m2);
      ${T} b2;
      __builtin_memcpy(&b2, &ub2, sizeof b2);
      const ${U} m3 = -(${U})(v11 > b2);
      // gy goes to the winner (and gy * flag would turn inf * 0 into NaN).
      const ${T} gc = (${T})0 + g[c];
      __builtin_memcpy(&gb, &gc, sizeof gb);
      const ${U} k0 = gb & ~m1 & ~m2 & ~m3, k1 = gb & m1 & ~m2 & ~m3, k2 = gb & m2 & ~m3, k3 = gb & m3;
      __builtin_memcpy(g0 + 2 * c, &k0, sizeof k0);
      __builtin_memcpy(g0 + 2 * c + 1, &k1, sizeof k1);
      __builtin_memcpy(g1 + 2 * c, &k2, sizeof k2);
      __builtin_memcpy(g1 + 2 * c + 1, &k3, sizeof k3);
    }
    for (int64_t q = 2 * ow; q < w; q++) { g0[q] = 0; g1[q] = 0; }` : `${T} *restrict y = yi + a * ow;
    int64_t c = 0;
    for (; c + ${L} <= ow; c += ${L}) {
      ${name}_vT r0a, r0b, r1a, r1b;
      __builtin_memcpy(&r0a, x0 + 2 * c, sizeof r0a);
      __builtin_memcpy(&r0b, x0 + 2 * c + ${L}, sizeof r0b);
      __builtin_memcpy(&r1a, x1 + 2 * c, sizeof r1a);
      __builtin_memcpy(&r1b, x1 + 2 * c + ${L}, sizeof r1b);
      const ${name}_vT v00 = __builtin_shuffle(r0a, r0b, ${name}_even), v01 = __builtin_shuffle(r0a, r0b, ${name}_odd);
      const ${name}_vT v10 = __builtin_shuffle(r1a, r1b, ${name}_even), v11 = __builtin_shuffle(r1a, r1b, ${name}_odd);
      const ${name}_vU m1 = (${name}_vU)(v01 > v00);
      const ${name}_vU b1 = ((${name}_vU)v01 & m1) | ((${name}_vU)v00 & ~m1);
      const ${name}_vU m2 = (${name}_vU)(v10 > (${name}_vT)b1);
      const ${name}_vU b2 = ((${name}_vU)v10 & m2) | (b1 & ~m2);
      const ${name}_vU m3 = (${name}_vU)(v11 > (${name}_vT)b2);
      const ${name}_vU b3 = ((${name}_vU)v11 & m3) | (b2 & ~m3);
      __builtin_memcpy(y + c, &b3, sizeof b3);
    }
    for (; c < ow; c++) {
      ${T} best = x0[2 * c];
      const ${T} v01 = x0[2 * c + 1], v10 = x1[2 * c], v11 = x1[2 * c + 1];
      best = v01 > best ? v01 : best;
      best = v10 > best ? v10 : best;
      best = v11 > best ? v11 : best;
      y[c] = best;
    }`}
  }${grad ? `
  for (int64_t e = 2 * oh * w; e < h * w; e++) gi[e] = 0;` : ''}
}
`;
  const args = grad ? 'xi, gyi, gi, h, w, oh, ow' : 'xi, yi, w, oh, ow';
  return `${poolThreadsC}${vectorTypes}${regular}${two}
static void ${name}(void **b, const int64_t *p) {
  const ${T} *x = (const ${T} *)b[0];
  ${grad ? `const ${T} *gy = (const ${T} *)b[1];` : ''}
  ${T} *out = (${T} *)b[${1 + k}];
  const int64_t m = p[0], h = p[1], w = p[2], oh = p[3], ow = p[4], kh = p[5], kw = p[6], sh = p[7], sw = p[8];
  const int two = kh == 2 && kw == 2 && sh == 2 && sw == 2;
  const int share = hyp_team_share(m * h * w, HYP_POOL_PAR_MIN_HOT, HYP_POOL_PAR_MIN);
  #pragma omp parallel for if (share) schedule(static)
  for (int64_t img = 0; img < m; img++) {
    const ${T} *xi = x + img * h * w;
    ${grad ? `const ${T} *gyi = gy + img * oh * ow;
    ${T} *gi = out + img * h * w;` : `${T} *yi = out + img * oh * ow;`}
    if (two) ${name}_2x2(${args});
    else ${name}_regular(${args}, kh, kw, sh, sw);
  }
  if (share) hyp_team_ran();
}
`;
}
