import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { network3Training } from '../testing/network3-training.js';
import { linearMemory } from './linear-memory.js';
import { WasmBackend } from './wasm-backend.js';
import { ThreadPool, threadPoolFor, type WorkerLike } from './wasm-threads.js';

/** network3's SGD step (mini-batch 4) on `threads` threads. */
const training = (threads: number) => network3Training({ backend: new WasmBackend(), backendOptions: { threads } }, { mb: 4, hidden: 30 });

describe('wasm backend: worker threads', () => {
  // Every launch that can be shared is (the thresholds are for speed, not correctness).
  beforeAll(() => {
    process.env.HYPATIA_WASM_PAR_MIN = '1';
  });
  afterAll(() => {
    delete process.env.HYPATIA_WASM_PAR_MIN;
  });

  it('a training step with its launches shared between two threads is bit-identical to one thread, replayed and not', async () => {
    const pool = (await threadPoolFor(linearMemory(), 2))!;
    const two = await training(2);
    const one = await training(1);
    const forks = pool.forks;
    for (let step = 0; step < 6; step++) {
      expect(Array.from((await two.f(step % 5)).data)).toEqual(Array.from((await one.f(step % 5)).data));
      one.params.forEach((p, k) => expect(Array.from(two.params[k]!.get().data)).toEqual(Array.from(p.get().data)));
    }
    expect(pool.threads).toBeGreaterThanOrEqual(2);
    // Each call shares its elementwise, loss and sum launches: several forks a step, on the JS path and replayed.
    expect(pool.forks - forks).toBeGreaterThan(6 * 5);
  });

  it("a failed check in a worker's share raises the op's error and changes no shared variable", async () => {
    const { f, params, ty } = await training(2);
    await f(0);
    await f(1);
    const before = params.map((p) => Array.from(p.get().data));
    const labels = ty.get();
    // Row 3 of mini-batch 2: the second share, a worker's.
    labels.data[11] = 12;
    ty.set(labels);
    await expect(f(2)).rejects.toThrow(/label 12 at row 3 is out of range for 10 classes/);
    params.forEach((p, k) => expect(Array.from(p.get().data)).toEqual(before[k]));
  });

  it('a worker that cannot start fails the start of its pool instead of leaving it waiting', async () => {
    const broken = (): WorkerLike => {
      let fail: (e: Error) => void = () => {};
      return {
        postMessage: () => queueMicrotask(() => fail(new Error('blocked by the content security policy'))),
        onMessage: (_f, onFail) => { fail = onFail; },
      };
    };
    await expect(ThreadPool.start(linearMemory(), 3, broken)).rejects.toThrow(/blocked by the content security policy/);
  });

  it('threads: 1 starts no pool; a process whose workers wait for work still ends', () => {
    return threadPoolFor(linearMemory(), 1).then((none) => {
      expect(none).toBeNull();
      const dir = fileURLToPath(new URL('.', import.meta.url));
      const script = `
        import { threadPoolFor } from '${new URL('./wasm-threads.ts', import.meta.url).href}';
        import { linearMemory } from '${new URL('./linear-memory.ts', import.meta.url).href}';
        const pool = await threadPoolFor(linearMemory(), 2);
        console.log(pool.threads);`;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: dir, timeout: 30_000, encoding: 'utf8' });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      expect(child.stdout.trim()).toBe('2');
    });
  });
});
