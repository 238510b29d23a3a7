import { describe, expect, it } from 'vitest';
import { addonSource, type AddonExports } from '../addon-source.js';
import { DEFAULT_FLAGS, buildAddon, resolveBuildOptions } from '../build-addon.js';
import { testCacheDir } from '../testing/test-cache-dir.js';
import { gemmKernelC } from './gemm-c.js';

/**
 * The back-off rule of team-backoff-c.ts on launches described by their numbers (the calling
 * thread's chunks and time, the other thread's chunks, how long the launch took), and what it
 * decides for the next launches: the gemm's thread count and whether fixed-share kernels share.
 * A probe kernel, in the same C unit as the gemm, sets the state, settles one launch and reports.
 */
const PROBE = `
static void probe(void **b, const int64_t *p) {
  int64_t *out = (int64_t *)b[0];
  const int64_t now = hyp_team_now();
  hyp_team.until = now - p[5];
  hyp_team.strikes = p[0];
  hyp_team.chunks[0].n = p[1];
  hyp_team.chunks[1].n = p[2];
  hyp_team.since = now - p[3];
  hyp_team.lastDone = now;
  hyp_team_settle(now - p[4], 2);
  out[0] = hyp_team.until > hyp_team.lastEnd ? hyp_team.until - hyp_team.lastEnd : 0;
  out[1] = hyp_team.strikes;
  out[2] = hyp_team_free();
  out[3] = hyp_gemm_f32_threads(1e12);
  out[4] = hyp_team_share(1 << 20, 1 << 10, 1 << 30);
  hyp_team.lastEnd = 0;
  out[5] = hyp_team_share(1 << 20, 1 << 10, 1 << 30);
  out[6] = hyp_team_share(1 << 20, 1 << 10, 1 << 15);
  hyp_team.until = 0;
}
`;

interface Settled { backoffUs: number; strikes: number; free: boolean; gemmThreads: number; hotShares: boolean; coldShares: boolean; bigColdShares: boolean }

/** Settles a launch: the strikes so far, the caller's and the other thread's chunks, the caller's time, the launch's time, how long ago the last back-off ended. */
async function probe(): Promise<(strikes: number, mine: number, theirs: number, busyUs: number, tookUs: number, sinceUs?: number) => Settled> {
  const src = addonSource([{ name: 'probe', code: `${gemmKernelC('g', 'float32')}${PROBE}` }]);
  const { exports } = await buildAddon<AddonExports>(src, resolveBuildOptions({ cacheDir: testCacheDir(), flags: [...DEFAULT_FLAGS] }));
  exports.setThreads(2);
  return (strikes, mine, theirs, busyUs, tookUs, sinceUs = 10_000) => {
    const out = new BigInt64Array(7);
    exports.run(0, [out], Float64Array.from([strikes, mine, theirs, busyUs * 1000, tookUs * 1000, sinceUs * 1000]));
    const [backoff, s, free, threads, hot, cold, bigCold] = [...out].map(Number) as number[];
    return { backoffUs: backoff! / 1000, strikes: s!, free: free === 1, gemmThreads: threads!, hotShares: hot === 1, coldShares: cold === 1, bigColdShares: bigCold === 1 };
  };
}

describe('backing kernels off the OpenMP team', () => {
  it('a launch slower than its caller alone backs threaded kernels off for 8·2^(s-1) times the time lost; smaller losses and gains do not', async () => {
    const settle = await probe();
    // Caller: 1 of 2 chunks in 100 us, so alone 200 us; the launch took 1000 us: 800 us lost.
    const slow = settle(0, 1, 1, 100, 1000);
    // Strikes count back-offs in a row: a second after the last one ended, they start again.
    expect(settle(5, 1, 1, 100, 1000, 1_100_000)).toMatchObject({ strikes: 1 });
    expect(slow.strikes).toBe(1);
    expect(slow.backoffUs).toBeGreaterThan(0.99 * 8 * 800);
    expect(slow.backoffUs).toBeLessThan(1.01 * 8 * 800);
    expect(slow).toMatchObject({ free: false, gemmThreads: 1, hotShares: false, coldShares: false, bigColdShares: false });
    // A third back-off in a row waits 4 times as long as the first.
    const third = settle(2, 1, 1, 100, 1000);
    expect(third.strikes).toBe(3);
    expect(third.backoffUs).toBeGreaterThan(0.99 * 32 * 800);
    expect(third.backoffUs).toBeLessThan(1.01 * 32 * 800);
    // 20 us lost of 200 (under a quarter): no back-off, no strike.
    expect(settle(1, 1, 1, 100, 220)).toMatchObject({ backoffUs: 0, strikes: 1, free: true, gemmThreads: 2 });
    // Two threads took 120 us where one would take 200: the team runs on two.
    expect(settle(3, 1, 1, 100, 120)).toMatchObject({ backoffUs: 0, strikes: 3, free: true, gemmThreads: 2 });
    // The caller did 3 of 4 chunks in 300 us (alone 400 us) and the launch took 450: under a quarter lost.
    expect(settle(0, 3, 1, 300, 450)).toMatchObject({ backoffUs: 0, free: true });
  });

  it('fixed-share kernels share from the hot threshold right after a shared launch, from the cold one when the team sleeps', async () => {
    const settle = await probe();
    const fine = settle(0, 1, 1, 100, 120);
    // Right after a launch the team spins: the hot threshold (2^10) is enough; after that only the cold one (2^15 met, 2^30 not).
    expect(fine).toMatchObject({ hotShares: true, coldShares: false, bigColdShares: true });
  });
});
