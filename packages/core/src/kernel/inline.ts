import type { Apply } from '../graph/apply.js';
import type { DType } from '../dtype.js';
import { broadcastStrides, elementwiseRunShape } from '../elemwise.js';
import { shapeSize, stridesOf } from '../ndarray.js';
import { call, input, type ScalarExpr } from '../scalar/expr.js';
import { I, fromFormula } from './builder.js';
import { collapseAxes } from './collapse.js';
import { elementwiseProgram } from './elementwise-program.js';
import type { BufferDecl, Expr, Idx, Kernel, Stmt } from './ir.js';
import type { BufferRef, KernelProgram, Launch, LaunchPlan, PlanOperand } from './program.js';

/**
 * Inlining elementwise producers into a consumer's kernels: the one mechanism by which fusion
 * works on the kernel IR. The fused node's operands are the consumer's, each inlined operand
 * replaced in place by its producer's operands. Where a consumer kernel loads an inlined operand
 * at flat offset `at`, the inlined kernel evaluates the producer's formula over loads of the
 * producer's operands at the element `at` names, and rounds it into the producer's dtype, as the
 * unfused graph stores it before the consumer reads it. A producer operand is read
 *  - at `at` when its type says it has the producer's shape (its rank, statically 1 on the same
 *    axes: broadcasting stretches only axes declared 1),
 *  - at 0 when every declared length is 1 (a scalar),
 *  - otherwise through the multi-index of `at` in the producer's shape: the plan passes the
 *    (merged) extents, their row-major strides and the operand's broadcast strides as extra
 *    parameters after the consumer's.
 *
 * Which of a kernel's buffers holds an operand is a launch's business (the plan binds them). The
 * inliner relies on the convention ops' kernels follow, that a kernel declares the node's inputs
 * first, in order: a kernel's buffer s is inlined when operand s is and the buffer is read with its
 * dtype. The plan checks each launch: one that binds operands as predicted runs the inlined
 * kernel; one that binds no inlined operand runs the consumer's kernel as it is; any other first
 * computes the producers it binds into scratch buffers (the producer's elementwise kernel) and runs
 * the consumer's kernel on them. Results are the same on every path.
 */
export function inlineProducers(consumer: Apply, producers: readonly (Apply | null)[]): KernelProgram | null {
  const program = consumer.op.kernels?.(consumer);
  if (!program) return null;
  const inlined = consumer.inputs.map((_, j) => (producers[j] ? producerOf(producers[j]!) : null));
  for (const j of program.valueInputs ?? []) {
    if (inlined[j]) throw new Error(`${consumer.op.name}: operand ${j} cannot be inlined: its plan reads the operand's values`);
  }
  // The fused operands: each consumer operand's first position and how many it takes.
  const first: number[] = [];
  let n = 0;
  for (const p of inlined) {
    first.push(n);
    n += p ? p.reads.length : 1;
  }

  const kernels: Kernel[] = [...program.kernels];
  const variants = program.kernels.map((k) => {
    const slots = k.buffers.flatMap((b, s) => (s < inlined.length && inlined[s] && b.access === 'read' && b.dtype === consumer.inputs[s]!.dtype ? [s] : []));
    if (!slots.length) return null;
    kernels.push(inlineKernel(k, new Map(slots.map((s) => [s, inlined[s]!]))));
    return { kernel: kernels.length - 1, slots };
  });
  // The producers as kernels of their own, for a launch whose buffers break the convention.
  const materialized = inlined.map((p, j) => {
    if (!p) return null;
    const own = elementwiseProgram(p.node, p.formula);
    kernels.push({ ...own.kernels[0]!, name: `${consumer.op.name.replace(/\W/g, '_')}_operand${j}` });
    return { kernel: kernels.length - 1, program: own };
  });

  const valueInputs = program.valueInputs?.map((j) => first[j]!);
  return {
    kernels,
    ...(valueInputs?.length ? { valueInputs } : {}),
    plan(operands: readonly PlanOperand[]): LaunchPlan {
      const ownOperands = inlined.map((p, j) => (p ? operands.slice(first[j]!, first[j]! + p.reads.length) : []));
      const shapes = inlined.map((p, j) => (p ? elementwiseRunShape(p.node, ownOperands[j]!.map((o) => o.shape)) : null));
      const plan = program.plan(inlined.map((_, j) => (shapes[j] ? { shape: shapes[j]! } : operands[first[j]!]!)));
      const extra = inlined.map((p, j) => (p ? multiIndexParams(p, shapes[j]!, ownOperands[j]!.map((o) => o.shape)) : []));
      const temps = [...(plan.temps ?? [])];
      const launches: Launch[] = [];
      const scratch = new Map<number, number>();
      const direct = (r: BufferRef): BufferRef => ('input' in r ? { input: first[r.input]! } : r);
      const inlinedAt = (r: BufferRef): number | null => ('input' in r && inlined[r.input] ? r.input : null);
      // Operand j computed into a scratch buffer by its producer's kernel, once a call.
      const producerInto = (j: number): number => {
        let t = scratch.get(j);
        if (t !== undefined) return t;
        t = temps.length;
        temps.push({ dtype: inlined[j]!.dtype, size: shapeSize(shapes[j]!) });
        scratch.set(j, t);
        const m = materialized[j]!;
        for (const l of m.program.plan(ownOperands[j]!).launches) {
          launches.push({ kernel: m.kernel, buffers: l.buffers.map((r) => ('input' in r ? { input: first[j]! + r.input } : { temp: t! })), params: l.params });
        }
        return t;
      };
      for (const l of plan.launches) {
        const v = variants[l.kernel];
        const bound = l.buffers.flatMap((r, s) => (inlinedAt(r) !== null ? [s] : []));
        if (v && v.slots.every((s) => inlinedAt(l.buffers[s]!) === s) && bound.every((s) => v.slots.includes(s))) {
          const buffers = l.buffers.flatMap((r, s) => (v.slots.includes(s) ? inlined[s]!.reads.map((_, q) => ({ input: first[s]! + q })) : [direct(r)]));
          launches.push({ kernel: v.kernel, buffers, params: [...l.params, ...v.slots.flatMap((s) => extra[s]!)] });
        } else {
          const buffers = l.buffers.map((r) => {
            const j = inlinedAt(r);
            return j === null ? direct(r) : { temp: producerInto(j) };
          });
          launches.push({ kernel: l.kernel, buffers, params: l.params });
        }
      }
      return { outputs: plan.outputs, ...(temps.length ? { temps } : {}), launches };
    },
  };
}

