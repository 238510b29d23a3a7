import { describe, expect, it } from 'vitest';
import { Elemwise, Op, toposort } from '@hypatia/core';
import { AvgPool2d, Conv2d, MaxPool2d, Sum } from '../index.js';
import { resolveConvOptions, resolvePoolOptions } from '../backend.js';
import { OP_TABLE } from './op-table.js';

/** One op of each class the op table builds. */
function tableOps(): Map<Function, Op> {
  const found = new Map<Function, Op>();
  for (const c of OP_TABLE) {
    for (const node of toposort(c.build().outputs)) if (!found.has(node.op.constructor)) found.set(node.op.constructor, node.op);
  }
  return found;
}

describe("built-in ops declare their parameters in static props", () => {
  for (const [cls, op] of tableOps()) {
    if (op instanceof Elemwise) continue; // parameters come with each elementwise op's spec
    it(`${cls.name}: every listed parameter is a field with a value`, () => {
      const names = (cls as typeof Op).props;
      const props = op.props();
      expect(Object.keys(props)).toEqual([...names]);
      for (const name of names) expect(props[name], `${cls.name}.${name}`).not.toBeUndefined();
    });
  }

  it('parameters read from a params object (conv and pool geometry) tell instances apart', () => {
    const pool = (o: object) => resolvePoolOptions({ window: [2, 2], ...o }, 'test');
    expect(new MaxPool2d(pool({})).key()).toBe(new MaxPool2d(pool({})).key());
    expect(new MaxPool2d(pool({ stride: [1, 1] })).key()).not.toBe(new MaxPool2d(pool({})).key());
    expect(new AvgPool2d({ ...pool({}), includePad: true }).key()).not.toBe(new AvgPool2d({ ...pool({}), includePad: false }).key());
    expect(new AvgPool2d({ ...pool({}), includePad: true }).toString()).toBe('avg_pool2d{window=[2,2], stride=[2,2], ignoreBorder=true, padding=[0,0], includePad=true}');
    expect(new Conv2d(resolveConvOptions({ padding: 'same' }, 'test')).key()).not.toBe(new Conv2d(resolveConvOptions({}, 'test')).key());
    expect(new Sum([1], false).toString()).toBe('sum{axes=[1], keepdims=false}');
  });
});
