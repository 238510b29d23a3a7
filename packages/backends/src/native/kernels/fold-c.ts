import type { DType } from '@hypatia/core';
import { cType } from '../c-scalar.js';

export type Fold = 'sum' | 'prod' | 'max' | 'min';

/**
 * A C reduction kernel for one fold and input dtype, with the reference's semantics: every fold
 * accumulates in double (integer sums in uint64, which wraps to int32 exactly as the reference's
 * float64 sum followed by ToInt32), max/min propagate NaN, and results convert to the output dtype
 * like a typed-array store. Partial results combine in a fixed order, so results do not depend on
 * the thread count. Parameters: mode, nOut, nk, kshape[nk], kstride[nk], nr, rshape[nr],
 * rstride[nr] — the kept and reduced axes after merging, with input strides. Mode 0: the innermost
 * input axis is reduced (each output folds contiguous runs). Mode 1: it is kept (whole output rows
 * accumulate at once, reading the input in order).
 */
export function foldKernelC(name: string, fold: Fold, inDtype: DType, outDtype: DType): string {
  const X = cType(inDtype);
  const Y = cType(outDtype);
  const intSum = fold === 'sum' && inDtype !== 'float32' && inDtype !== 'float64';
  const A = intSum ? 'uint64_t' : 'double';
  const init = { sum: '0', prod: '1', max: '-INFINITY', min: 'INFINITY' }[fold];
  const step = (a: string, v: string) => ({
    sum: `${a} += ${v};`,
    prod: `${a} *= ${v};`,
    max: `{ const ${A} t_ = ${v}; if (t_ > ${a} || t_ != t_) ${a} = t_; }`,
    min: `{ const ${A} t_ = ${v}; if (t_ < ${a} || t_ != t_) ${a} = t_; }`,
  }[fold]);
  const fin = (a: string) => (intSum ? `(${Y})(uint32_t)(${a})` : outDtype === 'float32' || outDtype === 'float64' ? `(${Y})(${a})` : `(${Y})hyp_f2i(${a})`);
  const combine8 = `${A} r_ = acc[0]; for (int l = 1; l < 8; l++) ${step('r_', 'acc[l]')}`;
  return `
static void ${name}(void **b, const int64_t *p) {
  const ${X} *restrict x = (const ${X} *)b[0];
  ${Y} *restrict y = (${Y} *)b[1];
  const int64_t mode = p[0], nOut = p[1], nk = p[2];
  const int64_t *kshape = p + 3, *kstride = p + 3 + nk;
  const int64_t nr = p[3 + 2 * nk];
  const int64_t *rshape = p + 4 + 2 * nk, *rstride = p + 4 + 2 * nk + nr;
  int64_t nRed = 1;
  for (int64_t d = 0; d < nr; d++) nRed *= rshape[d];
  if (mode == 0) {
    const int64_t inner = rshape[nr - 1], outer = nRed / inner;
    if (nOut == 1 && outer == 1 && inner >= HYP_PAR_MIN) {
      const int64_t CH = 4096, nc = (inner + CH - 1) / CH;
      ${A} *part = (${A} *)malloc((size_t)nc * sizeof(${A}));
      #pragma omp parallel for schedule(static)
      for (int64_t c = 0; c < nc; c++) {
        const int64_t e = (c + 1) * CH < inner ? (c + 1) * CH : inner;
        ${A} acc[8];
        for (int l = 0; l < 8; l++) acc[l] = ${init};
        int64_t j = c * CH;
        for (; j + 8 <= e; j += 8) for (int l = 0; l < 8; l++) ${step('acc[l]', `(${A})x[j + l]`)}
        for (; j < e; j++) ${step('acc[0]', `(${A})x[j]`)}
        ${combine8}
        part[c] = r_;
      }
      ${A} total = ${init};
      for (int64_t c = 0; c < nc; c++) ${step('total', 'part[c]')}
      free(part);
      y[0] = ${fin('total')};
      return;
    }
    #pragma omp parallel for if (nOut * nRed >= HYP_PAR_MIN) schedule(static)
    for (int64_t o = 0; o < nOut; o++) {
      int64_t base = 0, rem = o;
      for (int64_t d = nk - 1; d >= 0; d--) { base += (rem % kshape[d]) * kstride[d]; rem /= kshape[d]; }
      ${A} acc[8];
      for (int l = 0; l < 8; l++) acc[l] = ${init};
      for (int64_t r = 0; r < outer; r++) {
        int64_t off = base, rr = r;
        for (int64_t d = nr - 2; d >= 0; d--) { off += (rr % rshape[d]) * rstride[d]; rr /= rshape[d]; }
        const ${X} *row = x + off;
        int64_t j = 0;
        for (; j + 8 <= inner; j += 8) for (int l = 0; l < 8; l++) ${step('acc[l]', `(${A})row[j + l]`)}
        for (; j < inner; j++) ${step('acc[0]', `(${A})row[j]`)}
      }
      ${combine8}
      y[o] = ${fin('r_')};
    }
    return;
  }
  const int64_t K = kshape[nk - 1], rowsOut = nOut / K, CH = 512;
  const int64_t nChunks = (K + CH - 1) / CH;
  #pragma omp parallel for if (nOut * nRed >= HYP_PAR_MIN) schedule(static)
  for (int64_t t = 0; t < rowsOut * nChunks; t++) {
    const int64_t oo = t / nChunks, k0 = (t % nChunks) * CH, k1 = k0 + CH < K ? k0 + CH : K;
    int64_t base = 0, rem = oo;
    for (int64_t d = nk - 2; d >= 0; d--) { base += (rem % kshape[d]) * kstride[d]; rem /= kshape[d]; }
    ${A} acc[512];
    for (int64_t k = 0; k < k1 - k0; k++) acc[k] = ${init};
    for (int64_t r = 0; r < nRed; r++) {
      int64_t off = base + k0, rr = r;
      for (int64_t d = nr - 1; d >= 0; d--) { off += (rr % rshape[d]) * rstride[d]; rr /= rshape[d]; }
      const ${X} *row = x + off;
      for (int64_t k = 0; k < k1 - k0; k++) ${step('acc[k]', `(${A})row[k]`)}
    }
    for (int64_t k = 0; k < k1 - k0; k++) y[oo * K + k0 + k] = ${fin('acc[k]')};
  }
}
`;
}
