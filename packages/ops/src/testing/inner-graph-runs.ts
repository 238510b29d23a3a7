import { NDArray, shapeSize, type Apply, type InnerGraph } from '@hypatia/core';
import { IfElse } from '../control/ifelse.js';
import { Scan } from '../control/scan-op.js';
import { rowAt, scanSchedule } from '../control/scan-schedule.js';

/**
 * The inner graphs a node ran for operands `ins`, with their inputs: a Scan's body at its first
 * step (the rows the schedule gives step 0), an IfElse's branch taken. Tests that check ops node by
 * node against their reference semantics descend into them, so a loop's or branch's own ops are
 * checked like any other. A loop of no steps ran no body.
 */
export function innerGraphRuns(node: Apply, ins: readonly NDArray[]): { graph: InnerGraph; inputs: NDArray[] }[] {
  const op = node.op;
  if (op instanceof IfElse) {
    const taken = Boolean(ins[0]!.data[0]);
    const operands = ins.slice(1);
    return [{ graph: taken ? op.thenBranch : op.elseBranch, inputs: (taken ? op.thenArgs : op.elseArgs).map((a) => operands[a]!) }];
  }
  if (!(op instanceof Scan)) return [];
  const { info, layout } = op;
  const schedule = scanSchedule(info, node, ins.map((a) => a.shape), info.hasNSteps ? ins[0]!.item() : undefined);
  if (!schedule.steps) return [];
  const inputs = new Array<NDArray>(layout.nInnerInputs);
  for (const r of schedule.sequenceReads) inputs[r.inner] = rowOf(ins[r.input]!, rowAt(r.row, 0));
  // Step 0's taps read rows of the initial state (the state itself when it is given as one row).
  for (const r of schedule.tapReads) {
    const b = schedule.buffers[r.output]!;
    const initial = ins[b.initialInput]!;
    inputs[r.inner] = b.initialIsState ? initial : rowOf(initial, rowAt(r.row, 0));
  }
  for (const r of schedule.wholeReads) inputs[r.inner] = ins[r.input]!;
  return [{ graph: op.body, inputs }];
}

function rowOf(x: NDArray, row: number): NDArray {
  const shape = x.shape.slice(1);
  const n = shapeSize(shape);
  return new NDArray(x.dtype, shape, x.data.slice(row * n, (row + 1) * n));
}