/** How the inlined kernel reads one of the producer's operands at the flat offset of an element of its result. */
type Read = 'same' | 'scalar' | 'broadcast';

interface Producer {
  readonly node: Apply;
  readonly formula: ScalarExpr;
  readonly dtype: DType;
  /** One per producer operand. */
  readonly reads: readonly Read[];
}

function producerOf(node: Apply): Producer {
  const formula = node.op.scalarFormula?.(node.inputs.map((v, i) => input(i, v.dtype)), node);
  if (!formula) throw new Error(`${node.op.name} is not elementwise: it has no scalar formula to inline`);
  const out = node.outputs[0]!;
  const reads = node.inputs.map((v): Read => {
    if (v.shape.every((d) => d === 1)) return 'scalar';
    return v.ndim === out.ndim && v.shape.every((d, a) => (d === 1) === (out.shape[a] === 1)) ? 'same' : 'broadcast';
  });
  return { node, formula, dtype: out.dtype, reads };
}

/**
 * The parameters of a producer's multi-index reads for its result of `shape`: the merged extents,
 * their row-major strides (but the last, 1), then each broadcast operand's strides.
 */
function multiIndexParams(p: Producer, shape: readonly number[], operandShapes: readonly (readonly number[])[]): number[] {
  const broadcast = p.reads.flatMap((r, q) => (r === 'broadcast' ? [q] : []));
  if (!broadcast.length) return [];
  const c = collapseAxes(shape, [stridesOf(shape), ...broadcast.map((q) => broadcastStrides(operandShapes[q]!, shape))]);
  // A zero-length axis leaves nothing to read; strides of at least 1 keep every division defined.
  const rowMajor = stridesOf(c.shape).map((s) => Math.max(1, s));
  return [...c.shape, ...rowMajor.slice(0, -1), ...c.strides.slice(1).flat()];
}

/**
 * `k` with the buffers in `slots` replaced by their producers' operands (in place, so the buffers
 * keep the node's operand order) and every load of them by the producer's formula.
 */
