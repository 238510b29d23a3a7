import { describe, expect, it } from 'vitest';
import { E } from './builder.js';
import { exprKey } from './key.js';

describe('exprKey', () => {
  it('tells a constant -0 from 0 (x / -0 is -Infinity, x / 0 Infinity), and an int32 has only one zero', () => {
    expect(exprKey(E.c(-0, 'float32'))).not.toBe(exprKey(E.c(0, 'float32')));
    expect(exprKey(E.c(-0, 'float64'))).not.toBe(exprKey(E.c(0, 'float64')));
    expect(exprKey(E.c(-0, 'int32'))).toBe(exprKey(E.c(0, 'int32')));
  });
});
