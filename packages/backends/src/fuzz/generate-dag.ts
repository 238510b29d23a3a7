import { lit, list, ref } from './program.js';
import { Draft, type Val } from './draft.js';

/**
 * A random expression graph over a few inputs and two shared variables: elementwise ops with
 * broadcasting, reductions, transposes, products, slices with bounds read at run time, one element
 * read and incremented or written (kernels of one point), gathers and scatters with repeated
 * indices, concatenation, softmax. Its cost's gradient updates both shared
 * variables, so every op's gradient runs too.
 */
export function generateDag(d: Draft): void {
  const { rng } = d;
  d.calls = rng.int(3, 4);
  const m = rng.int(2, 5);
  const k = rng.chance(0.4) ? m : rng.int(2, 5);
  const pool: Val[] = [];
  pool.push(d.input('A', d.dtype, [m, k], () => d.floats([m, k])));
  if (rng.chance(0.5)) pool.push(d.input('B', d.dtype, [m, k], () => d.floats([m, k])));
  pool.push(d.input('v', d.dtype, [k], () => d.floats([k])));
  const S = d.shared('S', [m, k]);
  const s = d.shared('s', [k]);
  pool.push(S, s);
  const steps = rng.int(3, 9);
  for (let i = 0; i < steps; i++) {
    const made = rng.pick(STEPS)(d, pool);
    if (made) pool.push(made);
  }
  const tail = pool.slice(-3);
  // The cost reads the last few values, so most of the graph feeds the gradient.
  let cost = d.call('sum', [d.call('square', [tail[0]!], tail[0]!.shape)], []);
  for (const t of tail.slice(1)) cost = d.call('add', [cost, d.call('mean', [t], [])], []);
  // Keeps both shared variables connected to the cost whatever the steps used.
  cost = d.call('add', [cost, d.call('mul', [d.call('add', [d.call('sum', [S], []), d.call('sum', [s], [])], []), 0.01], [])], []);
  const lr = rng.uniform(0.005, 0.05);
  const [gS, gs] = d.grad(cost, [S, s]);
  d.updates.push([S.name, d.call('sub', [S, d.call('mul', [gS!, lr], S.shape)], S.shape).name]);
  d.updates.push([s.name, d.call('sub', [s, d.call('mul', [gs!, lr], s.shape)], s.shape).name]);
  d.outputs.push(cost.name, ...tail.filter(() => rng.chance(0.5)).map((v) => v.name));
  if (rng.chance(0.3)) d.outputs.push(rng.pick([S, s, gS!]).name);
}

type Step = (d: Draft, pool: readonly Val[]) => Val | null;

const floatsIn = (pool: readonly Val[]) => pool.filter((v) => v.dtype !== 'int32');
const matrices = (pool: readonly Val[]) => floatsIn(pool).filter((v) => v.shape.length === 2);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const unary: Step = (d, pool) => {
  const x = d.rng.pick(floatsIn(pool));
  const f = d.rng.pick(['tanh', 'sigmoid', 'sin', 'abs', 'square', 'neg', 'softplus', 'relu', 'exp-tanh', 'log1p-abs', 'sqrt-abs']);
  const [outer, inner] = f.split('-') as [string, string | undefined];
  const arg = inner ? d.call(inner, [x], x.shape) : x;
  return d.call(outer, [arg], x.shape);
};

const binary: Step = (d, pool) => {
  const a = d.rng.pick(floatsIn(pool));
  // Operands that broadcast: the same shape, a trailing part of it, or a scalar.
  const fits = floatsIn(pool).filter((b) => b.shape.length <= a.shape.length && sameShape(b.shape, a.shape.slice(a.shape.length - b.shape.length)));
  const b = d.rng.pick(fits);
  const f = d.rng.pick(['add', 'sub', 'mul', 'maximum', 'minimum', 'div']);
  if (f === 'div') return d.call('div', [a, d.call('add', [d.call('square', [b], b.shape), 1], b.shape)], a.shape);
  return d.call(f, [a, b], a.shape);
};

const reduce: Step = (d, pool) => {
  const x = d.rng.pick(floatsIn(pool).filter((v) => v.shape.length > 0));
  if (!x) return null;
  const f = d.rng.pick(['sum', 'mean', 'max', 'min', 'prod']);
  const axis = d.rng.pick([undefined, 0, x.shape.length - 1]);
  const keep = axis !== undefined && d.rng.chance(0.3);
  const shape = axis === undefined ? [] : x.shape.map((n, i) => (i === axis ? (keep ? 1 : -1) : n)).filter((n) => n >= 0);
  return d.call(f, axis === undefined ? [x] : [x, axis, ...(keep ? [lit(true)] : [])], shape);
};

const transpose: Step = (d, pool) => {
  const x = d.rng.pick(matrices(pool));
  return x ? d.call('dimshuffle', [x, 1, 0], [x.shape[1]!, x.shape[0]!]) : null;
};

/** A vector as a column, which broadcasts against matrices of as many rows. */
const column: Step = (d, pool) => {
  const x = d.rng.pick(floatsIn(pool).filter((v) => v.shape.length === 1));
  if (!x) return null;
  const col = d.call('dimshuffle', [x, 0, 'x'], [x.shape[0]!, 1]);
  const partner = d.rng.pick(matrices(pool).filter((mtx) => mtx.shape[0] === x.shape[0]));
  return partner ? d.call(d.rng.pick(['add', 'mul']), [partner, col], partner.shape) : col;
};

