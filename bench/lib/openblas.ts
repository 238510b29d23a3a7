// OpenBLAS's cblas_sgemm as the native yardstick: a small C program written and compiled at bench time
// (only when libopenblas-dev is installed), run with 2 threads unless told otherwise, timed the same
// way as measureRate.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Budget } from './timing.js';

const SOURCE = String.raw`
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  int m = atoi(argv[1]), k = atoi(argv[2]), n = atoi(argv[3]), warmup = atoi(argv[5]), rounds = atoi(argv[6]);
  double seconds = atof(argv[4]);
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
  for (int i = 0; i < m * k; i++) a[i] = 0.5f * sinf(i * 0.7f + 1);
  for (int i = 0; i < k * n; i++) b[i] = 0.5f * sinf(i * 0.7f + 2);
  for (int w = 0; w < warmup; w++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
  double rates[64];
  for (int r = 0; r < rounds; r++) {
    double t0 = now(); long calls = 0;
    do { cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n); calls++; } while (now() - t0 < seconds / rounds);
    rates[r] = 2.0 * m * k * n * calls / (now() - t0) / 1e9;
  }
  qsort(rates, rounds, sizeof(double), cmp);
  printf("%f\n", rates[rounds / 2]);
  return c[0] == 12345.0f;
}
`;

const HEADER_DIRS = ['/usr/include/x86_64-linux-gnu/openblas-pthread', '/usr/include/aarch64-linux-gnu/openblas-pthread', '/usr/include/openblas', '/usr/include'];

let built: string | null | undefined;

/** Path of the compiled program, or null (with the reason in `why`) when OpenBLAS or a compiler is missing. */
function program(why: string[]): string | null {
  if (built !== undefined) return built;
  const inc = HEADER_DIRS.find((d) => existsSync(join(d, 'cblas.h')));
  if (!inc) {
    why.push('openblas: no cblas.h found (apt-get install -y libopenblas-dev)');
    return (built = null);
  }
  const dir = mkdtempSync(join(tmpdir(), 'hypatia-openblas-'));
  writeFileSync(join(dir, 'sgemm.c'), SOURCE);
  const exe = join(dir, 'sgemm');
  const r = spawnSync(process.env.HYPATIA_CC ?? 'gcc', ['-O2', `-I${inc}`, '-o', exe, join(dir, 'sgemm.c'), '-lopenblas', '-lm'], { encoding: 'utf8' });
  if (r.status !== 0) {
    why.push(`openblas: the test program did not build (${(r.error?.message ?? r.stderr).split('\n')[0]})`);
    return (built = null);
  }
  return (built = exe);
}

/** GFLOP/s of cblas_sgemm on `threads` threads, or null when OpenBLAS is not installed. */
export function openblasSgemm(m: number, k: number, n: number, budget: Budget, why: string[], threads = 2): number | null {
  const exe = program(why);
  if (!exe) return null;
  const r = spawnSync(exe, [m, k, n, budget.seconds, Math.max(1, budget.warmup), Math.min(64, budget.rounds)].map(String), {
    encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) },
  });
  const v = Number.parseFloat(r.stdout);
  if (r.status !== 0 || !Number.isFinite(v)) {
    why.push(`openblas: the sgemm program failed (${r.stderr || `status ${r.status}`})`);
    return null;
  }
  return v;
}
