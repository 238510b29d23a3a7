/**
 * The int32 matrix product, with the gemm kernel's buffers and parameters (gemm-c.ts), for dot and
 * matmul of int32 operands: C[i, j] = sum over p of A[i, p] * B[p, j] in wrapping (mod 2^32)
 * arithmetic. The reference accumulates in double and wraps on each store, which agrees while the
 * partial sums stay below 2^53 in magnitude. Rows of C run on threads once the product is large.
 * Buffers: A, B, C. Parameters: m, n, k, rsA, csA, rsB, csB, offA, offB, offC.
 */
export function intProductKernelC(name: string): string {
  return `
static void ${name}(void **bufs, const int64_t *p) {
  const int64_t m = p[0], n = p[1], k = p[2], rsA = p[3], csA = p[4], rsB = p[5], csB = p[6];
  const int32_t *A = (const int32_t *)bufs[0] + p[7];
  const int32_t *B = (const int32_t *)bufs[1] + p[8];
  int32_t *C = (int32_t *)bufs[2] + p[9];
  #pragma omp parallel for if (m * n * k >= HYP_PAR_MIN) schedule(static)
  for (int64_t i = 0; i < m; i++) {
    uint32_t *c = (uint32_t *)C + i * n;
    for (int64_t j = 0; j < n; j++) c[j] = 0;
    for (int64_t q = 0; q < k; q++) {
      const uint32_t a = (uint32_t)A[i * rsA + q * csA];
      const int32_t *b = B + q * rsB;
      for (int64_t j = 0; j < n; j++) c[j] += a * (uint32_t)b[j * csB];
    }
  }
}
`;
}
