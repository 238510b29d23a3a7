/**
 * C helpers shared by the pooling kernels (guarded, since max and average pooling may share one
 * source). `hyp_regular_windows` recognises the windows of one axis that are all k long, start at
 * 0 and step by s, with no clipping: the shape of ordinary pooling, which the kernels run on a
 * fast path. Pooling is memory-bound: on this machine a second thread made max pooling of 1.15M
 * elements slower (112 -> 127 us), so threads wait for HYP_POOL_PAR_MIN input elements (a -D flag can lower it: tests do).
 */
export const poolWindowHelpersC = `
#ifndef HYP_POOL_WINDOWS
#define HYP_POOL_WINDOWS
#ifndef HYP_POOL_PAR_MIN
#define HYP_POOL_PAR_MIN (1 << 21)
#endif
static int hyp_regular_windows(const int32_t *lo, const int32_t *hi, int64_t n, int64_t len, int64_t *k, int64_t *s) {
  if (n <= 0) return 0;
  *k = hi[0] - lo[0];
  *s = n > 1 ? lo[1] - lo[0] : *k;
  if (*k < 1 || *s < 1 || lo[0] != 0) return 0;
  for (int64_t i = 0; i < n; i++) if (lo[i] != i * *s || hi[i] != i * *s + *k || hi[i] > len) return 0;
  return 1;
}
#endif
`;
