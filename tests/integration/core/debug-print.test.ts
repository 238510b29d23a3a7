import { describe, expect, it } from 'vitest';
import { compile, debugPrint, dmatrix } from '@hypatia/core';
import { add, exp, mul, sum, tanh } from '@hypatia/ops';
import '@hypatia/backends';

describe('debugPrint', () => {
  it('prints a variable, a list of variables, and a compiled function with its fused kernels', async () => {
    const x = dmatrix('x');
    const y = tanh(add(mul(x, 2), exp(x)));
    const one = debugPrint(y);
    expect(one.split('\n')[0]).toMatch(/^tanh \[id A\] float64\[\?, \?\]/);
    expect(one).toContain('x [Input] float64[?, ?]');
    const many = debugPrint([y, sum(y)]);
    expect(many).toContain('sum{');
    expect(many).toContain('(see above)');
    const f = await compile({ inputs: [x], outputs: [y], backend: 'reference' });
    const text = debugPrint(f);
    expect(text).toMatch(/composite\{(mul|exp),(mul|exp),add,tanh\} \[id A\]/);
    expect(text).toContain('reference backend, 1 kernel(s)');
    expect(text).toMatch(/fused kernels:\n {2}composite\{.*\} = tanh\(add\(mul\(\$0, 2\), exp\(\$0\)\)\)/);
  });
});
