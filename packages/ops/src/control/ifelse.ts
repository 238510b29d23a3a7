import {
  DISCONNECTED, HypatiaError, InnerGraph, Op, ShapeError, TensorType, Variable, captureSite, grad, isFloat,
  type GradResult, type NDArray, type Op as OpType,
} from '@hypatia/core';
import { zerosLike } from '../creation/fill.js';

/**
 * Theano's IfElse: `ifelse(cond, then, else)` computes only the branch the scalar `cond` takes.
 * Each branch is a graph of its own (an InnerGraph) over some of the node's operands; the node's
 * inputs are [cond, ...operands], `thenArgs`/`elseArgs` say which operands each branch reads.
 * Built by `ifelse`, the branches just pass their values through; the `ifelse_lazy` rewrite then
 * moves into a branch the nodes that only it reads (ifelse-rewrites.ts), so those run only when
 * it is taken. A backend runs the branch taken and nothing of the other.
 */
export class IfElse extends Op {
  readonly name = 'ifelse';
  static override readonly props = ['thenArgs', 'elseArgs', 'branchKeys'];

  constructor(readonly thenBranch: InnerGraph, readonly elseBranch: InnerGraph, readonly thenArgs: readonly number[], readonly elseArgs: readonly number[]) {
    super();
    if (thenBranch.inputs.length !== thenArgs.length || elseBranch.inputs.length !== elseArgs.length) throw new HypatiaError('ifelse', 'each branch takes one input per operand it reads');
    if (thenBranch.outputs.length !== elseBranch.outputs.length) throw new HypatiaError('ifelse', `the branches give ${thenBranch.outputs.length} and ${elseBranch.outputs.length} outputs`);
  }

  get branchKeys(): string {
    return `${this.thenBranch.key()}|${this.elseBranch.key()}`;
  }

  get innerGraphs(): readonly InnerGraph[] {
    return [this.thenBranch, this.elseBranch];
  }

  withInnerGraphs([t, e]: readonly InnerGraph[]): OpType {
    return new IfElse(t!, e!, this.thenArgs, this.elseArgs);
  }

  /** The branch `cond` selects and the node's inputs it reads (cond is a scalar; NaN counts as false, as in JavaScript). */
  branch(cond: NDArray): { graph: InnerGraph; args: readonly number[] } {
    return Boolean(cond.data[0]) ? { graph: this.thenBranch, args: this.thenArgs } : { graph: this.elseBranch, args: this.elseArgs };
  }

  override toString(): string {
    return `ifelse{then=${this.thenBranch.nodes.length} nodes, else=${this.elseBranch.nodes.length} nodes}`;
  }

  inferTypes([cond, ...args]: readonly TensorType[]): TensorType[] {
    if (!cond || cond.ndim !== 0) throw new ShapeError(`the condition must be a scalar, not ${cond}`);
    const check = (g: InnerGraph, at: readonly number[], which: string) => at.forEach((a, k) => {
      const why = args[a] ? g.inputs[k]!.type.mismatch(args[a]!) : `operand ${a} is missing`;
      if (why) throw new ShapeError(`the ${which} branch reads operand ${a} as ${g.inputs[k]!.type}, but it is ${args[a]}: ${why}`);
    });
    check(this.thenBranch, this.thenArgs, 'then');
    check(this.elseBranch, this.elseArgs, 'else');
    return this.thenBranch.outputs.map((t, i) => joinTypes(t.type, this.elseBranch.outputs[i]!.type, i));
  }

  perform([cond, ...args]: readonly NDArray[]): NDArray[] {
    const { graph, args: at } = this.branch(cond!);
    return graph.evaluate(at.map((a) => args[a]!));
  }

