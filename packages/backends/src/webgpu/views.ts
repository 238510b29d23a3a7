import type { Apply } from '@hypatia/core';
import { Flatten, Reshape, ReshapeLike } from '@hypatia/ops';
import { viewShape, type ViewShape } from '../view-shape.js';
import { ROUTINES, type Routine } from './lowering.js';

// Reshapes are views: the output shares its input's buffer (a row-major reshape moves no element).
const view = (node: Apply, shape: ViewShape): Routine =>
  async () => ({
    node,
    describe: `view ${node.op.toString()}`,
    alias: true,
    shapes: (ins) => [shape(ins)],
  });

// Their shapes, with reshape_like's size check, as the CPU backends give them.
const routine = (node: Apply) => view(node, viewShape(node)!);
ROUTINES.set(Reshape, routine);
ROUTINES.set(ReshapeLike, routine);
ROUTINES.set(Flatten, routine);
