import { TEAM_BACKOFF_C } from './team-backoff-c.js';

/**
 * When the pooling routines start threads (guarded, since max and average pooling may share one
 * source). Pooling is memory-bound: when a sleeping thread had to be woken, a second thread made
 * max pooling of 1.15M elements slower (112 -> 127 us), so threads wait for HYP_POOL_PAR_MIN input
 * elements (a -D flag can lower it: tests do), or HYP_POOL_PAR_MIN_HOT while the team still spins
 * after a shared launch, and never while kernels are backed off the team (team-backoff-c.ts).
 */
export const poolThreadsC = `${TEAM_BACKOFF_C}
#ifndef HYP_POOL_PAR_MIN
#define HYP_POOL_PAR_MIN (1 << 21)
#endif
#ifndef HYP_POOL_PAR_MIN_HOT
#define HYP_POOL_PAR_MIN_HOT (HYP_POOL_PAR_MIN < (1 << 17) ? HYP_POOL_PAR_MIN : (1 << 17))
#endif
`;
