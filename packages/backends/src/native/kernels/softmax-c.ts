export type RowOp = 'softmax' | 'log_softmax' | 'softmax_grad';

/**
 * Row-wise softmax, log-softmax and the softmax gradient over the last axis, in double as the
 * reference computes them (stable: the row maximum is subtracted first; NaN is skipped when taking
 * it, and then spreads through the sum, as in the reference). Rows spread over threads.
 * Buffers: softmax/log_softmax (x, out); softmax_grad (dy, y, out). Parameters: rows, k.
 */
export function rowKernelC(name: string, op: RowOp, dtype: 'float32' | 'float64'): string {
  const T = dtype === 'float32' ? 'float' : 'double';
  const body = {
    softmax: `
      double m = -INFINITY, s = 0;
      for (int64_t j = 0; j < k; j++) if (x[j] > m) m = x[j];
      for (int64_t j = 0; j < k; j++) s += exp((double)x[j] - m);
      const double inv = 1 / s;
      for (int64_t j = 0; j < k; j++) o[j] = (${T})(exp((double)x[j] - m) * inv);`,
    log_softmax: `
      double m = -INFINITY, s = 0, lse;
      for (int64_t j = 0; j < k; j++) if (x[j] > m) m = x[j];
      if (m == INFINITY || m == -INFINITY) lse = m;
      else { for (int64_t j = 0; j < k; j++) s += exp((double)x[j] - m); lse = m + log(s); }
      for (int64_t j = 0; j < k; j++) o[j] = (${T})((double)x[j] - lse);`,
    softmax_grad: `
      double s = 0;
      for (int64_t j = 0; j < k; j++) s += (double)g[j] * (double)y[j];
      for (int64_t j = 0; j < k; j++) o[j] = (${T})((double)y[j] * ((double)g[j] - s));`,
  }[op];
  const grad = op === 'softmax_grad';
  return `
static void ${name}(void **b, const int64_t *p) {
  const int64_t rows = p[0], k = p[1];
  #pragma omp parallel for if (rows * k >= HYP_PAR_MIN) schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    ${grad ? `const ${T} *g = (const ${T} *)b[0] + r * k, *y = (const ${T} *)b[1] + r * k;` : `const ${T} *x = (const ${T} *)b[0] + r * k;`}
    ${T} *o = (${T} *)b[${grad ? 2 : 1}] + r * k;${body}
  }
}
`;
}
