import type { DType } from '@hypatia/core';
import { lit, list, ref, type Arg, type ArgValue, type Event, type Program, type Stmt } from './program.js';
import type { Rng } from './rng.js';

/** A value of a program being generated: its name and its concrete shape in the first call. */
export interface Val { name: string; shape: number[]; dtype: DType }

/**
 * A program under construction: statements with fresh names, the shape of every value (so a
 * generator picks operands that fit), inputs with a way to draw their arguments for each call.
 */
export class Draft {
  readonly stmts: Stmt[] = [];
  readonly inputs: { val: Val; draw: (call: number) => unknown }[] = [];
  readonly outputs: string[] = [];
  readonly updates: [string, string][] = [];
  readonly shareds: Val[] = [];
  /** How many calls in a row the training step gets. */
  calls = 3;
  private count = 0;

  constructor(readonly rng: Rng, readonly dtype: DType) {}

  fresh(prefix: string): string {
    return `${prefix}${this.count++}`;
  }

  /** A symbolic input; `static` gives its declared shape (null: known only at run time). */
  input(prefix: string, dtype: DType, shape: number[], draw: (call: number) => unknown, declared = shape.map((d) => (d === 1 ? 1 : null))): Val {
    const name = this.fresh(prefix);
    this.stmts.push({ out: name, fn: 'tensor', args: [lit(dtype), lit(declared), lit(name)] });
    const val = { name, shape, dtype };
    this.inputs.push({ val, draw });
    return val;
  }

  /** Uniform float data of a shape, rounded so the printed program holds exactly what ran. */
  floats(shape: readonly number[], lo = -1, hi = 1): unknown {
    return this.rng.array(shape, () => this.rng.uniform(lo, hi));
  }

  shared(prefix: string, shape: number[], data: unknown = this.floats(shape, -0.5, 0.5), dtype: DType = this.dtype): Val {
    const name = this.fresh(prefix);
    this.stmts.push({ out: name, fn: 'shared', args: [lit(data), lit(dtype), lit(name)] });
    const val = { name, shape, dtype };
    this.shareds.push(val);
    return val;
  }

  /** `fn(...args)` bound to a new name; the caller states the result's shape. */
  call(fn: string, args: (Arg | Val | number | string)[], shape: number[], dtype: DType = this.dtype, prefix = 'v'): Val {
    const name = this.fresh(prefix);
    this.stmts.push({ out: name, fn, args: args.map(asArg) });
    return { name, shape, dtype };
  }

  method(on: string, fn: string, args: (Arg | Val | number | string)[], shape: number[], dtype: DType): Val {
    const name = this.fresh('r');
    this.stmts.push({ out: name, fn, on, args: args.map(asArg) });
    return { name, shape, dtype };
  }

  grad(cost: Val, wrt: readonly Val[]): Val[] {
    const names = wrt.map(() => this.fresh('g'));
    this.stmts.push({ out: names, fn: 'grad', args: [ref(cost.name), list(...wrt.map((w) => ref(w.name)))] });
    return wrt.map((w, k) => ({ name: names[k]!, shape: w.shape, dtype: w.dtype }));
  }

  /**
   * The program and what happens to it: the training step called several times in a row; often
   * an evaluation function of the same graph without updates (network3's validation cost)
   * called after each step; sometimes a shared variable set from outside between steps.
   */
  finish(seed: number, family: string): Program {
    const { rng } = this;
    const inputs = this.inputs.map((i) => i.val.name);
    const outputs = [...new Set(this.outputs)];
    const functions = [{ inputs, outputs, updates: this.updates }];
    if (rng.chance(0.35)) functions.push({ inputs, outputs: outputs.slice(0, rng.int(1, outputs.length)), updates: [] });
    const args = (c: number): ArgValue[] => this.inputs.map((i) => ({ data: i.draw(c), dtype: i.val.dtype }));
    const events: Event[] = [];
    for (let c = 0; c < this.calls; c++) {
      if (c > 0 && rng.chance(0.15)) {
        const v = rng.pick(this.shareds);
        events.push({ set: v.name, value: { data: this.floats(v.shape, -0.5, 0.5), dtype: v.dtype } });
      }
      events.push({ call: 0, args: args(c) });
      if (functions.length > 1) events.push({ call: 1, args: args(c) });
    }
    return { seed, family, dtype: this.dtype, stmts: this.stmts, functions, events };
  }
}

function asArg(a: Arg | Val | number | string): Arg {
  if (typeof a === 'number' || typeof a === 'string') return lit(a);
  if ('name' in a && 'shape' in a) return ref(a.name);
  return a;
}
