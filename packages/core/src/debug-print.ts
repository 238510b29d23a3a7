import type { Apply } from './graph/apply.js';
import { Variable } from './graph/variable.js';
import { debugPrintGraph } from './graph/print.js';
import { toposort } from './graph/traverse.js';
import { Composite } from './rewrite/composite.js';

/** Anything with its own debug text: a compiled function. */
export interface DebugPrintable {
  debugPrint(): string;
  readonly graph?: { readonly outputs: readonly Variable[] };
}

/**
 * Theano's debugprint: the graph as an indented tree, one line per node (op, id, type), followed by
 * the formula of each fused kernel. Accepts a variable, several, or a compiled function (whose text
 * also lists the backend's kernels). Returns the text; print it with console.log.
 */
export function debugPrint(x: Variable | readonly Variable[] | DebugPrintable): string {
  if (x instanceof Variable || Array.isArray(x)) {
    const outputs = x instanceof Variable ? [x] : (x as readonly Variable[]);
    return withFormulas(debugPrintGraph(outputs), outputs);
  }
  const f = x as DebugPrintable;
  return f.graph ? withFormulas(f.debugPrint(), f.graph.outputs) : f.debugPrint();
}

function withFormulas(text: string, outputs: readonly Variable[]): string {
  const composites = toposort(outputs).filter((n): n is Apply & { op: Composite } => n.op instanceof Composite);
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const n of composites) {
    const line = `${n.op.toString()} = ${n.op.describeFormula()}`;
    if (!seen.has(line)) { seen.add(line); lines.push(`  ${line}`); }
  }
  return lines.length ? `${text}\n\nfused kernels:\n${lines.join('\n')}` : text;
}
