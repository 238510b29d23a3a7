import {
  Composite, Constant, NDArray, elementwiseKernel, formulaKey, formulaOfNode, input, isFusable, keepsType, registerRewrite, substitute,
  type Apply, type ElemwiseNode, type FunctionGraph, type GlobalRewrite, type ScalarExpr, type Variable,
} from '@hypatia/core';
import { affineForm } from './affine-formula.js';
import { Dot } from './dot.js';
import { Gemm } from './gemm.js';

/** Does `v` have `out`'s rank and broadcast pattern, so that it has out's shape wherever the node runs? */
function fullShape(v: Variable, out: Variable): boolean {
  return v.ndim === out.ndim && v.shape.every((d, k) => (d === 1) === (out.shape[k] === 1));
}

/**
 * The node's formula with the elementwise producers that only it reads, at its full shape, written
 * in (elementwise fusion keeps `λ·W` of an L2 gradient apart when its static shape differs from the
 * update's), over its operands without repeats; and the producers written in.
 */
function flatten(fg: FunctionGraph, node: ElemwiseNode): { expr: ScalarExpr; operands: Variable[]; inlined: Set<Apply> } {
  const out = node.outputs[0]!;
  let operands = [...node.inputs];
  let expr = formulaOfNode(node);
  const inlined = new Set<Apply>();
  for (let i = 0; i < operands.length; i++) {
    const u = operands[i]!;
    const producer = u.owner;
    if (!isFusable(producer) || !fullShape(u, out) || !fg.clients(u).every(([c]) => c === node || inlined.has(c as Apply))) continue;
    const base = operands.length;
    const inner = substitute(formulaOfNode(producer), producer.inputs.map((v, j) => input(base + j, v.dtype)));
    operands = [...operands, ...producer.inputs];
    expr = substitute(expr, operands.map((v, j) => (j === i ? inner : input(j, v.dtype))));
    inlined.add(producer);
  }
  // One formula input per distinct variable.
  const distinct = [...new Set(operands)];
  expr = substitute(expr, operands.map((v) => input(distinct.indexOf(v), v.dtype)));
  return { expr, operands: distinct, inlined };
}

function inputsRead(e: ScalarExpr, into = new Set<number>()): Set<number> {
  if (e.k === 'in') into.add(e.i);
  else if (e.k === 'call') e.args.forEach((a) => inputsRead(a, into));
  return into;
}

/** Rank-0 Composite nodes already made, by formula: every update scaled by -η shares one. */
type ScalarNodes = Map<string, { reads: readonly Variable[]; value: Variable }[]>;

/** A rank-0 formula over scalar operands as a variable: the operand itself, a constant, or a Composite node. */
function scalarOf(e: ScalarExpr, operands: readonly Variable[], node: Apply, made: ScalarNodes): Variable {
  const used = [...inputsRead(e)].sort((a, b) => a - b);
  if (e.k === 'in') return operands[e.i]!;
  // A constant: its value as the reference backend computes the formula.
  if (used.length === 0) {
    const value = NDArray.zeros(e.dtype, []);
    elementwiseKernel(e, 0)([], [], value.data, []);
    return new Constant(value);
  }
  const local = substitute(e, operands.map((v, i) => input(Math.max(used.indexOf(i), 0), v.dtype)));
  const reads = used.map((i) => operands[i]!);
  const key = formulaKey(local);
  const same = made.get(key)?.find((m) => m.reads.every((v, i) => v === reads[i]));
  if (same) return same.value;
  const value = new Composite(local, reads.map((v) => v.dtype), ['gemm']).apply(reads, node.site).outputs[0]!;
  made.set(key, [...(made.get(key) ?? []), { reads, value }]);
  return value;
}

/**
 * The Gemm node that computes `node`, when its formula (with the producers only it reads written
 * in) is β·Z + α·P: P a matrix product of two matrices that nothing else reads, Z a matrix of the
 * result's shape, α and β read only scalars (rank 0), and no other term.
 */
function gemmFor(fg: FunctionGraph, node: ElemwiseNode, replaced: ReadonlyMap<Variable, Variable>, made: ScalarNodes): Variable | null {
  const out = node.outputs[0]!;
  const dtype = out.dtype;
  if (dtype !== 'float32' && dtype !== 'float64') return null;
  const { expr, operands, inlined } = flatten(fg, node);
  const read = inputsRead(expr);
  const isProduct = (v: Variable) => {
    const p = v.owner;
    return p?.op instanceof Dot && p.inputs.every((x) => x.ndim === 2 && x.dtype === dtype) && v.dtype === dtype
      && fg.clients(v).every(([c]) => c === node || inlined.has(c as Apply)) && fullShape(v, out);
  };
  const full = [...read].filter((i) => fullShape(operands[i]!, out));
  if ([...read].some((i) => !full.includes(i) && operands[i]!.ndim !== 0)) return null;
  for (const at of full.filter((i) => isProduct(operands[i]!))) {
    const form = affineForm(expr, new Set(full), dtype);
    if (!form || form.rest || form.coefficients.size !== 2) continue;
    const zAt = [...form.coefficients.keys()].find((i) => i !== at);
    if (zAt === undefined || !form.coefficients.has(at)) continue;
    const z = operands[zAt]!;
    if (z.dtype !== dtype) continue;
    const product = operands[at]!.owner!;
    const [x, y] = product.inputs.map((v) => replaced.get(v) ?? v);
    const alpha = scalarOf(form.coefficients.get(at)!, operands, node, made);
    const beta = scalarOf(form.coefficients.get(zAt)!, operands, node, made);
    // A shape mismatch of Z against the product names the user's elementwise op, as unfused.
    const userOp = node.op.fusedParts?.at(-1)?.op ?? node.op.name;
    const parts = [{ op: userOp, site: node.site, operands: [{ from: { input: 0 }, type: operands[at]!.type }, { from: { input: 1 }, type: z.type }] }];
    const gemm = new Gemm(product.op as Dot, dtype, parts, product.site);
    return gemm.apply([x!, y!, replaced.get(z) ?? z, alpha, beta], node.site).outputs[0]!;
  }
  return null;
}

/**
 * PyTensor's gemm rewrite: an elementwise node that is β·Z + α·dot(X, Y) (Z a matrix of the
 * result's shape, α and β computed from scalars, the product read by nothing else) becomes one
 * Gemm node. An SGD step's update `W - η·(xᵀ·g)`, or `W·(1 - ηλ/n) - η·(xᵀ·g)` with L2, is then one
 * product summed into W, which a backend may write in place; the product_epilogue rule refuses
 * those updates (a formula applied after the last k-block would read W after C held partial sums).
 * Runs in the fuse phase after elementwise fusion and before product_epilogue. Opt-in: a backend
 * lists it where the fused form pays (native); the others run the epilogue form of any Gemm they meet.
 */
export function fuseGemmUpdates(fg: FunctionGraph, reason = 'gemm'): void {
  const replaced = new Map<Variable, Variable>();
  const made: ScalarNodes = new Map();
  for (const node of fg.nodes) {
    if (!isFusable(node)) continue;
    const out = node.outputs[0]!;
    const result = gemmFor(fg, node, replaced, made);
    if (result && keepsType(out, result)) replaced.set(out, result);
  }
  fg.replaceAll([...replaced], reason);
}

export const gemmRewrite: GlobalRewrite = {
  kind: 'global',
  name: 'gemm',
  phase: 'fuse',
  order: 4,
  optIn: true,
  run: (fg) => fuseGemmUpdates(fg),
};

registerRewrite(gemmRewrite);
