import { Composite, ElemwiseSum, S, input, sconst, tensor, type DType, type Dim, type Op, type ScalarExpr, type Variable } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { EDGES, randomArray, withEdges } from './elementwise.js';
import { Dot } from '../../linalg/dot.js';
import { MatMul } from '../../linalg/matmul.js';
import { ProductEpilogue } from '../../linalg/product-epilogue.js';
import { conv2d } from '../../nnet/conv2d.js';

/**
 * The ops the fusion rewrites create (Composite, ElemwiseSum, ProductEpilogue), built directly, so
 * every backend runs them from the table whether or not its own rewrites would have made them.
 */

const $ = input;

/** x > b ? x * exp(-b) : log1p(x * x), with b broadcast along the rows. */
function selectFormula(d: DType): ScalarExpr {
  const [x, b] = [$(0, d), $(1, d)];
  return S.select(S.gt(x, b), S.mul(x, S.exp(S.neg(b))), S.log1p(S.mul(x, x)));
}

/** c ? float(i) * y : y - 1.5, over int32, bool and float operands. */
function mixedFormula(d: DType): ScalarExpr {
  const [i, c, y] = [$(0, 'int32'), $(1, 'bool'), $(2, d)];
  return S.select(c, S.mul(S.cast(i, d), y), S.sub(y, sconst(1.5, d)));
}

const composite = (name: string, d: DType, formula: ScalarExpr, ins: [DType, Dim[], number[]][], fused: string[], edges = false): OpCase => ({
  name: `composite/${name}/${d}`,
  build: () => {
    const vars = ins.map(([dt, shape], i) => tensor(dt, shape, `x${i}`));
    return { inputs: vars, outputs: [new Composite(formula, ins.map(([dt]) => dt), fused).call(...vars)] };
  },
  args: () => ins.map(([dt, , shape], i) => {
    const a = randomArray(shape, dt, 30 + i, dt === 'int32' ? -5 : -2, dt === 'int32' ? 5 : 2);
    return edges && i === 0 ? withEdges(a, EDGES) : a;
  }),
  skip: skipFloat64(d),
});

const elemwiseSum = (name: string, formula: ScalarExpr, ins: [DType, Dim[], number[]][], axes: number[], keepdims: boolean): OpCase => ({
  name: `elemwise_sum/${name}/axes=[${axes}]${keepdims ? '/keepdims' : ''}`,
  build: () => {
    const vars = ins.map(([dt, shape], i) => tensor(dt, shape, `x${i}`));
    return { inputs: vars, outputs: [new ElemwiseSum(formula, ins.map(([dt]) => dt), axes, keepdims).call(...vars)] };
  },
  args: () => ins.map(([dt, , shape], i) => randomArray(shape, dt, 40 + i, -3, 3)),
  skip: skipFloat64(...ins.map(([dt]) => dt)),
  rtol: 1e-4,
});

/**
 * A product followed by `formula` as one ProductEpilogue node: `product` builds the plain product
 * (whose op the node wraps), `extra` are the epilogue's other operands, and the product's element
 * is formula input `at`.
 */
function epilogue(name: string, d: DType, product: (a: Variable, b: Variable) => Variable, shapes: [number[], number[]], extra: [Dim[], number[]][], formula: ScalarExpr, at: number, fused: string[]): OpCase {
  const unknown = (s: number[]): Dim[] => s.map((n) => (n === 1 ? 1 : null));
  return {
    name: `product_epilogue/${name}/${d}`,
    build: () => {
      const a = tensor(d, unknown(shapes[0]), 'a'); const b = tensor(d, unknown(shapes[1]), 'b');
      const es = extra.map(([shape], i) => tensor(d, shape, `e${i}`));
      const op: Op = product(a, b).owner!.op;
      const dtypes = Array.from({ length: extra.length + 1 }, () => d);
      return { inputs: [a, b, ...es], outputs: [new ProductEpilogue(op, 2, formula, dtypes, at, fused).call(a, b, ...es)] };
    },
    args: () => [randomArray(shapes[0], d, 50), randomArray(shapes[1], d, 51), ...extra.map(([, shape], i) => randomArray(shape, d, 52 + i))],
    skip: skipFloat64(d),
    rtol: 1e-3,
  };
}

