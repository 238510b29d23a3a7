import { E, I, KernelBuilder, type Apply, type Buf, type Expr, type Idx, type Kernel, type KernelProgram, type PlanOperand } from '@hypatia/core';
import { checkLabelCount, checkLossGradientSize } from './labels.js';
import { narrow, rowAt, rowLogSumExp, rowSoftmax, wide } from './row-kernels-ir.js';

/**
 * The label-indexed losses and their gradients as kernels, computing what their `perform`s
 * compute (in double, rounded to the dtype where the reference stores). Labels count from the end
 * when negative; one out of [-classes, classes) fails a check, and the backend raises perform's
 * error. The plans make perform's checks on counts (labels per row, loss-gradient entries).
 * Parameters: rows, classes.
 */

/** Check row r's label and give its column. */
function labelColumn(k: KernelBuilder, labels: Buf, r: Idx, classes: Idx): Idx {
  const label = labels.read(r);
  k.check(I.within(label, I.sub(0, classes), classes));
  return I.wrap(label, classes);
}

/** One point per row checking its label: the gradients' kernels, whose points are elements, run it first (even with no classes). */
function labelCheckKernel(name: string): Kernel {
  const k = new KernelBuilder(`${name}_labels`);
  const labels = k.input('int32');
  const [rows, classes] = k.params(2);
  const [r] = k.space(rows!);
  labelColumn(k, labels, r!, classes!);
  return k.build();
}

/** A loss over rows: out[r] = value(r, its label's column). Operands: scores [rows, classes], labels [rows]. */
function lossProgram(node: Apply, value: (k: KernelBuilder, scores: Buf, r: Idx, col: Idx, classes: Idx) => Expr): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const k = new KernelBuilder(node.op.name);
  const scores = k.input(dtype);
  const labels = k.input('int32');
  const out = k.output(dtype);
  const [rows, classes] = k.params(2);
  const [r] = k.space(rows!);
  const col = labelColumn(k, labels, r!, classes!);
  k.store(out, r!, value(k, scores, r!, col, classes!));
  return {
    kernels: [k.build()],
    plan([s, y]) {
      const [n, c] = s!.shape as [number, number];
      checkLabelCount(node.op.name, n, y!.shape[0]!, node);
      return { outputs: [[n]], launches: [{ kernel: 0, buffers: [{ input: 0 }, { input: 1 }, { output: 0 }], params: [n, c] }] };
    },
  };
}

/** -log(p[r, y_r]). */
export function categoricalCrossentropyProgram(node: Apply): KernelProgram {
  return lossProgram(node, (_k, p, r, col, classes) => E.neg(E.log(wide(p.at(rowAt(r, classes)(col))))));
}

/** logsumexp(z[r]) - z[r, y_r]. */
export function softmaxCrossentropyProgram(node: Apply): KernelProgram {
  return lossProgram(node, (k, z, r, col, classes) => {
    const at = rowAt(r, classes);
    return E.sub(rowLogSumExp(k, z, at, classes), wide(z.at(at(col))));
  });
}

/**
 * A loss gradient over [rows, classes]: the labels checked by their own launch, then out[r, j] =
 * value(...). Operands: g [rows], scores [rows, classes], labels [rows].
 */
function gradProgram(node: Apply, value: (k: KernelBuilder, g: Buf, scores: Buf, r: Idx, j: Idx, col: Idx, classes: Idx) => Expr): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const k = new KernelBuilder(node.op.name);
  const g = k.input(dtype);
  const scores = k.input(dtype);
  const labels = k.input('int32');
  const out = k.output(dtype);
  const [rows, classes] = k.params(2);
  const [r, j] = k.space(rows!, classes!);
  const col = I.wrap(labels.read(r!), classes!);
  k.store(out, rowAt(r!, classes!)(j!), value(k, g, scores, r!, j!, col, classes!));
  return {
    kernels: [labelCheckKernel(node.op.name), k.build()],
    plan([gr, s, y]: readonly PlanOperand[]) {
      const [n, c] = s!.shape as [number, number];
      checkLabelCount(node.op.name, n, y!.shape[0]!, node);
      checkLossGradientSize(node.op.name, gr!.shape[0]!, n, node);
      return {
        outputs: [[n, c]],
        launches: [
          { kernel: 0, buffers: [{ input: 2 }], params: [n, c] },
          { kernel: 1, buffers: [{ input: 0 }, { input: 1 }, { input: 2 }, { output: 0 }], params: [n, c] },
        ],
      };
    },
  };
}

/** -g[r] / p[r, y_r] at the label, 0 elsewhere. */
export function categoricalCrossentropyGradProgram(node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  return gradProgram(node, (_k, g, p, r, j, col, classes) =>
    E.select(E.index(I.eq(j, col), 'bool'), narrow(E.div(E.neg(wide(g.at(r))), wide(p.at(rowAt(r, classes)(col)))), dtype), E.c(0, dtype)));
}

/**
 * (softmax(z[r]) - onehot(y_r)) * g[r], each step rounded to the dtype as perform stores it: the
 * softmax as the Softmax op computes it, minus 1 at the label, then times g[r].
 */
export function softmaxCrossentropyGradProgram(node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  return gradProgram(node, (k, g, z, r, j, col, classes) => {
    const p = rowSoftmax(k, z, rowAt(r, classes), classes, j);
    const shifted = E.select(E.index(I.eq(j, col), 'bool'), narrow(E.sub(wide(p), E.c(1, 'float64')), dtype), p);
    return E.mul(wide(shifted), wide(g.at(r)));
  });
}
