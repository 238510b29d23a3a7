import { Constant, HypatiaError, SharedVariable, type NDArray, type Variable } from '@hypatia/core';

/**
 * The value table of one call of an executable: the inputs' arguments and each node's outputs as
 * they are computed; constants and shared variables are read where they live, so a shared
 * variable's current value is what the call sees.
 */
export function valueTable(functionName: string, inputs: readonly Variable[], args: readonly NDArray[]): {
  values: Map<Variable, NDArray>;
  get: (v: Variable) => NDArray;
} {
  const values = new Map<Variable, NDArray>();
  inputs.forEach((v, i) => values.set(v, args[i]!));
  const get = (v: Variable): NDArray => {
    const x = values.get(v);
    if (x) return x;
    if (v instanceof Constant) return v.value;
    if (v instanceof SharedVariable) return v.get({ borrow: true });
    throw new HypatiaError(functionName, `no value for ${v} (${v.type})`, v.site);
  };
  return { values, get };
}