const sigmoidOfSum = (d: DType) => S.div(sconst(1, d), S.add(sconst(1, d), S.exp(S.neg(S.add($(0, d), $(1, d))))));
const scaledRelu = (d: DType) => S.max(S.mul($(0, d), $(1, d)), sconst(0, d));

/** The fusion family's entries in the shared op table. */
export const fusedCases: OpCase[] = [
  composite('select-broadcast', 'float32', selectFormula('float32'), [['float32', [null, null], [4, 3]], ['float32', [1, null], [1, 3]]], ['gt', 'neg', 'exp', 'mul', 'mul', 'log1p', 'where'], true),
  composite('select-broadcast', 'float64', selectFormula('float64'), [['float64', [null, null], [4, 3]], ['float64', [1, null], [1, 3]]], ['gt', 'neg', 'exp', 'mul', 'mul', 'log1p', 'where'], true),
  composite('int-bool-operands', 'float32', mixedFormula('float32'), [['int32', [null], [6]], ['bool', [null], [6]], ['float32', [null, null], [2, 6]]], ['cast', 'mul', 'sub', 'where']),
  composite('int-bool-operands', 'float64', mixedFormula('float64'), [['int32', [null], [6]], ['bool', [null], [6]], ['float64', [null, null], [2, 6]]], ['cast', 'mul', 'sub', 'where']),
  elemwiseSum('product-by-row', S.mul($(0, 'float32'), $(1, 'float32')), [['float32', [null, null], [4, 5]], ['float32', [null], [5]]], [1], false),
  elemwiseSum('squared-difference', S.mul(S.sub($(0, 'float64'), $(1, 'float64')), S.sub($(0, 'float64'), $(1, 'float64'))), [['float64', [null, null, null], [3, 4, 5]], ['float64', [1, null, 1], [1, 4, 1]]], [0, 2], true),
  elemwiseSum('count-positive', S.gt($(0, 'int32'), sconst(0, 'int32')), [['int32', [null, null, null], [2, 3, 4]]], [0, 1, 2], false),
  epilogue('dot-bias-sigmoid', 'float32', (a, b) => new Dot(false, false).call(a, b), [[3, 5], [5, 4]], [[[null], [4]]], sigmoidOfSum('float32'), 0, ['add', 'sigmoid']),
  epilogue('dot-bias-sigmoid', 'float64', (a, b) => new Dot(false, false).call(a, b), [[3, 5], [5, 4]], [[[null], [4]]], sigmoidOfSum('float64'), 0, ['add', 'sigmoid']),
  epilogue('vector-dot-transB-bias', 'float32', (a, b) => new Dot(false, true).call(a, b), [[5], [4, 5]], [[[null], [4]]], sigmoidOfSum('float32'), 0, ['add', 'sigmoid']),
  epilogue('matmul-scale-relu', 'float32', (a, b) => new MatMul(false, true).call(a, b), [[2, 3, 4], [2, 5, 4]], [[[null, 1, null], [2, 1, 5]]], scaledRelu('float32'), 1, ['mul', 'relu']),
  epilogue('matmul-scale-relu', 'float64', (a, b) => new MatMul(true, false).call(a, b), [[2, 4, 3], [4, 5]], [[[null], [5]]], scaledRelu('float64'), 1, ['mul', 'relu']),
  epilogue('conv2d-bias-sigmoid', 'float32', (x, w) => conv2d(x, w, { padding: 'same' }), [[2, 3, 5, 4], [4, 3, 3, 3]], [[[1, null, 1, 1], [1, 4, 1, 1]]], sigmoidOfSum('float32'), 0, ['add', 'sigmoid']),
];
