import { describe, expect, it } from 'vitest';
import { HypatiaError, NDArray, compile, ivector, matrix } from '@hypatia/core';
import { softmaxCrossentropyWithLabels, sum } from '@hypatia/ops';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';
import { replayCases } from '../testing/replay-cases.js';

const native = (replay = true) => ({ backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir(), replay } });

describe('native replay', () => {
  replayCases({
    options: native,
    oneCall: 'one native call',
    trainingDescribed: /replay: \d+ instructions in one native call, arena \d+ bytes, updates in place: w, b, w, b/,
    hostSplitDescribed: /in 2 native calls around host steps, arena \d+ bytes, updates in place: w/,
    // A borrowed value is the array the variable holds, the one an update in place writes again.
    held: (p) => p.get({ borrow: true }),
    heldClass: NDArray,
  });

  it('a loss on labels replays with the labels checked in C', async () => {
    const z = matrix('z');
    const y = ivector('y');
    const f = await compile({ inputs: [z, y], outputs: sum(softmaxCrossentropyWithLabels(z, y)), ...native() });
    const zs = NDArray.from([[1, 2, 3], [0, 0, 0]], 'float32');
    const first = await f(zs, [2, 0]);
    const again = await f(zs, [2, 0]);
    expect(again.data[0]).toBe(first.data[0]);
    await expect(f(zs, [2, 3])).rejects.toThrow(HypatiaError);
    expect((await f(zs, [-1, 0])).data[0]).toBe(first.data[0]);
  });
});
