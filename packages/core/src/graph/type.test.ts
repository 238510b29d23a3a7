import { describe, expect, it } from 'vitest';
import { FunctionGraph, HypatiaError, NDArray, TensorType, compile, shared, tensor } from '@hypatia/core';

const t = (shape: (number | null)[], dtype: 'float32' | 'float64' = 'float32') => new TensorType(dtype, shape);

describe('TensorType.mismatch, the one type-compatibility check', () => {
  it('fits when dtype and rank agree and every length both sides know is equal', () => {
    expect(t([null, 784]).mismatch(t([100, 784]))).toBeNull();
    expect(t([100, 784]).mismatch(t([null, null]))).toBeNull();
    expect(t([2, 3]).mismatch(NDArray.zeros('float32', [2, 3]))).toBeNull();
    expect(t([]).mismatch(t([]))).toBeNull();
  });

  it('says what differs: the dtype, the rank, or the first axis whose lengths disagree', () => {
    expect(t([2]).mismatch(t([2], 'float64'))).toBe('the dtype is float64, not float32');
    expect(t([2]).mismatch(t([2, 1]))).toBe('it has 2 dimensions, not 1');
    expect(t([null]).mismatch(t([]))).toBe('it has 0 dimensions, not 1');
    expect(t([null, 784]).mismatch(NDArray.zeros('float32', [5, 785]))).toBe('axis 1 has length 785, not 784');
    expect(t([2, 3]).accepts([2, 4])).toBe(false);
    expect(t([2, null]).accepts([2, 4])).toBe(true);
  });

  it('givens: a replacement whose known lengths disagree is refused at compile time, naming both types and the axis', async () => {
    const x = tensor('float32', [3], 'x');
    const y = tensor('float32', [4], 'y');
    await expect(compile({ inputs: [y], outputs: x, givens: [[x, y]] })).rejects.toThrow(
      /givens: x has type float32\[3\] but its replacement has float32\[4\]: axis 0 has length 4, not 3/,
    );
  });

  it('a shared value that does not fit, and a rewrite replacement that does not, say why', () => {
    const w = shared(NDArray.zeros('float32', [3]), { name: 'w', shape: [3] });
    expect(() => w.set(NDArray.zeros('float32', [4]))).toThrow(/value float32\[4\] does not fit the variable's type float32\[3\]: axis 0 has length 4, not 3/);
    const x = tensor('float32', [3], 'x');
    const fg = new FunctionGraph([x], [x]);
    expect(() => fg.replace(x, tensor('float32', [4], 'y'), 'test_rule')).toThrow(HypatiaError);
    expect(() => fg.replace(x, tensor('float32', [4], 'y'), 'test_rule')).toThrow(/rewrite 'test_rule' would replace float32\[3\] by float32\[4\]: axis 0/);
    fg.replace(x, tensor('float32', [null], 'z'), 'test_rule');
    expect(fg.outputs[0]!.name).toBe('z');
  });
});
