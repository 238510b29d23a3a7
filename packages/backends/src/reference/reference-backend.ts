import {
  NDArray, HypatiaError,
  type Apply, type Backend, type Executable, type LowerSpec, type RunResult, type Variable,
} from '@hypatia/core';
import { valueTable } from '../leaf-values.js';
import { REFERENCE_REWRITES } from '../supported-rewrites.js';

/**
 * The reference backend: runs the optimised graph node by node with each op's reference semantics,
 * on the host, in any dtype. It is the oracle the other backends are checked against. Each node
 * keeps the arrays it produced last call and may write into them again, except arrays that leave
 * the function (outputs and update values), which are always fresh.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly supportedRewrites = REFERENCE_REWRITES;
  /** It has nothing to set. */
  readonly optionNames = [] as const;
  lower(spec: LowerSpec): Executable {
    return new ReferenceExecutable(spec);
  }
}

class ReferenceExecutable implements Executable {
  private readonly nodes: Apply[];
  private readonly escaping: Set<Variable>;
  private readonly previous = new Map<Apply, (NDArray | undefined)[]>();

  constructor(private readonly spec: LowerSpec) {
    this.nodes = spec.graph.nodes;
    this.escaping = new Set(spec.graph.outputs);
  }

  get kernelCount(): number {
    return this.nodes.length;
  }

  describe(): string {
    return this.nodes.map((n, i) => `  ${i}: ${n.op.toString()}(${n.inputs.map((v) => v.type.toString()).join(', ')})`).join('\n');
  }

  async run(args: readonly NDArray[]): Promise<RunResult> {
    const { graph, inputs, nOutputs } = this.spec;
    const { values, get } = valueTable(this.spec.name, inputs, args);
    for (const node of this.nodes) {
      const reuse = node.outputs.some((o) => this.escaping.has(o)) ? undefined : this.previous.get(node);
      const outs = node.op.perform(node.inputs.map(get), node, reuse);
      node.outputs.forEach((o, i) => {
        const a = outs[i]!;
        const why = o.type.mismatch(a);
        if (why) throw new HypatiaError(node.op.name, `produced ${a.dtype}[${a.shape.join(', ')}] but its type says ${o.type}: ${why}`, node.site);
        values.set(o, a);
      });
      if (!reuse) this.previous.set(node, outs);
    }
    // Outputs that share memory with a leaf (an input, a weight: ops may return views), with a
    // buffer kept for the next call, or with another output are copied, so the caller (and a shared
    // variable adopting an update) never holds an alias that something else can overwrite.
    const kept = new Set<ArrayBufferLike>();
    for (const node of this.nodes) {
      for (const v of node.inputs) if (!v.owner) kept.add(get(v).data.buffer);
      for (const o of node.outputs) if (!this.escaping.has(o)) kept.add(get(o).data.buffer);
    }
    const result = graph.outputs.map((o) => {
      const a = get(o);
      if (!o.owner || kept.has(a.data.buffer)) return a.copy();
      kept.add(a.data.buffer);
      return a;
    });
    return { outputs: result.slice(0, nOutputs), updates: result.slice(nOutputs) };
  }
}
