import type { DType, ScalarExpr } from '@hypatia/core';
import { cType, scalarToC } from '../c-scalar.js';
import { VECTOR_EXPF_C, VEXPF_ZERO, withVectorExp } from './vector-exp-c.js';

/**
 * A C kernel applying one scalar formula with broadcasting. Buffers: the inputs, then the output.
 * Parameters: n, nd, shape[nd], then each input's element strides over the output shape (0 on
 * broadcast axes), then a flag saying every input is contiguous and full-size. The caller has
 * already merged axes that are contiguous for every operand (kernel-params.ts).
 *
 * The formula's main loop is `span`, over contiguous operands, which gcc vectorises; every layout
 * that can reach it does:
 * - all operands contiguous: one flat loop, cut into one chunk per thread;
 * - every operand's innermost stride 0 or 1 (a bias broadcast along some axes, a row or column
 *   vector): rows of the innermost axis, a stride-0 operand copied into a small splat buffer per
 *   row, the row offsets advanced like an odometer (no division per element or per row);
 * - anything else (transposes, strided slices): the same rows with a strided inner loop.
 * Threads start only when the work pays for waking them (~10 us here, see parMin). float32 exp is
 * vector-exp-c.ts's, which vectorises.
 */
export function elementwiseKernelC(name: string, formula: ScalarExpr, inDtypes: readonly DType[], outDtype: DType): string {
  const m = inDtypes.length;
  const ins = inDtypes.map((_, i) => i);
  const expr = withVectorExp(scalarToC(formula, (i) => `v${i}`));
  const zero = `const double ${VEXPF_ZERO} = hyp_vexpf_zero; (void)${VEXPF_ZERO};`;
  const T = cType(outDtype);
  const Ti = (i: number) => cType(inDtypes[i]!);
  // Threads pay off once a call takes ~30 us: from 2^13 elements for formulas calling libm (exp in
  // float64, log, tanh...: several ns an element) and 2^15 with the vector float32 exp (~1 ns; 2
  // threads took sigmoid on 288k elements from 319 to 254 us on the shared machine). Plain
  // arithmetic is memory-bound: a second thread made 288k and 1M element updates slower (46 -> 56,
  // 234 -> 247 us), so it waits for 2^21 elements.
  const libm = /\b\w+\s*\(/.test(expr.replace(/\b(hyp_(iadd|isub|imul|iabs|max_\w+|min_\w+|f2i|vexpf)|fabsf?|floorf?|ceilf?|rintf?)\s*\(/g, ''));
  const parMin = libm ? 1 << 13 : expr.includes('hyp_vexpf(') ? 1 << 15 : 1 << 21;
  const load = (at: (i: number) => string) => ins.map((i) => `const ${Ti(i)} v${i} = ${at(i)};`).join(' ');
  // Argument lists: the operands' entries, then `rest` (the output and the length).
  const list = (f: (i: number) => string, rest: string) => [...ins.map(f), rest].join(', ');
  return `${VECTOR_EXPF_C}
#ifndef HYP_EW_COMMON
#define HYP_EW_COMMON
#define HYP_EW_SPLAT 512
/* This thread's share [*lo, *hi) of n items, cut at multiples of 16 (whole vectors). */
static inline void hyp_ew_share(int64_t n, int64_t align, int64_t *lo, int64_t *hi) {
#ifdef _OPENMP
  const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
  const int64_t t = 0, nt = 1;
#endif
  const int64_t per = ((n + nt - 1) / nt + align - 1) / align * align;
  *lo = t * per < n ? t * per : n;
  *hi = *lo + per < n ? *lo + per : n;
}
#endif
static inline void ${name}_span(${list((i) => `const ${Ti(i)} *restrict x${i}`, `${T} *restrict y, int64_t len`)}) {
  ${zero}
  for (int64_t j = 0; j < len; j++) { ${load((i) => `x${i}[j]`)} y[j] = ${expr}; }
}
static void ${name}(void **b, const int64_t *p) {
  ${ins.map((i) => `const ${Ti(i)} *x${i} = (const ${Ti(i)} *)b[${i}];`).join('\n  ')}
  ${T} *y = (${T} *)b[${m}];
  ${zero}
  const int64_t n = p[0], nd = p[1];
  const int64_t *shape = p + 2;
  ${ins.map((i) => `const int64_t *s${i} = p + 2 + ${i + 1} * nd;`).join(' ')}
  if (p[2 + ${m + 1} * nd] || nd == 0) {
    #pragma omp parallel if (n >= ${parMin})
    {
      int64_t lo, hi;
      hyp_ew_share(n, 16, &lo, &hi);
      if (hi > lo) ${name}_span(${list((i) => `x${i} + lo`, 'y + lo, hi - lo')});
    }
    return;
  }
  const int64_t inner = shape[nd - 1], rows = n / inner;
  ${ins.map((i) => `const int64_t t${i} = s${i}[nd - 1];`).join(' ')}
  const int unit = ${['1', ...ins.map((i) => `(t${i} == 0 || t${i} == 1)`)].join(' && ')};
  #pragma omp parallel if (n >= ${parMin})
  {
    int64_t r0, r1;
    hyp_ew_share(rows, 1, &r0, &r1);
    /* The odometer: index and operand offsets of row r0 over the outer axes. */
    int64_t idx[nd]${ins.map((i) => `, o${i} = 0`).join('')};
    for (int64_t d = nd - 2, rem = r0; d >= 0; d--) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
      ${ins.map((i) => `o${i} += idx[d] * s${i}[d];`).join(' ')}
    }
    ${ins.map((i) => `${Ti(i)} splat${i}[HYP_EW_SPLAT];`).join(' ')}
    for (int64_t r = r0; r < r1; r++) {
      ${T} *restrict yr = y + r * inner;
      if (unit) {
        const int64_t fill = inner < HYP_EW_SPLAT ? inner : HYP_EW_SPLAT;
        ${ins.map((i) => `if (t${i} == 0) for (int64_t j = 0; j < fill; j++) splat${i}[j] = x${i}[o${i}];`).join('\n        ')}
        for (int64_t j0 = 0; j0 < inner; j0 += HYP_EW_SPLAT) {
          const int64_t len = inner - j0 < HYP_EW_SPLAT ? inner - j0 : HYP_EW_SPLAT;
          ${name}_span(${list((i) => `t${i} ? x${i} + o${i} + j0 : splat${i}`, 'yr + j0, len')});
        }
      } else {
        for (int64_t j = 0; j < inner; j++) { ${load((i) => `x${i}[o${i} + j * t${i}]`)} yr[j] = ${expr}; }
      }
      for (int64_t d = nd - 2; d >= 0; d--) {
        ${ins.map((i) => `o${i} += s${i}[d];`).join(' ')}
        if (++idx[d] < shape[d]) break;
        ${ins.map((i) => `o${i} -= s${i}[d] * shape[d];`).join(' ')}
        idx[d] = 0;
      }
    }
  }
}
`;
}
