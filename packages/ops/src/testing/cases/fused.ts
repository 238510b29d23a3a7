import { Composite, NDArray, S, fuseInto, input, sconst, tensor, type DType, type Dim, type Op, type ScalarExpr, type Variable } from '@hypatia/core';
import { skipFloat64, type OpCase } from '../op-case.js';
import { EDGES, randomArray, withEdges } from './elementwise.js';
import { Dot } from '../../linalg/dot.js';
import { MatMul } from '../../linalg/matmul.js';
import { ProductEpilogue } from '../../linalg/product-epilogue.js';
import { Gemm } from '../../linalg/gemm.js';
import { conv2d } from '../../nnet/conv2d.js';
import { add, cast, exp, gt, mul, neg, sub } from '../../elementwise/arithmetic.js';
import { sum } from '../../reduce/sum.js';
import { max } from '../../reduce/extremum.js';
import { argmax } from '../../reduce/arg-extremum.js';
import { softmax } from '../../nnet/softmax.js';
import { logSoftmax } from '../../nnet/log-softmax.js';
import { softmaxCrossentropyWithLabels } from '../../nnet/softmax-crossentropy.js';
import { softmaxCrossentropyGrad } from '../../nnet/softmax-crossentropy-grad.js';
import { advancedIndex } from '../../indexing/advanced-subtensor.js';

/**
 * The ops the fusion rewrites create (Composite, Fused, ProductEpilogue), built directly, so
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

/**
 * A consumer whose operands `inlined` are elementwise producers, as one Fused node: `build` makes
 * the unfused graph from the inputs (the consumer's result), and the row runs the fused node.
 */
const fused = (name: string, ins: [DType, Dim[], NDArray | number[]][], build: (xs: Variable[]) => Variable, inlined: number[], rtol?: number): OpCase => ({
  name: `fused/${name}`,
  build: () => {
    const vars = ins.map(([dt, shape], i) => tensor(dt, shape, `x${i}`));
    return { inputs: vars, outputs: fuseInto(build(vars).owner!, inlined) };
  },
  args: () => ins.map(([dt, , a], i) => (a instanceof NDArray ? a : randomArray(a, dt, 40 + i, -3, 3))),
  skip: skipFloat64(...ins.map(([dt]) => dt)),
  ...(rtol ? { rtol } : {}),
});

const labels = (values: number[]) => NDArray.from(values, 'int32');

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

/**
 * β·Z + α·op(X)·op(Y) as one Gemm node (what the gemm rewrite makes of an SGD update), X read
 * transposed when `transA`: the update's xᵀ·g.
 */
