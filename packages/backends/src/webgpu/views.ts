import type { Apply } from '@hypatia/core';
import { Flatten, Reshape, ReshapeLike } from '@hypatia/ops';
import { ROUTINES, type Routine } from './lowering.js';

// Reshapes are views: the output shares its input's buffer (a row-major reshape moves no element).
const view = (node: Apply, shape: (ins: readonly { shape: number[]; size: number }[]) => number[]): Routine =>
  async () => ({
    node,
    describe: `view ${node.op.toString()}`,
    alias: true,
    shapes: (ins) => [shape(ins)],
  });

ROUTINES.set(Reshape, (node, op) => view(node, ([x]) => op.resolve(x!.size, node)));
ROUTINES.set(ReshapeLike, (node) => view(node, ([, like]) => [...like!.shape]));
ROUTINES.set(Flatten, (node, op) => view(node, ([x]) => [...x!.shape.slice(0, op.ndim - 1), x!.shape.slice(op.ndim - 1).reduce((a, b) => a * b, 1)]));
