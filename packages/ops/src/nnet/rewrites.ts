import { match, P } from 'ts-pattern';
import {
  Constant, gradientSumOp, isConstantFilled, keepsType, registerRewrite, zerosLike, zerosLikeOp,
  type Apply, type LocalRewrite, type Op, type OpClass, type TrackedOp, type Variable,
} from '@hypatia/core';
import { add, div, exp, log, mul, neg, sigmoid, softplus, sub } from '../elementwise/arithmetic.js';
import { isApplyOf } from '../util/is-apply-of.js';
import { Sum, sum } from '../reduce/sum.js';
import { AdvancedSubtensor, take } from '../indexing/advanced-subtensor.js';
import { AdvancedIncSubtensor } from '../indexing/advanced-inc-subtensor.js';
import { ARange } from '../creation/arange.js';
import { ShapeAt } from '../creation/shape-of.js';
import { Softmax } from './softmax.js';
import { SoftmaxGrad } from './softmax-grad.js';
import { LogSoftmax, logSoftmax } from './log-softmax.js';
import { SoftmaxCrossentropyWithLabels, softmaxCrossentropyWithLabels } from './softmax-crossentropy.js';
import { softmaxCrossentropyGrad } from './softmax-crossentropy-grad.js';
import { CategoricalCrossentropyWithLabels } from './categorical-crossentropy.js';
import { CategoricalCrossentropyGrad } from './categorical-crossentropy-grad.js';

// Stabilising rewrites: compositions that overflow, underflow or divide by a vanishing probability,
// replaced by forms that are finite wherever the inputs are. Each replaces one node's output, and
// only when the replacement keeps its type.

/** The node that computed `v`, when its op is an instance of `cls`. */
function producedBy<T extends Op>(v: Variable | undefined, cls: OpClass<T>): (Apply & { op: T }) | null {
  const node = v?.owner;
  return node && node.op instanceof cls ? (node as Apply & { op: T }) : null;
}

/** A pattern for a variable computed by an op of class `cls`. */
const computedBy = <T extends Op>(cls: OpClass<T>) => P.when((v: unknown) => producedBy(v as Variable, cls) !== null);

const ones = P.when((v: unknown) => isConstantFilled(v as Variable, 1));

function stabilize<T extends Op>(name: string, tracks: readonly TrackedOp[], rewrite: (node: Apply & { op: T }) => Variable | null): LocalRewrite<T> {
  return {
    kind: 'local',
    name,
    phase: 'stabilize',
    tracks,
    apply(node) {
      const r = rewrite(node);
      return r && keepsType(node.outputs[0]!, r) ? [r] : null;
    },
  };
}

/** log(softmax(x)) -> logSoftmax(x): no log of an underflowed 0. */
export const logSoftmaxRewrite = stabilize('log_softmax', [log.op], (node) => {
  return match(node.inputs[0])
    .with(computedBy(Softmax), (sm) => logSoftmax((sm as Variable).owner!.inputs[0]!))
    .otherwise(() => null);
});

/**
 * softmax_grad(gy / y, y) -> gy - y * sum(gy): the gradient of log(softmax(x)) as the chain rule
 * builds it divides by the softmax, which is 0 for saturated logits; the quotient cancels.
 */
export const logSoftmaxGradRewrite = stabilize('log_softmax_grad', [SoftmaxGrad], (node) => {
  const [dy, y] = node.inputs as [Variable, Variable];
  const quotient = dy.owner;
  if (!isApplyOf(quotient, div.op) || quotient.inputs[1] !== y) return null;
  const gy = quotient.inputs[0]!;
  // gy must already have dy's shape: summing a broadcast gy would count it once, not per element.
  if (!keepsType(dy, gy)) return null;
  return sub(gy, mul(y, sum(gy, -1, true)));
});

/**
 * log(softmax(x)[idx]) -> log_softmax(x)[idx]: the log taken after an integer-array gather, as in
 * `-mean(log(softmax(z)[arange(n), y]))`. A gather only moves elements, so the log commutes with it;
 * log_softmax_nll can then fuse the picked log-probabilities.
 */
