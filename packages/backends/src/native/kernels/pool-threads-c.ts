/**
 * When the pooling routines start threads (guarded, since max and average pooling may share one
 * source). Pooling is memory-bound: on this machine a second thread made max pooling of 1.15M
 * elements slower (112 -> 127 us), so threads wait for HYP_POOL_PAR_MIN input elements (a -D flag
 * can lower it: tests do).
 */
export const poolThreadsC = `
#ifndef HYP_POOL_PAR_MIN
#define HYP_POOL_PAR_MIN (1 << 21)
#endif
`;
