import { match, P } from 'ts-pattern';
import {
  Constant, isConstantFilled, isElemwiseNamed, keepsType, registerRewrite,
  type Apply, type LocalRewrite, type Op, type Variable,
} from '@hypatia/core';
import { add, mul, neg, softplus, sub } from '../elementwise/arithmetic.js';
import { sum } from '../reduce/sum.js';
import { AdvancedSubtensor, take } from '../indexing/advanced-subtensor.js';
import { ARange } from '../creation/arange.js';
import { ShapeAt } from '../creation/shape-of.js';
import { Softmax } from './softmax.js';
import { SoftmaxGrad } from './softmax-grad.js';
import { LogSoftmax, logSoftmax } from './log-softmax.js';
import { softmaxCrossentropyWithLabels } from './softmax-crossentropy.js';
import { softmaxCrossentropyGrad } from './softmax-crossentropy-grad.js';
import { CategoricalCrossentropyWithLabels } from './categorical-crossentropy.js';
import { CategoricalCrossentropyGrad } from './categorical-crossentropy-grad.js';

// Stabilising rewrites: compositions that overflow, underflow or divide by a vanishing probability,
// replaced by forms that are finite wherever the inputs are. Each replaces one node's output, and
// only when the replacement keeps its type.

type OpClass<T extends Op> = abstract new (...args: never[]) => T;

/** The node that computed `v`, when its op is an instance of `cls`. */
function producedBy<T extends Op>(v: Variable | undefined, cls: OpClass<T>): (Apply & { op: T }) | null {
  const node = v?.owner;
  return node && node.op instanceof cls ? (node as Apply & { op: T }) : null;
}

/** A pattern for a variable computed by an op of class `cls`. */
const computedBy = <T extends Op>(cls: OpClass<T>) => P.when((v: unknown) => producedBy(v as Variable, cls) !== null);

const ones = P.when((v: unknown) => isConstantFilled(v as Variable, 1));

function stabilize(name: string, rewrite: (node: Apply) => Variable | null): LocalRewrite {
  return {
    kind: 'local',
    name,
    phase: 'stabilize',
    apply(node) {
      const r = rewrite(node);
      return r && keepsType(node.outputs[0]!, r) ? [r] : null;
    },
  };
}

/** log(softmax(x)) -> logSoftmax(x): no log of an underflowed 0. */
export const logSoftmaxRewrite = stabilize('log_softmax', (node) => {
  if (!isElemwiseNamed(node, 'log')) return null;
  return match(node.inputs[0])
    .with(computedBy(Softmax), (sm) => logSoftmax((sm as Variable).owner!.inputs[0]!))
    .otherwise(() => null);
});

/**
 * softmax_grad(gy / y, y) -> gy - y * sum(gy): the gradient of log(softmax(x)) as the chain rule
 * builds it divides by the softmax, which is 0 for saturated logits; the quotient cancels.
 */
export const logSoftmaxGradRewrite = stabilize('log_softmax_grad', (node) => {
  if (!(node.op instanceof SoftmaxGrad)) return null;
  const [dy, y] = node.inputs as [Variable, Variable];
  const quotient = dy.owner;
  if (!isElemwiseNamed(quotient, 'div') || quotient.inputs[1] !== y) return null;
  const gy = quotient.inputs[0]!;
  // gy must already have dy's shape: summing a broadcast gy would count it once, not per element.
  if (!keepsType(dy, gy)) return null;
  return sub(gy, mul(y, sum(gy, -1, true)));
});

/** categoricalCrossentropy(softmax(z), labels) -> the fused op on the logits. */
export const softmaxCategoricalRewrite = stabilize('softmax_categorical_crossentropy', (node) => {
  if (!(node.op instanceof CategoricalCrossentropyWithLabels)) return null;
  const sm = producedBy(node.inputs[0], Softmax);
  return sm ? softmaxCrossentropyWithLabels(sm.inputs[0]!, node.inputs[1]!) : null;
});

/** softmax_grad(categorical_crossentropy_grad(g, softmax(z), y), softmax(z)) -> (softmax(z) - onehot(y)) g. */
export const softmaxCategoricalGradRewrite = stabilize('softmax_categorical_crossentropy_grad', (node) => {
  if (!(node.op instanceof SoftmaxGrad)) return null;
  const [dy, y] = node.inputs as [Variable, Variable];
  const cc = producedBy(dy, CategoricalCrossentropyGrad);
  const sm = producedBy(y, Softmax);
  if (!cc || !sm || cc.inputs[1] !== y) return null;
  return softmaxCrossentropyGrad(cc.inputs[0]!, sm.inputs[0]!, cc.inputs[2]!);
});

/**
 * logSoftmax(z)[rows, labels] -> -softmaxCrossentropyWithLabels(z[rows], labels): network3's cost
 * `-mean(log(softmax(z))[arange(n), y])` after log_softmax. When `rows` is provably every row of z
 * in order, z is used directly. Rows and labels must provably have the same length (else indexing
 * would broadcast one against the other, which the fused op does not do).
 */
export const logSoftmaxNllRewrite = stabilize('log_softmax_nll', (node) => {
  if (!(node.op instanceof AdvancedSubtensor) || node.op.axis !== 0 || node.inputs.length !== 3) return null;
  const [l, rows, labels] = node.inputs as [Variable, Variable, Variable];
  const ls = producedBy(l, LogSoftmax);
  if (!ls || l.ndim !== 2 || rows.ndim !== 1 || labels.ndim !== 1 || rows.dtype !== 'int32' || labels.dtype !== 'int32') return null;
  const z = ls.inputs[0]!;
  const r = rowsIndex(rows);
  const rowsLength = rows.shape[0] ?? r?.length ?? r?.lengthOf?.shape[0] ?? null;
  const sameLength = r?.lengthOf === labels || (rowsLength !== null && rowsLength === labels.shape[0]);
  if (!sameLength) return null;
  const allRows = r !== null && (r.lengthOf === z || (r.lengthOf === labels && z.shape[0] !== null && z.shape[0] === labels.shape[0]) || (r.length !== null && r.length === z.shape[0]));
  return neg(softmaxCrossentropyWithLabels(allRows ? z : take(z, rows, 0), labels));
});