function gemmCase(name: string, d: DType, transA: boolean, [m, k, n]: [number, number, number], alpha: number, beta: number): OpCase {
  return {
    name: `gemm/${name}/${d}`,
    build: () => {
      const [x, y, z] = ['x', 'y', 'z'].map((s) => tensor(d, [null, null], s));
      const [a, b] = ['alpha', 'beta'].map((s) => tensor(d, [], s));
      return { inputs: [x!, y!, z!, a!, b!], outputs: [new Gemm(new Dot(transA, false), d as 'float32' | 'float64').call(x!, y!, z!, a!, b!)] };
    },
    args: () => [randomArray(transA ? [k, m] : [m, k], d, 60), randomArray([k, n], d, 61), randomArray([m, n], d, 62), NDArray.from(alpha, d), NDArray.from(beta, d)],
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
  // Reductions: both loop structures (a row sum reads the producer in its reduction; a column sum
  // walks it in memory order, whose float64 accumulator needs no conversion launch), a broadcast
  // operand read through the multi-index, keepdims, bool values summed as int32, max and argmax.
  fused('sum{1}(mul)/row-broadcast/float32', [['float32', [null, null], [4, 5]], ['float32', [null], [5]]], ([x, y]) => sum(mul(x!, y!), 1), [0], 1e-4),
  fused('sum{0}(mul)/column-sum/float32', [['float32', [null, null], [6, 5]], ['float32', [null, null], [6, 5]]], ([x, y]) => sum(mul(x!, y!), 0), [0], 1e-4),
  fused('sum{0,2}(square-difference)/keepdims/float64', [['float64', [null, null, null], [3, 4, 5]], ['float64', [1, null, 1], [1, 4, 1]]], ([x, y]) => sum(mul(sub(x!, y!), sub(x!, y!)), [0, 2], true), [0]),
  fused('sum{0}(add)/column-sum/float64', [['float64', [null, null], [5, 3]], ['float64', [], []]], ([x, y]) => sum(add(x!, y!), 0), [0]),
  fused('sum(gt)/count-positive/int32', [['int32', [null, null, null], [2, 3, 4]]], ([x]) => sum(gt(x!, 0)), [0]),
  fused('max{1}(mul)/broadcast-column', [['float32', [null, null], [4, 5]], ['float32', [null, 1], [4, 1]]], ([x, y]) => max(mul(x!, y!), 1), [0]),
  fused('argmax{0}(sub)', [['float32', [null, null], [4, 5]], ['float32', [null], [5]]], ([x, y]) => argmax(sub(x!, y!), 0), [0]),
  // Softmax rows (the formula computed at each of the row's three loads) and log-softmax.
  fused('softmax(add)/bias-row', [['float32', [null, null], [3, 6]], ['float32', [null], [6]]], ([x, b]) => softmax(add(x!, b!)), [0]),
  fused('log_softmax(exp)/float64', [['float64', [null, null], [3, 4]]], ([x]) => logSoftmax(exp(x!)), [0]),
  // A label loss, and a loss gradient with its seed and its labels inlined: its label-check kernel
  // binds the labels where no operand's convention puts them, so they are computed into scratch for it.
  fused('softmax_crossentropy_with_labels(add)', [['float32', [null, null], [5, 4]], ['float32', [null], [4]], ['int32', [null], labels([3, -1, 0, 2, -4])]], ([z, b, y]) => softmaxCrossentropyWithLabels(add(z!, b!), y!), [0]),
  fused('softmax_crossentropy_grad(neg, _, add)', [['float32', [null], [5]], ['float32', [null, null], [5, 4]], ['int32', [null], labels([2, 0, 1, 2, -2])]],
    ([g, z, y]) => softmaxCrossentropyGrad(neg(g!), z!, add(y!, 1)), [0, 2]),
  // A gather of rows: only the picked elements are computed.
  fused('advanced_subtensor(cast(mul))', [['int32', [null, null], [4, 3]], ['int32', [null], labels([3, 0, 3, -1])]], ([x, i]) => advancedIndex(cast(mul(x!, 2), 'float32'), [i!]), [0]),
  epilogue('dot-bias-sigmoid', 'float32', (a, b) => new Dot(false, false).call(a, b), [[3, 5], [5, 4]], [[[null], [4]]], sigmoidOfSum('float32'), 0, ['add', 'sigmoid']),
  epilogue('dot-bias-sigmoid', 'float64', (a, b) => new Dot(false, false).call(a, b), [[3, 5], [5, 4]], [[[null], [4]]], sigmoidOfSum('float64'), 0, ['add', 'sigmoid']),
  epilogue('vector-dot-transB-bias', 'float32', (a, b) => new Dot(false, true).call(a, b), [[5], [4, 5]], [[[null], [4]]], sigmoidOfSum('float32'), 0, ['add', 'sigmoid']),
  epilogue('matmul-scale-relu', 'float32', (a, b) => new MatMul(false, true).call(a, b), [[2, 3, 4], [2, 5, 4]], [[[null, 1, null], [2, 1, 5]]], scaledRelu('float32'), 1, ['mul', 'relu']),
  epilogue('matmul-scale-relu', 'float64', (a, b) => new MatMul(true, false).call(a, b), [[2, 4, 3], [4, 5]], [[[null], [5]]], scaledRelu('float64'), 1, ['mul', 'relu']),
  epilogue('conv2d-bias-sigmoid', 'float32', (x, w) => conv2d(x, w, { padding: 'same' }), [[2, 3, 5, 4], [4, 3, 3, 3]], [[[1, null, 1, 1], [1, 4, 1, 1]]], sigmoidOfSum('float32'), 0, ['add', 'sigmoid']),
  gemmCase('sgd-update-transA', 'float32', true, [7, 5, 6], -0.1, 0.998),
  gemmCase('plain', 'float64', false, [4, 9, 3], 1.5, -2),
];