function inlineKernel(k: Kernel, slots: ReadonlyMap<number, Producer>): Kernel {
  const buffers: BufferDecl[] = [];
  const renumber = new Map<number, number>();
  const operandBufs = new Map<number, number[]>();
  k.buffers.forEach((b, s) => {
    const p = slots.get(s);
    if (!p) {
      renumber.set(s, buffers.length);
      buffers.push(b);
      return;
    }
    operandBufs.set(s, p.node.inputs.map((v) => buffers.push({ dtype: v.dtype, access: 'read' }) - 1));
  });
  let nParams = k.nParams;
  const params = (count: number): Idx[] => Array.from({ length: count }, (): Idx => ({ k: 'param', p: nParams++ }));
  // Each inlined buffer's multi-index parameters, in slot order (the plan appends them so).
  const multiIndex = new Map<number, { extents: Idx[]; rowMajor: Idx[]; strides: Map<number, Idx[]> }>();
  for (const [s, p] of [...slots].sort(([a], [b]) => a - b)) {
    const broadcast = p.reads.flatMap((r, q) => (r === 'broadcast' ? [q] : []));
    if (!broadcast.length) continue;
    const rank = p.node.outputs[0]!.ndim;
    const extents = params(rank);
    const rowMajor = [...params(rank - 1), I.lit(1)];
    multiIndex.set(s, { extents, rowMajor, strides: new Map(broadcast.map((q) => [q, params(rank)])) });
  }

  const valueAt = (s: number, at: Idx): Expr => {
    const p = slots.get(s)!;
    const bufs = operandBufs.get(s)!;
    const mi = multiIndex.get(s);
    const loads = p.reads.map((r, q): Expr => {
      const where = r === 'same' ? at : r === 'scalar' ? I.lit(0) : elementOf(at, mi!.extents, mi!.rowMajor, mi!.strides.get(q)!);
      return { k: 'load', buf: bufs[q]!, at: where, dtype: p.node.inputs[q]!.dtype };
    });
    return rounded(fromFormula(p.formula, loads));
  };

  const idx = (i: Idx): Idx => {
    switch (i.k) {
      case 'lit': case 'var': case 'param': return i;
      case 'read': return slots.has(i.buf) ? { k: 'trunc', x: valueAt(i.buf, idx(i.at)) } : { k: 'read', buf: renumber.get(i.buf)!, at: idx(i.at) };
      case 'op': return { ...i, a: idx(i.a), b: idx(i.b) };
      case 'sel': return { ...i, c: idx(i.c), a: idx(i.a), b: idx(i.b) };
      case 'trunc': return { k: 'trunc', x: expr(i.x) };
    }
  };
  const expr = (e: Expr): Expr => {
    switch (e.k) {
      case 'const': case 'get': return e;
      case 'call': return { ...e, args: e.args.map(expr) };
      case 'load': return slots.has(e.buf) ? valueAt(e.buf, idx(e.at)) : { ...e, buf: renumber.get(e.buf)!, at: idx(e.at) };
      case 'index': return { ...e, at: idx(e.at) };
      case 'reduce': return { ...e, over: e.over.map((r) => ({ v: r.v, lo: idx(r.lo), hi: idx(r.hi) })), body: expr(e.body), ...(e.at ? { at: idx(e.at) } : {}) };
    }
  };
  const stmt = (s: Stmt): Stmt => {
    switch (s.k) {
      case 'let': return { ...s, value: expr(s.value) };
      case 'store': return { ...s, buf: renumber.get(s.buf)!, at: idx(s.at), value: expr(s.value) };
      case 'check': return { k: 'check', cond: idx(s.cond) };
    }
  };
  return { ...k, name: `${k.name}_inlined`, buffers, nParams, space: k.space.map(idx), body: k.body.map(stmt) };
}

/** The offset, in an operand of broadcast `strides`, of the element at flat offset `at` of a row-major array of `extents`. */
function elementOf(at: Idx, extents: readonly Idx[], rowMajor: readonly Idx[], strides: readonly Idx[]): Idx {
  const last = extents.length - 1;
  return I.sum(...extents.map((n, d) => {
    const along = d === last ? at : I.div(at, rowMajor[d]!);
    // The outermost index is below its extent already.
    return I.mul(d === 0 ? along : I.mod(along, n), strides[d]!);
  }));
}

/**
 * A computed float32 value rounded to float32 where the unfused graph stores it (the JavaScript
 * printer otherwise keeps the double; the other printers compute float32 in float32).
 */
function rounded(e: Expr): Expr {
  return e.k === 'call' && e.dtype === 'float32' && e.f !== 'cast' ? call<Expr>('cast', [e], 'float32') : e;
}