export const logIndexedSoftmaxRewrite = stabilize('log_indexed_softmax', [log.op], (node) => {
  const gather = producedBy(node.inputs[0], AdvancedSubtensor);
  const sm = gather && producedBy(gather.inputs[0], Softmax);
  if (!gather || !sm) return null;
  const [, ...idx] = gather.inputs;
  return new AdvancedSubtensor(gather.op.axis).call(logSoftmax(sm.inputs[0]!), ...idx);
});

/**
 * softmax_grad(A(gy / y[idx]), y) -> A(gy) - y * sum(A(gy)), A(v) scattering v into zeros at idx:
 * the gradient of log(softmax(x)[idx]) as the chain rule builds it divides by the picked
 * probabilities, which are 0 for saturated logits. Each scattered quotient is multiplied by the very
 * element it was divided by, so the quotients cancel.
 */
export const logIndexedSoftmaxGradRewrite = stabilize('log_indexed_softmax_grad', [SoftmaxGrad], (node) => {
  const [dy, y] = node.inputs as [Variable, Variable];
  const inc = producedBy(dy, AdvancedIncSubtensor);
  if (!inc || inc.op.mode !== 'inc') return null;
  const [base, quotient, ...idx] = inc.inputs as [Variable, Variable, ...Variable[]];
  const q = quotient.owner;
  if (!isApplyOf(q, div.op) || !isZerosShapedLike(base, softmaxLogits(y) ?? y)) return null;
  const [gy, picked] = q.inputs as [Variable, Variable];
  const gather = producedBy(picked, AdvancedSubtensor);
  // The same elements of y, gathered and scattered the same way: each quotient meets its divisor.
  if (!gather || gather.inputs[0] !== y || gather.op.axis !== inc.op.axis || !sameInputs(gather.inputs.slice(1), idx)) return null;
  // The scatter then receives a value of the shape it received before.
  if (!keepsType(quotient, gy)) return null;
  const a = new AdvancedIncSubtensor(inc.op.axis, 'inc').call(base, gy, ...idx);
  return sub(a, mul(y, sum(a, -1, true)));
});

