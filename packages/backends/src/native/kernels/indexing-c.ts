import type { DType } from '@hypatia/core';
import { cType } from '../c-scalar.js';

/** C addition with JS's result for the dtype: int32 wraps (unsigned arithmetic, which C defines). */
const addC = (d: DType, a: string, b: string): string =>
  d === 'int32' ? `(int32_t)((uint32_t)${a} + (uint32_t)${b})` : `${a} + ${b}`;

/**
 * Integer-array gather (advanced_subtensor). JS resolves the index arrays to element offsets (they
 * are small: one per picked row); C moves the data. Buffers: x, offsets (int32), out.
 * Parameters: outer (product of the axes before the indexed ones), block (x's elements per outer
 * step), picks, inner (elements copied per pick).
 */
export function gatherKernelC(name: string, dtype: DType): string {
  const T = cType(dtype);
  return `
static void ${name}(void **b, const int64_t *p) {
  const ${T} *x = (const ${T} *)b[0];
  const int32_t *off = (const int32_t *)b[1];
  ${T} *o = (${T} *)b[2];
  const int64_t outer = p[0], block = p[1], picks = p[2], inner = p[3];
  #pragma omp parallel for collapse(2) if (outer * picks * inner >= HYP_PAR_MIN) schedule(static)
  for (int64_t a = 0; a < outer; a++)
    for (int64_t k = 0; k < picks; k++)
      memcpy(o + (a * picks + k) * inner, x + a * block + off[k], (size_t)inner * sizeof(${T}));
}
`;
}

/**
 * Integer-array scatter (advanced_inc_subtensor / advanced_set_subtensor): out = x, then y added
 * (or written) at the picked elements. Picks run in order, so repeated indices accumulate, or the
 * last write wins, as in the reference; only the outer axes run in parallel (their blocks are
 * disjoint). Buffers: x, y, offsets, y's outer, picked and inner offsets (int32), out.
 * Parameters: outer, block, picks, inner, x's size.
 */
export function scatterKernelC(name: string, dtype: DType, mode: 'inc' | 'set'): string {
  const T = cType(dtype);
  const store = mode === 'inc' ? `d[t] = ${addC(dtype, 'd[t]', 'v[yi[t]]')};` : 'd[t] = v[yi[t]];';
  return `
static void ${name}(void **b, const int64_t *p) {
  const ${T} *x = (const ${T} *)b[0], *y = (const ${T} *)b[1];
  const int32_t *off = (const int32_t *)b[2], *yo = (const int32_t *)b[3], *yp = (const int32_t *)b[4], *yi = (const int32_t *)b[5];
  ${T} *o = (${T} *)b[6];
  const int64_t outer = p[0], block = p[1], picks = p[2], inner = p[3], size = p[4];
  if (o != x) memcpy(o, x, (size_t)size * sizeof(${T}));
  #pragma omp parallel for if (outer * picks * inner >= HYP_PAR_MIN) schedule(static)
  for (int64_t a = 0; a < outer; a++)
    for (int64_t k = 0; k < picks; k++) {
      ${T} *d = o + a * block + off[k];
      const ${T} *v = y + yo[a] + yp[k];
      for (int64_t t = 0; t < inner; t++) ${store}
    }
}
`;
}

/**
 * arange: out[i] = start + i * step, computed in double as JS does, then stored (int32 wraps like
 * a typed-array store). Buffers: [start, step] (float64), out. Parameter: n.
 */
export function arangeKernelC(name: string, dtype: DType): string {
  const T = cType(dtype);
  const conv = dtype === 'int32' ? '(int32_t)(uint32_t)(int64_t)' : dtype === 'bool' ? '(uint8_t)(0 != ' : `(${T})`;
  const close = dtype === 'bool' ? ')' : '';
  return `
static void ${name}(void **b, const int64_t *p) {
  const double *r = (const double *)b[0];
  ${T} *o = (${T} *)b[1];
  const int64_t n = p[0];
  for (int64_t i = 0; i < n; i++) o[i] = ${conv}(r[0] + (double)i * r[1])${close};
}
`;
}

/**
 * eye: an n x m matrix of zeros with ones on diagonal k (above the main one when positive).
 * Buffers: out. Parameters: n, m, k.
 */
export function eyeKernelC(name: string, dtype: DType): string {
  const T = cType(dtype);
  return `
static void ${name}(void **b, const int64_t *p) {
  ${T} *o = (${T} *)b[0];
  const int64_t n = p[0], m = p[1], k = p[2];
  memset(o, 0, (size_t)(n * m) * sizeof(${T}));
  for (int64_t i = k < 0 ? -k : 0; i < n && i + k < m; i++) o[i * m + i + k] = 1;
}
`;
}

/**
 * The fused softmax cross-entropy with integer labels and its gradient, row by row in double as
 * the reference computes them (the gradient rounds through the dtype at the same points: the
 * softmax, minus one at the label, times g). Buffers: loss (z, cols, out); grad (g, z, cols, out),
 * cols being the labels already checked and made non-negative. Parameters: rows, k.
 */
