import type { Apply } from './apply.js';
import { Constant, SharedVariable, type Variable } from './variable.js';
import { toposort } from './traverse.js';

/** A one-line infix rendering: `sigmoid(add(dot(x, W), b))`. */
export function pprint(v: Variable): string {
  const memo = new Map<Variable, string>();
  for (const node of toposort([v])) {
    const args = node.inputs.map((x) => memo.get(x) ?? leafName(x));
    const s = `${node.op.toString()}(${args.join(', ')})`;
    node.outputs.forEach((o, i) => memo.set(o, node.outputs.length > 1 ? `${s}[${i}]` : s));
  }
  return memo.get(v) ?? leafName(v);
}

function leafName(v: Variable): string {
  if (v instanceof Constant) return v.toString();
  if (v instanceof SharedVariable) return v.name ?? `shared#${v.id}`;
  return v.name ?? `<${v.type}>`;
}

/**
 * An indented tree, as Theano's debugprint: one line per node with its op, an id, and its type.
 * A node already printed is referred to by its id instead of being expanded again.
 */
export function debugPrintGraph(outputs: readonly Variable[]): string {
  const ids = new Map<Apply, string>();
  let next = 0;
  const idOf = (n: Apply) => {
    let s = ids.get(n);
    if (!s) { s = idName(next++); ids.set(n, s); }
    return s;
  };
  const lines: string[] = [];
  const printed = new Set<Apply>();
  const walk = (v: Variable, depth: number) => {
    const pad = ' '.repeat(depth);
    if (!v.owner) {
      const kind = v instanceof Constant ? 'Constant' : v instanceof SharedVariable ? 'Shared' : 'Input';
      lines.push(`${pad}${leafName(v)} [${kind}] ${v.type}`);
      return;
    }
    const node = v.owner;
    const out = node.outputs.length > 1 ? `.${v.index}` : '';
    const tag = `${node.op.toString()}${out} [id ${idOf(node)}] ${v.type}${v.name ? ` '${v.name}'` : ''}`;
    if (printed.has(node)) { lines.push(`${pad}${tag} (see above)`); return; }
    printed.add(node);
    lines.push(`${pad}${tag}`);
    for (const x of node.inputs) walk(x, depth + 1);
  };
  for (const o of outputs) walk(o, 0);
  return lines.join('\n');
}

function idName(n: number): string {
  let s = '';
  do { s = String.fromCharCode(65 + (n % 26)) + s; n = Math.floor(n / 26) - 1; } while (n >= 0);
  return s;
}
