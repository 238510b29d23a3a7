import type { DType } from '@hypatia/core';
import { cType } from '../c-scalar.js';

/**
 * A strided block copy, dst[i] = src[i] (mode 'set') or dst[i] += src[i] (mode 'inc'), where
 * element i of an nd index space sits at offset + i · strides in each buffer. It moves the parts of
 * concatenate into their places in the result, takes concatenate_part's block out of the gradient,
 * and writes inc/set_subtensor's value into its region. Elements of dst are distinct (a region or a
 * block), so rows may run on threads. int32 addition wraps, as a typed-array store does.
 * Buffers: src, dst. Parameters: nd, shape[nd], src strides[nd], dst strides[nd], src offset, dst offset.
 */
export function stridedCopyKernelC(name: string, dtype: DType, mode: 'set' | 'inc'): string {
  const T = cType(dtype);
  const put = (d: string, s: string) => (mode === 'set' ? `${d} = ${s};`
    : dtype === 'int32' ? `${d} = (int32_t)((uint32_t)${d} + (uint32_t)${s});` : `${d} = ${d} + ${s};`);
  return `
static void ${name}(void **b, const int64_t *p) {
  const int64_t nd = p[0];
  const int64_t *shape = p + 1, *ss = p + 1 + nd, *ds = p + 1 + 2 * nd;
  const ${T} *src = (const ${T} *)b[0] + p[1 + 3 * nd];
  ${T} *dst = (${T} *)b[1] + p[2 + 3 * nd];
  if (nd == 0) { ${put('dst[0]', 'src[0]')} return; }
  const int64_t inner = shape[nd - 1], si = ss[nd - 1], di = ds[nd - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d < nd - 1; d++) rows *= shape[d];
  #pragma omp parallel for if (rows * inner >= HYP_PAR_MIN) schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    int64_t rest = r, so = 0, dof = 0;
    for (int64_t d = nd - 2; d >= 0; d--) {
      const int64_t i = rest % shape[d];
      rest /= shape[d];
      so += i * ss[d];
      dof += i * ds[d];
    }
    const ${T} *s = src + so;
    ${T} *t = dst + dof;
    ${mode === 'set' ? `if (si == 1 && di == 1) { memcpy(t, s, (size_t)inner * sizeof(${T})); continue; }
    ` : ''}for (int64_t j = 0; j < inner; j++) { ${put('t[j * di]', 's[j * si]')} }
  }
}
`;
}
