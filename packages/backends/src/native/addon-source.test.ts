import { describe, expect, it } from 'vitest';
import { addonSources, type KernelSource } from './addon-source.js';
import { gemmKernelC } from './kernels/gemm-c.js';

/** A kernel of about `chars` characters of C, standing in for a printed IR kernel. */
function printed(name: string, chars: number): KernelSource {
  return { name, code: `static void ${name}(void **bufs, const int64_t *p) {\n  (void)bufs; (void)p;\n  /* ${'x'.repeat(chars)} */\n}\n` };
}

describe('addonSources', () => {
  // gcc spends ~4x as long per character on the gemm drivers as on printed kernels: weighted by
  // length alone, the gemm's unit also took printed kernels and finished long after the other.
  it('weighs the gemm drivers by their compile cost: printed kernels under 4x its length all go to the other unit', () => {
    const gemm = { name: 'hyp_k0', code: gemmKernelC('hyp_k0', 'float32') };
    const rest = Array.from({ length: 6 }, (_, i) => printed(`hyp_k${i + 1}`, gemm.code.length / 2));
    const units = addonSources([gemm, ...rest], 2);
    expect(units).toHaveLength(2);
    const gemmUnit = units.find((u) => u.includes('void hyp_k0(void **bufs'))!;
    const other = units.find((u) => u !== gemmUnit)!;
    expect(rest.filter((k) => gemmUnit.includes(`void ${k.name}(void **bufs`))).toEqual([]);
    expect(rest.every((k) => other.includes(`void ${k.name}(void **bufs`))).toBe(true);
  });
  it('still shares printed kernels alone out by length', () => {
    const kernels = Array.from({ length: 4 }, (_, i) => printed(`hyp_k${i}`, 1000));
    const units = addonSources(kernels, 2);
    expect(units.map((u) => kernels.filter((k) => u.includes(`void ${k.name}(void **bufs`)).length)).toEqual([2, 2]);
  });
});
