import { runProgramJS, type Apply, type NDArray, type Variable } from '@hypatia/core';

/**
 * The kernels of the node that computes `v`, run by the JavaScript printer on `args`, against the
 * op's `perform`, bit for bit (NaN equal to NaN, -0 apart from 0): what differs, or null, and the
 * reference result.
 */
export function kernelsAgainstPerform(v: Variable, args: readonly NDArray[]): { diff: string | null; want: NDArray } {
  const node = v.owner as Apply;
  const want = node.op.perform(args, node)[0]!;
  const got = runProgramJS(node, node.op.kernels!(node)!, args)[0]!;
  if (got.shape.join() !== want.shape.join()) return { diff: `${node.op}: shape [${got.shape}] vs [${want.shape}]`, want };
  const at = Array.from(want.data).findIndex((w, i) => !Object.is(w, got.data[i]));
  return { diff: at < 0 ? null : `${node.op} element ${at}: ${got.data[at]} vs ${want.data[at]}`, want };
}