export function labelLossKernelC(name: string, dtype: 'float32' | 'float64', grad: boolean): string {
  const T = cType(dtype);
  const body = grad
    ? `
    const ${T} *z = (const ${T} *)b[1] + r * k;
    ${T} *o = (${T} *)b[3] + r * k;
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < k; j++) if (z[j] > m) m = z[j];
    for (int64_t j = 0; j < k; j++) { const double e = exp((double)z[j] - m); o[j] = (${T})e; s += e; }
    const double inv = 1 / s, gi = (double)((const ${T} *)b[0])[r];
    for (int64_t j = 0; j < k; j++) o[j] = (${T})((double)o[j] * inv);
    o[cols[r]] = (${T})((double)o[cols[r]] - 1);
    for (int64_t j = 0; j < k; j++) o[j] = (${T})((double)o[j] * gi);`
    : `
    const ${T} *z = (const ${T} *)b[0] + r * k;
    double m = -INFINITY, s = 0, lse;
    for (int64_t j = 0; j < k; j++) if (z[j] > m) m = z[j];
    if (m == INFINITY || m == -INFINITY) lse = m;
    else { for (int64_t j = 0; j < k; j++) s += exp((double)z[j] - m); lse = m + log(s); }
    ((${T} *)b[2])[r] = (${T})(lse - (double)z[cols[r]]);`;
  return `
static void ${name}(void **b, const int64_t *p) {
  const int64_t rows = p[0], k = p[1];
  const int32_t *cols = (const int32_t *)b[${grad ? 2 : 1}];
  #pragma omp parallel for if (rows * k >= HYP_PAR_MIN) schedule(static)
  for (int64_t r = 0; r < rows; r++) {${body}
  }
}
`;
}

/**
 * categorical_crossentropy_with_labels, -log(p[r, label]), and its gradient, zero but for
 * -g[r] / p[r, label] at the label; computed in double and rounded once, as the reference does.
 * Buffers: loss (p, cols, out); grad (g, p, cols, out), cols being the labels already checked and
 * made non-negative. Parameters: rows, k.
 */
export function categoricalLossKernelC(name: string, dtype: 'float32' | 'float64', grad: boolean): string {
  const T = cType(dtype);
  const body = grad
    ? `
    const ${T} *p = (const ${T} *)b[1] + r * k;
    ${T} *o = (${T} *)b[3] + r * k;
    for (int64_t j = 0; j < k; j++) o[j] = 0;
    o[cols[r]] = (${T})(-(double)((const ${T} *)b[0])[r] / (double)p[cols[r]]);`
    : `
    ((${T} *)b[2])[r] = (${T})(-log((double)((const ${T} *)b[0])[r * k + cols[r]]));`;
  return `
static void ${name}(void **b, const int64_t *p) {
  const int64_t rows = p[0], k = p[1];
  const int32_t *cols = (const int32_t *)b[${grad ? 2 : 1}];
  #pragma omp parallel for if (rows * k >= HYP_PAR_MIN) schedule(static)
  for (int64_t r = 0; r < rows; r++) {${body}
  }
}
`;
}

/**
 * last_write_mask: 1 where a position is the last to name its element, 0 where a later position
 * names it again. Positions are sorted by (offset, position) in a scratch array, and the last of
 * each run of equal offsets wins. Buffers: offsets (int32), out. Parameter: n.
 */
export function lastWriteMaskKernelC(name: string, dtype: 'float32' | 'float64'): string {
  const T = cType(dtype);
  return `
static int ${name}_cmp(const void *a, const void *b) {
  const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}
static void ${name}(void **b, const int64_t *p) {
  const int32_t *off = (const int32_t *)b[0];
  ${T} *o = (${T} *)b[1];
  const int64_t n = p[0];
  /* (offset << 32) | position sorts by offset, then position; offsets are non-negative int32. */
  int64_t *keys = (int64_t *)malloc((size_t)n * sizeof(int64_t));
  if (!keys) { for (int64_t i = 0; i < n; i++) { o[i] = 1; for (int64_t j = i + 1; j < n; j++) if (off[j] == off[i]) { o[i] = 0; break; } } return; }
  for (int64_t i = 0; i < n; i++) keys[i] = ((int64_t)off[i] << 32) | i;
  qsort(keys, (size_t)n, sizeof(int64_t), ${name}_cmp);
  for (int64_t i = 0; i < n; i++) o[keys[i] & 0xffffffff] = (i + 1 == n || (keys[i + 1] >> 32) != (keys[i] >> 32)) ? 1 : 0;
  free(keys);
}
`;
}

/**
 * argmax / argmin: for each kept position, the first index of the extremum over the reduced axes
 * (row-major in the op's axis order); a NaN wins and ends the scan, as in the reference. JS gives
 * the element offsets of the kept and of the reduced positions. Buffers: x, kept offsets, reduced
 * offsets (int32), out (int32). Parameters: outputs, block.
 */
export function argExtremumKernelC(name: string, dtype: DType, kind: 'max' | 'min'): string {
  const T = cType(dtype);
  const better = kind === 'max' ? '!(v <= best)' : '!(v >= best)';
  const isFloat = dtype === 'float32' || dtype === 'float64';
  return `
static void ${name}(void **b, const int64_t *p) {
  const ${T} *x = (const ${T} *)b[0];
  const int32_t *ko = (const int32_t *)b[1], *ro = (const int32_t *)b[2];
  int32_t *o = (int32_t *)b[3];
  const int64_t n = p[0], block = p[1];
  #pragma omp parallel for if (n * block >= HYP_PAR_MIN) schedule(static)
  for (int64_t i = 0; i < n; i++) {
    const ${T} *s = x + ko[i];
    ${T} best = s[ro[0]];
    int32_t at = 0;
    for (int64_t j = 1; j < block${isFloat ? ' && best == best' : ''}; j++) {
      const ${T} v = s[ro[j]];
      if (${better}) { best = v; at = (int32_t)j; }
    }
    o[i] = at;
  }
}
`;
}
