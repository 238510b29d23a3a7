import type { Apply } from './apply.js';
import { Variable } from './variable.js';

/** Apply nodes needed for `outputs`, each after the nodes that produce its inputs. Iterative, so deep graphs do not overflow the stack. */
export function toposort(outputs: readonly Variable[], stopAt?: ReadonlySet<Variable>): Apply[] {
  const order: Apply[] = [];
  const state = new Map<Apply, 1 | 2>();
  const stack: [Apply, number][] = [];
  const visit = (v: Variable) => {
    if (!v.owner || stopAt?.has(v) || state.has(v.owner)) return;
    state.set(v.owner, 1);
    stack.push([v.owner, 0]);
  };
  for (const o of outputs) {
    visit(o);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1]++;
        visit(node.inputs[i]!);
      } else {
        stack.pop();
        state.set(node, 2);
        order.push(node);
      }
    }
  }
  return order;
}

/** Leaves (inputs, constants, shared variables) that `outputs` depend on, in first-seen order. */
export function graphInputs(outputs: readonly Variable[], stopAt?: ReadonlySet<Variable>): Variable[] {
  const seen = new Set<Variable>();
  const out: Variable[] = [];
  const add = (v: Variable) => { if (!seen.has(v)) { seen.add(v); out.push(v); } };
  for (const o of outputs) if (!o.owner || stopAt?.has(o)) add(o);
  for (const node of toposort(outputs, stopAt)) {
    for (const v of node.inputs) if (!v.owner || stopAt?.has(v)) add(v);
  }
  return out;
}

/**
 * Copy the graph of `outputs`, substituting `replace` (Theano's givens). Leaves not replaced are
 * kept as they are (the same input, constant and shared objects); every Apply is new.
 */
export function cloneGraph(outputs: readonly Variable[], replace: ReadonlyMap<Variable, Variable> = new Map()): Variable[] {
  const memo = new Map<Variable, Variable>(replace);
  for (const node of toposort(outputs, new Set(replace.keys()))) {
    const ins = node.inputs.map((v) => memo.get(v) ?? v);
    const copy = node.op.apply(ins, node.site);
    node.outputs.forEach((o, i) => {
      const c = copy.outputs[i]!;
      if (o.name) c.name = o.name;
      memo.set(o, c);
    });
  }
  return outputs.map((o) => memo.get(o) ?? o);
}

/** Does `v` depend on any of `targets`? */
export function dependsOn(v: Variable, targets: ReadonlySet<Variable>): boolean {
  if (targets.has(v)) return true;
  return graphInputs([v]).some((x) => targets.has(x)) || toposort([v]).some((n) => n.outputs.some((o) => targets.has(o)));
}

/** Whether `x` is a symbolic Variable (of any kind: free input, computed, constant or shared). */
export function isVariable(x: unknown): x is Variable {
  return x instanceof Variable;
}
