import type { DType, ScalarExpr } from '@hypatia/core';
import { cType, scalarToC } from '../c-scalar.js';
import { TEAM_BACKOFF_C } from './team-backoff-c.js';
import { VECTOR_EXPF_C, VEXPF_ZERO, withVectorExp } from './vector-exp-c.js';

/**
 * An elementwise formula applied to C as the product finishes it (bias-add plus activation).
 * Formula input `product` is C's element; every other input is an extra operand, read through its
 * own offset and row/column strides over C's shape (0 on broadcast axes).
 */
export interface GemmEpilogue {
  formula: ScalarExpr;
  product: number;
  /** Dtypes of the formula's inputs, in order (the product's entry is the gemm dtype). */
  inDtypes: readonly DType[];
}

/** The extra operands of an epilogue, in formula-input order (every input but the product). */
export function epilogueExtras(e: GemmEpilogue): number[] {
  return e.inDtypes.map((_, i) => i).filter((i) => i !== e.product);
}

/**
 * A matrix product C = A·B for float or double with a register-tiled MR x NR micro-kernel over GCC
 * vector extensions, 64-byte vectors where AVX-512 is (32-byte ones left half of each FMA unused:
 * 0.56-0.68x OpenBLAS at one thread, now 0.85-1x), else 32-byte; -O3 -march=native makes them FMA
 * code (plain scalar loops vectorised the wrong axis and ran 18x slower). A and B are read through arbitrary strides, so
 * transposes cost nothing; C is contiguous. Parameters: m, n, k, rsA, csA, rsB, csB, offA, offB,
 * offC (element units); buffers A, B, C.
 *
 * Two drivers. Products with fewer than 2·MC rows or 192 columns (all of network3's: n = 100) run
 * "direct": A is read in place, B in place when its rows are contiguous (else one panel copy per
 * thread), and the MR x NR tiles go to threads in chunks of whole column panels or row blocks,
 * nothing copied twice (at one thread this ran network3's products at 0.9-1.05x OpenBLAS, packing
 * at 0.6-0.9x). Large products pack A and B into cache-sized blocks (the classic three levels).
 * Two shapes of A·Bᵀ (B's columns contiguous along k) take their own paths: a small C over a long k
 * runs as dot products of rows, and few rows (m <= NR) as Cᵀ = B·Aᵀ, so that B is read in place.
 * Packing buffers are per thread and kept between calls (grown on demand), so a call allocates
 * nothing. Threads start only when each gets at least HYP_GEMM_PAR_MIN flops (4M, about 30 us of
 * work at one core's rate): no network3 product at mini-batch 10 reaches 8 MFLOP, so those run on
 * one thread and 2 threads cost them nothing. -DHYP_GEMM_PAR_MIN=N overrides it.
 *
 * With `epilogue`, the kernel applies the formula to each tile of C right after its last k-block,
 * while the tile is in L1. Buffers then are A, B, C, the extra operands; parameters add, per extra
 * operand, its offset, row stride and column stride. C must not alias A, B or an extra operand (C
 * holds partial sums before the epilogue reads the extras), so an update W - η·(xᵀ·g) writes a
 * fresh buffer, never W's own.
 *
 * With `accumulate` (a Gemm node: β·Z + α·op(A)·op(B)), buffers are A, B, C, Z, α, β and each
 * tile's first k-block writes C = β·Z + α·acc, later ones C += α·acc, in every path (direct,
 * packed, dot products). Z has C's layout and may be C's own buffer: an update written in place
 * reads each element of Z before writing it, and A and B must not alias it.
 */