/**
 * Is `rows` 0, 1, ..., n-1? Then say what its length is: `lengthOf` when it is arange(v.shape[0]),
 * `length` when it is a constant.
 */
function rowsIndex(rows: Variable): { lengthOf: Variable | null; length: number | null } | null {
  if (rows instanceof Constant) {
    const d = rows.value.data;
    for (let i = 0; i < d.length; i++) if (d[i] !== i) return null;
    return { lengthOf: null, length: d.length };
  }
  const ar = producedBy(rows, ARange);
  if (!ar) return null;
  const [start, stop, step] = ar.inputs as [Variable, Variable, Variable];
  if (!isConstantFilled(start, 0) || !isConstantFilled(step, 1)) return null;
  const len = producedBy(stop, ShapeAt);
  return len && len.op.axis === 0 ? { lengthOf: len.inputs[0]!, length: null } : null;
}

/** log(sigmoid(x)) -> -softplus(-x): finite for very negative x, where sigmoid underflows to 0. */
export const logSigmoidRewrite = stabilize('log_sigmoid', (node) => {
  if (!isElemwiseNamed(node, 'log')) return null;
  const s = node.inputs[0]!.owner;
  return isElemwiseNamed(s, 'sigmoid') ? neg(softplus(neg(s.inputs[0]!))) : null;
});

/** log(1 - sigmoid(x)) -> -softplus(x): finite for very positive x, where 1 - sigmoid rounds to 0. */
export const logOneMinusSigmoidRewrite = stabilize('log_one_minus_sigmoid', (node) => {
  if (!isElemwiseNamed(node, 'log')) return null;
  const d = node.inputs[0]!.owner;
  if (!isElemwiseNamed(d, 'sub')) return null;
  return match(d.inputs)
    .with([ones, P.select()], (s) => {
      const sig = s.owner;
      return isElemwiseNamed(sig, 'sigmoid') ? neg(softplus(sig.inputs[0]!)) : null;
    })
    .otherwise(() => null);
});

/**
 * g * (s * (1 - s)) with s = sigmoid(x), the chain rule's last step into x, where g is built from
 * a / s and b / (1 - s) (the gradients of log(s) and log(1 - s)) by add and neg: multiply through so
 * the quotients cancel. Without it, the gradient of binaryCrossentropy(sigmoid(x), t) is 0 * inf =
 * NaN wherever the sigmoid saturates.
 */
export const sigmoidGradCancelRewrite = stabilize('sigmoid_grad_cancel', (node) => {
  if (!isElemwiseNamed(node, 'mul')) return null;
  for (const [g, d] of [node.inputs, [...node.inputs].reverse()] as [Variable, Variable][]) {
    const parts = sigmoidDerivative(d);
    if (!parts) continue;
    const cancelled = cancelQuotients(g, parts.s, parts.oneMinusS);
    if (cancelled) return cancelled;
  }
  return null;
});

/** Is d = s * (1 - s) for a sigmoid output s? Returns s and the 1 - s variable. */
function sigmoidDerivative(d: Variable): { s: Variable; oneMinusS: Variable } | null {
  const m = d.owner;
  if (!isElemwiseNamed(m, 'mul')) return null;
  for (const [s, u] of [m.inputs, [...m.inputs].reverse()] as [Variable, Variable][]) {
    if (isElemwiseNamed(s.owner, 'sigmoid') && isOneMinus(u, s)) return { s, oneMinusS: u };
  }
  return null;
}

function isOneMinus(u: Variable, s: Variable): boolean {
  const n = u.owner;
  return isElemwiseNamed(n, 'sub') && n.inputs[1] === s && isConstantFilled(n.inputs[0]!, 1) && keepsType(u, s);
}

/**
 * g * s * (1 - s) with every a / s and b / (1 - s) in g's sums multiplied out; null when g has no
 * such quotient (then nothing would cancel).
 */
function cancelQuotients(g: Variable, s: Variable, oneMinusS: Variable): Variable | null {
  const n = g.owner;
  if (isElemwiseNamed(n, 'div')) {
    const [a, b] = n.inputs as [Variable, Variable];
    if (b === s) return mul(a, oneMinusS);
    if (b === oneMinusS || isOneMinus(b, s)) return mul(a, s);
    return null;
  }
  if (isElemwiseNamed(n, 'neg')) {
    const inner = cancelQuotients(n.inputs[0]!, s, oneMinusS);
    return inner && neg(inner);
  }
  if (isElemwiseNamed(n, 'add')) {
    const [l, r] = n.inputs as [Variable, Variable];
    const cl = cancelQuotients(l, s, oneMinusS);
    const cr = cancelQuotients(r, s, oneMinusS);
    if (!cl && !cr) return null;
    const whole = (v: Variable) => mul(v, mul(s, oneMinusS));
    return add(cl ?? whole(l), cr ?? whole(r));
  }
  return null;
}

export const NNET_REWRITES: readonly LocalRewrite[] = [
  logSoftmaxRewrite, logSoftmaxGradRewrite, softmaxCategoricalRewrite, softmaxCategoricalGradRewrite,
  logSoftmaxNllRewrite, logSigmoidRewrite, logOneMinusSigmoidRewrite, sigmoidGradCancelRewrite,
];

for (const r of NNET_REWRITES) registerRewrite(r);
