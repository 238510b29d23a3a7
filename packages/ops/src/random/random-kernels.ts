import { E, I, KernelBuilder, shapeSize, type Apply, type Expr, type Idx, type Kernel, type KernelProgram, type Launch } from '@hypatia/core';
import { counterPlus, philoxWords, word } from './philox-kernel.js';
import type { RandomOp } from './random-op.js';

/**
 * RandomOp's kernels, bit for bit as its perform (random-op.ts's header is the specification):
 * one kernel draws the sample, element i from Philox on counter (lo + i, hi + carry, block, 0), and
 * one writes the state advanced by the sample's size. u24 is computed in float32, where it is exact
 * (so are uniform float32 draws and the binomial comparison with a float32 p); u53 and Box-Muller
 * in float64, as the reference.
 *
 * A binomial element counts n words, four per Philox block: with n > 4 the sample kernel runs once
 * per block (its index a parameter), the first launch storing its count and the others adding
 * theirs, so no point loops over blocks and no scratch buffer holds the words.
 * Sample kernel parameters: N, then (binomial) the block and how many of its words count.
 */
export function randomProgram(op: RandomOp, node: Apply, checkState: (size: number) => void): KernelProgram {
  const binomial = op.distribution === 'binomial';
  const blocks = binomial && op.n > 4;
  const kernels: Kernel[] = [stateKernel(op), sampleKernel(op, false)];
  if (blocks) kernels.push(sampleKernel(op, true));
  const like = node.inputs.length - 1;
  return {
    kernels,
    plan(operands) {
      checkState(shapeSize(operands[0]!.shape));
      const shape = op.shape ?? operands[like]!.shape;
      const n = shapeSize(shape);
      const buffers = [{ input: 0 }, ...(binomial ? [{ input: 1 }] : []), { output: 1 }];
      const launches: Launch[] = [{ kernel: 0, buffers: [{ input: 0 }, { output: 0 }], params: [n] }];
      if (!binomial) launches.push({ kernel: 1, buffers, params: [n] });
      else {
        for (let b = 0; b * 4 < op.n; b++) launches.push({ kernel: b === 0 ? 1 : 2, buffers, params: [n, b, Math.min(4, op.n - 4 * b)] });
      }
      return { outputs: [[4], shape], launches };
    },
  };
}

/** The state advanced by N draws: same key, the 64-bit counter plus N. */
function stateKernel(op: RandomOp): Kernel {
  const k = new KernelBuilder(`${op.name}_state`);
  const state = k.input('int32');
  const next = k.output('int32');
  const [n] = k.params(1);
  k.space(1);
  const [lo, hi] = counterPlus(state.at(2), state.at(3), E.index(n!, 'int32'));
  k.store(next, 0, state.at(0));
  k.store(next, 1, state.at(1));
  k.store(next, 2, lo);
  k.store(next, 3, hi);
  return k.build();
}

/** (w >>> 8) * 2^-24 in float32, where it is exact. */
const u24 = (w: Expr): Expr => E.mul(E.cast(E.call('shru', [w, word(8)]), 'float32'), E.c(2 ** -24, 'float32'));

/** ((wa >>> 5) * 2^26 + (wb >>> 6)) * 2^-53, exact in float64. */
const u53 = (wa: Expr, wb: Expr): Expr => {
  const hi = E.cast(E.call('shru', [wa, word(5)]), 'float64');
  const lo = E.cast(E.call('shru', [wb, word(6)]), 'float64');
  return E.mul(E.add(E.mul(hi, E.c(2 ** 26, 'float64')), lo), E.c(2 ** -53, 'float64'));
};

/** sqrt(-2 ln u1) cos(2 pi u2) in float64, in the reference's order of operations. */
const boxMuller = (u1: Expr, u2: Expr): Expr =>
  E.mul(E.call('sqrt', [E.mul(E.c(-2, 'float64'), E.log(u1))]), E.call('cos', [E.mul(E.c(2 * Math.PI, 'float64'), u2)]));

function sampleKernel(op: RandomOp, accumulate: boolean): Kernel {
  const binomial = op.distribution === 'binomial';
  const k = new KernelBuilder(`${op.name}_${op.dtype}${accumulate ? '_more_blocks' : ''}`);
  const state = k.input('int32');
  const p = binomial ? k.input('float32') : null;
  const out = k.output(op.dtype);
  const [n, block, used] = k.params(binomial ? 3 : 1) as [Idx, Idx?, Idx?];
  const [i] = k.space(n);
  const key = [k.let(state.at(0)), k.let(state.at(1))] as const;
  const [c0, c1] = counterPlus(k.let(state.at(2)), k.let(state.at(3)), E.index(i!, 'int32'));
  const w = philoxWords(k, [k.let(c0), k.let(c1), block ? E.index(block, 'int32') : word(0), word(0)], key);
  const f64 = op.dtype === 'float64';
  let value: Expr;
  if (p && block && used) {
    // Words j of this block with j < used, each a Bernoulli draw compared exactly with p.
    const prob = k.let(p.at(0));
    const hits = Array.from({ length: Math.min(4, op.n) }, (_, j) => {
      const hit = E.lt(u24(w[j]!), prob);
      return E.cast(op.n > 4 ? E.call('and', [E.index(I.lt(j, used), 'bool'), hit]) : hit, 'int32');
    });
    value = hits.reduce((s, h) => E.add(s, h));
  } else if (op.distribution === 'uniform') {
    value = f64 ? u53(w[0], w[1]) : u24(w[0]);
  } else {
    const u1 = f64 ? E.add(u53(w[0], w[1]), E.c(2 ** -53, 'float64')) : E.cast(E.add(u24(w[0]), E.c(2 ** -24, 'float32')), 'float64');
    const u2 = f64 ? u53(w[2], w[3]) : E.cast(u24(w[1]), 'float64');
    value = boxMuller(u1, u2);
  }
  k.store(out, i!, value, { accumulate });
  return k.build();
}
