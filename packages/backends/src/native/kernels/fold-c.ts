import type { DType, ScalarExpr } from '@hypatia/core';
import { cType, scalarToC } from '../c-scalar.js';
import { VECTOR_EXPF_C, VEXPF_ZERO, withVectorExp } from './vector-exp-c.js';

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

/**
 * ElemwiseSum as one pass: the formula is evaluated inside the reduction loop, so its elementwise
 * result is never stored. Each value is rounded to the formula's dtype and then summed like Sum
 * (double accumulators, integers and booleans in uint64 wrapping to int32), so results equal the
 * reference's formula-then-sum. Buffers: the m inputs, then the output. Parameters (see
 * elemwiseSumParams): mode, nOut, nk, kshape[nk], kstride_0[nk] .. kstride_{m-1}[nk], nr,
 * rshape[nr], rstride_0[nr] .. rstride_{m-1}[nr] — the kept and reduced axes of the broadcast
 * iteration space, with each input's element strides (0 where it broadcasts). Mode 0: the
 * innermost axis is reduced; mode 1: it is kept (whole output rows accumulate at once). Empty
 * reductions write 0; no output, nothing.
 */
export function elemwiseSumKernelC(name: string, formula: ScalarExpr, inDtypes: readonly DType[], outDtype: DType): string {
  const m = inDtypes.length;
  const ins = inDtypes.map((_, i) => i);
  const F = cType(formula.dtype);
  const Y = cType(outDtype);
  const intSum = formula.dtype !== 'float32' && formula.dtype !== 'float64';
  const A = intSum ? 'uint64_t' : 'double';
  const expr = withVectorExp(scalarToC(formula, (i) => `v${i}`));
  const each = (f: (i: number) => string) => ins.map(f).join(' ');
  /** Load every operand at `at(i)` and add the formula's value to `acc`. */
  const addAt = (acc: string, at: (i: number) => string) =>
    `{ ${each((i) => `const ${cType(inDtypes[i]!)} v${i} = x${i}[${at(i)}];`)} const ${F} f_ = ${expr}; ${acc} += (${A})f_; }`;
  const fin = (a: string) => (intSum ? `(${Y})(uint32_t)(${a})` : `(${Y})(${a})`);
  /** Offsets o_i of kept-axis index `idx` over kept axes [0, last]. */
  const keptOffsets = (idx: string, last: string) => `
      { int64_t rem_ = ${idx};
        for (int64_t d = ${last}; d >= 0; d--) { const int64_t q_ = rem_ % kshape[d]; rem_ /= kshape[d]; ${each((i) => `o${i} += q_ * ks${i}[d];`)} } }`;
  /** Add to offsets o_i the reduced-axis offsets of index `idx` over reduced axes [0, last]. */
  const redOffsets = (idx: string, last: string) => `
        { int64_t rem_ = ${idx};
          for (int64_t d = ${last}; d >= 0; d--) { const int64_t q_ = rem_ % rshape[d]; rem_ /= rshape[d]; ${each((i) => `o${i} += q_ * rs${i}[d];`)} } }`;
  const combine8 = `${A} r_ = acc[0]; for (int l = 1; l < 8; l++) r_ += acc[l];`;
  return `${VECTOR_EXPF_C}
static void ${name}(void **b, const int64_t *p) {
  const double ${VEXPF_ZERO} = hyp_vexpf_zero; (void)${VEXPF_ZERO};
  ${each((i) => `const ${cType(inDtypes[i]!)} *restrict x${i} = (const ${cType(inDtypes[i]!)} *)b[${i}];`)}
  ${Y} *restrict y = (${Y} *)b[${m}];
  const int64_t mode = p[0], nOut = p[1], nk = p[2];
  const int64_t *kshape = p + 3;
  ${each((i) => `const int64_t *ks${i} = kshape + ${i + 1} * nk;`)}
  const int64_t nr = p[3 + ${m + 1} * nk];
  const int64_t *rshape = p + 4 + ${m + 1} * nk;
  ${each((i) => `const int64_t *rs${i} = rshape + ${i + 1} * nr;`)}
  int64_t nRed = 1;
  for (int64_t d = 0; d < nr; d++) nRed *= rshape[d];
  if (nOut == 0) return;
  if (mode == 0) {
    /* An empty reduced axis (inner or outer) leaves every output at 0. */
    const int64_t inner = rshape[nr - 1], outer = inner ? nRed / inner : 0;
    ${each((i) => `const int64_t t${i} = rs${i}[nr - 1];`)}
    if (nOut == 1 && nRed >= HYP_PAR_MIN) {
      /* One output: split the reduced index space into chunks, summed in a fixed order. */
      const int64_t CH = 4096, nc = (nRed + CH - 1) / CH;
      ${A} *part = (${A} *)malloc((size_t)nc * sizeof(${A}));
      #pragma omp parallel for schedule(static)
      for (int64_t c = 0; c < nc; c++) {
        const int64_t e = (c + 1) * CH < nRed ? (c + 1) * CH : nRed;
        ${A} acc[8];
        for (int l = 0; l < 8; l++) acc[l] = 0;
        for (int64_t q = c * CH; q < e;) {
          const int64_t r = q / inner, j0 = q % inner, j1 = inner - j0 < e - q ? inner : j0 + (e - q);
          ${each((i) => `int64_t o${i} = 0;`)}${redOffsets('r', 'nr - 2')}
          int64_t j = j0;
          for (; j + 8 <= j1; j += 8) for (int l = 0; l < 8; l++) ${addAt('acc[l]', (i) => `o${i} + (j + l) * t${i}`)}
          for (; j < j1; j++) ${addAt('acc[0]', (i) => `o${i} + j * t${i}`)}
          q += j1 - j0;
        }
        ${combine8}
        part[c] = r_;
      }
      ${A} total = 0;
      for (int64_t c = 0; c < nc; c++) total += part[c];
      free(part);
      y[0] = ${fin('total')};
      return;
    }
    #pragma omp parallel for if (nOut * nRed >= HYP_PAR_MIN) schedule(static)
    for (int64_t o = 0; o < nOut; o++) {
      ${each((i) => `int64_t b${i} = 0;`)}
      { int64_t rem_ = o;
        for (int64_t d = nk - 1; d >= 0; d--) { const int64_t q_ = rem_ % kshape[d]; rem_ /= kshape[d]; ${each((i) => `b${i} += q_ * ks${i}[d];`)} } }
      ${A} acc[8];
      for (int l = 0; l < 8; l++) acc[l] = 0;
      for (int64_t r = 0; r < outer; r++) {
        ${each((i) => `int64_t o${i} = b${i};`)}${redOffsets('r', 'nr - 2')}
        int64_t j = 0;
        for (; j + 8 <= inner; j += 8) for (int l = 0; l < 8; l++) ${addAt('acc[l]', (i) => `o${i} + (j + l) * t${i}`)}
        for (; j < inner; j++) ${addAt('acc[0]', (i) => `o${i} + j * t${i}`)}
      }
      ${combine8}
      y[o] = ${fin('r_')};
    }
    return;
  }
  const int64_t K = kshape[nk - 1], rowsOut = nOut / K, CH = 512;
  const int64_t nChunks = (K + CH - 1) / CH;
  ${each((i) => `const int64_t t${i} = ks${i}[nk - 1];`)}
  #pragma omp parallel for if (nOut * nRed >= HYP_PAR_MIN) schedule(static)
  for (int64_t t = 0; t < rowsOut * nChunks; t++) {
    const int64_t oo = t / nChunks, k0 = (t % nChunks) * CH, k1 = k0 + CH < K ? k0 + CH : K;
    ${each((i) => `int64_t o${i} = k0 * t${i};`)}${keptOffsets('oo', 'nk - 2')}
    ${each((i) => `const int64_t b${i} = o${i};`)}
    ${A} acc[512];
    for (int64_t k = 0; k < k1 - k0; k++) acc[k] = 0;
    for (int64_t r = 0; r < nRed; r++) {
      ${each((i) => `o${i} = b${i};`)}${redOffsets('r', 'nr - 1')}
      for (int64_t k = 0; k < k1 - k0; k++) ${addAt('acc[k]', (i) => `o${i} + k * t${i}`)}
    }
    for (int64_t k = 0; k < k1 - k0; k++) y[oo * K + k0 + k] = ${fin('acc[k]')};
  }
}
`;
}

