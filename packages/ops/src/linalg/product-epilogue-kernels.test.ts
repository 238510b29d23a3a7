import { describe, expect, it } from 'vitest';
import { NDArray, S, input, mulberry32, runProgramJS, sconst, tensor, type Apply, type Dim, type DType, type Op, type ScalarExpr, type Variable } from '@hypatia/core';
import { kernelsAgainstPerform } from '../testing/kernel-checks.js';
import { Dot } from './dot.js';
import { MatMul } from './matmul.js';
import { ProductEpilogue } from './product-epilogue.js';
import { conv2d } from '../nnet/conv2d.js';

function values(shape: readonly number[], dtype: DType, seed: number): NDArray {
  const r = mulberry32(seed);
  const a = NDArray.zeros(dtype, shape);
  for (let i = 0; i < a.size; i++) a.data[i] = dtype === 'int32' ? Math.floor(r() * 2 ** 32) - 2 ** 31 : r() * 4 - 2;
  return a;
}

/** The node's kernels (JavaScript printer) against its perform, bit for bit. */
function expectKernelsMatchPerform(v: Variable, args: readonly NDArray[]): void {
  expect(kernelsAgainstPerform(v, args).diff).toBeNull();
}

const open = (d: DType, shape: readonly number[], name: string) => tensor(d, shape.map((n): Dim => (n === 1 ? 1 : null)), name);
/** sigmoid($0 + $1) and $0 · tanh($1) (the product second). */
const sigmoidOfSum = (d: DType): ScalarExpr => S.div(sconst(1, d), S.add(sconst(1, d), S.exp(S.neg(S.add(input(0, d), input(1, d))))));
const scaledTanh = (d: DType): ScalarExpr => S.mul(input(0, d), S.tanh(input(1, d)));

function epilogue(op: Op, d: DType, formula: ScalarExpr, at: number, shapes: number[][], seed: number): void {
  const vars = shapes.map((s, i) => open(d, s, `v${i}`));
  const y = new ProductEpilogue(op, 2, formula, shapes.slice(1).map(() => d), at, ['fused']).call(...vars);
  expectKernelsMatchPerform(y, shapes.map((s, i) => values(s, d, seed + i)));
}

describe('product epilogue kernels agree with perform bit for bit', () => {
  for (const d of ['float32', 'float64'] as DType[]) {
    it(`dot, matmul and conv2d products, the product as either formula input, broadcast operands, ${d}`, () => {
      epilogue(new Dot(), d, sigmoidOfSum(d), 0, [[3, 7], [7, 4], [4]], 1);
      epilogue(new Dot(false, true), d, sigmoidOfSum(d), 0, [[7], [4, 7], [1]], 2);
      epilogue(new Dot(true, false), d, scaledTanh(d), 1, [[7, 3], [7], [3]], 3);
      epilogue(new MatMul(false, true), d, scaledTanh(d), 1, [[2, 3, 4], [2, 5, 4], [2, 1, 5]], 4);
      epilogue(new MatMul(true, false), d, sigmoidOfSum(d), 0, [[2, 1, 4, 3], [3, 4, 5], [3, 1]], 5);
      const conv = conv2d(open(d, [2, 3, 5, 4], 'x'), open(d, [4, 3, 3, 3], 'w'), { padding: 'same', stride: [2, 1] }).owner!.op;
      epilogue(conv, d, sigmoidOfSum(d), 0, [[2, 3, 5, 4], [4, 3, 3, 3], [1, 4, 1, 1]], 6);
    });
  }

  it('int32 products wrap as perform\'s, then the formula', () => {
    epilogue(new Dot(), 'int32', S.add(input(0, 'int32'), input(1, 'int32')), 0, [[3, 9], [9, 2], [2]], 7);
  });
});

describe('product epilogue plans make perform\'s checks', () => {
  /** perform raises `message`; the plan raises perform's very error. */
  const check = (y: Variable, args: NDArray[], message: RegExp) => {
    const node = y.owner as Apply;
    let fromPerform = '';
    try { node.op.perform(args, node); } catch (e) { fromPerform = (e as Error).message; }
    expect(fromPerform).toMatch(message);
    expect(() => runProgramJS(node, node.op.kernels!(node)!, args)).toThrow(fromPerform);
  };
  const fused = (extra: Dim[], rows: Dim = null) => new ProductEpilogue(new Dot(), 2, sigmoidOfSum('float64'), ['float64', 'float64'], 0, ['add', 'sigmoid'])
    .call(tensor('float64', [rows, null], 'x'), tensor('float64', [null, null], 'w'), tensor('float64', extra, 'b'));

  it('the product\'s own inner lengths', () => {
    check(fused([null]), [NDArray.zeros('float64', [2, 3]), NDArray.zeros('float64', [4, 5]), NDArray.zeros('float64', [5])], /dot: at run time, inner dimensions do not match/);
  });

  it('an epilogue operand that does not broadcast with the product, or broadcasts it larger', () => {
    check(fused([null]), [NDArray.zeros('float64', [2, 3]), NDArray.zeros('float64', [3, 5]), NDArray.zeros('float64', [4])], /product_epilogue: at run time: shapes/);
    // A product row declared length 1 stretches to the operand's 4 rows.
    check(fused([null, null], 1), [NDArray.zeros('float64', [1, 3]), NDArray.zeros('float64', [3, 5]), NDArray.zeros('float64', [4, 5])], /product_epilogue: at run time the epilogue operands broadcast the product's \[1, 5\] to \[4, 5\]/);
  });
});
