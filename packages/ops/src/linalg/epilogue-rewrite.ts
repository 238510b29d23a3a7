import {
  Composite, Constant, formulaOfNode, isFusable, keepsType, partsOfNode, registerRewrite, sameStaticShape,
  type Apply, type FunctionGraph, type GlobalRewrite, type Variable,
} from '@hypatia/core';
import { Conv2d } from '../nnet/conv2d.js';
import { Dot } from './dot.js';
import { MatMul } from './matmul.js';
import { ProductEpilogue } from './product-epilogue.js';

/** The product (dot, matmul, conv2d) node behind `v`, when `v` is its result. */
function productOf(v: Variable): Apply | null {
  const op = v.owner?.op;
  return op instanceof Dot || op instanceof MatMul || op instanceof Conv2d ? v.owner! : null;
}

/**
 * A graph output computed from a graph input (a shared variable becomes one) that may have its
 * shape, as an update W - η·g is. Left to an elementwise kernel, the backend may write it into W's
 * buffer in place; as an epilogue it cannot (C holds partial sums while the epilogue still reads
 * W), and the fresh W it would write cost the native shallow step 50 us more (153 vs 104 us, 1 thread).
 * Where an update is β·W + α·(a product), the gemm rule (gemm-rewrite.ts, before this one) makes it
 * an accumulating product instead, which can write W in place.
 */
function isWeightUpdate(fg: FunctionGraph, node: Apply): boolean {
  const out = node.outputs[0]!;
  return fg.clients(out).some(([c]) => c === 'output')
    && node.inputs.some((v) => !v.owner && !(v instanceof Constant) && v.ndim === out.ndim
      && v.shape.every((d, k) => { const o = out.shape[k]; return d === o || (d !== 1 && (d === null || o === null)); }));
}

/**
 * An elementwise node (a Composite after fusion, or a single op) that reads a product's result
 * becomes one ProductEpilogue when
 *  - nothing else uses the product's result and it is not a graph output (it is then never stored),
 *  - it reads that result once, and its own result has the product's static shape and dtype (so the
 *    other operands broadcast into the product's output and the kernel writes C in place),
 *  - it is not a shared variable's update (see isWeightUpdate).
 * Runs in the fuse phase after elementwise fusion (which made the Composite) and before reduction
 * fusion. Opt-in: a backend must run ProductEpilogue (the reference runs its perform).
 */
export function fuseProductEpilogues(fg: FunctionGraph, reason = 'product_epilogue'): void {
  // Nodes come in topological order; a new node reads the replacements of earlier ones, so no
  // replaced node stays alive through a new node's operands.
  const replaced = new Map<Variable, Variable>();
  for (const node of fg.nodes) {
    if (!isFusable(node)) continue;
    const op = node.op;
    const out = node.outputs[0]!;
    if (isWeightUpdate(fg, node)) continue;
    const at = node.inputs.findIndex((v, i) => {
      const p = productOf(v);
      return p !== null && node.inputs.indexOf(v) === i && node.inputs.lastIndexOf(v) === i && p.outputs.length === 1
        && fg.clients(v).every(([c]) => c === node) && v.dtype === out.dtype && sameStaticShape(v.shape, out.shape);
    });
    if (at < 0) continue;
    const product = node.inputs[at]!.owner!;
    const formula = formulaOfNode(node);
    const fusedOps = op instanceof Composite ? op.fusedOps : [op.name];
    const fused = new ProductEpilogue(product.op, product.inputs.length, formula, node.inputs.map((x) => x.dtype), at, fusedOps, partsOfNode(node), product.site);
    const operands = [...product.inputs, ...node.inputs.filter((_, i) => i !== at)].map((v) => replaced.get(v) ?? v);
    const result = fused.apply(operands, node.site).outputs[0]!;
    if (keepsType(out, result)) replaced.set(out, result);
  }
  fg.replaceAll([...replaced], reason);
}

export const productEpilogue: GlobalRewrite = {
  kind: 'global',
  name: 'product_epilogue',
  phase: 'fuse',
  order: 5,
  optIn: true,
  run: (fg) => fuseProductEpilogues(fg),
};

registerRewrite(productEpilogue);
