import { isFloat } from './dtype.js';
import { GradientError } from './errors.js';
import { DISCONNECTED } from './graph/op.js';
import { cloneGraph, toposort } from './graph/traverse.js';
import { Variable } from './graph/variable.js';
import { addAll, onesLike, zerosLike } from './grad-ops.js';

/**
 * Options of `grad`: constants to stop at, gradients known in advance, and what a disconnected `wrt` gets.
 */
export interface GradOptions {
  /** Treat these as constants: no gradient flows through them (Theano's consider_constant). */
  consider?: readonly Variable[];
  /** Gradients already known for some variables, added as seeds (Theano's known_grads). */
  knownGrads?: ReadonlyMap<Variable, Variable> | readonly (readonly [Variable, Variable])[];
  /** What to do for a `wrt` the cost does not depend on: throw (default), return zeros, or return null. */
  disconnected?: 'raise' | 'zero' | 'none';
}

/** Options under which every `wrt` gets a gradient variable (none is left null). */
type EveryGradient = GradOptions & { disconnected?: 'raise' | 'zero' };

/**
 * Reverse-mode gradient of a scalar `cost` as new graph. Each op's `grad` gives a vector-Jacobian
 * product; contributions to a variable used in several places are summed. Only
 * `{disconnected: 'none'}` can leave a result null, so only then does the type say so.
 */
export function grad(cost: Variable | null, wrt: Variable, options?: EveryGradient): Variable;
export function grad(cost: Variable | null, wrt: readonly Variable[], options?: EveryGradient): Variable[];
export function grad(cost: Variable | null, wrt: Variable, options: GradOptions): Variable | null;
export function grad(cost: Variable | null, wrt: readonly Variable[], options: GradOptions): (Variable | null)[];
export function grad(cost: Variable | null, wrt: Variable | readonly Variable[], options: GradOptions = {}): Variable | null | (Variable | null)[] {
  const targets = Array.isArray(wrt) ? (wrt as readonly Variable[]) : [wrt as Variable];
  const policy = options.disconnected ?? 'raise';
  const contributions = new Map<Variable, Variable[]>();
  const push = (v: Variable, g: Variable) => {
    const list = contributions.get(v);
    if (list) list.push(g); else contributions.set(v, [g]);
  };

  const seeds: Variable[] = [];
  if (cost) {
    if (cost.ndim !== 0) throw new GradientError('grad', `the cost must be a scalar, got ${cost.type}; reduce it first (sum or mean)`, cost.site);
    if (!isFloat(cost.dtype)) throw new GradientError('grad', `the cost must be a float, got ${cost.dtype}`, cost.site);
    push(cost, onesLike(cost));
    seeds.push(cost);
  }
  const known = options.knownGrads instanceof Map ? [...options.knownGrads] : [...((options.knownGrads ?? []) as [Variable, Variable][])];
  for (const [v, g] of known) {
    checkGradType('known_grads', v, g);
    push(v, g);
    seeds.push(v);
  }
  if (!seeds.length) throw new GradientError('grad', 'needs a cost or known gradients');
  for (const t of targets) {
    if (!isFloat(t.dtype)) throw new GradientError('grad', `cannot differentiate with respect to ${t} of integer type ${t.type}`, t.site);
  }

  const constants = new Set(options.consider ?? []);
  const nodes = toposort(seeds, constants);
  // Only nodes on a path from a target to a seed need their gradient.
  const reaches = new Set<Variable>(targets);
  for (const node of nodes) {
    if (node.inputs.some((v) => reaches.has(v) && !constants.has(v))) for (const o of node.outputs) reaches.add(o);
  }

  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    if (!node.outputs.some((o) => reaches.has(o))) continue;
    const summed = node.outputs.map((o) => {
      const list = contributions.get(o);
      return list ? addAll(list) : null;
    });
    if (summed.every((g) => g === null)) continue;
    if (!node.op.grad) throw new GradientError(node.op.name, 'has no gradient defined', node.site);
    const gOuts = summed.map((g, i) => g ?? zerosLike(node.outputs[i]!));
    const gIns = node.op.grad(node.inputs, node.outputs, gOuts);
    if (gIns.length !== node.inputs.length) {
      throw new GradientError(node.op.name, `grad returned ${gIns.length} gradients for ${node.inputs.length} inputs`, node.site);
    }
    node.inputs.forEach((x, i) => {
      const g = gIns[i]!;
      if (g === DISCONNECTED) return;
      if (!(g instanceof Variable)) {
        throw new GradientError(node.op.name, `grad returned ${JSON.stringify(g) ?? String(g)} for input ${i} (${x}); return a variable of its type, or DISCONNECTED when no gradient flows to it`, node.site);
      }
      if (!reaches.has(x) || constants.has(x) || !isFloat(x.dtype)) return;
      checkGradType(node.op.name, x, g, node.site);
      push(x, g);
    });
  }

  const results = targets.map((t): Variable | null => {
    const list = contributions.get(t);
    if (list) return addAll(list);
    if (policy === 'zero') return zerosLike(t);
    if (policy === 'none') return null;
    throw new GradientError('grad', `the cost does not depend on ${t} (${t.type}); pass {disconnected: 'zero'} to get zeros`, t.site);
  });
  return Array.isArray(wrt) ? results : results[0] ?? null;
}

