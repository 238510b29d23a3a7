import { describe, expect, it } from 'vitest';
import {
  compile, shared, vector, Constant, NDArray, SharedVariable,
  type Backend, type DeviceValue, type Executable, type LowerSpec, type Variable,
} from '@hypatia/core';
import { add, mul } from '@hypatia/ops';
import '@hypatia/backends';

/** A value kept on a pretend device that, like a GPU, can only be read back asynchronously. */
class PretendDeviceValue implements DeviceValue {
  readonly backend = 'pretend-device';
  reads = 0;
  released = false;
  /** When set, a read waits for this before it resolves (to change the variable meanwhile). */
  gate: Promise<void> | null = null;
  constructor(readonly value: NDArray) {}
  get shape(): readonly number[] { return this.value.shape; }
  async read(): Promise<NDArray> {
    this.reads++;
    const copy = this.value.copy();
    if (this.gate) await this.gate;
    return copy;
  }
  release(): void { this.released = true; }
}

/** Runs each node's perform, reading its own device values directly; updates stay on the device. */
const pretendDevice: Backend = {
  name: 'pretend-device',
  lower(spec: LowerSpec): Executable {
    return {
      kernelCount: spec.graph.nodes.length,
      describe: () => 'pretend device',
      async run(args) {
        const values = new Map<Variable, NDArray>(spec.inputs.map((v, i) => [v, args[i]!]));
        const get = (v: Variable): NDArray => {
          const known = values.get(v);
          if (known) return known;
          if (v instanceof Constant) return v.value;
          const sv = v as SharedVariable;
          return sv.deviceValue instanceof PretendDeviceValue ? sv.deviceValue.value : sv.get({ borrow: true });
        };
        for (const node of spec.graph.nodes) {
          node.op.perform(node.inputs.map(get), node).forEach((a, i) => values.set(node.outputs[i]!, a));
        }
        const results = spec.graph.outputs.map((o) => get(o).copy());
        return { outputs: results.slice(0, spec.nOutputs), updates: results.slice(spec.nOutputs).map((a) => new PretendDeviceValue(a)) };
      },
    };
  },
};

async function onPretendDevice(initial: number[]) {
  const w = shared(NDArray.from(initial, 'float32'), 'w');
  const x = vector('x');
  const step = await compile({ inputs: [x], outputs: add(w, x), updates: [[w, mul(w, 2)]], backend: pretendDevice });
  await step([0, 0, 0]);
  return { w, x, step, device: () => w.deviceValue as PretendDeviceValue };
}

describe('shared values on another backend\'s device', () => {
  it('a function on another backend reads them back before its call, once, and keeps the device value', async () => {
    const { w, x, step, device } = await onPretendDevice([1, 2, 3]);
    expect(() => w.get()).toThrow(/the value lives on the pretend-device device; use await getAsync\(\)/);
    const dv = device();
    const onHost = await compile({ inputs: [x], outputs: mul(w, x), backend: 'reference' });
    expect(Array.from((await onHost([1, 1, 1])).data)).toEqual([2, 4, 6]);
    expect(Array.from((await onHost([2, 2, 2])).data)).toEqual([4, 8, 12]);
    expect(dv.reads).toBe(1);
    expect(w.deviceValue).toBe(dv);
    expect(dv.released).toBe(false);
    // The device's own backend reads its value in place: nothing is read back.
    await step([0, 0, 0]);
    expect(dv.reads).toBe(1);
    expect(Array.from((await onHost([1, 1, 1])).data)).toEqual([4, 8, 12]);
  });

  it('a variable only updated (not read) by a native function is read back too, since native writes updates in place', async () => {
    const { w, x } = await onPretendDevice([1, 2, 3]);
    const set = await compile({ inputs: [x], outputs: [], updates: [[w, mul(x, 2)]], backend: 'native' });
    await set([7, 8, 9]);
    expect(Array.from(w.get().data)).toEqual([14, 16, 18]);
    expect(w.deviceValue).toBeNull();
  });

  it('set() replaces a device value without reading it, and the shape is known without reading it', async () => {
    const { w, x, step, device } = await onPretendDevice([1, 2, 3]);
    const dv = device();
    expect(w.valueShape).toEqual([3]);
    w.set(NDArray.from([5, 5, 5], 'float32'));
    expect([dv.reads, dv.released, w.deviceValue]).toEqual([0, true, null]);
    expect(Array.from((await step([1, 1, 1])).data)).toEqual([6, 6, 6]);
    const onHost = await compile({ inputs: [x], outputs: add(w, x), backend: 'reference' });
    expect(Array.from((await onHost([0, 0, 0])).data)).toEqual([10, 10, 10]);
  });

  it('a value that changes while it is being read back is returned as it was, not kept as the host copy', async () => {
    const { w, step, device } = await onPretendDevice([1, 2, 3]);
    let open!: () => void;
    device().gate = new Promise((r) => { open = r; });
    const reading = w.getAsync();
    await step([0, 0, 0]);
    open();
    expect(Array.from((await reading).data)).toEqual([2, 4, 6]);
    expect(w.hostValue).toBeNull();
    expect(Array.from((await w.getAsync()).data)).toEqual([4, 8, 12]);
  });
});
