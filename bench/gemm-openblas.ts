// The native gemm kernel against OpenBLAS's cblas_sgemm in one C program (both called straight, no
// graph), on network3's shapes, the conv net's im2col products and sgemm 1024. At one thread
// (the default) each is timed in the thread's own CPU time, best of 15 rounds, which a loaded
// shared machine disturbs least; WALL=1 times wall clock instead, for two threads:
//   npx tsx bench/gemm-openblas.ts               (one thread, CPU time)
//   WALL=1 THREADS=2 npx tsx bench/gemm-openblas.ts
// COLD=1 writes 8 MiB between calls (untimed), so each call finds its operands out of L2 and in L3,
// as a training step's products do (the other kernels of the step run between them). ONLY=10x100x2880
// keeps the shapes whose "m x k x n" contains it (no spaces).
// Needs gcc and libopenblas-dev.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gemmKernelC } from '../packages/backends/src/native/kernels/gemm-c.js';

/** m, n, k, transA, transB. */
const SHAPES: [number, number, number, number, number][] = [
  [10, 100, 784, 0, 0], [784, 100, 10, 1, 0], [10, 784, 100, 0, 1], [10, 100, 2880, 0, 0], [2880, 100, 10, 1, 0], [10, 2880, 100, 0, 1],
  [100, 100, 784, 0, 0], [784, 100, 100, 1, 0],
  [100, 100, 2880, 0, 0], [2880, 100, 100, 1, 0], [100, 2880, 100, 0, 1],
  [20, 10368, 25, 0, 0], [20, 25, 10368, 0, 1], [512, 512, 512, 0, 0], [1024, 1024, 1024, 0, 0],
];

const source = `#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <omp.h>
#include <cblas.h>
#define HYP_PAR_MIN 32768
${gemmKernelC('g', 'float32')}
static double clock_s(void) { struct timespec t; clock_gettime(getenv("WALL") ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
  (void)argc;
  int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]), tA = atoi(argv[4]), tB = atoi(argv[5]);
  float *a = malloc(4L * m * k), *b = malloc(4L * k * n), *c = malloc(4L * m * n), *c2 = malloc(4L * m * n);
  for (long i = 0; i < (long)m * k; i++) a[i] = sinf(i);
  for (long i = 0; i < (long)k * n; i++) b[i] = cosf(i);
  int64_t p[10] = { m, n, k, tA ? 1 : k, tA ? m : 1, tB ? 1 : n, tB ? k : 1, 0, 0, 0 };
  void *bufs[3] = { a, b, c };
  double flops = 2.0 * m * n * k, ours = 1e9, blas = 1e9;
  const int cold = getenv("COLD") != NULL;
  const long evictSize = 8L << 20;
  char *evict = cold ? malloc(evictSize) : NULL;
  int reps = cold ? 20 : (int)(2e8 / flops) + 1;
  for (int r = 0; r < 15; r++) {
    double t = 0;
    for (int i = 0; i < reps; i++) {
      if (cold) memset(evict, r + i, evictSize);
      double t0 = clock_s();
      g(bufs, p);
      t += clock_s() - t0;
    }
    if (t / reps < ours) ours = t / reps;
    t = 0;
    for (int i = 0; i < reps; i++) {
      if (cold) memset(evict, r + i, evictSize);
      double t0 = clock_s();
      cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, m, n, k, 1, a, tA ? m : k, b, tB ? k : n, 0, c2, n);
      t += clock_s() - t0;
    }
    if (t / reps < blas) blas = t / reps;
  }
  double err = 0;
  for (long i = 0; i < (long)m * n; i++) err = fmax(err, fabs(c[i] - c2[i]));
  printf("%5d x %5d x %5d%s%s  ours %8.1f us %6.1f GFLOP/s   openblas %8.1f us %6.1f GFLOP/s   ours/openblas %.2f   max diff %.1e\\n",
    m, k, n, tA ? " (Aᵀ)" : "     ", tB ? " (Bᵀ)" : "     ", ours * 1e6, flops / ours / 1e9, blas * 1e6, flops / blas / 1e9, blas / ours, err);
  return 0;
}`;

const dir = mkdtempSync(join(tmpdir(), 'hypatia-gemm-openblas-'));
writeFileSync(join(dir, 'g.c'), source);
const built = spawnSync('gcc', ['-O3', '-march=native', '-fopenmp', '-I/usr/include/x86_64-linux-gnu/openblas-pthread', '-I/usr/include/openblas', '-o', join(dir, 'g'), join(dir, 'g.c'), '-lopenblas', '-lm'], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`gemm-openblas: the C program did not build (needs libopenblas-dev): ${built.stderr.split('\n')[0]}`);
const threads = process.env.THREADS ?? '1';
console.log(`m x k x n, ${threads} thread(s), ${process.env.WALL ? 'wall' : 'thread CPU'} time, best of 15 rounds${process.env.COLD ? ', operands out of L2 (COLD)' : ''}`);
for (const s of SHAPES.filter(([m, n, k]) => `${m}x${k}x${n}`.includes(process.env.ONLY ?? ''))) {
  const r = spawnSync(join(dir, 'g'), s.map(String), { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, OMP_WAIT_POLICY: 'PASSIVE' } });
  process.stdout.write(r.stdout || r.stderr);
}
