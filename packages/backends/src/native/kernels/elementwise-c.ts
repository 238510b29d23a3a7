import type { DType, ScalarExpr } from '@hypatia/core';
import { cType, scalarToC } from '../c-scalar.js';

/**
 * A C kernel applying one scalar formula with broadcasting. Buffers: the inputs, then the output.
 * Parameters: n, nd, shape[nd], then each input's element strides over the output shape (0 on
 * broadcast axes), then a flag saying every input is contiguous and full-size (the flat path the
 * compiler vectorises). The caller has already merged axes that are contiguous for every operand.
 */
export function elementwiseKernelC(name: string, formula: ScalarExpr, inDtypes: readonly DType[], outDtype: DType): string {
  const m = inDtypes.length;
  const ins = inDtypes.map((d, i) => i);
  const expr = scalarToC(formula, (i) => `v${i}`);
  const decl = ins.map((i) => `const ${cType(inDtypes[i]!)} *restrict x${i} = (const ${cType(inDtypes[i]!)} *)b[${i}];`).join('\n  ');
  const load = (at: (i: number) => string) => ins.map((i) => `const ${cType(inDtypes[i]!)} v${i} = x${i}[${at(i)}];`).join(' ');
  const T = cType(outDtype);
  return `
static void ${name}(void **b, const int64_t *p) {
  ${decl}
  ${T} *restrict y = (${T} *)b[${m}];
  const int64_t n = p[0], nd = p[1];
  const int64_t *shape = p + 2;
  ${ins.map((i) => `const int64_t *s${i} = p + 2 + ${i + 1} * nd;`).join(' ')}
  (void)shape;
  if (p[2 + ${m + 1} * nd]) {
    #pragma omp parallel for simd if (n >= HYP_PAR_MIN) schedule(static)
    for (int64_t i = 0; i < n; i++) { ${load(() => 'i')} y[i] = ${expr}; }
    return;
  }
  const int64_t inner = nd ? shape[nd - 1] : 1;
  ${ins.map((i) => `const int64_t t${i} = nd ? s${i}[nd - 1] : 0;`).join(' ')}
  if (nd <= 1) {
    #pragma omp parallel for if (n >= HYP_PAR_MIN) schedule(static)
    for (int64_t j = 0; j < inner; j++) { ${load((i) => `j * t${i}`)} y[j] = ${expr}; }
    return;
  }
  const int64_t rows = n / inner;
  #pragma omp parallel for if (n >= HYP_PAR_MIN) schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    int64_t rem = r${ins.map((i) => `, o${i} = 0`).join('')};
    for (int64_t d = nd - 2; d >= 0; d--) {
      const int64_t q = rem % shape[d];
      rem /= shape[d];
      ${ins.map((i) => `o${i} += q * s${i}[d];`).join(' ')}
    }
    ${T} *restrict yr = y + r * inner;
    for (int64_t j = 0; j < inner; j++) { ${load((i) => `o${i} + j * t${i}`)} yr[j] = ${expr}; }
  }
}
`;
}
