import { E, I, KernelBuilder, broadcastStrides, stridesOf, type Apply, type KernelProgram } from '@hypatia/core';
import type { ProductEpilogue } from './product-epilogue.js';
import type { ProductLowering } from './product-lowering.js';

/** A product op that states its lowering (Dot, MatMul, Conv2d). */
interface LoweredProduct {
  lowering(node: Apply): ProductLowering;
}

/**
 * A product epilogue's program: the product's kernel (its lowering, with the element rounded into
 * the product's dtype as perform stores it), then the formula applied to that element and the
 * epilogue operands, read through their broadcast strides over the product's output. Parameters:
 * the product's, each epilogue operand's strides, the output's strides. Null for a product with
 * no lowering.
 */
export function productEpilogueProgram(op: ProductEpilogue, node: Apply): KernelProgram | null {
  const product = op.product as Partial<LoweredProduct>;
  if (typeof product.lowering !== 'function') return null;
  const lowering = product.lowering(op.productNode(node));
  const k = new KernelBuilder(op.name);
  const operands = lowering.reads.map((i) => k.input(node.inputs[i]!.dtype));
  const extras = node.inputs.slice(op.productArity).map((v) => k.input(v.dtype));
  const out = k.output(node.outputs[0]!.dtype);
  const { value, outAxes } = lowering.build(k, operands);
  const extraStrides = extras.map(() => k.params(outAxes.length));
  const outStrides = k.params(outAxes.length);
  const formulaOperands = op.formulaDtypes.map((_, i) => {
    if (i === op.productInput) return value;
    const e = op.operandOf(i) - op.productArity;
    return extras[e]!.at(I.strided(outAxes, extraStrides[e]!));
  });
  k.store(out, I.strided(outAxes, outStrides), E.formula(op.formula, formulaOperands));
  return {
    kernels: [k.build()],
    plan(ops) {
      const shapes = ops.map((o) => o.shape);
      const { shape, params } = lowering.plan(shapes.slice(0, op.productArity));
      const extraShapes = shapes.slice(op.productArity);
      op.checkEpilogueShapes(node, shape, extraShapes);
      return {
        outputs: [shape],
        launches: [{
          kernel: 0,
          buffers: [...lowering.reads.map((i) => ({ input: i })), ...extraShapes.map((_, e) => ({ input: op.productArity + e })), { output: 0 }],
          params: [...params, ...extraShapes.flatMap((s) => broadcastStrides(s, shape)), ...stridesOf(shape)],
        }],
      };
    },
  };
}