const product: Step = (d, pool) => {
  const a = d.rng.pick(matrices(pool));
  if (!a) return null;
  const bs = floatsIn(pool).filter((b) => b.shape[0] === a.shape[1] && b.shape.length <= 2);
  const b = bs.length ? d.rng.pick(bs) : d.call('dimshuffle', [a, 1, 0], [a.shape[1]!, a.shape[0]!]);
  return d.call('dot', [a, b], b.shape.length === 2 ? [a.shape[0]!, b.shape[1]!] : [a.shape[0]!]);
};

/** A slice whose start is an int32 input that changes from call to call (bounds read at run time). */
const slice: Step = (d, pool) => {
  const x = d.rng.pick(floatsIn(pool).filter((v) => v.shape.length > 0 && v.shape[0]! >= 2));
  if (!x) return null;
  const len = d.rng.int(1, x.shape[0]! - 1);
  const i = d.input('i', 'int32', [], () => d.rng.int(0, x.shape[0]! - len));
  return d.call('sliceAxis', [x, 0, i, d.call('add', [i, len], [], 'int32')], [len, ...x.shape.slice(1)]);
};

/**
 * One element of a vector incremented or written, at a constant position or one drawn each call:
 * the region is a single point, so its kernels have no space loop at all.
 */
const element: Step = (d, pool) => {
  const x = d.rng.pick(floatsIn(pool).filter((v) => v.shape.length === 1));
  if (!x) return null;
  const n = x.shape[0]!;
  const at = d.rng.chance(0.5) ? lit(d.rng.int(0, n - 1)) : ref(d.input('j', 'int32', [], () => d.rng.int(0, n - 1)).name);
  const view = d.call('subtensor', [x, list(at)], []);
  const scalars = floatsIn(pool).filter((v) => v.shape.length === 0);
  const y = scalars.length && d.rng.chance(0.6) ? ref(d.rng.pick(scalars).name) : lit(d.rng.uniform(-1, 1));
  return d.call(d.rng.chance(0.7) ? 'incSubtensor' : 'setSubtensor', [view, y], x.shape);
};

/** A gather with repeated indices, from a constant list or an int32 input drawn each call. */
const gather: Step = (d, pool) => {
  const x = d.rng.pick(floatsIn(pool).filter((v) => v.shape.length > 0));
  if (!x) return null;
  const count = d.rng.int(1, 5);
  const axis = d.rng.int(0, x.shape.length - 1);
  const draw = () => d.rng.array([count], () => d.rng.int(-x.shape[axis]!, x.shape[axis]! - 1));
  const idx = d.rng.chance(0.5) ? lit(draw()) : ref(d.input('idx', 'int32', [count], draw).name);
  return d.call('take', [x, idx, axis], x.shape.map((n, a) => (a === axis ? count : n)));
};

/** x with values added (or written) at repeated row indices. */
const scatter: Step = (d, pool) => {
  const x = d.rng.pick(floatsIn(pool).filter((v) => v.shape.length > 0));
  if (!x) return null;
  const count = d.rng.int(1, 5);
  const draw = () => d.rng.array([count], () => d.rng.int(0, x.shape[0]! - 1));
  const idx = d.rng.chance(0.5) ? lit(draw()) : ref(d.input('idx', 'int32', [count], draw).name);
  const rows = floatsIn(pool).filter((y) => sameShape(y.shape, x.shape.slice(1)));
  const y = rows.length && d.rng.chance(0.7) ? ref(d.rng.pick(rows).name) : lit(d.rng.uniform(-1, 1));
  const f = d.rng.chance(0.7) ? 'advancedIncSubtensor' : 'advancedSetSubtensor';
  return d.call(f, [x, list(idx), y], x.shape);
};

const concat: Step = (d, pool) => {
  const a = d.rng.pick(floatsIn(pool).filter((v) => v.shape.length > 0));
  if (!a) return null;
  const axis = d.rng.int(0, a.shape.length - 1);
  const bs = floatsIn(pool).filter((b) => b.shape.length === a.shape.length && b.shape.every((n, i) => i === axis || n === a.shape[i]));
  const b = d.rng.pick(bs);
  return d.call('concatenate', [list(ref(a.name), ref(b.name)), axis], a.shape.map((n, i) => (i === axis ? n + b.shape[i]! : n)));
};

const select: Step = (d, pool) => {
  const a = d.rng.pick(floatsIn(pool));
  const b = d.rng.pick(floatsIn(pool).filter((v) => sameShape(v.shape, a.shape)));
  return d.call('where', [d.call('gt', [a, b], a.shape, 'bool'), a, b], a.shape);
};

const rowSoftmax: Step = (d, pool) => {
  const x = d.rng.pick(matrices(pool));
  return x ? d.call(d.rng.pick(['softmax', 'logSoftmax']), [x], x.shape) : null;
};

const STEPS: readonly Step[] = [unary, unary, binary, binary, reduce, transpose, column, product, slice, element, gather, scatter, concat, select, rowSoftmax];

