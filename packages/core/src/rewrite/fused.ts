import type { DType } from '../dtype.js';
import type { NDArray } from '../ndarray.js';
import type { Apply } from '../graph/apply.js';
import { Op, ShapeError } from '../graph/op.js';
import type { TensorType } from '../graph/type.js';
import type { Variable } from '../graph/variable.js';
import type { FusedPart, PartSource } from '../graph/fused-parts.js';
import type { Site } from '../site.js';
import { formulaKey, type ScalarExpr } from '../scalar/expr.js';
import { inlineProducers } from '../kernel/inline.js';
import type { KernelProgram } from '../kernel/program.js';
import { Composite } from './composite.js';

/** An elementwise producer inlined into one of a consumer's operands. */
export interface InlinedProducer {
  /** Its formula over its own operands `$0..$n-1`, of dtypes `inputDtypes`. */
  readonly formula: ScalarExpr;
  readonly inputDtypes: readonly DType[];
  /** Names of the fused elementwise ops, outermost last, for printing. */
  readonly fusedOps: readonly string[];
  /** The user's elementwise nodes it computes (their `input` sources are its operands), for run-time errors. */
  readonly parts: readonly FusedPart[];
  /** Where the user built it (its outermost node). */
  readonly site: Site;
}

/**
 * A consumer op (a reduction, a softmax, a label loss, a gather) whose operands may be computed
 * by elementwise producers inside its kernels: the producers' results are never stored. The
 * node's operands are the consumer's, each inlined one replaced in place by its producer's
 * operands. Its reference semantics are the unfused graph's: each producer's formula, stored in
 * its dtype, then the consumer's perform; its kernels are the consumer's with the producers'
 * formulas inlined (kernel/inline.ts). Made by the fuse phase, after gradients are built, so it
 * has no gradient of its own.
 */
export class Fused extends Op {
  readonly name = 'fused';
  static override readonly props = ['consumer', 'inlined'];
  /** What identifies each inlined producer: its operands' dtypes and formula (null: the operand is passed as it is). */
  readonly inlined: readonly (string | null)[];
  /** The producers as elementwise ops over their own operands. */
  readonly producerOps: readonly (Composite | null)[];
  /** Each consumer operand's first position among the node's operands. */
  readonly first: readonly number[];
  /** How many operands the node takes. */
  readonly arity: number;
  override readonly fusedParts: readonly FusedPart[];

  constructor(readonly consumer: Op, readonly producers: readonly (InlinedProducer | null)[]) {
    super();
    this.producerOps = producers.map((p) => (p ? new Composite(p.formula, p.inputDtypes, p.fusedOps, p.parts) : null));
    const first: number[] = [];
    let n = 0;
    for (const p of producers) {
      first.push(n);
      n += p ? p.inputDtypes.length : 1;
    }
    this.first = first;
    this.arity = n;
    this.inlined = producers.map((p) => (p ? `${p.inputDtypes.join(',')}:${formulaKey(p.formula)}` : null));
    // The producers' parts, their operands numbered as the node's.
    const parts: FusedPart[] = [];
    producers.forEach((p, j) => {
      if (!p) return;
      const offset = parts.length;
      const move = (from: PartSource): PartSource => ('input' in from ? { input: first[j]! + from.input } : 'part' in from ? { part: offset + from.part } : from);
      parts.push(...p.parts.map((part) => ({ ...part, operands: part.operands.map((o) => ({ from: move(o.from), type: o.type })) })));
    });
    this.fusedParts = parts;
  }

  inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts.length !== this.arity) throw new ShapeError(`takes ${this.arity} operands, got ${ts.length}`);
    const consumerTypes = this.producerOps.map((p, j) => (p ? p.inferTypes(ts.slice(this.first[j], this.first[j]! + p.spec.arity))[0]! : ts[this.first[j]!]!));
    return this.consumer.inferTypes(consumerTypes);
  }

  perform(ins: readonly NDArray[], node: Apply, reuse?: readonly (NDArray | undefined)[]): NDArray[] {
    const parts = this.decomposed(node);
    const values = parts.producers.map((p, j) => (p ? p.op.perform(ins.slice(this.first[j], this.first[j]! + p.inputs.length), p)[0]! : ins[this.first[j]!]!));
    return this.consumer.perform(values, parts.consumer, reuse);
  }

  /** The consumer's kernels with the producers' formulas inlined where they load an inlined operand. */
  override kernels(node: Apply): KernelProgram | null {
    const parts = this.decomposed(node);
    return inlineProducers(parts.consumer, parts.producers);
  }

  override toString(): string {
    return `fused{${this.consumer.toString()}(${this.producers.map((p) => (p ? p.fusedOps.join(',') : '_')).join('; ')})}`;
  }

  private readonly parts = new WeakMap<Apply, { producers: (Apply | null)[]; consumer: Apply }>();

  /**
   * The producer nodes and the consumer node this node stands for, built once per node: their
   * perform and plans name the user's nodes (the producers' parts, the consumer's line) in errors.
   */
  decomposed(node: Apply): { producers: (Apply | null)[]; consumer: Apply } {
    let parts = this.parts.get(node);
    if (!parts) {
      const producers = this.producerOps.map((p, j) => (p ? p.apply(node.inputs.slice(this.first[j], this.first[j]! + p.spec.arity), this.producers[j]!.site) : null));
      const operands: Variable[] = producers.map((p, j) => (p ? p.outputs[0]! : node.inputs[this.first[j]!]!));
      this.parts.set(node, (parts = { producers, consumer: this.consumer.apply(operands, node.site) }));
    }
    return parts;
  }
}
