import { describe, expect, it } from 'vitest';
import { HypatiaError, compile, vector, type Backend } from '@hypatia/core';
import { mul } from '@hypatia/ops';
import '@hypatia/backends';

const compileWith = (backend: string | Backend, backendOptions: Record<string, unknown>) => {
  const x = vector('x');
  return compile({ inputs: [x], outputs: mul(x, 2), backend, backendOptions, name: 'double' });
};

describe('backendOptions', () => {
  it('a misspelt key is an error naming the function, the backend, the key, the nearest valid key and all of them', async () => {
    for (const backend of ['cpu', 'native']) {
      const e = await compileWith(backend, { thredas: 2 }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(HypatiaError);
      expect((e as Error).message).toBe(
        `double: backend '${backend}' has no option 'thredas' (did you mean 'threads'?) in backendOptions; its options are cc, flags, cacheDir, threads, buildJobs, replay`,
      );
    }
    // Checked before any device is asked for, so this needs no GPU.
    await expect(compileWith('webgpu', { inplace: false, indexCheck: 'every-call' })).rejects.toThrow(
      "backend 'webgpu' has no option 'inplace' (did you mean 'inPlace'?), 'indexCheck' (did you mean 'indexChecks'?) in backendOptions; its options are hostMirrorEvery, inPlace, indexChecks",
    );
  });

  it('the reference backend takes none; a key near nothing gets no suggestion', async () => {
    await expect(compileWith('reference', { threads: 2 })).rejects.toThrow("backend 'reference' has no option 'threads' in backendOptions; it takes none");
    await expect(compileWith('cpu', { verbose: true })).rejects.toThrow(/has no option 'verbose' in backendOptions; its options are/);
  });

  it('valid keys pass, and a backend that declares no option names is not checked', async () => {
    const f = await compileWith('reference', {});
    expect(Array.from((await f([1, 2])).data)).toEqual([2, 4]);
    const own: Backend = { name: 'own', lower: (spec) => ({ run: async () => ({ outputs: [], updates: [] }), describe: () => spec.name, kernelCount: 0 }) };
    await expect(compileWith(own, { anything: 1 })).resolves.toBeTypeOf('function');
  });
});
