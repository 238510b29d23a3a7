import { HypatiaError, Op, ShapeError, type Apply, type Dim, type TensorType } from '@hypatia/core';

/**
 * What dot and matmul share: `transA`/`transB` (read an operand's last two axes transposed, without
 * copying) as props, the operand checks, and the inner-dimension checks with one way of printing them.
 */
export abstract class ProductOp extends Op {
  constructor(readonly transA = false, readonly transB = false) {
    super();
  }

  static override readonly props = ['transA', 'transB'];

  /** Each operand must be a number tensor; `rankProblem` says what is wrong with a rank, or null. */
  protected checkOperands(a: TensorType, b: TensorType, rankProblem: (ndim: number) => string | null): void {
    for (const [t, side] of [[a, 'left'], [b, 'right']] as const) {
      const problem = rankProblem(t.ndim);
      if (problem) throw new ShapeError(`the ${side} operand ${problem}`);
      if (t.dtype === 'bool') throw new ShapeError(`the ${side} operand is bool; cast it to a number type first`);
    }
  }

  /** At build time: inner lengths that are both known must agree. */
  protected checkInner(ka: Dim, kb: Dim, a: readonly Dim[], b: readonly Dim[]): void {
    if (ka !== null && kb !== null && ka !== kb) {
      throw new ShapeError(`inner dimensions do not match: ${this.describe(a, b)} (${ka} vs ${kb})`);
    }
  }

  /** At run time: the inner lengths must agree. */
  protected checkInnerAtRun(ka: number, kb: number, a: readonly number[], b: readonly number[], node: Apply): void {
    if (ka !== kb) throw new HypatiaError(this.name, `at run time, inner dimensions do not match: ${this.describe(a, b)} (${ka} vs ${kb})`, node.site);
  }

  /** `[10, 784] · [100, 10]`, with ᵀ on transposed operands. */
  protected describe(a: readonly Dim[], b: readonly Dim[]): string {
    const f = (s: readonly Dim[], t: boolean) => `[${s.map((d) => d ?? '?').join(', ')}]${t ? 'ᵀ' : ''}`;
    return `${f(a, this.transA)} · ${f(b, this.transB)}`;
  }
}
