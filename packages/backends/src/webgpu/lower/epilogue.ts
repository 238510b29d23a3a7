import { HypatiaError, broadcastRuntime, broadcastStrides, type Apply, type DType, type ScalarExpr } from '@hypatia/core';
import type { ProductEpilogue } from '@hypatia/ops';
import { loadExpr, scalarToWGSL, storageType, storeExpr, wgslType } from '../wgsl-scalar.js';
import { walk } from './walk-wgsl.js';

/**
 * The elementwise formula a matrix product (matmul, dot, conv2d) applies to each output element
 * before its store: a ProductEpilogue node's bias-add and activation. The formula's other operands
 * are read by broadcast index arithmetic from the output's flat index, as the elementwise kernel
 * reads its inputs, so a bias of shape [N] or [1, C, 1, 1] is never materialised.
 */
export interface Epilogue {
  formula: ScalarExpr;
  /** The formula's input dtypes; input `productInput` is the product's element. */
  dtypes: readonly DType[];
  productInput: number;
  /** Dtypes of the other operands, the node's inputs after the product's, in formula-input order. */
  operands: readonly DType[];
  outDtype: DType;
  /** Rank of the product's output. */
  nd: number;
  /**
   * Operands that are the output buffer itself (an update written in place): read from `output`
   * at the element's own index and not bound. Safe because each element is read and then written
   * by one thread, and the product's own operands are never aliased.
   */
  aliased?: readonly boolean[];
}

/** The epilogue reading operands flagged in `aliased` (the node's inputs after the product's `arity`) from the output; null if a product operand is aliased. */
export function inPlaceEpilogue(e: Epilogue, arity: number, aliased: readonly boolean[]): Epilogue | null {
  if (aliased.slice(0, arity).some(Boolean)) return null;
  return { ...e, aliased: aliased.slice(arity) };
}

/** The epilogue operands' buffers to bind: those not read from the output. */
export function boundOperands<T>(e: Epilogue | null, operands: readonly T[]): T[] {
  return operands.filter((_, j) => !e?.aliased?.[j]);
}

export function epilogueOf(node: Apply): Epilogue {
  const op = node.op as ProductEpilogue;
  const out = node.outputs[0]!;
  return {
    formula: op.formula,
    dtypes: op.formulaDtypes,
    productInput: op.productInput,
    operands: node.inputs.slice(op.productArity).map((v) => v.dtype),
    outDtype: out.dtype,
    nd: out.ndim,
  };
}

/**
 * WGSL for the epilogue: the operands' bindings from `firstBinding` on, and
 * `fn epilogue(v, o) -> stored value` for product element v stored at flat output index o.
 * Its params start at `at`: the output shape (nd), then each operand's strides (nd each).
 */
export function epilogueWGSL(e: Epilogue, firstBinding: number, at: number, output: string): string {
  const aliased = (j: number) => !!e.aliased?.[j];
  const bound = e.operands.map((_, j) => j).filter((j) => !aliased(j));
  const bindings = bound.map((j, b) => `@group(0) @binding(${firstBinding + b}) var<storage, read> e${j}: array<${storageType(e.operands[j]!)}>;`).join('\n');
  const offsets = walk('o', e.nd, `${at}u`, bound.map((j) => ({ acc: `o${j}`, strideAt: `${at + e.nd * (1 + j)}u` })));
  const operand = (i: number) => (i < e.productInput ? i : i - 1);
  const read = (j: number) => (aliased(j) ? `${output}[o]` : `e${j}[o${j}]`);
  const expr = scalarToWGSL(e.formula, (i) => (i === e.productInput ? 'v' : loadExpr(e.dtypes[i]!, read(operand(i)))));
  return `${bindings}
fn epilogue(v: ${wgslType(e.dtypes[e.productInput]!)}, o: u32) -> ${storageType(e.outDtype)} {
  // Every binding is statically used, so the automatic layout keeps the ones a formula ignores.
  ${bound.map((j) => `_ = e${j}[0];`).join(' ')}
  ${bound.map((j) => `var o${j} = 0u;`).join(' ')}
  ${offsets}
  let r: ${wgslType(e.outDtype)} = ${expr};
  return ${storeExpr(e.outDtype, 'r')};
}`;
}

/** params for epilogueWGSL: the output shape and each operand's broadcast strides; checks that they broadcast into it. */
export function epilogueParams(node: Apply, outShape: readonly number[], operandShapes: readonly (readonly number[])[]): number[] {
  const joined = broadcastRuntime([outShape, ...operandShapes]);
  if (typeof joined === 'string' || joined.length !== outShape.length || joined.some((d, k) => d !== outShape[k])) {
    throw (node.op as ProductEpilogue).blameEpilogue(outShape, operandShapes) ?? new HypatiaError(node.op.name, `at run time the epilogue operands [${operandShapes.map((s) => `[${s.join(', ')}]`).join(', ')}] do not broadcast into the product's [${outShape.join(', ')}]`, node.site);
  }
  return [...outShape, ...operandShapes.flatMap((s) => broadcastStrides(s, outShape))];
}

/** The node a product step's run-time checks name: for a ProductEpilogue node, its plain product, built on the user's line for the product. */
export function productChecksAt(node: Apply): Apply {
  return node.op.name === 'product_epilogue' ? (node.op as ProductEpilogue).productNode(node) : node;
}
