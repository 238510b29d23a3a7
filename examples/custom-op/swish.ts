// A user-defined elementwise op that is not in the catalogue: Swish, y = x * sigmoid(beta * x), with
// beta fixed when the op is built. As a subclass of Elemwise it states its scalar formula once: its
// reference semantics, its fusion with neighbouring elementwise ops and its kernel on every backend
// all come from that formula. Its gradient is written with other ops, and its type rule adds a
// check to the broadcasting one.
import { Elemwise, S, ShapeError, isFloat, type TensorType, type Variable } from '@hypatia/core';
import { add, asVariable, mul, sigmoid, sub, type VarLike } from '@hypatia/ops';

export class Swish extends Elemwise {
  constructor(readonly beta = 1) {
    super({
      name: 'swish',
      arity: 1,
      props: { beta },
      formula: ([x]) => S.div(x!, S.add(S.c(1, x!.dtype), S.exp(S.neg(S.mul(S.c(beta, x!.dtype), x!))))),
      /** dy/dx = s + beta x s (1 - s), with s = sigmoid(beta x). */
      grad: ([x], _y, g) => {
        const s = sigmoid(mul(beta, x!));
        return [mul(g, add(s, mul(mul(beta, x!), mul(s, sub(1, s)))))];
      },
    });
  }

  override inferTypes(ts: readonly TensorType[]): TensorType[] {
    if (ts[0] && !isFloat(ts[0].dtype)) throw new ShapeError(`swish needs a float tensor, got ${ts[0].dtype}`);
    return super.inferTypes(ts);
  }
}

export function swish(x: VarLike, beta = 1): Variable {
  return new Swish(beta).call(asVariable(x));
}