export function gemmKernelC(name: string, dtype: 'float32' | 'float64', epilogue?: GemmEpilogue, accumulate = false): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  // Rows of the register tile, a C macro: 6 rows x 2 vectors (12 accumulators) fit AVX2's 16 vector
  // registers; with AVX-512VL's 32, 12 rows x 2 (24 accumulators) read each B row once for twice the rows.
  // The drivers are emitted once per dtype and addon (guarded) and shared by every product kernel of
  // it: an epilogue is a tile function passed by pointer, not a copy of the gemm (each copy cost
  // ~0.9 s of gcc -O3 in a cold compile).
  const core = `hyp_gemm_${dtype === 'float32' ? 'f32' : 'f64'}`;
  const MR = `${core}_MR`;
  // Two vectors wide: 32 floats (16 doubles) with AVX-512's 64-byte vectors, else 16 (8).
  const NR = `${core}_NR`;
  const KC = 256, MC = 96, NC = dtype === 'float32' ? 2048 : 1024;
  const p = `${core}_`;
  const R4 = [0, 1, 2, 3];
  const R16 = R4.flatMap((r) => R4.map((c) => [r, c] as const));
  const epi = epilogue ? epilogueTileC(`${name}_epi`, T, epilogue) : '';
  const done = (i0: string, j0: string, h: string, w: string) => `if (epi) epi(C, n, ${i0}, ${j0}, ${h}, ${w}, bufs, p);`;
  return `${TEAM_BACKOFF_C}
#ifndef ${core.toUpperCase()}_CORE
#define ${core.toUpperCase()}_CORE
#ifndef HYP_GEMM_PAR_MIN
#define HYP_GEMM_PAR_MIN 4000000
#endif
/* Packing pays for itself only when both operands are reused many times: network3's products (n = 100) read B in place. */
#ifndef HYP_GEMM_PACK_M
#define HYP_GEMM_PACK_M (2 * ${MC})
#endif
#ifndef HYP_GEMM_PACK_N
#define HYP_GEMM_PACK_N 192
#endif
#if defined(__AVX512VL__) && !defined(HYP_GEMM_NARROW)
#define ${p}MR 12
#define ${p}VB 64
#else
#define ${p}MR 6
#define ${p}VB 32
#endif
typedef ${T} ${p}vec __attribute__((vector_size(${p}VB)));
#define ${p}VL (${p}VB / (int)sizeof(${T}))
#define ${p}NV 2
#define ${p}NR (${p}NV * ${p}VL)

/* The epilogue of a tile C[i0:i0+mr, j0:j0+nr] (NULL: none). */
typedef void (*${p}epi_fn)(${T} *C, int64_t ldc, int64_t i0, int64_t j0, int64_t mr, int64_t nr, void **bufs, const int64_t *p);

/*
 * An accumulating product's write-back (NULL: plain, C = acc at the first k-block, C += acc after):
 * the first k-block writes C = beta * Z + alpha * acc, later ones C += alpha * acc. Z has C's layout
 * and may be C itself (an update written in place), whose old values are then read through C.
 */
typedef struct { const ${T} *z; ${T} alpha, beta; } ${p}acc;

/* Per-thread packing buffers, 64-byte aligned, grown on demand and kept for the thread's life. */
static __thread ${T} *${p}abuf, *${p}bbuf;
static __thread size_t ${p}acap, ${p}bcap;
static ${T} *${p}grow(${T} **buf, size_t *cap, size_t count) {
  if (count > *cap) {
    free(*buf);
    *buf = (${T} *)aligned_alloc(64, (count * sizeof(${T}) + 63) & ~(size_t)63);
    if (!*buf) abort();
    *cap = count;
  }
  return *buf;
}

/*
 * An accumulating tile's write-back from its sums (rows NR apart): C = beta * Z + alpha * acc at the
 * first k-block, C += alpha * acc after. zt is this tile of Z (rows ldc apart, as C's), or c itself
 * in place: then C's own values are read. Full-width tiles (nr a whole number of vectors) go by vectors.
 * Both products are rounded before the sum (no contraction into a fused multiply-add, which gcc
 * applied to some vectors of a tile and not others): every element rounds alike, wherever it sits.
 */
static __attribute__((noinline, optimize("fp-contract=off"))) void ${p}write_back(const ${T} *tile, ${T} *restrict c, int64_t ldc, int64_t mr, int64_t nr, int first, const ${p}acc *wb, const ${T} *zt) {
  const ${T} alpha = wb->alpha, keep = first ? wb->beta : (${T})1;
  for (int64_t i = 0; i < mr; i++) {
    ${T} *ci = c + i * ldc;
    const ${T} *row = tile + i * ${NR};
    const ${T} *old = !first || zt == c ? ci : zt ? zt + i * ldc : NULL;
    if (nr % ${p}VL == 0) {
      for (int64_t v = 0; v < nr / ${p}VL; v++) {
        ${p}vec a, r;
        __builtin_memcpy(&a, row + v * ${p}VL, sizeof(${p}vec));
        r = a * alpha;
        if (old) {
          ${p}vec o;
          __builtin_memcpy(&o, old + v * ${p}VL, sizeof(${p}vec));
          r += keep * o;
        }
        __builtin_memcpy(ci + v * ${p}VL, &r, sizeof(${p}vec));
      }
    } else {
      for (int64_t j = 0; j < nr; j++) ci[j] = old ? keep * old[j] + alpha * row[j] : alpha * row[j];
    }
  }
}

/*
 * acc = op(A)[0:MR, 0:kc] * b[0:kc, 0:NR], stored (first) or added into c[0:mr, 0:nr]. Row i of A
 * is a + i * rsa, element q at q * csa; rows at or past arows repeat the last one (their results
 * are discarded), so an unpacked A is never read out of bounds. b rows are ldb apart and NR wide.
 */
static inline __attribute__((always_inline)) void ${p}micro_rv(const int R, const int V, int64_t kc, const ${T} *restrict a, int64_t rsa, int64_t csa, int64_t arows,
    const ${T} *restrict b, int64_t ldb, ${T} *restrict c, int64_t ldc, int64_t mr, int64_t nr, int first, const ${p}acc *wb, const ${T} *zt) {
  ${p}vec acc[${MR}][${p}NV];
  const ${T} *ar[${MR}];
  for (int i = 0; i < R; i++) {
    ar[i] = a + (i < arows ? i : arows - 1) * rsa;
    for (int v = 0; v < V; v++) acc[i][v] = (${p}vec){0};
  }
  for (int64_t q = 0; q < kc; q++) {
    ${p}vec bv[${p}NV];
    for (int v = 0; v < V; v++) __builtin_memcpy(&bv[v], b + q * ldb + v * ${p}VL, sizeof(${p}vec));
    for (int i = 0; i < R; i++) {
      const ${T} ai = ar[i][q * csa];
      for (int v = 0; v < V; v++) acc[i][v] += ai * bv[v];
    }
  }
  if (wb) {
    /* The accumulating write-back is one function for every tile size, not a copy in each micro-kernel (gcc time). */
    ${T} tile[${MR} * ${NR}];
    for (int i = 0; i < R; i++) __builtin_memcpy(tile + i * ${NR}, acc[i], V * sizeof(${p}vec));
    ${p}write_back(tile, c, ldc, mr, nr, first, wb, zt);
    return;
  }
  if (nr == V * ${p}VL) {
    for (int64_t i = 0; i < mr; i++) {
      ${T} *ci = c + i * ldc;
      for (int v = 0; v < V; v++) {
        if (!first) {
          ${p}vec old;
          __builtin_memcpy(&old, ci + v * ${p}VL, sizeof(${p}vec));
          acc[i][v] += old;
        }
        __builtin_memcpy(ci + v * ${p}VL, &acc[i][v], sizeof(${p}vec));
      }
    }
    return;
  }
  for (int64_t i = 0; i < mr; i++) {
    ${T} row[${NR}];
    __builtin_memcpy(row, acc[i], V * sizeof(${p}vec));
    ${T} *restrict ci = c + i * ldc;
    if (first) for (int64_t j = 0; j < nr; j++) ci[j] = row[j];
    else for (int64_t j = 0; j < nr; j++) ci[j] += row[j];
  }
}

/* The micro-kernel sized to the tile (12, 8 or 4 rows, or 6 or 4; two vectors or one wide), so edge tiles do less wasted work. */
static inline __attribute__((always_inline)) void ${p}micro_wb(int64_t kc, const ${T} *restrict a, int64_t rsa, int64_t csa, int64_t arows,
    const ${T} *restrict b, int64_t ldb, ${T} *restrict c, int64_t ldc, int64_t mr, int64_t nr, int first, const ${p}acc *wb, const ${T} *zt) {
#if ${p}MR == 12
  if (mr > 8) {
    if (nr > ${p}VL) ${p}micro_rv(12, ${p}NV, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
    else ${p}micro_rv(12, 1, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
  } else if (mr > 4) {
    if (nr > ${p}VL) ${p}micro_rv(8, ${p}NV, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
    else ${p}micro_rv(8, 1, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
  } else {
#else
  if (mr > 4) {
    if (nr > ${p}VL) ${p}micro_rv(6, ${p}NV, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
    else ${p}micro_rv(6, 1, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
  } else {
#endif
    if (nr > ${p}VL) ${p}micro_rv(4, ${p}NV, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
    else ${p}micro_rv(4, 1, kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, wb, zt);
  }
}

/* A plain product's tile: the write-back constant-folds away. */
static inline __attribute__((always_inline)) void ${p}micro(int64_t kc, const ${T} *restrict a, int64_t rsa, int64_t csa, int64_t arows,
    const ${T} *restrict b, int64_t ldb, ${T} *restrict c, int64_t ldc, int64_t mr, int64_t nr, int first) {
  ${p}micro_wb(kc, a, rsa, csa, arows, b, ldb, c, ldc, mr, nr, first, NULL, NULL);
}

/* Copy op(B)[pc:pc+kc, j0:j0+w] into NR-wide rows, zero-padded past w; a transposed B is read down its contiguous columns. */
static void ${p}pack_b(${T} *restrict dst, const ${T} *B, int64_t rsB, int64_t csB, int64_t pc, int64_t kc, int64_t j0, int64_t w) {
  if (rsB == 1 && w == ${NR}) {
    for (int64_t j = 0; j < ${NR}; j++) {
      const ${T} *src = B + pc + (j0 + j) * csB;
      for (int64_t q = 0; q < kc; q++) dst[q * ${NR} + j] = src[q];
    }
    return;
  }
  for (int64_t q = 0; q < kc; q++) {
    const ${T} *src = B + (pc + q) * rsB + j0 * csB;
    ${T} *d = dst + q * ${NR};
    if (csB == 1) { for (int64_t j = 0; j < w; j++) d[j] = src[j]; }
    else for (int64_t j = 0; j < w; j++) d[j] = src[j * csB];
    for (int64_t j = w; j < ${NR}; j++) d[j] = 0;
  }
}

/* This thread's number and the team's size. Thread t's first chunk is t, then each takes tn + (*taken)++. */
static inline void ${p}team(int64_t *t, int64_t *tn) {
#ifdef _OPENMP
  *t = omp_get_thread_num(); *tn = omp_get_num_threads();
#else
  *t = 0; *tn = 1;
#endif
  if (*tn > 1) hyp_team_enter(*t);
}
static inline int64_t ${p}next(int64_t *taken, int64_t tn) {
  int64_t c;
#ifdef _OPENMP
  if (tn > 1) hyp_team_chunk(omp_get_thread_num());
#endif
  #pragma omp atomic capture
  c = (*taken)++;
  return tn + c;
}

static int ${p}threads(double flops) {
#ifdef _OPENMP
  if (omp_in_parallel()) return 1;
  const int most = omp_get_max_threads();
  const int fit = (int)(flops / HYP_GEMM_PAR_MIN);
  return fit < 1 || most < 2 || !hyp_team_free() ? 1 : fit < most ? fit : most;
#else
  (void)flops;
  return 1;
#endif
}

/*
 * Unpacked A, B in place where possible. The tiles go to threads in chunks of whole column panels
 * (or row blocks, whichever there are more of), each chunk looping over all k-blocks: thread t
 * takes chunk t, then the next one left on a shared counter, rather than fixed halves: on a shared
 * machine a thread that is not scheduled then delays one chunk, not half the product.
 */
static void ${p}direct(int64_t m, int64_t n, int64_t k, const ${T} *A, int64_t rsA, int64_t csA,
    const ${T} *B, int64_t rsB, int64_t csB, ${T} *C, int nt, ${p}epi_fn epi, void **bufs, const int64_t *p, const ${p}acc *wb) {
  (void)bufs; (void)p;
  const int64_t panels = (n + ${NR} - 1) / ${NR}, blocks = (m + ${MR} - 1) / ${MR};
  /* Panel-major order when there are more column panels than row blocks: a chunk's tiles then share B panels. */
  const int byPanel = panels >= blocks;
  const int64_t units = byPanel ? panels : blocks;
  const int64_t chunks = nt <= 1 ? 1 : units < 4 * (int64_t)nt ? units : 4 * (int64_t)nt;
  /*
   * With threads and row-block chunks, B's copied panels (a partial last one, or all of a transposed
   * B) are copied once for all k, each thread a share of k, before the chunks: copied per chunk, the
   * partial panel of network3's n = 100 took a third of each thread's time.
   */
  const int shareB = nt > 1 && !byPanel && (csB != 1 || n % ${NR});
  ${T} *shared = shareB ? ${p}grow(&${p}bbuf, &${p}bcap, (size_t)(panels * k * ${NR})) : NULL;
  int64_t taken = 0;
  #pragma omp parallel num_threads(nt) if (nt > 1)
  {
  int64_t t, tn;
  ${p}team(&t, &tn);
  if (shareB) {
    const int64_t q0 = k * t / tn, q1 = k * (t + 1) / tn;
    for (int64_t jp = csB != 1 ? 0 : panels - 1; jp < panels; jp++) {
      const int64_t w = n - jp * ${NR} < ${NR} ? n - jp * ${NR} : ${NR};
      ${p}pack_b(shared + (jp * k + q0) * ${NR}, B, rsB, csB, q0, q1 - q0, jp * ${NR}, w);
    }
    #pragma omp barrier
  }
  for (int64_t c = t; c < chunks; c = ${p}next(&taken, tn)) {
    const int64_t u0 = units * c / chunks, u1 = units * (c + 1) / chunks;
    const int64_t p0 = byPanel ? u0 : 0, p1 = byPanel ? u1 : panels, b0 = byPanel ? 0 : u0, b1 = byPanel ? blocks : u1;
    for (int64_t pc = 0; pc < k; pc += ${KC}) {
      const int64_t kc = k - pc < ${KC} ? k - pc : ${KC};
      const int last = pc + kc == k;
      /*
       * B panels that are not NR contiguous columns are copied: in panel order, one panel at a time
       * as the tiles reach it (it stays in L1 for the panel's row blocks); otherwise every panel
       * once per k-block.
       */
      ${T} *packed = NULL;
      if (!shareB && (csB != 1 || n % ${NR})) {
        packed = ${p}grow(&${p}bbuf, &${p}bcap, (size_t)((byPanel ? 1 : panels) * kc * ${NR}));
        if (!byPanel) {
          for (int64_t jp = csB != 1 ? 0 : panels - 1; jp < panels; jp++) {
            const int64_t w = n - jp * ${NR} < ${NR} ? n - jp * ${NR} : ${NR};
            ${p}pack_b(packed + jp * kc * ${NR}, B, rsB, csB, pc, kc, jp * ${NR}, w);
          }
        }
      }
      for (int64_t outer = byPanel ? p0 : b0; outer < (byPanel ? p1 : b1); outer++) {
        for (int64_t inner = byPanel ? b0 : p0; inner < (byPanel ? b1 : p1); inner++) {
          const int64_t jp = byPanel ? outer : inner, ib = byPanel ? inner : outer;
          const int64_t i0 = ib * ${MR}, j0 = jp * ${NR};
          const int64_t h = m - i0 < ${MR} ? m - i0 : ${MR}, w = n - j0 < ${NR} ? n - j0 : ${NR};
          const int direct = csB == 1 && w == ${NR};
          if (!direct && byPanel && inner == b0) ${p}pack_b(packed, B, rsB, csB, pc, kc, j0, w);
          const ${T} *b = direct ? B + pc * rsB + j0 : shareB ? shared + (jp * k + pc) * ${NR} : packed + (byPanel ? 0 : jp) * kc * ${NR};
          ${p}micro_wb(kc, A + i0 * rsA + pc * csA, rsA, csA, h, b, direct ? rsB : ${NR}, C + i0 * n + j0, n, h, w, pc == 0,
            wb, wb && wb->z ? wb->z + i0 * n + j0 : NULL);
          if (last) { ${done('i0', 'j0', 'h', 'w')} }
        }
      }
    }
  }
  }
}

/* Both operands packed: KC x NC blocks of B in NR-wide panels, MC x KC blocks of A in MR-tall panels. */
/* C[m0:m1, n0:n1] of the product (full-matrix coordinates, C rows n apart) on the calling thread:
   KC x NC blocks of B in NR-wide panels, MC x KC blocks of A in MR-tall panels, in its own buffers. */
static void ${p}packed_range(int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t n, int64_t k,
    const ${T} *A, int64_t rsA, int64_t csA, const ${T} *B, int64_t rsB, int64_t csB, ${T} *C,
    ${p}epi_fn epi, void **bufs, const int64_t *p, const ${p}acc *wb) {
  const int64_t panelsN = (${NC} + ${NR} - 1) / ${NR};
  ${T} *Bp = ${p}grow(&${p}bbuf, &${p}bcap, (size_t)(${KC} * panelsN * ${NR}));
  ${T} *Ap = ${p}grow(&${p}abuf, &${p}acap, (size_t)(${MC} * ${KC}));
  for (int64_t jc = n0; jc < n1; jc += ${NC}) {
    const int64_t nc = n1 - jc < ${NC} ? n1 - jc : ${NC};
    const int64_t np = (nc + ${NR} - 1) / ${NR};
    for (int64_t pc = 0; pc < k; pc += ${KC}) {
      const int64_t kc = k - pc < ${KC} ? k - pc : ${KC};
      const int last = pc + kc == k;
      for (int64_t jp = 0; jp < np; jp++) {
        const int64_t w = nc - jp * ${NR} < ${NR} ? nc - jp * ${NR} : ${NR};
        ${p}pack_b(Bp + jp * kc * ${NR}, B, rsB, csB, pc, kc, jc + jp * ${NR}, w);
      }
      for (int64_t ic = m0; ic < m1; ic += ${MC}) {
        const int64_t mc = m1 - ic < ${MC} ? m1 - ic : ${MC};
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
            ${p}micro_wb(kc, Ap + ir * kc, 1, ${MR}, ${MR}, Bp + (jr / ${NR}) * kc * ${NR}, ${NR}, C + (ic + ir) * n + jc + jr, n, h, w, pc == 0,
              wb, wb && wb->z ? wb->z + (ic + ir) * n + jc + jr : NULL);
            if (last) { const int64_t i0 = ic + ir, j0 = jc + jr; ${done('i0', 'j0', 'h', 'w')} }
          }
        }
      }
    }
  }
}

/*
 * Both operands packed. With threads, each takes its own share of C (column panels when there are
 * enough, else row blocks) and packs what it needs itself: no barrier at all. Shared packing with
 * a barrier per k-block made 2 threads slower than 1 at 100x2880x100 (12 k-blocks, and waiting
 * threads sleep: OMP_WAIT_POLICY=PASSIVE).
 */
static void ${p}packed(int64_t m, int64_t n, int64_t k, const ${T} *A, int64_t rsA, int64_t csA,
    const ${T} *B, int64_t rsB, int64_t csB, ${T} *C, int nt, ${p}epi_fn epi, void **bufs, const int64_t *p, const ${p}acc *wb) {
  if (nt <= 1) { ${p}packed_range(0, m, 0, n, n, k, A, rsA, csA, B, rsB, csB, C, epi, bufs, p, wb); return; }
  const int64_t panels = (n + ${NR} - 1) / ${NR}, rows = (m + ${MR} - 1) / ${MR};
  const int byCols = panels >= rows || panels >= 4 * (int64_t)nt;
  #pragma omp parallel num_threads(nt)
  {
#ifdef _OPENMP
    const int64_t t = omp_get_thread_num(), tn = omp_get_num_threads();
#else
    const int64_t t = 0, tn = 1;
#endif
    if (byCols) {
      const int64_t a = panels * t / tn * ${NR}, z = panels * (t + 1) / tn * ${NR};
      if (a < z) ${p}packed_range(0, m, a, z < n ? z : n, n, k, A, rsA, csA, B, rsB, csB, C, epi, bufs, p, wb);
    } else {
      const int64_t a = rows * t / tn * ${MR}, z = rows * (t + 1) / tn * ${MR};
      if (a < z) ${p}packed_range(a, z < m ? z : m, 0, n, n, k, A, rsA, csA, B, rsB, csB, C, epi, bufs, p, wb);
    }
  }
}

/*
 * A small C from a long k with A's rows and B's columns both contiguous along k (A·Bᵀ of row-major
 * operands, as conv's filter gradient dy·colsᵀ: 20 x 25 over k = 10368): dot products of rows,
 * 4 x 4 at a time, each over the whole of k. The tiled drivers copy B's columns element by element
 * into panels for it and ran it at 0.8x this (k-blocks of 512-4096 were slower than none: the rows
 * stream from L2 either way).
 */
static void ${p}dots(int64_t m, int64_t n, int64_t k, const ${T} *A, int64_t rsA, const ${T} *B, int64_t csB, ${T} *C,
    int nt, ${p}epi_fn epi, void **bufs, const int64_t *p, const ${p}acc *wb) {
  /* Each 4 x 4 tile is one thread's, whole: the same sums on any number of threads. */
  const int64_t tilesN = (n + 3) / 4, tiles = (m + 3) / 4 * tilesN;
  #pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t tile = 0; tile < tiles; tile++) {
    {
      const int64_t i0 = tile / tilesN * 4, j0 = tile % tilesN * 4;
      const int64_t h = m - i0 < 4 ? m - i0 : 4, w = n - j0 < 4 ? n - j0 : 4;
      /* Rows past the edge repeat the last one; their sums are not stored. Named accumulators and
         pointers (printed unrolled) stay in registers; arrays of them went through the stack. */
      ${R4.map((r) => `const ${T} *a${r} = A + (i0 + (${r} < h ? ${r} : h - 1)) * rsA, *b${r} = B + (j0 + (${r} < w ? ${r} : w - 1)) * csB;`).join('\n      ')}
      ${p}vec ${R16.map(([r, c]) => `s${r}${c} = (${p}vec){0}`).join(', ')};
      int64_t q = 0;
      for (; q + ${p}VL <= k; q += ${p}VL) {
        ${p}vec ${R4.map((r) => `x${r}, y${r}`).join(', ')};
        ${R4.map((r) => `__builtin_memcpy(&x${r}, a${r} + q, sizeof(${p}vec)); __builtin_memcpy(&y${r}, b${r} + q, sizeof(${p}vec));`).join('\n        ')}
        ${R16.map(([r, c]) => `s${r}${c} += x${r} * y${c};`).join(' ')}
      }
      const ${T} *ar[4] = { a0, a1, a2, a3 }, *br[4] = { b0, b1, b2, b3 };
      ${T} sums[4][4];
      ${R16.map(([r, c]) => `{ ${T} t = 0; for (int l = 0; l < ${p}VL; l++) t += s${r}${c}[l]; sums[${r}][${c}] = t; }`).join('\n      ')}
      for (int64_t r = 0; r < h; r++) {
        for (int64_t c = 0; c < w; c++) {
          ${T} sum = sums[r][c];
          for (int64_t t = q; t < k; t++) sum += ar[r][t] * br[c][t];
          const int64_t at = (i0 + r) * n + j0 + c;
          C[at] = !wb ? sum : wb->z ? wb->beta * wb->z[at] + wb->alpha * sum : wb->alpha * sum;
        }
      }
    }
  }
  ${done('0', '0', 'm', 'n')}
}

/*
 * Few rows (m <= NR) and B's columns contiguous along k (A·Bᵀ of row-major operands: network3's
 * dh·Wᵀ, 10 x 2880 over k = 100) as Cᵀ = op(B)ᵀ·op(A)ᵀ: B's columns are the rows of that product's
 * A, read in place, and op(A)ᵀ (k x m) is copied once into one NR-wide panel. The direct path
 * copies every column of B into panels instead (all of W, each call: 0.35-0.5x this). Each tile of
 * MR columns of C is summed over all of k in a buffer, k-block by k-block as the direct path sums
 * (so the same bits), and written to C's rows.
 */
static void ${p}swapped(int64_t m, int64_t n, int64_t k, const ${T} *A, int64_t rsA, int64_t csA,
    const ${T} *B, int64_t csB, ${T} *C, int nt, ${p}epi_fn epi, void **bufs, const int64_t *p) {
  (void)bufs; (void)p;
  ${T} *panel = ${p}grow(&${p}bbuf, &${p}bcap, (size_t)(k * ${NR}));
  /* Row q of the panel is column q of op(A). */
  ${p}pack_b(panel, A, csA, rsA, 0, k, 0, m);
  const int64_t blocks = (n + ${MR} - 1) / ${MR};
  const int64_t chunks = nt <= 1 ? 1 : blocks < 4 * (int64_t)nt ? blocks : 4 * (int64_t)nt;
  int64_t taken = 0;
  #pragma omp parallel num_threads(nt) if (nt > 1)
  {
  int64_t t, tn;
  ${p}team(&t, &tn);
  ${T} tile[${MR} * ${NR}];
  for (int64_t c = t; c < chunks; c = ${p}next(&taken, tn)) {
    for (int64_t jb = blocks * c / chunks; jb < blocks * (c + 1) / chunks; jb++) {
      const int64_t j0 = jb * ${MR}, h = n - j0 < ${MR} ? n - j0 : ${MR};
      for (int64_t pc = 0; pc < k; pc += ${KC}) {
        const int64_t kc = k - pc < ${KC} ? k - pc : ${KC};
        /* Only full-height tiles (the last one repeats its last row): fewer kernels to compile. */
        if (m > ${p}VL) ${p}micro_rv(${MR}, ${p}NV, kc, B + j0 * csB + pc, csB, 1, h, panel + pc * ${NR}, ${NR}, tile, ${NR}, h, m, pc == 0, NULL, NULL);
        else ${p}micro_rv(${MR}, 1, kc, B + j0 * csB + pc, csB, 1, h, panel + pc * ${NR}, ${NR}, tile, ${NR}, h, m, pc == 0, NULL, NULL);
      }
      for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < h; j++) C[i * n + j0 + j] = tile[j * ${NR} + i];
      }
      ${done('0', 'j0', 'm', 'h')}
    }
  }
  }
}

static void ${p}run(void **bufs, const int64_t *p, ${p}epi_fn epi, const ${p}acc *wb) {
  const int64_t m = p[0], n = p[1], k = p[2], rsA = p[3], csA = p[4], rsB = p[5], csB = p[6];
  const ${T} *A = (const ${T} *)bufs[0] + p[7];
  const ${T} *B = (const ${T} *)bufs[1] + p[8];
  ${T} *C = (${T} *)bufs[2] + p[9];
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (wb && wb->z) { for (int64_t i = 0; i < m * n; i++) C[i] = wb->beta * wb->z[i] + wb->alpha * (${T})0; }
    else memset(C, 0, (size_t)(m * n) * sizeof(${T}));
    ${done('0', '0', 'm', 'n')}
    return;
  }
  const int nt = ${p}threads(2.0 * (double)m * (double)n * (double)k);
  const int64_t started = nt > 1 ? hyp_team_start(nt) : 0;
  if (csA == 1 && rsB == 1 && m * n <= 1024 && k >= 512) ${p}dots(m, n, k, A, rsA, B, csB, C, nt, epi, bufs, p, wb);
  else if (!wb && rsB == 1 && csB != 1 && m <= ${NR}) ${p}swapped(m, n, k, A, rsA, csA, B, csB, C, nt, epi, bufs, p);
  else if (m >= HYP_GEMM_PACK_M && n >= HYP_GEMM_PACK_N && k >= 64) ${p}packed(m, n, k, A, rsA, csA, B, rsB, csB, C, nt, epi, bufs, p, wb);
  else ${p}direct(m, n, k, A, rsA, csA, B, rsB, csB, C, nt, epi, bufs, p, wb);
  if (nt > 1) hyp_team_settle(started, nt);
}
#endif
${epi}
${accumulate ? `static void ${name}(void **bufs, const int64_t *p) {
  const ${p}acc wb = { (const ${T} *)bufs[3], ((const ${T} *)bufs[4])[0], ((const ${T} *)bufs[5])[0] };
  ${p}run(bufs, p, NULL, &wb);
}` : `static void ${name}(void **bufs, const int64_t *p) { ${p}run(bufs, p, ${epilogue ? `${name}_epi` : 'NULL'}, NULL); }`}
`;
}

