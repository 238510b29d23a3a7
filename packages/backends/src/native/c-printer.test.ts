import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E, I, KernelBuilder, compileKernelJS, type Kernel, type TypedArray } from '@hypatia/core';
import { C_PRINTER_PRELUDE, kernelToC } from './c-printer.js';
import { cType } from './c-scalar.js';
import { argReduceKernel, broadcastMapKernel, filled, gatherKernel, rowSoftmaxKernel, scatterAddKernel, windowMaxKernel } from '../testing/printer-kernels.js';

/**
 * Printed C against the JavaScript printer (the IR's semantics): each kernel runs in a small C
 * program on two OpenMP threads, with sizes that cross the thread thresholds so points are shared
 * out mid-row.
 */
function runC(k: Kernel, buffers: TypedArray[], params: number[]): { out: number[][]; failed: number } {
  const dir = mkdtempSync(join(tmpdir(), 'hyp-cprint-'));
  try {
    const decl = buffers.map((b, i) => `static ${cType(k.buffers[i]!.dtype)} d${i}[${Math.max(b.length, 1)}] = { ${Array.from(b, (v) => (Number.isNaN(v) ? 'NAN' : Number.isFinite(v) ? String(v) : v > 0 ? 'INFINITY' : '-INFINITY')).join(', ') || '0'} };`);
    const main = `
#include <stdio.h>
${decl.join('\n')}
int main(void) {
  void *b[] = { ${buffers.map((_, i) => `d${i}`).join(', ')} };
  const int64_t p[] = { ${params.join(', ') || '0'} };
  int failed = hyp_k(b, p);
  printf("%d\\n", failed);
  ${buffers.map((b, i) => `for (int j = 0; j < ${b.length}; j++) printf("%.17g ", (double)d${i}[j]); printf("\\n");`).join('\n  ')}
  return 0;
}`;
    writeFileSync(join(dir, 'k.c'), `${C_PRINTER_PRELUDE}\n${kernelToC(k, 'hyp_k')}\n${main}`);
    execFileSync('gcc', ['-O3', '-march=native', '-fopenmp', '-o', join(dir, 'k'), join(dir, 'k.c'), '-lm']);
    const lines = execFileSync(join(dir, 'k'), { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' }, maxBuffer: 1 << 28 }).trim().split('\n');
    return { failed: Number(lines[0]), out: lines.slice(1).map((l) => l.trim().split(/\s+/).filter(Boolean).map(parseC)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseC(t: string): number {
  return t === 'inf' ? Infinity : t === '-inf' ? -Infinity : /nan/.test(t) ? NaN : Number(t);
}

function agree(k: Kernel, make: () => TypedArray[], params: number[], rtol = 0): void {
  const js = make();
  const failedJs = compileKernelJS(k)(js, params);
  const c = runC(k, make(), params);
  expect(c.failed).toBe(failedJs ? 1 : 0);
  js.forEach((b, i) => {
    const got = c.out[i]!;
    Array.from(b).forEach((v, j) => {
      if (Number.isNaN(v)) expect(got[j]).toBeNaN();
      else if (rtol === 0) expect(got[j], `buffer ${i} element ${j}`).toBe(v);
      else expect(Math.abs(got[j]! - v), `buffer ${i} element ${j}: ${got[j]} vs ${v}`).toBeLessThanOrEqual(rtol * Math.abs(v) + 1e-30);
    });
  });
}

describe('the C printer', () => {
  it('a kernel of one point (no space loops) runs its point once: an increment adds once', () => {
    const k = new KernelBuilder('region_inc');
    const y = k.input('float32');
    const out = k.buffer('float32', 'readwrite');
    k.space();
    k.store(out, I.lit(0), E.add(out.at(I.lit(0)), y.at(I.lit(0))));
    agree(k.build(), () => [Float32Array.of(1.5), Float32Array.of(2)], []);
  });

  it('a broadcasting map over a rank-3 space with strided operands, threads sharing points mid-row', () => {
    const [A, B, C] = [3, 70, 41];
    // x read transposed.
    agree(broadcastMapKernel(), () => [filled('float32', A * B * C, (q) => Math.sin(q) * 3), filled('float32', C, (q) => q / 10), new Float32Array(A * B * C)], [A, B, C, 1, A * C, A], 1e-6);
  });

  it('unit-stride spans: a stride-0 operand splatted, rows longer than a span, and the strided loop for other strides', () => {
    const k = new KernelBuilder('axpy');
    const x = k.input('float32');
    const a = k.input('float32');
    const y = k.output('float32');
    const [rows, cols, sx0, sx1, sa0, sa1] = k.params(6);
    const [r, c] = k.space(rows!, cols!);
    k.store(y, I.add(I.mul(r!, cols!), c!), E.add(E.mul(x.at(I.strided([r!, c!], [sx0!, sx1!])), a.at(I.strided([r!, c!], [sa0!, sa1!]))), E.c(1, 'float32')));
    const kernel = k.build();
    const [R, C] = [3, 1300];
    const make = () => [filled('float32', R * C, (q) => Math.sin(q)), filled('float32', R * C, (q) => q % 7), new Float32Array(R * C)];
    agree(kernel, make, [R, C, C, 1, 0, 0]); // a scalar: stride 0 on both axes
    agree(kernel, make, [R, C, C, 1, 1, 0]); // a column: stride 0 along the row
    agree(kernel, make, [R, C, C, 1, C, 1]); // contiguous
    agree(kernel, make, [R, C, 1, R, C, 1]); // x transposed: the strided loop
    expect(kernelToC(kernel, 'k')).toMatch(/splat0\[512\]/);
  });

  it('a row softmax with its reductions hoisted, over enough rows for two threads', () => {
    agree(rowSoftmaxKernel(), () => [filled('float32', 301 * 7, (q) => Math.cos(q * 1.3) * 50), new Float32Array(301 * 7)], [301, 7], 1e-12);
  });

  it('argmax with ties and NaN, a gather whose check fails for one point, a sequential scatter, clipped windows', () => {
    agree(argReduceKernel('argmax'), () => [Float64Array.of(1, 3, 3, 0, NaN, 5, NaN, 2, NaN, -Infinity, -Infinity, -Infinity), new Int32Array(4)], [4, 3]);
    agree(gatherKernel(), () => [Float32Array.of(10, 20, 30), Int32Array.of(-1, 5, 0, 2), new Float32Array(4)], [3, 4]);
    agree(scatterAddKernel('float32'), () => [Float32Array.of(1, 2, 4, 8, 16), Int32Array.of(2, 0, 2, 2, 1), Float32Array.of(1, 1, 1)], [5]);
    agree(windowMaxKernel(), () => [filled('float32', 2000, (t) => Math.sin(t * 0.37)), new Float32Array(2000)], [2000, 3]);
  });
});