function checkGradType(op: string, x: Variable, g: Variable, site = x.site): void {
  const why = x.type.mismatch(g);
  if (why) throw new GradientError(op, `gradient for ${x} has type ${g.type} but the variable has type ${x.type}: ${why}`, site);
}

type OneOrMany = Variable | readonly Variable[];
const many = (x: OneOrMany): readonly Variable[] => (x instanceof Variable ? [x] : x);

/**
 * Theano's Lop: the vector-Jacobian product `vᵀ ∂f/∂wrt` for outputs `f` and cotangents `v` (one
 * per output, of its type), as graph: reverse mode seeded with `v`. Returns one result per `wrt`,
 * of its type, zeros where `f` does not depend on it.
 */
export function Lop(f: Variable, wrt: Variable, v: Variable): Variable;
export function Lop(f: OneOrMany, wrt: readonly Variable[], v: OneOrMany): Variable[];
export function Lop(f: OneOrMany, wrt: OneOrMany, v: OneOrMany): Variable | Variable[] {
  const fs = many(f);
  const vs = many(v);
  if (fs.length !== vs.length) throw new GradientError('Lop', `needs one cotangent per output: ${fs.length} outputs, ${vs.length} cotangents`);
  const results = grad(null, many(wrt), { knownGrads: fs.map((o, i) => [o, vs[i]!] as const), disconnected: 'zero' });
  return wrt instanceof Variable ? results[0]! : results;
}

/**
 * Theano's Rop: the Jacobian-vector product `∂f/∂wrt · v` (forward mode) for directions `v` (one
 * per `wrt`, of its type), one result per output of `f`. Computed by the double-vjp trick: the
 * vector-Jacobian product `Lop(f, wrt, u)` is linear in a dummy cotangent `u`, and its gradient
 * with respect to `u` seeded with `v` is `J v`. The result does not depend on `u`'s value; where
 * it still reads `u` (for a shape), `u` is replaced by zeros shaped like `f`.
 */
export function Rop(f: Variable, wrt: Variable, v: Variable): Variable;
export function Rop(f: OneOrMany, wrt: OneOrMany, v: OneOrMany): Variable[];
export function Rop(f: OneOrMany, wrt: OneOrMany, v: OneOrMany): Variable | Variable[] {
  const fs = many(f);
  const ws = many(wrt);
  const vs = many(v);
  if (ws.length !== vs.length) throw new GradientError('Rop', `needs one direction per variable: ${ws.length} variables, ${vs.length} directions`);
  ws.forEach((w, i) => checkGradType('Rop', w, vs[i]!));
  for (const o of fs) if (!isFloat(o.dtype)) throw new GradientError('Rop', `output ${o} has integer type ${o.type}; only float outputs have a Jacobian`, o.site);
  const us = fs.map((o) => new Variable(o.type, null, 0, `${o.name ?? 'f'}_cotangent`));
  const pulled = grad(null, ws, { knownGrads: fs.map((o, i) => [o, us[i]!] as const), disconnected: 'zero' });
  const pushed = grad(null, us, { knownGrads: pulled.map((p, i) => [p, vs[i]!] as const), disconnected: 'zero' });
  const results = cloneGraph(pushed, new Map(us.map((u, i) => [u, zerosLike(fs[i]!)])));
  return f instanceof Variable ? results[0]! : results;
}