/**
 * The epilogue applied to the tile C[i0:i0+mr, j0:j0+nr] (C already offset, rows ldc apart): each
 * element becomes the formula of itself and the extra operands at the same (row, column).
 */
function epilogueTileC(name: string, T: string, e: GemmEpilogue): string {
  const extras = epilogueExtras(e);
  const decl = extras.map((x, j) => {
    const E = cType(e.inDtypes[x]!);
    return `const ${E} *e${x} = (const ${E} *)bufs[${3 + j}] + p[${10 + 3 * j}]; const int64_t r${x} = p[${11 + 3 * j}], c${x} = p[${12 + 3 * j}];`;
  }).join('\n  ');
  const loads = extras.map((x) => `const ${cType(e.inDtypes[x]!)} v${x} = e${x}[i * r${x} + j * c${x}];`).join(' ');
  const expr = withVectorExp(scalarToC(e.formula, (i) => `v${i}`));
  return `${VECTOR_EXPF_C}
static __attribute__((noinline)) void ${name}(${T} *C, int64_t ldc, int64_t i0, int64_t j0, int64_t mr, int64_t nr, void **bufs, const int64_t *p) {
  const double ${VEXPF_ZERO} = hyp_vexpf_zero; (void)${VEXPF_ZERO};
  ${decl}
  for (int64_t i = i0; i < i0 + mr; i++) {
    ${T} *restrict ci = C + i * ldc;
    for (int64_t j = j0; j < j0 + nr; j++) { const ${T} v${e.product} = ci[j]; ${loads} ci[j] = ${expr}; }
  }
}
`;
}