/**
 * Parameters of elemwiseSumKernelC for iteration shape `shape` (the operands' broadcast shape),
 * summing `axes`, with each input's element strides over `shape` (core's broadcastStrides).
 * Length-1 axes are dropped and adjacent axes of the same kind that are contiguous for every input
 * are merged.
 */
export function elemwiseSumParams(shape: readonly number[], axes: readonly number[], inStrides: readonly (readonly number[])[]): Float64Array {
  const groups: { reduced: boolean; size: number; strides: number[] }[] = [];
  shape.forEach((d, a) => {
    if (d === 1) return;
    const reduced = axes.includes(a);
    const last = groups[groups.length - 1];
    if (last && last.reduced === reduced && inStrides.every((s, i) => last.strides[i] === s[a]! * d)) {
      last.size *= d;
      last.strides = inStrides.map((s) => s[a]!);
    } else groups.push({ reduced, size: d, strides: inStrides.map((s) => s[a]!) });
  });
  // No axis longer than 1: one output, reduced over one element.
  if (!groups.length) groups.push({ reduced: true, size: 1, strides: inStrides.map(() => 0) });
  const kept = groups.filter((g) => !g.reduced);
  const red = groups.filter((g) => g.reduced);
  const mode = groups[groups.length - 1]!.reduced ? 0 : 1;
  const nOut = kept.reduce((n, g) => n * g.size, 1);
  return Float64Array.from([
    mode, nOut,
    kept.length, ...kept.map((g) => g.size), ...inStrides.flatMap((_, i) => kept.map((g) => g.strides[i]!)),
    red.length, ...red.map((g) => g.size), ...inStrides.flatMap((_, i) => red.map((g) => g.strides[i]!)),
  ]);
}
