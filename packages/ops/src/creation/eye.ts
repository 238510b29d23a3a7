import { Constant, DISCONNECTED, E, HypatiaError, I, KernelBuilder, NDArray, Op, ShapeError, TensorType, Variable, floatX, isInteger, type Apply, type DType, type GradResult, type KernelProgram } from '@hypatia/core';
import type { ScalarBound } from './arange.js';

function identity(n: number, m: number, k: number, dtype: DType): NDArray {
  const a = NDArray.zeros(dtype, [n, m]);
  for (let i = Math.max(0, -k); i < n && i + k < m; i++) a.data[i * m + i + k] = 1;
  return a;
}

function checkCount(v: number, what: string, site?: Apply['site']): void {
  if (!Number.isInteger(v) || v < 0) throw new HypatiaError('eye', `${what} must be a non-negative integer, got ${v}`, site);
}

/** eye with a row or column count known only at run time: inputs are the int scalars n and m. */
export class Eye extends Op {
  readonly name = 'eye';
  constructor(readonly k: number, readonly dtype: DType) {
    super();
  }
  static override readonly props = ['k', 'dtype'];
  inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts.length !== 2) throw new ShapeError(`takes the row and column counts, got ${ts.length} operands`);
    ts.forEach((t, i) => {
      if (t.ndim !== 0 || !isInteger(t.dtype)) throw new ShapeError(`the ${i ? 'column' : 'row'} count must be an integer scalar, got ${t}`);
    });
    return [new TensorType(this.dtype, [null, null])];
  }
  perform([n, m]: readonly NDArray[], node: Apply): NDArray[] {
    checkCount(n!.item(), 'the row count', node.site);
    checkCount(m!.item(), 'the column count', node.site);
    return [identity(n!.item(), m!.item(), this.k, this.dtype)];
  }
  /** Every element: 1 where its column is its row + k. The counts are valueInputs (the shape depends on them). */
  override kernels(node: Apply): KernelProgram {
    const k = new KernelBuilder(`eye_${this.dtype}`);
    const out = k.output(this.dtype);
    const [rows, cols, diagonal] = k.params(3);
    const [r, c] = k.space(rows!, cols!);
    k.store(out, I.add(I.mul(r!, cols!), c!), E.index(I.eq(I.sub(c!, r!), diagonal!), this.dtype));
    return {
      kernels: [k.build()],
      valueInputs: [0, 1],
      plan: ([n, m]) => {
        const [rows, cols] = [n!.value!.item(), m!.value!.item()];
        checkCount(rows, 'the row count', node.site);
        checkCount(cols, 'the column count', node.site);
        return { outputs: [[rows, cols]], launches: [{ kernel: 0, buffers: [{ output: 0 }], params: [rows, cols, this.k] }] };
      },
    };
  }

  override grad(): GradResult[] {
    return [DISCONNECTED, DISCONNECTED];
  }
}

/**
 * An n-by-m matrix (m = n by default) with ones on diagonal k (positive: above the main one).
 * With numeric n and m it is a constant; with int32 scalar variables an `eye` node.
 */
export function eye(n: ScalarBound, m: ScalarBound = n, k = 0, dtype: DType = floatX): Variable {
  if (!Number.isInteger(k)) throw new RangeError(`eye: the diagonal offset k must be an integer, got ${k}`);
  if (typeof n === 'number' && typeof m === 'number') {
    checkCount(n, 'the row count');
    checkCount(m, 'the column count');
    return new Constant(identity(n, m, k, dtype));
  }
  const count = (v: ScalarBound, what: string) => {
    if (v instanceof Variable) return v;
    checkCount(v, what);
    return new Constant(NDArray.from(v, 'int32'));
  };
  return new Eye(k, dtype).call(count(n, 'the row count'), count(m, 'the column count'));
}
