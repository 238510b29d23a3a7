/**
 * Whether a kernel may share its work with the OpenMP team now, learnt from the launches that did.
 *
 * The team's idle threads spin a short while before they sleep (build-addon.ts sets
 * GOMP_SPINCOUNT), so the launches of one training step hand work over in a few microseconds
 * instead of waking a sleeping thread each time (tens of microseconds on a virtual machine).
 * Spinning is only right while the team has cores to itself: when another process holds one, a
 * thread of the team waits for it, and two threads run slower than one. So every launch that
 * shares chunks from a counter (the gemm's drivers, the convolutions' image groups) is checked
 * afterwards: the calling thread's own pace (its time per chunk, times all chunks) says how long
 * it would have taken alone; when the launch took longer by a quarter or more, the time lost
 * backs threaded kernels off the team, to one thread, for 8 times that time, doubled for each
 * back-off in a row (one within a second of the end of the last; up to 1024 times), so a busy
 * machine runs as on one thread, paying one slow launch now and then to find out whether the
 * core is free again. Kernels that split work in fixed shares (printed elementwise
 * kernels, copies, pooling) do not measure but stay on one thread while backed off.
 *
 * The state is one weak symbol shared by every translation unit of an addon. Calls from several
 * Node threads at once may garble it; that only moves a back-off, never a result.
 */
export const TEAM_BACKOFF_C = `
#ifndef HYP_TEAM_BACKOFF
#define HYP_TEAM_BACKOFF
#include <time.h>
#define HYP_TEAM_SLOTS 64
typedef struct {
  int64_t until;                    /* threaded kernels run on one thread until then (ns, CLOCK_MONOTONIC) */
  int64_t strikes;                  /* back-offs in a row (each within a second of the last one's end) */
  int64_t since, lastDone;          /* the calling thread's entry into the launch and end of its last chunk */
  int64_t lastEnd;                  /* when the last launch shared with the team ended */
  struct { int64_t n; char pad[56]; } chunks[HYP_TEAM_SLOTS];  /* chunks done, per thread (a cache line each) */
} hyp_team_state;
__attribute__((weak)) hyp_team_state hyp_team;
static inline int64_t hyp_team_now(void) {
  struct timespec s;
  clock_gettime(CLOCK_MONOTONIC, &s);
  return (int64_t)s.tv_sec * 1000000000 + s.tv_nsec;
}
/* Whether a kernel may start threads now (it is not backed off). */
static inline int hyp_team_free(void) {
  return hyp_team_now() >= __atomic_load_n(&hyp_team.until, __ATOMIC_RELAXED);
}
/* The team's threads spin at least this long after a launch (GOMP_SPINCOUNT=10000: 0.1-0.45 ms here). */
#define HYP_TEAM_HOT_NS 60000
/*
 * Whether a launch of \`work\` starts threads: from \`cold\` (enough work to pay for waking a
 * sleeping thread), or from \`hot\` while the team still spins after the last shared launch; never
 * while backed off.
 */
static inline int hyp_team_share(int64_t work, int64_t hot, int64_t cold) {
  if (work < hot) return 0;
  const int64_t now = hyp_team_now();
  if (now < __atomic_load_n(&hyp_team.until, __ATOMIC_RELAXED)) return 0;
  return work >= cold || now - hyp_team.lastEnd < HYP_TEAM_HOT_NS;
}
/* A launch shared by fixed shares ended (the team now spins). */
static inline void hyp_team_ran(void) { hyp_team.lastEnd = hyp_team_now(); }
/* Before a launch shared by nt threads: clears the chunk counts, returns its start. */
static inline int64_t hyp_team_start(int nt) {
  for (int i = 0; i < nt && i < HYP_TEAM_SLOTS; i++) hyp_team.chunks[i].n = 0;
  return hyp_team_now();
}
/* Thread t enters the launch (the calling thread is 0). */
static inline void hyp_team_enter(int64_t t) {
  if (t == 0) hyp_team.since = hyp_team.lastDone = hyp_team_now();
}
/* Thread t finished a chunk. */
static inline void hyp_team_chunk(int64_t t) {
  if (t < HYP_TEAM_SLOTS) hyp_team.chunks[t].n++;
  if (t == 0) hyp_team.lastDone = hyp_team_now();
}
/* After the launch that started at \`started\`: back off when it took longer than one thread would have. */
static void hyp_team_settle(int64_t started, int nt) {
  const int64_t ended = hyp_team_now(), mine = hyp_team.chunks[0].n;
  hyp_team.lastEnd = ended;
  int64_t all = 0;
  for (int i = 0; i < nt && i < HYP_TEAM_SLOTS; i++) all += hyp_team.chunks[i].n;
  if (mine <= 0) return;
  const double alone = (double)(hyp_team.lastDone - hyp_team.since) * (double)all / (double)mine;
  const double lost = (double)(ended - started) - alone;
  if (lost < alone / 4) return;
  if (ended - hyp_team.until > 1000000000) hyp_team.strikes = 0;
  if (hyp_team.strikes < 8) hyp_team.strikes++;
  __atomic_store_n(&hyp_team.until, ended + (int64_t)(lost * (double)(4 << hyp_team.strikes)), __ATOMIC_RELAXED);
}
#endif
`;
