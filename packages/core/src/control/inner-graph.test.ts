import { describe, expect, it } from 'vitest';
import { NDArray } from '../ndarray.js';
import { TensorType } from '../graph/type.js';
import { Constant, SharedVariable, Variable } from '../graph/variable.js';
import { gradientSumOp } from '../grad-ops.js';
import { InnerGraph, closeOver } from './inner-graph.js';

const f64 = (shape: (number | null)[] = []) => new TensorType('float64', shape);
const add = (a: Variable, b: Variable) => gradientSumOp.call(a, b);
const constant = (v: number) => new Constant(NDArray.from(v, 'float64'));

describe('inner graphs', () => {
  it('closeOver: what was built before the function ran, and every shared variable, becomes an input; constants stay', () => {
    const outerInput = new Variable(f64(), null, 0, 'a');
    const outerValue = add(outerInput, outerInput);
    const weights = new SharedVariable(NDArray.from(2, 'float64'), f64(), 'w');
    const placeholder = new Variable(f64(), null, 0, 'x_t');
    const marker = placeholder.id;
    const body = add(add(placeholder, outerValue), add(weights, constant(1)));
    const closed = closeOver('loop', [placeholder], [body], marker);
    // In creation order.
    expect(closed.free[0]).toBe(outerValue);
    expect(closed.free[1]).toBe(weights);
    expect(closed.inputs[0]).toBe(placeholder);
    expect(closed.inputs.slice(1).map((v) => v.name)).toEqual([undefined, 'w']);
    const g = new InnerGraph(closed.inputs, closed.outputs);
    // Only the body's own nodes are inside: outerValue's add stayed outside.
    expect(g.nodes).toHaveLength(4 - 1);
    const [out] = g.evaluate([NDArray.from(1, 'float64'), NDArray.from(10, 'float64'), NDArray.from(2, 'float64')]);
    expect(out!.item()).toBe(14);
  });

  it('closeOver refuses a free variable the function made itself, naming the owner', () => {
    const placeholder = new Variable(f64(), null, 0, 'x_t');
    const stray = new Variable(f64(), null, 0, 'stray');
    expect(() => closeOver('scan', [placeholder], [add(placeholder, stray)], placeholder.id)).toThrow(/scan: the function built a free variable stray/);
  });

  it('keys are equal for the same computation, and differ by constant values and structure', () => {
    const make = (c: number, twice = false) => {
      const x = new Variable(f64([3]), null, 0, 'x');
      const y = add(x, new Constant(NDArray.from([c, c, c], 'float64')));
      return new InnerGraph([x], [twice ? add(y, y) : y]);
    };
    expect(make(1).key()).toBe(make(1).key());
    expect(make(1).key()).not.toBe(make(2).key());
    expect(make(1).key()).not.toBe(make(1, true).key());
  });

  it('an inner graph may read only its inputs and constants', () => {
    const x = new Variable(f64(), null, 0, 'x');
    const outside = new Variable(f64(), null, 0, 'outside');
    expect(() => new InnerGraph([x], [add(x, outside)], 'loop')).toThrow(/loop: its inner graph reads outside/);
    const g = new InnerGraph([x], [x, constant(3)]);
    expect(g.evaluate([NDArray.from(5, 'float64')]).map((a) => a.item())).toEqual([5, 3]);
    const copy = g.copy();
    expect(copy.inputs[0]).not.toBe(x);
    expect(copy.outputs[0]).toBe(copy.inputs[0]);
  });
});
