/**
 * A packed, cache-blocked matrix product C = A·B for float or double, in the usual three levels:
 * a KC x NC block of B is packed into NR-wide column panels (kept in L2/L3), each thread packs an
 * MC x KC block of A into MR-tall row panels (L1/L2), and a register-tiled MR x NR micro-kernel
 * runs over one panel pair. The micro-kernel uses GCC/Clang vector extensions (32-byte vectors,
 * AVX2 width), which -O3 -march=native turns into FMA code; written as plain scalar loops, gcc
 * vectorised the wrong axis and ran 18x slower. A and B are read through arbitrary strides, so
 * transposed operands cost nothing; C is contiguous. Parameters:
 * m, n, k, rsA, csA, rsB, csB, offA, offB, offC (element units).
 */
export function gemmKernelC(name: string, dtype: 'float32' | 'float64'): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  // Twelve vector accumulators on AVX2 (16 registers): 6 rows x 2 vectors of 8 floats or 4 doubles.
  const MR = 6;
  const NR = dtype === 'float32' ? 16 : 8;
  const KC = 256, MC = 96, NC = dtype === 'float32' ? 2048 : 1024;
  const p = `${name}_`;
  return `
#define ${p}MR ${MR}
#define ${p}NR ${NR}
typedef ${T} ${p}vec __attribute__((vector_size(32)));
#define ${p}VL (32 / (int)sizeof(${T}))
static inline void ${p}micro(int64_t kc, const ${T} *restrict a, const ${T} *restrict b, ${T} *restrict c, int64_t ldc, int64_t mr, int64_t nr, int first) {
  ${p}vec acc[${MR}][${NR} / ${p}VL];
  for (int i = 0; i < ${MR}; i++) for (int v = 0; v < ${NR} / ${p}VL; v++) acc[i][v] = (${p}vec){0};
  for (int64_t q = 0; q < kc; q++) {
    ${p}vec bv[${NR} / ${p}VL];
    for (int v = 0; v < ${NR} / ${p}VL; v++) __builtin_memcpy(&bv[v], b + q * ${NR} + v * ${p}VL, sizeof(${p}vec));
    for (int i = 0; i < ${MR}; i++) {
      const ${T} ai = a[q * ${MR} + i];
      for (int v = 0; v < ${NR} / ${p}VL; v++) acc[i][v] += ai * bv[v];
    }
  }
  for (int64_t i = 0; i < mr; i++) {
    ${T} row[${NR}];
    __builtin_memcpy(row, acc[i], sizeof(row));
    ${T} *restrict ci = c + i * ldc;
    if (first) for (int64_t j = 0; j < nr; j++) ci[j] = row[j];
    else for (int64_t j = 0; j < nr; j++) ci[j] += row[j];
  }
}

static void ${name}(void **bufs, const int64_t *p) {
  const int64_t m = p[0], n = p[1], k = p[2], rsA = p[3], csA = p[4], rsB = p[5], csB = p[6];
  const ${T} *A = (const ${T} *)bufs[0] + p[7];
  const ${T} *B = (const ${T} *)bufs[1] + p[8];
  ${T} *C = (${T} *)bufs[2] + p[9];
  if (m == 0 || n == 0) return;
  if (k == 0) { memset(C, 0, (size_t)(m * n) * sizeof(${T})); return; }
  const int64_t panelsN = (${NC} + ${NR} - 1) / ${NR};
  ${T} *Bp = (${T} *)malloc((size_t)(${KC} * panelsN * ${NR}) * sizeof(${T}));
  const int par = m * n * k >= 64 * 64 * 64;
  for (int64_t jc = 0; jc < n; jc += ${NC}) {
    const int64_t nc = n - jc < ${NC} ? n - jc : ${NC};
    for (int64_t pc = 0; pc < k; pc += ${KC}) {
      const int64_t kc = k - pc < ${KC} ? k - pc : ${KC};
      const int64_t np = (nc + ${NR} - 1) / ${NR};
      #pragma omp parallel for if (par) schedule(static)
      for (int64_t jp = 0; jp < np; jp++) {
        ${T} *dst = Bp + jp * kc * ${NR};
        for (int64_t q = 0; q < kc; q++) {
          const ${T} *src = B + (pc + q) * rsB + (jc + jp * ${NR}) * csB;
          const int64_t w = nc - jp * ${NR} < ${NR} ? nc - jp * ${NR} : ${NR};
          for (int64_t j = 0; j < ${NR}; j++) dst[q * ${NR} + j] = j < w ? src[j * csB] : 0;
        }
      }
      const int64_t blocks = (m + ${MC} - 1) / ${MC};
      #pragma omp parallel if (par)
      {
        ${T} *Ap = (${T} *)malloc((size_t)(${MC} * ${KC}) * sizeof(${T}));
        #pragma omp for schedule(dynamic)
        for (int64_t ib = 0; ib < blocks; ib++) {
          const int64_t ic = ib * ${MC};
          const int64_t mc = m - ic < ${MC} ? m - ic : ${MC};
          for (int64_t ir = 0; ir < mc; ir += ${MR}) {
            ${T} *dst = Ap + ir * kc;
            const int64_t h = mc - ir < ${MR} ? mc - ir : ${MR};
            for (int64_t q = 0; q < kc; q++) {
              const ${T} *src = A + (ic + ir) * rsA + (pc + q) * csA;
              for (int64_t i = 0; i < ${MR}; i++) dst[q * ${MR} + i] = i < h ? src[i * rsA] : 0;
            }
          }
          for (int64_t jr = 0; jr < nc; jr += ${NR}) {
            const int64_t w = nc - jr < ${NR} ? nc - jr : ${NR};
            for (int64_t ir = 0; ir < mc; ir += ${MR}) {
              const int64_t h = mc - ir < ${MR} ? mc - ir : ${MR};
              ${p}micro(kc, Ap + ir * kc, Bp + (jr / ${NR}) * kc * ${NR}, C + (ic + ir) * n + jc + jr, n, h, w, pc == 0);
            }
          }
        }
        free(Ap);
      }
    }
  }
  free(Bp);
}
`;
}
