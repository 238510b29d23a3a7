import { describe, expect, it } from 'vitest';
import { call, formulaKey, input, sconst, type ScalarFn } from './expr.js';
import { JS_HELPERS, elementwiseKernel, scalarToJS, type ElementwiseKernel } from './js.js';

/** A primitive of two int32 operands as a JS function, printed by the table under test. */
function compiled(f: ScalarFn): (a: number, b: number) => number {
  const body = scalarToJS(call(f, [input(0, 'int32'), input(1, 'int32')]), (i) => (i === 0 ? 'a' : 'b'));
  return new Function(`${JS_HELPERS}\nreturn (a, b) => ${body};`)() as (a: number, b: number) => number;
}

const u64 = (x: number) => BigInt(x >>> 0);
const asInt32 = (x: bigint) => Number(BigInt.asIntN(32, x));

/** The bit primitives on uint32 words held as int32, by BigInt arithmetic. */
const REFERENCE: Partial<Record<ScalarFn, (a: number, b: number) => number>> = {
  bitand: (a, b) => asInt32(u64(a) & u64(b)),
  bitor: (a, b) => asInt32(u64(a) | u64(b)),
  bitxor: (a, b) => asInt32(u64(a) ^ u64(b)),
  shl: (a, b) => asInt32(u64(a) << BigInt(b & 31)),
  shru: (a, b) => asInt32(u64(a) >> BigInt(b & 31)),
  mulhi_u32: (a, b) => asInt32((u64(a) * u64(b)) >> 32n),
};

// Words with high bits set, the Philox multipliers and key bumps, the int32 extremes; shift amounts past 31 and negative.
const WORDS = [0, 1, -1, 2, 0x7fffffff, -0x80000000, 0xd2511f53 | 0, 0xcd9e8d57 | 0, 0x9e3779b9 | 0, 0xbb67ae85 | 0, 65535, 65536, -65536, 0x12345678, 8, 31, 32, 33, -5];

describe('the JS table of the int32 bit primitives', () => {
  for (const [f, ref] of Object.entries(REFERENCE) as [ScalarFn, (a: number, b: number) => number][]) {
    it(`${f} agrees with 64-bit integer arithmetic on every pair of edge words`, () => {
      const g = compiled(f);
      for (const a of WORDS) for (const b of WORDS) expect(g(a, b), `${f}(${a}, ${b})`).toBe(ref(a, b));
    });
  }

  it('their results are int32 whatever the operands, which are made int32 first', () => {
    expect(call('bitxor', [input(0, 'float32'), input(1, 'bool')]).dtype).toBe('int32');
    const mixed = call('mulhi_u32', [input(0, 'float64'), input(1, 'int32')]);
    expect(mixed.k === 'call' && mixed.args.map((a) => a.dtype)).toEqual(['int32', 'int32']);
  });
});

describe('elementwiseKernel', () => {
  const run = (k: ElementwiseKernel, ins: Float64Array[]) => {
    const out = new Float64Array(3);
    k(ins, ins.map(() => [1]), out, [3]);
    return Array.from(out);
  };

  it('compiles a formula once per operand count: one that ignores an operand still reads only the operands it is given', () => {
    const twice = call('mul', [input(0, 'float64'), sconst(2, 'float64')]);
    const x = new Float64Array([1, 2, 3]);
    // $0·2 over [x, y] (y only giving the shape, as a fused second(y, ·) leaves it), then over [x] alone.
    expect(run(elementwiseKernel(twice, 2), [x, new Float64Array(3)])).toEqual([2, 4, 6]);
    expect(run(elementwiseKernel(twice, 1), [x])).toEqual([2, 4, 6]);
    const constant = sconst(-0.75, 'float64');
    expect(run(elementwiseKernel(constant, 1), [x])).toEqual([-0.75, -0.75, -0.75]);
    expect(run(elementwiseKernel(constant, 0), [])).toEqual([-0.75, -0.75, -0.75]);
  });

  it('returns the compiled kernel again for an equal formula over as many operands', () => {
    const f = () => call('exp', [call('add', [input(0, 'float32'), input(1, 'float32')])]);
    expect(elementwiseKernel(f(), 2)).toBe(elementwiseKernel(f(), 2));
    expect(elementwiseKernel(f(), 3)).not.toBe(elementwiseKernel(f(), 2));
  });

  it('keeps the sign of a zero constant: x / -0 and x / 0 are different formulas and kernels', () => {
    const over = (zero: number) => call('div', [input(0, 'float64'), sconst(zero, 'float64')]);
    expect(formulaKey(over(-0))).not.toBe(formulaKey(over(0)));
    const x = new Float64Array([1, -2, 0.5]);
    expect(run(elementwiseKernel(over(-0), 1), [x])).toEqual([-Infinity, Infinity, -Infinity]);
    expect(run(elementwiseKernel(over(0), 1), [x])).toEqual([Infinity, -Infinity, Infinity]);
    // An int32 has no -0: truncating -0.5 gives 0, whose cast to float is +0.
    expect(Object.is(sconst(-0.5, 'int32').v, 0)).toBe(true);
  });
});
