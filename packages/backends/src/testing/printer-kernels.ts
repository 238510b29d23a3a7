import { E, I, KernelBuilder, typedArrayFor, type DType, type Kernel } from '@hypatia/core';

/**
 * Kernels of the IR that every printer's test (C, WebAssembly, WGSL) runs against the JavaScript
 * printer, each on the data and sizes its own backend needs to cross (thread thresholds, lanes,
 * workgroups); what only one printer needs stays in its test.
 */

/** n elements of `dtype`, element i = f(i). */
export const filled = (dtype: DType, n: number, f: (i: number) => number) => {
  const a = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) a[i] = f(i);
  return a;
};

/** y[i, j, l] = tanh(x (strided: params 3-5) + bias[l]) * 0.5 over a rank-3 space; params A, B, C, sx0, sx1, sx2. */
export function broadcastMapKernel(): Kernel {
  const k = new KernelBuilder('ew');
  const x = k.input('float32');
  const bias = k.input('float32');
  const y = k.output('float32');
  const [a, b, c, sx0, sx1, sx2] = k.params(6);
  const [i, j, l] = k.space(a!, b!, c!);
  const v = E.mul(E.call('tanh', [E.add(x.at(I.strided([i!, j!, l!], [sx0!, sx1!, sx2!])), bias.at(l!))]), E.c(0.5, 'float32'));
  k.store(y, I.strided([i!, j!, l!], [I.mul(b!, c!), c!, 1]), v);
  return k.build();
}

/** A float32 row softmax computed in float64, its max and sum reductions of the row; params rows, cols. */
export function rowSoftmaxKernel(): Kernel {
  const k = new KernelBuilder('softmax');
  const x = k.input('float32');
  const y = k.output('float32');
  const [rows, cols] = k.params(2);
  const [r, c] = k.space(rows!, cols!);
  const at = (q: typeof c) => I.add(I.mul(r!, cols!), q!);
  const m = k.reduce('max', [cols!], ([q]) => E.cast(x.at(at(q!)), 'float64'));
  const z = k.reduce('sum', [cols!], ([q]) => E.exp(E.sub(E.cast(x.at(at(q!)), 'float64'), m)));
  k.store(y, at(c!), E.div(E.exp(E.sub(E.cast(x.at(at(c!)), 'float64'), m)), z));
  return k.build();
}

/** The int32 argmax or argmin of each row of a float64 matrix; params rows, cols. */
export function argReduceKernel(op: 'argmax' | 'argmin'): Kernel {
  const k = new KernelBuilder(op);
  const x = k.input('float64');
  const out = k.output('int32');
  const [rows, cols] = k.params(2);
  const [r] = k.space(rows!);
  k.store(out, r!, k.reduce(op, [cols!], ([q]) => x.at(I.add(I.mul(r!, cols!), q!))));
  return k.build();
}

/** dst[p] = src[idx[p]], a negative index wrapped once, checked in range; params n (src's length), m. */
export function gatherKernel(): Kernel {
  const g = new KernelBuilder('gather');
  const src = g.input('float32');
  const idx = g.input('int32');
  const dst = g.output('float32');
  const [n, m] = g.params(2);
  const [p] = g.space(m!);
  const j = I.wrap(idx.read(p!), n!);
  g.check(I.within(j, 0, n!));
  g.store(dst, p!, src.at(j));
  return g.build();
}

/** acc[ix[q]] += ys[q], sequential so colliding targets add in order; param count. */
export function scatterAddKernel(dtype: DType): Kernel {
  const s = new KernelBuilder(`scatter_${dtype}`);
  const ys = s.input(dtype);
  const ix = s.input('int32');
  const acc = s.buffer(dtype, 'readwrite');
  const [cnt] = s.params(1);
  const [q] = s.space(cnt!);
  s.store(acc, ix.read(q!), ys.at(q!), { accumulate: true });
  return s.build({ sequential: true });
}

/** The max of the window of `size` ending at each point, clipped at the start; params len, size. */
export function windowMaxKernel(): Kernel {
  const w = new KernelBuilder('window_max');
  const xs = w.input('float32');
  const ws = w.output('float32');
  const [len, size] = w.params(2);
  const [o] = w.space(len!);
  w.store(ws, o!, w.reduce('max', [[I.max(I.sub(o!, I.sub(size!, 1)), 0), I.add(o!, 1)]], ([t]) => xs.at(t!)));
  return w.build();
}