  /** The gradient is another ifelse: each branch's vector-Jacobian product, computed only in the branch taken. */
  override grad([cond, ...args]: readonly Variable[], _outputs: readonly Variable[], gOutputs: readonly Variable[]): GradResult[] {
    const wrt = args.flatMap((a, k) => (isFloat(a.dtype) ? [k] : []));
    if (!wrt.length) return [DISCONNECTED, ...args.map(() => DISCONNECTED)];
    const branchGrad = (g: InnerGraph, at: readonly number[]) => {
      const phs = [...args, ...gOutputs].map((v) => new Variable(v.type, null, 0, v.name));
      const outs = g.applyTo(at.map((a) => phs[a]!));
      const seeds = outs.map((o, i) => [o, phs[args.length + i]!] as [Variable, Variable]).filter(([o]) => isFloat(o.dtype));
      const read = wrt.filter((k) => at.includes(k));
      const found = read.length && seeds.length ? grad(null, read.map((k) => phs[k]!), { knownGrads: seeds, disconnected: 'none' }) : [];
      const byArg = new Map(read.map((k, j) => [k, found[j] ?? null]));
      return { inputs: phs, outputs: wrt.map((k) => byArg.get(k) ?? zerosLike(phs[k]!)) };
    };
    const t = branchGrad(this.thenBranch, this.thenArgs);
    const e = branchGrad(this.elseBranch, this.elseArgs);
    const all = [...args, ...gOutputs].map((_, k) => k);
    const op = new IfElse(new InnerGraph(t.inputs, t.outputs, 'ifelse gradient'), new InnerGraph(e.inputs, e.outputs, 'ifelse gradient'), all, all);
    const node = op.apply([cond!, ...args, ...gOutputs]);
    const result: GradResult[] = [DISCONNECTED, ...args.map(() => DISCONNECTED)];
    wrt.forEach((k, j) => { result[1 + k] = node.outputs[j]!; });
    return result;
  }
}

/** The type of an output either branch may give: same dtype and rank, a length where both agree on it. */
function joinTypes(a: TensorType, b: TensorType, i: number): TensorType {
  if (a.dtype !== b.dtype || a.ndim !== b.ndim) throw new ShapeError(`output ${i} is ${a} in the then branch but ${b} in the else branch; give both branches the same dtype and rank`);
  return new TensorType(a.dtype, a.shape.map((d, k) => (d === b.shape[k] ? d : null)));
}

/**
 * Theano's ifelse: `then` when the scalar `cond` is true (non-zero), else `else`; the branch not
 * taken is not computed. `then` and `else` are one variable each or lists of the same length,
 * whose dtypes and ranks agree. What only one branch reads is computed only when it is taken
 * (once compiled: the `ifelse_lazy` rewrite moves it into the branch).
 */
export function ifelse(cond: Variable, then: Variable, otherwise: Variable): Variable;
export function ifelse(cond: Variable, then: readonly Variable[], otherwise: readonly Variable[]): Variable[];
export function ifelse(cond: Variable, then: Variable | readonly Variable[], otherwise: Variable | readonly Variable[]): Variable | Variable[] {
  const site = captureSite();
  const ts = then instanceof Variable ? [then] : [...then];
  const es = otherwise instanceof Variable ? [otherwise] : [...otherwise];
  if (ts.length !== es.length) throw new HypatiaError('ifelse', `the then branch has ${ts.length} values and the else branch ${es.length}`, site);
  if (!ts.length) throw new HypatiaError('ifelse', 'needs at least one value per branch', site);
  const args = [...new Set([...ts, ...es])];
  const branch = (vs: readonly Variable[]) => {
    const read = [...new Set(vs)];
    const phs = read.map((v) => new Variable(v.type, null, 0, v.name));
    return { graph: new InnerGraph(phs, vs.map((v) => phs[read.indexOf(v)]!), 'ifelse'), at: read.map((v) => args.indexOf(v)) };
  };
  const t = branch(ts);
  const e = branch(es);
  const node = new IfElse(t.graph, e.graph, t.at, e.at).apply([cond, ...args], site);
  return then instanceof Variable ? node.outputs[0]! : node.outputs;
}