/**
 * The epilogue as a pass over a product's contiguous output Y, in place (for conv2d, whose inner
 * gemm runs per image inside conv2d-c.ts). Buffers: Y, then the extra operands. Parameters: n, nd,
 * shape[nd] (axes merged where every operand allows), then each extra operand's strides over that
 * shape (0 on broadcast axes).
 */
export function epiloguePassKernelC(name: string, dtype: 'float32' | 'float64', e: GemmEpilogue): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  const extras = epilogueExtras(e);
  const decl = extras.map((x, j) => `const ${cType(e.inDtypes[x]!)} *restrict e${x} = (const ${cType(e.inDtypes[x]!)} *)b[${1 + j}]; const int64_t *s${x} = p + 2 + ${j + 1} * nd;`).join('\n  ');
  const loads = extras.map((x) => `const ${cType(e.inDtypes[x]!)} v${x} = e${x}[o${x} + j * t${x}];`).join(' ');
  const expr = withVectorExp(scalarToC(e.formula, (i) => `v${i}`));
  return `${VECTOR_EXPF_C}${TEAM_BACKOFF_C}
static void ${name}(void **b, const int64_t *p) {
  const double ${VEXPF_ZERO} = hyp_vexpf_zero; (void)${VEXPF_ZERO};
  ${T} *y = (${T} *)b[0];
  const int64_t n = p[0], nd = p[1];
  const int64_t *shape = p + 2;
  ${decl}
  if (n == 0) return;
  const int64_t inner = nd ? shape[nd - 1] : 1, rows = n / inner;
  ${extras.map((x) => `const int64_t t${x} = nd ? s${x}[nd - 1] : 0;`).join(' ')}
  const int share = hyp_team_share(n, HYP_PAR_MIN, 8 * (int64_t)HYP_PAR_MIN);
  #pragma omp parallel for if (share) schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    int64_t rem = r${extras.map((x) => `, o${x} = 0`).join('')};
    for (int64_t d = nd - 2; d >= 0; d--) {
      const int64_t q = rem % shape[d];
      rem /= shape[d];
      ${extras.map((x) => `o${x} += q * s${x}[d];`).join(' ')}
      (void)q;
    }
    ${T} *yr = y + r * inner;
    for (int64_t j = 0; j < inner; j++) { const ${T} v${e.product} = yr[j]; ${loads} yr[j] = ${expr}; }
  }
  if (share) hyp_team_ran();
}
`;
}
