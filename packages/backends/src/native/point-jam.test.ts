import { describe, expect, it } from 'vitest';
import { E, I, KernelBuilder, NDArray, compile, evaluate, mulberry32, tensor, type LStmt } from '@hypatia/core';
import { argmax, max, sum } from '@hypatia/ops';
import { kernelToC } from './c-printer.js';
import { NativeBackend } from './native-backend.js';
import { jamPoints } from './point-jam.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/** A sum per channel of a [n, c, hw] tensor: the reduction loops of a conv layer's bias gradient. */
function channelSumKernel() {
  const k = new KernelBuilder('channel_sum');
  const x = k.input('float32');
  const y = k.output('float32');
  const [n, c, hw] = k.params(3);
  const [ch] = k.space(c!);
  k.store(y, ch!, E.cast(k.reduce('sum', [n!, hw!], ([b, q]) => E.cast(x.at(I.add(I.mul(I.add(I.mul(b!, c!), ch!), hw!), q!)), 'float64')), 'float32'));
  return k.build();
}

describe('points that loop run side by side', () => {
  it('a reduction per output is printed as four interleaved folds, each with its own accumulator, then the leftover points one by one', () => {
    const c = kernelToC(channelSumKernel(), 'hyp_k');
    expect(c).toMatch(/for \(; v0 \+ 4 <= e0; v0 \+= 4\)/);
    expect(c).toMatch(/for \(; v0 < e0; v0\+\+\)/);
    const accumulators = [...c.matchAll(/double (t\d+) = \(\(double\)0\.0\);/g)].map((m) => m[1]);
    expect(new Set(accumulators).size).toBe(4);
    expect(c).toContain('(v0 + 3LL)');
  });

  it('declines a point without a loop and a loop whose bounds move with the point (a clipped window)', () => {
    const store: LStmt = { k: 'store', buf: 0, at: { k: 'var', v: 0 }, value: { k: 'const', v: 1, dtype: 'float32' } };
    expect(jamPoints([store], 0, 4, 0)).toBeNull();
    const clipped: LStmt = { k: 'for', v: 1, lo: { k: 'var', v: 0 }, hi: { k: 'lit', v: 9 }, body: [store] };
    expect(jamPoints([clipped], 0, 4, 0)).toBeNull();
    const fixed: LStmt = { k: 'for', v: 1, lo: { k: 'lit', v: 0 }, hi: { k: 'param', p: 0 }, body: [store] };
    const jammed = jamPoints([fixed], 0, 4, 0)!;
    expect(jammed).toHaveLength(1);
    expect((jammed[0] as Extract<LStmt, { k: 'for' }>).body).toHaveLength(4);
  });

  it('gives the reference bits: sums over kept middle axes, max, argmax with ties and NaN, on one thread and shared between two', async () => {
    const r = mulberry32(7);
    const fill = (shape: number[]) => { const a = NDArray.zeros('float32', shape); for (let i = 0; i < a.size; i++) a.data[i] = (r() - 0.5) * 10 ** Math.floor(r() * 6 - 3); return a; };
    const x4 = tensor('float32', [null, null, null, null], 'x4');
    const x2 = tensor('float32', [null, null], 'x2');
    const outputs = [sum(x4, [0, 2, 3]), sum(x2, 1), max(x2, 1), argmax(x2, 1)];
    const fn = await compile({ inputs: [x4, x2], outputs, backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir(), threads: 2 } });
    // 7 channels (a group of 4 and 3 left over); 1031 rows start threads that split mid-group.
    for (const [s4, s2] of [[[3, 7, 5, 6], [9, 13]], [[2, 4, 1, 3], [1031, 5]]] as [number[], number[]][]) {
      const a4 = fill(s4);
      const a2 = fill(s2);
      for (let i = 0; i < s2[0]!; i += 3) a2.data[i * s2[1]! + 1] = a2.data[i * s2[1]!]!; // ties
      a2.data[2] = NaN;
      const want = evaluate(outputs, new Map([[x4, a4], [x2, a2]]));
      const got = await fn(a4, a2);
      want.forEach((w, i) => expect(Array.from(got[i]!.data), `output ${i} at [${s4}], [${s2}]`).toEqual(Array.from(w.data)));
    }
  });
});
