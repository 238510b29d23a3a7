import type { Apply } from '../graph/apply.js';
import type { Op } from '../graph/op.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OpClass<O extends Op> = abstract new (...args: any[]) => O;

/**
 * A backend's rules keyed by op class: a rule for a class also serves its subclasses (the nearest
 * class along the prototype chain wins), and a rule may decline a node (null) so the next one up
 * the chain, or the op's kernels in the IR, takes it. No op names, no casts at the call sites.
 */
export class OpTable<R, C = void> {
  private readonly rules = new Map<object, (node: Apply, op: Op, ctx: C) => R | null>();

  /** `rule` for nodes of `cls` and its subclasses; `ctx` is what `find` is given (a backend's kernel table). */
  set<O extends Op>(cls: OpClass<O>, rule: (node: Apply, op: O, ctx: C) => R | null): this {
    this.rules.set(cls.prototype, rule as (node: Apply, op: Op, ctx: C) => R | null);
    return this;
  }

  /** The result of the nearest rule that accepts the node, or null. */
  find(node: Apply, ctx: C): R | null {
    for (let proto = Object.getPrototypeOf(node.op); proto; proto = Object.getPrototypeOf(proto)) {
      const r = this.rules.get(proto)?.(node, node.op, ctx);
      if (r) return r;
    }
    return null;
  }

  /** The classes that have a rule (for documentation and tests). */
  get classes(): string[] {
    return [...this.rules.keys()].map((p) => (p as { constructor: { name: string } }).constructor.name);
  }
}