function sameInputs(a: readonly Variable[], b: readonly Variable[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** categoricalCrossentropy(softmax(z), labels) -> the fused op on the logits. */
export const softmaxCategoricalRewrite = stabilize('softmax_categorical_crossentropy', [CategoricalCrossentropyWithLabels], (node) => {
  const sm = producedBy(node.inputs[0], Softmax);
  return sm ? softmaxCrossentropyWithLabels(sm.inputs[0]!, node.inputs[1]!) : null;
});

/** softmax_grad(categorical_crossentropy_grad(g, softmax(z), y), softmax(z)) -> (softmax(z) - onehot(y)) g. */
export const softmaxCategoricalGradRewrite = stabilize('softmax_categorical_crossentropy_grad', [SoftmaxGrad], (node) => {
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
export const logSoftmaxNllRewrite = stabilize<AdvancedSubtensor>('log_softmax_nll', [AdvancedSubtensor], (node) => {
  if (node.op.axis !== 0 || node.inputs.length !== 3) return null;
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
 * The gradient of network3's cost into the logits, as the chain rule builds it once log_softmax
 * and log_softmax_grad have run: A - p * sum(A, -1, keepdims) with p = softmax(z) (or
 * exp(log_softmax(z))) and A = advanced_inc_subtensor(zeros_like(·), g, rows, labels), the per-row
 * seed g scattered into a zero matrix of z's shape. Row by row that is g * (onehot(y) - softmax(z)),
 * i.e. softmax_crossentropy_grad(-g, z, y): one kernel in place of computing a log-softmax only for
 * its shape, the scatter, a softmax, a row sum and the combining kernel. When `rows` is provably
 * every row of z in order, z is used directly; otherwise the fused gradient is taken on z[rows] and
 * scattered back (scatter-add, so repeated or missing rows keep their meaning).
 */
export const logSoftmaxNllGradRewrite = stabilize('log_softmax_nll_grad', [sub.op], (node) => {
  const [a, scaled] = node.inputs as [Variable, Variable];
  const inc = producedBy(a, AdvancedIncSubtensor);
  const m = scaled.owner;
  if (!inc || inc.op.axis !== 0 || inc.op.mode !== 'inc' || inc.inputs.length !== 4 || !isApplyOf(m, mul.op)) return null;
  const [base, g, rows, labels] = inc.inputs as [Variable, Variable, Variable, Variable];
  for (const [p, s] of [m.inputs, [...m.inputs].reverse()] as [Variable, Variable][]) {
    const z = softmaxLogits(p);
    if (!z || z.ndim !== 2 || !isRowSumOf(s, a) || !isZerosShapedLike(base, z)) continue;
    if (g.ndim !== 1 || g.dtype !== z.dtype || rows.ndim !== 1 || labels.ndim !== 1 || rows.dtype !== 'int32' || labels.dtype !== 'int32') return null;
    const r = rowsIndex(rows);
    const rowsLength = rows.shape[0] ?? r?.length ?? r?.lengthOf?.shape[0] ?? null;
    // Rows and labels of provably equal length (else the index broadcasts, which the fused op does not).
    if (!(r?.lengthOf === labels || (rowsLength !== null && rowsLength === labels.shape[0]))) return null;
    // A seed declared length 1 may broadcast over the rows in the scatter; the fused op takes one per row.
    if (g.shape[0] === 1 && rowsLength !== 1) return null;
    if (r !== null && coversRows(r, z, labels)) return softmaxCrossentropyGrad(neg(g), z, labels);
    // zeros_like(z), not of the log-softmax, which would then be computed only for its shape.
    const zeros = base instanceof Constant ? base : zerosLike(z);
    return new AdvancedIncSubtensor(0, 'inc').call(zeros, softmaxCrossentropyGrad(neg(g), take(z, rows, 0), labels), rows);
  }
  return null;
});

/** z when p is softmax(z) or exp(log_softmax(z)). */
function softmaxLogits(p: Variable): Variable | null {
  const sm = producedBy(p, Softmax);
  if (sm) return sm.inputs[0]!;
  const e = p.owner;
  if (!isApplyOf(e, exp.op)) return null;
  return producedBy(e.inputs[0], LogSoftmax)?.inputs[0] ?? null;
}

/** Is s = sum(a, last axis, keepdims)? */
function isRowSumOf(s: Variable, a: Variable): boolean {
  const node = producedBy(s, Sum);
  return !!node && node.inputs[0] === a && node.op.keepdims && node.op.axes.length === 1 && node.op.axes[0] === a.ndim - 1;
}

/** Is `base` zeros of z's run-time shape: zeros_like(z, softmax(z) or log_softmax(z)), or a zero constant of z's static shape? */
function isZerosShapedLike(base: Variable, z: Variable): boolean {
  if (base instanceof Constant) {
    return isConstantFilled(base, 0) && base.value.shape.length === z.ndim && base.value.shape.every((d, i) => d === z.shape[i]);
  }
  const zl = base.owner;
  if (!isApplyOf(zl, zerosLikeOp)) return false;
  const x = zl.inputs[0]!;
  return x === z || producedBy(x, Softmax)?.inputs[0] === z || producedBy(x, LogSoftmax)?.inputs[0] === z;
}

/** Are rows (as rowsIndex describes them) every row of z in order? */
function coversRows(r: { lengthOf: Variable | null; length: number | null }, z: Variable, labels: Variable): boolean {
  return r.lengthOf === z || (r.lengthOf === labels && z.shape[0] !== null && z.shape[0] === labels.shape[0]) || (r.length !== null && r.length === z.shape[0]);
}

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
export const logSigmoidRewrite = stabilize('log_sigmoid', [log.op], (node) => {
  const s = node.inputs[0]!.owner;
  return isApplyOf(s, sigmoid.op) ? neg(softplus(neg(s.inputs[0]!))) : null;
});

/** log(1 - sigmoid(x)) -> -softplus(x): finite for very positive x, where 1 - sigmoid rounds to 0. */
export const logOneMinusSigmoidRewrite = stabilize('log_one_minus_sigmoid', [log.op], (node) => {
  const d = node.inputs[0]!.owner;
  if (!isApplyOf(d, sub.op)) return null;
  return match(d.inputs)
    .with([ones, P.select()], (s) => {
      const sig = s.owner;
      return isApplyOf(sig, sigmoid.op) ? neg(softplus(sig.inputs[0]!)) : null;
    })
    .otherwise(() => null);
});

/**
 * g * (s * (1 - s)) with s = sigmoid(x), the chain rule's last step into x, where g is built from
 * a / s and b / (1 - s) (the gradients of log(s) and log(1 - s)) by add and neg: multiply through so
 * the quotients cancel. Without it, the gradient of binaryCrossentropy(sigmoid(x), t) is 0 * inf =
 * NaN wherever the sigmoid saturates.
 */
export const sigmoidGradCancelRewrite = stabilize('sigmoid_grad_cancel', [mul.op], (node) => {
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
  if (!isApplyOf(m, mul.op)) return null;
  for (const [s, u] of [m.inputs, [...m.inputs].reverse()] as [Variable, Variable][]) {
    if (isApplyOf(s.owner, sigmoid.op) && isOneMinus(u, s)) return { s, oneMinusS: u };
  }
  return null;
}

function isOneMinus(u: Variable, s: Variable): boolean {
  const n = u.owner;
  return isApplyOf(n, sub.op) && n.inputs[1] === s && isConstantFilled(n.inputs[0]!, 1) && keepsType(u, s);
}

/**
 * g * s * (1 - s) with every a / s and b / (1 - s) in g's sums multiplied out; null when g has no
 * such quotient (then nothing would cancel).
 */
function cancelQuotients(g: Variable, s: Variable, oneMinusS: Variable): Variable | null {
  const n = g.owner;
  if (isApplyOf(n, div.op)) {
    const [a, b] = n.inputs as [Variable, Variable];
    if (b === s) return mul(a, oneMinusS);
    if (b === oneMinusS || isOneMinus(b, s)) return mul(a, s);
    return null;
  }
  if (isApplyOf(n, neg.op)) {
    const inner = cancelQuotients(n.inputs[0]!, s, oneMinusS);
    return inner && neg(inner);
  }
  // The chain rule sums the two quotients' paths with the gradient machinery's own add.
  if (isApplyOf(n, add.op, gradientSumOp)) {
    const [l, r] = n.inputs as [Variable, Variable];
    const cl = cancelQuotients(l, s, oneMinusS);
    const cr = cancelQuotients(r, s, oneMinusS);
    if (!cl && !cr) return null;
    const whole = (v: Variable) => mul(v, mul(s, oneMinusS));
    return add(cl ?? whole(l), cr ?? whole(r));
  }
  return null;
}

/**
 * shape_at(loss, 0) -> shape_at(labels, 0) for the label-indexed losses, whose length is the
 * labels' (checked when they run): mean's gradient reads the per-row loss only for its length, so
 * the loss vector then has one reader less and the count merges with arange's shape_at(labels).
 * In `specialize`, with the shape-source rules, after the losses exist.
 */
export const labelLossLengthRewrite: LocalRewrite<ShapeAt> = {
  kind: 'local',
  name: 'label_loss_length',
  phase: 'specialize',
  tracks: [ShapeAt],
  apply(node) {
    if (node.op.axis !== 0) return null;
    const loss = producedBy(node.inputs[0], SoftmaxCrossentropyWithLabels) ?? producedBy(node.inputs[0], CategoricalCrossentropyWithLabels);
    return loss ? [node.op.apply([loss.inputs[1]!], node.site).outputs[0]!] : null;
  },
};

/**
 * The nnet family's rewrites (stable log-softmax and cross-entropies, sigmoid identities), registered when the package loads.
 */
export const NNET_REWRITES: readonly LocalRewrite[] = [
  logSoftmaxRewrite, logSoftmaxGradRewrite, logIndexedSoftmaxRewrite, logIndexedSoftmaxGradRewrite, softmaxCategoricalRewrite, softmaxCategoricalGradRewrite,
  logSoftmaxNllRewrite, logSoftmaxNllGradRewrite, logSigmoidRewrite, logOneMinusSigmoidRewrite, sigmoidGradCancelRewrite,
  labelLossLengthRewrite,
];

for (const r of NNET_REWRITES) registerRewrite(r);
