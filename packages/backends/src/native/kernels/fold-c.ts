import type { DType } from '@hypatia/core';
import { cType } from '../c-scalar.js';

/**
 * A C sum kernel for one input dtype. Floats accumulate in double (as the reference does);
 * integers in uint64, wrapped to int32 at the end (the reference's float64 sum, then ToInt32).
 * Parameters: mode, nOut, nk, kshape[nk], kstride[nk], nr, rshape[nr], rstride[nr] — the kept
 * and reduced axes of the input after merging, with input strides. Mode 0: the innermost input
 * axis is reduced (each output sums contiguous runs). Mode 1: it is kept (whole output rows
 * accumulate at once, reading the input in order).
 */
export function sumKernelC(name: string, inDtype: DType, outDtype: DType): string {
  const X = cType(inDtype);
  const Y = cType(outDtype);
  const isF = inDtype === 'float32' || inDtype === 'float64';
  const A = isF ? 'double' : 'uint64_t';
  const fin = (a: string) => (isF ? `(${Y})(${a})` : `(int32_t)(uint32_t)(${a})`);
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
    if (nOut == 1 && outer == 1) {
      ${A} total = 0;
      #pragma omp parallel for reduction(+:total) if (inner >= HYP_PAR_MIN) schedule(static)
      for (int64_t c = 0; c < inner; c += 4096) {
        const int64_t e = c + 4096 < inner ? c + 4096 : inner;
        ${A} acc[8] = {0};
        int64_t j = c;
        for (; j + 8 <= e; j += 8) for (int l = 0; l < 8; l++) acc[l] += (${A})x[j + l];
        for (; j < e; j++) acc[0] += (${A})x[j];
        total += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      }
      y[0] = ${fin('total')};
      return;
    }
    #pragma omp parallel for if (nOut * nRed >= HYP_PAR_MIN) schedule(static)
    for (int64_t o = 0; o < nOut; o++) {
      int64_t base = 0, rem = o;
      for (int64_t d = nk - 1; d >= 0; d--) { base += (rem % kshape[d]) * kstride[d]; rem /= kshape[d]; }
      ${A} acc[8] = {0};
      for (int64_t r = 0; r < outer; r++) {
        int64_t off = base, rr = r;
        for (int64_t d = nr - 2; d >= 0; d--) { off += (rr % rshape[d]) * rstride[d]; rr /= rshape[d]; }
        const ${X} *row = x + off;
        int64_t j = 0;
        for (; j + 8 <= inner; j += 8) for (int l = 0; l < 8; l++) acc[l] += (${A})row[j + l];
        for (; j < inner; j++) acc[0] += (${A})row[j];
      }
      y[o] = ${fin('((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))')};
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
    for (int64_t k = 0; k < k1 - k0; k++) acc[k] = 0;
    for (int64_t r = 0; r < nRed; r++) {
      int64_t off = base + k0, rr = r;
      for (int64_t d = nr - 1; d >= 0; d--) { off += (rr % rshape[d]) * rstride[d]; rr /= rshape[d]; }
      const ${X} *row = x + off;
      for (int64_t k = 0; k < k1 - k0; k++) acc[k] += (${A})row[k];
    }
    for (int64_t k = 0; k < k1 - k0; k++) y[oo * K + k0 + k] = ${fin('acc[k]')};
  }
}
`;
}
