import { describe, expect, it } from 'vitest';
import { NDArray, compile, fscalar, tensor, type SharedVariable, type Variable } from '@hypatia/core';
import { RandomStreams } from '@hypatia/ops';
import { ReferenceBackend } from '../reference/reference-backend.js';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';

/**
 * The random ops on the native backend draw exactly the reference's numbers: every bit of every
 * sample and of every advanced state, over several calls of which all but the first are replays
 * (so the state advances in C, with no JS between the draws).
 */

/** int32 view of a uint32 word. */
const word = (u: number): number => u | 0;

interface Draws { inputs: Variable[]; outputs: Variable[]; states: SharedVariable[] }

/**
 * Every distribution and dtype, static and run-time (`like`) shapes, binomial with n from 1 to 9
 * (up to three Philox blocks per element) and p from an input, one sample large enough to split
 * over threads, and streams that start just short of the counter's 2^32 carry (one with the high
 * word about to wrap as well).
 */
function draws(): Draws {
  const x = tensor('float32', [null, null], 'x');
  const p = fscalar('p');
  const outputs: Variable[] = [];
  const states: SharedVariable[] = [];
  const stream = (seed: number, start?: [number, number]) => {
    const rs = new RandomStreams(seed);
    return {
      rs,
      take(v: Variable) {
        const state = rs.stateOf(v);
        if (start) {
          const [k0, k1] = state.get().data;
          state.set(new NDArray('int32', [4], Int32Array.of(k0!, k1!, word(start[0]), word(start[1]))));
        }
        outputs.push(v);
        states.push(state);
      },
    };
  };
  let s = stream(1);
  s.take(s.rs.uniform({ size: [5, 7] }));
  s = stream(2, [0xfffffff0, 3]);
  s.take(s.rs.uniform({ size: [13], dtype: 'float64' }));
  s = stream(3);
  s.take(s.rs.normal({ size: [150, 100] }));
  s = stream(4, [0xfffffffa, 0xffffffff]);
  s.take(s.rs.normal({ size: [4, 3], dtype: 'float64' }));
  s = stream(5);
  s.take(s.rs.normal({ size: x }));
  s = stream(6);
  s.take(s.rs.binomial({ size: x, p: 0.7, dtype: 'float32' }));
  s = stream(7);
  s.take(s.rs.binomial({ size: [6, 2], p: 0.5, dtype: 'bool' }));
  s = stream(8, [0xfffffffe, 7]);
  s.take(s.rs.binomial({ size: [9], n: 6, p: 0.35 }));
  s = stream(9);
  s.take(s.rs.binomial({ size: x, n: 9, p, dtype: 'float64' }));
  s = stream(10);
  s.take(s.rs.uniform({ size: [0, 3] }));
  return { inputs: [x, p], outputs, states };
}

/** The call's arguments: x keeps its shape (so later calls replay), p changes, through 0 and 1. */
function args(call: number): NDArray[] {
  return [NDArray.zeros('float32', [4, 5]), NDArray.from([0.3, 0, 1, 0.75][call % 4]!, 'float32')];
}

/** Where two arrays' bytes first differ, or null when every bit agrees. */
function firstDifference(want: NDArray, got: NDArray): string | null {
  if (want.dtype !== got.dtype || want.shape.join() !== got.shape.join()) return `${got.dtype}[${got.shape}] vs ${want.dtype}[${want.shape}]`;
  const a = new Uint8Array(want.data.buffer, want.data.byteOffset, want.data.byteLength);
  const b = new Uint8Array(got.data.buffer, got.data.byteOffset, got.data.byteLength);
  const at = a.findIndex((v, i) => v !== b[i]);
  if (at < 0) return null;
  const i = Math.floor(at / want.data.BYTES_PER_ELEMENT);
  return `element ${i}: ${got.data[i]} vs ${want.data[i]}`;
}

async function compiled(native: boolean, build: () => Draws = draws) {
  const g = build();
  const fn = await compile({
    inputs: g.inputs, outputs: g.outputs,
    ...(native ? { backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } } : { backend: new ReferenceBackend() }),
  });
  return { ...g, fn };
}

describe('random ops on the native backend', () => {
  it('draw every bit as the reference does, and replays advance the state in C', async () => {
    const ref = await compiled(false);
    const nat = await compiled(true);
    expect(nat.fn.executable.hostOps).toEqual([]);
    for (let call = 0; call < 4; call++) {
      const want = await ref.fn(...args(call));
      const got = await nat.fn(...args(call));
      want.forEach((w, k) => expect(firstDifference(w, got[k]!), `call ${call}, sample ${k}`).toBeNull());
      ref.states.forEach((s, k) => expect(firstDifference(s.get(), nat.states[k]!.get()), `call ${call}, state ${k}`).toBeNull());
    }
    expect((nat.fn.executable as unknown as { stats: object }).stats).toMatchObject({ replayed: 3, recorded: 1, checksFailed: 0 });
    expect(nat.fn.executable.describe()).toMatch(/replay: \d+ instructions in one native call/);
    // The carries happened: the streams that started near 2^32 moved into the next high word.
    expect(Array.from(nat.states[1]!.get().data.slice(2))).toEqual([word(0xfffffff0 + 4 * 13), 4]);
    expect(Array.from(nat.states[3]!.get().data.slice(2))).toEqual([word(0xfffffffa + 4 * 12), 0]);
  });

  it('a like-shaped draw on a new shape records a new plan and goes on with the same stream', async () => {
    const ref = await compiled(false);
    const nat = await compiled(true);
    for (const rows of [4, 4, 2, 2, 4]) {
      const a = [NDArray.zeros('float32', [rows, 3]), NDArray.from(0.5, 'float32')];
      const want = await ref.fn(...a);
      const got = await nat.fn(...a);
      want.forEach((w, k) => expect(firstDifference(w, got[k]!), `rows ${rows}, sample ${k}`).toBeNull());
      ref.states.forEach((s, k) => expect(firstDifference(s.get(), nat.states[k]!.get()), `rows ${rows}, state ${k}`).toBeNull());
    }
    expect((nat.fn.executable as unknown as { stats: object }).stats).toMatchObject({ replayed: 3, recorded: 2 });
  });

  it('a draw whose advanced state the function drops (its buffer recycled) draws the same numbers every call', async () => {
    const build = (): Draws => {
      const rs = new RandomStreams(11);
      const u = rs.normal({ size: [3, 4], dtype: 'float64' });
      const b = rs.binomial({ size: [2, 6], n: 3, p: 0.4 });
      return { inputs: [], outputs: [u, b], states: [...rs.states] };
    };
    const run = async (native: boolean) => {
      const { outputs, states } = build();
      // Updating each state to itself leaves the random ops' new states unused.
      const fn = await compile({
        inputs: [], outputs, updates: states.map((s) => [s, s] as const),
        ...(native ? { backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir() } } : { backend: new ReferenceBackend() }),
      });
      const calls: NDArray[][] = [];
      for (let call = 0; call < 3; call++) calls.push(await fn());
      return { calls, fn };
    };
    const want = await run(false);
    const got = await run(true);
    got.calls.forEach((outs, call) => outs.forEach((o, k) => {
      expect(firstDifference(want.calls[call]![k]!, o), `call ${call}, sample ${k}`).toBeNull();
      expect(firstDifference(got.calls[0]![k]!, o), `call ${call} repeats call 0, sample ${k}`).toBeNull();
    }));
    expect((got.fn.executable as unknown as { stats: object }).stats).toMatchObject({ replayed: 2, recorded: 1 });
  });
});
