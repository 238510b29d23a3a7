/**
 * A packed, cache-blocked matrix product C = A·B for float or double, in the usual three levels:
 * a KC x NC block of B is packed into NR-wide column panels (kept in L2/L3), each thread packs an
 * MC x KC block of A into MR-tall row panels (L1/L2), and a register-tiled MR x NR micro-kernel
 * runs over one panel pair. The micro-kernel is plain C over fixed-size arrays, which gcc/clang
 * turn into FMA vector code under -O3 -march=native. A and B are read through arbitrary strides,
 * so transposed operands cost nothing; C is contiguous. Parameters:
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
static inline void ${p}micro(int64_t kc, const ${T} *restrict a, const ${T} *restrict b, ${T} *restrict c, int64_t ldc, int64_t mr, int64_t nr, int first) {
  ${T} acc[${MR}][${NR}];
  for (int i = 0; i < ${MR}; i++) for (int j = 0; j < ${NR}; j++) acc[i][j] = 0;
  for (int64_t q = 0; q < kc; q++) {
    const ${T} *restrict bq = b + q * ${NR};
    for (int i = 0; i < ${MR}; i++) {
      const ${T} ai = a[q * ${MR} + i];
      for (int j = 0; j < ${NR}; j++) acc[i][j] += ai * bq[j];
    }
  }
  for (int64_t i = 0; i < mr; i++) {
    ${T} *restrict ci = c + i * ldc;
    if (first) for (int64_t j = 0; j < nr; j++) ci[j] = acc[i][j];
    else for (int64_t j = 0; j < nr; j++) ci[j] += acc[i][j];
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
